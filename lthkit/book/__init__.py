"""The book: what chapters call, and the build driver behind `make book`.

A chapter (a jupytext py:percent file in ``book/``) starts with its papermill ``parameters``
cell, then calls::

    from lthkit import book
    book.setup(profile, backend)            # renderer, warning filters, start of the clock
    cfg = book.settings(profile, PRESETS, epochs=epochs, ...)   # the knobs this run uses
    ...
    book.provenance(datasets=[ds.info])     # what produced this page, at its end

The driver (``python -m lthkit.book build``) executes chapters with papermill and builds the
HTML with jupyter-book; see ``lthkit/book/build.py``. Importing this package imports neither
Keras nor altair: the driver does not need them.
"""
from lthkit.book.chapter import (PROFILES, label, profile_of, provenance, provenance_rows,
                                 settings, setup)

__all__ = ["PROFILES", "label", "profile_of", "provenance", "provenance_rows", "settings",
           "setup"]
