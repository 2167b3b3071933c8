"""Early-bird tickets [YOU20], with unstructured magnitude masks.

While the dense network trains, prune its weights *as they are* at the end of every epoch,
in one shot, to the sparsity of level `level` (what `level` rounds of the experiment's
pruning rates keep), and compare each new mask with the ones before it. The distance is the
Hamming distance, the fraction of entries on which two masks differ. [YOU20] keeps the masks
of the last `window` epochs and declares the early-bird ticket found once every distance
from the newest mask to the others is below `threshold` (their setting: 5 masks, 0.1). Their
masks are channel masks from BatchNorm scales; applying the detector to unstructured
magnitude masks, as here, is this book's own.

`early_bird(exp, store, level)` replays round 0 of `exp` (the dense run: the same
initialization and data order, bit for bit), records the distances of every epoch's mask to
the masks of the epochs before it, to the mask of the fully trained network, and the epoch of
detection; it stores them beside the experiment (JSON, committed) and returns them. Training
that ticket is an ordinary one-shot experiment with `mask_after` at the detection epoch
(`early_bird_experiment`), whose mask is the detected one (rebuilt from the dense run).
"""
import numpy as np

from lthkit import _io, durations
from lthkit._errors import bad_param
from lthkit.pruning import kernel_weights, restore, set_masks


def check_window(window, threshold):
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise bad_param("window", window, "an int >= 2 (masks compared, the newest included)")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or \
            not 0 < threshold < 1:
        raise bad_param("threshold", threshold, "a number in (0, 1) (a fraction of entries)")


def detect(distances, window=5, threshold=0.1):
    """The first epoch whose mask is within `threshold` of each of the `window - 1` masks
    before it, or None. `distances[e][j]` is the distance from epoch e's mask to epoch j's."""
    check_window(window, threshold)
    for e in sorted(distances, key=int):
        previous = [int(j) for j in distances[e] if int(j) < int(e)]
        recent = sorted(previous)[-(window - 1):]
        if len(recent) == window - 1 and all(distances[e][str(j)] < threshold for j in recent):
            return int(e)
    return None


def _hamming(a, b):
    differ = sum(int(np.count_nonzero(a[k] != b[k])) for k in a)
    return differ / sum(a[k].size for k in a)


def early_bird_path(store, exp, replicate, level):
    return (store.experiment_dir(exp) / "earlybird" / f"replicate-{replicate}" /
            f"level-{level:02d}.json")


def early_bird(exp, store, level, replicate=0, window=5, threshold=0.1, data=None, quiet=True,
               compute=True):
    """Mask distances epoch by epoch during the dense training of `exp`, and the early-bird
    epoch for a one-shot mask of `level`. Returns (and stores) a dict with `epochs`,
    `distances` ({epoch: {earlier epoch: Hamming distance}}), `to_final` (each epoch's mask
    against the fully trained network's), `detected` (epoch or None), `window`, `threshold`,
    `steps_per_epoch` and `total_iterations`. With `compute=False` only a stored result
    (None if there is none)."""
    from lthkit.search.ticket import TicketSearch
    check_window(window, threshold)
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise bad_param("level", level, "an int >= 1 (rounds of the experiment's rates)")
    path = early_bird_path(store, exp, replicate, level)
    stored = store.read_json(path) if path.exists() else None
    if stored is None and not compute:
        return None
    if stored is None:
        search = TicketSearch(exp, store, data=data, quiet=quiet, replicates=[replicate])
        store.register(exp)
        search.setup()
        with search.lock("earlybird", path):
            stored = store.read_json(path) if path.exists() else None
            if stored is None:
                stored = _trajectory(search, level, replicate)
                _io.save_json(path, stored)
    result = dict(stored)
    result["detected"] = detect(result["distances"], window, threshold)
    result["window"], result["threshold"] = window, threshold
    return result


