"""Hyperparameters as frozen dataclasses: one object names a whole experiment.

`Experiment` = model + data + training + pruning + search settings. Every field is checked
when the object is made, so a bad value fails at once with one line naming the field, what
was given and what is allowed, before any data are loaded or anything is trained.

Durations (training length, evaluation interval, rewind point, `mask_after`) are written as
`"500it"` or `"3ep"` (see `lthkit.durations`); an int means iterations.

Its identity (the result-store hash) covers every field that changes a round's numbers;
fields that only say how far to go (`SearchHParams.rounds`, `replicates`, `controls`) are
left out, so asking for more rounds or replicates extends a stored run instead of starting
over.
"""
import dataclasses
import numbers
import re
from dataclasses import dataclass, field

from lthkit import durations
from lthkit._errors import bad_param, check_choice
from lthkit.models import check_kwargs, check_model_rule, registry
from lthkit.pruning.criteria import criterion as _criterion
from lthkit.pruning.prune import STRATEGIES, check_rates

MODES = ("iterative", "oneshot")
OPTIMIZERS = ("adam", "sgd")
BATCHING = ("shuffle", "bucket")
TEXT_DATASETS = ("imdb", "ag_news", "20newsgroups")


def _check_int(name, value, minimum, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise bad_param(name, value, f"{'None or ' if allow_none else ''}an int >= {minimum}")


@dataclass(frozen=True)
class ModelHParams:
    """A model: a registered builder (`lthkit.models.registry`) and its keyword arguments,
    or a reader's own Keras model as its config (`keras`, made by `lthkit.search.experiment_for`
    with canonical layer names), rebuilt from it with fresh weights for every replicate.

    prunable: {layer name: False} leaves layers of a reader's model unpruned (see
        `lthkit.masked`); part of the identity, like the config.
    """
    name: str = "lenet_300_100"
    kwargs: dict = field(default_factory=dict)
    keras: dict | None = None
    prunable: dict = field(default_factory=dict)

    def __post_init__(self):
        from lthkit.models.registry import BUILT_IN
        if not isinstance(self.kwargs, dict):
            raise bad_param("model.kwargs", self.kwargs, "a dict of builder arguments")
        if not isinstance(self.prunable, dict) or not all(
                isinstance(k, str) and isinstance(v, bool) for k, v in self.prunable.items()):
            raise bad_param("model.prunable", self.prunable, "a dict {layer name: True or False}")
        if self.keras is None:
            check_kwargs(self.name, self.kwargs)
            if self.prunable and self.name in BUILT_IN:
                raise bad_param("model.prunable", self.prunable,
                                f"{{}} for lthkit's {self.name} (its layers are masked already)")
            return
        if not isinstance(self.keras, dict) or "class_name" not in self.keras:
            raise bad_param("model.keras", type(self.keras).__name__,
                            "a serialized Keras model (lthkit.search.experiment_for makes it)")
        if self.kwargs:
            raise bad_param("model.kwargs", self.kwargs, "{} for a model given by its config")
        if not isinstance(self.name, str) or not _NAME.match(self.name) or not self.name:
            raise bad_param("model.name", self.name, "letters, digits, '_' and '.'")
        if self.name in BUILT_IN:
            raise bad_param("model.name", self.name, "a name other than lthkit's own models ("
                            + ", ".join(BUILT_IN) + ")")

    @property
    def own(self):
        """Whether this is a reader's own Keras model (given by its config)."""
        return self.keras is not None


@dataclass(frozen=True)
class DataHParams:
    """A dataset for `lthkit.data.load_dataset` and its keyword arguments.

    validation: held out of the training split (FC19: 5,000 MNIST images) for early stopping,
        an int count or a float fraction.
    n_train / n_test: seeded class-balanced subsets for quick runs (None = all).
    """
    name: str = "mnist"
    validation: int | float = 5000
    n_train: int | None = None
    n_test: int | None = None
    seed: int = 0
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self):
        from lthkit.data.load import check_arguments
        if not isinstance(self.kwargs, dict):
            raise bad_param("data.kwargs", self.kwargs, "a dict of load_dataset options")
        if self.own:
            extra = sorted(set(self.kwargs) - {"sha256"})
            if extra or self.n_train is not None or self.n_test is not None:
                raise bad_param("data", extra or "n_train/n_test",
                                "only the arrays' sha256 for a reader's own data "
                                "(subset them before lthkit.data.from_arrays)")
            if not isinstance(self.name, str) or not self.name:
                raise bad_param("data.name", self.name, "a non-empty name")
            return
        name = check_arguments(self.name, validation=self.validation, seed=self.seed,
                               n_train=self.n_train, n_test=self.n_test, **self.kwargs)
        object.__setattr__(self, "name", name)

    @property
    def own(self):
        """Whether these are a reader's own arrays (`lthkit.data.from_arrays`), known by
        their sha256: the search gets them as `data=`, it cannot load them."""
        return "sha256" in self.kwargs


