"""What a chapter calls to get results: variants run together, stored runs, named targets.

- `variants({"iterative": exp_a, "one-shot": exp_b}, store)` runs or resumes several
  experiments and returns one tidy table with a `variant` column. Experiments that train
  the same dense network (same model, data, training and seed) share its stored round 0,
  and data are loaded once per distinct dataset setting.
- `stored(exp)` returns the committed run of an experiment (`results/`, the full profile)
  with its hash, replicates, rounds and a diff card of how its settings depart from the
  paper's, or None: a chapter shows full results without training and without code.
- `target(name, profile)` is the experiment behind a named target of the claims ledger
  ("lenet_300_100", "text_cnn/imdb", "lenet_300_100/oneshot", ...), so a chapter and the
  ledger page look at the same runs.
"""
from dataclasses import dataclass

import pandas as pd

from lthkit._errors import bad_param
from lthkit.search.defaults import DATASET_NOTES, default_experiment
from lthkit.search.presets import experiment

# name -> (model, dataset, knobs): the experiments the claims ledger compares with
TARGETS = {
    "lenet_300_100": ("lenet_300_100", None, {}),
    # random pruning is the same draw whichever procedure set a level's per-layer sizes: the
    # one-shot run trains the reinitialization only, the iterative run's random pruning
    # serves both (the one-shot chapter says so)
    "lenet_300_100/oneshot": ("lenet_300_100", None, {"mode": "oneshot",
                                                      "controls": ("reinit",)}),
    "conv6": ("conv6", None, {}),
    "end2end": ("end2end", None, {}),
    "text_cnn/imdb": ("text_cnn", "imdb", {}),
    "text_cnn/ag_news": ("text_cnn", "ag_news", {}),
    # late rewinding compares the ticket only: no controls, as in `rewind_sweep`
    "text_cnn/imdb/late": ("text_cnn", "imdb", {"rewind": "1ep", "controls": ()}),
    "text_cnn/imdb/oneshot": ("text_cnn", "imdb", {"mode": "oneshot", "controls": ("reinit",),
                                                   "levels": (2, 4, 6, 8, 16)}),
    # no reinit control: a one-shot mask does not depend on the rewind point, so it would
    # repeat text_cnn/imdb/oneshot's reinit control exactly (same mask, seeds, data order)
    "text_cnn/imdb/oneshot/late": ("text_cnn", "imdb", {"mode": "oneshot", "rewind": "1ep",
                                                        "controls": (),
                                                        "levels": (2, 4, 6, 8, 16)}),
    "text_lstm/imdb": ("text_lstm", "imdb", {}),
    "text_lstm/ag_news": ("text_lstm", "ag_news", {}),
    "text_lstm/ag_news/late": ("text_lstm", "ag_news", {"rewind": "1ep", "controls": ()}),
    # [TXT]'s 256 units, as many tokens and epochs as a 20-minute round allows here: a
    # round of 1 epoch at 100 tokens took 12 min with its evaluations on this 2-core CPU
    # (issue 49), so 100 tokens and 2 epochs (the stored 64-unit run's best epoch was the
    # first or second in 58 of its 62 rounds)
    "text_lstm/imdb/256": ("text_lstm", "imdb", {"units": 256, "max_len": 100,
                                                 "training": "2ep",
                                                 "name": "text_lstm_imdb_256"}),
}


# Pruning at initialization [FDRC21] (E8): each criterion scores the initialized network and
# cuts every level in one shot, globally (one ranking over all layers, so each criterion
# chooses its own per-layer sparsities), at the iterative run's overall sparsities (a global
# rate of 0.2 per level); its ablations are the controls "shuffle" (each layer's mask
# shuffled) and "reinit" (new initial weights). Random pruning at initialization is the
# iterative run's "random" control (the same per-layer counts as its ticket, drawn at random).
PAI_METHODS = {"SNIP": "snip", "GraSP": "grasp", "SynFlow": "synflow",
               "magnitude at init": "magnitude"}
