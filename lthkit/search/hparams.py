"""Hyperparameters as frozen dataclasses: one object names a whole experiment.

`Experiment` = model + data + training + pruning + search settings. Its identity (the
result-store hash) covers every field that changes a round's numbers; fields that only say
how far to go (`SearchHParams.rounds`, `replicates`, `controls`) are left out, so asking for
more rounds or replicates extends a stored run instead of starting over.
"""
import dataclasses
from dataclasses import dataclass, field

from lthkit._errors import bad_param, check_choice
from lthkit.pruning.prune import CRITERIA, STRATEGIES, check_rates

MODES = ("iterative", "oneshot")
CONTROLS = ("reinit", "random")
OPTIMIZERS = ("adam", "sgd")


def _positive_int(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_param(name, value, "a positive integer" + (" or None" if allow_none else ""))


@dataclass(frozen=True)
class ModelHParams:
    """A model builder from `lthkit.models.MODELS` and its keyword arguments."""
    name: str = "lenet_300_100"
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DataHParams:
    """A dataset for `lthkit.data.load_dataset` and its keyword arguments.

    validation: held out of the training split (FC19: 5,000 MNIST images) for early stopping.
    n_train / n_test: seeded class-balanced subsets for quick runs (None = all).
    """
    name: str = "mnist"
    validation: int | float = 5000
    n_train: int | None = None
    n_test: int | None = None
    seed: int = 0
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TrainHParams:
    """One round of training. Give `iterations` or `epochs` (not both).

    eval_every: iterations between evaluations on the validation and test sets; the
        early-stop point is the evaluation with the lowest validation loss
        (None = once per epoch).
    fresh_optimizer: a new optimizer state every round. Must be True: the masked layers keep
        pruned weights at zero by giving them zero gradients, which holds only for an
        optimizer state that never saw them unpruned ([UNV20]'s code reused Adam's moments
        across rounds; the book describes that defect rather than running it).
    test_curve: evaluate the test set at every evaluation (True), or only where the
        validation loss reaches a new minimum and at the end (False: the same early-stop
        and final numbers for a fraction of the cost; other curve points are None).
    """
    optimizer: str = "adam"
    learning_rate: float = 1.2e-3
    batch_size: int = 60
    iterations: int | None = 50_000
    epochs: int | None = None
    eval_every: int | None = 100
    eval_batch_size: int = 1000
    fresh_optimizer: bool = True
    test_curve: bool = True

    def __post_init__(self):
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise bad_param("learning_rate", self.learning_rate, "a positive number")
        _positive_int("batch_size", self.batch_size)
        _positive_int("eval_batch_size", self.eval_batch_size)
        _positive_int("iterations", self.iterations, allow_none=True)
        _positive_int("epochs", self.epochs, allow_none=True)
        _positive_int("eval_every", self.eval_every, allow_none=True)
        if self.fresh_optimizer is not True:
            raise bad_param("fresh_optimizer", self.fresh_optimizer, "True",
                            "Reused Adam moments would move pruned weights away from zero.")
        if (self.iterations is None) == (self.epochs is None):
            raise bad_param("iterations/epochs", (self.iterations, self.epochs),
                            "exactly one of them set (the other None)")


@dataclass(frozen=True)
class PruneHParams:
    """rates: a float for every layer, or {kind: rate} with kinds from PRUNE_KINDS.

    criterion: "magnitude" (trained weights, default), "init_magnitude" (the [UNV20] defect),
        "movement", "random".
    """
    rates: float | dict = field(default_factory=lambda: {"dense": 0.2, "output": 0.1})
    strategy: str = "layerwise"
    criterion: str = "magnitude"

    def __post_init__(self):
        check_choice("strategy", self.strategy, STRATEGIES)
        check_choice("criterion", self.criterion, CRITERIA)
        check_rates(self.rates, self.strategy)


@dataclass(frozen=True)
class SearchHParams:
    """The ticket search.

    mode: "iterative" (IMP: train, prune, rewind, repeat) or "oneshot" (each level pruned
        directly from the dense trained network to the sparsity iterative round r reaches).
    rounds: pruning rounds after the dense round 0.
    rewind: iterations (or epochs with rewind_unit="epoch") of training whose weights the
        surviving weights are reset to; 0 = the initialization [FC19], k > 0 = late
        rewinding [FDRC19].
    mask_after: score the weights after this many epochs (early tickets, E7); None = after
        the whole round's training.
    controls: branches trained on every level: "reinit" (same mask, new initialization) and
        "random" (a random mask with the ticket's per-layer sparsity, same initialization).
    replicates / seed: replicate i uses initialization seed `seed + i` and data-order seed
        `seed + 1000 + i`.
    """
    mode: str = "iterative"
    rounds: int = 25
    rewind: int = 0
    rewind_unit: str = "iteration"
    mask_after: int | None = None
    controls: tuple = ()
    replicates: int = 1
    seed: int = 0

    def __post_init__(self):
        check_choice("mode", self.mode, MODES)
        check_choice("rewind_unit", self.rewind_unit, ("iteration", "epoch"))
        if not isinstance(self.rounds, int) or isinstance(self.rounds, bool) or self.rounds < 0:
            raise bad_param("rounds", self.rounds, "an integer >= 0")
        if not isinstance(self.rewind, int) or self.rewind < 0:
            raise bad_param("rewind", self.rewind, "an integer >= 0 (0 = rewind to init)")
        if self.mask_after is not None and (not isinstance(self.mask_after, int)
                                            or self.mask_after < 0):
            raise bad_param("mask_after", self.mask_after, "None or an integer >= 0 (epochs)")
        _positive_int("replicates", self.replicates)
        for c in self.controls:
            check_choice("controls", c, CONTROLS)
        object.__setattr__(self, "controls", tuple(self.controls))


@dataclass(frozen=True)
class Experiment:
    model: ModelHParams = field(default_factory=ModelHParams)
    data: DataHParams = field(default_factory=DataHParams)
    train: TrainHParams = field(default_factory=TrainHParams)
    prune: PruneHParams = field(default_factory=PruneHParams)
    search: SearchHParams = field(default_factory=SearchHParams)
    name: str = ""

    def replace(self, **sections):
        """A copy with whole sections or fields changed:
        `exp.replace(train={"iterations": 500}, search={"rounds": 3})`."""
        changes = {}
        for key, value in sections.items():
            current = getattr(self, key)
            if isinstance(value, dict) and dataclasses.is_dataclass(current):
                value = dataclasses.replace(current, **value)
            changes[key] = value
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        return cls(model=ModelHParams(**d["model"]), data=DataHParams(**d["data"]),
                   train=TrainHParams(**d["train"]), prune=PruneHParams(**d["prune"]),
                   search=SearchHParams(**{**d["search"],
                                           "controls": tuple(d["search"]["controls"])}),
                   name=d.get("name", ""))
