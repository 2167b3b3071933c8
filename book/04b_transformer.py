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
# # Tickets in a Transformer, built in plain Keras
#
# The text CNN and the BiLSTM of the last two chapters are lthkit's own models. The
# networks NLP uses today are Transformers, and the lottery ticket has been looked for in
# them: Chen et al. [CFC20] found subnetworks of pre-trained BERT at 40 to 90 % sparsity
# that match the full network on GLUE tasks, by iterative magnitude pruning (IMP) rewound to
# the pre-trained weights, where random pruning and random reinitialization do not; Yu et
# al. [YETM20] found tickets in Transformers trained from scratch for translation, and
# needed *late rewinding* (to the weights after some training, not the initialization) and
# iterative pruning to find them.
#
# No pre-trained weights can be downloaded here, so this chapter trains a small Transformer
# encoder from scratch on IMDb, with the text CNN's splits and tokenizer. And it builds
# the network **the way a reader would, in plain Keras in the chapter itself**, then hands it
# to lthkit: masks come only from `lthkit.masked`, the search only from
# `lthkit.search.experiment_for`, the path for any Keras model. The questions:
#
# - Is there a winning ticket, against random reinitialization and random pruning?
# - Which parts does global pruning take first: token or position embeddings, the
#   attention's query, key, value and output projections, the feed-forward layers?
# - How does it compare with the text CNN and the BiLSTM at the same number of remaining
#   weights?
# - Does late rewinding help, as [CFC20] and [YETM20] found?
#
# :::{admonition} Run this chapter
# - Quick (what this page trained, about three minutes): `make book CHAPTER=04b_transformer`
# - Full profile in the notebook (hours on a CPU; it resumes where it stopped and trains
#   the stored run, `results/transformer_imdb-*`):
#   `make chapter CHAPTER=04b_transformer OUT=runs/transformer-full.ipynb P="profile=full"`;
#   once started, the plan resumes it without the notebook:
#   `python -m lthkit.search.plan --run --only transformer_imdb transformer_imdb_late`
# :::

# %% tags=["parameters"]
profile = "quick"  # "smoke" (seconds), "quick" (minutes on a CPU) or "full"
backend = "jax"  # Keras backend: "jax" or "tensorflow"
seed = 0
replicates = None  # (None: quick 1, full 2)
rounds = None  # pruning rounds of 20 % of all prunable weights (None: quick 2, full 10)
training = None  # each round's training (None: quick "2ep", full "2ep")
late_rewind = "1ep"  # the late-rewinding run rewinds to the weights after this much training
d_model = 64  # width of the token representations
heads = 4  # attention heads, each d_model / heads wide
ff = 256  # feed-forward width
max_len = None  # tokens per review, the rest cut off (None: quick 64, full 128)
blocks = 2  # encoder blocks
dropout = 0.1
learning_rate = 5e-4  # Adam
show_stored_full = True  # show the full-profile run stored under results/

# %% tags=["hide-input"]
from lthkit import book

book.setup(profile, backend)

from IPython.display import Markdown, display

from lthkit import analysis, claims, plots, search
from lthkit.profiles import results_store

store = results_store(profile)
source = f"{profile} profile"
cfg = book.settings(profile, {
    "smoke": dict(replicates=1, rounds=2, training="10it", eval_every="5it", max_len=64),
    "quick": dict(replicates=1, rounds=2, training="2ep", eval_every="1ep", max_len=64),
    "full": dict(replicates=2, rounds=10, training="2ep", eval_every="1ep", max_len=128)},
    replicates=replicates, rounds=rounds, training=training, max_len=max_len)
# what the network is pruned by: global magnitude pruning, 20 % of the remaining weights
# per round, batches of 64 reviews padded to the same length (bucketing by length saves
# little here: 97 % of the quick reviews and 84 % of the full ones fill their 64 or 128
# tokens) and both controls
knobs = dict(name="transformer_imdb", seed=seed, replicates=cfg.replicates,
             rounds=cfg.rounds, training=cfg.training, eval_every=cfg.eval_every,
             learning_rate=learning_rate, batch_size=64, batching="shuffle",
             strategy="global", rates=0.2, controls=("reinit", "random"), test_curve=False)
# the parts of the network, by the names its layers get below (first match wins)
parts = {"token embedding": "^token_embedding/", "position embedding": "^position_embedding/",
         "attention query": "/query/", "attention key": "/key/", "attention value": "/value/",
         "attention output": "/attention_output/", "feed-forward": "^ff_", "classifier":
         "^classifier/"}

# %% [markdown]
# ## The answer, from the stored run
#
# The full profile: IMDb's 17,500 training reviews (the text CNN's split and 50,000-word
# vocabulary, 128 tokens), 10 rounds of global pruning, two replicates, the ticket against both
# controls; and the same network with late rewinding.

