"""Seconds per Lenet-300-100 epoch (55,000 samples, batch 60, plain Keras fit) per backend.

Run once per backend, each in a fresh process, e.g.:
    for b in jax tensorflow; do KERAS_BACKEND=$b python benchmarks/bench_backends.py; done
"""
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

rng = np.random.default_rng(0)
x = rng.random((55_000, 784)).astype("float32")
y = rng.integers(0, 10, 55_000)
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, activation="relu"),
                          keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10)])
model.compile(keras.optimizers.Adam(1.2e-3),
              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x[:6000], y[:6000], batch_size=60, epochs=1, verbose=0)  # compile
times = []
for _ in range(3):
    t = time.perf_counter()
    model.fit(x, y, batch_size=60, epochs=1, verbose=0)
    times.append(time.perf_counter() - t)
print(f"{keras.backend.backend()}: {statistics.median(times):.2f} s per epoch "
      f"(median of 3; {os.cpu_count()} cpus)")
