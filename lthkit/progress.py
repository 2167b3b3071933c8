"""Progress bars that work in a terminal and in a notebook, with a quiet switch.

In a book build the bars must not end up in the executed notebooks: the driver sets
``LTHKIT_PROGRESS_FILE`` for each chapter and the bars go to that file instead (follow a
long chapter with ``tail -f book/_executed/<name>.progress.log``).
"""
import os
import sys

from tqdm import tqdm

PROGRESS_ENV = "LTHKIT_PROGRESS_FILE"
_files = {}


def _stream(target):
    if target not in _files:
        _files[target] = open(target, "a", encoding="utf-8", buffering=1)
    return _files[target]


def bar(total, desc, quiet=False, leave=True, unit="it", position=None):
    """A tqdm bar on stderr (or the book build's progress file); `quiet=True` silences it."""
    target = os.environ.get(PROGRESS_ENV)
    stream = _stream(target) if target and not quiet else sys.stderr
    return tqdm(total=total, desc=desc, disable=quiet, leave=leave, unit=unit,
                file=stream, dynamic_ncols=not target, ncols=100 if target else None,
                mininterval=1.0 if not target else 10.0, position=position)
