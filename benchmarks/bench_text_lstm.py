"""The 2-layer BiLSTM of [TXT]: seconds per training step, three implementations side by side.

One training step (batch 64, embedding 100, two bidirectional LSTM layers of `--units`,
dropout, a logit, Adam, binary cross-entropy) of
- lthkit's masked BiLSTM (`lthkit.models.text_lstm`: masked kernels, padding masked),
- the same network from plain Keras layers (`keras.layers.LSTM`, same backend),
- PyTorch's `nn.LSTM` (2 layers, bidirectional; the framework [TXT] used), same threads,
for each sequence length in `--lengths`, in alternating repeats in one process (medians).
Targets: masked at most 1.05x plain Keras, not slower than PyTorch.

`--parts` says where one LSTM direction's time goes on the JAX backend: the recurrent
matrix product alone (JAX against PyTorch, in GFLOP/s), and a forward scan over the
sequence with the whole cell, with its matrix products only and with its gate arithmetic
only (sigmoids, tanh, the cell update).

    .venv/bin/python benchmarks/bench_text_lstm.py [--lengths 100 400] [--units 256]
    .venv/bin/python benchmarks/bench_text_lstm.py --parts [--lengths 100] [--units 256 64]
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


def parts(length, units, repeats, embed=100):
    """ms of one direction's forward scan: whole cell, products only, gate math only; and
    GFLOP/s of 100 chained recurrent products (batch x units @ units x 4 units)."""
    import time

    import jax
    import jax.numpy as jnp
    rng = np.random.default_rng(0)
    xs = jnp.asarray(rng.normal(size=(length, BATCH, embed)).astype("float32"))
    W = jnp.asarray(0.05 * rng.normal(size=(embed, 4 * units)).astype("float32"))
    R = jnp.asarray(0.05 * rng.normal(size=(units, 4 * units)).astype("float32"))
    h0 = jnp.zeros((BATCH, units))

    def scan(kind):
        def step(carry, x):
            h, c = carry
            if kind == "gate math only":  # no products: h stands in for them
                z = jnp.concatenate([x[:, :units], h, h, h], -1) if embed >= units else \
                    jnp.tile(h, 4) + x.sum(-1, keepdims=True)
            else:
                z = x @ W + h @ R
            if kind == "products only":
                return (z[:, :units], c), z[:, :units]
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h
        return jax.jit(lambda xs: jnp.sum(jax.lax.scan(step, (h0, h0), xs)[1]))

    def chained(x, r):
        return jax.lax.fori_loop(0, 100, lambda i, a: a + (x + 1e-9 * a[:, :units]) @ r,
                                 jnp.zeros((BATCH, 4 * units)))
    def with_backward(xs, W, R):
        def step(carry, x):
            h, c = carry
            i, f, g, o = jnp.split(x @ W + h @ R, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h
        return jnp.sum(jax.lax.scan(step, (h0, h0), xs)[1])

    h = jnp.asarray(rng.normal(size=(BATCH, units)).astype("float32"))
    timers = {k: scan(k) for k in ("whole cell", "products only", "gate math only")}
    timers["JAX product"] = jax.jit(chained)
    timers["JAX fwd+bwd"] = jax.jit(jax.grad(with_backward, argnums=(0, 1, 2)))
    args = {"JAX product": (h, R), "JAX fwd+bwd": (xs, W, R)}
    runs = {k: (lambda f=f, k=k: jax.block_until_ready(f(*args.get(k, (xs,)))))
            for k, f in timers.items()}
    try:
        import torch
        torch.set_num_threads(os.cpu_count())
        th, tr = torch.from_numpy(np.array(h)), torch.from_numpy(np.array(R))
        lstm = torch.nn.LSTM(embed, units)
        tx = torch.from_numpy(np.array(xs))

        def torch_chained():
            a = torch.zeros(BATCH, 4 * units)
            for _ in range(100):
                a = a + (th + 1e-9 * a[:, :units]) @ tr
            return a

        def torch_forward():
            with torch.no_grad():
                return lstm(tx)[0].sum()

        def torch_backward():
            lstm(tx)[0].sum().backward()
        runs.update({"PyTorch product": torch_chained, "PyTorch forward": torch_forward,
                     "PyTorch fwd+bwd": torch_backward})
    except ImportError:
        pass
    times = {k: [] for k in runs}
    for k, run in runs.items():
        run()  # compile / warm up
    for _ in range(repeats):
        for k, run in runs.items():
            t = time.perf_counter()
            run()
            times[k].append(time.perf_counter() - t)
    med = {k: float(np.median(v)) for k, v in times.items()}
    flops = 2 * BATCH * units * 4 * units * 100
    print(f"\none direction, {length} tokens, {units} units, batch {BATCH}, forward scan:")
    for k in ("whole cell", "products only", "gate math only", "PyTorch forward"):
        if k in med:
            print(f"   {k:16s} {1000 * med[k]:8.1f} ms")
    print("forward and backward (gradients of inputs and kernels):")
    for k in ("JAX fwd+bwd", "PyTorch fwd+bwd"):
        if k in med:
            print(f"   {k:16s} {1000 * med[k]:8.1f} ms")
    for k in ("JAX product", "PyTorch product"):
        if k in med:
            print(f"   {k:16s} {flops / med[k] / 1e9:8.1f} GFLOP/s (recurrent product, 100 chained)")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lengths", type=int, nargs="+", default=[100, 400])
    p.add_argument("--units", type=int, nargs="+", default=[256])
    p.add_argument("--parts", action="store_true",
                   help="where one direction's time goes (JAX backend)")
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    if a.parts:
        for units in a.units:
            for length in a.lengths:
                parts(length, units, max(a.repeats, 5))
        return
    a.units = a.units[0]
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
