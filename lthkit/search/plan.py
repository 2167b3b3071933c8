"""The book's stored runs: every full-profile run a chapter shows, in the order to train them.

The long runs are where the book's numbers come from, and on a CPU they take days, so they
are trained one at a time, in this order, and committed round by round (`results/`). Each
entry is resumable: running the plan again skips what is stored and trains what is not.

    python -m lthkit.search.plan                # what is stored, what is left (and its hours)
    python -m lthkit.search.plan --run          # train the whole queue, in order
    python -m lthkit.search.plan --run --only text_cnn/imdb end2end
    python -m lthkit.search.plan --cut-masks --only text_cnn/imdb/pai/grasp  # masks first
    python -m lthkit.search.plan --run --ray              # on a local Ray instance
    python -m lthkit.search.plan --run --ray HEAD:6379    # on a Ray cluster
    python -m lthkit.search.plan --run --ray --gpus 1     # each round on a GPU of its own

Run it once per machine: one process at a time trains fastest on a small CPU. On this
book's 2-core machine two processes train no more steps per second in all than one
(`benchmarks/bench_processes.py`: 0.99x for the text CNN, 1.06x for Lenet), and two IMDb
searches side by side finished their rounds 1.6x slower in all than one alone. On a GPU the
same command trains the same runs; commit `results/` afterwards.

The chapters read these runs through `search.stored(...)`; the rewinding chapter takes its
full-profile sweep points from the constants below, so a chapter and the plan cannot drift.
"""
from dataclasses import dataclass, field

# The rewinding and early-ticket chapters' full-profile settings (book/06_rewinding.py and
# book/07_early_tickets.py read these).
LENET_REWINDS = ("0it", "100it", "500it", "2000it")
LENET_SWEEP_ROUNDS = 12
LENET_INSTABILITY_ROUNDS = (0, 10)
TEXT_REWINDS = ("0it", "100it", "1ep")
TEXT_INSTABILITY_ROUNDS = (0, 6)
EARLY_EPOCHS = (0, 1, 2, 3, 5, 8, 15)
EARLY_ROUNDS = 10
EARLY_BIRD_LEVEL = 10
TEXT_EARLY_BIRD_LEVEL = 6  # 73.8 % sparsity, one of [TXT]'s week-11 levels
POINTS = 25


@dataclass(frozen=True)
class Entry:
    """One stored run: a claims-ledger target (`lthkit.search.TARGETS`) with knobs, and
    the analyses that follow its search (instability at some levels, early birds)."""
    name: str
    target: str
    knobs: dict = field(default_factory=dict)
    chapters: str = ""
    instability_rounds: tuple = ()
    instability_replicates: tuple = ()
    early_bird_level: int = None
    # a run whose model is built in a chapter (through `experiment_for`): its name in the
    # store, read back from its own experiment.json once the chapter started it (`start`)
    named: str = None
    start: str = ""
    # a chapter-built run that is another one's variant: (that run's name, the sections of
    # `Experiment.replace` it changes), e.g. late rewinding of the same network; the plan
    # starts it itself once that run is stored
    derived: tuple = None

    def experiment(self, store=None):
        """The entry's experiment; for a run built in a chapter, the one stored under its
        name in `store` (or results/), else the one `derived` from another stored run, else
        None (until the chapter has started it)."""
        from lthkit.search.runs import named_experiment, target
        if self.named:
            exp = named_experiment(self.named, store)
            if exp is None and self.derived:
                base, changes = self.derived
                exp = named_experiment(base, store)
                exp = exp and exp.replace(name=self.named, **changes)
            return exp
        return target(self.target, "full", **self.knobs)

    def analysis_files(self, store, exp=None):
        """The files of this entry's analyses in `store` by kind ("instability", "early
        bird"), stored once they exist."""
        from lthkit.search.earlybird import early_bird_path
        from lthkit.search.stability import stability_path
        exp = exp or self.experiment()
        files = {"instability": [stability_path(store, exp, rep, r, POINTS)
                                 for r in self.instability_rounds
                                 for rep in self.instability_replicates]}
        if self.early_bird_level is not None:
            files["early bird"] = [early_bird_path(store, exp, rep, self.early_bird_level)
                                   for rep in range(exp.search.replicates)]
        return files

    def analysis_paths(self, store, exp=None):
        """The files of this entry's analyses in `store`, every kind together."""
        return [p for paths in self.analysis_files(store, exp).values() for p in paths]


