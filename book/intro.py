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
#     budget: {smoke: 20, quick: 20}
# ---

# %% [markdown]
# # Lottery tickets, reproduced
#
# A dense network that trains well contains a much smaller network that trains just as well:
# keep the right 10 or 20 % of the weights, set them back to the values they had *before*
# training, train again, and the small network matches the big one. Frankle and Carbin called
# such a subnetwork a *winning ticket* and the claim that one exists the **Lottery Ticket
# Hypothesis** (ICLR 2019).
#
# This book re-runs those experiments with `lthkit`, a small Keras 3 library written for it,
# and then asks whether the result carries over to text classification.
#
# ## What the book covers
#
# - **{doc}`02_reproduction`.** Lenet-300-100 on MNIST and Conv-6 on CIFAR-10, pruned
#   iteratively by weight magnitude, rewound to their initial weights and retrained, next to
#   two controls: the same mask with fresh random weights, and a random mask of the same
#   size; and the bug that made a 2020 reproduction fail.
# - **{doc}`03_text_cnn`.** Kim's text CNN on IMDb and AG News and the 20 Newsgroups
#   "End2End" network: do tickets exist when most of the weights sit in word embeddings,
#   and which words survive in a ticket?
# - **{doc}`04_text_lstm`.** A bidirectional LSTM: what pruning does to its gates, and
#   whether it prunes further than the CNN.
# - **{doc}`05_oneshot`.** Remove the weights in one step, or 20 % per round over many rounds
#   of training: accuracy, cost, and whether both find the same weights.
# - **{doc}`06_rewinding`.** Rewind to the initialization or after a little training, and
#   when a network becomes stable.
# - **{doc}`07_early_tickets`.** How early the mask itself settles: early tickets, early birds.
# - **{doc}`99_ledger`.** Every published number the chapters compare with, in one table,
#   with ours and a verdict.
#
# ## How the pruning schedule works
#
# Iterative pruning removes a fraction $p$ of the weights that are *still there* in every
# round, so after $n$ rounds the fraction of weights left is
#
# $$
# \frac{\lVert m_n \rVert_0}{\lVert m_0 \rVert_0} = (1 - p)^n ,
# $$
#
# where $m_n$ is the binary mask after round $n$. At $p = 0.2$ ten rounds leave
# $0.8^{10} \approx 10.7\,\%$ of the weights. The chart below computes this curve for the
# rates the chapters use (the papers prune convolutions at 15 % and output layers at 10 %).
# It is arithmetic, not a measurement.

# %% tags=["parameters"]
profile = "quick"  # "quick" (CPU, minutes) or "full" (the papers' settings)
backend = "jax"  # Keras backend: "jax" (default) or "tensorflow"
rates = [0.1, 0.15, 0.2]  # pruning rates per round drawn in the chart
rounds = 25  # rounds drawn in the chart

# %%
from lthkit import book

book.setup(profile, backend)

# %%
import altair as alt
import pandas as pd

remaining = pd.DataFrame(
    [{"round": n, "rate p": f"{p:.0%}", "weights remaining": (1 - p) ** n}
     for p in rates for n in range(rounds + 1)]
)
chart = (
    alt.Chart(remaining,
              title="Weights remaining after n rounds of pruning, (1 - p)^n")
    .mark_line(point=True)
    .encode(
        x=alt.X("round:Q", title="pruning round n"),
        y=alt.Y("weights remaining:Q", title="fraction of weights remaining",
                scale=alt.Scale(type="log"), axis=alt.Axis(format="%")),
        color=alt.Color("rate p:N", title="rate per round"),
        tooltip=["round", "rate p",
                 alt.Tooltip("weights remaining:Q", format=".2%")],
    )
    .properties(width=520, height=300)
)
book.label(chart)

# %% [markdown]
# ## How to read it
#
# Every chapter is one experiment family and follows the same plan: the idea, the setup in a
# few lines of `lthkit`, the measurement, and a table that puts what was measured next to the
# published numbers, with a plain word on where they differ and why.
#
# Each chapter runs in one of three **profiles**:
#
# | profile | what it is | where |
# |---|---|---|
# | `smoke` | a few dozen iterations: checks that a chapter runs; its numbers mean nothing | seconds |
# | `quick` | small subsets, short schedules, few rounds: shows the method, not the papers' numbers | a laptop CPU, minutes |
# | `full` | the papers' settings, or the largest this book's machine could run (each run says how it departs) | hours |
#
# The book is built in the quick profile, and every chapter also shows the **stored full
# runs** committed under `results/`, without training them again. Every chart says under it
# which profile (and which stored run) its numbers come from; every comparison with a paper
# comes from one list of claims, with a verdict; and every chapter ends with a
# **provenance** table: the lthkit commit, the Keras backend, the device, the profile, the
# wall time against the chapter's time budget and the data source (the canonical files, or
# the offline mirror, and whether that copy is lossy, as the JPEG copy of CIFAR-10 is).
#
# ## How to run it
#
# The chapters are plain Python files in `book/` (jupytext "percent" format), and the book is
# built from them into `_build/html` (open `_build/html/index.html`):
#
# ```bash
# make book                        # every chapter, quick profile
# make book CHAPTER=01_quickstart  # one chapter
# make book PROFILE=smoke          # seconds per chapter: does everything run?
# ```
#
# A chapter whose text, parameters and library code did not change is not executed again, and
# finished training runs are read back from the result store in `results/`, so a rebuild takes
# seconds. To change a knob, give the chapter a parameter; the page then shows the new run:
#
# ```bash
# .venv/bin/python -m lthkit.book build --chapter 01_quickstart -p epochs=5
# ```
#
# To work on a chapter interactively, `make lab` opens the book in JupyterLab, where every
# chapter opens as a notebook with the lthkit kernel and an edit lands in its `.py` file. To
# re-run one chapter with other parameters into a notebook of your own:
#
# ```bash
# make chapter CHAPTER=03_text_cnn OUT=runs/imdb.ipynb P="replicates=4 imdb_rounds=5"
# ```
#
# The next chapter, {doc}`01_quickstart`, trains a first network and finds a first ticket in
# about a minute.

# %%
book.provenance()
