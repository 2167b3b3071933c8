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
#     budget: {smoke: 60, quick: 120}
# ---

# %% [markdown]
# # Lottery tickets in recurrent networks
#
# The text CNN of the previous chapter reads a review once, through windows of a few words.
# A **bidirectional LSTM** reads it word by word in both directions and carries a state from
# each word to the next. [TXT] pruned the 2-layer BiLSTM below (experiment E5) on IMDb and AG
# News and found tickets at up to 86.6 % sparsity. This chapter looks inside the pruned LSTM
# first, then compares its tickets with the controls, with [TXT], and with the text CNN on
# the same data.
#
# The network: an embedding of 25,000 words into 100 dimensions, two bidirectional LSTM
# layers of 256 units, dropout and a linear output on the 512 final features. Padding is
# masked, so a review's prediction does not depend on how much padding follows it ([TXT] fed
# packed sequences to the same effect; a test checks it).

# %% tags=["parameters"]
profile = "quick"  # "smoke" (seconds), "quick" (minutes on a CPU) or "full"
backend = "jax"  # Keras backend: "jax" or "tensorflow"
seed = 0
replicates = None  # (None: quick 2, full 2)
controls = ["reinit", "random"]
imdb_rounds = None  # (None: quick 3, full 10)
imdb_units = None  # LSTM units (None: quick 32, full 64; [TXT]: 256)
run_ag_news = True  # the AG News section
ag_rounds = None  # (None: quick 3, full 10)
show_stored_full = True  # also show the full-profile runs stored under results/

# %%
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

from lthkit import analysis, claims, plots, search
from lthkit.profiles import results_store

store = results_store(profile)
knobs = dict(seed=seed, replicates=replicates, controls=tuple(controls))
source = f"{profile} profile"

# %% [markdown]
# ## How pruning acts on an LSTM
#
# Each LSTM layer and direction has two weight matrices: the **input kernel** (from the
# layer below, or the embedding) and the **recurrent kernel** (from its own state one word
# earlier). Each holds four blocks side by side, one per gate: the **input** gate (how much
# of the new candidate enters the cell), the **forget** gate (how much of the old cell
# stays), the **cell** candidate itself and the **output** gate. [TXT] pruned every weight
# matrix by 20 % of its remaining weights per round ("layerwise"): each kernel loses exactly
# 20 %, but *which* 20 % is decided by magnitude across its four gates. Does magnitude
# pruning strip some gates faster than others? None of the sources looks.

# %%
imdb = search.target("text_lstm/imdb", profile, rounds=imdb_rounds, units=imdb_units, **knobs)
display(Markdown(analysis.markdown_table(analysis.describe(imdb))))
imdb_data = search.dataset_for(imdb)
print(imdb_data.info.summary())
imdb_table = search.run_search(imdb, store, data=imdb_data)
imdb_full = search.stored(search.target("text_lstm/imdb", "full")) if show_stored_full else None
gates_run = imdb_full if (imdb_full is not None and profile != "full") else None
gates = analysis.lstm_gate_sparsity(gates_run.store if gates_run else store,
                                    gates_run.exp if gates_run else imdb)
gates_source = gates_run.source if gates_run else source
display(book.label(plots.gate_sparsity(gates, gates_source),
                   "full" if gates_run else None, gates_source if gates_run else None))
display(gates.pivot_table(index="round", columns=["kernel", "gate"], values="kept")
        .mul(100).round(1).tail(3))

# %% [markdown]
# Read the lines against each other: all four gates of a kernel share its 20 % per round, so
# a gate that keeps more than the others does so at their expense. A gate whose line sinks
# faster held smaller weights after training, which is where magnitude pruning cuts first.
#
# ## The BiLSTM on IMDb
#
# Iterative magnitude pruning with rewinding to the initialization and both controls, as in
# the other chapters.

# %%
display(book.label(plots.paper_views(imdb_table, source)))
book.show_ledger(claims.ledger(imdb_table, claims.select("text_lstm/imdb"), results=source))

# %% [markdown]
# ### The stored run
#
# [TXT]'s BiLSTM has 256 units and reads up to 400 tokens; one training step of it takes
# 3.1 s on this book's 2-core CPU (`benchmarks/bench_text_lstm.py`), four hours for one
# 10-epoch round. The stored IMDb run therefore uses 64 units, reviews cut to their first 64
# tokens and [TXT]'s 5-epoch schedule (the one of its week-11 notes), with ten rounds, both
# controls and two replicates; its card lists every departure. Its dense accuracy is
# therefore lower than [TXT]'s, and the ledger says so; what it can show is the shape.

# %%
imdb_stored = book.show_stored("text_lstm/imdb", profile, show_stored_full)

# %% [markdown]
# ## The BiLSTM on AG News
#
# AG News offline is a re-split of the 7,600 official test rows (see the text chapter), so
# [TXT]'s accuracies are not comparable; the shape is. The stored run has [TXT]'s full
# network (256 units) with the 5-epoch schedule.

# %%
if run_ag_news:
    ag = search.target("text_lstm/ag_news", profile, rounds=ag_rounds, **knobs)
    ag_data = search.dataset_for(ag)
    print(ag_data.info.summary())
    ag_table = search.run_search(ag, store, data=ag_data)
    display(book.label(plots.paper_views(ag_table, source)))
    book.show_ledger(claims.ledger(ag_table, claims.select("text_lstm/ag_news"), results=source,
                                   resplit=ag_data.info.resplit))
    book.show_stored("text_lstm/ag_news", profile, show_stored_full,
                     resplit=ag_data.info.resplit)

# %% [markdown]
# ## The CNN against the LSTM on the same data
#
# Which network can be pruned further before its ticket drops below its own dense accuracy?
# The table takes each network's stored full run where there is one, else the runs of this
# profile (the text chapter trains the CNN's), and reads off the sparsest level at which the
# ticket's mean test accuracy at early stop is still at or above the dense mean, and the
# same for the random reinitialization.

# %%
comparison = analysis.prunability({
    (model, dataset): search.stored(search.target(f"{model}/{dataset}", "full")) or
    search.target(f"{model}/{dataset}", profile)
    for model in ("text_cnn", "text_lstm") for dataset in ("imdb", "ag_news")}, store)
comparison

# %% [markdown]
# ## Where we differ, and why
#
# - **Size.** The stored IMDb run has a quarter of [TXT]'s units and reads the first 64
#   tokens of a review, for 5 epochs a round: the measured reason is above. AG News keeps
#   [TXT]'s 256 units (5 epochs).
# - **Data.** IMDb uses the official split with 30 % of the training reviews held out; AG
#   News offline is a re-split (not comparable).
# - **Biases.** Keras keeps one bias vector per LSTM where PyTorch keeps two; biases are
#   never pruned, so this changes no mask.
#
# ## Things to try
#
# - Prune the recurrent kernels more gently: `rates={"embedding": .2, "lstm": .1,
#   "output": .2}`. Does the ticket hold further?
# - Prune globally (`strategy="global"`, `rates=0.2`) and look at the gate chart again:
#   with one ranking over all weights, which layer gives up most?
# - Train the quick profile for 5 epochs (`-p imdb_units=64`, and `training="5ep"` through
#   `search.target(..., training="5ep")`): do [TXT]'s week-11 tickets beat the dense
#   network?

# %%
book.provenance(datasets=[imdb_data.info] + ([ag_data.info] if run_ag_news else []))
