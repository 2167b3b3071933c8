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
#     budget: {smoke: 60, quick: 180}
# ---

# %% [markdown]
# # Pruning before training: SNIP, GraSP and SynFlow against the winning ticket
#
# A winning ticket is found by training: IMP trains the dense network, prunes, rewinds and
# trains again, round after round. Even the early tickets of the last chapter train for a
# while before the mask is cut. **Can the mask be cut before any training at all?** That
# is *pruning at initialization* (PaI), and three criteria made the case for it:
#
# - **SNIP** [LAT19] keeps the weights the loss is most sensitive to on one batch, `|g ⊙ w|`;
# - **GraSP** [WZG20] keeps the weights whose removal would slow the gradient's flow most,
#   from a Hessian-gradient product `Hg`;
# - **SynFlow** [TAN20] needs no data at all: it keeps the weights that carry most "synaptic
#   flow" from an all-ones input to the output, pruning in 100 small steps so that no layer
#   is cut off.
#
# Frankle, Dziugaite, Roy and Carbin [FDRC21] put them to the test and found two things:
# all three (and plain magnitude at initialization) **beat random pruning but stay below
# magnitude pruning after training**, and their masks survive two ablations that should
# hurt a real ticket: **shuffling each layer's mask**, or **drawing new initial weights**,
# keeps the accuracy. So what these methods find is a per-layer sparsity, not a subnetwork.
# Nobody has tested that on text, where the embedding table holds almost all of the
# weights and the rows of rare words get almost no gradient at initialization: this
# chapter does, on Lenet-300-100 and on Kim's text CNN on IMDb.
#
# :::{admonition} The answer, in short
# :class: tip
# - **Lenet-300-100:** [FDRC21]'s picture holds: every method stays below IMP's ticket, and
#   neither ablation moves one by more than a few tenths (GraSP at 1.8 % is the exception).
# - **IMDb:** random pruning beats IMP's ticket, and no method beats random pruning by a
#   point. SNIP and GraSP leave words unreadable, which the layerwise shuffle repairs
#   (GraSP: +11.94 points at 16.8 %); SynFlow and magnitude at initialization keep every
#   word and match random pruning (+0.67 and +0.87 points at 64 %, -0.34 and -0.27 at 16.8 %).
# - **Cost:** one training each, against IMP's nine on IMDb (16.8 %), nineteen on Lenet (1.8 %).
# :::
#
# Throughout, a level is named by the share of the weights that **remain**. Every PaI
# method prunes **globally** (one ranking over all layers, so each picks its own per-layer
# sparsities, as in [FDRC21]), in one shot from the initialization, to the overall sparsity
# of iterative round r of the IMP run; the IMP ticket, its random reinitialization and random
# pruning (a random mask with the ticket's per-layer counts) come from the IMP run itself.
#
# :::{admonition} Run this chapter
# - Quick (what this page trained, about three minutes): `make book CHAPTER=08_pruning_at_init`
# - Full profile in the notebook (days on a CPU; it resumes):
#   `make chapter CHAPTER=08_pruning_at_init OUT=runs/pai-full.ipynb P="profile=full"`
# - The stored runs shown first, rebuilt or extended (each resumes where it stopped):
#   `python -m lthkit.search.plan --run --only lenet_300_100/pai/snip` (and `grasp`,
#   `synflow`, `magnitude`; `text_cnn/imdb/pai/...` for IMDb)
# :::

# %% tags=["parameters"]
profile = "quick"  # "smoke" (seconds), "quick" (minutes on a CPU) or "full"
backend = "jax"
seed = 0
replicates = None  # (None: quick 1; full 3 for Lenet, 2 for IMDb)
methods = None  # PaI methods (None: SNIP, GraSP, SynFlow, magnitude at init)
lenet_levels = None  # one-shot levels (rounds of 20 %) (None: quick [7], full 3, 7, 12, 18)
imdb_levels = None  # (None: quick [2], full 2 and 8: [TXT]'s 64 % and 16.8 %)
run_imdb = True  # the IMDb runs of this build's profile
imdb_methods = None  # PaI methods on IMDb (None: all)
imdb_ablations = None  # train the IMDb runs' shuffle and reinit controls (None: quick no,
#                        full yes; the stored runs have them)
score_batches = None  # training batches SNIP and GraSP score on (None: 1)
show_stored_full = True  # show the full-profile runs stored under results/