# %% tags=["hide-input"]
stored = search.stored_named("transformer_imdb") if show_stored_full else None
if stored is not None:
    book.show_result(stored, "Transformer on IMDb: ticket and controls", span=10.0)  # room for the ticket
    both, both_source, _ = claims.results_for("transformer_imdb", "full")  # with late rewinding
    ticket, late = "rewound to init · IMP ticket", "rewound to 1ep · IMP ticket"
    lines = [(ticket, "rewound to init · random reinit"), (ticket, "rewound to init · random "
             "pruning"), (late, ticket), (late, "rewound to init · random reinit")]
    names = {ticket: "the ticket", late: "the ticket rewound late (to 1 epoch)",
             "rewound to init · random reinit": "its random reinitialization",
             "rewound to init · random pruning": "random pruning"}
    display(Markdown("\n".join(
        f"- {book.gap_markdown(analysis.series_gap(both, a, b), a, b, names)}" for a, b in lines)))
    stored_parts = analysis.remaining_by_part(stored.store.layer_table(stored.exp), parts)
    display(book.label(plots.layer_sparsity(stored_parts, stored.source,
                                            title="Remaining weights per part"),
                       "full", stored.source))
    display(Markdown(book.parts_markdown(analysis.parts_at_level(stored_parts))))
    display(book.label(plots.by_sparsity(both, source=both_source, width=420, height=260,
                                         title="Late rewinding against the ticket"),
                       "full", both_source))
    display(analysis.level_table(both, by="series").style.format(precision=2, na_rep="—")
            .format("{:.1f}", subset=["% remaining"]))  # "—": a round still to train
    book.show_ledger(claims.ledger(both, claims.select("transformer_imdb"), results=both_source))
else:
    display(Markdown("No stored full-profile run of the Transformer yet: the quick run "
                     "below shows the method. The comparison with the text CNN and the "
                     "BiLSTM further down reads their stored runs."))

# %% [markdown]
# ## The network, in plain Keras
#
# The data first: the text CNN's IMDb (its splits, tokenizer and vocabulary) in this
# build's profile, each review cut at `max_len` tokens. Then a Transformer encoder
# as a reader would write it: token and learned position embeddings, `blocks` encoder
# blocks (multi-head self-attention and a feed-forward layer, each with a residual
# connection, dropout and layer normalization after it), the mean over the review's
# tokens, and a linear output. Nothing here is lthkit's.
#
# One thing needs care: **padding**. Reviews are padded with id 0 to a common length, so
# no real token may attend to a pad, nor may a pad enter the mean. Keras's implicit masks
# (`Embedding(mask_zero=True)`) do not carry through this network: in Keras 3.15 the
# output of `MultiHeadAttention` carries no mask when the model runs, and `Add` drops the
# mask when one of its inputs has none, so the second block would attend to the padding.
# The padding mask is therefore passed explicitly, to every attention layer and to the
# pooling; and pads take position 0, so a batch of any length has positions in range.
# (With `batching="bucket"`, which cuts each batch to its longest review, lthkit checks
# this before training and refuses a model whose outputs change with the padding.)

# %%
data = search.dataset_for(search.target("text_cnn/imdb", profile, max_len=cfg.max_len))
print(data.info.summary())
vocab_size, max_len = data.info.vocab_size, data.x_train.shape[1]

# %%
import keras
from keras import layers, ops

tokens = keras.Input((None,), dtype="int32", name="tokens")
real = ops.not_equal(tokens, 0)  # True for a review's tokens, False for padding
counts = ops.cast(real, "int32")
positions = ops.cumsum(counts, axis=1) * counts  # 1, 2, ... for tokens, 0 for padding
x = layers.Add()([
    layers.Embedding(vocab_size, d_model, name="token_embedding")(tokens),
    layers.Embedding(max_len + 1, d_model, name="position_embedding")(positions)])
for b in range(blocks):
    attended = layers.MultiHeadAttention(heads, d_model // heads, dropout=dropout,
                                         name=f"attention_{b}")(
        x, x, attention_mask=ops.expand_dims(real, 1))
    x = layers.LayerNormalization(name=f"attention_norm_{b}")(
        layers.Add()([x, layers.Dropout(dropout)(attended)]))
    h = layers.Dense(ff, activation="relu", name=f"ff_in_{b}")(x)
    h = layers.Dense(d_model, name=f"ff_out_{b}")(h)
    x = layers.LayerNormalization(name=f"ff_norm_{b}")(
        layers.Add()([x, layers.Dropout(dropout)(h)]))
pooled = layers.GlobalAveragePooling1D()(x, mask=real)
outputs = layers.Dense(data.num_classes, name="classifier")(pooled)
model = keras.Model(tokens, outputs, name="transformer_imdb")

# %% [markdown]
# ## Its masks, from `lthkit.masked`
#
# `lthkit.masked(model)` is a copy of the network with every layer lthkit can prune
# swapped for its masked twin (the embeddings, the four projections inside each
# attention layer, the dense layers) and the same outputs. Biases and layer normalization
# are never pruned. Where the weights are, part by part:

# %% tags=["hide-input"]
import lthkit
from lthkit.pruning import layer_shapes

masked_model = lthkit.masked(model)
sizes = analysis.layer_sizes(layer_shapes(masked_model))
display(sizes.style.format({"share (%)": "{:.1f}", "weights": "{:,}"}))

