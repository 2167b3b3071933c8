"""Validation hold-out and subsets: seeded, class-balanced, disjoint; bad values rejected."""
from __future__ import annotations

import numpy as np
import pytest

from lthkit.data.splits import balanced_choice, make_splits, validation_count

Y = np.repeat(np.arange(4), [50, 30, 10, 10])  # unbalanced classes


def test_balanced_choice_equal_per_class():
    idx = balanced_choice(Y, 40, np.random.default_rng(0))
    assert np.bincount(Y[idx]).tolist() == [10, 10, 10, 10]
    assert len(np.unique(idx)) == 40 and (np.diff(idx) > 0).all()


def test_balanced_choice_small_classes_give_all_they_have():
    idx = balanced_choice(Y, 80, np.random.default_rng(0))
    per_class = np.bincount(Y[idx]).tolist()
    assert per_class[2:] == [10, 10] and sum(per_class) == 80
    assert abs(per_class[0] - per_class[1]) <= 1


def test_balanced_choice_remainder_and_determinism():
    a = balanced_choice(Y, 7, np.random.default_rng(3))
    b = balanced_choice(Y, 7, np.random.default_rng(3))
    assert np.array_equal(a, b)
    assert sorted(np.bincount(Y[a], minlength=4).tolist()) == [1, 2, 2, 2]


def test_make_splits_disjoint_seeded_and_val_independent_of_n_train():
    y_test = np.repeat(np.arange(4), 5)
    full = make_splits(Y, y_test, validation=0.2, seed=1)
    small = make_splits(Y, y_test, validation=0.2, seed=1, n_train=8, n_test=8)
    assert len(full.val) == 20 and len(full.train) == 80
    assert not set(full.val) & set(full.train)
    assert np.array_equal(np.sort(full.val), np.sort(small.val))
    assert set(small.train) <= set(full.train) and np.bincount(Y[small.train]).tolist() == [2] * 4
    assert np.bincount(y_test[small.test]).tolist() == [2] * 4
    assert (np.diff(small.test) > 0).all()  # test keeps the source order
    again = make_splits(Y, y_test, validation=0.2, seed=1)
    other = make_splits(Y, y_test, validation=0.2, seed=2)
    assert np.array_equal(full.train, again.train) and np.array_equal(full.val, again.val)
    assert not np.array_equal(np.sort(full.val), np.sort(other.val))


@pytest.mark.parametrize("validation, expected", [(0, 0), (25, 25), (0.25, 25), (0.0, 0)])
def test_validation_count(validation, expected):
    assert validation_count(validation, 100) == expected


@pytest.mark.parametrize("validation", [-1, 100, 1.0, 1.5, -0.1, True, "10%", None])
def test_validation_bad_values(validation):
    with pytest.raises(ValueError, match=r"validation=.*expected .*fraction"):
        validation_count(validation, 100)


@pytest.mark.parametrize("param, value", [("n_train", 0), ("n_train", 10_000),
                                          ("n_train", 2.5), ("n_test", -3), ("n_test", 21)])
def test_subset_bad_values(param, value):
    with pytest.raises(ValueError, match=rf"{param}={value!r} is not allowed: expected"):
        make_splits(Y, np.repeat(np.arange(4), 5), validation=10, seed=0, **{param: value})


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, True])
def test_seed_bad_values(seed):
    with pytest.raises(ValueError, match=r"seed=.*non-negative int"):
        make_splits(Y, Y, validation=10, seed=seed)
