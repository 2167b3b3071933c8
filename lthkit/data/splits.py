"""Seeded, class-balanced splits: the validation hold-out and the n_train / n_test subsets.

Each purpose draws from its own random stream (``seed`` plus a purpose tag), so the
validation set depends only on ``seed`` and ``validation``: asking for a smaller
``n_train`` for a quick run keeps the same validation and test examples.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .errors import bad_value

_STREAMS = {"validation": 1, "n_train": 2, "n_test": 3, "resplit": 4, "order": 5}


def rng_for(seed: int, purpose: str) -> np.random.Generator:
    """The random stream for one purpose ('validation', 'n_train', ...) under ``seed``."""
    return np.random.default_rng([seed, _STREAMS[purpose]])


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise bad_value("seed", seed, "a non-negative int")
    return int(seed)


def check_count(name: str, value, available: int, *, allow_none: bool = True) -> int | None:
    """Validate an example count: an int in 1..available (or None, if allowed)."""
    if value is None and allow_none:
        return None
    allowed = f"{'None or ' if allow_none else ''}an int from 1 to {available}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad_value(name, value, allowed)
    if not 1 <= value <= available:
        raise bad_value(name, value, f"{allowed} (the examples available)")
    return int(value)


def check_fraction_or_count(name: str, value) -> None:
    """``value`` is an int count >= 0 or a float fraction in [0, 1) (sizes checked later)."""
    allowed = "an int count >= 0 or a float fraction in [0, 1) of the training examples"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_value(name, value, allowed)
    if isinstance(value, numbers.Integral) and value < 0:
        raise bad_value(name, value, allowed)
    if not isinstance(value, numbers.Integral) and not 0.0 <= value < 1.0:
        raise bad_value(name, value, allowed)


def validation_count(validation, n_train: int) -> int:
    """Resolve ``validation`` (an int count or a float fraction of train) to a count."""
    allowed = (f"an int from 0 to {n_train - 1} or a float fraction in [0, 1) "
               f"of the {n_train} training examples")
    if isinstance(validation, bool):
        raise bad_value("validation", validation, allowed)
    if isinstance(validation, numbers.Integral):
        if not 0 <= validation < n_train:
            raise bad_value("validation", validation, allowed)
        return int(validation)
    if isinstance(validation, numbers.Real):
        if not 0.0 <= validation < 1.0:
            raise bad_value("validation", validation, allowed)
        return int(round(validation * n_train))
    raise bad_value("validation", validation, allowed)


def balanced_choice(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices into ``y`` with class counts as equal as the classes allow.

    Each class gets ``n // k`` (the remainder goes to randomly chosen classes); a class
    with too few examples gives all it has and the others make up the difference.
    Returns the indices sorted ascending.
    """
    if not 0 <= n <= len(y):
        raise ValueError(f"cannot choose {n} of {len(y)} examples")
    classes, sizes = np.unique(y, return_counts=True)
    take = np.zeros(len(classes), dtype=np.int64)
    left = int(n)
    while left > 0:
        open_ = np.flatnonzero(take < sizes)
        share, extra = divmod(left, len(open_))
        if share == 0:
            take[rng.choice(open_, size=extra, replace=False)] += 1
            break
        add = np.minimum(share, sizes[open_] - take[open_])
        take[open_] += add
        left -= int(add.sum())
    chosen = [rng.permutation(np.flatnonzero(y == c))[:t] for c, t in zip(classes, take)]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class SplitIndices:
    """Indices into the source's train examples (train, val, train_pool) and test examples."""

    train: np.ndarray  # the training examples returned (after n_train), seeded order
    val: np.ndarray  # the validation hold-out, seeded order
    test: np.ndarray  # the test examples returned (after n_test), source order
    train_pool: np.ndarray  # all training examples not held out (the vocabulary counts these)


def make_splits(y_train: np.ndarray, y_test: np.ndarray, *, validation, seed: int,
                n_train=None, n_test=None) -> SplitIndices:
    """Hold out validation from train, then subset train and test, all seeded and balanced."""
    seed = check_seed(seed)
    n_val = validation_count(validation, len(y_train))
    val = balanced_choice(y_train, n_val, rng_for(seed, "validation"))
    pool = np.setdiff1d(np.arange(len(y_train)), val)
    n_train = check_count("n_train", n_train, len(pool))
    n_test = check_count("n_test", n_test, len(y_test))
    train = pool if n_train is None else pool[
        balanced_choice(y_train[pool], n_train, rng_for(seed, "n_train"))]
    test = np.arange(len(y_test)) if n_test is None else balanced_choice(
        y_test, n_test, rng_for(seed, "n_test"))
    # Shuffle train and val once: some sources are sorted by class (the CIFAR-10 mirror).
    order = rng_for(seed, "order")
    return SplitIndices(train=order.permutation(train), val=order.permutation(val),
                        test=test, train_pool=pool)
