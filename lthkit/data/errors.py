"""Exceptions and warnings of the data loaders."""
from __future__ import annotations

from lthkit._errors import LthkitError, bad_param


class DataError(LthkitError):
    """Base class of the data loaders' errors (an ``LthkitError``: printed as one line)."""


class DatasetUnavailableError(DataError):
    """Neither an offline mirror nor the canonical download could provide a dataset."""


class ChecksumError(DataError):
    """A source file's checksum does not match the expected one."""

    def __init__(self, file: str, expected: str, actual: str, where: str = ""):
        self.file, self.expected, self.actual = file, expected, actual
        origin = f" ({where})" if where else ""
        super().__init__(
            f"checksum mismatch for {file}{origin}: expected {expected}, got {actual}. "
            "The file is corrupt, truncated or a different version; delete it or fetch it again.")


class DataWarning(UserWarning):
    """Something about the data a reader must know (e.g. AG News re-split offline)."""


def bad_value(name: str, given, allowed: str) -> LthkitError:
    """The one-line error that names the parameter, the value given and what is allowed."""
    return bad_param(name, given, allowed)