PAI_LEVELS = {"lenet_300_100": (3, 7, 12, 18), "text_cnn/imdb": (2, 8)}
for _base, _levels in PAI_LEVELS.items():
    _model, _dataset, _ = TARGETS[_base]
    for _criterion in PAI_METHODS.values():
        TARGETS[f"{_base}/pai/{_criterion}"] = (_model, _dataset, {
            "mode": "oneshot", "mask_after": "0it", "criterion": _criterion,
            "strategy": "global", "rates": 0.2, "controls": ("shuffle", "reinit"),
            "levels": _levels})


def pai_sweep(base, profile, methods=None, **knobs):
    """`{method: Experiment}`: pruning at initialization of target `base` ("lenet_300_100",
    "text_cnn/imdb") by each of `methods` (names of `PAI_METHODS`, default all), with its
    shuffle and reinitialization controls (knobs on top, e.g. `levels`)."""
    if base not in PAI_LEVELS:
        raise bad_param("base", base, "one of " + ", ".join(PAI_LEVELS))
    methods = list(PAI_METHODS) if methods is None else list(methods)
    for m in methods:
        if m not in PAI_METHODS:
            raise bad_param("methods", m, "names among " + ", ".join(PAI_METHODS))
    return {m: target(f"{base}/pai/{PAI_METHODS[m]}", profile, **knobs) for m in methods}


def mask_seconds(experiments, store):
    """{variant: seconds} each one-shot experiment of `{variant: Experiment}` took to cut its
    masks in `store`, every level up to its last (as recorded when they were cut; the mean
    over replicates; NaN where none was recorded): for pruning at initialization, the whole
    cost beyond training each level."""
    import math
    out = {}
    for name, exp in experiments.items():
        last = exp.search.last_round
        recorded = [store.mask_seconds(exp, rep) for rep in range(exp.search.replicates)]
        totals = [sum(s for q, s in r.items() if q <= last) for r in recorded
                  if all(q in r for q in range(1, last + 1))]
        out[name] = sum(totals) / len(totals) if totals else math.nan
    return out


def scored_tokens(experiments, store, data=None, replicate=0):
    """{variant: token ids} of the batches each one-shot experiment's criterion scores
    `replicate`'s masks on (SNIP, GraSP: `prune.score_batches` of its training order), every
    position of every text flattened; a criterion that scores no batch (SynFlow, magnitude)
    is left out. For a text model: a word absent from these batches has a zero gradient
    there, so SNIP and GraSP give its embedding row a zero score."""
    import numpy as np

    from lthkit.pruning.criteria import criterion
    from lthkit.search.ticket import TicketSearch
    out = {}
    for name, exp in experiments.items():
        if "batches" in criterion(exp.prune.criterion).needs:
            batches = TicketSearch(exp, store, data=data, quiet=True).score_batches(replicate)
            out[name] = np.concatenate([np.asarray(x).ravel() for x, _ in batches])
    return out


def target(name, profile="quick", **knobs):
    """The experiment behind target `name` in `profile` (knobs on top, None = profile's): a
    target of the claims ledger (`TARGETS`) or any registered model by its name."""
    from lthkit.models import registry
    if name not in TARGETS and not registry.is_registered(name):
        raise bad_param("target", name, "one of " + ", ".join(
            list(TARGETS) + [n for n in registry.names() if n not in TARGETS]))
    model, dataset, fixed = TARGETS.get(name, (name, None, {}))
    return experiment(model, profile, dataset, **{**fixed, **knobs})


def variants(experiments, store, quiet=False, replicates=None, max_round=None):
    """Run or resume every experiment of `{variant name: Experiment}`; one tidy table with
    a `variant` column (the experiments' own tables, concatenated). `max_round` keeps the
    rounds up to it only (for variants that searched further than the comparison needs)."""
    from lthkit._io import digest
    from lthkit.search.ticket import TicketSearch, dataset_for
    data_cache, tables = {}, []
    for name, exp in experiments.items():
        key = digest(exp.to_dict()["data"])
        search = TicketSearch(exp, store, data=data_cache.get(key), quiet=quiet,
                              replicates=replicates)
        if key not in data_cache and store.missing(exp):
            data_cache[key] = search.data = dataset_for(exp)
        table = search.run()
        if max_round is not None and not table.empty:
            table = table[table["round"] <= max_round]
        if not table.empty:
            tables.append(table.assign(variant=name))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def early_sweep(name, profile, epochs, rounds=None, **knobs):
    """`{"trained": Experiment, "after <n> epochs": Experiment, ...}`: target `name`'s search
    (masks from the end of training), then the same search with each round's mask taken from
    the weights after n epochs (E7, `mask_after`), `rounds` rounds and no controls."""
    sweep = {"trained": target(name, profile, **knobs)}
    for n in epochs:
        sweep[f"after {n} epochs"] = target(name, profile, rounds=rounds, controls=(),
                                            mask_after=f"{n}ep", **knobs)
    return sweep


