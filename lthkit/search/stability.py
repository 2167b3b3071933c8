"""Instability analysis [FDRC20]: is a network stable to the noise of training from step k?

From the weights a network has after k iterations of training (the dense network, or a
ticket: its mask on the weights it is rewound to), train **two copies** for the rest of the
schedule, each with its own data order. Then evaluate the test error along the straight line
between the two trained networks, at `points` evenly spaced points (both ends included).
The **error barrier** is the highest error on that path minus the mean of the two ends'
errors. A network is *stable* when the barrier is about 0: the two copies end up in one
linearly connected valley. [FDRC20] found that IMP tickets reach full accuracy only where
they are stable, which is why late rewinding (to a k where the network has become stable)
helps the networks that are unstable at initialization.

`instability(exp, store, round_=0)` does this for the rewind point of `exp` (its
`search.rewind`), for the dense network (round 0) or the ticket of level `round_` of the
stored search `exp`. Each result is one JSON file beside the experiment (committed), so a
sweep resumes where it stopped and nothing is computed twice.
"""
import numpy as np

from lthkit import _io
from lthkit._errors import bad_param
from lthkit.pruning import restore, set_masks
from lthkit.store import derived_seed
from lthkit.store.store import MAIN


def _check_points(points):
    if isinstance(points, bool) or not isinstance(points, int) or points < 3:
        raise bad_param("points", points, "an int >= 3 (both ends and at least one point "
                                          "between them)")


def stability_path(store, exp, replicate, round_, points):
    return (store.experiment_dir(exp) / "instability" / f"replicate-{replicate}" /
            f"round-{round_:02d}-points-{points}.json")


def instability(exp, store, round_=0, replicate=0, points=25, data=None, quiet=True,
                compute=True):
    """The instability of `exp` at its rewind point: the dense network (`round_=0`) or the
    ticket of level `round_`. Returns (and stores) a dict: `at` (iterations), `alphas`,
    `test_error` along the path, `end_errors`, `barrier` (in error, 0..1), and the seeds.
    With `compute=False` only a stored result is returned (None if there is none)."""
    from lthkit.search.ticket import TicketSearch
    _check_points(points)
    if isinstance(round_, bool) or not isinstance(round_, int) or round_ < 0:
        raise bad_param("round_", round_, "an int >= 0 (0: the dense network)")
    path = stability_path(store, exp, replicate, round_, points)
    if path.exists():
        stored = store.read_json(path)
        if stored is not None:
            return stored
    if not compute:
        return None
    search = TicketSearch(exp, store, data=data, quiet=quiet, replicates=[replicate])
    if round_ > 0 and not store.done(exp, replicate, MAIN, round_ - 1):
        search.run()  # the ticket's mask comes from the rounds before it
    store.register(exp)
    search.setup()
    with search.lock("instability", path):
        if path.exists() and store.read_json(path) is not None:
            return store.read_json(path)
        result = _measure(search, round_, replicate, points)
        _io.save_json(path, result)
    return result


def _measure(search, round_, replicate, points):
    trainer, model, data = search.trainer, search.model, search.data
    masks = search.ticket_masks(replicate, round_)
    start = search.rewind_weights(replicate)
    at = search.rewind_at
    rest = trainer.iterations - at
    seeds = [derived_seed(search.exp.search.seed, replicate, round_, "instability", copy)
             for copy in (0, 1)]
    ends = []
    for copy, seed in enumerate(seeds):
        set_masks(model, masks)
        restore(model, start)
        ends.append(trainer.advance(seed, rest, f"rep {replicate} round {round_} copy {copy}"))
    trainable = {v.path for v in model.trainable_variables}
    alphas = np.linspace(0.0, 1.0, points)
    errors = []
    for alpha in alphas:
        mixed = {k: ((1 - alpha) * ends[0][k] + alpha * ends[1][k]).astype(ends[0][k].dtype)
                 if k in trainable else ends[0][k] for k in ends[0]}
        restore(model, mixed)
        _, accuracy, _ = trainer.evaluate(data.x_test, data.y_test)
        errors.append(1.0 - accuracy)
    barrier = max(errors) - (errors[0] + errors[-1]) / 2
    return {"at": at, "round": round_, "replicate": replicate, "points": points,
            "remaining_fraction": float(sum(m.sum() for m in masks.values()) /
                                        sum(m.size for m in masks.values())),
            "alphas": [float(a) for a in alphas], "test_error": [float(e) for e in errors],
            "end_errors": [float(errors[0]), float(errors[-1])], "barrier": float(barrier),
            "data_seeds": seeds, "trained_iterations": rest}


def instability_table(experiments, store, rounds=(0,), replicates=(0,), points=25, data=None,
                      quiet=True, compute=True):
    """`instability` for each experiment of `{label: exp}` (e.g. one per rewind point), each
    level in `rounds` (0: dense) and replicate: one row each, with `at` (iterations), the
    barrier, the two end errors and the % of weights remaining. Computes what is missing."""
    import pandas as pd
    rows, paths = [], []
    for label, exp in experiments.items():
        for r in rounds:
            for rep in replicates:
                out = instability(exp, store, r, rep, points, data=data, quiet=quiet,
                                  compute=compute)
                if out is None:
                    continue
                rows.append({"label": label, "at": out["at"], "round": r, "replicate": rep,
                             "barrier": out["barrier"],
                             "end_error": float(np.mean(out["end_errors"])),
                             "percent_remaining": 100 * out["remaining_fraction"]})
                paths.append(pd.DataFrame({"label": label, "at": out["at"], "round": r,
                                           "replicate": rep, "alpha": out["alphas"],
                                           "test_error": out["test_error"]}))
    return pd.DataFrame(rows), (pd.concat(paths, ignore_index=True) if paths else pd.DataFrame())