@dataclass(frozen=True)
class TrainHParams:
    """One round of training.

    training: how long a round trains ("50000it", "10ep").
    eval_every: how often the validation and test sets are evaluated ("100it", "1ep"); the
        early-stop point is the evaluation with the lowest validation loss.
    batching: "shuffle" (a new random order every epoch, every batch padded alike) or
        "bucket" (text: batches of texts of similar length, each cut to its longest text,
        as torchtext's BucketIterator does; needs a model that ignores padding).
    fresh_optimizer: a new optimizer state every round. Must be True: the masked layers keep
        pruned weights at zero by giving them zero gradients, which holds only for an
        optimizer state that never saw them unpruned ([UNV20]'s code reused Adam's moments
        across rounds; the book describes that defect rather than running it).
    test_curve: evaluate the test set at every evaluation (True), or only where the
        validation loss reaches a new minimum and at the end (False: the same early-stop
        and final numbers for a fraction of the cost; other curve points are None).
    loss: None (lthkit's classification loss: binary cross-entropy for one output,
        sparse categorical otherwise, from logits unless the model ends in a softmax or
        sigmoid), a Keras loss name ("mse") or a serialized Keras loss.
    metrics: Keras metric names or serialized metrics; the first is the score the tables
        call accuracy (default: lthkit's classification accuracy), the others are
        recorded in the curves as val_<name> and test_<name>.
    """
    optimizer: str = "adam"
    learning_rate: float = 1.2e-3
    batch_size: int = 60
    training: str = "50000it"
    eval_every: str = "100it"
    eval_batch_size: int = 1000
    batching: str = "shuffle"
    fresh_optimizer: bool = True
    test_curve: bool = True
    loss: str | dict | None = None
    metrics: tuple = ()

    def __post_init__(self):
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        if (isinstance(self.learning_rate, bool) or not isinstance(self.learning_rate, numbers.Real)
                or not self.learning_rate > 0):
            raise bad_param("learning_rate", self.learning_rate, "a number > 0")
        _check_int("batch_size", self.batch_size, 1)
        _check_int("eval_batch_size", self.eval_batch_size, 1)
        object.__setattr__(self, "training", durations.normalize(self.training, "training", 1))
        object.__setattr__(self, "eval_every",
                           durations.normalize(self.eval_every, "eval_every", 1))
        check_choice("batching", self.batching, BATCHING)
        if self.fresh_optimizer is not True:
            raise bad_param("fresh_optimizer", self.fresh_optimizer, "True",
                            "Reused Adam moments would move pruned weights away from zero.")
        if not isinstance(self.test_curve, bool):
            raise bad_param("test_curve", self.test_curve, "True or False")
        from lthkit.search.train import check_loss, check_metrics
        object.__setattr__(self, "loss", check_loss(self.loss))
        object.__setattr__(self, "metrics", check_metrics(self.metrics))


@dataclass(frozen=True)
class PruneHParams:
    """rates: a float for every layer, or {kind: rate} with kinds from PRUNE_KINDS.

    criterion: "magnitude" (trained weights, default), "init_magnitude" (the [UNV20] defect),
        "movement", "random", the pruning-at-initialization criteria "snip", "grasp" and
        "synflow" (with mask_after="0it": scored at initialization), or any criterion
        registered with `lthkit.pruning.register_criterion`.
    score_batches: the training batches (the run's batch size, the replicate's first ones)
        a criterion that reads data scores on (SNIP, GraSP).
    """
    rates: float | dict = field(default_factory=lambda: {"dense": 0.2, "output": 0.1})
    strategy: str = "layerwise"
    criterion: str = "magnitude"
    score_batches: int = 1

    def __post_init__(self):
        check_choice("strategy", self.strategy, STRATEGIES)
        _criterion(self.criterion)
        _check_int("score_batches", self.score_batches, 1)
        check_rates(self.rates, self.strategy)


