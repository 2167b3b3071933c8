"""The lottery ticket search: iterative or one-shot magnitude pruning with rewinding,
controls and replicates, resumable through the result store.

Round 0 trains the dense network from its initialization w0 (shared by every experiment
with the same model, data, training and seed). Round r >= 1 trains w_k masked by mask r,
where w_k is the rewind point (w0, or the dense run's weights after k iterations). Mask r+1
comes from round r's trained weights (iterative), or from the dense weights at every level
(one-shot); with `mask_after` from the weights after that much training instead (early
tickets). A round's next mask is saved *before* its metrics, so a finished round always has
its successor's mask on disk. Controls train every level r >= 1 again (see `controls`).

Work is split into tasks (replicate, branch, round; `lthkit.search.tasks`), done level by
level. Each task is locked while it trains, so several processes (one per core, or a
chapter and the command line) share one experiment without doing anything twice; a process
waits for what another holds. Anything not stored (weights; masks of an old or damaged
run) is rebuilt: from the seed, or by training again, and checked against the digests the
store recorded.

Trained weights are rebuilt exactly only by the same arithmetic: another CPU may train the
dense round to weights that differ in the last bits, and a run refuses them
(`WeightsDiffer`). So a one-shot search cuts the masks of all its levels as soon as it has the
trained weights (resuming it elsewhere needs only the masks and the initialization), and
`adopt_rebuilt=True` (`--adopt-rebuilt-weights`, or LTHKIT_ADOPT_REBUILT=1) trains on
with the weights rebuilt here, recording the adoption beside the original digest
(`digests.json`, "adopted").
"""
import os
import time

import keras
import numpy as np

from lthkit import _io, durations
from lthkit._errors import LthkitError, bad_param
from lthkit.models import registry
from lthkit.progress import bar
from lthkit.pruning import (kernel_weights, kinds, layer_shapes, mask_counts, restore,
                            set_masks, snapshot)
from lthkit.search.controls import CONTROLS, Level
from lthkit.search.tasks import executor_for, task_graph
from lthkit.search.train import Trainer
from lthkit.store import ResultStore
from lthkit.store.identity import FORMAT, dense_hash, derived_seed, experiment_hash
from lthkit.store.masks import load_masks, masks_digest, save_masks
from lthkit.store.store import MAIN, accepted_digest, expected_counts

COMPARED = ("test_accuracy", "early_stop_test_accuracy", "early_stop_iteration", "val_loss")


# Set to "1": every search adopts dense weights rebuilt here that differ from the recorded
# ones (TicketSearch's adopt_rebuilt=None reads it).
ADOPT_ENV = "LTHKIT_ADOPT_REBUILT"


class WeightsDiffer(LthkitError):
    """Weights rebuilt here are not the ones a stored run recorded (another machine, library
    version or Keras backend computes them differently)."""


def dataset_for(exp):
    """Load the experiment's dataset (see `lthkit.data.load_dataset`). A reader's own
    arrays cannot be loaded: they are passed to the search as `data=`."""
    from lthkit.data import load_dataset
    d = exp.data
    if d.own:
        raise LthkitError(f"experiment {exp.label!r} trains on the reader's own data "
                          f"{d.name!r} (sha256 {d.kwargs['sha256'][:12]}), which lthkit cannot "
                          "load: pass them to the search, e.g. run_search(exp, store, "
                          "data=lthkit.data.from_arrays(...)).")
    return load_dataset(d.name, validation=d.validation, seed=d.seed, n_train=d.n_train,
                        n_test=d.n_test, **d.kwargs)


def model_for(exp, data):
    """Build `exp.model`: a reader's model from its config (fresh weights from the current
    seed), or a builder's, filling input shape, classes and vocabulary from the data. A
    builder that makes a plain Keras model (`register_model`) gets it masked."""
    from lthkit.layers.wrap import build_masked, canonical_clone, has_masks, masked
    if exp.model.own:
        return build_masked(exp.model.keras, exp.model.prunable)
    entry = registry.entry(exp.model.name)
    derived = {"num_classes": data.num_classes}
    if data.vocab is not None:
        derived.update(vocab_size=len(data.vocab), max_len=data.x_train.shape[1])
    else:
        derived["input_shape"] = tuple(data.x_train.shape[1:])
    # the arguments the registered builder takes from the data (`ModelEntry.fills`)
    kwargs = {k: v for k, v in derived.items() if k in entry.fills}
    kwargs.update(exp.model.kwargs)
    model = entry.builder(**kwargs)
    if has_masks(model):
        return model
    return masked(canonical_clone(model), exp.model.prunable, warn=False)


