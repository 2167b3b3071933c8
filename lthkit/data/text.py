"""IMDb, AG News and 20 Newsgroups as fixed-length token-id arrays plus their vocabulary.

Two cache levels, so a chapter tokenizes a corpus once per machine:

1. the tokenized corpus (every document's tokens), keyed by dataset, source, cleaning
   options and tokenizer version: the expensive step, shared by all settings below;
2. the id arrays (npz) and vocabulary (JSON), keyed by every setting that shapes them
   (which documents count for the vocabulary, vocab_size, max_len, oov, padding,
   truncating): cheap to rebuild, cached anyway.

The vocabulary counts the training documents that remain after the validation hold-out
(before ``n_train`` subsetting), so neither validation nor test text shapes it.
"""
from __future__ import annotations

import hashlib
import numbers
import time
import warnings

import numpy as np

from . import _cache
from .dataset import Dataset, DatasetInfo
from .download import resolve
from .errors import DataWarning, bad_value
from .newsgroups import STRIP
from .readers import READERS
from .sources import SOURCES
from .splits import balanced_choice, check_count, make_splits, rng_for
from .tokenize import TOKENIZER_VERSION, Corpus, tokenize_corpus
from .vocab import OOV, SIDES, build_vocab, encode

FORMAT = 1  # bump when cleaning or the cached layout changes
LOADER_DEFAULTS = {  # [TXT] (vocab 50,000; 25,000 for the LSTM) and [UNV20] (20 Newsgroups)
    "imdb": {"vocab_size": 50_000, "max_len": 400, "oov": "unk"},
    "ag_news": {"vocab_size": 50_000, "max_len": 100, "oov": "unk"},
    "20newsgroups": {"vocab_size": 61_188, "max_len": 200, "oov": "drop"},
}
AG_OFFLINE_TEST_SIZE = 1_900  # a quarter of the 7,600 rows, 475 per class
TOKENIZER_NOTE = ("tokens: lowercased NLTK word tokens (NLTKWordTokenizer per sentence, "
                  "sentences split at periods; no downloaded NLTK data)")


def _corpus_key(resolved, strip) -> str:
    return _cache.settings_key(version=TOKENIZER_VERSION, format=FORMAT, kind=resolved.kind,
                               optional=sorted(resolved.optional_present()), strip=strip)


def _corpus(name: str, resolved, strip) -> tuple[Corpus, dict, float | None]:
    """The tokenized corpus with labels, from the cache or built now (returns build time)."""
    key = _corpus_key(resolved, strip)
    path = _cache.cache_dir() / "text" / f"{name}-{resolved.kind}-corpus-{key}.npz"
    arrays = _cache.load_npz(path)
    if arrays is not None:
        return Corpus.from_arrays(arrays), arrays, None
    start = time.perf_counter()
    files = resolved.files()
    raw = READERS[name](files, strip) if name == "20newsgroups" else READERS[name](files)
    corpus = tokenize_corpus(raw.texts)
    classes = "\n".join(raw.class_names).encode("utf-8")
    arrays = {**corpus.to_arrays(), "labels": raw.labels, "is_test": raw.is_test,
              "class_names_utf8": np.frombuffer(classes, dtype=np.uint8)}
    _cache.save_npz(path, **arrays)
    return corpus, arrays, time.perf_counter() - start


def _encoded(name, kind, corpus_key, corpus, vocab_docs, settings):
    """(x for every document, lengths, vocab, distinct training tokens), cached by settings."""
    docs_hash = hashlib.sha256(np.ascontiguousarray(vocab_docs, np.int64).tobytes()).hexdigest()
    key = _cache.settings_key(corpus=corpus_key, docs=docs_hash, **settings)
    stem = _cache.cache_dir() / "text" / f"{name}-{kind}-ids-{key}"
    meta = _cache.load_json(stem.with_suffix(".vocab.json"))
    arrays = _cache.load_npz(stem.with_suffix(".npz")) if meta else None
    if meta and arrays is not None and len(meta["vocab"]) == meta["vocab_size"]:
        return arrays["x"], arrays["lengths"], meta["vocab"], meta["distinct_train_tokens"]
    vocab, rank, distinct = build_vocab(corpus, vocab_docs, settings["vocab_size"])
    x, lengths = encode(corpus, rank, max_len=settings["max_len"], oov=settings["oov"],
                        padding=settings["padding"], truncating=settings["truncating"])
    _cache.save_json(stem.with_suffix(".vocab.json"),
                     {"vocab": vocab, "vocab_size": len(vocab), "distinct_train_tokens": distinct,
                      "settings": settings})
    _cache.save_npz(stem.with_suffix(".npz"), x=x, lengths=lengths)
    return x, lengths, vocab, distinct


def _check_options(vocab_size, max_len, oov, padding, truncating, strip):
    if vocab_size is not None and (isinstance(vocab_size, bool) or
                                   not isinstance(vocab_size, numbers.Integral) or vocab_size < 1):
        raise bad_value("vocab_size", vocab_size, "None (every training token) or an int >= 1")
    if isinstance(max_len, bool) or not isinstance(max_len, numbers.Integral) or max_len < 1:
        raise bad_value("max_len", max_len, "an int >= 1")
    if oov not in OOV:
        raise bad_value("oov", oov, f"one of {OOV}")
    for param, value in (("padding", padding), ("truncating", truncating)):
        if value not in SIDES:
            raise bad_value(param, value, f"one of {SIDES}")
    if strip is not None:
        if isinstance(strip, str) or not all(part in STRIP for part in strip):
            raise bad_value("strip", strip, f"a collection of parts from {STRIP}")


