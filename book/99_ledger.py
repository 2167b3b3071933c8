# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (lthkit)
#     language: python
#     name: lthkit
#   lthkit:
#     budget: {smoke: 30, quick: 30, full: 60}
#     reads_store: true
# ---

# %% [markdown]
# # The claims ledger
#
# Every number from the papers that a chapter compares with, in one table, with ours next
# to it and a verdict. The claims live in `lthkit.claims` as data: where each comes from,
# which experiment and metric it is about, at which sparsity, its value and spread, and how
# close counts as agreeing. Our numbers come from the **committed full-profile run** of an
# experiment where there is one (`results/`), and otherwise from the runs the chapters
# trained in this build's profile; the last column says which.
#
# | verdict | meaning |
# |---|---|
# | within | ours agrees with the paper's value, within the claim's tolerance |
# | higher / lower than the paper | ours is higher / lower than the paper's accuracy, gain or ratio |
# | better / worse than the paper | the ticket holds the dense accuracy to a sparser / denser level than the paper's, or (not) beats the dense network |
# | not reached | our run did not prune far enough (or train long enough) to test the claim |
# | not comparable | our data differ in a way that makes the comparison meaningless (AG News offline is a re-split) |
# | not run | no results for this experiment yet |
#
# Quick-profile numbers are small, short runs: they show that a method runs, and their
# verdicts say little about the papers. Read the rows whose numbers come from `results/`.

# %% tags=["parameters"]
profile = "quick"  # whose runs fill the rows without a committed full run
backend = "jax"

# %%
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

from lthkit import claims, plots

ledger = claims.book_ledger(profile)
counts = ledger.groupby(["experiment", "verdict"]).size().unstack(fill_value=0)
display(Markdown("**Verdicts per experiment** (E1 Lenet, E2 Conv-6, E3 20 Newsgroups, "
                 "E4 text CNN, E5 BiLSTM, E6 one-shot)"))
counts

# %%
chart = plots.ledger_chart(ledger)
if chart is not None:
    display(book.label(chart, profile=plots.ledger_profiles(ledger, profile),
                       source="the results column of each row"))

# %%
for experiment, rows in ledger.groupby("experiment"):
    book.show_ledger(rows, title=f"Experiment {experiment}")

# %%
book.provenance()
