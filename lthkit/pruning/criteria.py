"""Mask criteria: registered functions that score weights (the lowest-scoring go first).

A criterion gets a `ScoreContext` and returns a score per weight, {key: array} keyed like
the masks; `prune_scores` then does the counting (exact counts, nested masks, ties by
position: `lthkit.pruning.prune`). Criteria are registered by name, like the controls::

    from lthkit.pruning import register_criterion

    @register_criterion("inverse", "smallest weights kept (a strawman)")
    def inverse(ctx):
        return {k: -np.abs(w) for k, w in ctx.weights.items()}

    exp = exp.replace(prune={"criterion": "inverse"})

`needs` says what a criterion reads beyond the weights it scores, so the search builds
only that: "init" (the initialization, `ctx.init_weights`), "model" (`ctx.model`, a Keras
model with the scored weights installed, for gradients) and "batches" (`ctx.batches`, a few
training batches (x, y), and `ctx.loss`). `iterations` > 1 makes it iterative, as SynFlow:
the masks reach their target in that many steps, each step re-scoring the weights left
(`ctx.masks`) and keeping an exponentially shrinking fraction [TAN20].

Built in: magnitude (trained |w|, [FC19]), init_magnitude (|w_0|), movement (|w| - |w_0|,
[ZLLY19]), random, and the pruning-at-initialization criteria [FDRC21] compares: SNIP
(|g ⊙ w| on a batch, [LAT19]), GraSP (w ⊙ Hg, [WZG20]) and SynFlow (iterative and
data-free, [TAN20]).
"""
import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from lthkit._errors import LthkitError, bad_param

NEEDS = ("init", "model", "batches")
GRASP_TEMPERATURE = 200.0  # GraSP's code divides the logits by T = 200


@dataclass(frozen=True)
class ScoreContext:
    """What a criterion may read. weights: {key: array}, the weights scored (trained, or the
    initialization when pruning at initialization). masks: {key: bool array}, what is left
    (only remaining weights are ranked). init_weights: the initialization, keyed alike.
    model: a Keras model whose variables hold the scored weights (its masks as `masks`).
    batches: [(x, y)] training batches; loss: `loss(y, outputs)` of training. seed: for a
    criterion's own randomness."""
    weights: dict
    masks: dict
    init_weights: dict = None
    model: object = None
    batches: list = None
    loss: Callable = None
    seed: int = None


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str  # one line
    score: Callable
    needs: frozenset = frozenset()
    iterations: int = 1


CRITERIA = {}


def register_criterion(name, description, needs=(), iterations=1):
    """Register `fn(ctx) -> {key: scores}` as criterion `name` (a decorator). `needs`: what
    of "init", "model", "batches" it reads; `iterations`: > 1 for an iterative criterion."""
    if not isinstance(name, str) or not name.isidentifier():
        raise bad_param("criterion name", name, "an identifier")
    needs = (needs,) if isinstance(needs, str) else tuple(needs)
    for need in needs:
        if need not in NEEDS:
            raise bad_param("needs", need, "some of " + ", ".join(NEEDS))
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise bad_param("iterations", iterations, "an integer >= 1")

    def decorate(fn):
        CRITERIA[name] = Criterion(name, description, fn, frozenset(needs), iterations)
        return fn
    return decorate


def criterion(name):
    """The registered `Criterion` called `name`; a one-line error for any other name."""
    if not isinstance(name, str) or name not in CRITERIA:
        raise bad_param("criterion", name, "one of " + ", ".join(repr(c) for c in CRITERIA)
                        + " (or a criterion registered with register_criterion)")
    return CRITERIA[name]


def score(name, ctx):
    """The scores of criterion `name` on `ctx`, checked: one finite array per mask, of its
    shape."""
    c = criterion(name)
    missing = [n for n in sorted(c.needs)
               if (ctx.init_weights if n == "init" else getattr(ctx, n)) is None]
    if "batches" in c.needs and ctx.loss is None:
        missing.append("loss")
    if missing:
        raise LthkitError(f"criterion {name!r} needs {', '.join(missing)} in its context "
                          "(ScoreContext)")
    scores = c.score(ctx)
    for key, mask in ctx.masks.items():
        if key not in scores or np.shape(scores[key]) != np.shape(mask):
            raise LthkitError(f"criterion {name!r} gave no score of shape {np.shape(mask)} "
                              f"for {key!r}")
        s = np.asarray(scores[key], dtype=np.float64)
        if not np.isfinite(s[np.asarray(mask, dtype=bool)]).all():
            raise LthkitError(f"criterion {name!r} gave scores that are not finite for "
                              f"{key!r} (an overflow? see its description)")
    return {key: np.asarray(scores[key]) for key in ctx.masks}