def rewind_sweep(name, profile, rewinds, rounds=None, **knobs):
    """`{"k = <k>": Experiment}`: target `name` rewound to each point of `rewinds`.

    k = 0 (rewinding to the initialization) is the target's own search, with its controls
    and all its rounds, so a sweep reuses the run another chapter (or the committed full
    run) already made; every later k is a search without controls and `rounds` rounds
    (None: the profile's). Pass `max_round=rounds` to `variants` to compare them evenly."""
    from lthkit.durations import parse
    sweep = {}
    for k in rewinds:
        if parse(k, "rewinds").amount == 0:
            sweep[f"k = {k}"] = target(name, profile, **knobs)
        else:
            sweep[f"k = {k}"] = target(name, profile, rewind=k, rounds=rounds, controls=(),
                                       **knobs)
    return sweep


@dataclass
class StoredRun:
    """A committed run: its table, where it is, how much of it there is, how it differs."""
    exp: object
    store: object
    table: pd.DataFrame

    @property
    def hash(self):
        from lthkit.store import experiment_hash
        return experiment_hash(self.exp)

    @property
    def folder(self):
        return self.store.experiment_dir(self.exp)

    @property
    def replicates(self):
        return int(self.table["replicate"].nunique())

    @property
    def rounds(self):
        return int(self.table["round"].max())

    @property
    def branches(self):
        return sorted(self.table["branch"].unique(), key=lambda b: (b != "main", b))

    def progress(self):
        """{branch: (rounds stored, rounds the experiment asks for)}, replicates summed."""
        stored = self.table.groupby("branch").size()
        return {b: (int(stored.get(b, 0)), len(self.store.branch_rounds(self.exp, b)))
                for b in ("main",) + tuple(self.exp.search.controls)}

    @property
    def complete(self):
        return all(done >= wanted for done, wanted in self.progress().values())

    def initial_weights(self, replicate=0, data=None):
        """The initialization of `replicate` that the ticket rewinds to, keyed like the masks
        (kept locally by the search that trained it, else rebuilt from the seed in seconds;
        `data`: the run's dataset, loaded when not given), or None, with a warning, where
        this machine or Keras backend computes other initial weights than the ones the run
        recorded (their digest)."""
        import warnings

        from lthkit._io import LthkitWarning
        from lthkit.data.errors import DataWarning
        from lthkit.search.ticket import TicketSearch, WeightsDiffer
        try:
            with warnings.catch_warnings():
                # what the data's caveats say is about accuracies, not about initial weights
                warnings.simplefilter("ignore", DataWarning)
                return TicketSearch(self.exp, self.store, data=data,
                                    quiet=True).dense_weights(replicate)
        except WeightsDiffer as err:
            warnings.warn(f"lthkit: no initial weights for {self.folder}: {err}",
                          LthkitWarning, stacklevel=2)
            return None

    @property
    def source(self):
        """The label charts and tables carry: profile, replicates, rounds and folder (and
        "in progress" while rounds are still to come)."""
        reps = f"{self.replicates} replicate{'s' * (self.replicates != 1)}"
        return (f"full profile, {reps}, rounds 0-{self.rounds}"
                f"{'' if self.complete else ' (in progress)'}, results/{self.folder.name}")

    def summary(self):
        parts = ", ".join(f"{b} {done} of {wanted}" for b, (done, wanted) in
                          self.progress().items())
        state = ("complete" if self.complete else
                 "**in progress**: the tables and charts show the rounds stored so far")
        return (f"Stored run `results/{self.folder.name}` (hash {self.hash}): "
                f"{self.replicates} replicate{'s' * (self.replicates != 1)}, rounds 0 to "
                f"{self.rounds}; rounds stored, "
                f"all replicates: {parts}; {state}.")

    @property
    def data_info(self):
        """The data card the run recorded (dataset, splits, notes), or {} where it has none."""
        return self.store.info(self.exp).get("data_info") or {}

    @property
    def resplit(self):
        """Why its test rows are a re-split of the official ones (the data card's note), or
        None: what `claims.ledger(..., resplit=)` takes."""
        return self.data_info.get("resplit")

    def diff_card(self):
        """How this run's settings depart from the paper's setting, as a table."""
        return diff_card(self.exp, self.data_info)

    def _repr_markdown_(self):
        from lthkit.analysis import markdown_table
        return self.summary() + "\n\n" + markdown_table(self.diff_card(), index=False)


