"""The project's data cache: where derived files live and how they are written.

Every file here is written to a temporary name in the same folder and renamed into
place only once it is complete, so an interrupted download or decode never leaves a
half-written file under the final name; the next run simply builds it again. Arrays
are stored as ``.npz`` (loaded with ``allow_pickle=False``) and metadata as JSON: no
pickle anywhere.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import platformdirs

CACHE_ENV = "LTHKIT_CACHE_DIR"
_STALE_SECONDS = 3600  # a temp file this old belongs to a run that was killed


def cache_dir() -> Path:
    """The cache root: ``$LTHKIT_CACHE_DIR``, else the platform's user cache dir for lthkit."""
    root = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("lthkit")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings_key(**settings) -> str:
    """A short, stable hash of JSON-serializable settings, used in cache file names."""
    blob = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _sweep_stale(folder: Path) -> None:
    # Temp files of killed runs: harmless (never read) but they would pile up.
    now = time.time()
    for leftover in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > _STALE_SECONDS:
                leftover.unlink()


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "wb"):
    """Open a temp file beside ``path``; rename it to ``path`` only if the block succeeds.

    On any exception (including KeyboardInterrupt) the temp file is removed and
    ``path`` is left as it was (absent, or the previous complete version).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to ``path`` (uncompressed .npz: fast to load), atomically."""
    with atomic_write(path) as handle:
        np.savez(handle, **arrays)


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at ``path``, or None if it is absent or unreadable (then removed)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        warnings.warn(f"lthkit: ignoring unreadable cache file {path} ({error}); rebuilding it",
                      stacklevel=3)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def save_json(path: Path, obj) -> None:
    """Write ``obj`` as JSON to ``path``, atomically."""
    with atomic_write(path, "w") as handle:
        json.dump(obj, handle, ensure_ascii=False)


def load_json(path: Path):
    """The JSON object stored at ``path``, or None if it is absent or unreadable (then removed)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        warnings.warn(f"lthkit: ignoring unreadable cache file {path} ({error}); rebuilding it",
                      stacklevel=3)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
