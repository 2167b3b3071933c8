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
# | … so far (run in progress) | the stored run is not complete: the verdict of the rounds stored so far, which later rounds may change |
#
# Quick-profile numbers are small, short runs: they show that a method runs, and say nothing
# about the papers, so their rows get no verdict. Read the rows whose numbers come from
# `results/`. Three comparisons have no single published number and sit below the table:
# [TXT]'s week-11 grid, the thesis's early tickets (E7) and the early birds of [YOU20].
#
# :::{admonition} Run this chapter
# - Quick (what this page shows: the stored runs, and this build's quick runs where none is
#   stored): `make book CHAPTER=99_ledger`
# - With the quick runs of every chapter first: `make book`
# - Every stored run the rows read, rebuilt or extended: `python -m lthkit.search.plan --run`
# :::

# %% tags=["parameters"]
profile = "quick"  # whose runs fill the rows without a committed full run
backend = "jax"

# %%
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

import pandas as pd

from lthkit import analysis, claims, plots, search
from lthkit.profiles import results_store
from lthkit.search import earlybird, plan

ledger = claims.book_ledger(profile)
counts = claims.verdict_counts(ledger)
display(Markdown("**Verdicts per experiment** (E1 Lenet, E2 Conv-6, E3 20 Newsgroups, "
                 "E4 text CNN, E5 BiLSTM, E6 one-shot, E8 pruning at initialization, "
                 "E9 Transformer; \"so far\": from a stored run still in progress)"))
counts

# %%
chart = plots.ledger_chart(ledger)
if chart is not None:
    display(book.label(chart, profile=plots.ledger_profiles(ledger, profile),
                       source="the results column of each row"))

# %%
for experiment, rows in ledger.groupby("experiment"):
    book.show_ledger(rows, title=f"Experiment {experiment}")

# %% [markdown]
# ## Comparisons without a single number
#
# **[TXT]'s week-11 grid** (IMDb, "ticket / random reinitialization" at five levels, four
# settings whose rows the notes do not label; the one-shot chapter reads it): ours from the
# stored runs, then theirs.

# %%
week11 = search.stored_variants({k: search.target(t, "full")
                                 for k, t in claims.WEEK11_RUNS.items()}, minimum=1)
if week11 is not None:
    display(analysis.ticket_grid(week11.table, claims.WEEK11_SPARSITIES))
display(claims.TXT_WEEK11)

# %% [markdown]
# **E7, the thesis's early tickets**: "every early-pruned trial degraded faster than pruning
# after convergence". Ours, stored (Lenet, masks from the trained weights after n epochs, the
# early-ticket chapter): each mask's ticket minus the ticket from the fully trained weights,
# in points, at each level.

# %%
early = search.stored_variants(
    search.early_sweep("lenet_300_100", "full", plan.EARLY_EPOCHS, plan.EARLY_ROUNDS),
    max_round=plan.EARLY_ROUNDS)
if early is not None:
    levels = analysis.level_table(early.table[early.table["branch"] == "main"], by="variant")
    behind = levels.drop(columns=["% remaining", "trained"]).sub(levels["trained"], axis=0)
    behind.insert(0, "% remaining", levels["% remaining"])
    display(behind.iloc[1:].round(2))

# %% [markdown]
# **[YOU20], early birds**: they report up to 4.7 times less training energy with channel
# masks; ours are unstructured magnitude masks (the early-ticket chapter), stored:

# %%
birds = []
for name, level in (("lenet_300_100", plan.EARLY_BIRD_LEVEL),
                    ("text_cnn/imdb", plan.TEXT_EARLY_BIRD_LEVEL)):
    exp = search.target(name, "full")
    table, _ = earlybird.report(exp, results_store("full"), level,
                                replicates=range(exp.search.replicates), compute=False)
    if not table.empty:
        birds.append(table.mean(numeric_only=True).rename(name))
if birds:
    display(pd.DataFrame(birds).round(3).T)

# %% [markdown]
# ## Things to try
#
# - Fill the rows that still come from quick runs with stored full runs (Conv-6 wants a GPU):
#   `python -m lthkit.search conv6 --profile full`, then `make book CHAPTER=99_ledger`
# - The ledger of the smoke profile's runs, to see which rows depend on a stored run:
#   `make chapter CHAPTER=99_ledger OUT=runs/ledger-smoke.ipynb P="profile=smoke"`
# - Add a claim: a `Claim(...)` in `lthkit/claims.py` (source, experiment, target, kind,
#   value, level, tolerance) appears here and in its chapter's ledger on the next build.

# %%
book.provenance()