def _flatten(d, prefix=""):
    out = {}
    for key, value in d.items():
        if isinstance(value, dict) and key != "rates":
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


IGNORED = {"name", "search.controls", "train.test_curve", "train.eval_batch_size"}


def diff_card(exp, data_info=None):
    """Settings of `exp` that differ from the paper's (`default_experiment`), with the
    notes on where lthkit's paper setting itself departs from the paper. A reader's own
    model has no paper setting: its card lists the settings of the search instead."""
    if exp.model.own:
        return _own_card(exp)
    dataset = exp.data.name if exp.model.name in ("text_cnn", "text_lstm") else None
    paper = _flatten(default_experiment(exp.model.name, dataset).to_dict())
    ours = _flatten(exp.to_dict())
    builder = _builder_defaults(exp.model.name)
    rows = []
    for key in sorted(set(paper) | set(ours)):
        if key in IGNORED:
            continue
        default = builder.get(key, "(default)")
        a, b = paper.get(key, default), ours.get(key, default)
        if a != b:
            rows.append({"setting": key, "paper": _show(key, a), "this run": _show(key, b)})
    from lthkit.models import registry
    notes = list(registry.entry(exp.model.name).notes) + DATASET_NOTES.get(exp.data.name, [])
    for note in notes:
        rows.append({"setting": "note", "paper": "", "this run": note})
    if data_info:
        if data_info.get("resplit"):
            rows.append({"setting": "data", "paper": "official splits",
                         "this run": "RE-SPLIT: " + data_info["resplit"]})
        if data_info.get("lossy"):
            rows.append({"setting": "data", "paper": "original pixels",
                         "this run": "a lossy copy (see the dataset notes)"})
    return pd.DataFrame(rows, columns=["setting", "paper", "this run"])


def _own_card(exp):
    from lthkit._io import digest
    d = _flatten({k: v for k, v in exp.to_dict().items() if k not in ("model", "name")})
    rows = [{"setting": "model", "paper": "(a reader's own model: no paper setting)",
             "this run": f"{exp.model.name}, Keras config sha256 {digest(exp.model.keras, 12)}"
                         + (f", unpruned: {', '.join(k for k, v in exp.model.prunable.items() if not v)}"
                            if any(not v for v in exp.model.prunable.values()) else "")}]
    rows += [{"setting": k, "paper": "", "this run": _show(k, v)} for k, v in sorted(d.items())
             if k not in IGNORED and v not in (None, (), [], {})
             and k not in ("train.fresh_optimizer",)]
    return pd.DataFrame(rows, columns=["setting", "paper", "this run"])


def _builder_defaults(model):
    """The value each model setting takes where an experiment leaves it out: the default in
    the builder's signature (the paper's End2End embedding width, 300), keyed as in
    `_flatten`."""
    import inspect

    from lthkit.models import get_builder
    return {f"model.kwargs.{name}": param.default
            for name, param in inspect.signature(get_builder(model)).parameters.items()
            if param.default is not inspect.Parameter.empty}


def _show(key, value):
    if value is None:
        return {"data.kwargs.vocab_size": "all training words", "data.n_train": "all",
                "data.n_test": "all", "search.mask_after": "end of training"}.get(key, "None")
    return str(value)


@dataclass
class StoredVariants:
    """Several committed runs as one variants table (read only, like `stored`)."""
    runs: dict
    table: pd.DataFrame

    @property
    def exps(self):
        return {name: run.exp for name, run in self.runs.items()}

    @property
    def store(self):
        return next(iter(self.runs.values())).store

    @property
    def source(self):
        """The label charts carry: the profile and every run's folder (and which are still
        in progress)."""
        return "full profile, " + ", ".join(
            run.folder.name + ("" if run.complete else " (in progress)")
            for run in self.runs.values())


