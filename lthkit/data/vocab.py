"""Vocabulary and fixed-length id arrays from a tokenized corpus.

Ids: 0 is padding (``<pad>``), 1 is unknown (``<unk>``), 2.. are the N most frequent
training tokens, most frequent first (ties broken alphabetically, so the result is
deterministic). Tokens outside the vocabulary map to ``<unk>`` (oov="unk") or are
removed before truncation (oov="drop", the 20 Newsgroups setup of the thesis [UNV20]; id 1
then never occurs but stays reserved, so the layout is the same for every dataset).
"""
from __future__ import annotations

import numpy as np

from .tokenize import Corpus

PAD, UNK = 0, 1
SPECIALS = ["<pad>", "<unk>"]
OOV = ("unk", "drop")
SIDES = ("pre", "post")


def build_vocab(corpus: Corpus, docs: np.ndarray,
                size: int | None) -> tuple[list[str], np.ndarray, int]:
    """The N most frequent tokens of documents ``docs``.

    Returns (vocab with the two specials first, ``rank`` mapping each corpus token id to
    its vocabulary id or -1 if outside, number of distinct tokens in those documents).
    """
    doc_of_token = np.repeat(np.arange(len(corpus.offsets) - 1), corpus.lengths)
    in_docs = np.zeros(len(corpus.offsets) - 1, dtype=bool)
    in_docs[docs] = True
    counts = np.bincount(corpus.ids[in_docs[doc_of_token]], minlength=len(corpus.tokens))
    seen = np.flatnonzero(counts)
    alphabetical = np.empty(len(corpus.tokens), dtype=np.int64)
    alphabetical[sorted(range(len(corpus.tokens)), key=corpus.tokens.__getitem__)] = \
        np.arange(len(corpus.tokens))
    order = seen[np.lexsort((alphabetical[seen], -counts[seen]))]
    kept = order if size is None else order[:size]
    rank = np.full(len(corpus.tokens), -1, dtype=np.int64)
    rank[kept] = np.arange(len(kept)) + len(SPECIALS)
    return SPECIALS + [corpus.tokens[t] for t in kept], rank, len(seen)


def encode(corpus: Corpus, rank: np.ndarray, *, max_len: int, oov: str = "unk",
           padding: str = "post", truncating: str = "post") -> tuple[np.ndarray, np.ndarray]:
    """All documents as an int32 (n_docs, max_len) array of vocabulary ids.

    Returns the array and each document's length in ids before truncation.
    """
    ids = rank[corpus.ids]
    lengths = corpus.lengths
    if oov == "drop":
        keep = ids >= 0
        doc_of_token = np.repeat(np.arange(len(lengths)), lengths)
        lengths = np.bincount(doc_of_token[keep], minlength=len(lengths))
        ids = ids[keep]
    else:
        ids = np.where(ids >= 0, ids, UNK)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    kept = np.minimum(lengths, max_len)
    if truncating == "pre":  # keep the end of long documents
        starts = starts + lengths - kept
    row = np.repeat(np.arange(len(kept)), kept)
    pos = np.arange(int(kept.sum())) - np.repeat(np.cumsum(kept) - kept, kept)
    col = pos if padding == "post" else pos + (max_len - kept)[row]
    out = np.full((len(kept), max_len), PAD, dtype=np.int32)
    out[row, col] = ids[starts[row] + pos]
    return out, lengths
