"""Each model's experiment in each profile, and chapter knobs that change one setting.

`experiment("lenet_300_100", "quick", rounds=4)` is the paper's Lenet experiment
(`default_experiment`) with the quick profile's knobs (subsets, short schedule), then the
given knobs on top. A knob is a flat name for one setting (`rounds`, `training`, `n_train`,
`width`, ...; see `KNOBS`); None means "the profile's value", and a zero stays a zero (it is
valid, like `rounds=0`, or refused with the one-line error, like `replicates=0`).

The profiles themselves are `lthkit.profiles`; the values per model live here, as plain
data, so a reader sees in one place what "quick" means for every model.
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
    "criterion": ("prune", "criterion"), "name": (None, "name"),
}

_LENET_SUBSET = {"n_train": 10_000, "validation": 1_000, "n_test": 2_000}

PRESETS = {
    "lenet_300_100": {
        "smoke": {"n_train": 600, "validation": 200, "n_test": 200, "training": "30it",
                  "eval_every": "10it", "rounds": 2, "replicates": 1},
        "quick": {**_LENET_SUBSET, "training": "1000it", "eval_every": "100it", "rounds": 10,
                  "replicates": 2, "test_curve": False},
        # [FC19] ran five trials; three replicates keep the full run to hours on a CPU.
        "full": {"replicates": 3, "test_curve": False},
    },
    "conv6": {
        "smoke": {"width": 0.0625, "n_train": 300, "validation": 100, "n_test": 100,
                  "training": "10it", "eval_every": "5it", "rounds": 1, "replicates": 1},
        # An eighth of the filters: a full-width step takes about 0.35 s on 2 cores.
        "quick": {"width": 0.125, "n_train": 10_000, "validation": 500, "n_test": 1_000,
                  "training": "200it", "eval_every": "100it", "rounds": 2, "replicates": 2},
        "full": {"replicates": 3, "test_curve": False},
    },
    "text_cnn": {
        "smoke": {"n_train": 300, "validation": 100, "n_test": 100, "vocab_size": 2_000,
                  "max_len": 64, "training": "10it", "eval_every": "5it", "rounds": 2,
                  "replicates": 1},
        "quick": {"n_train": 1_500, "validation": 600, "n_test": 1_000,
                  "vocab_size": 8_000, "max_len": 128, "training": "2ep", "rounds": 3,
                  "replicates": 2, "controls": ("reinit", "random"), "test_curve": False},
        "full": {"rounds": 10, "replicates": 2, "controls": ("reinit", "random"),
                 "test_curve": False},
    },
    # Offline, AG News is a re-split of 7,600 rows with 17,744 distinct training words: the
    # full profile keeps all of them ([TXT]: 50,000 of the 120,000-row train split).
    "text_cnn/ag_news": {
        "quick": {"n_train": 1_500, "validation": 0.3, "n_test": 1_000, "max_len": 100,
                  "training": "2ep"},
        "full": {"rounds": 16, "replicates": 3, "controls": ("reinit", "random"),
                 "vocab_size": None, "test_curve": True},
    },
    "text_lstm": {
        "smoke": {"n_train": 200, "validation": 100, "n_test": 100, "vocab_size": 1_000,
                  "max_len": 32, "units": 8, "training": "5it", "eval_every": "5it",
                  "rounds": 1, "replicates": 1},
        "quick": {"n_train": 1_000, "validation": 400, "n_test": 800, "vocab_size": 5_000,
                  "max_len": 64, "units": 32, "training": "2ep", "rounds": 3,
                  "replicates": 2, "controls": ("reinit", "random"), "test_curve": False},
        # [TXT]'s 256 units at 400 tokens take 3.1 s a step here (4 h a round): 64 units,
        # reviews cut to 64 tokens and [TXT]'s 5-epoch schedule fit about 3 h for 62 rounds
        # (benchmarks/bench_text_lstm.py).
        "full": {"units": 64, "max_len": 64, "training": "5ep", "rounds": 10, "replicates": 2,
                 "controls": ("reinit", "random"), "test_curve": False},
    },
    # AG News offline: 3,990 training rows, all 17,744 words; [TXT]'s 256 units fit with the
    # 5-epoch schedule.
    "text_lstm/ag_news": {
        "quick": {"n_train": 1_000, "validation": 0.3, "n_test": 800, "max_len": 100},
        "full": {"units": 256, "max_len": 100, "vocab_size": None, "training": "5ep"},
    },
    "end2end": {
        "smoke": {"n_train": 300, "validation": 100, "n_test": 100, "vocab_size": 2_000,
                  "max_len": 64, "embed_dim": 8, "training": "5it", "eval_every": "5it",
                  "rounds": 1, "replicates": 1},
        "quick": {"n_train": 1_500, "n_test": 1_000, "vocab_size": 8_000, "embed_dim": 8,
                  "training": "2ep", "rounds": 2, "replicates": 1},
        # 300-d embeddings (293.7 M weights) take 1.95 s a step here: 55 min a round, 19 h
        # for the stored run; 50-d embeddings take 0.27 s (benchmarks/bench_end2end.py).
        "full": {"embed_dim": 50},
    },
}


def presets_for(model, dataset=None):
    """{profile: knobs} of a model (merged with its dataset's entry, e.g. text_cnn/ag_news)."""
    if model not in PRESETS:
        raise bad_param("model", model, "one of " + ", ".join(k for k in PRESETS if "/" not in k))
    base = PRESETS[model]
    extra = PRESETS.get(f"{model}/{dataset}", {})
    return {p: {**base.get(p, {}), **extra.get(p, {})} for p in PROFILES}


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
