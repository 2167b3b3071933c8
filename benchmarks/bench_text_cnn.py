"""Kim's text CNN at [TXT]'s size on IMDb: seconds per training step and per epoch.

Printed side by side in one run (alternating repeats, medians):

1. One training step (batch 64, 400 tokens, Adam, binary cross-entropy) of
   - lthkit's masked text CNN (`lthkit.models.text_cnn`: masked layers, padding-aware pool),
   - the same network from plain Keras layers (GlobalMaxPooling1D),
   - a plain PyTorch text CNN of the same size (the framework [TXT] used), with the same
     number of threads. Targets: masked at most 1.05x plain Keras, not slower than PyTorch.
2. One epoch of IMDb's training split with every batch padded to 400 tokens (`shuffle`)
   against length-bucketed batches cut to their longest text (`bucket`): the fraction of
   token positions that are padding, and seconds per epoch (the steps of a whole epoch's
   batch widths, timed on a sample of them). Target: at least 1.5x faster.
3. With ``--accuracy``: both batchings trained in the quick profile's setting for two seeds,
   test accuracy side by side (bucketing must not change accuracy beyond seed noise).

    .venv/bin/python benchmarks/bench_text_cnn.py [--repeats 5] [--steps 20] [--accuracy]

PyTorch is optional (``.venv/bin/pip install torch==2.13.0``); without it that column says so.
"""
import argparse
import os
import statistics
import time

import lthkit  # noqa: F401  (JAX backend unless KERAS_BACKEND says otherwise)
import keras
import numpy as np
from _timing import Fixed, alternating_medians, keras_seconds_per_step, torch_step_timer

BATCH, MAX_LEN, VOCAB = 64, 400, 50_000


def imdb():
    from lthkit.data import load_dataset
    return load_dataset("imdb", vocab_size=VOCAB, max_len=MAX_LEN, validation=0.3, seed=0)


def plain_keras(vocab):
    inp = keras.Input((None,), dtype="int32")
    e = keras.layers.Embedding(vocab, 100, embeddings_initializer="glorot_normal")(inp)
    branches = [keras.layers.GlobalMaxPooling1D()(
        keras.layers.Conv1D(100, k, activation="relu", kernel_initializer="glorot_normal")(e))
        for k in (3, 4, 5)]
    x = keras.layers.Dropout(0.5)(keras.layers.Concatenate()(branches))
    return keras.Model(inp, keras.layers.Dense(1)(x))


def masked_keras(vocab):
    from lthkit.models import text_cnn
    return text_cnn(vocab_size=vocab, max_len=MAX_LEN)


def compiled(model):
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy(from_logits=True),
                  steps_per_execution=10)
    return model


def torch_runner(vocab, batches):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)

    class TextCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocab, 100)
            self.convs = torch.nn.ModuleList(torch.nn.Conv1d(100, 100, k) for k in (3, 4, 5))
            self.dropout = torch.nn.Dropout(0.5)
            self.out = torch.nn.Linear(300, 1)

        def forward(self, x):
            e = self.embedding(x).transpose(1, 2)
            pooled = [torch.relu(c(e)).amax(dim=2) for c in self.convs]
            return self.out(self.dropout(torch.cat(pooled, dim=1))).squeeze(1)

    return torch_step_timer(TextCNN(), batches, torch.nn.BCEWithLogitsLoss())


def step_times(ds, repeats, steps):
    rng = np.random.default_rng(0)
    vocab = len(ds.vocab)
    idx = rng.choice(len(ds.x_train), size=(steps, BATCH), replace=False)
    batches = [(ds.x_train[i], ds.y_train[i].astype("float32")) for i in idx]
    keras.utils.set_random_seed(0)
    runs = {"lthkit masked (Keras)": compiled(masked_keras(vocab)),
            "plain Keras": compiled(plain_keras(vocab))}
    for model in runs.values():
        keras_seconds_per_step(model, batches[:10])  # compile
    timers = {k: (lambda m=m: keras_seconds_per_step(m, batches)) for k, m in runs.items()}
    torch_run = torch_runner(vocab, batches)
    if torch_run is not None:
        timers["PyTorch"] = torch_run
    med = {k: v * 1000 for k, v in alternating_medians(timers, repeats).items()}
    print(f"\n1. one training step, batch {BATCH}, {MAX_LEN} tokens "
          f"(median of {repeats} x {steps} steps)")
    base = med["plain Keras"]
    for k, v in med.items():
        print(f"   {k:24s} {v:8.1f} ms/step   {v / base:5.2f}x plain Keras")
    if torch_run is None:
        print("   PyTorch                  not installed (pip install torch==2.13.0)")


