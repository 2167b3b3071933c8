"""Iterative magnitude pruning: throughput, the wall time of one round, and memory per round.

Prints figures, asserts nothing:
1. masked vs unmasked training throughput for Lenet-300-100 and Conv-6 (same backend, one
   process; see bench_masked_layers.py for the method);
2. the wall time of one IMP round of Lenet-300-100 on MNIST (train, evaluate every 100
   iterations, prune, save), for `--iterations` iterations;
3. the resident memory (RSS) of the process after each of `--rounds` rounds of one search:
   it must stay flat (the thesis's framework filled memory round by round).

    python benchmarks/bench_imp.py [--iterations 2000] [--rounds 20] [--skip-throughput]
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))

import psutil  # noqa: E402

from lthkit.search import TicketSearch, load_data, profile_experiment  # noqa: E402
from lthkit.store import ResultStore  # noqa: E402


class MeasuredSearch(TicketSearch):
    """Prints the RSS and wall time after every finished round."""

    def _finish(self, rd, metrics, masks, rep, r, branch, **kw):
        super()._finish(rd, metrics, masks, rep, r, branch, **kw)
        rss = psutil.Process().memory_info().rss / 2**20
        self.rss.append(rss)
        print(f"  round {r:2d} {branch:6s} remaining {100 * masks_fraction(masks):6.2f} %  "
              f"train {metrics['train_seconds']:6.2f} s  round wall "
              f"{time.perf_counter() - self.t0:6.2f} s  RSS {rss:7.1f} MiB", flush=True)
        self.t0 = time.perf_counter()


def masks_fraction(masks):
    total = sum(m.size for m in masks.values())
    return sum(int(m.sum()) for m in masks.values()) / total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--skip-throughput", action="store_true")
    a = p.parse_args()
    import keras
    print(f"backend={keras.backend.backend()} cpus={os.cpu_count()}")
    if not a.skip_throughput:
        print("1. masked vs unmasked training throughput")
        import bench_masked_layers
        sys.argv = [sys.argv[0], "--only", "lenet", "conv6", "--repeats", "5"]
        bench_masked_layers.main()
    exp = profile_experiment("lenet_300_100", "full", search={
        "rounds": a.rounds, "replicates": 1, "controls": ()},
        train={"iterations": a.iterations, "eval_every": 100})
    data = load_data(exp)
    with tempfile.TemporaryDirectory() as tmp:
        search = MeasuredSearch(exp, ResultStore(tmp), data=data, quiet=True)
        search.rss, search.t0 = [], time.perf_counter()
        print(f"2./3. Lenet-300-100 on all of MNIST, {a.iterations} iterations per round, "
              f"{a.rounds} rounds")
        start = time.perf_counter()
        search.run()
        total = time.perf_counter() - start
    rss = search.rss
    print(f"wall time per round: {total / len(rss):.2f} s on average "
          f"({a.iterations / (total / len(rss)):.0f} iterations/s including evaluation)")
    print(f"RSS after round 1: {rss[1]:.1f} MiB, after the last: {rss[-1]:.1f} MiB, "
          f"growth from round 1 to the last: {rss[-1] - rss[1]:+.1f} MiB "
          f"({(rss[-1] - rss[1]) / max(len(rss) - 2, 1):+.2f} MiB per round)")


if __name__ == "__main__":
    main()