# Entries of models a reader registered with `register_model(..., plan=True)`.
REGISTERED = {}


def entries():
    """Every stored run of the book, in the order to train them (the ones other runs and
    chapters build on first)."""
    from lthkit.durations import parse
    out = [
        Entry("text_cnn/imdb", "text_cnn/imdb", chapters="03, 04, 05, 06, 07"),
        Entry("text_cnn/ag_news", "text_cnn/ag_news", chapters="03, 04"),
        Entry("end2end", "end2end", chapters="03"),
        Entry("text_lstm/imdb", "text_lstm/imdb", chapters="04"),
        Entry("text_lstm/ag_news", "text_lstm/ag_news", chapters="04"),
        Entry("lenet_300_100", "lenet_300_100", chapters="02, 05, 06, 07"),
        Entry("lenet_300_100/oneshot", "lenet_300_100/oneshot", chapters="05"),
        Entry("text_cnn/imdb/oneshot", "text_cnn/imdb/oneshot", chapters="05"),
        Entry("text_cnn/imdb/oneshot/late", "text_cnn/imdb/oneshot/late", chapters="05"),
        Entry("lenet_300_100 early birds", "lenet_300_100", chapters="07",
              early_bird_level=EARLY_BIRD_LEVEL),
    ]
    lenet_stability = dict(instability_rounds=LENET_INSTABILITY_ROUNDS,
                           instability_replicates=(0, 1, 2))
    out.append(Entry("lenet_300_100 instability", "lenet_300_100", chapters="06",
                     **lenet_stability))
    for k in LENET_REWINDS:
        if parse(k, "rewind").amount:
            out.append(Entry(f"lenet_300_100 rewound to {k}", "lenet_300_100",
                             {"rewind": k, "rounds": LENET_SWEEP_ROUNDS, "controls": ()},
                             chapters="06", **lenet_stability))
    for n in EARLY_EPOCHS:
        out.append(Entry(f"lenet_300_100 masks after {n} epochs", "lenet_300_100",
                         {"rounds": EARLY_ROUNDS, "controls": (), "mask_after": f"{n}ep"},
                         chapters="07"))
    out.append(Entry("text_cnn/imdb early birds", "text_cnn/imdb", chapters="07",
                     early_bird_level=TEXT_EARLY_BIRD_LEVEL))
    text_stability = dict(instability_rounds=TEXT_INSTABILITY_ROUNDS,
                          instability_replicates=(0,))
    for k in TEXT_REWINDS:
        if parse(k, "rewind").amount:
            out.append(Entry(f"text_cnn/imdb rewound to {k}", "text_cnn/imdb",
                             {"rewind": k, "controls": ()}, chapters="05, 06",
                             **text_stability))
    out.append(Entry("text_cnn/imdb instability", "text_cnn/imdb", chapters="06",
                     **text_stability))
    out.append(Entry("text_lstm/ag_news/late", "text_lstm/ag_news/late", chapters="06, 99"))
    from lthkit.search.runs import PAI_LEVELS, PAI_METHODS
    for base in PAI_LEVELS:
        for criterion in PAI_METHODS.values():
            out.append(Entry(f"{base}/pai/{criterion}", f"{base}/pai/{criterion}",
                             chapters="08, 99"))
    out.append(Entry("text_lstm/imdb/256", "text_lstm/imdb/256", chapters="04"))
    transformer = ('make chapter CHAPTER=04b_transformer OUT=runs/transformer-full.ipynb '
                   'P="profile=full"')
    out.append(Entry("transformer_imdb", "", named="transformer_imdb", chapters="04b, 99",
                     start=transformer))
    # the chapter's late-rewound run: the same network and rounds, rewound to 1 epoch
    out.append(Entry("transformer_imdb_late", "", named="transformer_imdb_late",
                     chapters="04b, 99", start=transformer,
                     derived=("transformer_imdb", {"search": {"rewind": "1ep",
                                                              "controls": ()}})))
    return out + list(REGISTERED.values())


