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
#     budget: {smoke: 60, quick: 65}
# ---

# %% [markdown]
# # How early does a ticket appear?
#
# The previous chapter asked when to rewind a ticket's *weights*. This one asks when its
# *mask* is ready: **how early in the dense network's training can the mask be cut and still
# give a ticket as good as the one from the fully trained weights?** First the 2020 thesis's
# early-ticket experiment (E7), done with masks from trained weights; then the early-bird
# detector of You et al. [YOU20], which watches the mask settle while the network trains.
#
# :::{admonition} Run this chapter
# - Quick (what this page trained, a minute or two): `make book CHAPTER=07_early_tickets`
# - Full profile in the notebook (days on a CPU; it resumes):
#   `make chapter CHAPTER=07_early_tickets OUT=runs/early-full.ipynb P="profile=full"`
# - The stored runs shown first, rebuilt or extended with their early-bird analyses (each
#   resumes where it stopped): `python -m lthkit.search.plan --run` (the book's plan;
#   `python -m lthkit.search.plan` lists what it holds)
# :::

# %% tags=["parameters"]
profile = "quick"  # "smoke" (seconds), "quick" (minutes on a CPU) or "full"
backend = "jax"
seed = 0
replicates = None  # (None: the profile's)
early_epochs = None  # epochs after which early masks are taken (None: the profile's)
early_rounds = None  # pruning rounds of the early tickets (None: quick 4, full 10)
eb_level = None  # rounds of pruning the early-bird masks are cut to (None: quick 4, full 10)
eb_window = 5  # masks compared by the early-bird detector ([YOU20]: 5)
eb_threshold = 0.1  # largest Hamming distance for a detection ([YOU20]: 0.1)
text_early_bird = None  # train the text CNN's early birds (None: smoke and full yes, quick no)
text_eb_level = None  # their one-shot level (None: smoke 1, full 6, 26.2 % of the weights)
show_stored_full = True  # show the full-profile runs stored under results/

# %% tags=["hide-input"]
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

from lthkit import analysis, plots, search
from lthkit.profiles import results_store
from lthkit.search import earlybird, plan

CHAPTER_PRESETS = {
    "smoke": dict(early_epochs=[0, 1], early_rounds=1, eb_level=1, replicates=1,
                  text_early_bird=True, text_eb_level=1),
    # 2 epochs a round give the quick text CNN 2 masks, too few for a window of 5: the stored
    # full run (10 epochs) shows the text CNN's early birds
    "quick": dict(early_epochs=[0, 2], early_rounds=4, eb_level=4, replicates=2,
                  text_early_bird=False, text_eb_level=None),
    # the stored runs' settings (lthkit.search.plan, which trains them)
    "full": dict(early_epochs=list(plan.EARLY_EPOCHS), early_rounds=plan.EARLY_ROUNDS,
                 eb_level=plan.EARLY_BIRD_LEVEL, replicates=3, text_early_bird=True,
                 text_eb_level=plan.TEXT_EARLY_BIRD_LEVEL),
}
cfg = book.settings(profile, CHAPTER_PRESETS, early_epochs=early_epochs,
                    early_rounds=early_rounds, eb_level=eb_level, replicates=replicates,
                    eb_window=eb_window, eb_threshold=eb_threshold,
                    text_early_bird=text_early_bird, text_eb_level=text_eb_level)
display(cfg)
store, full_store = results_store(profile), results_store("full")
source = f"{profile} profile"
reps = list(range(cfg.replicates))

# %% [markdown]
# ## The answer on Lenet, from the stored runs
#
# The thesis computed each round's mask from the weights after n epochs of training instead
# of at the end, for n from 0 to 15, rewound every ticket to the same initialization and
# trained it fully. It found that every early-pruned trial degraded faster than pruning
# after convergence, but its masks came from the *initial* weights (its defect). Here each
# mask comes from the trained weights after n epochs ([FC19]'s settings, 54 epochs a round,
# three replicates); n = 0 is the thesis's initial-weight mask, and "trained" the usual
# search. Each line is one level of pruning, each point a ticket whose masks were taken after
# n epochs; the dashed line of the same colour is the ticket from the trained weights.

