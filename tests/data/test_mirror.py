"""The real mirror: split sizes and per-class counts against its README, dtypes, provenance."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lthkit.data import DataWarning

from .conftest import load_once, needs_mirror

pytestmark = needs_mirror

MNIST_TRAIN_PER_CLASS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_PER_CLASS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# 20news-bydate, per group in alphabetical order (as scikit-learn documents them).
NG_TRAIN_PER_CLASS = [480, 584, 591, 590, 578, 593, 585, 594, 598, 597,
                      600, 595, 591, 594, 593, 599, 546, 564, 465, 377]
NG_TEST_PER_CLASS = [319, 389, 394, 392, 385, 395, 390, 396, 398, 397,
                     399, 396, 393, 396, 394, 398, 364, 376, 310, 251]


def counts(*labels, k):
    return np.bincount(np.concatenate(labels), minlength=k).tolist()


def test_mnist_counts_and_arrays():
    ds = load_once("mnist", validation=5000)
    assert ds.info.split_sizes == {"train": 55_000, "val": 5_000, "test": 10_000}
    assert counts(ds.y_train, ds.y_val, k=10) == MNIST_TRAIN_PER_CLASS
    assert counts(ds.y_test, k=10) == MNIST_TEST_PER_CLASS
    assert counts(ds.y_val, k=10) == [500] * 10  # class-balanced hold-out
    assert ds.x_train.shape == (55_000, 28, 28, 1) and ds.x_train.dtype == np.float32
    assert ds.y_train.dtype == np.int64 and ds.vocab is None and ds.num_classes == 10
    assert 0.0 == ds.x_test.min() and ds.x_test.max() == 1.0
    assert ds.info.source == "mirror" and not ds.info.lossy and ds.info.vocab_size is None


def test_mnist_standard_normalization():
    ds = load_once("mnist", validation=5000, n_train=2000, normalize="standard")
    assert abs(float(ds.x_train.mean())) < 0.05 and abs(float(ds.x_train.std()) - 1) < 0.05
    assert ds.info.settings["mean"] == [0.1307] and ds.info.settings["std"] == [0.3081]


def test_cifar10_counts_lossy_note():
    ds = load_once("cifar10", validation=5000)
    assert ds.info.split_sizes == {"train": 45_000, "val": 5_000, "test": 10_000}
    assert counts(ds.y_train, ds.y_val, k=10) == [5_000] * 10
    assert counts(ds.y_test, k=10) == [1_000] * 10
    assert ds.x_train.shape[1:] == (32, 32, 3) and ds.x_train.dtype == np.float32
    assert ds.info.class_names[0] == "airplane" and ds.info.class_names[9] == "truck"
    assert ds.info.lossy and "JPEG" in ds.info.notes[0] and "LOSSY" in str(ds.info)
    # Train comes shuffled although the mirror is sorted by class.
    assert len(set(ds.y_train[:100].tolist())) == 10


def test_imdb_counts_and_ids():
    ds = load_once("imdb")
    assert sum(ds.info.split_sizes.values()) == 50_000
    assert counts(ds.y_train, ds.y_val, k=2) == [12_500, 12_500]
    assert counts(ds.y_test, k=2) == [12_500, 12_500]
    assert ds.info.split_sizes["val"] == 7_500  # default validation 0.3
    assert ds.x_train.shape == (17_500, 400) and ds.x_train.dtype == np.int32
    assert len(ds.vocab) == ds.info.vocab_size == 50_002
    assert ds.vocab[:2] == ["<pad>", "<unk>"]
    assert ds.info.class_names == ["neg", "pos"]
    assert "<br" not in ds.vocab and "br" not in ds.vocab[:2000]


def test_ag_news_offline_resplit_is_loud():
    with pytest.warns(DataWarning, match="re-split"):
        ds = load_once("ag_news")
    sizes = ds.info.split_sizes
    assert sum(sizes.values()) == 7_600 and sizes["test"] == 1_900
    assert counts(ds.y_train, ds.y_val, ds.y_test, k=4) == [1_900] * 4
    assert counts(ds.y_test, k=4) == [475] * 4
    assert ds.info.resplit and "7,600" in ds.info.resplit
    assert "RE-SPLIT" in str(ds.info)
    assert ds.info.class_names == ["World", "Sports", "Business", "Sci/Tech"]
    assert ds.x_train.shape[1] == 100


def test_20newsgroups_counts_and_dropped_oov():
    ds = load_once("20newsgroups", validation=0)
    assert ds.info.split_sizes == {"train": 11_314, "val": 0, "test": 7_532}
    assert counts(ds.y_train, k=20) == NG_TRAIN_PER_CLASS
    assert counts(ds.y_test, k=20) == NG_TEST_PER_CLASS
    assert ds.info.class_names[0] == "alt.atheism" and len(ds.info.class_names) == 20
    assert ds.x_train.shape == (11_314, 200) and len(ds.vocab) == 61_188 + 2
    assert not (ds.x_train == 1).any() and not (ds.x_test == 1).any()  # oov dropped
    assert ds.x_val.shape == (0, 200)


def test_info_is_json_ready():
    for ds in (load_once("mnist", validation=5000), load_once("imdb")):
        blob = json.dumps(ds.info.to_dict())
        back = json.loads(blob)
        assert back["name"] == ds.info.name and back["split_sizes"] == ds.info.split_sizes
