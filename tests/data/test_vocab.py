"""Vocabulary and id-array invariants: ids in range, padding fixed, unknown mapped, length."""
from __future__ import annotations

import numpy as np
import pytest

from lthkit.data.readers import READERS
from lthkit.data.tokenize import tokenize, tokenize_corpus
from lthkit.data.vocab import PAD, UNK, build_vocab, encode

from .conftest import MIRROR, load_once, needs_mirror

DOCS = ["b a c a", "a b b d e", "c c c a", "z y"]


def small():
    corpus = tokenize_corpus(DOCS)
    return corpus, *build_vocab(corpus, np.array([0, 1, 2]), size=3)


def test_vocab_order_specials_and_training_docs_only():
    _, vocab, rank, distinct = small()
    # counts over docs 0-2: a 4, c 4, b 3, d 1, e 1; ties alphabetical; z, y unseen.
    assert vocab == ["<pad>", "<unk>", "a", "c", "b"]
    assert distinct == 5


def test_encode_post_padding_truncation_and_unknown():
    corpus, vocab, rank, _ = small()
    x, lengths = encode(corpus, rank, max_len=4)
    assert x.dtype == np.int32 and x.shape == (4, 4)
    assert lengths.tolist() == [4, 5, 4, 2]
    decoded = [[vocab[i] for i in row] for row in x]
    assert decoded[0] == ["b", "a", "c", "a"]
    assert decoded[1] == ["a", "b", "b", "<unk>"]  # d -> <unk>, e truncated away
    assert decoded[3] == ["<unk>", "<unk>", "<pad>", "<pad>"]


def test_encode_pre_padding_and_truncation():
    corpus, vocab, rank, _ = small()
    x, _ = encode(corpus, rank, max_len=3, padding="pre", truncating="pre")
    assert [vocab[i] for i in x[1]] == ["b", "<unk>", "<unk>"]  # keeps the end: b d e
    assert x[3].tolist() == [PAD, UNK, UNK]


def test_encode_drop_out_of_vocabulary():
    corpus, vocab, rank, _ = small()
    x, lengths = encode(corpus, rank, max_len=4, oov="drop")
    assert not (x == UNK).any()
    assert lengths.tolist() == [4, 3, 4, 0]
    assert [vocab[i] for i in x[1]] == ["a", "b", "b", "<pad>"]
    assert x[3].tolist() == [PAD] * 4


def test_vocab_size_none_keeps_every_training_token():
    corpus = tokenize_corpus(DOCS)
    vocab, _, distinct = build_vocab(corpus, np.arange(4), size=None)
    assert len(vocab) == distinct + 2 == 9  # a b c d e y z


@needs_mirror
def test_imdb_arrays_invariants():
    ds = load_once("imdb")
    for x in (ds.x_train, ds.x_val, ds.x_test):
        assert x.dtype == np.int32 and x.shape[1] == 400
        assert x.min() >= 0 and x.max() < len(ds.vocab)
    x = ds.x_train
    # Post padding: once a row has a 0, everything after it is 0.
    assert (np.diff((x == PAD).astype(np.int8), axis=1) >= 0).all()
    assert (x == UNK).any()  # rare words exist and map to <unk>
    assert len(set(ds.vocab)) == len(ds.vocab)


@needs_mirror
def test_imdb_first_test_review_round_trips():
    ds = load_once("imdb")
    raw = READERS["imdb"]({"imdb.jsonl.xz": MIRROR / "imdb/imdb.jsonl.xz"})
    first_test = raw.texts[int(np.flatnonzero(raw.is_test)[0])]
    index = {t: i for i, t in enumerate(ds.vocab)}
    expected = [t if t in index else "<unk>" for t in tokenize(first_test)][:400]
    got = [ds.vocab[i] for i in ds.x_test[0] if i != PAD]
    assert got == expected


@needs_mirror
@pytest.mark.parametrize("vocab_size, max_len", [(25_000, 50), (None, 20)])
def test_settings_shape_the_arrays(vocab_size, max_len):
    ds = load_once("imdb", vocab_size=vocab_size, max_len=max_len)
    assert ds.x_train.shape[1] == max_len and ds.x_train.max() < len(ds.vocab)
    if vocab_size:
        assert len(ds.vocab) == vocab_size + 2
    assert ds.vocab[:2] == ["<pad>", "<unk>"]
    assert ds.vocab[2:52] == load_once("imdb").vocab[2:52]  # same counts, same order