def initial_weights(exp, data, seed):
    """The weights a fresh model gets from `seed` (built once, copied, discarded)."""
    keras.utils.set_random_seed(seed)
    template = model_for(exp, data)
    weights = snapshot(template)
    del template
    return weights


def _mask_record(masks):
    counts, sizes = mask_counts(masks)
    return {"remaining": counts, "sizes": sizes,
            "remaining_fraction": counts["total"] / sizes["total"],
            "mask_sha256": masks_digest(masks)}


def _at_name(iterations):
    """The name of the dense run's weights after `iterations` (0: the initialization)."""
    return f"at-{iterations}it" if iterations else "init"


def _check_arrays(exp, data):
    """Refuse a reader's arrays other than the ones `exp` was made for (its sha256)."""
    from lthkit.data.arrays import digest_of
    got, wanted = digest_of(data), exp.data.kwargs["sha256"]
    if got != wanted:
        raise LthkitError(f"data: these arrays (sha256 {got[:12]}) are not the ones experiment "
                          f"{exp.label!r} was made for (sha256 {wanted[:12]}).")


class TicketSearch:
    """Runs (or resumes) one `Experiment` against a `ResultStore`."""

    def __init__(self, exp, store, data=None, quiet=False, replicates=None, adopt_rebuilt=None,
                 executor="local"):
        self.exp, self.store, self.data, self.quiet = exp, store, data, quiet
        # None: as the environment says (the command lines' --adopt-rebuilt-weights sets
        # it, so that the analyses' own searches adopt too)
        self.adopt_rebuilt = (os.environ.get(ADOPT_ENV) == "1" if adopt_rebuilt is None
                              else bool(adopt_rebuilt))
        n = exp.search.replicates
        if replicates is None:
            replicates = range(n)
        replicates = list(replicates)
        for rep in replicates:
            if isinstance(rep, bool) or not isinstance(rep, int) or not 0 <= rep < n:
                raise bad_param("only_replicate", rep,
                                f"a replicate id from 0 to {n - 1} (the experiment has {n})")
        self.replicates = replicates
        if exp.data.own and data is not None:
            _check_arrays(exp, data)
        self.model = self.trainer = None
        self._locks = {}
        self.executor = executor_for(executor)

    # -- setup -----------------------------------------------------------------------------
    def setup(self):
        if self.data is None:
            self.data = dataset_for(self.exp)
        if self.model is None:
            from lthkit.search.own import check_data
            keras.utils.set_random_seed(self.exp.search.seed)
            self.model = model_for(self.exp, self.data)
            if self.exp.model.name not in registry.BUILT_IN:
                check_data(self.model, self.data, self.exp.train)
            self.trainer = Trainer(self.model, self.data, self.exp.train, quiet=self.quiet)
            self.kinds = kinds(self.model)
            self.layers = layer_shapes(self.model)
            info = getattr(self.data, "info", None)
            self.store.record(self.exp, layers=self.layers,
                              **({"data_info": info.to_dict()} if info is not None else {}))
            s = self.exp.search
            self.rewind_at = self._iterations(s.rewind, "rewind")
            self.mask_at = None if s.mask_after is None else self._iterations(s.mask_after,
                                                                              "mask_after")

    def dense_weights(self, replicate=0, name="init", prunable_only=True):
        """The dense round's weights of `replicate`, keyed like the masks: "init" (the
        initialization every ticket rewinds to; rebuilt from the seed when not kept locally),
        "trained" (after round 0; trained again when not kept: as long as a round) or
        "at-<k>it". Checked against the digests the run recorded: weights that this machine
        or backend computes differently raise `WeightsDiffer` (an `LthkitError`).
        `prunable_only=False`: every variable of the model, as `restore()` takes them."""
        if isinstance(replicate, bool) or not isinstance(replicate, int) or \
                not 0 <= replicate < self.exp.search.replicates:
            raise bad_param("replicate", replicate, f"a replicate id from 0 to "
                                                    f"{self.exp.search.replicates - 1}")
        if not isinstance(name, str) or not (
                name in ("init", "trained") or
                (name.startswith("at-") and name.endswith("it") and name[3:-2].isdigit())):
            raise bad_param("name", name, '"init", "trained" or "at-<k>it"')
        self.setup()
        if prunable_only:
            return self._dense_kernels(replicate, name)
        return self._dense_weights(replicate, name)

    def _iterations(self, value, name):
        it = durations.to_iterations(value, self.trainer.steps_per_epoch, name)
        if it > self.trainer.iterations:
            raise bad_param(name, value, f"at most the training length {self.exp.train.training}"
                                         f" ({self.trainer.iterations} iterations)")
        return it

    def seeds(self, rep):
        s = self.exp.search
        return s.seed + rep, s.seed + 1000 + rep

    def lock(self, *parts):
        key = tuple(str(p) for p in parts)
        if key not in self._locks:
            self._locks[key] = self.store.lock(*key)
        return self._locks[key]

    def item_lock(self, rep, branch, r):
        if r == 0:
            return self.lock("dense", self.store.dense_dir(self.exp), rep)
        return self.lock(self.store.experiment_dir(self.exp), rep, branch, r)

    # -- running -----------------------------------------------------------------------------
    def run(self, progress=None):
        """Train whatever is missing; return the tidy results table. `progress`: a tqdm bar
        to advance one step per round (a plan's, shared by its searches); default: a bar
        of this search's own.

        Work goes level by level (all replicates of round r, then its controls), so an
        interrupted long run has usable replicates for every level it reached.
        """
        todo = self.pending()
        if todo:
            self.setup()
            if progress is not None:
                progress.set_description(self.exp.label, refresh=False)
                self.executor.run(self, todo, progress)
            else:
                with bar(len(todo), self.exp.label, quiet=self.quiet, unit="round") as outer:
                    self.executor.run(self, todo, outer)
        return self.store.table(self.exp)

    def pending(self):
        """The tasks still to train ({Task: the tasks it waits for}), once the stored files
        are checked (damaged ones moved aside) and lost masks rebuilt from their rounds."""
        self.store.register(self.exp)
        self.store.check(self.exp)
        lost = self.store.lost_masks(self.exp, self.replicates)
        if lost:
            self.setup()
            for rep, branch, r in lost:
                with self.item_lock(rep, branch, r):
                    if branch == MAIN:
                        self.ticket_masks(rep, r)
                    else:
                        self._control_masks(rep, branch, r)
        missing = set(self.store.missing(self.exp))
        return {task: deps for task, deps in task_graph(self.exp, self.replicates).items()
                if task.item in missing}

    def rebuild_masks(self):
        """Rebuild every ticket mask a stored run lacks (its rounds trained again, each
        checked against its stored metrics). Returns how many masks were rebuilt."""
        self.store.register(self.exp)
        self.store.check(self.exp)
        wanted = [(rep, r) for rep in self.replicates
                  for r in range(1, self.exp.search.last_round + 2)
                  if self.store.done(self.exp, rep, MAIN, r - 1)
                  and not self.store.mask_path(self.exp, rep, MAIN, r).exists()]
        if not wanted:
            return 0
        self.setup()
        with bar(len(wanted), f"{self.exp.label} masks", quiet=self.quiet, unit="mask") as b:
            for rep, r in wanted:
                with self.item_lock(rep, MAIN, r):
                    self.ticket_masks(rep, r)
                b.update(1)
        return len(wanted)

    def cut_masks(self):
        """Cut and store every level's mask of a one-shot run, for every replicate, before
        any of its rounds trains: what a mask keeps (per layer, per word, which units it
        leaves connected) can then be read before the hours of training, and the rounds
        train with these masks later. Pruning at initialization scores the initial weights
        (seconds to minutes); another one-shot run scores the dense round's trained weights (trained
        first where this machine does not hold them). Returns how many masks were cut."""
        if self.exp.search.mode != "oneshot":
            raise LthkitError(f"{self.exp.label}: only a one-shot run's masks can be cut before "
                              f"training (search.mode is {self.exp.search.mode!r}: each mask "
                              "of an iterative run needs the round before it trained).")
        self.store.register(self.exp)
        self.store.check(self.exp)
        last = self.exp.search.last_round
        todo = [rep for rep in self.replicates
                if any(not self.store.mask_path(self.exp, rep, MAIN, q).exists()
                       for q in range(1, last + 1))]
        if not todo:
            return 0
        self.setup()
        cut = 0
        with bar(len(todo), f"{self.exp.label} masks", quiet=self.quiet, unit="rep") as b:
            for rep in todo:
                with self.lock("cut", self.store.experiment_dir(self.exp), rep):
                    before = sum(self.store.mask_path(self.exp, rep, MAIN, q).exists()
                                 for q in range(1, last + 1))
                    self._cut_levels(rep)
                    cut += last - before
                b.update(1)
        return cut

    def train_item(self, rep, branch, r):
        """Train round `r` of `branch` of replicate `rep` (its prerequisites stored; see
        `lthkit.search.tasks`), writing its metrics and masks to the store."""
        self.setup()
        if branch == MAIN and r == 0:
            self._dense_round(rep)
        elif branch == MAIN:
            self._main_round(rep, r)
        else:
            self._control_round(rep, branch, r)

    # -- weights of the dense round ------------------------------------------------------------
    def _digests(self, rep):
        path = self.store.dense_replicate_dir(self.exp, rep) / "digests.json"
        return path, self.store.read_json(path) or {}

    def _keep(self, rep, name, weights, replay=None):
        """Save weights of the dense round locally and check or record their digest
        (`replay`: the numbers of the round that rebuilt them, kept with an adoption)."""
        digest = _io.arrays_digest(weights)
        path, digests = self._digests(rep)
        accepted = accepted_digest(digests, name)
        if accepted is not None and accepted != digest:
            if not self.adopt_rebuilt or name == "init":
                raise WeightsDiffer(
                    f"{self.store.weights_path(self.exp, rep, name)}: the weights rebuilt here "
                    f"differ from the ones this run was trained with (sha256 {digest[:12]} vs "
                    f"recorded {accepted[:12]}). Another machine or library version computes "
                    "them differently; resume the run where it started, start a new store, or "
                    "train on with these weights (adopt_rebuilt=True, --adopt-rebuilt-weights"
                    "; not for the initialization).")
            digests = adopt(digests, name, digest, accepted, replay)
            _io.save_json(path, digests)
            import warnings
            warnings.warn(f"lthkit: {self.store.weights_path(self.exp, rep, name)}: the weights "
                          f"rebuilt here differ from the recorded ones ({digest[:12]} vs "
                          f"{accepted[:12]}); adopted: what is trained from now on uses them "
                          "(recorded in digests.json)", _io.LthkitWarning, stacklevel=3)
        if name not in digests:
            _io.save_json(path, {**digests, name: digest})
        _io.save_npz(self.store.weights_path(self.exp, rep, name), weights)
        return weights

    def _stored_weights(self, rep, name):
        path = self.store.weights_path(self.exp, rep, name)
        if not path.exists():
            return None
        try:
            weights = _io.load_npz(path)
        except _io.DamagedFile as err:
            _io.quarantine(path, err.reason)
            return None
        recorded = accepted_digest(self._digests(rep)[1], name)
        if recorded and recorded != _io.arrays_digest(weights):
            _io.quarantine(path, "its digest is not the one recorded for it")
            return None
        return weights

    def _dense_weights(self, rep, name):
        """"init", "trained" or "at-<k>it" of the dense round: stored, or rebuilt."""
        weights = self._stored_weights(rep, name)
        if weights is not None:
            return weights
        with self.lock("dense", self.store.dense_dir(self.exp), rep):
            weights = self._stored_weights(rep, name)
            if weights is not None:
                return weights
            if name == "init":
                return self._keep(rep, "init", initial_weights(self.exp, self.data,
                                                               self.seeds(rep)[0]))
            if name == "trained":
                self._dense_round(rep, replay=True)
                return self._stored_weights(rep, "trained")
            at = int(name[len("at-"):-len("it")])
            set_masks(self.model, self.ones())
            restore(self.model, self._dense_weights(rep, "init"))
            weights = self.trainer.advance(self.seeds(rep)[1], at,
                                           f"rep {rep} dense weights after {at} it")
            return self._keep(rep, name, weights)

    def ones(self):
        return {k: np.ones(v["shape"], dtype=bool) for k, v in self.layers.items()}

    def rewind_weights(self, rep):
        return self._dense_weights(rep, _at_name(self.rewind_at))

    def _dense_kernels(self, rep, name):
        """`_dense_weights` keyed like the masks (the prunable weights only)."""
        return kernel_weights(self.model, self._dense_weights(rep, name))

    def _dense_scored(self, rep):
        """The dense round's weights masks are scored on at round 0 (every variable): trained,
        or after `mask_after` ("0it": the initialization, pruning at initialization)."""
        return self._dense_weights(rep, "trained" if self.mask_at is None
                                   else _at_name(self.mask_at))

    def _dense_scores(self, rep):
        """`_dense_scored` keyed like the masks (the prunable weights only)."""
        return kernel_weights(self.model, self._dense_scored(rep))

    # -- rounds ---------------------------------------------------------------------------
    def _train(self, weights, masks, data_seed, snapshot_at, desc, where):
        """Train a round from `weights` with `masks`; `where` = (replicate, branch, round):
        its checkpoint between evaluations, so a round cut off resumes where it was."""
        set_masks(self.model, masks)  # first: restore() zeroes what the current masks prune
        restore(self.model, weights)
        return self.trainer.train(data_seed, snapshot_at=snapshot_at, desc=desc,
                                  checkpoint=self.store.checkpoint_path(self.exp, *where))

    def _record(self, rep, branch, r, masks, metrics, **extra):
        init_seed, data_seed = self.seeds(rep)
        return {"format": FORMAT, "experiment": experiment_hash(self.exp),
                "dense": dense_hash(self.exp), "replicate": rep, "round": r, "branch": branch,
                "init_seed": init_seed, "data_seed": data_seed,
                "backend": keras.backend.backend(), "finished": time.time(),
                **extra, **_mask_record(masks), **metrics}

    def _compare_replay(self, path, stored, fresh):
        differ = [k for k in COMPARED if stored.get(k) != fresh.get(k)]
        if differ:
            import warnings
            warnings.warn(f"lthkit: training the round of {path} again gave other numbers "
                          f"({', '.join(f'{k}: {stored.get(k)} vs {fresh.get(k)}' for k in differ)})"
                          "; masks rebuilt from it may differ from the ones the stored rounds "
                          "used", _io.LthkitWarning, stacklevel=3)

    def _dense_round(self, rep, replay=False):
        """Train round 0 (or train it again to rebuild its weights: `replay`)."""
        init = self._dense_weights(rep, "init")
        ones = self.ones()
        snap_at = {k for k in (self.rewind_at, self.mask_at) if k}
        metrics, snaps = self._train(init, ones, self.seeds(rep)[1], snap_at,
                                     f"rep {rep} round 0 main (dense)", (rep, MAIN, 0))
        record = self._record(rep, MAIN, 0, ones, metrics)
        # an adoption of these trained weights records what the replayed network scored
        self._keep(rep, "trained", snapshot(self.model),
                   replay={k: record.get(k) for k in COMPARED})
        for k, weights in snaps.items():
            self._keep(rep, _at_name(k), weights)
        path = self.store.metrics_path(self.exp, rep, MAIN, 0)
        stored = self.store.metrics(self.exp, rep, MAIN, 0)
        if stored is not None:
            self._compare_replay(path, stored, record)
        elif not replay or not path.exists():
            _io.save_json(path, record)

    def _next_masks(self, rep, r, scores, masks, criterion=None, weights=None):
        """Mask r + 1 from `scores` (the prunable weights scored) and mask r (the
        experiment's pruning settings; its criterion unless `criterion` is given). A
        criterion that needs the model scores it with `weights` (every variable, or a
        function returning them) installed, or as it stands when None; one that needs
        batches gets the first `prune.score_batches` of this replicate's training order."""
        from lthkit.pruning.criteria import ScoreContext, criterion as registered, next_masks
        from lthkit.search.train import loss_and_metric
        p, s = self.exp.prune, self.exp.search
        criterion = criterion or p.criterion
        needs = registered(criterion).needs
        extra = {}
        if "init" in needs:
            extra["init_weights"] = self._dense_kernels(rep, "init")
        if needs & {"model", "batches"}:
            if weights is not None:
                set_masks(self.model, masks)
                restore(self.model, weights() if callable(weights) else weights)
            extra.update(model=self.model, loss=loss_and_metric(self.model, self.exp.train)[0],
                         batches=self.score_batches(rep))
        ctx = ScoreContext(scores, masks, seed=derived_seed(s.seed, rep, r, "criterion"),
                           **extra)
        return next_masks(criterion, ctx, p.rates, kinds=self.kinds, strategy=p.strategy)

    def score_batches(self, rep):
        """The training batches [(x, y), ...] a criterion that needs data (SNIP, GraSP)
        scores replicate `rep`'s masks on: the first `prune.score_batches` of its training
        order."""
        self.setup()
        n = self.exp.prune.score_batches
        stream = self.trainer.stream(self.seeds(rep)[1], 0, n)
        return [stream[i] for i in range(n)]

    def one_shot_levels(self, rep, scores, last, stored=None, criterion=None, weights=None):
        """Yield (q, mask of level q, whether it was cut here) for q = 1..last, every level
        cut in one shot from the same `scores`: mask q prunes mask q - 1 by the rates, so
        level q keeps rates**q of the weights. `scores`: {key: array}, or a function that
        returns them (called only if some level is not given by `stored(q)`, which returns
        a stored mask or None). `weights`: every variable of the network scored, for a
        criterion that needs the model (see `_next_masks`)."""
        masks = self.ones()
        for q in range(1, last + 1):
            kept = stored(q) if stored is not None else None
            if kept is not None:
                masks = kept
                yield q, masks, False
                continue
            if callable(scores):
                scores = scores()
            masks = self._next_masks(rep, q - 1, scores, masks, criterion, weights)
            yield q, masks, True

    def ticket_masks(self, rep, r):
        """The ticket's mask of level r: stored (and checked), or rebuilt."""
        if r == 0:
            return self.ones()
        masks = self.store.masks(self.exp, rep, MAIN, r)
        if masks is not None:
            return masks
        if self.exp.search.mode == "oneshot":
            self._cut_levels(rep)
            masks = self.store.masks(self.exp, rep, MAIN, r)
        elif r == 1:
            masks = self._next_masks(rep, r - 1, self._dense_scores(rep),
                                     self.ticket_masks(rep, r - 1),
                                     weights=lambda: self._dense_scored(rep))
            self._save_mask(rep, r, masks)
        else:
            self._main_round(rep, r - 1, replay=True)
            masks = self.store.masks(self.exp, rep, MAIN, r)
        return masks

    def _cut_levels(self, rep):
        """One-shot: cut and save the masks of every level up to the last, all from the same
        dense weights, so that no later level needs them again (on another machine they may
        not be rebuilt exactly)."""
        levels = self.one_shot_levels(rep, lambda: self._dense_scores(rep),
                                      self.exp.search.last_round,
                                      stored=lambda q: self.store.masks(self.exp, rep, MAIN, q),
                                      weights=lambda: self._dense_scored(rep))
        seconds, start = {}, time.perf_counter()
        for q, masks, cut in levels:
            if cut:  # what cutting the mask cost (the criterion's scores and the cut)
                seconds[q] = time.perf_counter() - start
                self._save_mask(rep, q, masks)
            start = time.perf_counter()
        if seconds:
            self.store.record_mask_seconds(self.exp, rep, seconds)

    def _save_mask(self, rep, r, masks):
        """Save main mask r; if one is stored and differs, what was built on it is stale."""
        path = self.store.mask_path(self.exp, rep, MAIN, r)
        if path.exists():
            try:
                same = masks_digest(load_masks(path)) == masks_digest(masks)
            except _io.DamagedFile:
                same = False
            if same:
                return
            self._invalidate(rep, r, "its mask was rebuilt and differs from the stored one")
        m = self.store.metrics(self.exp, rep, MAIN, r)
        if m is not None and m.get("mask_sha256") not in (None, masks_digest(masks)):
            self._invalidate(rep, r, "it was trained with a mask that differs from the rebuilt one")
        save_masks(path, masks)

    def _invalidate(self, rep, r, reason):
        """Move aside main rounds >= r and controls that train the ticket's masks."""
        for branch in (MAIN,) + self.exp.search.controls:
            for q in range(r, self.exp.search.last_round + 2):
                for path in (self.store.metrics_path(self.exp, rep, branch, q),
                             self.store.mask_path(self.exp, rep, branch, q)):
                    if path.exists() and (branch == MAIN or self._uses_ticket_masks(path)):
                        _io.quarantine(path, reason)

    def _uses_ticket_masks(self, path):
        if path.name == "mask.npz":
            return False
        m = self.store.read_json(path) or {}
        return m.get("masks_from", MAIN) == MAIN

    def _main_round(self, rep, r, replay=False):
        """Train level r of the ticket (or train it again to rebuild mask r + 1)."""
        masks = self.ticket_masks(rep, r)
        iterative = self.exp.search.mode == "iterative"
        snap_at = {self.mask_at} if (self.mask_at is not None and iterative) else set()
        metrics, snaps = self._train(self.rewind_weights(rep), masks, self.seeds(rep)[1],
                                     snap_at, f"rep {rep} round {r} main", (rep, MAIN, r))
        if self.exp.search.mode == "iterative":
            scored = None if self.mask_at is None else snaps[self.mask_at]
            scores = kernel_weights(self.model, scored)
            self._save_mask(rep, r + 1, self._next_masks(rep, r, scores, masks,
                                                         weights=scored))
        path = self.store.metrics_path(self.exp, rep, MAIN, r)
        record = self._record(rep, MAIN, r, masks, metrics)
        stored = self.store.metrics(self.exp, rep, MAIN, r)
        if stored is not None:
            self._compare_replay(path, stored, record)
        else:
            _io.save_json(path, record)

    # -- controls ---------------------------------------------------------------------------
    def _ticket_counts(self, rep, r):
        path = self.store.mask_path(self.exp, rep, MAIN, r)
        if path.exists():
            masks = self.store.masks(self.exp, rep, MAIN, r)
            if masks is not None:
                return {k: int(m.sum()) for k, m in masks.items()}
        m = self.store.metrics(self.exp, rep, MAIN, r)
        if m is not None:
            return {k: v for k, v in m["remaining"].items() if k != "total"}
        counts = expected_counts(self.exp, self.layers, r)
        return counts or {k: int(m.sum()) for k, m in self.ticket_masks(rep, r).items()}

    def _level(self, rep, control, r):
        cache = {}

        def ticket_masks():
            if "masks" not in cache:
                cache["masks"] = self.ticket_masks(rep, r)
            return cache["masks"]

        paths = {key: w.path for key, (_, w, _) in _masked(self.model).items()}
        level = Level(round=r, replicate=rep, seed=derived_seed(self.exp.search.seed, rep, r,
                                                                control),
                      kinds=self.kinds, ticket_counts=self._ticket_counts(rep, r),
                      previous_masks=self._control_masks(rep, control, r - 1),
                      rewind_weights=self.rewind_weights(rep), _ticket_masks=ticket_masks,
                      _fresh_weights=lambda seed: initial_weights(self.exp, self.data, seed),
                      _paths=paths)
        return level, cache

    def _control(self, rep, control, r):
        """(weights, masks, own): what control `control` trains at level r."""
        level, cache = self._level(rep, control, r)
        weights, masks = CONTROLS[control].make(level)
        own = masks is not cache.get("masks")
        return weights, {k: np.asarray(m, dtype=bool) for k, m in masks.items()}, own, level

    def _control_masks(self, rep, control, r):
        """The masks control `control` trained at level r (its own, the ticket's, or rebuilt)."""
        if r == 0:
            return self.ones()
        path = self.store.mask_path(self.exp, rep, control, r)
        if path.exists():
            masks = self.store.masks(self.exp, rep, control, r)
            if masks is not None:
                return masks
        m = self.store.metrics(self.exp, rep, control, r)
        if m is not None and m.get("masks_from", MAIN) == MAIN:
            return self.ticket_masks(rep, r)
        _, masks, own, _ = self._control(rep, control, r)
        if own:
            save_masks(path, masks)
        return masks

    def _control_round(self, rep, control, r):
        weights, masks, own, level = self._control(rep, control, r)
        if own:
            save_masks(self.store.mask_path(self.exp, rep, control, r), masks)
        metrics, _ = self._train(weights, masks, self.seeds(rep)[1], set(),
                                 f"rep {rep} round {r} {control}", (rep, control, r))
        record = self._record(rep, control, r, masks, metrics, control_seed=level.seed,
                              masks_from="own" if own else MAIN)
        _io.save_json(self.store.metrics_path(self.exp, rep, control, r), record)


