"""lthkit's own models, one file each (open_lth's style): the builder, the paper's setting
(`paper(dataset)`), the presets per profile, the datasets and the diff-card notes. Each is
registered here through `lthkit.search.own.model_entry`, the path a reader's
`register_model` takes: nothing else in lthkit names a model."""
from lthkit.models import registry
from lthkit.search.own import model_entry
from lthkit.search.zoo import conv6, end2end, lenet_300_100, text_cnn, text_lstm

for _module in (lenet_300_100, conv6, text_cnn, text_lstm, end2end):
    _name = _module.__name__.rsplit(".", 1)[-1]
    if _name not in registry.REGISTRY:
        registry.register(model_entry(
            _name, _module.builder, _module.paper, presets=_module.PRESETS,
            dataset_presets=getattr(_module, "DATASET_PRESETS", {}),
            datasets=_module.DATASETS, notes=_module.NOTES,
            ignores_padding=getattr(_module, "IGNORES_PADDING", False),
            check=getattr(_module, "check", None)))
