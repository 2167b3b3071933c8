"""Progress bars that work in a terminal and in a notebook, with a quiet switch."""
import sys

from tqdm import tqdm


def bar(total, desc, quiet=False, leave=True, unit="it", position=None):
    """A tqdm bar on stderr; `quiet=True` gives a silent one with the same interface."""
    return tqdm(total=total, desc=desc, disable=quiet, leave=leave, unit=unit,
                file=sys.stderr, dynamic_ncols=True, mininterval=1.0, position=position)