def check_text_options(name: str, options: dict) -> None:
    """Check text options (types and ranges) without reading the corpus."""
    defaults = LOADER_DEFAULTS[name]
    value = {k: options.get(k, defaults.get(k)) for k in ("vocab_size", "max_len", "oov")}
    _check_options(value["vocab_size"], value["max_len"], value["oov"],
                   options.get("padding", "post"), options.get("truncating", "post"),
                   options.get("strip"))
    if "test_size" in options:
        check_count("test_size", options["test_size"], 7_599, allow_none=False)


def load_text(name: str, *, validation, seed, n_train, n_test, mirror,
              vocab_size="default", max_len="default", oov="default",
              padding: str = "post", truncating: str = "post", strip=None,
              test_size: int = AG_OFFLINE_TEST_SIZE) -> Dataset:
    """A text dataset as int32 (N, max_len) id arrays; see load_dataset for the options."""
    defaults = LOADER_DEFAULTS[name]
    asked_vocab = vocab_size != "default"
    vocab_size = defaults["vocab_size"] if vocab_size == "default" else vocab_size
    max_len = defaults["max_len"] if max_len == "default" else max_len
    oov = defaults["oov"] if oov == "default" else oov
    _check_options(vocab_size, max_len, oov, padding, truncating, strip)
    strip = sorted(STRIP if strip is None else set(strip)) if name == "20newsgroups" else None

    resolved = resolve(SOURCES[name], mirror)
    corpus, arrays, tokenize_s = _corpus(name, resolved, strip)
    labels, is_test = arrays["labels"].astype(np.int64), arrays["is_test"].astype(bool)
    class_names = arrays["class_names_utf8"].tobytes().decode("utf-8").split("\n")
    train_docs, test_docs = np.flatnonzero(~is_test), np.flatnonzero(is_test)

    notes, resplit = [TOKENIZER_NOTE], None
    if len(train_docs) == 0:  # AG News offline: only the official test rows exist
        test_size = check_count("test_size", test_size, len(test_docs) - 1, allow_none=False)
        held = balanced_choice(labels[test_docs], test_size, rng_for(seed, "resplit"))
        train_docs, test_docs = np.setdiff1d(test_docs, test_docs[held]), test_docs[held]
        resplit = (f"the source has no train split (offline mirror: only the {len(is_test):,} "
                   f"official test rows); train, validation and test are a seeded, "
                   f"class-balanced re-split of those rows ({len(test_docs):,} test, seed "
                   f"{seed}). Accuracies are not comparable with the official test set.")
        warnings.warn(f"lthkit: {name}: {resplit}", DataWarning, stacklevel=3)

    idx = make_splits(labels[train_docs], labels[test_docs], validation=validation, seed=seed,
                      n_train=n_train, n_test=n_test)
    settings = {"vocab_size": vocab_size, "max_len": max_len, "oov": oov,
                "padding": padding, "truncating": truncating}
    x_all, lengths, vocab, distinct = _encoded(
        name, resolved.kind, _corpus_key(resolved, strip), corpus, train_docs[idx.train_pool],
        settings)
    if vocab_size is not None and vocab_size > distinct and asked_vocab:
        raise bad_value("vocab_size", vocab_size,
                        f"at most the {distinct:,} distinct tokens of the {name} training "
                        "documents (None keeps them all)")
    if vocab_size is not None and vocab_size > distinct:
        notes.append(f"the default vocabulary of {vocab_size:,} words is more than the "
                     f"{distinct:,} distinct training tokens: all of them are kept")

    pool_lengths = lengths[train_docs[idx.train_pool]]
    notes.append(f"vocabulary: the {len(vocab) - 2:,} most frequent of {distinct:,} distinct "
                 f"training tokens, plus <pad> (0) and <unk> (1); out-of-vocabulary tokens "
                 + ("are dropped" if oov == "drop" else "map to <unk>"))
    notes.append(f"{np.mean(pool_lengths <= max_len):.0%} of training documents fit in "
                 f"max_len={max_len} tokens (median length {int(np.median(pool_lengths))})")
    if tokenize_s is not None:
        notes.append(f"read and tokenized {len(labels):,} documents in {tokenize_s:.1f} s "
                     "(cached for later runs)")
    pick = {"train": train_docs[idx.train], "val": train_docs[idx.val], "test": test_docs[idx.test]}
    info = DatasetInfo(
        name=name, source=resolved.kind, origin=resolved.origin, lossy=False,
        split_sizes={k: len(v) for k, v in pick.items()}, class_names=class_names,
        vocab_size=len(vocab), resplit=resplit, seed=seed,
        settings={"validation": validation, "n_train": n_train, "n_test": n_test, **settings,
                  **({"strip": strip} if strip is not None else {}),
                  **({"test_size": test_size} if resplit else {})},
        notes=notes)
    return Dataset(x_train=x_all[pick["train"]], y_train=labels[pick["train"]],
                   x_val=x_all[pick["val"]], y_val=labels[pick["val"]],
                   x_test=x_all[pick["test"]], y_test=labels[pick["test"]],
                   info=info, vocab=vocab)
