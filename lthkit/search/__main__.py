"""Run (or resume) a book experiment from the command line, e.g. a full-profile run whose
results are then committed under results/:

    python -m lthkit.search lenet_300_100 --profile full
    python -m lthkit.search text_cnn --dataset ag_news --profile full --set training=5ep
    python -m lthkit.search text_cnn/imdb/oneshot --profile full   # a claims-ledger target
    python -m lthkit.search.plan --run        # every stored run of the book, in order
    # two processes sharing one run (each takes the rounds the other is not training; a
    # round is never trained twice); worth it where cores are really free: on the book's
    # 2-core machine two processes train no faster in all than one (bench_processes.py)
    python -m lthkit.search lenet_300_100 --profile full --only-replicate 0 &
    python -m lthkit.search lenet_300_100 --profile full --only-replicate 1 --only-replicate 2

Every bad argument is refused in one line on stderr, with exit code 2.
"""
import argparse
import sys

from lthkit._cli import (OneLineParser, add_adopt_option, add_import_option, adopt_from,
                         import_from, name_value)
from lthkit._errors import LthkitError

_knob = name_value("training=5ep")


def parser():
    from lthkit.profiles import PROFILES
    from lthkit.models import registry
    from lthkit.search.runs import TARGETS
    p = OneLineParser(prog="python -m lthkit.search", description=__doc__,
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=sorted(registry.names()) + sorted(t for t in TARGETS
                                                                        if "/" in t),
                   metavar="MODEL_OR_TARGET",
                   help="a model (%(choices)s), or a target of the claims ledger such as "
                        "text_cnn/imdb/oneshot (its model, dataset and fixed settings)")
    p.add_argument("--dataset", help="the text models' dataset: imdb (default) or ag_news")
    p.add_argument("--profile", choices=PROFILES, default="quick")
    p.add_argument("--replicates", type=int, help="independent runs (default: the profile's)")
    p.add_argument("--rounds", type=int, help="pruning rounds after the dense round "
                                              "(0 = the dense network only)")
    from lthkit.search.controls import CONTROLS
    registered = "; ".join(f"{c.name}: {c.description}" for c in CONTROLS.values())
    p.add_argument("--controls", nargs="*", help="control branches, e.g. reinit random "
                   "(default: the profile's; none: --controls). Registered: "
                   + registered.replace("%", "%%"))
    p.add_argument("--set", dest="knobs", action="append", type=_knob, default=[],
                   metavar="KNOB=VALUE", help="any knob of lthkit.search.experiment, e.g. "
                                              "training=5ep (repeatable)")
    p.add_argument("--store", help="result store folder (default: the profile's)")
    p.add_argument("--only-replicate", type=int, action="append", metavar="ID",
                   help="train only this replicate id (repeatable)")
    p.add_argument("--rebuild-masks", action="store_true",
                   help="rebuild the masks a stored run lacks (runs from before masks were "
                        "committed) by training their rounds again, checked against the "
                        "stored metrics")
    p.add_argument("--instability", type=int, nargs="+", metavar="ROUND",
                   help="after the search: the instability analysis at the rewind point for "
                        "these levels (0: the dense network), every replicate")
    p.add_argument("--points", type=int, default=25, help="points on the instability path")
    p.add_argument("--early-bird", type=int, metavar="LEVEL",
                   help="after the search: early-bird detection for a one-shot mask of LEVEL "
                        "rounds, with its tickets, every replicate")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_adopt_option(p)
    add_import_option(p)
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    failed = import_from(argv, "python -m lthkit.search")
    if failed:
        return failed
    args = parser().parse_args(argv)
    try:
        return run(args)
    except LthkitError as err:
        print(f"python -m lthkit.search: {err}", file=sys.stderr)
        return 2


def run(args):
    adopt_from(args)
    from lthkit.profiles import results_store
    from lthkit.search import TicketSearch, experiment
    from lthkit.store import ResultStore

    if args.instability:
        from lthkit.search.stability import _check_points
        _check_points(args.points)
    knobs = dict(args.knobs)
    for name in ("replicates", "rounds"):
        if getattr(args, name) is not None:
            knobs[name] = getattr(args, name)
    if args.controls is not None:
        knobs["controls"] = tuple(args.controls)
    if "/" in args.model:
        from lthkit.search.runs import target
        if args.dataset:
            raise LthkitError(f"--dataset={args.dataset!r} is not allowed with a target: "
                              f"{args.model!r} names its dataset.")
        exp = target(args.model, args.profile, **knobs)
    else:
        exp = experiment(args.model, args.profile, args.dataset, **knobs)
    store = ResultStore(args.store) if args.store else results_store(args.profile)
    search = TicketSearch(exp, store, quiet=args.quiet, replicates=args.only_replicate)
    print(f"{exp.label}: {store.experiment_dir(exp)}", flush=True)
    if args.rebuild_masks:
        rebuilt = search.rebuild_masks()
        print(f"rebuilt {rebuilt} masks", flush=True)
    table = search.run()
    replicates = args.only_replicate or range(exp.search.replicates)
    if args.instability:
        from lthkit.search.stability import instability_table
        found, _ = instability_table({exp.label: exp}, store, rounds=args.instability,
                                     replicates=replicates, points=args.points,
                                     quiet=args.quiet)
        print(found.to_string(index=False))
    if args.early_bird:
        from lthkit.search.earlybird import report
        found, _ = report(exp, store, args.early_bird, replicates=replicates, quiet=args.quiet)
        print(found.to_string())
    if table.empty:
        print("nothing stored yet")
        return 0
    cols = ["percent_remaining", "early_stop_test_accuracy", "test_accuracy",
            "early_stop_iteration"]
    print(table.groupby(["branch", "round"])[cols].mean().round(4).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
