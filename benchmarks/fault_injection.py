"""Fault injection for the result store: kills at random moments, and damage to every kind
of stored file. Prints what it tried and what it found (no assertions; see the tests).

1. Kills: a small search on real MNIST runs in a subprocess that is SIGKILLed after a
   random delay, then resumed, N times over, until it finishes. The final store is compared
   file by file with an uninterrupted run: the same files, metrics (but timings), masks and
   weights.
2. Damage: for each kind of stored file and each way of damaging it (cut in half, garbage,
   and for masks a readable but wrong mask), a copy of the finished store is damaged and the
   search run again. Reported: whether the results table came out identical, whether the
   file was moved aside and named in a warning, and how many rounds had to be trained again.

    LTHKIT_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/fault_injection.py [--kills 8]
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

RUNNER = """
import sys
import lthkit
from lthkit.search import experiment, run_search
from lthkit.store import ResultStore
exp = experiment("lenet_300_100", "quick", hidden=[64, 32], n_train=3000, training="3000it",
                 eval_every="100it", rounds=4, replicates=2, controls=("reinit", "random"),
                 rewind="50it")
run_search(exp, ResultStore(sys.argv[1]), quiet=True)
"""
VOLATILE = ("finished", "train_seconds")
STARTUP = 8.0


def search(store_root):
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(store_root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def files(root):
    return sorted(p.relative_to(root) for p in Path(root).rglob("*")
                  if p.is_file() and ".locks" not in p.parts)


def compare(a, b):
    """Differences between two stores, as a list of strings (empty: identical)."""
    from lthkit._io import load_json, load_npz
    out = []
    fa, fb = files(a), files(b)
    if fa != fb:
        out.append(f"files differ: only in one: {sorted(set(fa) ^ set(fb))[:5]}")
    for rel in set(fa) & set(fb):
        if rel.suffix == ".npz":
            x, y = load_npz(Path(a) / rel), load_npz(Path(b) / rel)
            if x.keys() != y.keys() or any(not np.array_equal(x[k], y[k]) for k in x):
                out.append(f"{rel}: arrays differ")
        elif rel.name == "metrics.json":
            x, y = load_json(Path(a) / rel), load_json(Path(b) / rel)
            for k in VOLATILE:
                x.pop(k, None), y.pop(k, None)
            if x != y:
                out.append(f"{rel}: metrics differ")
    return out


def kills(reference, n, rng, seconds, rounds):
    print(f"\n1. {n} kills at random moments, each followed by a resume")
    root = Path(tempfile.mkdtemp()) / "killed"
    t0 = time.time()
    attempts = 0
    while True:
        proc = search(root)
        # Startup (imports, data, compiling) takes about STARTUP s; kill in the work left.
        left = (seconds - STARTUP) * (1 - len(list(root.rglob("metrics.json"))) / rounds)
        delay = STARTUP + rng.uniform(0.05, 0.9) * left if attempts < n else None
        try:
            proc.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            finished = False
        attempts += 1
        done = len(list(root.rglob("metrics.json")))
        print(f"   run {attempts}: {'finished' if finished else f'killed after {delay:4.1f} s'},"
              f" {done} rounds stored")
        if finished:
            break
    diffs = compare(reference, root)
    print(f"   {attempts - 1} kills, {time.time() - t0:.0f} s in all; final store vs an "
          f"uninterrupted run: {'IDENTICAL' if not diffs else 'DIFFERENT: ' + '; '.join(diffs)}")


def damage(path, how):
    data = path.read_bytes()
    if how == "cut in half":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(max(len(data), 64)))
    else:  # a readable, wrong mask: every weight kept
        from lthkit.store import load_masks, save_masks
        save_masks(path, {k: np.ones_like(m) for k, m in load_masks(path).items()})


def damages(reference):
    import lthkit  # noqa: F401
    from lthkit._io import LthkitWarning
    from lthkit.search import Trainer, experiment, run_search
    from lthkit.store import ResultStore
    exp = experiment("lenet_300_100", "quick", hidden=[64, 32], n_train=3000, training="3000it",
                     eval_every="100it", rounds=4, replicates=2, controls=("reinit", "random"),
                     rewind="50it")
    ref_store = ResultStore(reference)
    ref_table = ref_store.table(exp)
    targets = {
        "dense metrics.json": ref_store.metrics_path(exp, 1, "main", 0),
        "main metrics.json": ref_store.metrics_path(exp, 0, "main", 2),
        "control metrics.json": ref_store.metrics_path(exp, 1, "reinit", 3),
        "main mask.npz": ref_store.mask_path(exp, 0, "main", 2),
        "random mask.npz": ref_store.mask_path(exp, 1, "random", 2),
        "init.npz": ref_store.weights_path(exp, 0, "init"),
        "trained.npz": ref_store.weights_path(exp, 1, "trained"),
        "at-50it.npz (rewind)": ref_store.weights_path(exp, 0, "at-50it"),
        "digests.json": ref_store.dense_replicate_dir(exp, 0) / "digests.json",
        "experiment.json": ref_store.experiment_dir(exp) / "experiment.json",
        "dense.json": ref_store.dense_dir(exp) / "dense.json",
    }
    print("\n2. damage to each kind of file, then the search run again")
    print(f"   {'file':24s} {'damage':12s} {'table':10s} {'moved aside':12s} "
          f"{'named':6s} {'retrained':9s}")
    trained, original = [], Trainer.train

    def counting(self, *a, **k):
        trained.append(1)
        return original(self, *a, **k)
    Trainer.train = counting
    for label, target in targets.items():
        for how in ("cut in half", "garbage") + (("wrong mask",) if "mask" in label else ()):
            root = Path(tempfile.mkdtemp()) / "store"
            shutil.copytree(reference, root)
            path = root / target.relative_to(reference)
            damage(path, how)
            trained.clear()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    table = run_search(exp, ResultStore(root), quiet=True)
                    same = "identical" if table[COLS].equals(ref_table[COLS]) else "DIFFERENT"
                except Exception as err:  # reported, not raised: this script surveys
                    same = f"ERROR {type(err).__name__}: {err}"[:60]
            moved = bool(list(path.parent.glob(path.name + ".damaged-*")))
            named = any(str(path) in str(w.message) for w in caught
                        if issubclass(w.category, LthkitWarning))
            print(f"   {label:24s} {how:12s} {same:10s} {'yes' if moved else 'no':12s} "
                  f"{'yes' if named else 'no':6s} {len(trained):9d}")
    Trainer.train = original


COLS = ["branch", "replicate", "round", "test_accuracy", "early_stop_test_accuracy",
        "early_stop_iteration", "remaining_fraction"]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kills", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = random.Random(a.seed)
    reference = Path(tempfile.mkdtemp()) / "reference"
    t0 = time.time()
    assert search(reference).wait() == 0
    seconds = time.time() - t0
    rounds = len(list(reference.rglob("metrics.json")))
    print(f"reference: an uninterrupted search, {rounds} rounds in {time.time() - t0:.0f} s "
          f"(Lenet 64-32 on 3,000 MNIST images, 3,000 iterations a round, 4 rounds, 2 replicates, reinit + random, "
          "rewind to 50 iterations)")
    kills(reference, a.kills, rng, seconds, rounds)
    damages(reference)


if __name__ == "__main__":
    main()
