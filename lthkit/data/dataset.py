"""What a loader returns: the arrays of each split, the vocabulary, and their provenance."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class DatasetInfo:
    """Provenance of a loaded dataset; ``to_dict()`` is JSON-ready, ``str()`` a short summary.

    Attributes:
        name: dataset name ("mnist", "cifar10", "imdb", "ag_news", "20newsgroups").
        source: "canonical" (the original files, downloaded) or "mirror" (an offline mirror).
        origin: the mirror folder or the canonical URL(s) the data came from.
        lossy: True if the data differ from the original (the CIFAR-10 JPEG mirror).
        split_sizes: number of examples in "train", "val" and "test".
        class_names: names of the classes; index = label id.
        vocab_size: number of token ids for text, ``len(vocab)`` (the N most frequent
            training tokens plus <pad> and <unk>), i.e. an Embedding's input_dim; None for images.
        resplit: None, or how the splits were re-made because the source lacks one (AG News
            offline: train and test both come from the 7,600 official test rows).
        seed: the seed of the validation hold-out and the subsets.
        settings: the loader settings that shaped the arrays (validation, n_train, ...).
        notes: caveats a chapter should show its reader.
    """

    name: str
    source: str
    origin: str
    lossy: bool
    split_sizes: dict[str, int]
    class_names: list[str]
    vocab_size: int | None = None
    resplit: str | None = None
    seed: int = 0
    settings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-serializable dict of every field (for results' provenance)."""
        return json.loads(json.dumps(asdict(self), default=_json_default))

    def summary(self) -> str:
        """One paragraph for a chapter: what was loaded, from where, and its caveats."""
        sizes = " / ".join(f"{self.split_sizes[k]:,} {k}" for k in ("train", "val", "test"))
        lines = [f"{self.name} ({self.source}{', LOSSY' if self.lossy else ''}): {sizes}, "
                 f"{len(self.class_names)} classes"
                 + (f", vocabulary {self.vocab_size:,} ids" if self.vocab_size else "")]
        if self.resplit:
            lines.append(f"RE-SPLIT: {self.resplit}")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    __str__ = summary


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)


@dataclass
class Dataset:
    """Train / validation / test arrays with their info and, for text, the vocabulary.

    Images: x float32 (N, H, W, C); text: x int32 (N, max_len) token ids, 0 = padding.
    Labels: int64 class ids. ``vocab[i]`` is the token of id i (None for images).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: DatasetInfo
    vocab: list[str] | None = None

    @property
    def num_classes(self) -> int:
        return len(self.info.class_names)

    def __repr__(self) -> str:
        return (f"Dataset({self.info.name!r}, source={self.info.source!r}, "
                f"x_train={self.x_train.shape}, x_val={self.x_val.shape}, "
                f"x_test={self.x_test.shape}, num_classes={self.num_classes})")
