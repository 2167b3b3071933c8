"""The project's data cache: where derived files live, and its policy for damaged ones.

Writing and reading go through ``lthkit._io`` (atomic writes, npz without pickle, JSON).
Everything here can be rebuilt from the sources, so a cache file that cannot be read is
removed with a warning and rebuilt; deleting the whole folder is always safe.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import platformdirs

from lthkit import _io

CACHE_ENV = "LTHKIT_CACHE_DIR"
atomic_write = _io.atomic_write


def cache_dir() -> Path:
    """The cache root: ``$LTHKIT_CACHE_DIR``, else the platform's user cache dir for lthkit."""
    root = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("lthkit")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings_key(**settings) -> str:
    """A short, stable hash of JSON-serializable settings, used in cache file names."""
    return _io.digest(settings, 16)


def save_npz(path: Path, **arrays) -> None:
    """Write arrays to ``path`` (uncompressed .npz: fast to load), atomically."""
    _io.save_npz(path, arrays, compress=False)


def save_json(path: Path, obj) -> None:
    _io.save_json(path, obj, indent=None)


def _load_or_forget(path, loader):
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return loader(path)
    except _io.DamagedFile as err:
        warnings.warn(f"lthkit: ignoring unreadable cache file {path} ({err.reason}); "
                      "rebuilding it", stacklevel=4)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def load_npz(path: Path):
    """The arrays stored at ``path``, or None if it is absent or unreadable (then removed)."""
    return _load_or_forget(path, _io.load_npz)


def load_json(path: Path):
    """The JSON stored at ``path``, or None if it is absent or unreadable (then removed)."""
    return _load_or_forget(path, _io.load_json)
