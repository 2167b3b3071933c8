"""The cache: reused across calls, invalidated when a setting changes, never half-written."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from lthkit.data import _cache, images, load_dataset, text

from .conftest import needs_mirror

pytestmark = [needs_mirror, pytest.mark.filterwarnings("ignore::lthkit.data.DataWarning")]


def _forbid(monkeypatch, module, name):
    def fail(*args, **kwargs):
        raise AssertionError(f"{name} ran although its result is cached")
    monkeypatch.setattr(module, name, fail)


def test_text_cache_reused_and_keyed_by_settings(fresh_cache, monkeypatch):
    first = load_dataset("ag_news", seed=0)
    corpus_files = sorted((fresh_cache / "text").glob("*corpus*.npz"))
    assert len(corpus_files) == 1

    _forbid(monkeypatch, text, "tokenize_corpus")  # from here on, no tokenizing
    again = load_dataset("ag_news", seed=0)
    assert np.array_equal(first.x_train, again.x_train) and first.vocab == again.vocab

    ids_files = lambda: sorted((fresh_cache / "text").glob("*-ids-*.npz"))  # noqa: E731
    assert len(ids_files()) == 1
    shorter = load_dataset("ag_news", seed=0, max_len=20)
    assert shorter.x_train.shape[1] == 20 and len(ids_files()) == 2
    np.testing.assert_array_equal(shorter.x_train, first.x_train[:, :20])
    smaller = load_dataset("ag_news", seed=0, vocab_size=1000)
    assert len(smaller.vocab) == 1002 and len(ids_files()) == 3
    other_seed = load_dataset("ag_news", seed=1)  # other training rows, other vocabulary
    assert other_seed.vocab != first.vocab and len(ids_files()) == 4
    assert len(list((fresh_cache / "text").glob("*.vocab.json"))) == 4
    assert sorted((fresh_cache / "text").glob("*corpus*.npz")) == corpus_files


def test_text_cache_invalidated_by_tokenizer_version(fresh_cache, monkeypatch):
    load_dataset("ag_news")
    monkeypatch.setattr(text, "TOKENIZER_VERSION", "a-changed-tokenizer")
    calls = []
    real = text.tokenize_corpus
    monkeypatch.setattr(text, "tokenize_corpus", lambda texts: calls.append(1) or real(texts))
    load_dataset("ag_news")
    assert calls == [1]
    assert len(list((fresh_cache / "text").glob("*corpus*.npz"))) == 2


def test_image_cache_reused(fresh_cache, monkeypatch):
    first = load_dataset("mnist", n_train=100, n_test=100)
    assert [p.name for p in (fresh_cache / "images").iterdir()] == ["mnist-mirror-v1.npz"]
    assert any("decoded" in note for note in first.info.notes)
    _forbid(monkeypatch, images, "decode_mnist")
    _forbid(monkeypatch, images.Resolved, "files")  # not even the mirror is read again
    again = load_dataset("mnist", n_train=100, n_test=100)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    assert not any("decoded" in note for note in again.info.notes)


def test_corrupt_cache_file_is_rebuilt(fresh_cache):
    first = load_dataset("mnist", n_train=100, n_test=100)
    path = fresh_cache / "images" / "mnist-mirror-v1.npz"
    path.write_bytes(path.read_bytes()[:1000])  # truncated, e.g. by a full disk
    with pytest.warns(UserWarning, match="unreadable cache file"):
        again = load_dataset("mnist", n_train=100, n_test=100)
    np.testing.assert_array_equal(first.x_train, again.x_train)


def test_interrupted_decode_leaves_no_partial_file_and_next_run_recovers(
        fresh_cache, monkeypatch):
    real_savez = np.savez

    def savez_then_crash(handle, **arrays):
        real_savez(handle, **arrays)
        handle.truncate(100)
        raise KeyboardInterrupt  # the user hit stop mid-write

    monkeypatch.setattr(np, "savez", savez_then_crash)
    with pytest.raises(KeyboardInterrupt):
        load_dataset("mnist", n_train=100, n_test=100)
    assert list((fresh_cache / "images").iterdir()) == []  # neither final nor temp file
    monkeypatch.setattr(np, "savez", real_savez)
    ds = load_dataset("mnist", n_train=100, n_test=100)
    assert ds.x_train.shape == (100, 28, 28, 1)


def test_stale_temp_file_of_a_killed_run_is_ignored_and_swept(fresh_cache):
    folder = fresh_cache / "images"
    folder.mkdir(parents=True)
    stale = folder / ".mnist-mirror-v1.npz.abc123.part"
    stale.write_bytes(b"half a file")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    ds = load_dataset("mnist", n_train=10, n_test=10)
    assert ds.info.split_sizes["train"] == 10
    assert [p.name for p in folder.iterdir()] == ["mnist-mirror-v1.npz"]


def test_atomic_write_keeps_previous_version_on_failure(tmp_path):
    target = tmp_path / "x.json"
    _cache.save_json(target, {"v": 1})
    with pytest.raises(RuntimeError), _cache.atomic_write(target, "w") as handle:
        handle.write('{"v": 2')
        raise RuntimeError("crash")
    assert _cache.load_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_cache_dir_default_is_platform_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("LTHKIT_CACHE_DIR")
    asked = []
    monkeypatch.setattr(_cache.platformdirs, "user_cache_dir",
                        lambda app: asked.append(app) or str(tmp_path / "user-cache"))
    assert _cache.cache_dir() == tmp_path / "user-cache" and asked == ["lthkit"]