# %% tags=["hide-input"]
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

from lthkit import analysis, claims, plots, search
from lthkit.profiles import results_store

store = results_store(profile)
source = f"{profile} profile"
cfg = book.settings(profile, {
    "smoke": dict(replicates=1, lenet_levels=[1], imdb_levels=[1], imdb_ablations=False),
    "quick": dict(replicates=1, lenet_levels=[7], imdb_levels=[2], imdb_ablations=False),
    "full": dict(replicates=None, lenet_levels=None, imdb_levels=None, imdb_ablations=True)},
    replicates=replicates, lenet_levels=lenet_levels, imdb_levels=imdb_levels,
    imdb_ablations=imdb_ablations)
methods = list(methods or search.PAI_METHODS)
imdb_methods = list(imdb_methods or methods)
knobs = dict(seed=seed, replicates=cfg.replicates, score_batches=score_batches)

# %% [markdown]
# ## The answer on Lenet, from the stored runs
#
# [FC19]'s Lenet-300-100 and schedule (50,000 iterations, three replicates). Each PaI
# method cuts four levels from the initialization (51, 21, 6.9 and 1.8 % of the weights),
# and each level is trained three ways: with the method's mask, with each layer's mask
# shuffled, and with the mask on new initial weights.
#
# How to read the numbers below: for each level, each method's accuracy, then its margin
# over random pruning and under IMP's ticket (the paper: above the one, below the other),
# then what its two ablations change (the paper: about nothing). For contrast, IMP's ticket
# with new initial weights: that loss is what a real ticket has and a per-layer sparsity
# does not. They are computed from the rounds stored so far; a method or level not yet
# trained is missing, and the ledger's verdicts say "so far" until its run is complete.

# %% tags=["hide-input"]
if show_stored_full:  # the grid's rows: the four levels, as sparsities (%)
    book.stored_pai("lenet_300_100", methods, (48.8, 79.0, 93.13, 98.2),
                    title="Lenet: pruning at initialization and IMP", chain=True)

# %% [markdown]
# **Takeaway on Lenet.** [FDRC21]'s picture holds, with two nuances. Every method stays
# below IMP's ticket at every level, and the gap grows as the network thins (a few tenths of
# a point at half the weights, two points and more at 1.8 %). Their ablations change about
# nothing: shuffling a layer's mask or drawing new initial weights moves them by a few
# tenths of a point either way (one exception, below), about the spread between replicates,
# while IMP's ticket loses more to new weights the sparser it is. What the methods find on
# Lenet is a per-layer sparsity, not a subnetwork.
#
# The first nuance is random pruning: with half or a fifth of the weights left, Lenet trains
# to the same accuracy from almost any mask, and no method beats it by more than a few
# tenths; from about 7 % down the methods move ahead, all four by a few tenths at 6.9 %, and
# SNIP and SynFlow by about two points at 1.8 %, where GraSP and magnitude at initialization
# fall far below it. (Our random pruning keeps the ticket's per-layer counts, a slightly
# stronger baseline than [FDRC21]'s uniform one.) That is the second nuance: what a mask can
# break at 1.8 %, where the table above shows which units each mask leaves connected.
# GraSP's masks cut every weight into one to three of the ten digits, a different number per
# replicate, and its accuracy falls with the count; shuffling each layer's mask reconnects
# them and gives back the accuracy of the other methods, while new initial weights change
# nothing. Magnitude at initialization keeps the largest initial weights, and the first
# layer's are the smallest (Glorot's initialization shrinks a layer's weights with its
# width): at 1.8 % it keeps none of them, so nothing reaches the output (the layer collapse
# SynFlow was designed against), and every replicate predicts one digit. The two failures
# differ in kind. GraSP's is in the mask's *structure*, which its per-layer counts do not
# have: the ablation that should hurt a real ticket repairs it. Magnitude's is in the
# per-layer counts themselves (a layer left empty), so its shuffled and reinitialized masks
# collapse with it: "only the per-layer sparsity matters" holds there, for the worst reason.
# The cost is the other side: a method's mask costs one training and a few seconds, IMP's
# ticket at 1.8 % cost nineteen trainings.