# What an analysis costs, in rounds of its experiment: instability trains two copies of a
# round from the rewind point; an early bird replays the dense round, then trains the
# early-bird and the one-shot ticket of its level.
ROUNDS_PER_ANALYSIS = {"instability": 2, "early bird": 3}


def cost_key(exp):
    """What one round's training time depends on: the model, the data and the schedule
    (not the pruning, the rewind point or the branch: masked layers compute densely)."""
    import json
    d = exp.to_dict()
    return json.dumps([d["model"], d["data"], d["train"]], sort_keys=True, default=str)


def seconds_per_round(store, exps):
    """Seconds per round for each cost key among `exps`: the lower quartile of the
    `train_seconds` of the stored rounds of every experiment with that model, data and
    schedule (a dense round shared by several counted once). A quartile, not the mean: a
    round that shared the machine with other work ran longer, never shorter, so the quicker
    rounds say what one process alone takes. Keys with no stored round have no entry."""
    import numpy as np

    from lthkit.store import experiment_hash
    pooled = {}
    unique = {experiment_hash(exp): exp for exp in exps}  # entries sharing a search: once
    for exp in unique.values():
        table = store.table(exp)
        if table.empty or "train_seconds" not in table:
            continue
        for r in table.itertuples():
            where = (str(store.dense_replicate_dir(exp, r.replicate)) if r.round == 0 else
                     (r.experiment, r.replicate, r.branch, r.round))
            pooled.setdefault(cost_key(exp), {})[where] = r.train_seconds
    return {k: float(np.percentile(list(v.values()), 25)) for k, v in pooled.items()}


def status(store=None):
    """One row per entry: rounds stored and wanted, analyses stored and wanted, and an
    estimate of the hours left on this machine: the rounds and analyses still to train (an
    entry that shares its search with one above counts its analyses only) at the pace of
    `seconds_per_round`; empty where no round of the same model, data and schedule is
    stored yet."""
    import pandas as pd

    from lthkit.profiles import results_store
    from lthkit.store import experiment_hash
    store = store or results_store("full")
    plan = [(e, e.experiment(store)) for e in entries()]
    speed = seconds_per_round(store, [exp for _, exp in plan if exp is not None])
    rows, counted = [], set()
    for e, exp in plan:
        if exp is None:  # built in a chapter that has not started it yet
            rows.append({"run": e.name, "folder": f"not started: {e.start}", "rounds": "",
                         "analyses": "", "hours left (est.)": None, "chapters": e.chapters})
            continue
        branches = ("main",) + tuple(exp.search.controls)
        wanted = sum(len(store.branch_rounds(exp, b)) for b in branches)
        missing = len(store.missing(exp))
        files = e.analysis_files(store, exp)
        stored = {kind: sum(p.exists() for p in paths) for kind, paths in files.items()}
        wanted_analyses = sum(len(paths) for paths in files.values())
        # rounds shared with an entry above (its analyses follow the same search) count there
        key = experiment_hash(exp)
        left = (0 if key in counted else missing) + sum(
            ROUNDS_PER_ANALYSIS[kind] * (len(paths) - stored[kind])
            for kind, paths in files.items())
        counted.add(key)
        seconds = speed.get(cost_key(exp))
        rows.append({"run": e.name, "folder": store.experiment_dir(exp).name,
                     "rounds": f"{wanted - missing} / {wanted}",
                     "analyses": (f"{sum(stored.values())} / {wanted_analyses}"
                                  if wanted_analyses else ""),
                     "hours left (est.)": (round(left * seconds / 3600, 1)
                                           if seconds is not None else None),
                     "chapters": e.chapters})
    return pd.DataFrame(rows)


