import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if not os.environ.get("LTHKIT_DATA_MIRROR"):
    _mirror = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    if os.path.isdir(_mirror):
        os.environ["LTHKIT_DATA_MIRROR"] = os.path.abspath(_mirror)
