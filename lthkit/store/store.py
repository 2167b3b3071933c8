"""The result store: what a ticket search has done, on disk, resumable and checkable.

Layout (format 2)::

    <root>/dense-<model>-<dense hash>/            round 0, shared by every experiment that
        dense.json                                trains the same dense network
        replicate-0/metrics.json                  round 0's metrics                  [committed]
        replicate-0/digests.json                  sha256 of the weights below (and any
                                                  adopted on another machine) [committed]
        replicate-0/init.npz                      initial weights       (local; rebuilt from the seed)
        replicate-0/trained.npz                   weights after round 0 (local; rebuilt by training)
        replicate-0/at-500it.npz                  weights after 500 iterations (rewind points)
    <root>/<name>-<hash>/experiment.json          the configuration, layer shapes, data info
        replicate-0/main/round-01/mask.npz        the mask round 1 trains (packed bits) [committed]
        replicate-0/main/round-01/metrics.json    its metrics, written last: round done [committed]
        replicate-0/random/round-01/mask.npz      a control's own mask (random pruning)
        replicate-0/reinit/round-01/metrics.json  a control that trains the ticket's mask

The committed files are enough to resume a run on another machine: weights are rebuilt
(from the seed, or by training round 0 again) and checked against their digests.

Every file is written atomically (``lthkit._io``). Reading checks what it reads: a file that
is damaged (cut off, garbage) or wrong (a mask of the wrong shape, count or nesting, or not
the mask its round recorded) is moved aside with a warning naming it, and the search then
redoes only what depends on it. Nothing is pickled.
"""
from pathlib import Path

import numpy as np
import pandas as pd

from lthkit import _io
from lthkit._errors import LthkitError
from lthkit.store.identity import (FORMAT, dense_hash, dense_identity, experiment_hash)
from lthkit.store.masks import check_masks, load_masks, masks_digest

MAIN = "main"
ROUND_CHECKPOINT = "partial-round.npz"  # a round in training: its state between evaluations


def _round_name(r):
    return f"round-{r:02d}"