def epoch_times(ds, repeats, steps):
    from lthkit.search.train import BatchStream, BucketStream, text_lengths
    vocab = len(ds.vocab)
    per_epoch = len(ds.x_train) // BATCH
    lengths = text_lengths(ds.x_train)
    streams = {"shuffle (padded to 400)": BatchStream(ds.x_train, ds.y_train, BATCH, 1000, 0,
                                                      per_epoch),
               "bucket (cut to longest)": BucketStream(ds.x_train, ds.y_train, BATCH, 1000, 0,
                                                       per_epoch, lengths)}
    keras.utils.set_random_seed(0)
    model = compiled(masked_keras(vocab))
    print(f"\n2. one epoch of IMDb training ({len(ds.x_train):,} reviews, {per_epoch} steps)")
    rng = np.random.default_rng(1)
    rows = {}
    for name, stream in streams.items():
        batches = [stream[i] for i in range(per_epoch)]
        tokens = sum(x.size for x, _ in batches)
        pad = sum(int(np.count_nonzero(x == 0)) for x, _ in batches)
        widths = np.array([x.shape[1] for x, _ in batches])
        # Time a sample of the epoch's batches (its mix of widths), scale to the epoch.
        sample = [batches[i] for i in rng.choice(per_epoch, size=steps, replace=False)]
        for w in sorted(set(x.shape[1] for x, _ in sample)):  # compile each width first
            keras_seconds_per_step(model, [b for b in sample if b[0].shape[1] == w][:1])
        rows[name] = dict(pad=pad / tokens, sample=sample, width=widths.mean(),
                          scale=widths.sum() / sum(x.shape[1] for x, _ in sample))
    times = {k: [] for k in rows}
    for _ in range(repeats):
        for name, row in rows.items():
            t = time.perf_counter()
            model.fit(Fixed(row["sample"]), epochs=1, verbose=0, shuffle=False)
            # the step time grows with the width: scale by the epoch's total width
            times[name].append((time.perf_counter() - t) * row["scale"])
    base = None
    for name, row in rows.items():
        sec = statistics.median(times[name])
        base = base or sec
        print(f"   {name:24s} padding {100 * row['pad']:5.1f} % of tokens, mean width "
              f"{row['width']:5.0f}, {sec:6.1f} s/epoch  ({base / sec:4.2f}x)")


def accuracy(seeds=(0, 1)):
    from lthkit.search import experiment, run_search
    from lthkit.store import ResultStore
    import tempfile
    print("\n3. test accuracy of the quick profile's dense text CNN (2 epochs, 4,000 reviews)")
    store = ResultStore(tempfile.mkdtemp())
    for batching in ("shuffle", "bucket"):
        accs, secs = [], []
        for seed in seeds:
            exp = experiment("text_cnn", "quick", rounds=0, replicates=1, seed=seed,
                             batching=batching, controls=())
            t = run_search(exp, store, quiet=True)
            accs.append(100 * float(t["test_accuracy"].iloc[0]))
            secs.append(float(t["train_seconds"].iloc[0]))
        print(f"   {batching:8s} test accuracy {', '.join(f'{a:.2f}' for a in accs)} % "
              f"(seeds {list(seeds)}), {np.mean(secs):.1f} s per round")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--accuracy", action="store_true")
    a = p.parse_args()
    print(f"backend {keras.backend.backend()}, {os.cpu_count()} CPU cores")
    ds = imdb()
    step_times(ds, a.repeats, a.steps)
    epoch_times(ds, a.repeats, a.steps * 2)
    if a.accuracy:
        accuracy()


if __name__ == "__main__":
    main()