def next_masks(name, ctx, rates, kinds=None, strategy="layerwise"):
    """The masks after pruning `rates` of what `ctx.masks` keeps, by criterion `name`: one
    scoring and one cut, or, for an iterative criterion, `iterations` of them, each keeping
    an exponentially shrinking share of the weights, re-scored on what is left, down to
    the same exact counts as one cut."""
    from lthkit.pruning.prune import (_global_prune, _rate_per_key, check_rates, n_to_prune,
                                      prune_scores, prune_to_counts)
    c = criterion(name)
    if c.iterations == 1:
        return prune_scores(score(name, ctx), ctx.masks, rates, kinds=kinds,
                            strategy=strategy)
    check_rates(rates, strategy)
    masks = {k: np.asarray(m, dtype=bool) for k, m in ctx.masks.items()}
    start = {k: int(m.sum()) for k, m in masks.items()}
    if strategy == "global":
        total = sum(start.values())
        goal = total - n_to_prune(float(rates), total)
    else:
        kinds = kinds or {k: "dense" for k in masks}
        per_key = _rate_per_key(rates, kinds)
        goal = {k: n - n_to_prune(per_key[k], n) for k, n in start.items()}
    for i in range(1, c.iterations + 1):
        share = i / c.iterations
        scores = score(name, dataclasses.replace(ctx, masks=masks))
        if strategy == "global":
            keep = _between(total, goal, share)
            masks = _global_prune(scores, masks,
                                  sum(int(m.sum()) for m in masks.values()) - keep)
        else:
            masks = prune_to_counts(scores, masks, {k: _between(start[k], goal[k], share)
                                                    for k in masks})
    return masks


def _between(n, goal, share):
    """Weights kept after `share` of the way from `n` to `goal`, exponentially (exactly
    `goal` at the end)."""
    if share >= 1 or n == 0:
        return goal
    return max(goal, min(n, int(np.floor(n * (goal / n) ** share + 0.5))))


# -- the criteria ----------------------------------------------------------------------------
@register_criterion("magnitude", "the largest weights of the trained network [FC19]")
def magnitude(ctx):
    return {k: np.abs(w) for k, w in ctx.weights.items()}


@register_criterion("init_magnitude", "the largest weights at initialization (the [UNV20] "
                                      "defect; pruning at initialization by magnitude)",
                    needs=("init",))
def init_magnitude(ctx):
    return {k: np.abs(ctx.init_weights[k]) for k in ctx.weights}


@register_criterion("movement", "the weights that grew most in magnitude, |w| - |w_0| "
                                "[ZLLY19]", needs=("init",))
def movement(ctx):
    return {k: np.abs(w) - np.abs(ctx.init_weights[k]) for k, w in ctx.weights.items()}


@register_criterion("random", "a random mask with the same counts")
def random(ctx):
    rng = np.random.default_rng(ctx.seed)
    return {k: rng.random(np.shape(w)) for k, w in sorted(ctx.weights.items())}


def _installed(ctx):
    """ctx.weights with the pruned entries zeroed, as the masked layers store them."""
    return {k: np.where(ctx.masks[k], w, 0).astype(np.asarray(w).dtype)
            for k, w in ctx.weights.items()}


def _loss_objective(ctx, temperature=1.0):
    """The mean loss over `ctx.batches` as an `Objective`; `temperature` divides the
    outputs first (GraSP's T), where they are logits."""
    import json

    from lthkit.pruning.gradients import Objective, loss_objective
    n = len(ctx.batches)

    def mean_loss(outputs, batch):
        if temperature != 1.0:
            outputs = outputs / temperature
        return loss_objective(ctx.loss)(outputs, batch) / n
    try:  # the loss's config names what it computes, so its gradients compile once
        key = ("mean loss", n, temperature, type(ctx.loss).__name__,
               json.dumps(ctx.loss.get_config(), sort_keys=True, default=str))
    except (AttributeError, TypeError, NotImplementedError):
        key = None  # a plain function: traced op by op
    return Objective(ctx.model, ctx.batches, mean_loss, weights=_installed(ctx),
                     masks=ctx.masks, key=key)


