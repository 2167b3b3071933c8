"""The lottery ticket search: iterative or one-shot magnitude pruning with rewinding,
controls and replicates, resumable through the result store.

Round 0 trains the dense network from its initialization w0 (and records the rewind point
w_k). Round r >= 1 trains w_k masked by the mask that round r-1 computed. After each round
the next mask is computed from the trained weights (or the weights after `mask_after`
epochs: early tickets) and saved *before* the round's metrics, so a finished round always
has its successor's mask on disk. Controls train every level r >= 1 again:
"reinit" with the same mask and a new initialization, "random" with a random mask of the
ticket's per-layer sparsity from w_k.
"""
import inspect
import time

import keras
import numpy as np

from lthkit.models import get_builder
from lthkit.progress import bar
from lthkit.pruning import (get_masks, get_prunable_weights, kinds, prunable_in, prune,
                            random_masks_like, remaining, restore, set_masks, snapshot)
from lthkit.search.train import Trainer
from lthkit.store import derived_seed, load_arrays, save_arrays, save_json
from lthkit.store.identity import experiment_hash


def load_data(exp):
    from lthkit.data import load_dataset
    d = exp.data
    return load_dataset(d.name, validation=d.validation, seed=d.seed, n_train=d.n_train,
                        n_test=d.n_test, **d.kwargs)


def build(exp, data):
    """Build `exp.model`, filling input shape, classes and vocabulary from the data."""
    builder = get_builder(exp.model.name)
    params = inspect.signature(builder).parameters
    derived = {"num_classes": data.num_classes}
    if data.vocab is not None:
        derived.update(vocab_size=len(data.vocab), max_len=data.x_train.shape[1])
    else:
        derived["input_shape"] = tuple(data.x_train.shape[1:])
    kwargs = {k: v for k, v in derived.items() if k in params}
    kwargs.update(exp.model.kwargs)
    return builder(**kwargs)


def initial_weights(exp, data, seed):
    """The weights a fresh model gets from `seed` (built once, copied, discarded)."""
    keras.utils.set_random_seed(seed)
    template = build(exp, data)
    weights = snapshot(template)
    del template
    return weights


def _mask_record(masks):
    counts, sizes = remaining(masks)
    return {"remaining": counts, "sizes": sizes,
            "remaining_fraction": counts["total"] / sizes["total"]}


