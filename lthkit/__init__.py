"""lthkit: masked Keras 3 layers, magnitude pruning and the lottery ticket search.

JAX is the default Keras backend (measured faster on CPU here, see README); set
``KERAS_BACKEND`` before importing lthkit (or keras) to choose another one.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if os.environ["KERAS_BACKEND"] != "tensorflow":
    # Keras imports TensorFlow when it is installed; off its backend TF does no model
    # arithmetic, and this keeps its oneDNN notice quiet.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"
