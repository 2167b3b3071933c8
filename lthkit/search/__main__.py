"""Run (or resume) a book experiment from the command line, e.g. a full-profile run on a
GPU machine whose results are then committed under results/:

    python -m lthkit.search lenet_300_100 --profile full
    python -m lthkit.search conv6 --profile full --replicates 3 --rounds 20
    # two processes sharing one run, one per core:
    python -m lthkit.search lenet_300_100 --profile full --only-replicate 0 --only-replicate 1 &
    python -m lthkit.search lenet_300_100 --profile full --only-replicate 2
"""
import argparse

from lthkit.search.defaults import DEFAULTS
from lthkit.search.profiles import PROFILES, profile_experiment
from lthkit.search.ticket import run_search
from lthkit.store import ResultStore, default_store


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m lthkit.search", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=sorted(DEFAULTS))
    p.add_argument("--profile", choices=PROFILES, default="quick")
    p.add_argument("--replicates", type=int)
    p.add_argument("--rounds", type=int)
    p.add_argument("--controls", nargs="*", help="reinit and/or random (default: the profile's)")
    p.add_argument("--store", help="result store folder (default: the profile's)")
    p.add_argument("--only-replicate", type=int, action="append", metavar="ID",
                   help="train only this replicate id (repeatable): run one process per "
                        "core on the same store, each with its own replicates")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    search = {k: v for k, v in (("replicates", a.replicates), ("rounds", a.rounds)) if v}
    if a.controls is not None:
        search["controls"] = tuple(a.controls)
    exp = profile_experiment(a.model, a.profile, search=search)
    store = ResultStore(a.store) if a.store else default_store(a.profile)
    print(f"{exp.name}: {store.experiment_dir(exp)}", flush=True)
    table = run_search(exp, store, quiet=a.quiet, replicates=a.only_replicate)
    cols = ["branch", "round", "percent_remaining", "early_stop_test_accuracy",
            "test_accuracy", "early_stop_iteration"]
    print(table.groupby(["branch", "round"])[cols[2:]].mean().round(4).to_string())


if __name__ == "__main__":
    main()