@register_criterion("snip", "|g * w|: the loss's sensitivity to each weight on a batch "
                            "[LAT19]", needs=("model", "batches"))
def snip(ctx):
    grads = _loss_objective(ctx).gradient()
    return {k: np.abs(grads[k] * w) for k, w in _installed(ctx).items()}


@register_criterion("grasp", "w * Hg: keeps the weights whose removal would cut the "
                             "gradient's flow most [WZG20]", needs=("model", "batches"))
def grasp(ctx):
    """GraSP scores S = -w * Hg and removes the highest S; as lthkit removes the lowest
    score, the score here is -S = w * Hg (the same masks). The gradient g and the Hessian
    product are over the masked weights only, on `ctx.batches`, with the logits divided by
    GraSP's temperature T = 200 before the loss, as its code does (not where the model
    ends in a softmax or sigmoid: its outputs are no logits)."""
    from lthkit.search.train import outputs_probabilities
    temperature = 1.0 if outputs_probabilities(ctx.model) else GRASP_TEMPERATURE
    objective = _loss_objective(ctx, temperature)
    g = objective.gradient()
    hg = objective.hessian_product(g)
    return {k: w * hg[k] for k, w in _installed(ctx).items()}


@register_criterion("synflow", "|w| * dR/d|w|, R the output sum of the network with |w| on an "
                               "all-ones input; data-free and iterative, 100 steps [TAN20]",
                    needs=("model",), iterations=100)
def synflow(ctx):
    """SynFlow: R = 1^T (the network with every trainable value made |v|)(1); the score is
    dR/dw * w = |w| dR/d|w|. On an integer input (text), the all-ones input is the sum of
    one-hot vectors over the vocabulary: every position of the masked embedding's output
    is the column sums of |E| (each row of |E| weighted 1), so the embedding's scores are
    |E_vj| dR/ds_j. The input's shape is the model's, or the first batch's."""
    import keras
    from keras import ops

    from lthkit.pruning.gradients import Objective
    from lthkit.pruning.masks import masked_variables
    model = ctx.model
    shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if shape is None or None in shape:
        if not ctx.batches:
            raise LthkitError("criterion 'synflow' needs the input's shape: the model's has "
                              f"unknown sizes ({model.input_shape}); give one batch")
        x = ctx.batches[0][0] if isinstance(ctx.batches[0], tuple) else ctx.batches[0]
        shape = tuple(np.shape(x)[1:])
    dtype = keras.backend.standardize_dtype(model.inputs[0].dtype) if model.inputs else "float32"
    embedding = None
    if "int" in dtype:
        tables = [k for k, (kind, _, _) in masked_variables(model).items() if kind == "embedding"]
        if len(tables) != 1:
            raise LthkitError("criterion 'synflow' on an integer input needs one masked "
                              f"embedding (the model has {len(tables)})")
        embedding = tables[0]
        x = np.ones((1,) + shape, dtype=dtype)  # id 1: not the padding id 0
    else:
        x = np.ones((1,) + shape, dtype="float32")
    masks = dict(ctx.masks)
    holder = {}

    def transform(i, value):
        value = ops.abs(value)
        if embedding is not None and i == holder["table"]:
            # each row: the column sums of |E| (pruned entries are 0), what an all-ones
            # vector over the vocabulary makes of the table
            value = ops.broadcast_to(ops.sum(value, axis=0, keepdims=True), ops.shape(value))
        return value
    if embedding is not None:
        masks[embedding] = np.ones_like(masks[embedding])  # every row looked up as it is

    def total(outputs, _):
        return ops.sum(ops.cast(outputs, "float32"))
    objective = Objective(model, [x], total, weights=_installed(ctx), masks=masks,
                          transform=transform, key=("synflow", embedding))
    if embedding is not None:
        holder["table"] = objective.index[embedding]
    grads = objective.gradient()
    return {k: grads[k] * w for k, w in _installed(ctx).items()}
