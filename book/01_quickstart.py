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
#     budget: {smoke: 30, quick: 40}
# ---

# %% [markdown]
# # Quickstart: a first ticket on MNIST
#
# The whole idea of the book in one small run. We train Lenet-300-100 (two hidden layers of
# 300 and 100 units) on MNIST, remove most of its weights by magnitude in one shot, and train
# the survivors again twice: once from the **same initial weights** they had before the first
# training (the *ticket*), once from **fresh random weights** (the control). If the Lottery
# Ticket Hypothesis holds, the ticket trains as well as the dense network and better than the
# control.
#
# In the `quick` profile this takes seconds on a CPU and uses a subset of MNIST for a few
# epochs, so differences of a few tenths of a percent are noise. The `full` profile uses all of
# MNIST and the training length of Frankle and Carbin (2019).
#
# :::{admonition} Run this chapter
# - Quick (seconds, what the book shows): `make book CHAPTER=01_quickstart`
# - Full (all of MNIST, 50 epochs, three trainings: a few minutes on a CPU):
#   `make chapter CHAPTER=01_quickstart OUT=runs/quickstart-full.ipynb P="profile=full"`
# - Stored runs: none; this chapter trains everything it shows. The reproduction chapter's
#   stored Lenet run is the long version of this experiment.
# :::

# %% [markdown]
# Every knob of the run is a parameter of the next cell (papermill's `parameters` cell). A
# knob left at `None` takes its value from the profile: `n_train` 10,000 in `quick` and all
# 55,000 in `full`, `n_test` 2,000 and 10,000, `epochs` 3 and 50 (about the paper's 50,000
# iterations at batch 60).

# %% tags=["parameters"]
profile = "quick"  # "quick" (CPU, seconds) or "full" (the paper's settings)
backend = "jax"  # Keras backend: "jax" or "tensorflow"
dataset = "mnist"
seed = 0  # data split, initial weights, batch order
validation = 5000  # training images held out for validation, as in the paper
n_train = None  # training images (None: the profile's)
n_test = None  # test images (None: the profile's)
epochs = None  # (None: the profile's)
hidden = [300, 100]  # hidden layer sizes: Lenet-300-100
batch_size = 60  # as in the paper
learning_rate = 1.2e-3  # Adam, as in the paper
prune_rate = 0.8  # hidden layers; the output layer loses half of that

# %%
from lthkit import book

book.setup(profile, backend)
CHAPTER_PRESETS = {
    "smoke": dict(n_train=600, n_test=200, epochs=1),
    "quick": dict(n_train=10_000, n_test=2_000, epochs=3),
    "full": dict(n_train=None, n_test=None, epochs=50),
}
cfg = book.settings(
    profile, CHAPTER_PRESETS, dataset=dataset, seed=seed, validation=validation,
    n_train=n_train, n_test=n_test, epochs=epochs, hidden=hidden,
    batch_size=batch_size, learning_rate=learning_rate, prune_rate=prune_rate)
cfg

# %% [markdown]
# ## The data
#
# `lthkit.data.load_dataset` returns the train, validation and test splits as NumPy arrays,
# images standardized with MNIST's mean and standard deviation (reproductions of the paper
# found this matters). The validation images come out of the training set and stay the
# same whatever `n_train` is.

# %%
from lthkit.data import load_dataset

ds = load_dataset(cfg.dataset, validation=cfg.validation, seed=cfg.seed,
                  n_train=cfg.n_train, n_test=cfg.n_test, normalize="standard")
print(ds.info.summary())
print(f"images {ds.x_train.shape[1:]}, "
      f"pixel values {ds.x_train.min():.2f}..{ds.x_train.max():.2f} (standardized)")

# %% [markdown]
# ## The network and its mask
#
# `lthkit.models.lenet_300_100` builds the network from lthkit's masked layers: each keeps a
# 0/1 mask next to its kernel. `lthkit.pruning` moves weights and masks in and out of the
# model as plain `{name: array}` dicts: `snapshot` copies every weight (here the initial
# weights $\theta_0$ a ticket is rewound to), `set_masks` installs masks and zeroes the pruned
# weights, `restore` loads a snapshot back, keeping pruned weights at zero.
# `lthkit.search.train_ticket(model, weights, masks, data, ...)` does those two steps and
# trains with a fresh Adam optimizer: one round of the lottery ticket procedure.

# %%
import keras
import numpy as np

from lthkit import pruning
from lthkit.models import lenet_300_100

keras.utils.set_random_seed(cfg.seed)
model = lenet_300_100(hidden=tuple(cfg.hidden), num_classes=ds.num_classes)
theta0 = pruning.snapshot(model)  # the initial weights a ticket is rewound to
all_kept = {k: np.ones_like(m) for k, m in pruning.get_masks(model).items()}
print(f"{model.count_params() - sum(all_kept[k].size for k in all_kept):,} parameters, "
      f"prunable kernels: {', '.join(all_kept)}")


# %% [markdown]
# ## Train, prune, rewind, train again
#
# `pruning.prune` is a pure function: (weights, current masks, rates) → new masks. Here it
# removes the `prune_rate` smallest trained weights (by absolute value) of each hidden layer
# and half that fraction of the output layer, as in the paper, in one shot. Biases are not
# pruned.

# %%
from lthkit.search import train_ticket

