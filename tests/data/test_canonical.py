"""The canonical download path of every dataset, served by a fake network with tiny files
in the canonical formats (the real ones cannot be fetched here)."""
from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from lthkit.data import load_dataset
from lthkit.data.sources import SOURCES, SourceFile

from .conftest import MIRROR, fake_mnist_files, needs_mirror, tar_gz


def test_mnist_canonical(network, monkeypatch, fresh_cache):
    network.publish(monkeypatch, "mnist", fake_mnist_files(n_train=40, n_test=20))
    ds = load_dataset("mnist", mirror=False, validation=10)
    assert ds.info.source == "canonical" and "example.invalid" in ds.info.origin
    assert ds.info.split_sizes == {"train": 30, "val": 10, "test": 20}
    assert (fresh_cache / "downloads" / "mnist" / "train-images-idx3-ubyte.gz").is_file()


def test_cifar10_canonical_binary_records(network, monkeypatch, fresh_cache):
    rng = np.random.default_rng(0)
    images, members = {}, {}
    for name, n in [(f"data_batch_{i}.bin", 10) for i in range(1, 6)] + [("test_batch.bin", 10)]:
        pixels = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        records = np.concatenate([labels[:, None],
                                  pixels.transpose(0, 3, 1, 2).reshape(n, -1)], axis=1)
        images[name] = (pixels, labels)
        members[f"cifar-10-batches-bin/{name}"] = records.tobytes()
    network.publish(monkeypatch, "cifar10", {"cifar-10-binary.tar.gz": tar_gz(members)})
    ds = load_dataset("cifar10", mirror=False, validation=0, normalize="unit")
    assert ds.info.source == "canonical" and not ds.info.lossy and ds.info.notes[0].startswith(
        "decoded")
    pixels, labels = images["test_batch.bin"]
    np.testing.assert_array_equal(ds.y_test, labels)
    np.testing.assert_allclose(ds.x_test, pixels / 255, atol=1e-6)  # HWC, channels right
    assert ds.info.split_sizes["train"] == 50


def test_imdb_canonical_archive(network, monkeypatch, fresh_cache):
    members = {}
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            for i in range(6):
                members[f"aclImdb/{split}/{label}/{i}_7.txt"] = \
                    f"A {label} review.<br /><br />Number {i} of {split}.".encode()
    members["aclImdb/train/unsup/0_0.txt"] = b"unlabelled, ignored"
    members["aclImdb/train/urls_pos.txt"] = b"http://ignored"
    network.publish(monkeypatch, "imdb", {"aclImdb_v1.tar.gz": tar_gz(members)})
    ds = load_dataset("imdb", mirror=False, validation=4)
    assert ds.info.source == "canonical"
    assert ds.info.split_sizes == {"train": 8, "val": 4, "test": 12}
    assert np.bincount(ds.y_test).tolist() == [6, 6]
    first = [ds.vocab[i] for i in ds.x_test[0] if i]
    # "test" occurs only in test reviews, so it is outside the training vocabulary.
    assert first == ["a", "neg", "review", ".", "number", "0", "of", "<unk>", "."]


def _ag_csv(rows: int, offset: int) -> bytes:
    lines = [f'"{i % 4 + 1}","Title {i + offset}","Text \\ number  #36;{i} quot;q quot;"'
             for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_ag_news_canonical_uses_full_train_split(network, monkeypatch, fresh_cache):
    network.publish(monkeypatch, "ag_news", {"train.csv": _ag_csv(40, 0),
                                             "test.csv": _ag_csv(12, 1000)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no re-split warning with the full data
        ds = load_dataset("ag_news", mirror=False, validation=0.25)
    assert ds.info.source == "canonical" and ds.info.resplit is None
    assert ds.info.split_sizes == {"train": 30, "val": 10, "test": 12}
    assert "$" in ds.vocab and "\\" not in ds.vocab


@needs_mirror
def test_ag_news_mirror_with_train_csv_is_not_resplit(tmp_path, monkeypatch, fresh_cache):
    mirror = tmp_path / "mirror"
    (mirror / "ag_news").mkdir(parents=True)
    (mirror / "ag_news" / "test.csv").write_bytes((MIRROR / "ag_news" / "test.csv").read_bytes())
    train = _ag_csv(400, 0)
    (mirror / "ag_news" / "train.csv").write_bytes(train)
    import hashlib
    spec = SOURCES["ag_news"]
    monkeypatch.setitem(SOURCES, "ag_news", replace(spec, mirror_optional=(
        SourceFile("train.csv", "md5:" + hashlib.md5(train).hexdigest()),)))
    ds = load_dataset("ag_news", mirror=mirror, validation=100)
    assert ds.info.source == "mirror" and ds.info.resplit is None
    assert ds.info.split_sizes == {"train": 300, "val": 100, "test": 7_600}


def test_20newsgroups_canonical_archive(network, monkeypatch, fresh_cache):
    members = {}
    for split, n in (("train", 4), ("test", 2)):
        for group in ("sci.space", "alt.atheism"):
            for i in range(n):
                members[f"20news-bydate-{split}/{group}/{100 + i}"] = (
                    f"From: x@y\nSubject: s\n\nPost {i} about {group} in {split}.\n"
                    f"> quoted line\n\n--\nsig\n").encode("latin-1")
    network.publish(monkeypatch, "20newsgroups", {"20news-bydate.tar.gz": tar_gz(members)})
    ds = load_dataset("20newsgroups", mirror=False, validation=2)
    assert ds.info.source == "canonical" and ds.info.class_names == ["alt.atheism", "sci.space"]
    assert ds.info.split_sizes == {"train": 6, "val": 2, "test": 4}
    assert not {"from", "subject", "quoted", "sig"} & set(ds.vocab)
    assert [ds.vocab[i] for i in ds.x_test[0] if i] == [  # "test": not a training token
        "post", "0", "about", "alt.atheism", "in", "."]


@pytest.mark.parametrize("dataset", sorted(SOURCES))
def test_every_canonical_file_has_urls_and_checksum(dataset):
    for source in SOURCES[dataset].canonical:
        algo, digest = source.checksum.split(":")
        assert algo in ("md5", "sha256") and len(digest) == {"md5": 32, "sha256": 64}[algo]
        assert source.urls and all(u.startswith(("https://", "http://")) for u in source.urls)
