"""The result store: one folder per experiment / replicate / branch / round.

    <root>/<name>-<hash>/experiment.json          the full configuration
    <root>/<name>-<hash>/replicate-0/init.npz      weights at initialization
    <root>/<name>-<hash>/replicate-0/rewind.npz    weights the tickets rewind to (k > 0)
    <root>/<name>-<hash>/replicate-0/main/round-03/mask.npz      the mask trained in round 3
    <root>/<name>-<hash>/replicate-0/main/round-03/metrics.json  its metrics (written last)
    .../replicate-0/reinit/round-03/...   random reinitialization control
    .../replicate-0/random/round-03/...   random pruning control

Every file is written to a temporary name and renamed into place, so a run killed at any
moment leaves either the old state or the new one; `metrics.json` marks a round finished.
Masks and weights are .npz (numpy, no pickle); metrics are JSON. Nothing is pickled.
"""
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from lthkit.store.identity import experiment_hash

BRANCHES = ("main", "reinit", "random")


def _atomic(path, write):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_json(path, obj):
    _atomic(path, lambda f: f.write(json.dumps(obj, indent=1, sort_keys=True).encode()))


def load_json(path):
    return json.loads(Path(path).read_text())


def save_arrays(path, arrays):
    _atomic(path, lambda f: np.savez_compressed(f, **arrays))


def load_arrays(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


class ResultStore:
    """Where experiments live on disk. `root` is created on first write."""

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"ResultStore({str(self.root)!r})"

    def experiment_dir(self, exp):
        label = exp.name or exp.model.name
        return self.root / f"{label}-{experiment_hash(exp)}"

    def register(self, exp):
        """Write experiment.json (once) and return the experiment's folder."""
        folder = self.experiment_dir(exp)
        path = folder / "experiment.json"
        if not path.exists():
            save_json(path, {"hash": experiment_hash(exp), "experiment": exp.to_dict()})
        return folder

    def replicate_dir(self, exp, replicate):
        return self.experiment_dir(exp) / f"replicate-{replicate}"

    def round_dir(self, exp, replicate, branch, round_):
        return self.replicate_dir(exp, replicate) / branch / f"round-{round_:02d}"

    def done(self, exp, replicate, branch, round_):
        return (self.round_dir(exp, replicate, branch, round_) / "metrics.json").exists()

    def branch_rounds(self, exp, branch):
        """The (replicate, round) pairs an experiment's settings ask of one branch."""
        first = 0 if branch == "main" else 1
        return [(rep, r) for rep in range(exp.search.replicates)
                for r in range(first, exp.search.rounds + 1)]

    def missing(self, exp):
        """(replicate, branch, round) still to train for `exp` as configured."""
        branches = ("main",) + tuple(exp.search.controls)
        return [(rep, b, r) for b in branches for rep, r in self.branch_rounds(exp, b)
                if not self.done(exp, rep, b, r)]

    def complete(self, exp):
        return not self.missing(exp)

    # -- loading --------------------------------------------------------------------------
    def _metrics_files(self, exp):
        folder = self.experiment_dir(exp)
        return sorted(folder.glob("replicate-*/*/round-*/metrics.json"))

    def load_metrics(self, exp):
        """The stored metrics of the rounds `exp` asks for (its replicates, rounds and
        branches); a store may hold more, e.g. from a longer run of the same experiment."""
        branches = ("main",) + tuple(exp.search.controls)
        out = []
        for path in self._metrics_files(exp):
            m = load_json(path)
            if (m["branch"] in branches and m["replicate"] < exp.search.replicates
                    and m["round"] <= exp.search.rounds):
                out.append(m)
        return out

    def table(self, exp):
        """One row per (replicate, branch, round): the tidy table the plots use."""
        rows = []
        for m in self.load_metrics(exp):
            row = {k: v for k, v in m.items() if not isinstance(v, (dict, list))}
            rows.append(row)
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        df["percent_remaining"] = 100.0 * df["remaining_fraction"]
        df["experiment"] = experiment_hash(exp)
        return df.sort_values(["branch", "replicate", "round"]).reset_index(drop=True)

    def layers(self, exp):
        """Remaining weights per layer: one row per (replicate, branch, round, layer)."""
        rows = []
        for m in self.load_metrics(exp):
            for layer, count in m["remaining"].items():
                rows.append({"replicate": m["replicate"], "branch": m["branch"],
                             "round": m["round"], "layer": layer, "remaining": count,
                             "size": m["sizes"][layer],
                             "fraction": count / max(m["sizes"][layer], 1)})
        return pd.DataFrame(rows)

    def curves(self, exp):
        """Training curves: one row per (replicate, branch, round, iteration)."""
        frames = []
        for m in self.load_metrics(exp):
            c = pd.DataFrame(m["curves"])
            c["replicate"], c["branch"], c["round"] = m["replicate"], m["branch"], m["round"]
            c["percent_remaining"] = 100.0 * m["remaining_fraction"]
            frames.append(c)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
