"""Each model's experiment in each profile, and chapter knobs that change one setting.

`experiment("lenet_300_100", "quick", rounds=4)` is the paper's Lenet experiment
(`default_experiment`) with the quick profile's knobs (subsets, short schedule), then the
given knobs on top. A knob is a flat name for one setting (`rounds`, `training`, `n_train`,
`width`, ...; see `KNOBS`); None means "the profile's value", and a zero stays a zero (it is
valid, like `rounds=0`, or refused with the one-line error, like `replicates=0`).

The profiles themselves are `lthkit.profiles`; the values per model live in its file in
`lthkit.search.zoo`, beside its paper setting, as plain data.
"""
from lthkit._errors import bad_param, check_choice
from lthkit.profiles import PROFILES, resolve
from lthkit.search.defaults import default_experiment

# knob -> (section, field); "data.kwargs" / "model.kwargs" set one keyword argument.
KNOBS = {
    "rounds": ("search", "rounds"), "replicates": ("search", "replicates"),
    "seed": ("search", "seed"), "controls": ("search", "controls"),
    "mode": ("search", "mode"), "rewind": ("search", "rewind"),
    "mask_after": ("search", "mask_after"), "levels": ("search", "levels"),
    "gpus": ("search", "gpus"),
    "training": ("train", "training"), "eval_every": ("train", "eval_every"),
    "learning_rate": ("train", "learning_rate"), "batch_size": ("train", "batch_size"),
    "batching": ("train", "batching"), "test_curve": ("train", "test_curve"),
    "n_train": ("data", "n_train"), "n_test": ("data", "n_test"),
    "validation": ("data", "validation"), "data_seed": ("data", "seed"),
    "vocab_size": ("data.kwargs", "vocab_size"), "max_len": ("data.kwargs", "max_len"),
    "test_size": ("data.kwargs", "test_size"),
    "width": ("model.kwargs", "width"), "hidden": ("model.kwargs", "hidden"),
    "units": ("model.kwargs", "units"), "layers": ("model.kwargs", "layers"),
    "embed_dim": ("model.kwargs", "embed_dim"), "filters": ("model.kwargs", "filters"),
    "kernel_sizes": ("model.kwargs", "kernel_sizes"), "dropout": ("model.kwargs", "dropout"),
    "rates": ("prune", "rates"), "strategy": ("prune", "strategy"),
    "criterion": ("prune", "criterion"), "score_batches": ("prune", "score_batches"),
    "name": (None, "name"),
}

def presets_for(model, dataset=None):
    """{profile: knobs} of a registered model (merged with its dataset's presets, e.g. the
    text CNN's on AG News): its `ModelEntry.presets`, in its file in `lthkit.search.zoo`."""
    from lthkit.models import registry
    return registry.entry(model).presets_for(dataset)


def apply_knobs(exp, knobs):
    """`exp` with each knob's setting changed (knobs: {name: value}, no None values)."""
    sections = {}
    for name, value in knobs.items():
        if name not in KNOBS:
            raise bad_param(name, value, "a knob of lthkit.search.experiment: "
                            + ", ".join(sorted(KNOBS)))
        section, key = KNOBS[name]
        if section is None:
            sections[key] = value
        elif section.endswith(".kwargs"):
            part = section.split(".")[0]
            current = sections.get(part, {}).get("kwargs", getattr(exp, part).kwargs)
            sections.setdefault(part, {})["kwargs"] = {**current, key: value}
        else:
            sections.setdefault(section, {})[key] = value
    return exp.replace(**sections)


def experiment(model, profile="quick", dataset=None, **knobs):
    """The experiment a chapter runs: the paper's setting for `model` (on `dataset`, for
    the text models), the `profile`'s knobs, then the given knobs (None = the profile's)."""
    check_choice("profile", profile, PROFILES)
    exp = default_experiment(model, dataset)
    settings = resolve(profile, presets_for(model, dataset), missing="skip", **knobs)
    return apply_knobs(exp, settings.as_dict())
