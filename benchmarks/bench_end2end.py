"""The 20 Newsgroups End2End network [UNV20 after PVD18]: what each size costs here.

For each embedding width (300 is the thesis's: 16 tables of 61,188 x 300 = 293.7 M weights),
one process per size measures: the parameter count, the peak resident memory after building,
compiling and training, and the median seconds per training step (batch 60, 200 tokens, Adam);
then the seconds per round (10 epochs of the 10,183 training posts) it implies, and the hours
of a stored run of `--rounds` rounds with the reinitialization control.

    .venv/bin/python benchmarks/bench_end2end.py [--dims 300 100 50 25] [--steps 8]
"""
import argparse
import json
import os
import subprocess
import sys

CHILD = """
import json, resource, statistics, sys, time
import numpy as np
import lthkit, keras
from lthkit.models import end2end
dim, steps = int(sys.argv[1]), int(sys.argv[2])
keras.utils.set_random_seed(0)
model = end2end(vocab_size=61_190, max_len=200, embed_dim=dim)
model.compile(keras.optimizers.Adam(1e-3),
              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
x = rng.integers(2, 61_190, (steps + 2, 60, 200)).astype("int32")
y = rng.integers(0, 20, (steps + 2, 60))
model.train_on_batch(x[0], y[0])  # compile
times = []
for i in range(1, steps + 1):
    t = time.perf_counter()
    model.train_on_batch(x[i], y[i])
    times.append(time.perf_counter() - t)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
print(json.dumps({"dim": dim, "params": model.count_params(), "peak_gib": peak,
                  "step_s": statistics.median(times)}))
"""


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dims", type=int, nargs="+", default=[300, 100, 50, 25])
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--rounds", type=int, default=10)
    a = p.parse_args()
    steps_per_round = 10 * (10_183 // 60)
    print(f"End2End, batch 60, 200 tokens, {steps_per_round} steps per 10-epoch round; "
          f"{os.cpu_count()} CPU cores")
    print(f"{'embed dim':>9s} {'parameters':>12s} {'peak RSS':>9s} {'s/step':>7s} "
          f"{'min/round':>9s} {'hours, main + reinit':>21s}")
    for dim in a.dims:
        out = subprocess.run([sys.executable, "-c", CHILD, str(dim), str(a.steps)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{dim:9d} failed: {out.stderr.strip().splitlines()[-1][:80]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        minutes = r["step_s"] * steps_per_round / 60
        hours = minutes * (2 * a.rounds + 1) / 60
        print(f"{dim:9d} {r['params']:12,d} {r['peak_gib']:7.1f} GiB {r['step_s']:7.2f} "
              f"{minutes:9.1f} {hours:21.1f}", flush=True)


if __name__ == "__main__":
    main()