# %% [markdown]
# ## On text: IMDb, from the stored runs
#
# Kim's CNN at [TXT]'s size: 5 million of its 5.1 million weights are the embedding table.
# Two levels, [TXT]'s 64 % and 16.8 % of the weights, two replicates; then which words'
# embedding rows each mask keeps (the chart is explained in the quick section below), and
# which words each mask and its layerwise shuffle leave the network unable to read.

# %% tags=["hide-input"]
if show_stored_full:
    book.stored_pai("text_cnn/imdb", imdb_methods, (36, 83.2), words="embedding/embeddings")

# %% [markdown]
# **What the masks keep of the words.** A mask of pruning at initialization is cut before any
# training, in seconds to minutes, and `python -m lthkit.search.plan --cut-masks` cuts them
# all first: this part of the answer can be read before any round has trained. At
# 16.8 % the methods split three ways over the embedding, as the tables above show:
#
# - **SynFlow and magnitude at initialization** keep the same share of every word's row,
#   frequent or rare (a Spearman correlation of zero; their two lines lie on top of each
#   other in the chart): the initial weights know nothing of the words, and SynFlow's
#   all-ones input sends the same flow through every row. Both take nearly the whole cut
#   from the embedding and keep most of the convolutions.
# - **SNIP and GraSP** see only the words of the one batch they score, a few percent of the
#   vocabulary (the sentence under the table says how many). Every other word's row has a
#   score of exactly zero, so the mask says nothing about those words: the tie rule decides
#   which of them stay, and it keeps the rarest words' rows, which is why both curves rise
#   again at the right of the chart. On the batch's own words the two disagree completely:
#   SNIP keeps their rows whole, and every convolution weight with them; GraSP keeps under
#   a tenth of them, keeps rows of unseen words instead, and cuts the convolutions to about
#   a tenth.
# - **IMP's ticket** is the only mask that keeps frequent words more than rare ones (a
#   negative correlation): training has moved the rows of the words it saw.
#
# So on text, [FDRC21]'s "a per-layer sparsity, not a subnetwork" needs a caveat before any
# round is trained: SNIP's and GraSP's masks are set by which words one batch held, and the
# layerwise shuffle spreads them over the vocabulary, changing which words the network can
# read at all. The last table above counts it: a word whose row keeps no weight is a zero
# vector to the network, unreadable, and no shuffled mask leaves a single word unreadable.

# %% [markdown]
# **Takeaway on IMDb.** [FDRC21]'s first finding ranks the methods between random pruning and
# IMP's ticket, and on IMDb that ranking has no footing: IMP's ticket is not a winning ticket
# here (see the text chapter), 84.72 % at 16.8 % of the weights against random pruning's
# 86.03 %. The question on text is whether cutting the mask before training finds anything
# random pruning does not. For the two methods that score a batch the answer is no. SNIP ties
# random pruning at 16.8 % (86.00 %) and falls 0.74 points behind it at 64 %. GraSP falls far
# behind: 82.24 % at 64 %, 73.40 % at 16.8 %. The two that never look at the data are the
# best masks at 64 %, a little above random pruning in both replicates (SynFlow 86.96 %,
# +0.67 points; magnitude at initialization 87.16 %, +0.87), and tie it at 16.8 % (SynFlow
# 85.69 %, -0.34; magnitude at initialization 85.77 %, -0.27). Their masks keep every word and
# differ from random pruning in the split between layers (the convolutions keep 94 to 98 % at
# 64 %); their shuffles keep that split and the lead with it: for these two, [FDRC21]'s
# reading holds on text.
#
# The two ablations part ways. New initial weights change nothing, as [FDRC21] found (SNIP
# -0.04 and -0.15 points, GraSP 0.00 and -0.07, SynFlow -0.28 and -0.17, magnitude at
# initialization -0.36 and -0.04). Nor does the layerwise shuffle change SynFlow or magnitude
# at initialization (SynFlow -0.18 and +0.07, magnitude -0.29 and +0.01), but it *repairs*
# SNIP and GraSP: SNIP gains 1.19 points at 64 %, GraSP 4.44 at 64 % and 11.94 at 16.8 %,
# back to random pruning's level. The table of the shuffle and the words shows what it
# repairs. Both masks leave about 150 of the 1,000 most frequent words unreadable at 64 %,
# nearly all of them words the scored batch missed, whose zero score the tie rule prunes
# first. GraSP also keeps only 28 % of the
# frequent words' rows there (it prunes negative scores first, and only the words it saw can
# score below zero), and at 16.8 % it leaves 808 of the 1,000 most frequent words unreadable.
# The shuffle keeps every layer's count and leaves no word unreadable. As with GraSP on Lenet
# at 1.8 %, the failure is in the mask's structure, which the per-layer counts do not carry;
# on text the structure is *which words the network can read*.
#
# What a text classifier needs is the frequent words, not many words. SNIP's mask at 16.8 %
# leaves 42,613 of the 50,000 words unreadable (it keeps whole the rows of the 2,000 or so
# words of its one batch, and spends the rest on the rarest words, by the tie rule), yet it
# matches random pruning, which keeps a sixth of every word's row. IMP's ticket at 16.8 %
# leaves about 20,000 words unreadable, none of them among the 1,000 most frequent; its own
# shuffle, random pruning, still beats it (+0.46 and +1.32 points), for the reason the text
# chapter found: the ticket retraces the dense network's memorization.
#
# The cost: each method trains once, after cutting its masks in seconds to minutes (for all
# eight levels, a mean over the replicates, first compilation included: magnitude at
# initialization 1.3 s, GraSP 39 s, SNIP 72 s, SynFlow 194 s for its 100 steps a level);
# IMP's ticket at 16.8 % took nine trainings. The seconds come from sessions on a shared
# machine whose speed changed twofold; "total (trainings)" compares them fairly.

