"""Migrate result stores of format 1 (the first lthkit store) to format 2. Run once:

    .venv/bin/python tools/migrate_results_v2.py results/

Format 1 kept round 0 inside each experiment and wrote durations as `iterations`/`epochs`,
`eval_every` and `rewind` + `rewind_unit` numbers. Format 2 keeps round 0 in a shared
`dense-<model>-<hash>/` folder and writes every duration as "500it" / "3ep", so experiment
hashes change. This script:

1. reads each format-1 `experiment.json` and turns its settings into a format-2 Experiment;
2. moves round 0 of every replicate into the dense folder and every later round (all
   branches) into the new experiment folder, adding the format-2 fields to each record;
3. records the model's layer shapes and the dataset's provenance in experiment.json;
4. removes the old folder, once everything was copied and the new table equals the old one.

Masks and weights that format 1 did not commit are not invented: the store rebuilds them on
demand (`python -m lthkit.search ... --rebuild-masks` trains the rounds again and checks
each against its stored metrics).
"""
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lthkit  # noqa: E402,F401  (sets the Keras backend)
from lthkit import _io  # noqa: E402
from lthkit.search import Experiment, dataset_for, model_for  # noqa: E402
from lthkit.pruning import layer_shapes  # noqa: E402
from lthkit.store import ResultStore, dense_hash, experiment_hash  # noqa: E402
from lthkit.store.identity import FORMAT  # noqa: E402


def duration(amount, unit):
    return f"{amount}{unit}"


def convert(old):
    """A format-1 experiment dict as a format-2 Experiment."""
    train = dict(old["train"])
    iterations, epochs = train.pop("iterations"), train.pop("epochs")
    train["training"] = duration(iterations, "it") if iterations else duration(epochs, "ep")
    every = train.pop("eval_every")
    train["eval_every"] = duration(every, "it") if every else "1ep"
    search = dict(old["search"])
    unit = search.pop("rewind_unit")
    search["rewind"] = duration(search["rewind"], "it" if unit == "iteration" else "ep")
    if search.get("mask_after") is not None:
        search["mask_after"] = duration(search["mask_after"], "ep")
    return Experiment.from_dict({**old, "train": train, "search": search})


def migrate(folder, store):
    info = _io.load_json(folder / "experiment.json")
    if info.get("format", 1) != 1:
        return None
    exp = convert(info["experiment"])
    old_table = sorted(_rows(folder))
    store.register(exp)
    data = dataset_for(exp)
    store.record(exp, layers=layer_shapes(model_for(exp, data)), data_info=data.info.to_dict(),
                 migrated_from={"format": 1, "hash": info["hash"]})
    extra = {"format": FORMAT, "experiment": experiment_hash(exp), "dense": dense_hash(exp)}
    for path in sorted(folder.glob("replicate-*/*/round-*/metrics.json")):
        record = {**_io.load_json(path), **extra}
        target = store.metrics_path(exp, record["replicate"], record["branch"], record["round"])
        if target.exists():
            raise SystemExit(f"{target} exists already: not overwriting it")
        _io.save_json(target, record)
    new_table = sorted(_rows_of(store.table(exp)))
    if new_table != old_table:
        raise SystemExit(f"{folder}: the migrated table differs from the old one; old folder kept")
    shutil.rmtree(folder)
    return exp


def _rows(folder):
    for path in folder.glob("replicate-*/*/round-*/metrics.json"):
        m = _io.load_json(path)
        yield (m["branch"], m["replicate"], m["round"], m["test_accuracy"],
               m["early_stop_test_accuracy"], m["early_stop_iteration"])


def _rows_of(table):
    for row in table.itertuples():
        yield (row.branch, row.replicate, row.round, row.test_accuracy,
               row.early_stop_test_accuracy, row.early_stop_iteration)


def main(root):
    store = ResultStore(root)
    for folder in sorted(Path(root).glob("*-*")):
        if (folder / "experiment.json").exists():
            exp = migrate(folder, store)
            if exp is not None:
                n = len(list(store.experiment_dir(exp).rglob("metrics.json"))) + len(
                    list(store.dense_dir(exp).rglob("metrics.json")))
                print(f"{folder.name} -> {store.experiment_dir(exp).name} + "
                      f"{store.dense_dir(exp).name}: {n} rounds")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results")
