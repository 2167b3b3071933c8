"""Raw text of IMDb, AG News and 20 Newsgroups, from mirror or canonical files, cleaned.

Each reader returns a ``RawText``: class names, texts, labels and which rows are test
rows, in a fixed order. Cleaning is the minimum each source needs before tokenization:
IMDb's ``<br />`` tags; AG News's backslash line breaks, HTML entities that lost their
"&" (`` #39;``, `` quot;``) and the HTML tags they encode; 20 Newsgroups' metadata.
"""
from __future__ import annotations

import csv
import html
import json
import lzma
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import newsgroups
from .errors import DataError

IMDB_CLASSES = ["neg", "pos"]
AG_NEWS_CLASSES = ["World", "Sports", "Business", "Sci/Tech"]

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BROKEN_ENTITY = re.compile(r"(?<![&\w])(#\d{1,5}|quot|amp|lt|gt|apos|nbsp|hellip);")
_TAG = re.compile(r"<[^<>]{0,500}>")
_IMDB_MEMBER = re.compile(r"(?:.*/)?aclImdb/(train|test)/(neg|pos)/(\d+)_\d+\.txt$")


@dataclass
class RawText:
    class_names: list[str]
    texts: list[str]
    labels: np.ndarray  # int64
    is_test: np.ndarray  # bool


def clean_imdb(text: str) -> str:
    return _BR.sub(" ", text)


def clean_ag_news(text: str) -> str:
    text = text.replace("\\", " ")
    text = html.unescape(_BROKEN_ENTITY.sub(r"&\1;", text))
    return _TAG.sub(" ", text)


def read_imdb(files: dict[str, Path]) -> RawText:
    texts, labels, is_test = [], [], []
    if "imdb.jsonl.xz" in files:  # the mirror: one JSON object a line, in a fixed order
        with lzma.open(files["imdb.jsonl.xz"], "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                texts.append(clean_imdb(row["text"]))
                labels.append(int(row["label"]))
                is_test.append(row["split"] == "test")
    else:  # the canonical archive: aclImdb/{train,test}/{neg,pos}/<id>_<rating>.txt
        reviews = []
        with tarfile.open(files["aclImdb_v1.tar.gz"], "r:*") as archive:
            for member in archive:
                match = _IMDB_MEMBER.match(member.name) if member.isfile() else None
                if match:
                    split, sentiment, number = match.groups()
                    text = archive.extractfile(member).read().decode("utf-8")
                    reviews.append((split == "test", sentiment == "pos", int(number), text))
        reviews.sort(key=lambda review: review[:3])
        for test, positive, _, text in reviews:
            texts.append(clean_imdb(text))
            labels.append(int(positive))
            is_test.append(test)
    return RawText(IMDB_CLASSES, texts, np.asarray(labels, np.int64), np.asarray(is_test, bool))


def _read_ag_csv(path: Path) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as handle:
        for row_number, row in enumerate(csv.reader(handle), 1):
            if len(row) != 3 or row[0] not in ("1", "2", "3", "4"):
                raise DataError(f"{path}, row {row_number}: expected class (1-4), title, "
                                f"description; got {row[:3]!r}")
            labels.append(int(row[0]) - 1)
            texts.append(clean_ag_news(f"{row[1]} {row[2]}"))
    return texts, labels


def read_ag_news(files: dict[str, Path]) -> RawText:
    """Title and description of each row; rows of train.csv (if present), then test.csv."""
    texts, labels, is_test = [], [], []
    for name, test in (("train.csv", False), ("test.csv", True)):
        if name in files:
            t, y = _read_ag_csv(files[name])
            texts += t
            labels += y
            is_test += [test] * len(t)
    return RawText(AG_NEWS_CLASSES, texts, np.asarray(labels, np.int64),
                   np.asarray(is_test, bool))


def read_20newsgroups(files: dict[str, Path], strip=newsgroups.STRIP) -> RawText:
    (path,) = files.values()
    groups, texts, labels, is_test = newsgroups.read_archive(path, strip)
    return RawText(groups, texts, np.asarray(labels, np.int64), np.asarray(is_test, bool))


READERS = {"imdb": read_imdb, "ag_news": read_ag_news, "20newsgroups": read_20newsgroups}