class TicketSearch:
    """Run (or resume) an `Experiment` into a `ResultStore`.

    `data` can be passed to reuse a loaded dataset; otherwise it is loaded on demand, and not
    at all when every round is already stored.
    """

    def __init__(self, exp, store, data=None, quiet=False, replicates=None):
        self.exp, self.store, self.data, self.quiet = exp, store, data, quiet
        # A subset of replicate ids lets several processes share one run (one per core).
        self.replicates = list(range(exp.search.replicates) if replicates is None
                               else replicates)
        self.model = self.trainer = None

    # -- setup ---------------------------------------------------------------------------
    def _setup(self):
        if self.data is None:
            self.data = load_data(self.exp)
        if self.model is None:
            keras.utils.set_random_seed(self.exp.search.seed)
            self.model = build(self.exp, self.data)
            self.trainer = Trainer(self.model, self.data, self.exp.train, quiet=self.quiet)
            self.kinds = kinds(self.model)

    def _iterations(self, amount, unit):
        return amount * self.trainer.steps_per_epoch if unit == "epoch" else amount

    @property
    def rewind_iteration(self):
        return self._iterations(self.exp.search.rewind, self.exp.search.rewind_unit)

    @property
    def mask_iteration(self):
        s = self.exp.search
        return None if s.mask_after is None else self._iterations(s.mask_after, "epoch")

    def _seeds(self, rep):
        s = self.exp.search
        return s.seed + rep, s.seed + 1000 + rep

    # -- running -------------------------------------------------------------------------
    def run(self):
        """Train whatever is missing; return the tidy results table.

        Work goes level by level (all replicates of round r, then its controls), so an
        interrupted long run has usable replicates for every level it reached.
        """
        self.store.register(self.exp)
        todo = [t for t in self.store.missing(self.exp) if t[0] in self.replicates]
        if todo:
            self._setup()
            label = self.exp.name or self.exp.model.name
            with bar(len(todo), label, quiet=self.quiet, unit="round") as outer:
                reps = self.replicates
                for r in range(self.exp.search.rounds + 1):
                    for rep in reps:
                        if not self.store.done(self.exp, rep, "main", r):
                            self._main_round(rep, r, outer)
                    for control in self.exp.search.controls if r >= 1 else ():
                        for rep in reps:
                            if not self.store.done(self.exp, rep, control, r):
                                self._control_round(rep, r, control, outer)
        return self.store.table(self.exp)

    def _init(self, rep):
        """The replicate's initialization (created on first use) and its round-0 mask."""
        rdir = self.store.replicate_dir(self.exp, rep)
        if not (rdir / "init.npz").exists():
            save_arrays(rdir / "init.npz",
                        initial_weights(self.exp, self.data, self._seeds(rep)[0]))
        init = load_arrays(rdir / "init.npz")
        first = self.store.round_dir(self.exp, rep, "main", 0) / "mask.npz"
        if not first.exists():
            save_arrays(first, {k: np.ones_like(m) for k, m in get_masks(self.model).items()})
        return init

    def _rewind_weights(self, rep, init):
        path = self.store.replicate_dir(self.exp, rep) / "rewind.npz"
        return load_arrays(path) if path.exists() else init

    def _train(self, weights, masks, data_seed, snapshot_at, desc):
        set_masks(self.model, masks)  # first: restore() zeroes what the current masks prune
        restore(self.model, weights)
        return self.trainer.train(data_seed, snapshot_at=snapshot_at, desc=desc)

    def _main_round(self, rep, r, outer):
        exp, store, s = self.exp, self.store, self.exp.search
        init, data_seed = self._init(rep), self._seeds(rep)[1]
        rd = store.round_dir(exp, rep, "main", r)
        masks = load_arrays(rd / "mask.npz")
        k, mask_at = self.rewind_iteration, self.mask_iteration
        snap_at = {k} if (r == 0 and k > 0) else set()
        if mask_at is not None:
            snap_at.add(mask_at)
        start_weights = init if r == 0 else self._rewind_weights(rep, init)
        metrics, snaps = self._train(start_weights, masks, data_seed, snap_at,
                                     f"rep {rep} round {r} main")
        if r == 0 and k > 0:
            save_arrays(store.replicate_dir(exp, rep) / "rewind.npz", snaps[k])
        if mask_at is None:
            scored = get_prunable_weights(self.model)
        else:
            scored = prunable_in(self.model, snaps[mask_at])
        if s.mode == "oneshot":
            if r == 0:
                save_arrays(rd / "scored.npz", scored)
            scored = load_arrays(store.round_dir(exp, rep, "main", 0) / "scored.npz")
        init_prunable = prunable_in(self.model, init)
        next_masks = prune(scored, masks, exp.prune.rates, kinds=self.kinds,
                           criterion=exp.prune.criterion, strategy=exp.prune.strategy,
                           init_weights=init_prunable,
                           seed=derived_seed(s.seed, rep, r, "criterion"))
        save_arrays(store.round_dir(exp, rep, "main", r + 1) / "mask.npz", next_masks)
        self._finish(rd, metrics, masks, rep, r, "main", init_seed=self._seeds(rep)[0],
                     data_seed=data_seed, outer=outer)

    def _control_round(self, rep, r, control, outer):
        exp, store, s = self.exp, self.store, self.exp.search
        init_seed, data_seed = self._seeds(rep)
        ticket = load_arrays(store.round_dir(exp, rep, "main", r) / "mask.npz")
        rd = store.round_dir(exp, rep, control, r)
        if control == "reinit":
            init_seed = derived_seed(s.seed, rep, r, "reinit")
            weights, masks = initial_weights(exp, self.data, init_seed), ticket
        else:
            previous = (store.round_dir(exp, rep, "random", r - 1) / "mask.npz")
            previous = (load_arrays(previous) if r > 1 else
                        {key: np.ones_like(m) for key, m in ticket.items()})
            if not (rd / "mask.npz").exists():
                save_arrays(rd / "mask.npz", random_masks_like(
                    ticket, previous, derived_seed(s.seed, rep, r, "random")))
            masks = load_arrays(rd / "mask.npz")
            weights = self._rewind_weights(rep, self._init(rep))
        metrics, _ = self._train(weights, masks, data_seed, set(),
                                 f"rep {rep} round {r} {control}")
        self._finish(rd, metrics, masks, rep, r, control, init_seed=init_seed,
                     data_seed=data_seed, outer=outer)

    def _finish(self, rd, metrics, masks, rep, r, branch, init_seed, data_seed, outer):
        record = {"experiment": experiment_hash(self.exp), "replicate": rep, "round": r,
                  "branch": branch, "init_seed": init_seed, "data_seed": data_seed,
                  "backend": keras.backend.backend(), "finished": time.time(),
                  **_mask_record(masks), **metrics}
        save_json(rd / "metrics.json", record)
        outer.update(1)
        outer.set_postfix(rep=rep, round=r, branch=branch,
                          remaining=f"{100 * record['remaining_fraction']:.1f}%",
                          acc=f"{record['early_stop_test_accuracy']:.4f}", refresh=False)


def run_search(exp, store=None, data=None, quiet=False, replicates=None):
    """Run or resume `exp`; returns the tidy results table (pandas DataFrame).

    `replicates` (ids) restricts this call to some replicates, e.g. to run them in
    parallel processes; the table holds whatever the store has.
    """
    if store is None:
        from lthkit.store import default_store
        store = default_store()
    return TicketSearch(exp, store, data=data, quiet=quiet, replicates=replicates).run()
