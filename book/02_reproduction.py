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
#     budget: {smoke: 60, quick: 285}
# ---

# %% [markdown]
# # Reproducing the lottery ticket paper
#
# Frankle and Carbin (2019) made a precise claim: a randomly initialized dense network
# contains a subnetwork that, **trained in isolation from the same initial weights**, reaches
# the accuracy of the full network in at most as many iterations. They found such *winning
# tickets* with **iterative magnitude pruning** (IMP):
#
# 1. initialize a network $f(x; \theta_0)$ and train it for $j$ iterations to $\theta_j$;
# 2. remove the fraction $p$ of the remaining weights with the smallest magnitude
#    $|\theta_j|$, which gives a mask $m \in \{0, 1\}^{|\theta|}$;
# 3. **rewind** the survivors to their initial values, $\theta_0 \odot m$, and go back to 2.
#
# After $n$ rounds a layer pruned at rate $p$ keeps $(1-p)^n$ of its weights. Two controls
# tell a ticket from luck: the same mask with **new random initial weights** (*random
# reinitialization*: is it the structure or the initialization that matters?) and a
# **random mask** of the same per-layer size (*random pruning*: does magnitude find anything?).
#
# This chapter runs experiments E1 (Lenet-300-100 on MNIST) and E2 (Conv-6 on CIFAR-10) of
# the book's specification with `lthkit`, compares the numbers with the paper's, and then
# reruns the search the way a 2020 thesis did by mistake, with masks from the *initial*
# weights, to show why that reproduction failed.

# %% [markdown]
# Every knob is a papermill parameter. Those left at `None` take the profile's value:
# `quick` trains on subsets for a few hundred iterations (minutes on a laptop CPU), `full`
# uses the paper's settings (hours on a CPU for Lenet, a GPU for Conv-6). Durations are
# written `"1000it"` (iterations) or `"3ep"` (epochs).

# %% tags=["parameters"]
profile = "quick"  # "smoke" (seconds), "quick" (CPU, minutes) or "full" (the paper's settings)
backend = "jax"  # Keras backend: "jax" or "tensorflow"
seed = 0  # replicate i uses initialization seed seed+i and data-order seed seed+1000+i
replicates = None  # independent runs per experiment (None: quick 2, full 3)
controls = ["reinit", "random"]  # control branches: random reinitialization, random pruning
rewind = "0it"  # rewind to the weights after this much training ("0it": the initialization)
lenet_rounds = None  # pruning rounds for Lenet (None: quick 10, full 25)
lenet_training = None  # training per round (None: quick "1000it", full "50000it")
lenet_n_train = None  # MNIST training images (None: quick 10,000, full all 55,000)
run_conv6 = True  # the Conv-6 / CIFAR-10 section
conv6_rounds = None  # (None: quick 2, full 25)
conv6_training = None  # (None: quick "200it", full "30000it")
conv6_width = None  # filter multiplier (None: quick 0.125, full 1.0, the paper's Conv-6)
run_pitfall = True  # the section on masks from initial weights
show_stored_full = True  # also show full-profile results stored under results/

# %%
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

from lthkit import analysis, claims, plots, search
from lthkit.profiles import results_store

store = results_store(profile)
knobs = dict(seed=seed, replicates=replicates, controls=tuple(controls), rewind=rewind)
source = f"{profile} profile"
print(f"result store: {store.root}")

# %% [markdown]
# ## Lenet-300-100 on MNIST
#
# The network is two fully connected hidden layers of 300 and 100 ReLU units and a
# 10-way output: 266,200 weights and 410 biases. As in the paper it is trained with Adam
# (learning rate 1.2e-3, batches of 60) on training images minus a validation hold-out (the
# paper's 5,000 in the full profile; the table below gives this run's sizes); the hidden
# layers lose 20 % of their remaining weights per round and the output layer 10 %. Pixels are standardized with MNIST's mean and standard deviation (the paper does not
# say; reproductions found it matters). Biases are never pruned.

# %%
lenet = search.target("lenet_300_100", profile, rounds=lenet_rounds, training=lenet_training,
                      n_train=lenet_n_train, **knobs)
display(Markdown(analysis.markdown_table(analysis.describe(lenet))))
mnist = search.dataset_for(lenet)
print(mnist.info.summary())
lenet_table = search.run_search(lenet, store, data=mnist)
print("test accuracy at early stop (%), mean over replicates:")
analysis.level_table(lenet_table)