def adopt(digests, name, digest, replaces, replay=None):
    """`digests` with `digest` adopted for weights `name`, and where and when (and `replay`,
    the numbers of the round that rebuilt them, if given)."""
    import platform
    entry = {"sha256": digest, "replaces": replaces, "time": time.time(),
             "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
             "cpu": cpu_model(), "backend": keras.backend.backend(),
             "versions": library_versions(), **({"replay": replay} if replay else {})}
    adopted = dict(digests.get("adopted") or {})
    adopted[name] = list(adopted.get(name) or []) + [entry]
    return {**digests, "adopted": adopted}


# the instruction sets XLA's CPU code generation picks from (its `--xla_cpu_max_isa` levels)
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16",
              "amx_tile", "asimd", "sve")


def cpu_model(cpuinfo="/proc/cpuinfo"):
    """{"model": name, "simd": [flags]} of this CPU from Linux's `cpuinfo`, or None where it
    cannot be read: XLA's arithmetic depends on the instructions the CPU has, and the model
    name alone is often generic ("Intel(R) Xeon(R) Processor")."""
    try:
        text = open(cpuinfo, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    model, flags = None, set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if model is None and key in ("model name", "Model", "Processor") and value.strip():
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    if model is None and not flags:
        return None
    return {"model": model, "simd": [f for f in SIMD_FLAGS if f in flags]}


def library_versions():
    """Versions of the libraries that compute the weights: {name: version} of those present."""
    from importlib import metadata
    out = {}
    for name in ("keras", "jax", "jaxlib", "tensorflow", "torch", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _masked(model):
    from lthkit.pruning import masked_variables
    return masked_variables(model)


def run_search(exp, store=None, data=None, quiet=False, replicates=None, adopt_rebuilt=None,
               executor="local"):
    """Run or resume `exp`; returns the tidy results table (pandas DataFrame).

    `replicates` (ids) restricts this call to some replicates, e.g. to run them in
    parallel processes; the table holds whatever the store has. `store`: a `ResultStore` or
    a folder (str or Path); without one, results go to the user's cache (the book's
    chapters pass the store of their profile). `executor`: who trains the rounds
    (`lthkit.search.tasks.EXECUTORS`; "local": this process).
    """
    from pathlib import Path
    if store is None:
        import platformdirs
        store = ResultStore(Path(platformdirs.user_cache_dir("lthkit")) / "results")
    elif isinstance(store, (str, Path)):
        store = ResultStore(Path(store))
    return TicketSearch(exp, store, data=data, quiet=quiet, replicates=replicates,
                        adopt_rebuilt=adopt_rebuilt, executor=executor).run()