def _trajectory(search, level, replicate):
    trainer, model = search.trainer, search.model
    spe, total = trainer.steps_per_epoch, trainer.iterations
    epochs = list(range(1, total // spe + 1))
    ones = search.ones()
    set_masks(model, ones)
    restore(model, search.dense_weights(replicate, "init", prunable_only=False))
    metrics, snaps = trainer.train(search.seeds(replicate)[1],
                                   snapshot_at={e * spe for e in epochs},
                                   desc=f"rep {replicate} dense, a mask every epoch")

    def one_shot(scores):  # [YOU20] ranks the weights of the moment by their magnitude
        *_, (_, masks, _) = search.one_shot_levels(replicate, scores, level,
                                                   criterion="magnitude")
        return masks
    masks = {e: one_shot(kernel_weights(model, snaps[e * spe])) for e in epochs}
    final = one_shot(kernel_weights(model))
    distances = {str(e): {str(j): _hamming(masks[e], masks[j]) for j in epochs if j < e}
                 for e in epochs}
    return {"level": level, "replicate": replicate, "epochs": epochs,
             "steps_per_epoch": spe, "total_iterations": total,
             "remaining_fraction": float(sum(m.sum() for m in final.values()) /
                                         sum(m.size for m in final.values())),
             "distances": distances,
             "to_final": {str(e): _hamming(masks[e], final) for e in epochs},
             "dense_test_accuracy": metrics["test_accuracy"]}


def early_bird_experiment(exp, level, epoch):
    """The one-shot experiment that trains the early-bird ticket of `level`: its mask from the
    dense weights after `epoch` epochs, rewound as `exp` rewinds."""
    return exp.replace(search={"mode": "oneshot", "levels": (level,),
                               "mask_after": durations.normalize(f"{int(epoch)}ep"),
                               "controls": ()})


def report(exp, store, level, replicates=(0,), window=5, threshold=0.1, data=None,
           quiet=True, compute=True):
    """The early-bird ticket of `level` per replicate, against the fully trained network's.

    For each replicate: the detection epoch (or None), the share of the dense training it
    saves, the Hamming distance and Jaccard overlap of its mask with the iterative (IMP)
    ticket of the same level (each next to its value for two random masks of the same
    per-layer sizes), and the test accuracy (at early stop) of three tickets of that
    sparsity trained from the same rewind point: the early-bird one (mask from the weights
    after the detection epoch), the one-shot one from the fully trained weights, and the IMP
    one. Trains what is missing (each an ordinary, stored experiment). Returns (table, runs:
    {replicate: early_bird result}). With `compute=False`, only what is stored."""
    import pandas as pd
    from lthkit.analysis import mask_distance
    from lthkit.search.ticket import TicketSearch
    runs, rows = {}, []
    iterative = exp.replace(search={"rounds": max(level, exp.search.rounds)})
    one_shot = exp.replace(search={"mode": "oneshot", "levels": (level,), "controls": ()})
    def table_of(e, rep):
        if compute:
            return TicketSearch(e, store, data=data, quiet=quiet, replicates=[rep]).run()
        return store.table(e) if store.experiment_dir(e).exists() else pd.DataFrame()

    for rep in replicates:
        result = early_bird(exp, store, level, rep, window, threshold, data, quiet, compute)
        if result is None:
            continue
        runs[rep] = result
        row = {"replicate": rep, "detected epoch": result["detected"],
               "epochs of training": len(result["epochs"]),
               "% remaining": round(100 * result["remaining_fraction"], 2)}
        tables = {}
        for name, e in (("IMP", iterative), ("one-shot, trained", one_shot)):
            tables[name] = table_of(e, rep)
        if result["detected"] is not None:
            eb = early_bird_experiment(exp, level, result["detected"])
            tables["early-bird"] = table_of(eb, rep)
            spent = result["detected"] * result["steps_per_epoch"]
            row["dense training saved (%)"] = round(100 * (1 - spent / result["total_iterations"]), 1)
            a, b = store.masks(eb, rep, "main", level), store.masks(iterative, rep, "main", level)
            if a is not None and b is not None:
                d = mask_distance(a, b).loc["total"]
                row["Hamming to IMP mask"] = round(float(d["hamming"]), 4)
                row["Jaccard with IMP mask"] = round(float(d["jaccard"]), 4)
                # two random masks of this size: what the two numbers above mean
                row["Hamming by chance"] = round(float(d["hamming_chance"]), 4)
                row["Jaccard by chance"] = round(float(d["jaccard_chance"]), 4)
        for name, t in tables.items():
            if t.empty:
                row[f"{name} ticket (%)"] = None
                continue
            hit = t[(t["branch"] == "main") & (t["round"] == level) & (t["replicate"] == rep)]
            row[f"{name} ticket (%)"] = (round(100 * float(hit["early_stop_test_accuracy"].iloc[0]),
                                               2) if len(hit) else None)
        rows.append(row)
    return (pd.DataFrame(rows).set_index("replicate") if rows else pd.DataFrame()), runs
