"""A reader's own data as an lthkit `Dataset`: `from_arrays`, and what a loaded one is.

    from lthkit.data import from_arrays
    data = from_arrays((x_train, y_train), (x_test, y_test), validation=0.1)

Each split is an (x, y) pair of arrays, a `tf.data.Dataset` of (x, y) (batched or not), or
a `keras.utils.PyDataset` whose items are (x, y) batches. Datasets are read once into
arrays: the ticket search addresses batches by step, so that a resumed or replayed round
sees exactly the data order of an unbroken one, which a stream cannot promise. They must
fit in memory.

The arrays' sha256 is the data's identity (`info.settings["sha256"]`): an experiment made
for them (`lthkit.search.experiment_for`) refuses other arrays, and a stored run names the
data it was trained on without storing them.
"""
from __future__ import annotations

import numbers

import numpy as np

from .dataset import Dataset, DatasetInfo
from .errors import bad_value
from .splits import check_fraction_or_count, check_seed, make_splits, rng_for, validation_count

SPLITS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")


def _batches(source, split):
    """(x, y) batches of a tf.data.Dataset or a PyDataset, or None for anything else."""
    if hasattr(source, "as_numpy_iterator") and hasattr(source, "element_spec"):
        spec = source.element_spec
        first = spec[0] if isinstance(spec, (tuple, list)) else spec
        batched = bool(first.shape.rank) and first.shape[0] is None
        items = list(source.as_numpy_iterator())
        if items and not (isinstance(items[0], tuple) and len(items[0]) == 2):
            raise bad_value(split, type(source).__name__, "a tf.data.Dataset of (x, y) pairs")
        if not batched:
            items = [(np.asarray(x)[None], np.asarray(y)[None]) for x, y in items]
        return items
    if any(c.__name__ == "PyDataset" for c in type(source).__mro__):  # keras.utils.PyDataset
        items = [source[i] for i in range(len(source))]
        if items and not (isinstance(items[0], (tuple, list)) and len(items[0]) >= 2):
            raise bad_value(split, type(source).__name__, "a PyDataset of (x, y) batches")
        return [(np.asarray(b[0]), np.asarray(b[1])) for b in items]
    return None


def as_arrays(source, split):
    """(x, y) arrays of one split given as a pair, a tf.data.Dataset or a PyDataset."""
    batches = _batches(source, split)
    if batches is not None:
        if not batches:
            raise bad_value(split, "an empty dataset", "at least one example")
        return (np.concatenate([np.asarray(x) for x, _ in batches]),
                np.concatenate([np.asarray(y) for _, y in batches]))
    if not isinstance(source, (tuple, list)) or len(source) != 2:
        raise bad_value(split, type(source).__name__,
                        "an (x, y) pair of arrays, a tf.data.Dataset or a keras.utils.PyDataset")
    x, y = np.asarray(source[0]), np.asarray(source[1])
    if x.ndim < 1 or len(x) != len(y):
        raise bad_value(f"{split}[1]", f"{len(y)} labels",
                        f"one label per example ({len(x) if x.ndim else 0} examples in x)")
    if len(x) == 0:
        raise bad_value(split, "no examples", "at least one example")
    return x, y


def _class_names(y_all, class_names):
    if class_names is not None:
        return [str(c) for c in class_names]
    y = np.concatenate([np.asarray(v).reshape(len(v), -1) for v in y_all])
    if y.shape[1] > 1:  # one-hot
        return [str(i) for i in range(y.shape[1])]
    if np.issubdtype(y.dtype, np.integer) or np.all(np.mod(y, 1) == 0):
        return [str(i) for i in range(int(np.max(y)) + 1)] if len(y) else []
    return []  # not classes: a regression target


def from_arrays(train, test, val=None, validation=0.1, seed=0, name="arrays",
                class_names=None) -> Dataset:
    """A `Dataset` of the reader's own data.

    train, test: (x, y) pairs of arrays, tf.data.Datasets of (x, y), or PyDatasets.
    val: the same, or None: then `validation` (a count or a fraction of train) is held out
        of train, class-balanced where the labels are classes, seeded by `seed`.
    name: what tables and stored runs call the data. class_names: names of the classes
        (default "0", "1", ...).
    """
    from lthkit import _io
    check_seed(seed)
    if not isinstance(name, str) or not name:
        raise bad_value("name", name, "a non-empty name for the data")
    x_train, y_train = as_arrays(train, "train")
    x_test, y_test = as_arrays(test, "test")
    if val is not None:
        x_val, y_val = as_arrays(val, "val")
        validation = len(x_val)
    else:
        check_fraction_or_count("validation", validation)
        n_val = validation_count(validation, len(x_train))
        if not 0 < n_val < len(x_train):
            raise bad_value("validation", validation,
                            f"a count or fraction that leaves examples on both sides of the "
                            f"{len(x_train)} training examples")
        labels = np.asarray(y_train).reshape(len(y_train), -1)
        if labels.shape[1] == 1 and np.issubdtype(labels.dtype, np.integer):
            idx = make_splits(labels[:, 0], np.zeros(len(x_test), dtype=np.int64),
                              validation=n_val, seed=seed, n_train=None, n_test=None)
            train_idx, val_idx = idx.train, idx.val
        else:
            order = rng_for(seed, "validation").permutation(len(x_train))
            val_idx, train_idx = np.sort(order[:n_val]), order[n_val:]
        x_val, y_val = x_train[val_idx], y_train[val_idx]
        x_train, y_train = x_train[train_idx], y_train[train_idx]
    for split, x in (("train", x_train), ("val", x_val), ("test", x_test)):
        if x.shape[1:] != x_train.shape[1:]:
            raise bad_value(f"{split} x.shape", x.shape,
                            f"examples shaped like the training ones, {x_train.shape[1:]}")
    arrays = dict(zip(SPLITS, (x_train, y_train, x_val, y_val, x_test, y_test)))
    digest = _io.arrays_digest(arrays)
    names = _class_names([y_train, y_val, y_test], class_names)
    info = DatasetInfo(
        name=name, source="arrays", origin=f"the reader's arrays (sha256 {digest[:12]})",
        lossy=False, split_sizes={"train": len(x_train), "val": len(x_val),
                                  "test": len(x_test)},
        class_names=names, seed=int(seed),
        settings={"validation": validation if isinstance(validation, numbers.Number)
                  else len(x_val), "sha256": digest},
        notes=[])
    return Dataset(x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, x_test=x_test,
                   y_test=y_test, info=info)


def digest_of(data) -> str:
    """The sha256 of a Dataset's six arrays (what `from_arrays` records)."""
    from lthkit import _io
    return _io.arrays_digest({k: getattr(data, k) for k in SPLITS})
