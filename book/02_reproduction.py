# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (lthkit)
#     language: python
#     name: lthkit
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
# uses the paper's settings (hours on a CPU for Lenet, a GPU for Conv-6).

# %% tags=["parameters"]
profile = "quick"  # "quick" (CPU, minutes) or "full" (the paper's settings)
backend = "jax"  # Keras backend: "jax" or "tensorflow"
seed = 0  # replicate i uses initialization seed seed+i and data-order seed seed+1000+i
replicates = None  # independent runs per experiment (None: quick 2, full 3)
controls = ["reinit", "random"]  # control branches: random reinitialization, random pruning
rewind = 0  # rewind to the weights after this many iterations (0: the initialization)
lenet_rounds = None  # pruning rounds for Lenet (None: quick 10, full 25)
lenet_iterations = None  # training iterations per round (None: quick 1,500, full 50,000)
lenet_n_train = None  # MNIST training images (None: quick 10,000, full all 55,000)
run_conv6 = True  # the Conv-6 / CIFAR-10 section
conv6_rounds = None  # (None: quick 4, full 25)
conv6_iterations = None  # (None: quick 400, full 30,000)
conv6_width = None  # filter multiplier (None: quick 0.125, full 1.0, the paper's Conv-6)
run_pitfall = True  # the section on masks from initial weights
show_stored_full = True  # also show full-profile results stored under results/

# %%
from lthkit import book

book.setup(profile, backend)

import pandas as pd
from IPython.display import Markdown, display

from lthkit import analysis, plots
from lthkit.search import load_data, profile_experiment, run_search
from lthkit.store import default_store, load_arrays


def experiment(model, rounds=None, iterations=None, n_train=None, model_kwargs=None, **prune):
    """The profile's experiment for `model` with this chapter's parameters on top."""
    search = dict(replicates=replicates, rounds=rounds, seed=seed, rewind=rewind,
                  controls=tuple(controls))
    return profile_experiment(
        model, profile,
        search={k: v for k, v in search.items() if v is not None},
        train={"iterations": iterations} if iterations else {},
        data={"n_train": n_train} if n_train else {},
        model={"kwargs": model_kwargs} if model_kwargs else {},
        prune=prune)


store = default_store(profile)
print(f"result store: {store.root}")

# %% [markdown]
# ## Lenet-300-100 on MNIST
#
# The network is two fully connected hidden layers of 300 and 100 ReLU units and a
# 10-way output: 266,200 weights and 410 biases. As in the paper it is trained with Adam
# (learning rate 1.2e-3, batches of 60) with 5,000 training images held out for validation;
# the hidden layers lose 20 % of their remaining weights per round and the output layer
# 10 %. Pixels are standardized with MNIST's mean and standard deviation (the paper does not
# say; reproductions found it matters). Biases are never pruned.

# %%
lenet = experiment("lenet_300_100", lenet_rounds, lenet_iterations, lenet_n_train)
display(Markdown(analysis.markdown_table(analysis.describe(lenet))))

# %%
mnist = load_data(lenet)
print(mnist.info.summary())
lenet_table = run_search(lenet, store, data=mnist)
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
source = f"{profile} profile"
display(book.label(plots.paper_views(lenet_table, source)))

# %% [markdown]
# The mask keeps the output layer denser than the hidden layers, because it is pruned at half
# the rate. The first hidden layer, 235,200 of the 266,200 weights, sets the overall sparsity.