@dataclass(frozen=True)
class SearchHParams:
    """The ticket search.

    mode: "iterative" (IMP: train, prune, rewind, repeat) or "oneshot" (each level pruned
        directly from the dense trained network to the sparsity iterative round r reaches).
    rounds: pruning rounds after the dense round 0 (0 = the dense network only).
    rewind: the point of round 0's training whose weights the survivors are reset to:
        "0it" = the initialization [FC19], later = late rewinding [FDRC19].
    mask_after: score the weights after this much training instead of at the end of the
        round (early tickets, E7); None = at the end.
    levels: one-shot only: the levels to train, e.g. (2, 4, 6, 8, 16) for the sparsities
        of iterative rounds 2, 4, ... (empty: every level up to `rounds`). Like `rounds`, it
        says how far to go, not what is computed.
    controls: branches trained on every level, by name from `lthkit.search.controls`:
        "reinit" (same mask, new initialization), "random" (a random mask with the
        ticket's per-layer sparsity), or any control registered with `register_control`.
    replicates / seed: replicate i uses initialization seed `seed + i` and data-order seed
        `seed + 1000 + i`.
    gpus: the GPUs each round asks for on Ray (`executor="ray"`): 0 (default) trains on
        one CPU, 1 on a GPU of its own, 0.5 two rounds share one. Not part of the
        experiment's identity: where a round trains does not change what it computes.
    """
    mode: str = "iterative"
    rounds: int = 25
    rewind: str = "0it"
    mask_after: str | None = None
    levels: tuple = ()
    controls: tuple = ()
    replicates: int = 1
    seed: int = 0
    gpus: float = 0

    def __post_init__(self):
        from lthkit.search.controls import check_controls
        check_choice("mode", self.mode, MODES)
        _check_int("rounds", self.rounds, 0)
        object.__setattr__(self, "rewind", durations.normalize(self.rewind, "rewind"))
        if self.mask_after is not None:
            object.__setattr__(self, "mask_after",
                               durations.normalize(self.mask_after, "mask_after"))
        object.__setattr__(self, "controls", check_controls(self.controls))
        levels = tuple(self.levels or ())
        for level in levels:
            _check_int("levels", level, 1)
        if levels and self.mode != "oneshot":
            raise bad_param("levels", levels, "() with mode='iterative' (each round of "
                            "iterative pruning needs the one before it)")
        if len(set(levels)) != len(levels):
            raise bad_param("levels", levels, "each level at most once")
        object.__setattr__(self, "levels", tuple(sorted(levels)))
        _check_int("replicates", self.replicates, 1)
        _check_int("seed", self.seed, 0)
        if isinstance(self.gpus, bool) or not isinstance(self.gpus, numbers.Real) or \
                not self.gpus >= 0:
            raise bad_param("gpus", self.gpus, "a number >= 0 of GPUs per round (0: CPU only)")

    @property
    def last_round(self):
        """The sparsest level this search trains (the last of `levels`, else `rounds`)."""
        return max(self.levels) if self.levels else self.rounds


_NAME = re.compile(r"^[A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Experiment:
    model: ModelHParams = field(default_factory=ModelHParams)
    data: DataHParams = field(default_factory=DataHParams)
    train: TrainHParams = field(default_factory=TrainHParams)
    prune: PruneHParams = field(default_factory=PruneHParams)
    search: SearchHParams = field(default_factory=SearchHParams)
    name: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise bad_param("name", self.name, "letters, digits, '_' and '.' (a folder name)")
        entry = None if self.model.own else registry.entry(self.model.name)
        if entry is not None and not self.data.own and \
                entry.text != (self.data.name in TEXT_DATASETS):
            raise bad_param("data.name", self.data.name,
                            f"a {'text' if entry.text else 'image'} dataset for the "
                            f"{self.model.name} model")
        # a reader's model may bucket: the search checks that padding leaves it unchanged
        if self.train.batching == "bucket" and entry is not None and not entry.ignores_padding:
            padded = ", ".join(n for n in registry.names()
                               if registry.entry(n).ignores_padding)
            raise bad_param("batching", "bucket", "'shuffle' for the " + self.model.name +
                            f" model ('bucket' needs a model that ignores padding: {padded})")
        if self.data.name in TEXT_DATASETS and not self.data.own and entry is not None:
            from lthkit.data.text import LOADER_DEFAULTS
            check_model_rule(self.model.name, self.model.kwargs, self.data.kwargs.get(
                "max_len", LOADER_DEFAULTS[self.data.name]["max_len"]))
        training = durations.parse(self.train.training)
        for name in ("rewind", "mask_after"):
            value = getattr(self.search, name)
            point = durations.parse(value) if value is not None else None
            if point is not None and point.unit == training.unit and \
                    point.amount > training.amount:
                raise bad_param(name, value, f"at most the training length {training}")

    def replace(self, **sections):
        """A copy with whole sections or fields changed:
        `exp.replace(train={"training": "500it"}, search={"rounds": 3})`."""
        changes = {}
        for key, value in sections.items():
            if key not in {f.name for f in dataclasses.fields(self)}:
                raise bad_param(key, value, "a section of Experiment: model, data, train, "
                                            "prune, search or name")
            current = getattr(self, key)
            if isinstance(value, dict) and dataclasses.is_dataclass(current):
                allowed = [f.name for f in dataclasses.fields(current)]
                for field_name in value:
                    if field_name not in allowed:
                        raise bad_param(f"{key}.{field_name}", value[field_name],
                                        f"a field of {type(current).__name__}: "
                                        + ", ".join(allowed))
                value = dataclasses.replace(current, **value)
            changes[key] = value
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        train = dict(d["train"])
        train["metrics"] = tuple(train.get("metrics", ()))
        return cls(model=ModelHParams(**d["model"]), data=DataHParams(**d["data"]),
                   train=TrainHParams(**train), prune=PruneHParams(**d["prune"]),
                   search=SearchHParams(**{**d["search"],
                                           "controls": tuple(d["search"]["controls"]),
                                           "levels": tuple(d["search"].get("levels", ()))}),
                   name=d.get("name", ""))

    @property
    def label(self):
        return self.name or self.model.name