# %% [markdown]
# ## This build's quick runs
#
# The same comparisons in this build's profile: each method at one level, one replicate,
# on a subset with a short schedule (Lenet: 10,000 images, 1,000 iterations; IMDb: 1,500
# reviews, two epochs). The IMP run is the quick run the reproduction and text chapters
# train (stored once, shared). The grid reads "mask / layerwise shuffle / new weights" for
# each method; IMP's row is "ticket / — / random reinit", random pruning's its mask alone.
# Quick numbers show the method, not the papers'; their ledger rows (Lenet, at the claims'
# 21 %) carry no verdict.

# %% tags=["hide-input"]
lenet_runs = search.pai_sweep("lenet_300_100", profile, methods, **knobs,
                              levels=tuple(cfg.lenet_levels) if cfg.lenet_levels else None)
lenet_pai = search.variants(lenet_runs, store)
lenet_last = max(max(e.search.levels or (e.search.rounds,)) for e in lenet_runs.values())
lenet_base = search.variants({"IMP": search.target("lenet_300_100", profile, seed=seed,
                                                   replicates=cfg.replicates,
                                                   rounds=lenet_last)}, store)
lenet_q = analysis.pai_combined(lenet_pai, lenet_base)
lenet_pct = float(lenet_pai.query("round > 0")["percent_remaining"].min())
display(analysis.ticket_grid(lenet_q, [100 - lenet_pct],
                             branches=("main", "shuffle", "reinit")).T)
display(book.label(plots.ablation_gaps(analysis.ablation_gaps(lenet_q, pai_span=True),
                                        source=source)))
book.show_ledger(claims.ledger(lenet_q, claims.select(prefix="lenet_300_100/pai/"),
                               results=source))

# %% [markdown]
# What each method paid for its mask: IMP trained the dense network and every round up to
# the level; a PaI method trains the level only, after cutting its masks (SynFlow's 100
# steps per level, GraSP's Hessian products, SNIP's one gradient). "total (trainings)" counts
# the cut in trainings of the same run, which compares across machines where seconds do not.

# %% tags=["hide-input"]
display(analysis.pai_cost(lenet_q, search.mask_seconds(lenet_runs, store))
        .style.format(precision=2, na_rep="—"))

# %% [markdown]
# ### IMDb
#
# The text CNN in the quick profile (an 8,000-word vocabulary, 128 tokens), each method's
# mask without its ablations (the stored runs have them), then what each mask paid. Then the
# question only text can ask: **which words' embedding rows does each method keep?** A
# falling line keeps frequent words and drops rare ones. SNIP's and GraSP's gradients reach
# only the rows of words in the scoring batch; every other row scores exactly zero, and the
# tie rule (position order, the vocabulary sorted by frequency) prunes the frequent words
# the batch missed before the rare ones. GraSP's scores can be negative, and it prunes those
# first: rows of words it *saw*. Magnitude and SynFlow treat every row alike.

