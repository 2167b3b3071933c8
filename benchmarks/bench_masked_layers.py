"""Time overhead of lthkit's masked layers against the same unmasked Keras layers.

Prints, per model, the median seconds per training step (Keras fit, same backend, same
data, same compiled steps_per_execution) for the masked and the plain model, measured in
alternating repeats in one process, and the overhead in percent. Target: at most 5 %.

    python benchmarks/bench_masked_layers.py [--steps 300] [--repeats 5] [--only lenet conv6]
"""
import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from lthkit.layers import (MaskedConv1D, MaskedConv2D, MaskedDense, MaskedEmbedding,  # noqa
                           MaskedLSTM)

PLAIN = {"dense": keras.layers.Dense, "conv2d": keras.layers.Conv2D,
         "conv1d": keras.layers.Conv1D, "embedding": keras.layers.Embedding,
         "lstm": keras.layers.LSTM}
MASKED = {"dense": MaskedDense, "conv2d": MaskedConv2D, "conv1d": MaskedConv1D,
          "embedding": MaskedEmbedding, "lstm": MaskedLSTM}


def lenet(L):
    x = inp = keras.Input((784,))
    x = L["dense"](300, activation="relu")(x)
    x = L["dense"](100, activation="relu")(x)
    return keras.Model(inp, L["dense"](10)(x)), (784,), "float32", 10, 60


def conv6(L):
    x = inp = keras.Input((32, 32, 3))
    for f in (64, 128, 256):
        x = L["conv2d"](f, 3, padding="same", activation="relu")(x)
        x = L["conv2d"](f, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = L["dense"](256, activation="relu")(x)
    x = L["dense"](256, activation="relu")(x)
    return keras.Model(inp, L["dense"](10)(x)), (32, 32, 3), "float32", 10, 60


def text_cnn(L):
    inp = keras.Input((400,), dtype="int32")
    e = L["embedding"](50_002, 100)(inp)
    branches = [keras.layers.GlobalMaxPooling1D()(L["conv1d"](100, k, activation="relu")(e))
                for k in (3, 4, 5)]
    x = keras.layers.Concatenate()(branches)
    return keras.Model(inp, L["dense"](2)(x)), (400,), "int32", 2, 64


def text_lstm(L):
    inp = keras.Input((100,), dtype="int32")
    x = L["embedding"](25_002, 100)(inp)
    x = keras.layers.Bidirectional(L["lstm"](64, return_sequences=True))(x)
    x = keras.layers.Bidirectional(L["lstm"](64))(x)
    return keras.Model(inp, L["dense"](2)(x)), (100,), "int32", 2, 64


MODELS = {"lenet": lenet, "conv6": conv6, "text_cnn": text_cnn, "text_lstm": text_lstm}


def make(builder, layers, steps):
    keras.utils.set_random_seed(0)
    model, shape, dtype, classes, batch = builder(layers)
    if layers is not PLAIN and builder is text_lstm:
        pass  # MaskedLSTM runs the generic loop; compare it with the same loop below
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=10)
    rng = np.random.default_rng(0)
    n = steps * batch
    x = (rng.integers(0, 1000, (n,) + shape) if dtype == "int32"
         else rng.random((n,) + shape)).astype(dtype)
    y = rng.integers(0, classes, n)
    model.fit(x[:20 * batch], y[:20 * batch], batch_size=batch, epochs=1, verbose=0)  # compile
    return model, x, y, batch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--only", nargs="*", default=list(MODELS))
    a = p.parse_args()
    print(f"backend={keras.backend.backend()} steps={a.steps} repeats={a.repeats} "
          f"cpus={os.cpu_count()}")
    print(f"{'model':10s} {'plain ms/step':>14s} {'masked ms/step':>15s} {'overhead':>9s}")
    for name in a.only:
        builder = MODELS[name]
        steps = a.steps if name in ("lenet",) else max(a.steps // 10, 20)
        plain_layers = dict(PLAIN)
        if name == "text_lstm":  # same recurrent loop as MaskedLSTM (no fused kernel)
            plain_layers["lstm"] = lambda *args, **kw: keras.layers.LSTM(*args, use_cudnn=False,
                                                                         **kw)
        runs = {"plain": make(builder, plain_layers, steps), "masked": make(builder, MASKED, steps)}
        times = {k: [] for k in runs}
        for _ in range(a.repeats):
            for k, (model, x, y, batch) in runs.items():
                t = time.perf_counter()
                model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
                times[k].append((time.perf_counter() - t) / steps * 1000)
        plain, masked = statistics.median(times["plain"]), statistics.median(times["masked"])
        print(f"{name:10s} {plain:14.3f} {masked:15.3f} {100 * (masked / plain - 1):+8.1f}%",
              flush=True)


if __name__ == "__main__":
    main()