def summary(table):
    """One line under the status table: the hours left in all, and what has no estimate."""
    hours = table["hours left (est.)"]
    unknown = table.loc[hours.isna(), "run"].tolist()
    line = f"about {hours.sum():.0f} hours left on this machine, one process at a time"
    if unknown:
        line += (f", plus {len(unknown)} runs with no stored round of their model, data and "
                 f"schedule to time them by ({', '.join(unknown)})")
    return line


def run(names=None, store=None, quiet=False, executor="local"):
    """Train the entries named in `names` (default: all), in the plan's order; each entry's
    rounds through `executor` (`lthkit.search.tasks.EXECUTORS`, e.g. "ray"; the analyses
    that follow a search run in this process). An executor that runs graphs (Ray) gets every
    entry's rounds at once, as one graph (`_run_graph`); the local one trains entry after
    entry."""
    from lthkit.profiles import results_store
    from lthkit.progress import bar
    from lthkit.search.tasks import executor_for
    from lthkit.search.ticket import TicketSearch
    store = store or results_store("full")
    chosen = _chosen(names, store)
    executor = executor_for(executor)
    datasets = {}  # the local executor keeps one dataset at a time, reused by its neighbours
    with bar(rounds_left(store, [exp for _, exp in chosen]), "plan", quiet=quiet,
             unit="round") as progress:
        if callable(getattr(executor, "run_graph", None)):
            _run_graph(chosen, store, executor, progress, quiet, datasets)
            return
        for e, exp in chosen:
            left = (len(store.missing(exp)),
                    sum(not p.exists() for p in e.analysis_paths(store, exp)))
            progress.write(f"== {e.name}: {store.experiment_dir(exp).name}, {left[0]} rounds "
                           f"and {left[1]} analyses to go")
            if left == (0, 0):
                continue
            data = _data(datasets, exp, keep_one=True)
            TicketSearch(exp, store, data=data, quiet=quiet, executor=executor).run(progress)
            _analyses(e, exp, store, data, quiet)


def cut_masks(names=None, store=None, quiet=False):
    """Cut every level's mask of the one-shot entries named in `names` (default: all) before
    their rounds train (`TicketSearch.cut_masks`); entries not started, and iterative ones,
    are left as they are. Returns {entry name: masks cut}."""
    from lthkit.profiles import results_store
    from lthkit.search.ticket import TicketSearch
    store = store or results_store("full")
    cut, datasets = {}, {}
    for e, exp in _chosen(names, store):
        if exp.search.mode != "oneshot":
            continue
        search = TicketSearch(exp, store, data=_data(datasets, exp, keep_one=True), quiet=quiet)
        cut[e.name] = search.cut_masks()
        print(f"== {e.name}: {store.experiment_dir(exp).name}, {cut[e.name]} masks cut",
              flush=True)
    return cut


def _chosen(names, store):
    """(entry, experiment) of the entries named in `names` (default: all) that have
    started, in the plan's order; an unknown name is refused, one not started is said."""
    from lthkit._errors import bad_param
    plan = entries()
    known = [e.name for e in plan]
    for name in names or ():
        if name not in known:
            raise bad_param("only", name, "the name of a stored run: " + ", ".join(known))
    chosen = [(e, e.experiment(store)) for e in plan if not names or e.name in names]
    for e, exp in chosen:
        if exp is None:
            print(f"== {e.name}: not started; its chapter starts it: {e.start}", flush=True)
    return [(e, exp) for e, exp in chosen if exp is not None]


def rounds_left(store, exps):
    """The rounds `exps` have left to train in `store`, each counted once: a search shared
    by several entries, and a dense round shared by several searches (`dense_hash`)."""
    from lthkit.store import experiment_hash
    from lthkit.store.identity import dense_hash
    items, seen = set(), set()
    for exp in exps:
        key = experiment_hash(exp)
        if key in seen:
            continue
        seen.add(key)
        for rep, branch, r in store.missing(exp):
            items.add(("dense", dense_hash(exp), rep) if r == 0 else (key, rep, branch, r))
    return len(items)


