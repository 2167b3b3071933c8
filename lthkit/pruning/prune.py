"""Magnitude pruning as a pure function: (weights, current masks, rates) -> new masks.

Everything here works on plain numpy dicts keyed by a weight's path (e.g. "hidden1/kernel"),
so it can be tested and reasoned about without a model.

Counting rule (exact, and the same on every machine): a layer with `n` remaining weights and
rate `p` loses `floor(p * n + 0.5)` of them this round; after the round exactly
`n - floor(p * n + 0.5)` remain. Only remaining weights are ranked, so masks are nested
across rounds. Ties in the score are broken by position (the stable sort order), so the
result is deterministic.
"""
import math

import numpy as np

from lthkit._errors import LthkitError, bad_param, check_choice, check_rate
from lthkit.layers.masked import PRUNE_KINDS

STRATEGIES = ("layerwise", "global")


def n_to_prune(rate, n_remaining):
    """How many of `n_remaining` weights a round at `rate` removes (round half up)."""
    return int(math.floor(rate * n_remaining + 0.5))


def kept_after_rounds(n, rate, rounds):
    """Weights kept of `n` after `rounds` rounds at `rate`, by the counting rule above."""
    for _ in range(rounds):
        n -= n_to_prune(rate, n)
    return n


def check_rates(rates, strategy="layerwise"):
    """Validate `rates`: a float in [0, 1), or {layer kind: rate} (layerwise only)."""
    if isinstance(rates, dict):
        if strategy == "global":
            raise bad_param("rates", rates, "a single float with strategy='global'")
        for kind, rate in rates.items():
            if kind not in PRUNE_KINDS:
                raise bad_param(f"rates[{kind!r}]", kind,
                                "a layer kind among " + ", ".join(PRUNE_KINDS))
            check_rate(f"rates[{kind!r}]", rate)
    elif isinstance(rates, (int, float)) and not isinstance(rates, bool):
        check_rate("rates", rates)
    else:
        raise bad_param("rates", rates, "a float in [0, 1) or a dict {layer kind: rate}")


def resolve_rates(rates, kinds):
    """Turn `rates` (a float, or a dict by layer kind) into a rate per weight key.

    `kinds` maps each weight key to its layer kind. Kinds missing from a dict are not pruned.
    """
    check_rates(rates)
    return _rate_per_key(rates, kinds)


def _rate_per_key(rates, kinds):
    """`resolve_rates` for rates checked already."""
    if not isinstance(rates, dict):
        return {key: float(rates) for key in kinds}
    return {key: float(rates.get(kind, 0.0)) for key, kind in kinds.items()}


def scores_for(criterion, weights, init_weights=None, seed=None):
    """Per-entry scores of a criterion that reads weights only (the lowest-scoring remaining
    entries are pruned); the registered criteria, and those that need a model and batches,
    through `lthkit.pruning.criteria.score`."""
    from lthkit.pruning.criteria import ScoreContext, criterion as registered, score
    c = registered(criterion)
    if "init" in c.needs and init_weights is None:
        raise bad_param("init_weights", None, f"the initial weights (criterion={criterion!r})")
    if c.needs - {"init"}:
        raise LthkitError(f"criterion {criterion!r} needs a model and batches: score it with "
                          "lthkit.pruning.criteria.next_masks(criterion, ScoreContext(...), "
                          "rates)")
    ones = {k: np.ones(np.shape(w), dtype=bool) for k, w in weights.items()}
    return score(criterion, ScoreContext(weights, ones, init_weights=init_weights, seed=seed))


def _check_masks(weights, masks):
    if set(masks) != set(weights):
        missing = sorted(set(weights) - set(masks))
        extra = sorted(set(masks) - set(weights))
        raise LthkitError(f"masks and weights name different layers: missing {missing}, "
                          f"unknown {extra}. Pass one mask per prunable weight.")
    for key, w in weights.items():
        if np.shape(masks[key]) != np.shape(w):
            raise bad_param(f"masks[{key!r}].shape", np.shape(masks[key]),
                            f"the weight's shape {np.shape(w)}")


def _lowest(values, k):
    """A flag per entry of the 1-d `values`: the `k` lowest, ties at the threshold taken in
    position order, exactly what the first k of a stable argsort are, in linear time
    (a partition, not a sort)."""
    drop = np.zeros(len(values), dtype=bool)
    if k <= 0:
        return drop
    if k >= len(values):
        drop[:] = True
        return drop
    threshold = np.partition(values, k - 1)[k - 1]
    below = values < threshold
    ties = np.flatnonzero(values == threshold)[:k - int(below.sum())]
    drop[below] = True
    drop[ties] = True
    return drop


def _prune_layer(score, mask, k):
    """Drop the k lowest-scoring remaining entries of one layer."""
    new = mask.copy()
    if k == 0:
        return new
    flat_mask = new.reshape(-1)
    alive = np.flatnonzero(flat_mask)
    flat_mask[alive[_lowest(score.reshape(-1)[alive], k)]] = False
    return new


