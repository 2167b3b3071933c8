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
from _timing import TorchProcess, alternating_medians, keras_seconds_per_step, torch_python

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


def step_flops(length, units, embed=100, layers=2):
    """Multiply-adds x 2 of one training step's LSTM products: forward, then the input's and
    the kernels' gradients (twice the forward)."""
    dims = [embed] + [2 * units] * (layers - 1)
    forward = sum(2 * length * BATCH * (d + units) * 4 * units * 2 for d in dims)
    return 3 * forward


def jax_peak():
    """GFLOP/s of a large fp32 matrix product on this backend (the best of 5)."""
    import time
    a, b = keras.ops.ones((6400, 512)), keras.ops.full((512, 1024), 1e-3)
    if keras.backend.backend() == "jax":
        import jax
        jitted = jax.jit(lambda a, b: a @ b)

        def product(a, b):
            return jax.block_until_ready(jitted(a, b))
    else:
        product = keras.ops.matmul
    best = float("inf")
    for _ in range(6):
        t = time.perf_counter()
        product(a, b)
        best = min(best, time.perf_counter() - t)
    return 2 * 6400 * 512 * 1024 / best / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lengths", type=int, nargs="+", default=[100, 400])
    p.add_argument("--units", type=int, nargs="+", default=[256])
    p.add_argument("--parts", action="store_true",
                   help="where one direction's time goes (JAX backend)")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--bf16", action="store_true",
                   help="also time PyTorch under bf16 autocast (for reference)")
    p.add_argument("--no-plain", action="store_true", help="leave out plain Keras")
    a = p.parse_args()
    if a.parts:
        for units in a.units:
            for length in a.lengths:
                parts(length, units, max(a.repeats, 5))
        return
    units = a.units[0]
    python = torch_python()
    print(f"backend {keras.backend.backend()}, {os.cpu_count()} CPU cores, load average "
          f"{os.getloadavg()[0]:.2f}; batch {BATCH}, 2 bidirectional layers of {units} units, "
          f"Adam; ms per training step (median of {a.repeats} alternating repeats of "
          f"{a.steps} steps)")
    rng = np.random.default_rng(0)
    peaks = {"JAX" if keras.backend.backend() == "jax" else keras.backend.backend(): jax_peak()}
    for length in a.lengths:
        batches = [(rng.integers(2, VOCAB, (BATCH, length)).astype("int32"),
                    rng.integers(0, 2, BATCH).astype("float32")) for _ in range(a.steps)]
        keras.utils.set_random_seed(0)
        timers = {"lthkit masked LSTM": keras_timer(masked(units), batches)}
        if not a.no_plain:
            timers["plain Keras LSTM"] = keras_timer(plain_keras(units), batches)
        workers = []
        if python:
            for bf16 in (False, True) if a.bf16 else (False,):
                worker = TorchProcess(python, "bilstm", {"vocab": VOCAB, "units": units},
                                      batches, bf16=bf16)
                workers.append(worker)
                timers[f"PyTorch {worker.version} " + ("bf16" if bf16 else "fp32")] = worker.step
            peaks["PyTorch"] = workers[0].peak()
        try:
            med = {k: 1000 * v for k, v in alternating_medians(timers, a.repeats).items()}
        finally:
            for worker in workers:
                worker.close()
        flops = step_flops(length, units)
        torch_ms = next((v for k, v in med.items() if k.endswith("fp32")), None)
        print(f"\n{length} tokens: {flops / 1e9:.1f} GFLOP of LSTM products per step")
        for k, v in med.items():
            rate = flops / v / 1e6
            peak = peaks["PyTorch" if k.startswith("PyTorch") else next(iter(peaks))]
            line = (f"   {k:24s} {v:8.1f} ms  {rate:6.1f} GFLOP/s ({rate / peak:4.0%} of "
                    f"{peak:.0f}, the measured peak)")
            if torch_ms and not k.startswith("PyTorch"):
                line += f"  {v / torch_ms:5.2f}x PyTorch fp32"
            if "plain Keras LSTM" in med and k == "lthkit masked LSTM":
                line += f"  {v / med['plain Keras LSTM']:5.2f}x plain Keras"
            print(line)
        if not python:
            print("   PyTorch: not found (make torch-venv, or set LTHKIT_TORCH_PYTHON)")


if __name__ == "__main__":
    main()
