"""Model builders. Every prunable layer is masked and named, so mask keys are stable.

Which models there are is `lthkit.models.registry` (one `ModelEntry` per model); this
module builds them by name and checks their arguments."""
import inspect
import numbers

from lthkit._errors import bad_param
from lthkit.models import registry
from lthkit.models.conv import conv6, conv_net
from lthkit.models.lenet import lenet_300_100
from lthkit.models.registry import BUILT_IN
from lthkit.models.text import end2end, text_cnn, text_lstm


def get_builder(name):
    """The builder function of a registered model, e.g. get_builder("conv6")."""
    return registry.entry(name).builder


def build_model(name, **kwargs):
    """Build a registered model by name, e.g. build_model("lenet_300_100")."""
    check_kwargs(name, kwargs)
    return get_builder(name)(**kwargs)


def _is_int(value, minimum):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def _int_at_least(minimum, allowed=None):
    def check(name, value):
        if not _is_int(value, minimum):
            raise bad_param(name, value, allowed or f"an int >= {minimum}")
    return check


def _int_tuple(name, value):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or not len(value):
        raise bad_param(name, value, "a non-empty list of ints >= 1")
    for v in value:
        if not _is_int(v, 1):
            raise bad_param(name, value, "a non-empty list of ints >= 1 (every entry)")


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise bad_param(name, value, "a number in [0, 1)")


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise bad_param(name, value, "a number > 0")


def _string(name, value):
    if not isinstance(value, str):
        raise bad_param(name, value, "the name of a Keras initializer, e.g. 'glorot_normal'")


CHECKS = {"filters": _int_at_least(1), "embed_dim": _int_at_least(1),
          "units": _int_at_least(1), "layers": _int_at_least(1), "max_len": _int_at_least(1),
          "vocab_size": _int_at_least(3, "an int >= 3 (words plus <pad> and <unk>)"),
          "num_classes": _int_at_least(2), "kernel_sizes": _int_tuple, "hidden": _int_tuple,
          "pools": _int_tuple, "input_shape": _int_tuple, "dense": _int_tuple,
          "blocks": _int_tuple, "dropout": _fraction, "width": _positive,
          "initializer": _string}


def check_kwargs(name, kwargs):
    """Refuse model arguments that cannot work, before anything is built or trained: an
    unknown name, a value of the wrong kind, or a ``max_len`` below the largest kernel."""
    builder = get_builder(name)
    allowed = [p for p in inspect.signature(builder).parameters]
    for key, value in kwargs.items():
        if key not in allowed:
            raise bad_param(f"model.kwargs[{key!r}]", value,
                            f"an argument of the {name} builder: {', '.join(allowed)}")
        if key in CHECKS:
            CHECKS[key](key, value)
    check_model_rule(name, kwargs)


def check_model_rule(name, kwargs, max_len=None):
    """The registered model's own rule on its arguments (`ModelEntry.check`), with the
    data's ``max_len`` where given (else ``kwargs``'s). Models without one: no rule."""
    rule = registry.entry(name).check
    if rule is not None:
        rule(kwargs, kwargs.get("max_len") if max_len is None else max_len)


def length_fits_kernels(kwargs, max_len):
    """The text CNN's rule, the one place it lives: its texts (``max_len`` tokens) fill at
    least one window of its largest kernel (``kwargs``'s kernel sizes, else the builder's
    default)."""
    kernel_sizes = kwargs.get("kernel_sizes", inspect.signature(text_cnn).parameters[
        "kernel_sizes"].default)
    if max_len is not None and max_len < max(kernel_sizes):
        raise bad_param("max_len", max_len,
                        f"at least the largest kernel size ({max(kernel_sizes)}) of the text "
                        "CNN, so that every text fills one window")


__all__ = ["BUILT_IN", "build_model", "check_kwargs", "check_model_rule", "get_builder",
           "conv6", "conv_net", "end2end", "length_fits_kernels", "lenet_300_100", "registry",
           "text_cnn", "text_lstm"]
