"""Where each dataset comes from: canonical URLs with checksums, and the offline mirror layout.

The mirror layout is the one of the project's offline mirror (see its README): one folder
per dataset. Mirror checksums are the SHA-256 of the mirror's files; canonical checksums
are those published with (or long used for) the original downloads.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceFile:
    """One file: its name, where to get it (canonical only) and its checksum ``algo:hex``."""

    name: str
    checksum: str
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    """The files a dataset needs, from the canonical site or from a mirror folder."""

    name: str
    folder: str  # the dataset's folder inside a mirror
    canonical: tuple[SourceFile, ...]
    mirror: tuple[SourceFile, ...]
    # Mirror files used when present, never required (AG News train.csv).
    mirror_optional: tuple[SourceFile, ...] = field(default=())


_MNIST_BASES = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                "https://storage.googleapis.com/cvdf-datasets/mnist/",
                "http://yann.lecun.com/exdb/mnist/")


def _mnist(name: str, md5: str) -> SourceFile:
    return SourceFile(name, f"md5:{md5}", tuple(base + name for base in _MNIST_BASES))


_AG_BASE = "https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv/"
AG_TRAIN_MD5 = "md5:b1a00f826fdfbd249f79597b59e1dc12"
AG_TEST_MD5 = "md5:d52ea96a97a2d943681189a97654912d"

SOURCES: dict[str, SourceSpec] = {
    "mnist": SourceSpec(
        name="mnist", folder="mnist",
        canonical=(
            _mnist("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            _mnist("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            _mnist("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            _mnist("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ),
        # Re-gzipped copies: the decompressed bytes are the original IDX files.
        mirror=(
            SourceFile("train-images-idx3-ubyte.gz",
                       "sha256:0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971"),
            SourceFile("train-labels-idx1-ubyte.gz",
                       "sha256:1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203"),
            SourceFile("t10k-images-idx3-ubyte.gz",
                       "sha256:1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be"),
            SourceFile("t10k-labels-idx1-ubyte.gz",
                       "sha256:b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b"),
        ),
    ),
    "cifar10": SourceSpec(
        name="cifar10", folder="cifar10",
        # The binary version: fixed-size records, no pickle to unpickle.
        canonical=(SourceFile("cifar-10-binary.tar.gz", "md5:c32a1d4ab5d03f1284b67883e8d87530",
                              ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",)),),
        mirror=(SourceFile(
            "CIFAR-10-images-jpg.tar.xz",
            "sha256:d339ae644c227a353902ef38fdbb5f8a61724edd2a2b471fcde6183d0e91910c"),),
    ),
    "imdb": SourceSpec(
        name="imdb", folder="imdb",
        canonical=(SourceFile(
            "aclImdb_v1.tar.gz", "md5:7c2ac02c03563afcf9b574c7e56c153a",
            ("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",)),),
        mirror=(SourceFile(
            "imdb.jsonl.xz",
            "sha256:c5d85e0857a9b7a2ddcb4de8f7ca2964164b1629f3eb21634bee2eb9c360724f"),),
    ),
    "ag_news": SourceSpec(
        name="ag_news", folder="ag_news",
        canonical=(SourceFile("train.csv", AG_TRAIN_MD5, (_AG_BASE + "train.csv",)),
                   SourceFile("test.csv", AG_TEST_MD5, (_AG_BASE + "test.csv",))),
        mirror=(SourceFile("test.csv", AG_TEST_MD5),),
        mirror_optional=(SourceFile("train.csv", AG_TRAIN_MD5),),
    ),
    "20newsgroups": SourceSpec(
        name="20newsgroups", folder="20newsgroups",
        # The archive scikit-learn fetches (same files as qwone.com's 20news-bydate.tar.gz).
        canonical=(SourceFile(
            "20news-bydate.tar.gz",
            "sha256:8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610",
            ("https://ndownloader.figshare.com/files/5975967",
             "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz")),),
        mirror=(SourceFile(
            "20news-bydate.tar.xz",
            "sha256:dc05f7e3f865d33f56beed3b9be3b8282940f10d5d8e0e5113bc5892337ab7fe"),),
    ),
}