# %% tags=["hide-input"]
if run_imdb:
    imdb_runs = search.pai_sweep("text_cnn/imdb", profile, imdb_methods, **knobs,
                                 levels=tuple(cfg.imdb_levels) if cfg.imdb_levels else None,
                                 controls=None if cfg.imdb_ablations else ())
    imdb_data = search.dataset_for(next(iter(imdb_runs.values())))
    imdb_pai = search.variants(imdb_runs, store)
    imdb_last = max(max(e.search.levels or (e.search.rounds,)) for e in imdb_runs.values())
    imdb_base = search.variants({"IMP": search.target("text_cnn/imdb", profile, seed=seed,
                                                      replicates=cfg.replicates,
                                                      rounds=imdb_last)}, store)
    imdb_q = analysis.pai_combined(imdb_pai, imdb_base)
    imdb_pct = float(imdb_pai.query("round > 0")["percent_remaining"].min())
    display(analysis.ticket_grid(imdb_q, [100 - imdb_pct],
                                 branches=("main", "shuffle", "reinit")).T)
    display(analysis.pai_cost(imdb_q, search.mask_seconds(imdb_runs, store))
            .style.format(precision=2, na_rep="—"))
    embedding = {m: store.masks(e, 0, "main", imdb_last)["embedding/embeddings"]
                 for m, e in imdb_runs.items()}
    embedding["IMP (after training)"] = store.masks(
        search.target("text_cnn/imdb", profile, seed=seed, replicates=cfg.replicates),
        0, "main", imdb_last)["embedding/embeddings"]
    binned, kept = analysis.kept_by_rank(embedding, imdb_data.vocab, imdb_data.x_train,
                                         imdb_data.y_train,
                                         scored=search.scored_tokens(imdb_runs, store, imdb_data))
    display(book.label(plots.kept_by_rank(binned, source=source)))
    display(kept.style.format(precision=2, na_rep="—"))
    display(Markdown(book.zero_score_markdown(kept, imdb_runs, len(imdb_data.vocab) - 2)))

# %% [markdown]
# :::{dropdown} How the methods are computed, and where we differ from [FDRC21]
# - **One shot, globally.** Each level is cut from the initialization by one global ranking,
#   nested in the level before (SynFlow's 100 steps run from the previous level's mask, so a
#   deeper level has had more steps). [FDRC21] prunes each sparsity from scratch.
# - **SNIP and GraSP** score on the replicate's first training batch (`score_batches=1`);
#   GraSP divides the logits by its code's temperature of 200 before the loss.
# - **SynFlow on text.** An all-ones input is, for an embedding, the sum of all one-hot
#   vectors: every position sees the column sums of `|E|`, so a word's row is scored by
#   `|E_v| ⊙ ∂R/∂s` and all rows share the same flow per dimension; the text CNN's
#   max-pooling passes the largest window. [FDRC21] has no text model.
# - **Random pruning** is the IMP run's control: a random mask with the ticket's per-layer
#   counts (nearly uniform), where [FDRC21]'s random pruning is uniform per layer.
# - **Schedules.** Lenet as [FC19], the text CNN as [TXT] (10 epochs, early stopping on the
#   validation split), not [FDRC21]'s image networks and schedules.
# :::
#
# ## Things to try
#
# - Score SNIP and GraSP on more batches: the words table counts the words they see; do
#   fewer rows score zero, does the bump of rare words kept by the tie rule go away, and
#   does the shuffle's gain shrink once fewer frequent words are left unreadable?
#   `make chapter CHAPTER=08_pruning_at_init OUT=runs/pai-batches.ipynb
#   P="score_batches=8 imdb_ablations=True"`
# - Prune Lenet deeper, where [FDRC21] saw the methods part ways:
#   `make chapter CHAPTER=08_pruning_at_init OUT=runs/pai-deep.ipynb P="lenet_levels=[12,18]"`
# - Your own criterion: `lthkit.pruning.register_criterion("mine", ..., needs=("model",
#   "batches"))`, then `search.target("lenet_300_100/pai/snip", "quick").replace(prune=
#   {"criterion": "mine"})`.

# %%
book.provenance()