# %% tags=["hide-input"]
stored_early = search.stored_variants(
    search.early_sweep("lenet_300_100", "full", plan.EARLY_EPOCHS, plan.EARLY_ROUNDS),
    max_round=plan.EARLY_ROUNDS) if show_stored_full else None
if stored_early is not None:
    full_early = stored_early.table[stored_early.table["branch"] == "main"]
    display(book.label(plots.early_masks(full_early, stored_early.exps, rounds=(3, 6, 10),
                                         source=stored_early.source),
                       "full", stored_early.source))
    levels = analysis.level_table(full_early, by="variant")
    deepest = levels.iloc[-1]
    early_cols = [c for c in levels.columns if c.startswith("after")]
    holds = [c for c in early_cols if deepest[c] >= levels.iloc[0]["trained"]]
    display(Markdown(
        f"At {deepest['% remaining']:.1f} % of the weights (means of "
        f"{full_early['replicate'].nunique()} replicates): the ticket from the trained weights "
        f"reaches {deepest['trained']:.2f} %, the dense network {levels.iloc[0]['trained']:.2f} "
        f"%. The mask from the initial weights (n = 0) gives {deepest['after 0 epochs']:.2f} %, "
        f"{deepest['trained'] - deepest['after 0 epochs']:.2f} points behind; masks taken "
        f"after 1 to 15 epochs give {deepest[early_cols[1:]].min():.2f} to "
        f"{deepest[early_cols[1:]].max():.2f} %. At or above the dense network there: "
        + (", ".join(c.replace("after ", "n = ").replace(" epochs", "") for c in holds)
           or "none") + "."))

# %% [markdown]
# **Takeaway.** Only the thesis's defect reproduces its finding. The mask from the initial
# weights gives tickets that fall below the dense network as pruning goes on: the thesis's
# "degraded faster". Masks from weights that have trained at all do not degrade: after one
# epoch the tickets are above the dense network from 64 % of the weights down, and from a few
# epochs on they are level with the ticket from the fully trained weights, within the
# replicates' spread. Nor are the
# curves erratic: with three replicates the bands are a few tenths of a point wide, where the
# thesis's single runs scattered.
#
# An early mask is *not* the final mask in the making, though. How much of the trained mask
# does each early mask share at the last level (means of the replicates, next to chance)?

# %%
if stored_early is not None:
    early_exps = dict(stored_early.exps)
    shared = analysis.masks_against(full_store, early_exps.pop("trained"), early_exps,
                                    plan.EARLY_ROUNDS, replicates=(0, 1, 2))
    display(shared[["% remaining", "overlap", "overlap_chance", "jaccard", "jaccard_chance",
                    "replicates"]].round(3))

# %% [markdown]
# Even the mask after 15 epochs shares well under half of the trained mask's weights, more
# than chance but far from all of it. Lenet keeps moving its weights long after the first
# epochs, so the final ranking of magnitudes is mostly made late; yet a ticket from a mask
# that keeps a minority of the final one's weights is as good as the final one. Which weights
# survive matters much less than that the ranking comes from weights that have trained a few
# epochs: the lesson of the one-shot chapter, where two masks far apart gave equally good
# tickets.
#
# ## Early-bird tickets
#
# You et al. [YOU20] watch the mask while the dense network trains: at the end of every epoch
# they prune the current weights, and once the newest mask is within a Hamming distance of
# 0.1 of each of the four before it, they stop: the ticket has been drawn. Their masks are
# channel masks; here they are ordinary magnitude masks, cut in one shot to the sparsity of
# ten rounds. The table trains three tickets of that sparsity from the same initialization:
# the early-bird one, the one-shot one from the fully trained weights and the iterative
# (IMP) one, and says how much of the dense training the detection saved. At this density 0.1
# is lenient or strict depending on the chance distance of two random masks (in the table).

# %%
fe_table = (book.stored_early_birds("lenet_300_100", plan.EARLY_BIRD_LEVEL)
            if show_stored_full else None)

