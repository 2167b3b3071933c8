"""Model builders. Every prunable layer is masked and named, so mask keys are stable."""
from lthkit._errors import bad_param
from lthkit.models.conv import conv6, conv_net
from lthkit.models.lenet import lenet_300_100
from lthkit.models.text import end2end, text_cnn, text_lstm

MODELS = {"lenet_300_100": lenet_300_100, "conv6": conv6, "text_cnn": text_cnn,
          "text_lstm": text_lstm, "end2end": end2end}


def get_builder(name):
    """The builder function of a registered model, e.g. get_builder("conv6")."""
    if name not in MODELS:
        raise bad_param("model", name, "one of " + ", ".join(MODELS))
    return MODELS[name]


def build_model(name, **kwargs):
    """Build a registered model by name, e.g. build_model("lenet_300_100")."""
    return get_builder(name)(**kwargs)


__all__ = ["MODELS", "build_model", "get_builder", "conv6", "conv_net", "end2end", "lenet_300_100",
           "text_cnn", "text_lstm"]