# %%
display(book.label(plots.layer_sparsity(store.layers(lenet), source)))
curves = store.curves(lenet)
shown = sorted(set(lenet_table["round"]))[::max(1, len(set(lenet_table["round"])) // 5)]
display(book.label(plots.training_curves(curves, rounds=shown, y="val_loss", source=source)))


# %% [markdown]
# ### Our numbers next to the paper's
#
# "At or above dense down to" is the sparsest level whose mean test accuracy at early stop is
# still at least the dense network's mean (the paper's phrasing). For random
# reinitialization the paper says it "starts losing accuracy at about 21 %": it holds the
# dense accuracy down to roughly there.

# %%
def lenet_comparison(table, label):
    acc = "early_stop_test_accuracy"
    d_mean, d_std, n = analysis.dense(table, acc)
    rows = [("dense test accuracy (%)", "98.0 ± 0.2",
             analysis.fmt_pm(d_mean, d_std) + f" (n={n})")]
    rows.append(("tickets at or above dense down to (% remaining)", "about 3.6",
                 f"{analysis.sparsest_at_dense(table, 'main', acc):.1f}"))
    if "reinit" in set(table["branch"]):
        rows.append(("random reinit at or above dense down to (% remaining)",
                     "about 21 (starts losing there)",
                     f"{analysis.sparsest_at_dense(table, 'reinit', acc):.1f}"))
    for percent in (21.1, 3.6, 1.8):
        t = analysis.at_level(table, percent, acc, "main")
        if abs(t["percent_remaining"] - percent) / percent > 0.25:
            continue  # this run did not reach that sparsity
        ours = f"ticket {100 * t['mean']:.2f}"
        if "reinit" in set(table["branch"]):
            r = analysis.at_level(table, percent, acc, "reinit")
            ours += f", reinit {100 * r['mean']:.2f}"
        paper = {21.1: "ticket ≥ dense, reinit falling", 3.6: "ticket ≈ dense (98.0)",
                 1.8: "ticket below dense"}[percent]
        rows.append((f"accuracy at {t['percent_remaining']:.1f} % remaining (%)", paper, ours))
    if "reinit" in set(table["branch"]):
        t = analysis.at_level(table, 21.1, "early_stop_iteration", "main")
        r = analysis.at_level(table, 21.1, "early_stop_iteration", "reinit")
        if abs(t["percent_remaining"] - 21.1) < 5:
            rows.append((f"early stop at {t['percent_remaining']:.1f} %: reinit / ticket",
                         "2.51x", f"{r['mean'] / t['mean']:.2f}x "
                         f"({r['mean']:.0f} vs {t['mean']:.0f} iterations)"))
    return pd.DataFrame(rows, columns=["", "Frankle & Carbin 2019", f"this book ({label})"]
                        ).set_index("")


lenet_comparison(lenet_table, source)

# %% [markdown]
# ### Full-profile results from the result store
#
# A full Lenet search (the paper's 50,000 iterations per round, 25 rounds, three replicates)
# takes hours on a CPU, so it is not run when the book is built. If one was run (with
# `python -m lthkit.search lenet_300_100 --profile full`, or this chapter with
# `profile="full"`), its metrics are committed under `results/` and shown here, labelled with
# the profile they come from.

# %%
full_lenet = profile_experiment("lenet_300_100", "full")
full_store = default_store("full")
full_table = full_store.table(full_lenet) if show_stored_full else pd.DataFrame()
if profile == "full" or full_table.empty:
    display(Markdown("No stored full-profile Lenet results other than this run's."
                     if profile == "full" else
                     "No full-profile Lenet results are stored under `results/` yet."))
else:
    folder = full_store.experiment_dir(full_lenet)
    done = full_table.groupby("branch")["round"].max().to_dict()
    reps = full_table["replicate"].nunique()
    full_source = f"full profile, {reps} replicates, results/{folder.name}"
    display(Markdown(f"Stored: {len(full_table)} finished rounds in `results/{folder.name}` "
                     f"(last round per branch: {done}). Each figure below says so."))
    display(book.label(plots.paper_views(full_table, full_source), "full", str(folder.name)))
    display(lenet_comparison(full_table, "full profile, results/"))

# %% [markdown]
# ## Conv-6 on CIFAR-10
#
# Conv-6 is a small VGG: three blocks of two 3x3 convolutions (64, 128 and 256 filters) and a
# max-pool, then two dense layers of 256 units and the output. The paper trains it with Adam
# at 3e-4 for 30,000 iterations and prunes convolutions at 15 %, dense layers at 20 % and the
# output at 10 % per round. A full-width training step costs about half a second on a 2-core
# CPU, so the quick profile uses an eighth of the filters (`conv6_width`); the full profile
# is the paper's network and wants a GPU.
#
# The CIFAR-10 copy this book is built with offline is a JPEG re-encoding (quality 75),
# marked *lossy* in the dataset info below: fine for comparing tickets with controls, but
# absolute accuracies can sit a little below the paper's.

# %%
if run_conv6:
    conv6 = experiment("conv6", conv6_rounds, conv6_iterations,
                       model_kwargs={"width": conv6_width} if conv6_width else None)
    display(Markdown(analysis.markdown_table(analysis.describe(conv6))))
    cifar = load_data(conv6)
    print(cifar.info.summary())
    for note in cifar.info.notes:
        print("note:", note)
    conv6_table = run_search(conv6, store, data=cifar)
    display(book.label(plots.paper_views(conv6_table, source)))
    acc = "early_stop_test_accuracy"
    d_mean, d_std, n = analysis.dense(conv6_table, acc)
    width = conv6.model.kwargs.get("width", 1.0)
    display(pd.DataFrame(
        [("dense test accuracy (%)", "about 78-80 (read off a figure)",
          analysis.fmt_pm(d_mean, d_std) + f" (n={n}, width {width:g})"),
         ("tickets at or above dense down to (% remaining)", "about 2",
          f"{analysis.sparsest_at_dense(conv6_table, 'main', acc):.1f}")],
        columns=["", "Frankle & Carbin 2019", f"this book ({source})"]).set_index(""))

# %% [markdown]
# ## Where we differ, and why
#
# - **Training length and data.** The quick profile trains Lenet for 1,500 iterations on
#   10,000 images instead of 50,000 iterations on 55,000, and stops after 10 rounds
#   (10.7 % of the hidden weights). Its dense accuracy is therefore about three points below
#   the paper's 98 %, and differences between tickets and controls of a few tenths of a point
#   are within the spread of two replicates. The full-profile section above (when present)
#   is the comparison that counts.
# - **Conv-6 width and data.** The quick Conv-6 has an eighth of the filters and trains for
#   400 iterations: its accuracy is far below 78-80 % and says nothing about the paper's
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
#   accuracy to sparser levels than the paper reports (compare the table above with its
#   3.6 % and 21 %). One candidate reason, untested here, is the standardized input: a
#   well-conditioned problem makes sparse networks easier to train from any
#   initialization. The
#   "starts losing" level is also sensitive to noise: three replicates with a dense spread of
#   about ±0.1 points cannot place it more precisely than a couple of levels.
#
# ## The thesis pitfall: masks from the initial weights
#
# A 2020 bachelor thesis re-implemented this search in TensorFlow and reported that its
# tickets "degrade as quickly as reinitialized networks": no winning tickets at all. Its
# code computed the masks from the magnitude of the **initial** weights instead of the
# trained ones (a function that would have used the trained weights was never called). It
# also reused Adam's state across rounds and pruned the output layer at 20 %, but the mask
# is the decisive bug, as the experiment below shows: the same search, the same budget,
# with three ways to choose which weights survive.

# %%
if run_pitfall:
    by_init = experiment("lenet_300_100", lenet_rounds, lenet_iterations, lenet_n_train,
                         criterion="init_magnitude").replace(search={"controls": ()})
    init_table = run_search(by_init, store, data=mnist)
    parts = [lenet_table[lenet_table["branch"] == "main"].assign(branch="trained magnitude"),
             init_table.assign(branch="initial magnitude (thesis)")]
    if "random" in set(lenet_table["branch"]):
        parts.append(lenet_table[lenet_table["branch"] == "random"].assign(branch="random"))
    # Every criterion starts from the same dense round 0.
    dense_rows = lenet_table[(lenet_table["branch"] == "main") & (lenet_table["round"] == 0)]
    parts += [dense_rows.assign(branch=p["branch"].iloc[0]) for p in parts[1:]]
    criteria = pd.concat(parts, ignore_index=True).drop_duplicates(
        ["branch", "replicate", "round"])
    chart = plots.by_sparsity(criteria, "early_stop_test_accuracy", source,
                              title="Which weights survive: the mask criterion")
    display(book.label(chart))

# %% [markdown]
# Why does the initial-magnitude mask behave like a random one? The initial weights are
# drawn independently of the data, so ranking them by size selects a subnetwork that knows
# nothing about the task: it *is* a random mask, only biased towards weights that happened to
# start large. How much does it have in common with the mask trained weights give? The
# overlap below is the fraction of weights kept by the trained-magnitude ticket that the
# other mask keeps too; a random mask of the same size keeps that fraction by chance alone.

# %%
if run_pitfall:
    rows = []
    for r in sorted(set(init_table["round"]) - {0}):
        trained = load_arrays(store.round_dir(lenet, 0, "main", r) / "mask.npz")
        initial = load_arrays(store.round_dir(by_init, 0, "main", r) / "mask.npz")
        kept = float(lenet_table.query("branch == 'main' and round == @r")
                     ["remaining_fraction"].iloc[0])
        row = {"round": r, "% remaining": round(100 * kept, 2),
               "overlap with initial-magnitude mask": analysis.mask_overlap(trained, initial),
               "chance (random mask)": kept}
        random_mask = store.round_dir(lenet, 0, "random", r) / "mask.npz"
        if random_mask.exists():
            row["overlap with random mask"] = analysis.mask_overlap(
                trained, load_arrays(random_mask))
        rows.append(row)
    overlap = pd.DataFrame(rows).set_index("round")
    display(overlap.style.format({c: "{:.2f}" if c == "% remaining" else "{:.3f}"
                                  for c in overlap.columns}))

# %% [markdown]
# The initial-magnitude mask shares much more with the ticket than chance: weights that start
# large tend to stay large, the more so the shorter the training (the quick profile trains
# for only 1,500 iterations). Yet its accuracy follows random pruning, not the ticket. The
# weights where the two masks differ are the ones training *grew*, and they are the ones
# that matter: a mask that ignores training throws them away. That is the thesis's curve,
# accuracy falling like random reinitialization, while the corrected search finds tickets.
#
# ## Things to try
#
# - Rewind late: `-p rewind 500` rewinds to the weights after 500 iterations (Frankle et al.
#   2019). Does random reinitialization still fall behind?
# - Prune globally instead of layer by layer: give `experiment(...)` `strategy="global"` and
#   a single rate. Which layer loses most?
# - Give the random controls more replicates (`-p replicates 4`): are the bands separated?
# - Run `python -m lthkit.search lenet_300_100 --profile full` in the background (a few
#   hours on a laptop), rebuild the book and compare your numbers with the table above.

# %%
book.provenance(datasets=[mnist.info] + ([cifar.info] if run_conv6 else []))