# %% [markdown]
# **Takeaway.** The early bird is as good as the one-shot ticket from the fully trained
# weights, a little behind the iterative one, though its mask is far from either. Two
# readings temper the saving. First, [FC19]'s 50,000 iterations are far more than Lenet
# needs: its dense network reaches its lowest validation loss after a few epochs, so a run
# that stops early has finished before the early bird is detected. Second, a Hamming
# threshold of 0.1 is lenient for masks this sparse: two random masks of this density differ
# in little more than that, so 0.1 lets much of the kept weights change. [YOU20] prune
# channels at 30 to 70 %, where chance is near 0.5 and 0.1 is strict; a threshold scaled to
# the mask's density (Things to try) is the fairer port.
#
# ### Early birds in the text CNN
#
# The same detector on Kim's CNN on IMDb (the text chapter's run, 10 epochs a round), masks
# cut in one shot to 6 rounds of 20 % (26.2 % of the weights, one of [TXT]'s week-11
# levels). With a window of 5 masks, the detection can come at epoch 6 at the earliest.

# %%
ft_table = (book.stored_early_birds("text_cnn/imdb", plan.TEXT_EARLY_BIRD_LEVEL)
            if show_stored_full else None)

# %% [markdown]
# The text CNN's mask keeps moving through the middle of training, so the detection saves
# far less than on Lenet, and early stopping beats it again: the dense network's validation
# loss is lowest after two epochs. As on Lenet the ticket does not much care which of these
# masks it gets, and as in the one-shot chapter the one-shot mask does better than the
# iterative one on IMDb.
#
# ## This build's quick runs
#
# The same experiments in this build's profile, on a subset of MNIST with a 1,000-iteration
# schedule: masks after a few epochs, and the early-bird detector (the text CNN's early birds
# need more epochs than a quick round has). They show the method; their figures are labelled
# with the profile. Open a cell's output to see it.

# %% tags=["hide-output"]
early = search.early_sweep("lenet_300_100", profile, cfg.early_epochs, cfg.early_rounds,
                           seed=seed, replicates=cfg.replicates)
early_table = search.variants(early, store, max_round=cfg.early_rounds)
early_table = early_table[early_table["branch"] == "main"]
display(book.label(plots.by_sparsity(early_table, source=source,
                                     title="Lenet: masks taken after n epochs")))
last = f"after {cfg.early_epochs[-1]} epochs"
display(analysis.with_chance(analysis.mask_distances(store, early["trained"], early[last]))
        .style.format({"% remaining": "{:.2f}"}))

# %% tags=["hide-output"]
eb_exp = search.target("lenet_300_100", profile, seed=seed, replicates=cfg.replicates)
eb_table, eb_runs = earlybird.report(eb_exp, store, cfg.eb_level, replicates=reps,
                                     window=cfg.eb_window, threshold=cfg.eb_threshold)
display(book.label(plots.mask_convergence(eb_runs, cfg.eb_window, cfg.eb_threshold, source)))
display(book.by_row(eb_table))
if cfg.text_early_bird:
    teb_exp = search.target("text_cnn/imdb", profile, seed=seed, replicates=1)
    teb_table, teb_runs = earlybird.report(teb_exp, store, cfg.text_eb_level, replicates=[0],
                                           window=cfg.eb_window, threshold=cfg.eb_threshold)
    display(book.label(plots.mask_convergence(teb_runs, cfg.eb_window, cfg.eb_threshold,
                                              source)))
    display(book.by_row(teb_table))

# %% [markdown]
# :::{dropdown} Where we differ, and why
# - **Early tickets.** The thesis ran single trials with masks from the initial weights; here
#   masks come from the trained weights after n epochs, with three replicates.
# - **Early-bird masks.** [YOU20] detects channel masks from BatchNorm scaling factors in
#   networks trained for 160 epochs; ours are unstructured magnitude masks of Lenet (54
#   epochs a round in the full profile) and the text CNN (10).
# :::
#
# ## Things to try
#
# - Lower the detector's threshold to [YOU20]'s 0.1 scaled by the chance distance of these
#   masks over theirs: how much later does the early bird arrive, and is its ticket better?
#   `make chapter CHAPTER=07_early_tickets OUT=runs/eb-strict.ipynb P="eb_threshold=0.04"`
# - Masks after more epochs in the quick profile:
#   `make chapter CHAPTER=07_early_tickets OUT=runs/early-more.ipynb P="early_epochs=[0,1,2,4]"`
# - A shorter window, five masks being many for a 1,000-iteration schedule:
#   `make chapter CHAPTER=07_early_tickets OUT=runs/eb-window.ipynb P="eb_window=3"`

# %%
book.provenance()
