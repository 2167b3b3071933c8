"""The book's two profiles of each experiment.

"full" is the paper-faithful default (`defaults.py`) with the number of replicates the book
runs; "quick" keeps the paper's rates and optimizer but trains on subsets for a few hundred
iterations, so a chapter runs in minutes on a laptop CPU (and in CI). Both are plain
`Experiment`s: a chapter passes its papermill parameters as overrides.
"""
from lthkit._errors import bad_param, check_choice
from lthkit.search.defaults import default_experiment

PROFILES = ("quick", "full")

QUICK = {
    "lenet_300_100": dict(
        data={"n_train": 10_000, "validation": 1_000, "n_test": 2_000},
        train={"iterations": 1_500, "eval_every": 100},
        search={"rounds": 10, "replicates": 2}),
    # Conv-6 at an eighth of its filters: a full-width step takes about 0.5 s on 2 cores.
    "conv6": dict(
        model={"kwargs": {"width": 0.125}},
        data={"n_train": 10_000, "validation": 1_000, "n_test": 2_000},
        train={"iterations": 400, "eval_every": 100},
        search={"rounds": 4, "replicates": 2}),
    "text_cnn": dict(
        data={"n_train": 4_000, "validation": 1_000, "n_test": 2_000,
              "kwargs": {"vocab_size": 10_000, "max_len": 200}},
        train={"epochs": 2},
        search={"rounds": 4, "replicates": 2}),
    "text_lstm": dict(
        data={"n_train": 2_000, "validation": 500, "n_test": 1_000,
              "kwargs": {"vocab_size": 5_000, "max_len": 100}},
        model={"kwargs": {"units": 32, "layers": 2}},
        train={"epochs": 2},
        search={"rounds": 3, "replicates": 2}),
}
FULL = {
    # [FC19] ran five trials; three replicates keep the full Lenet run to hours on a CPU.
    "lenet_300_100": dict(search={"replicates": 3}, train={"test_curve": False}),
    "conv6": dict(search={"replicates": 3}, train={"test_curve": False}),
}


def _merge(exp, changes):
    out = {}
    for section, values in changes.items():
        current = getattr(exp, section)
        if isinstance(values, dict) and "kwargs" in values and isinstance(values["kwargs"], dict):
            values = {**values, "kwargs": {**current.kwargs, **values["kwargs"]}}
        out[section] = values
    return exp.replace(**out)


def profile_experiment(name, profile="quick", **overrides):
    """The `Experiment` for model `name` in `profile`, with section overrides applied last,
    e.g. `profile_experiment("lenet_300_100", "quick", search={"replicates": 3})`."""
    check_choice("profile", profile, PROFILES)
    exp = default_experiment(name)
    table = QUICK if profile == "quick" else FULL
    if name not in table and profile == "quick":
        raise bad_param("model", name, "one of " + ", ".join(QUICK) + " for the quick profile")
    exp = _merge(exp, table.get(name, {}))
    return _merge(exp, {k: v for k, v in overrides.items() if v})
