"""One seam for every model: a model is one registered `ModelEntry`.

An entry holds all lthkit knows of a model: its builder, the paper's setting (a function of
the dataset returning an `Experiment`), its presets per profile, the datasets it trains on,
whether it reads text and whether it ignores padding, notes for its runs' diff cards, and a
rule on its arguments. lthkit's five models are registered from `lthkit.search.zoo`, one file
each (open_lth's style), through the same `lthkit.search.register_model` path a reader's
model takes; nothing else in lthkit names a model.

The built-in entries are loaded on first use, so `lthkit.models.build_model("conv6")` works
without importing `lthkit.search` first.
"""
import inspect
from dataclasses import dataclass, field
from typing import Callable

from lthkit._errors import bad_param

# The builder arguments the search fills from the data (a builder takes those it names).
FILLED = ("input_shape", "num_classes", "vocab_size", "max_len")
# lthkit's own models: registered by lthkit.search.zoo, never replaced by a reader's.
BUILT_IN = ("lenet_300_100", "conv6", "text_cnn", "text_lstm", "end2end")


@dataclass(frozen=True)
class ModelEntry:
    """A registered model.

    paper: `paper(dataset)` is the paper's setting on `dataset` (None: the model's first).
    presets: {profile: knobs of `lthkit.search.experiment`}; dataset_presets: {dataset:
        {profile: knobs}} on top, for that dataset.
    datasets: the datasets it trains on, its paper's first.
    ignores_padding: its prediction does not change with padding ('bucket' batching).
    notes: where its paper setting fills a gap in the paper (shown on every diff card).
    check: `check(kwargs, max_len)` refuses builder arguments that cannot work (one line).
    """
    name: str
    builder: Callable
    paper: Callable
    presets: dict = field(default_factory=dict)
    dataset_presets: dict = field(default_factory=dict)
    datasets: tuple = ()
    text: bool = False
    ignores_padding: bool = False
    notes: tuple = ()
    check: Callable | None = None

    @property
    def built_in(self):
        return self.name in BUILT_IN

    @property
    def fills(self):
        """The builder's arguments the search fills from the data."""
        return tuple(p for p in inspect.signature(self.builder).parameters if p in FILLED)

    def presets_for(self, dataset=None):
        """{profile: knobs}, merged with the dataset's own presets."""
        from lthkit.profiles import PROFILES
        extra = self.dataset_presets.get(dataset, {})
        return {p: {**self.presets.get(p, {}), **extra.get(p, {})} for p in PROFILES}


REGISTRY = {}


def _load_built_in():
    if not all(name in REGISTRY for name in BUILT_IN):
        import lthkit.search.zoo  # noqa: F401  (registers lthkit's own models)


def register(entry, replace=False):
    """Add `entry`; a name already taken is refused unless `replace`. lthkit's own models
    are loaded first, so a reader's model never takes one of their names or places."""
    _load_built_in()
    taken = REGISTRY.get(entry.name)
    if taken is not None and not replace:
        raise bad_param("name", entry.name, "a name not taken already"
                        + ("" if entry.name in BUILT_IN else " (replace=True registers it again)"))
    REGISTRY[entry.name] = entry
    return entry


def entry(name):
    """The registered model `name`, or the one-line error that lists the registered ones."""
    _load_built_in()
    if name not in REGISTRY:
        raise bad_param("model", name, "one of " + ", ".join(names()))
    return REGISTRY[name]


def names():
    """Every registered model's name, lthkit's own first."""
    _load_built_in()
    return BUILT_IN + tuple(n for n in REGISTRY if n not in BUILT_IN)


def is_registered(name):
    _load_built_in()
    return name in REGISTRY
