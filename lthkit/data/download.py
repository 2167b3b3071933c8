"""Getting a dataset's source files: from an offline mirror, or downloaded and verified.

Resolution order for a dataset:

1. A mirror, if one is configured (``mirror=`` argument, else ``$LTHKIT_DATA_MIRROR``) and
   its dataset folder holds the expected files. Mirror files are read in place, never written.
2. The canonical files, downloaded once into ``<cache>/downloads/<dataset>/`` (checksums
   verified, written to a temp file and renamed, so an interrupted download leaves nothing).

If neither works, one ``DatasetUnavailableError`` says what was tried, which files a
mirror must hold, and how to point lthkit at one. ``LTHKIT_OFFLINE=1`` skips downloads.
"""
from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from . import _cache
from .errors import ChecksumError, DatasetUnavailableError, DataWarning
from .sources import SourceFile, SourceSpec

MIRROR_ENV = "LTHKIT_DATA_MIRROR"
OFFLINE_ENV = "LTHKIT_OFFLINE"
TIMEOUT_S = 60
_CHUNK = 1 << 20

urlopen = urllib.request.urlopen  # module attribute so tests can stand in for the network


def file_checksum(path: Path, algo: str) -> str:
    """Hex digest of a file's bytes with ``algo`` (``md5`` or ``sha256``)."""
    digest = hashlib.new(algo)
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, checksum: str) -> None:
    """Raise ChecksumError (naming the file) unless ``path`` matches ``checksum`` (``algo:hex``)."""
    algo, expected = checksum.split(":", 1)
    actual = file_checksum(path, algo)
    if actual != expected:
        raise ChecksumError(str(path), f"{algo}:{expected}", f"{algo}:{actual}")


def download(source: SourceFile, dest: Path) -> Path:
    """Download ``source`` to ``dest`` (first URL that works), verifying its checksum.

    Each URL is tried in turn; a URL that fails or serves bytes with the wrong checksum
    leaves nothing behind. If none works, raises ``_DownloadFailed`` listing every failure.
    """
    algo, expected = source.checksum.split(":", 1)
    failures: list[tuple[str, BaseException]] = []
    for url in source.urls:
        try:
            with urlopen(url, timeout=TIMEOUT_S) as response, _cache.atomic_write(dest) as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                digest = hashlib.new(algo)
                with tqdm(total=total, unit="B", unit_scale=True, desc=source.name,
                          disable=None, leave=False) as bar:
                    while block := response.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        bar.update(len(block))
                if digest.hexdigest() != expected:
                    raise ChecksumError(source.name, f"{algo}:{expected}",
                                        f"{algo}:{digest.hexdigest()}", where=url)
            return dest
        except (ChecksumError, OSError, urllib.error.URLError, ValueError) as error:
            failures.append((url, error))
    raise _DownloadFailed(failures)


class _DownloadFailed(Exception):
    def __init__(self, failures):
        super().__init__(failures)
        self.failures = failures


def mirror_root(mirror=None) -> Path | None:
    """The configured mirror: ``mirror`` if given (``False`` disables), else the env var."""
    if mirror is False:
        return None
    if mirror is None:
        mirror = os.environ.get(MIRROR_ENV) or None
    return Path(mirror).expanduser() if mirror else None


@dataclass
class Resolved:
    """Where a dataset's files will come from; ``files()`` fetches and verifies them."""

    spec: SourceSpec
    kind: str  # "mirror" or "canonical"
    folder: Path | None  # the mirror's dataset folder (kind == "mirror")
    mirror_problem: str  # why no mirror is used (kind == "canonical")

    @property
    def origin(self) -> str:
        if self.kind == "mirror":
            return str(self.folder)
        return ", ".join(f.urls[0] for f in self.spec.canonical)

    def optional_present(self) -> set[str]:
        """Names of the optional mirror files that exist (e.g. AG News train.csv)."""
        if self.kind != "mirror":
            return set()
        return {f.name for f in self.spec.mirror_optional if (self.folder / f.name).is_file()}

    def files(self) -> dict[str, Path]:
        """Local, checksum-verified paths of the source files, by file name."""
        if self.kind == "mirror":
            optional = self.optional_present()
            wanted = list(self.spec.mirror) + [
                f for f in self.spec.mirror_optional if f.name in optional]
            for source in wanted:
                verify_file(self.folder / source.name, source.checksum)
            return {f.name: self.folder / f.name for f in wanted}
        return {source.name: self._fetch(source) for source in self.spec.canonical}

    def _fetch(self, source: SourceFile) -> Path:
        dest = _cache.cache_dir() / "downloads" / self.spec.name / source.name
        if dest.is_file():
            try:
                verify_file(dest, source.checksum)
                return dest
            except ChecksumError:
                dest.unlink()  # damaged since it was verified: fetch it again
        if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
            failures = [(url, f"downloads disabled by {OFFLINE_ENV}") for url in source.urls]
            raise unavailable(self.spec, self.mirror_problem, failures)
        try:
            return download(source, dest)
        except _DownloadFailed as failed:
            checksum_errors = [e for _, e in failed.failures if isinstance(e, ChecksumError)]
            if checksum_errors:
                raise checksum_errors[0] from None
            raise unavailable(self.spec, self.mirror_problem, failed.failures) from None


def resolve(spec: SourceSpec, mirror=None) -> Resolved:
    """Pick the mirror if it holds the dataset's files, else the canonical download."""
    root = mirror_root(mirror)
    if root is None:
        problem = (f"no mirror configured ({MIRROR_ENV} is not set and no mirror= was passed)"
                   if mirror is not False else "mirror=False was passed")
        return Resolved(spec, "canonical", None, problem)
    folder = root / spec.folder
    missing = [f"{spec.folder}/{f.name}" for f in spec.mirror if not (folder / f.name).is_file()]
    if not missing:
        return Resolved(spec, "mirror", folder, "")
    where = "does not exist" if not root.is_dir() else f"lacks {', '.join(missing)}"
    problem = f"mirror {root} {where}"
    warnings.warn(f"lthkit: {problem}; trying the canonical {spec.name} files instead",
                  DataWarning, stacklevel=4)
    return Resolved(spec, "canonical", None, problem)


def unavailable(spec: SourceSpec, mirror_problem: str, failures) -> DatasetUnavailableError:
    """The one error raised when a dataset can be had neither from a mirror nor online."""
    expected = ", ".join(f"<mirror>/{spec.folder}/{f.name}" for f in spec.mirror)
    lines = [f"Cannot load dataset {spec.name!r}: no offline mirror has it and the "
             "download failed.",
             f"  mirror: {mirror_problem}"]
    lines += [f"  download {url}: {error}" for url, error in failures]
    lines += [f"Files expected in a mirror: {expected}.",
              f"To use a mirror, set {MIRROR_ENV}=/path/to/mirror or pass "
              "mirror='/path/to/mirror' to load_dataset()."]
    return DatasetUnavailableError("\n".join(lines))
