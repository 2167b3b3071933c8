"""How lthkit writes and reads every file: the data cache and the result store alike.

- **Atomic.** A file is written to a temporary name beside its target, flushed to disk and
  renamed into place, so a reader (or a run killed at any moment) sees the old file or the
  new one, never half of one. Temporary files of killed runs are swept after an hour.
- **No pickle.** Arrays are ``.npz`` loaded with ``allow_pickle=False``; everything else is
  JSON.
- **Damage is named.** A file that exists but cannot be read raises ``DamagedFile`` naming
  the path and what is wrong with it; ``quarantine`` moves such a file aside (kept, renamed)
  so the caller can redo what depended on it.
- **Digests.** ``canonical_json`` and ``digest`` give the one canonical form lthkit hashes
  (experiment identities, cache keys); ``arrays_digest`` fingerprints a dict of arrays.
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
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from lthkit._errors import LthkitError

STALE_SECONDS = 3600  # a temporary file this old belongs to a run that was killed
TEMP_SUFFIX = ".part"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


class DamagedFile(LthkitError):
    """A file exists but cannot be read (truncated, garbage, wrong content)."""

    def __init__(self, path, reason):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


def _sweep_stale(folder: Path) -> None:
    now = time.time()
    for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > STALE_SECONDS:
                leftover.unlink()


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside ``path``; rename it to ``path`` only if the block succeeds.

    On any exception (KeyboardInterrupt included) the temporary file is removed and ``path``
    is left as it was (absent, or the previous complete version).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a result is not
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def canonical_json(obj) -> str:
    """The one canonical JSON text of ``obj`` (sorted keys, no spaces; tuples as lists)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def digest(obj, length=None) -> str:
    """sha256 of ``canonical_json(obj)``, hex, optionally cut to ``length`` digits."""
    full = hashlib.sha256(canonical_json(obj).encode()).hexdigest()
    return full[:length] if length else full


def arrays_digest(arrays) -> str:
    """sha256 over a dict of arrays: keys, dtypes, shapes and bytes, in key order."""
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_json(path, obj, indent=1) -> None:
    """Write ``obj`` as JSON (sorted keys), atomically."""
    text = json.dumps(obj, indent=indent, sort_keys=True, ensure_ascii=False,
                      default=_json_default)
    with atomic_write(path, "w") as handle:
        handle.write(text + "\n")


def load_json(path):
    """The JSON stored at ``path``; ``DamagedFile`` if it is unreadable or not JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DamagedFile(path, f"not UTF-8 text ({err.reason})") from None
    try:
        return json.loads(text)
    except ValueError as err:
        what = "empty" if not text.strip() else f"not valid JSON ({err})"
        raise DamagedFile(path, f"{what}; it was probably cut off while being written") from None


def save_npz(path, arrays, compress=True) -> None:
    """Write a dict of arrays as ``.npz``, atomically (compressed unless told otherwise)."""
    for key, value in arrays.items():
        if np.asarray(value).dtype == object:
            raise LthkitError(f"array {key!r} has dtype object, which would need pickle: "
                              "lthkit stores numeric and boolean arrays only.")
    save = np.savez_compressed if compress else np.savez
    with atomic_write(path) as handle:
        save(handle, **arrays)


def load_npz(path):
    """The arrays stored at ``path`` as a dict; ``DamagedFile`` if it cannot be read.

    Never loads pickled objects: a file that would need them is reported as damaged (lthkit
    never writes one), not loaded.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, KeyError, zlib_error()) as err:
        raise DamagedFile(path, f"not a readable .npz archive ({type(err).__name__}: {err}); "
                                "it was probably cut off while being written") from None
    except (OSError, ValueError) as err:
        if "pickle" in str(err):
            reason = ("not an .npz archive of plain arrays (numpy would have to unpickle it); "
                      "lthkit never writes such a file and does not load one")
        else:
            reason = f"not a readable .npz archive ({type(err).__name__}: {err})"
        raise DamagedFile(path, reason) from None


def zlib_error():
    import zlib
    return zlib.error


def quarantine(path, reason, stacklevel=2) -> Path:
    """Move a damaged file aside (renamed ``<name>.damaged-<UTC time>``, kept) and warn.

    Returns the new path. The caller then redoes whatever depended on the file.
    """
    path = Path(path)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, target)
    warnings.warn(f"lthkit: {path} is damaged ({reason}); moved aside to {target.name}, "
                  "redoing what depends on it", LthkitWarning, stacklevel=stacklevel + 1)
    return target


class LthkitWarning(UserWarning):
    """Something lthkit repaired or worked around, that a user should know about."""
