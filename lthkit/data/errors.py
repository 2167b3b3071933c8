"""Exceptions and warnings of the data loaders."""
from __future__ import annotations


class DataError(RuntimeError):
    """Base class of the data loaders' errors."""


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


def bad_value(name: str, given, allowed: str) -> ValueError:
    """A ValueError that names the parameter, the value given and what is allowed."""
    return ValueError(f"{name}={given!r} is not allowed: expected {allowed}")