def prune(weights, masks, rates, *, kinds=None, criterion="magnitude", strategy="layerwise",
          init_weights=None, seed=None):
    """Return new masks with a further `rates` fraction of the remaining weights removed.

    weights: {key: array} the weights the criterion looks at (trained weights for the
        default criterion). masks: {key: bool array} the current masks (all True at start).
    rates: a float for every layer, or {kind: rate} with kinds from `PRUNE_KINDS`
        (e.g. {"conv": .15, "dense": .2, "output": .1}); with strategy="global" a float.
    kinds: {key: kind}; needed when rates is a dict.
    criterion: "magnitude" (trained |w|, the default), "init_magnitude" (|w_0|: the thesis
        defect, kept on purpose), "movement" (|w| - |w_0|), "random" (same counts, random),
        or any registered criterion that reads weights only (`lthkit.pruning.criteria`).
    strategy: "layerwise" (each layer loses its rate of its own remaining weights) or
        "global" (one ranking over all remaining weights).
    The inputs are not modified.
    """
    check_choice("strategy", strategy, STRATEGIES)
    check_rates(rates, strategy)
    _check_masks(weights, masks)
    scores = scores_for(criterion, weights, init_weights, seed)  # checks the criterion
    return prune_scores(scores, masks, rates, kinds=kinds, strategy=strategy)


def prune_scores(scores, masks, rates, *, kinds=None, strategy="layerwise"):
    """The counting step: new masks without a further `rates` fraction of the remaining
    entries, the lowest `scores` ({key: array}) first; rules as `prune`."""
    check_choice("strategy", strategy, STRATEGIES)
    check_rates(rates, strategy)
    _check_masks(scores, masks)
    masks = {k: np.asarray(m, dtype=bool) for k, m in masks.items()}
    if strategy == "global":
        total = sum(int(m.sum()) for m in masks.values())
        return _global_prune(scores, masks, n_to_prune(float(rates), total))
    if kinds is None:
        if isinstance(rates, dict):
            raise bad_param("kinds", None, "a {key: layer kind} dict when rates is a dict")
        kinds = {key: "dense" for key in scores}
    per_key = _rate_per_key(rates, kinds)
    return {key: _prune_layer(np.asarray(scores[key]), masks[key],
                              n_to_prune(per_key[key], int(masks[key].sum())))
            for key in scores}


def _global_prune(scores, masks, k):
    """Drop the `k` lowest-scoring remaining entries over all layers: one ranking, ties at
    the threshold cut in key and position order."""
    keys = sorted(masks)
    masks = {key: np.asarray(masks[key], dtype=bool) for key in keys}
    if k == 0:
        return {key: masks[key].copy() for key in keys}
    alive_scores = np.concatenate([np.asarray(scores[key])[masks[key]] for key in keys])
    drop = _lowest(alive_scores, k)
    out, start = {}, 0
    for key in keys:
        n = int(masks[key].sum())
        out[key] = _drop_alive(masks[key], drop[start:start + n])
        start += n
    return out


def _drop_alive(mask, drop_alive):
    """Drop the remaining entries of `mask` flagged in `drop_alive` (one flag per survivor)."""
    new = mask.copy()
    flat = new.reshape(-1)
    alive = np.flatnonzero(flat)
    flat[alive[drop_alive]] = False
    return new


def prune_to_counts(scores, masks, counts):
    """Nested masks keeping exactly `counts[key]` entries per layer, lowest scores dropped."""
    out = {}
    for key, mask in masks.items():
        mask = np.asarray(mask, dtype=bool)
        alive = int(mask.sum())
        if not 0 <= counts[key] <= alive:
            raise bad_param(f"counts[{key!r}]", counts[key],
                            f"between 0 and the {alive} weights still remaining")
        out[key] = _prune_layer(np.asarray(scores[key]), mask, alive - int(counts[key]))
    return out


def random_masks(counts, previous, seed):
    """A random mask per layer keeping `counts[key]` weights, nested in `previous`.

    This is the random-pruning control: the same per-layer sparsity as a ticket, chosen at
    random.
    """
    rng = np.random.default_rng(seed)
    scores = {k: rng.random(np.shape(m)) for k, m in sorted(previous.items())}
    return prune_to_counts(scores, previous, counts)


def sparsity(masks):
    """Fraction of masked-out entries over all given masks."""
    total = sum(np.size(m) for m in masks.values())
    return 1.0 - sum(int(np.sum(m)) for m in masks.values()) / max(total, 1)


def oneshot_rounds_for(target_sparsity, masks, rates, kinds=None, max_rounds=1000):
    """The smallest number of rounds at `rates` whose masks reach `target_sparsity`.

    Raises if the target cannot be reached (e.g. layers excluded by the rates cap it).
    """
    try:
        target = float(target_sparsity)
    except (TypeError, ValueError):
        raise bad_param("target_sparsity", target_sparsity, "a number in (0, 1)") from None
    if not 0.0 < target < 1.0:
        raise bad_param("target_sparsity", target_sparsity, "a number in (0, 1)")
    if kinds is None:
        kinds = {key: "dense" for key in masks}
    per_key = resolve_rates(rates, kinds)
    counts = {k: int(np.sum(m)) for k, m in masks.items()}
    total = sum(np.size(m) for m in masks.values())
    now = 1 - sum(counts.values()) / total
    if target < now:
        raise bad_param("target_sparsity", target_sparsity,
                        f"at least the current sparsity {now:.4f}: masks only ever shrink")
    for rounds in range(max_rounds + 1):
        if 1 - sum(counts.values()) / total >= target - 1e-12:
            return rounds
        new = {k: c - n_to_prune(per_key[k], c) for k, c in counts.items()}
        if new == counts:
            break
        counts = new
    reachable = 1 - sum(counts.values()) / total
    raise bad_param("target_sparsity", target_sparsity,
                    f"at most {reachable:.4f} with rates={rates!r}",
                    "Layers with rate 0 (kinds missing from rates) are never pruned.")