def stored_variants(experiments, store=None, minimum=2, max_round=None):
    """The committed runs among `{variant name: Experiment}` as one table with a `variant`
    column, like `variants` but without training anything: a book build never trains a
    full-profile round, even where a stored run is still in progress. None if fewer than
    `minimum` of them are stored. `max_round` keeps the rounds up to it only."""
    runs = {name: stored(exp, store) for name, exp in experiments.items()}
    runs = {name: run for name, run in runs.items() if run is not None}
    if len(runs) < minimum:
        return None
    tables = [run.table.assign(variant=name) for name, run in runs.items()]
    table = pd.concat(tables, ignore_index=True)
    if max_round is not None:
        table = table[table["round"] <= max_round].reset_index(drop=True)
    return StoredVariants(runs, table)


def stored_named(name, store=None):
    """The committed run called `name` (an experiment's `name`, e.g. a chapter's own model's
    "transformer_imdb"), read from its own experiment.json: for a run whose experiment a
    reader cannot rebuild here (its model is built in a chapter at another size). Where
    several runs share the name, the one with the most rounds stored. None if there is none."""
    from lthkit.profiles import results_store
    store = store or results_store("full")
    best = None
    for folder, exp in _named_runs(name, store):
        run = stored(exp.replace(search=_extent(folder, exp)), store)
        if run is not None and (best is None or len(run.table) > len(best.table)):
            best = run
    return best


def named_experiment(name, store=None):
    """The experiment of the run stored under `name` (e.g. "transformer_imdb"), as its first
    search asked for it (rounds, replicates, controls), read from its own experiment.json in
    `store`, else in results/: a run whose model a chapter builds can be resumed without the
    chapter. Where several runs share the name, the one with the most rounds stored; None
    where there is none."""
    from lthkit.profiles import results_store
    best = None
    for where in ([store] if store is not None else []) + [results_store("full")]:
        for folder, exp in _named_runs(name, where):
            done = sum(1 for _ in folder.glob("replicate-*/*/round-*/metrics.json"))
            if best is None or done > best[0]:
                best = (done, exp)
        if best is not None:
            return best[1]
    return None


def _named_runs(name, store):
    """(folder, experiment as its experiment.json records it) of every run stored under
    `name` in `store` whose folder matches its recorded hash."""
    from lthkit.search.hparams import Experiment
    if not store.root.exists():
        return
    for folder in sorted(store.root.glob(f"{name}-*")):
        info = store.read_json(folder / "experiment.json")
        if info and folder.name == f"{name}-{info.get('hash')}":
            yield folder, Experiment.from_dict(info["experiment"])


def _extent(folder, exp):
    """How far the run stored in `folder` was asked to go: its experiment.json (`exp`)
    records the first search's rounds, replicates and controls, and later searches of the
    same hash may have extended them. A run short of that is in progress
    (`StoredRun.complete`)."""
    reps = [int(p.name.split("-")[1]) for p in folder.glob("replicate-*")]
    rounds = [int(p.name.split("-")[1]) for p in folder.glob("replicate-*/*/round-*")
              if (p / "metrics.json").exists()]
    branches = {p.parent.name for p in folder.glob("replicate-*/*/round-*")}
    asked = exp.search
    extent = {"replicates": max(reps + [asked.replicates - 1]) + 1,
              "controls": tuple(asked.controls) + tuple(
                  sorted(b for b in branches - {"main"} if b not in asked.controls))}
    if not asked.levels:
        extent["rounds"] = max(rounds + [asked.rounds])
    return extent


def stored(exp, store=None):
    """The committed run of `exp` (default store: `results/`), or None if nothing is stored.

    Reads only: nothing is trained. The table holds what is stored of the replicates, rounds
    and controls `exp` asks for.
    """
    from lthkit.profiles import results_store
    store = store or results_store("full")
    if not store.experiment_dir(exp).exists():
        return None
    table = store.table(exp)
    if table.empty:
        return None
    return StoredRun(exp, store, table)