# %% [markdown]
# ### The paper's two views
#
# Frankle and Carbin plot everything against the percentage of weights remaining, on a log
# axis that runs from the dense network (100 %) on the left to the sparsest on the right.
# The first view is test accuracy: at the **early-stop iteration** (where the validation
# loss is lowest, their criterion) and at the end of training. The second view is the
# early-stop iteration itself: a winning ticket learns *faster* than the dense network, and
# much faster than its randomly reinitialized copy. Lines are means over replicates, bands
# span the minimum and maximum; hover over a point for its round.

# %%
display(book.label(plots.paper_views(lenet_table, source)))

# %% [markdown]
# The mask keeps the output layer denser than the hidden layers, because it is pruned at half
# the rate. The first hidden layer, 235,200 of the 266,200 weights, sets the overall sparsity.

# %%
display(book.label(plots.layer_sparsity(store.layer_table(lenet), source)))
display(book.label(plots.training_curves(store.curves(lenet), y="val_loss", source=source,
                                         every=max(1, lenet.search.rounds // 5))))

# %% [markdown]
# ### Our numbers next to the paper's
#
# Every comparison in the book comes from one list of published claims
# (`lthkit.claims`): each says what the paper measured, at which sparsity, and how close
# counts as agreeing. "At or above dense down to" is the sparsest level whose mean test
# accuracy at early stop is still at least the dense network's mean (the paper's phrasing).
# A verdict of *not reached* means this run did not prune far enough to test the claim. In
# a short run the early-stop ratio is capped: no network stops later than its last
# iteration (the quick profile trains 1,000 per round), so a reinitialized copy that would
# stop later counts as stopping at the end, and the ratio comes out smaller than it is.

# %%
book.show_ledger(claims.ledger(lenet_table, claims.select("lenet_300_100"), results=source))

# %% [markdown]
# ### Full-profile results from the result store
#
# A full Lenet search (the paper's 50,000 iterations per round, 25 rounds, three replicates)
# takes hours on a CPU, so it is not run when the book is built. It was run with
# `python -m lthkit.search lenet_300_100 --profile full` and its results are committed under
# `results/`; they are shown here, labelled with the run they come from, next to a card of
# how its settings depart from the paper's.

# %%
full = book.show_stored("lenet_300_100", profile, show_stored_full)

# %% [markdown]
# ## Conv-6 on CIFAR-10
#
# Conv-6 is a small VGG: three blocks of two 3x3 convolutions (64, 128 and 256 filters) and a
# max-pool, then two dense layers of 256 units and the output. The paper trains it with Adam
# at 3e-4 for 30,000 iterations and prunes convolutions at 15 %, dense layers at 20 % and the
# output at 10 % per round. A full-width training step costs about a third of a second on a
# 2-core CPU, so the quick profile uses an eighth of the filters (`conv6_width`); the full
# profile is the paper's network and wants a GPU.
#
# The CIFAR-10 copy this book is built with offline is a JPEG re-encoding (quality 75),
# marked *lossy* in the dataset info below: fine for comparing tickets with controls, but
# absolute accuracies can sit a little below the paper's.
#
# In the quick profile this section only shows that the Conv-6 search runs: an eighth of
# the filters trained for 200 iterations per round is far from converged, so its accuracy,
# its early-stop chart and its ledger rows say nothing about the paper's result. There is
# no stored full Conv-6 run yet (a round is about 3 hours on this book's CPU: it wants a GPU).

# %%
if run_conv6:
    conv6 = search.target("conv6", profile, rounds=conv6_rounds, training=conv6_training,
                          width=conv6_width, **knobs)
    display(Markdown(analysis.markdown_table(analysis.describe(conv6))))
    cifar = search.dataset_for(conv6)
    print(cifar.info.summary())
    conv6_table = search.run_search(conv6, store, data=cifar)
    display(book.label(plots.paper_views(conv6_table, source)))
    book.show_ledger(claims.ledger(conv6_table, claims.select("conv6"),
                                   results=f"{source}, width {conv6.model.kwargs.get('width', 1)}"))

# %% [markdown]
# ## Where we differ, and why
#
# - **Training length and data.** The quick profile trains Lenet for 1,000 iterations on
#   10,000 images instead of 50,000 iterations on 55,000, and stops after 10 rounds
#   (10.7 % of the hidden weights). Its dense accuracy is therefore about three points below
#   the paper's 98 %, and differences between tickets and controls of a few tenths of a point
#   are within the spread of two replicates. The full-profile section above is the
#   comparison that counts.
# - **Conv-6 width and data.** The quick Conv-6 has an eighth of the filters and trains for
#   200 iterations: its accuracy is far below 78-80 % and says nothing about the paper's
#   number. The offline CIFAR-10 is JPEG-compressed (lossy), which costs a little accuracy
#   even at full size.
# - **Normalization and initialization.** Inputs are standardized; Keras' Glorot normal
#   initializer is a *truncated* normal, slightly narrower than the paper's Gaussian Glorot.
# - **Replicates.** The paper averages five trials; the book runs two (quick) or three
#   (full). Bands show the minimum and maximum, not a confidence interval.
# - **The full run, where it differs.** The stored full Lenet run (three replicates, the
#   paper's schedule) reproduces the shape of the paper's result: tickets gain a few tenths
#   of a point at moderate sparsity, keep the dense accuracy far longer than their
#   reinitialized copies, and reach their early-stop point much sooner. It differs in
#   degree: in our run both the tickets *and* the reinitialized networks hold the dense
#   accuracy to sparser levels than the paper reports (the ledger's *better than the paper*
#   verdicts). One
#   candidate reason, untested here, is the standardized input: a well-conditioned problem
#   makes sparse networks easier to train from any initialization. The "starts losing"
#   level is also sensitive to noise: three replicates with a dense spread of about ±0.1
#   points cannot place it more precisely than a couple of levels.
#
# ## The thesis pitfall: masks from the initial weights
#
# A 2020 bachelor thesis re-implemented this search in TensorFlow and reported that its
# tickets "degrade as quickly as reinitialized networks": no winning tickets at all. Its
# code computed the masks from the magnitude of the **initial** weights instead of the
# trained ones (a function that would have used the trained weights was never called). It
# also reused Adam's state across rounds and pruned the output layer at 20 %, but the mask
# is the decisive bug, as the experiment below shows: the same search, the same budget,
# with three ways to choose which weights survive. The two searches share their dense
# network (the same initialization and training), so only the masks differ.

# %%
if run_pitfall:
    by_init = lenet.replace(prune={"criterion": "init_magnitude"}, search={"controls": ()})
    criteria = search.variants({"trained magnitude": lenet,
                                "initial magnitude (thesis)": by_init}, store)
    shown = criteria[(criteria["variant"] != "trained magnitude")
                     | criteria["branch"].isin(["main", "random"])]
    display(book.label(plots.by_sparsity(shown, source=source,
                                         title="Which weights survive: the mask criterion")))

# %% [markdown]
# Why does the initial-magnitude mask behave like a random one? The initial weights are
# drawn independently of the data, so ranking them by size selects a subnetwork that knows
# nothing about the task: it *is* a random mask, only biased towards weights that happened to
# start large. How much does it have in common with the mask trained weights give? The
# table below compares the two masks round by round (replicate 0): the **overlap** is the
# fraction of the ticket's weights the other mask keeps too, the **Jaccard** index the
# weights both keep over the weights either keeps, and the **Hamming** distance the fraction
# of all weights on which the two masks differ (kept by one, pruned by the other); each is
# followed, in brackets, by its value for two random masks of the same sizes (*chance*).

# %%
if run_pitfall:
    distances = analysis.with_chance(analysis.mask_distances(store, lenet, by_init))
    display(distances.style.format({"% remaining": "{:.2f}"}))

# %% [markdown]
# The initial-magnitude mask shares much more with the ticket than chance: weights that start
# large tend to stay large, the more so the shorter the training (the quick profile trains
# for only 1,000 iterations). Yet its accuracy follows random pruning, not the ticket. The
# weights where the two masks differ are the ones training *grew*, and they are the ones
# that matter: a mask that ignores training throws them away. That is the thesis's curve,
# accuracy falling like random reinitialization, while the corrected search finds tickets.
#
# ## Things to try
#
# - Rewind late: `-p rewind=500it` rewinds to the weights after 500 iterations (Frankle et
#   al. 2019). Does random reinitialization still fall behind?
# - Give the random controls more replicates (`-p replicates=4`): are the bands separated?
# - Prune further: `-p lenet_rounds=16` reaches 2.8 % of the hidden weights. Where does the
#   ticket drop below the dense network in the quick profile?
# - Run `python -m lthkit.search lenet_300_100 --profile full` in the background (hours on a
#   laptop; it resumes where it stopped), rebuild the book and compare your numbers with the
#   ledger above.

# %%
book.provenance(datasets=[mnist.info] + ([cifar.info] if run_conv6 else []))