def _data(datasets, exp, keep_one=False):
    """The dataset of `exp`, loaded once per distinct setting (`keep_one`: forget the
    others, so that one dataset at a time stays in memory)."""
    from lthkit._io import canonical_json
    from lthkit.search.ticket import dataset_for
    key = canonical_json(exp.to_dict()["data"])
    if key not in datasets:
        if keep_one:
            datasets.clear()
        datasets[key] = dataset_for(exp)
    return datasets[key]


def _run_graph(chosen, store, executor, progress, quiet, datasets):
    """Every chosen entry's missing rounds as one graph on `executor` (searches shared by
    entries once), then each entry's analyses, in the plan's order, in this process."""
    from lthkit.store import experiment_hash
    from lthkit.search.ticket import TicketSearch
    jobs, seen = [], set()
    for e, exp in chosen:
        if experiment_hash(exp) in seen:
            continue
        seen.add(experiment_hash(exp))
        search = TicketSearch(exp, store, data=_data(datasets, exp), quiet=quiet,
                              executor=executor)
        todo = search.pending()
        if todo:
            search.setup()
            jobs.append((search, todo))
    progress.write(f"== {len(jobs)} searches with rounds to train, as one graph")
    if jobs:
        executor.run_graph(jobs, progress)
    for e, exp in chosen:
        if any(not p.exists() for p in e.analysis_paths(store, exp)):
            progress.write(f"== {e.name}: analyses")
            _analyses(e, exp, store, _data(datasets, exp), quiet)


def _analyses(e, exp, store, data, quiet):
    """The analyses that follow entry `e`'s search, in this process."""
    from lthkit.search.earlybird import report
    from lthkit.search.stability import instability_table
    if e.instability_rounds:
        instability_table({e.name: exp}, store, rounds=e.instability_rounds,
                          replicates=e.instability_replicates, points=POINTS, data=data,
                          quiet=quiet)
    if e.early_bird_level is not None:
        report(exp, store, e.early_bird_level, replicates=range(exp.search.replicates),
               data=data, quiet=quiet)


def main(argv=None):
    import sys

    from lthkit._cli import (OneLineParser, add_adopt_option, add_import_option, adopt_from,
                             import_from)
    from lthkit._errors import LthkitError
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    failed = import_from(argv, "python -m lthkit.search.plan")
    if failed:
        return failed
    p = OneLineParser(prog="python -m lthkit.search.plan", description=__doc__.split("\n\n")[0])
    p.add_argument("--run", action="store_true", help="train what is missing, in order")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these entries")
    p.add_argument("--cut-masks", action="store_true",
                   help="first cut every level's mask of the one-shot entries (pruning at "
                        "initialization: seconds to minutes), so what they keep can be read before "
                        "their rounds train")
    p.add_argument("--store", help="result store folder (default: results/)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="train the rounds on Ray: a local instance, or the cluster at ADDRESS "
                        "(HOST:PORT of `ray start --head`; workers write to the same --store)")
    p.add_argument("--gpus", type=float, metavar="N",
                   help="with --ray: the GPUs each round asks for (default: each experiment's "
                        "search.gpus, 0 = one CPU)")
    add_adopt_option(p)
    add_import_option(p)
    args = p.parse_args(argv)
    adopt_from(args)
    from lthkit.store import ResultStore
    store = ResultStore(args.store) if args.store else None
    try:
        executor = "local"
        if args.ray:
            from lthkit.search.ray_executor import RayExecutor, check_reachable
            address = None if args.ray == "local" else args.ray
            if address not in (None, "auto"):
                check_reachable(address)
            executor = RayExecutor(address=address, gpus=args.gpus)
        elif args.gpus is not None:
            p.error("--gpus needs --ray")
        if args.cut_masks:
            cut_masks(args.only, store, quiet=args.quiet)
        if args.run:
            run(args.only, store, quiet=args.quiet, executor=executor)
        table = status(store)
        print(table.to_string(index=False, na_rep=""))
        print(summary(table))
    except LthkitError as err:
        print(f"python -m lthkit.search.plan: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
