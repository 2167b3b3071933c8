"""The book: what chapters call, and the build driver behind `make book`.

A chapter (a jupytext py:percent file in ``book/``) starts with its papermill ``parameters``
cell, then calls::

    from lthkit import book
    book.setup(profile, backend)            # renderer, warning filters, start of the clock
    exp = lthkit.search.experiment("lenet_300_100", profile, rounds=rounds)  # its runs
    ...
    book.show_ledger(lthkit.claims.ledger(table, claims))   # our numbers next to the paper's
    run = book.stored_result("lenet_300_100")   # the committed full run: chart and numbers
    book.stored_details(run, "lenet_300_100")   # its card, the paper's views, its ledger
    book.provenance(datasets=[ds.info])     # what produced this page, at its end

The driver (``python -m lthkit.book build``) executes chapters with papermill and builds the
HTML with jupyter-book; see ``lthkit/book/driver.py``. Importing this package imports neither
Keras nor altair: the driver does not need them.
"""
from lthkit.book.chapter import (PROFILES, by_row, equal_weights_markdown, gap_markdown, label,
                                 parts_markdown, profile_of, provenance,
                                 provenance_rows, quick_search, quick_sweep, settings, setup,
                                 show_fitting, show_init_magnitude, show_ledger, show_result,
                                 show_words, span, stored_details, stored_early_birds,
                                 pai_takeaway_markdown, stored_pai, stored_result,
                                 stored_sweep, takeaway_markdown, zero_score_markdown)

__all__ = ["PROFILES", "by_row", "equal_weights_markdown", "gap_markdown", "label",
           "parts_markdown", "profile_of", "provenance", "provenance_rows",
           "pai_takeaway_markdown", "quick_search", "quick_sweep", "settings", "setup", "show_fitting",
           "show_init_magnitude", "show_ledger", "show_result", "show_words", "span",
           "stored_details", "stored_early_birds", "stored_pai", "stored_result",
           "stored_sweep", "takeaway_markdown", "zero_score_markdown"]
