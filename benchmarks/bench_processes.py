"""One training process or two side by side: which trains more steps per second in all?

Times the same training steps (the text CNN at [TXT]'s size on bucket-wide batches,
Lenet-300-100, or the BiLSTM on 100 tokens) in one process alone, then in two processes
started together, and prints the steps per second of each and in all. On a machine whose cores are really free, two
processes train about twice as many steps per second as one; on this book's 2-core
machine they did not (the two logical CPUs share one core's arithmetic), which is why
`python -m lthkit.search.plan` trains the stored runs one at a time.

    .venv/bin/python benchmarks/bench_processes.py [--model text_cnn|lenet] [--steps 60]

Run it on an otherwise idle machine (pause any training first: kill -STOP / -CONT).
"""
import argparse
import json
import os
import subprocess
import sys

WORKER = r"""
import json, sys, time
import lthkit, keras, numpy as np
from lthkit.models import build_model
from lthkit.search.train import loss_and_metric
model_name, steps = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
if model_name == "text_cnn":
    model = build_model("text_cnn", vocab_size=50_002, max_len=400)
    x = rng.integers(2, 50_002, (64 * steps, 240)).astype("int32")
    y = rng.integers(0, 2, (64 * steps, 1)).astype("float32")
elif model_name == "text_lstm":
    model = build_model("text_lstm", vocab_size=25_002, max_len=400)
    x = rng.integers(2, 25_002, (64 * steps, 100)).astype("int32")
    y = rng.integers(0, 2, (64 * steps, 1)).astype("float32")
else:
    model = build_model("lenet_300_100")
    x = rng.random((64 * steps, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 64 * steps)
loss, _ = loss_and_metric(model)
model.compile(keras.optimizers.Adam(1e-3), loss, steps_per_execution=10)
model.fit(x[:640], y[:640], batch_size=64, epochs=1, verbose=0)  # compile
print("ready", flush=True)
sys.stdin.readline()  # start together
t = time.perf_counter()
model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
print(json.dumps({"seconds": time.perf_counter() - t, "steps": steps}), flush=True)
"""


MODELS = ["text_cnn", "lenet", "text_lstm"]


def run(model, steps, n, env=None):
    """Steps per second of each of `n` processes training `model` together (`env`: extra
    environment variables for them)."""
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax"), **(env or {})}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, model, str(steps)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(n)]
    for p in procs:  # wait until every worker has compiled
        while (line := p.stdout.readline()).strip() != "ready":
            if not line:  # the worker died (e.g. XLA refused an option)
                raise RuntimeError(f"a worker exited with code {p.wait()} before training")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [json.loads(p.stdout.readline()) for p in procs]
    for p in procs:
        p.wait()
    return [r["steps"] / r["seconds"] for r in results]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=MODELS, default="text_cnn")
    p.add_argument("--steps", type=int, default=60)
    a = p.parse_args()
    print(f"{os.cpu_count()} CPU cores; {a.model}, batch 64, {a.steps} steps per process")
    one = run(a.model, a.steps, 1)
    two = run(a.model, a.steps, 2)
    print(f"   one process:           {one[0]:6.2f} steps/s")
    print(f"   two processes:         {two[0]:6.2f} + {two[1]:6.2f} = {sum(two):6.2f} steps/s")
    print(f"   two against one:       {sum(two) / one[0]:5.2f}x the steps per second in all")


if __name__ == "__main__":
    main()
