"""The 2-layer BiLSTM of [TXT]: seconds per training step, three implementations side by side.

One training step (batch 64, embedding 100, two bidirectional LSTM layers of `--units`,
dropout, a logit, Adam, binary cross-entropy) of
- lthkit's masked BiLSTM (`lthkit.models.text_lstm`: masked kernels, padding masked),
- the same network from plain Keras layers (`keras.layers.LSTM`, same backend),
- PyTorch's `nn.LSTM` (2 layers, bidirectional; the framework [TXT] used), same threads,
for each sequence length in `--lengths`, in alternating repeats in one process (medians).
Targets: masked at most 1.05x plain Keras, not slower than PyTorch.

    .venv/bin/python benchmarks/bench_text_lstm.py [--lengths 100 400] [--units 256]
"""
import argparse
import os

import lthkit  # noqa: F401
import keras
import numpy as np
from _timing import alternating_medians, keras_seconds_per_step, torch_step_timer

BATCH, VOCAB = 64, 25_002


def plain_keras(units):
    inp = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 100, mask_zero=True)(inp)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units))(x)
    x = keras.layers.Dropout(0.5)(x)
    return keras.Model(inp, keras.layers.Dense(1)(x))


def masked(units):
    from lthkit.models import text_lstm
    return text_lstm(vocab_size=VOCAB, units=units)


def keras_timer(model, batches):
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy(from_logits=True),
                  steps_per_execution=10)
    keras_seconds_per_step(model, batches[:2])  # compile
    return lambda: keras_seconds_per_step(model, batches)


def torch_timer(units, batches):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)

    class BiLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(VOCAB, 100, padding_idx=0)
            self.lstm = torch.nn.LSTM(100, units, num_layers=2, bidirectional=True,
                                      batch_first=True)
            self.dropout = torch.nn.Dropout(0.5)
            self.out = torch.nn.Linear(2 * units, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.embedding(x))
            return self.out(self.dropout(torch.cat([h[-2], h[-1]], dim=1))).squeeze(1)

    return torch_step_timer(BiLSTM(), batches, torch.nn.BCEWithLogitsLoss())


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lengths", type=int, nargs="+", default=[100, 400])
    p.add_argument("--units", type=int, default=256)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    print(f"backend {keras.backend.backend()}, {os.cpu_count()} CPU cores; batch {BATCH}, "
          f"2 bidirectional layers of {a.units} units, Adam; ms per training step "
          f"(median of {a.repeats} x {a.steps} steps)")
    rng = np.random.default_rng(0)
    for length in a.lengths:
        batches = [(rng.integers(2, VOCAB, (BATCH, length)).astype("int32"),
                    rng.integers(0, 2, BATCH).astype("float32")) for _ in range(a.steps)]
        keras.utils.set_random_seed(0)
        timers = {"lthkit masked LSTM": keras_timer(masked(a.units), batches),
                  "plain Keras LSTM": keras_timer(plain_keras(a.units), batches)}
        torch_run = torch_timer(a.units, batches)
        if torch_run:
            timers["PyTorch nn.LSTM"] = torch_run
        med = {k: 1000 * v for k, v in alternating_medians(timers, a.repeats).items()}
        base = med["plain Keras LSTM"]
        print(f"\n{length} tokens")
        for k, v in med.items():
            print(f"   {k:22s} {v:8.1f} ms   {v / base:5.2f}x plain Keras")


if __name__ == "__main__":
    main()