histories, test_accuracy = {}, {}
settings = dict(epochs=cfg.epochs, batch_size=cfg.batch_size, learning_rate=cfg.learning_rate)
histories["dense"], test_accuracy["dense"] = train_ticket(model, theta0, all_kept, ds, **settings)

trained = pruning.kernel_weights(model)
masks = pruning.prune(trained, all_kept, {"dense": cfg.prune_rate, "output": cfg.prune_rate / 2},
                      kinds=pruning.kinds(model))
kept = sum(int(m.sum()) for m in masks.values()) / sum(m.size for m in masks.values())

histories["ticket"], test_accuracy["ticket"] = train_ticket(model, theta0, masks, ds, **settings)

keras.utils.set_random_seed(cfg.seed + 1)  # new random weights, same mask
theta_new = pruning.snapshot(lenet_300_100(hidden=tuple(cfg.hidden),
                                           num_classes=ds.num_classes))
histories["random reinit"], test_accuracy["random reinit"] = train_ticket(model, theta_new, masks,
                                                                          ds, **settings)

# %%
import altair as alt
import pandas as pd
from IPython.display import Markdown, display

curves = pd.DataFrame(
    [{"network": net, "epoch": epoch + 1, "validation accuracy": acc}
     for net, h in histories.items()
     for epoch, acc in enumerate(h["val_accuracy"])]
)
chart = (
    alt.Chart(curves,
              title=f"Validation accuracy, {kept:.1%} of the weights kept")
    .mark_line(point=True)
    .encode(
        x=alt.X("epoch:O"),
        y=alt.Y("validation accuracy:Q", scale=alt.Scale(zero=False),
                axis=alt.Axis(format=".1%")),
        color="network:N",
        tooltip=["network", "epoch", "validation accuracy"],
    )
    .properties(width=480, height=280)
)
display(book.label(chart))

weights = {"dense": 1.0, "ticket": kept, "random reinit": kept}
last_val = {net: h["val_accuracy"][-1] for net, h in histories.items()}
table = pd.DataFrame({"weights kept": weights,
                      "validation accuracy, last epoch (the chart)": last_val,
                      "test accuracy": test_accuracy})
display(table.style.format("{:.2%}"))

# %% [markdown]
# ## What this run shows
#
# The numbers above are this run's; the sentence below is written from them.

# %%
vs_dense = test_accuracy["ticket"] - test_accuracy["dense"]
vs_control = test_accuracy["ticket"] - test_accuracy["random reinit"]
if profile == "quick":
    verdict = ("a quick run is too short and too small to test that claim: "
               "read it as a check that the machinery works.")
else:
    verdict = ("for one-shot pruning they report tickets more accurate than "
               "the dense network down to 5.17 % of the weights.")
val_vs_dense = last_val["ticket"] - last_val["dense"]
# one standard error of an accuracy p measured on n images: sqrt(p (1 - p) / n)
se_val = np.sqrt(last_val["dense"] * (1 - last_val["dense"]) / len(ds.x_val))
se_test = np.sqrt(test_accuracy["dense"] * (1 - test_accuracy["dense"]) / len(ds.x_test))
display(Markdown(
    f"The chart shows accuracy on the {len(ds.x_val):,} validation images, the table's last "
    f"column on the {len(ds.x_test):,} test images: two different samples, each with its "
    f"sampling error (one standard error of the dense network's accuracy is "
    f"{se_val * 100:.2f} points on the validation images and {se_test * 100:.2f} on the "
    f"test images). Here the ticket is {val_vs_dense * 100:+.2f} points against the dense "
    f"network on the first and {vs_dense * 100:+.2f} on the second. Read only differences "
    "well beyond those standard errors, and the same sign on both samples.\n\n"
    f"With {kept:.1%} of its weights, the ticket reached "
    f"{test_accuracy['ticket']:.2%} test accuracy, {vs_dense * 100:+.2f} "
    f"points against the dense network and {vs_control * 100:+.2f} points "
    "against the same mask with new random weights "
    f"({cfg.epochs} epochs, {len(ds.x_train):,} training images, "
    f"profile `{profile}`). Frankle and Carbin (2019) report 98.0 ± 0.2 % "
    "for the dense Lenet-300-100, and tickets at least as accurate down to "
    "about 3.6 % of the weights after iterative pruning; " + verdict
))

# %% [markdown]
# ## Things to try
#
# - Prune harder: does the control fall behind the ticket?
#   `make chapter CHAPTER=01_quickstart OUT=runs/qs-95.ipynb P="prune_rate=0.95"`
# - More data and epochs, to shrink the noise:
#   `make chapter CHAPTER=01_quickstart OUT=runs/qs-big.ipynb P="n_train=30000 epochs=10"`
# - Another seed: is the ticket's lead the same sign?
#   `make chapter CHAPTER=01_quickstart OUT=runs/qs-seed1.ipynb P="seed=1"`
# - Rewind the ticket to the dense network's *trained* weights instead of `theta0`
#   (in JupyterLab, `make lab`: `train_ticket(model, pruning.snapshot(model), masks, ds,
#   **settings)` right after the dense run): is it still as good?
# - Iterate: prune 20 % per round for ten rounds instead of 80 % at once. The next chapter
#   does exactly that with `lthkit.search`, with replicates and both controls.
# - The `full` profile on a GPU, against the paper's 98.0 %:
#   `make chapter CHAPTER=01_quickstart OUT=runs/qs-full.ipynb P="profile=full"`

# %%
book.provenance(datasets=[ds.info])