# %% [markdown]
# ## The ticket search, through the user-model path
#
# `search.experiment_for(model, data, ...)` keeps the network as its Keras config (so the
# run's hash covers the architecture) and every replicate rebuilds it with fresh weights
# from its seed. Two runs share the dense round: the ticket rewound to the initialization,
# with random reinitialization and random pruning as controls, and the ticket rewound late,
# to the weights after `late_rewind` of training.

# %% tags=["hide-input"]
runs = {"rewound to init": search.experiment_for(model, data, **knobs),
        f"rewound to {late_rewind}": search.experiment_for(
            model, data, **{**knobs, "name": "transformer_imdb_late", "rewind": late_rewind,
                             "controls": ()})}
display(Markdown(analysis.markdown_table(analysis.describe(runs["rewound to init"]))))
table = search.variants(runs, store)
display(book.label(plots.by_sparsity(table, source=source, width=420, height=260,
                                     title="Transformer on IMDb")))
display(analysis.level_table(table, by="series").style.format(precision=2, na_rep="—")
        .format("{:.1f}", subset=["% remaining"]))
display(book.label(plots.layer_sparsity(
    analysis.remaining_by_part(store.layer_table(runs["rewound to init"]), parts), source,
    title="Remaining weights per part")))
book.show_ledger(claims.ledger(table, claims.select("transformer_imdb"), results=source))

# %% [markdown]
# ## Against the text CNN and the BiLSTM, weight for weight
#
# The three networks differ in size (the text CNN has 5.1 million prunable weights, the
# Transformer's count is in the table above), so the same share of the weights is a
# different number of weights in each. Here each network's IMP ticket is drawn against the
# **number** of prunable weights it keeps, from the stored runs (and the Transformer's run
# shown above, once it is stored).

# %% tags=["hide-input"]
others = {"text CNN": search.stored(search.target("text_cnn/imdb", "full")),
          "BiLSTM (64 units)": search.stored(search.target("text_lstm/imdb", "full")),
          "BiLSTM (256 units)": search.stored(search.target("text_lstm/imdb/256", "full"))}
compared = {name: (run.table.query("branch == 'main'"), run.store.layers(run.exp))
            for name, run in others.items() if run is not None}
if stored is not None:
    compared["Transformer"] = (stored.table.query("branch == 'main'"),
                               stored.store.layers(stored.exp))
if compared:
    together = analysis.across_models(compared)
    display(book.label(plots.by_sparsity(together, x="weights_remaining", width=420,
                                         height=260, title="IMP tickets on IMDb",
                                         source="full profile, stored runs"),
                       "full", "stored runs"))
    if "Transformer" in compared:
        display(Markdown(book.equal_weights_markdown(
            analysis.at_equal_weights(together, "Transformer"))))
else:
    display(Markdown("No stored run of the text CNN or the BiLSTM here."))

# %% [markdown]
# :::{dropdown} Where this departs from [CFC20] and [YETM20], and what cannot be compared
# - **No pre-training.** [CFC20]'s tickets are subnetworks of BERT-base (110 million
#   weights, pre-trained on 3.3 billion words), rewound to the pre-trained weights; their
#   sparsities and accuracies on GLUE are not comparable with a 2-block encoder trained from
#   scratch on 17,500 reviews. What carries over is the design: IMP, global pruning of the
#   encoder's weights, both controls.
# - **Size and task.** [YETM20]'s Transformers translate (WMT'14, big and base models);
#   this one classifies reviews. Their finding that late rewinding matters is what this
#   chapter tests.
# - **Embeddings are pruned.** [CFC20] leaves BERT's embeddings dense; here the token and
#   position embeddings are pruned with everything else, as the text CNN's and the BiLSTM's
#   are, so that the comparison between the three is like for like.
# - **Size.** 2 blocks 64 wide with 4 heads and a feed-forward layer of 256 (BERT-base:
#   12 blocks 768 wide; [YETM20]'s base Transformer: 6 + 6 blocks 512 wide), in both
#   profiles. The stored run is 82 rounds, and a training step at 128 wide (50,000 words,
#   128 tokens) took 1.45 times as long as at 64 here (a dense round at 64 wide: 9.6
#   minutes, sharing the CPU with other training).
# - **Schedule.** Adam at 5e-4 without warm-up, 64 reviews per batch, a few epochs per
#   round with early stopping on the validation split; the text CNN's 50,000-word
#   vocabulary, with reviews cut at 128 tokens in the full profile (the text CNN reads
#   400), so that a round of two epochs fits the 20 minutes a stored round may take here.
# :::
#
# ## Things to try
#
# - A wider, deeper network:
#   `make chapter CHAPTER=04b_transformer OUT=runs/transformer-wide.ipynb P="d_model=128 blocks=4"`
# - Rewind later still, to the weights after two epochs:
#   `make chapter CHAPTER=04b_transformer OUT=runs/tf-late.ipynb P="late_rewind=2ep training=3ep"`
# - Your own network: build any Keras model, then `lthkit.search.experiment_for(model,
#   data, rounds=5)` and `lthkit.search.run_search(exp, "runs/mine", data=data)`.

# %%
book.provenance(datasets=[data.info])