class ResultStore:
    """Where experiments live on disk. `root` is created on first write."""

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"ResultStore({str(self.root)!r})"

    # -- paths ----------------------------------------------------------------------------
    def experiment_dir(self, exp):
        return self.root / f"{exp.label}-{experiment_hash(exp)}"

    def dense_dir(self, exp):
        return self.root / f"dense-{exp.model.name}-{dense_hash(exp)}"

    def replicate_dir(self, exp, replicate):
        return self.experiment_dir(exp) / f"replicate-{replicate}"

    def dense_replicate_dir(self, exp, replicate):
        return self.dense_dir(exp) / f"replicate-{replicate}"

    def round_dir(self, exp, replicate, branch, round_):
        if round_ == 0:
            if branch != MAIN:
                raise LthkitError(f"round 0 is the dense network: it has no {branch!r} branch")
            return self.dense_replicate_dir(exp, replicate)
        return self.replicate_dir(exp, replicate) / branch / _round_name(round_)

    def metrics_path(self, exp, replicate, branch, round_):
        return self.round_dir(exp, replicate, branch, round_) / "metrics.json"

    def mask_path(self, exp, replicate, branch, round_):
        return self.round_dir(exp, replicate, branch, round_) / "mask.npz"

    def checkpoint_path(self, exp, replicate, branch, round_):
        """Where a round in training keeps its state between evaluations (never committed:
        removed when the round is done; `Trainer.train`'s `checkpoint`)."""
        return self.round_dir(exp, replicate, branch, round_) / ROUND_CHECKPOINT

    def weights_path(self, exp, replicate, what):
        """Local weights of the dense round: "init", "trained" or "at-<duration>"."""
        return self.dense_replicate_dir(exp, replicate) / f"{what}.npz"

    def lock(self, *parts):
        """A lock shared by every process using this store (file-based; released when the
        process holding it ends, however it ends)."""
        from filelock import FileLock
        folder = self.root / ".locks"
        folder.mkdir(parents=True, exist_ok=True)
        return FileLock(folder / f"{_io.digest([str(p) for p in parts], 24)}.lock")

    # -- registration -----------------------------------------------------------------------
    def register(self, exp):
        """Write experiment.json and dense.json (once; a damaged one is replaced)."""
        for path, content in ((self.experiment_dir(exp) / "experiment.json",
                               {"format": FORMAT, "hash": experiment_hash(exp),
                                "dense": dense_hash(exp), "experiment": exp.to_dict()}),
                              (self.dense_dir(exp) / "dense.json",
                               {"format": FORMAT, "hash": dense_hash(exp),
                                "dense": dense_identity(exp),
                                "settings": {k: v for k, v in exp.to_dict().items()
                                             if k in ("model", "data", "train")}})):
            current = self.read_json(path)
            if current is None:
                _io.save_json(path, content)
            elif current.get("hash") != content["hash"]:
                raise LthkitError(f"{path} belongs to another experiment (hash "
                                  f"{current.get('hash')!r}, expected {content['hash']!r}).")
        return self.experiment_dir(exp)

    def info(self, exp):
        """experiment.json of `exp` ({} if it was never registered)."""
        return self.read_json(self.experiment_dir(exp) / "experiment.json") or {}

    def record(self, exp, **fields):
        """Add fields to experiment.json (layer shapes, data provenance). A field already there
        must agree: layer shapes that differ mean another model."""
        path = self.experiment_dir(exp) / "experiment.json"
        info = self.info(exp) or {"format": FORMAT, "hash": experiment_hash(exp),
                                  "dense": dense_hash(exp), "experiment": exp.to_dict()}
        changed = False
        for key, value in fields.items():
            if key not in info:
                info[key], changed = value, True
            elif key == "layers" and info[key] != value:
                raise LthkitError(f"{path}: the stored run's layers {_shapes(info[key])} are "
                                  f"not this model's {_shapes(value)}.")
        if changed:
            _io.save_json(path, info)
        return info

    # -- reading, with damage control --------------------------------------------------------
    def mask_seconds(self, exp, replicate):
        """{level: seconds} it took to cut each one-shot level's mask of `replicate` (as
        recorded when the masks were cut; {} before)."""
        path = self.replicate_dir(exp, replicate) / "mask_seconds.json"
        return {int(k): float(v) for k, v in (self.read_json(path) or {}).items()}

    def record_mask_seconds(self, exp, replicate, seconds):
        """Add {level: seconds} to what `mask_seconds` reads (a level already there keeps
        its first time: a mask cut again to rebuild it is not its cost)."""
        path = self.replicate_dir(exp, replicate) / "mask_seconds.json"
        merged = {**{str(k): v for k, v in seconds.items()},
                  **{str(k): v for k, v in self.mask_seconds(exp, replicate).items()}}
        _io.save_json(path, dict(sorted(merged.items(), key=lambda kv: int(kv[0]))))

    def read_json(self, path):
        """The JSON at `path`, or None if absent; a damaged file is moved aside (None)."""
        path = Path(path)
        if not path.exists():
            return None
        try:
            return _io.load_json(path)
        except _io.DamagedFile as err:
            _io.quarantine(path, err.reason, stacklevel=3)
            return None

    def metrics(self, exp, replicate, branch, round_):
        """The finished round's metrics, or None (absent, or damaged and moved aside)."""
        path = self.metrics_path(exp, replicate, branch, round_)
        m = self.read_json(path)
        if m is None:
            return None
        expected = {"replicate": replicate, "branch": branch, "round": round_}
        wrong = {k: m.get(k) for k, v in expected.items() if m.get(k) != v}
        needed = ("remaining", "sizes", "remaining_fraction", "test_accuracy", "curves")
        if wrong or any(k not in m for k in needed):
            what = (f"it records {wrong}, not {expected}" if wrong else
                    "it lacks " + ", ".join(k for k in needed if k not in m))
            _io.quarantine(path, what, stacklevel=2)
            return None
        return m

    def done(self, exp, replicate, branch, round_):
        return self.metrics_path(exp, replicate, branch, round_).exists()

    def layers(self, exp):
        """{key: {"shape": [...], "kind": ...}} of the model, once the run recorded them."""
        return self.info(exp).get("layers")

    def masks(self, exp, replicate, branch, round_, check=True):
        """The masks level `round_` of `branch` trained with, checked; None if not stored.

        A control without masks of its own (random reinitialization) trains the ticket's.
        Checks: shapes against the model, per-layer counts against the round's pruning
        schedule, nesting in the previous round's masks, and the digest its round recorded.
        A mask file that fails is moved aside (and None returned).
        """
        layers = self.layers(exp)
        if round_ == 0:
            if layers is None:
                return None
            return {k: np.ones(v["shape"], dtype=bool) for k, v in layers.items()}
        path = self.mask_path(exp, replicate, branch, round_)
        if not path.exists():
            if branch != MAIN and self.done(exp, replicate, branch, round_):
                m = self.metrics(exp, replicate, branch, round_) or {}
                if m.get("masks_from", MAIN) == MAIN:
                    return self.masks(exp, replicate, MAIN, round_, check)
            return None
        try:
            masks = load_masks(path)
        except _io.DamagedFile as err:
            _io.quarantine(path, err.reason, stacklevel=2)
            return None
        if check:
            problem = self.mask_problem(exp, replicate, branch, round_, masks)
            if problem:
                _io.quarantine(path, problem, stacklevel=2)
                return None
        return masks

    def mask_problem(self, exp, replicate, branch, round_, masks):
        """Why `masks` cannot be level `round_` of `branch`, or None."""
        layers = self.layers(exp)
        if layers is None:
            return None
        from lthkit.search.controls import CONTROLS
        control = CONTROLS.get(branch)
        same_counts = branch == MAIN or (control is not None and control.same_counts)
        counts = expected_counts(exp, layers, round_) if same_counts else None
        previous = None
        if round_ > 1 and (control is None or control.nested):
            prev_path = self.mask_path(exp, replicate, branch, round_ - 1)
            if prev_path.exists():
                try:
                    previous = load_masks(prev_path)
                except _io.DamagedFile:
                    previous = None
        problem = check_masks(masks, layers, counts, previous)
        if problem is None and exp.prune.strategy == "global" and same_counts:
            total = expected_total(exp, layers, round_)
            kept = sum(int(m.sum()) for m in masks.values())
            if kept != total:
                problem = f"it keeps {kept:,} weights where this round keeps {total:,}"
        if problem is None:
            m = self.read_json(self.metrics_path(exp, replicate, branch, round_))
            recorded = (m or {}).get("mask_sha256")
            if recorded and recorded != masks_digest(masks):
                problem = "it is not the mask this round was trained with (digest differs)"
        return problem

    # -- what is done ---------------------------------------------------------------------
    def branch_rounds(self, exp, branch):
        """The (replicate, round) pairs an experiment's settings ask of one branch (one-shot
        `levels`, if given, pick the levels; the dense round 0 is always one)."""
        levels = exp.search.levels or range(1, exp.search.rounds + 1)
        rounds = ([0] if branch == MAIN else []) + [r for r in levels]
        return [(rep, r) for rep in range(exp.search.replicates) for r in rounds]

    def missing(self, exp):
        """(replicate, branch, round) still to train for `exp` as configured."""
        branches = (MAIN,) + tuple(exp.search.controls)
        return [(rep, b, r) for b in branches for rep, r in self.branch_rounds(exp, b)
                if not self.done(exp, rep, b, r)]

    def complete(self, exp):
        return not self.missing(exp)

    def check(self, exp):
        """Read every stored file of `exp` once: damaged or wrong ones are moved aside.
        Returns the paths moved aside."""
        before = set(self.root.rglob("*.damaged-*")) if self.root.exists() else set()
        for rep in range(exp.search.replicates):
            for branch in (MAIN,) + tuple(exp.search.controls):
                for r in range(0 if branch == MAIN else 1, exp.search.last_round + 2):
                    if r <= exp.search.last_round:
                        self.metrics(exp, rep, branch, r)
                    if r >= 1 and self.mask_path(exp, rep, branch, r).exists():
                        self.masks(exp, rep, branch, r)
            self.check_weights(exp, rep)
        after = set(self.root.rglob("*.damaged-*")) if self.root.exists() else set()
        return sorted(after - before)

    def check_weights(self, exp, replicate):
        """Check the local weights of a dense round (init, trained, snapshots) against the
        digests recorded for them; move aside what is unreadable or differs."""
        folder = self.dense_replicate_dir(exp, replicate)
        digests = self.read_json(folder / "digests.json") or {}
        for path in sorted(folder.glob("*.npz")):
            if path.name == ROUND_CHECKPOINT:  # the dense round's own, checked on resume
                continue
            try:
                weights = _io.load_npz(path)
            except _io.DamagedFile as err:
                _io.quarantine(path, err.reason, stacklevel=2)
                continue
            recorded = accepted_digest(digests, path.stem)
            if recorded and recorded != _io.arrays_digest(weights):
                _io.quarantine(path, "its weights are not the ones recorded for it (digest)",
                               stacklevel=2)

    def lost_masks(self, exp, replicates):
        """(replicate, branch, round) of finished rounds whose stored mask went missing: the
        round recorded the mask it trained with, so the file existed (runs from before masks
        were committed record none, and are rebuilt only on request)."""
        lost = []
        for rep in replicates:
            for branch in (MAIN,) + tuple(exp.search.controls):
                for r in range(1, exp.search.last_round + 1):
                    if self.mask_path(exp, rep, branch, r).exists():
                        continue
                    m = self.read_json(self.metrics_path(exp, rep, branch, r))
                    if m and m.get("mask_sha256") and m.get("masks_from", "own") != MAIN:
                        lost.append((rep, branch, r))
        return lost

    # -- tidy tables --------------------------------------------------------------------------
    def load_metrics(self, exp):
        """The stored metrics of the rounds `exp` asks for (its replicates, rounds and
        branches); a store may hold more, e.g. from a longer run of the same experiment."""
        out = []
        for branch in (MAIN,) + tuple(exp.search.controls):
            for rep, r in self.branch_rounds(exp, branch):
                if self.done(exp, rep, branch, r):
                    m = self.metrics(exp, rep, branch, r)
                    if m is not None:
                        out.append(m)
        return out

    def table(self, exp):
        """One row per (replicate, branch, round): the tidy table the plots use."""
        rows = [{k: v for k, v in m.items() if not isinstance(v, (dict, list))}
                for m in self.load_metrics(exp)]
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        df["percent_remaining"] = 100.0 * df["remaining_fraction"]
        df["experiment"] = experiment_hash(exp)
        return df.sort_values(["branch", "replicate", "round"]).reset_index(drop=True)

    def layer_table(self, exp):
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


def _shapes(layers):
    return {k: v["shape"] for k, v in layers.items()}


def accepted_digest(digests, name):
    """The digest the weights `name` of a dense round must have (`digests`: its
    digests.json): the last adopted one, else the one recorded when they were first computed;
    None where nothing is recorded. A run adopts rebuilt weights only when asked
    (`TicketSearch(adopt_rebuilt=True)`)."""
    adopted = (digests.get("adopted") or {}).get(name) or []
    return adopted[-1]["sha256"] if adopted else digests.get(name)


def expected_counts(exp, layers, round_):
    """{key: weights kept} after `round_` rounds of layerwise pruning (None if global)."""
    from lthkit.pruning import kept_after_rounds, resolve_rates
    if exp.prune.strategy == "global":
        return None
    rates = resolve_rates(exp.prune.rates, {k: v["kind"] for k, v in layers.items()})
    return {k: kept_after_rounds(int(np.prod(v["shape"])), rates[k], round_)
            for k, v in layers.items()}


def expected_total(exp, layers, round_):
    from lthkit.pruning import kept_after_rounds
    total = sum(int(np.prod(v["shape"])) for v in layers.values())
    return kept_after_rounds(total, float(exp.prune.rates), round_)
