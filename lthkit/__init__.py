"""lthkit: masked Keras 3 layers, magnitude pruning and the lottery ticket search.

JAX is the default Keras backend (measured faster on CPU here, see README); set
``KERAS_BACKEND`` before importing lthkit (or keras) to choose another one.

`lthkit.masked(model)` masks any Sequential or functional Keras model (see
`lthkit.layers.wrap`). Subpackages load on first use (`lthkit.data`, `lthkit.search`, ...).
Importing lthkit registers its masked layers with Keras, so a saved ticket loads with
``keras.saving.load_model("ticket.keras")`` after ``import lthkit``. Keras itself is not
imported here (a chapter picks its backend first): the layers are registered the moment
Keras is imported, or at once if it already is.
"""
import importlib.abc
import importlib.util
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if os.environ["KERAS_BACKEND"] != "tensorflow":
    # Keras imports TensorFlow when it is installed; off its backend TF does no model
    # arithmetic, and this keeps its oneDNN notice quiet.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.2.0"


def _register_layers():
    import lthkit.layers  # noqa: F401  (registering is a side effect of the import)


class _RegisterAfterKeras(importlib.abc.MetaPathFinder):
    """Import lthkit.layers right after Keras has been imported (once)."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            _register_layers()
        spec.loader.exec_module = exec_then_register
        return spec


SUBPACKAGES = ("analysis", "book", "claims", "data", "durations", "layers", "models",
               "plots", "profiles", "pruning", "search", "store")


def __getattr__(name):
    # `lthkit.masked(model)` and `lthkit.data.from_arrays(...)` without importing Keras at
    # `import lthkit`
    if name == "masked":
        from lthkit.layers.wrap import masked
        return masked
    if name in SUBPACKAGES:
        return importlib.import_module(f"lthkit.{name}")
    raise AttributeError(f"module 'lthkit' has no attribute {name!r}")


if "keras" in sys.modules:
    _register_layers()
elif not any(isinstance(f, _RegisterAfterKeras) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterAfterKeras())
