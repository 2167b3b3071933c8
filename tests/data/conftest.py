"""Fixtures for the data tests: the real offline mirror, a session cache, a fake network.

The mirror comes from ``$LTHKIT_DATA_MIRROR`` if set, else ``../shared/data`` beside the
repo, else ``/work/shared/data``; tests that need it skip with a message when it is absent.
Every test runs with downloads disabled (``LTHKIT_OFFLINE=1``) unless it installs the
fake network, and with a cache in a temp dir shared by the session (so CIFAR-10 is
decoded and IMDb tokenized once per test run).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import urllib.error
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lthkit.data import download, load_dataset
from lthkit.data.sources import SOURCES, SourceFile

REPO = Path(__file__).resolve().parents[2]


def _find_mirror() -> Path:
    if os.environ.get("LTHKIT_DATA_MIRROR"):
        return Path(os.environ["LTHKIT_DATA_MIRROR"])
    beside_repo = REPO.parent / "shared" / "data"
    return beside_repo if beside_repo.is_dir() else Path("/work/shared/data")


MIRROR = _find_mirror()
HAVE_MIRROR = (MIRROR / "README.md").is_file()
needs_mirror = pytest.mark.skipif(
    not HAVE_MIRROR, reason=f"offline data mirror not found at {MIRROR} "
                            "(set LTHKIT_DATA_MIRROR to run the tests on real data)")


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lthkit-cache")


@pytest.fixture(autouse=True)
def _data_env(monkeypatch, session_cache):
    monkeypatch.setenv("LTHKIT_CACHE_DIR", str(session_cache))
    monkeypatch.setenv("LTHKIT_OFFLINE", "1")
    monkeypatch.setenv("LTHKIT_DATA_MIRROR", str(MIRROR))


@pytest.fixture
def fresh_cache(monkeypatch, tmp_path) -> Path:
    """An empty cache dir for tests that watch what gets written."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("LTHKIT_CACHE_DIR", str(cache))
    return cache


_session_datasets: dict = {}


def load_once(name: str, **kwargs):
    """load_dataset with the session cache, memoized across the tests of a run."""
    key = (name, tuple(sorted(kwargs.items())))
    if key not in _session_datasets:
        _session_datasets[key] = load_dataset(name, mirror=MIRROR, **kwargs)
    return _session_datasets[key]


# --- a fake network for the canonical download path -------------------------------------

class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes, fail_after: int | None = None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer (simulated)")
        return super().read(size if self.fail_after is None else min(size, self.fail_after))


class FakeNetwork:
    """Serves bytes by URL; records requests; can serve corrupt or truncated data."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.fail_after: dict[str, int] = {}
        self.requests: list[str] = []

    def __call__(self, url, timeout=None):
        self.requests.append(url)
        if url not in self.files:
            raise urllib.error.URLError("Name or service not known (simulated)")
        return FakeResponse(self.files[url], self.fail_after.get(url))

    def publish(self, monkeypatch, dataset: str, files: dict[str, bytes]) -> None:
        """Make ``dataset``'s canonical files these bytes (checksums to match)."""
        canonical = []
        for name, data in files.items():
            url = f"https://example.invalid/{dataset}/{name}"
            self.files[url] = data
            canonical.append(SourceFile(name, "sha256:" + hashlib.sha256(data).hexdigest(),
                                        (url,)))
        monkeypatch.setitem(SOURCES, dataset, replace(SOURCES[dataset], canonical=tuple(canonical)))


@pytest.fixture
def network(monkeypatch) -> FakeNetwork:
    """Downloads enabled, served by a FakeNetwork (nothing leaves the machine)."""
    fake = FakeNetwork()
    monkeypatch.delenv("LTHKIT_OFFLINE", raising=False)
    monkeypatch.setattr(download, "urlopen", fake)
    return fake


def idx_gz(array: np.ndarray) -> bytes:
    """An array as a gzip-compressed IDX file (unsigned bytes)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def fake_mnist_files(n_train: int = 40, n_test: int = 20) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    return {
        "train-images-idx3-ubyte.gz": idx_gz(rng.integers(0, 256, (n_train, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_gz(np.arange(n_train) % 10),
        "t10k-images-idx3-ubyte.gz": idx_gz(rng.integers(0, 256, (n_test, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_gz(np.arange(n_test) % 10),
    }


def tar_gz(members: dict[str, bytes]) -> bytes:
    """A .tar.gz archive in memory holding `members` ({path: bytes})."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
