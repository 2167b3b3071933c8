"""The search's seam: a pure plan of tasks, a self-contained run_task, an executor."""
import inspect

import numpy as np
import pytest

from conftest import tiny_experiment
from lthkit import _errors
from lthkit._errors import LthkitError
from lthkit.search import Task, TicketSearch, run_task, task_graph
from lthkit.store import ResultStore, experiment_hash


def test_the_plan_is_every_round_with_what_it_waits_for():
    exp = tiny_experiment(rounds=2, replicates=2, controls=("reinit", "random"))
    graph = task_graph(exp)
    key = experiment_hash(exp)

    def t(rep, branch, r):
        return Task(key, rep, branch, r)
    # every round of every branch (controls from level 1), level by level
    assert list(graph)[:4] == [t(0, "main", 0), t(1, "main", 0), t(0, "main", 1),
                               t(1, "main", 1)]
    assert len(graph) == 2 * (3 + 2 + 2)
    assert graph[t(1, "main", 0)] == ()
    assert graph[t(1, "main", 2)] == (t(1, "main", 1),)
    assert graph[t(0, "random", 1)] == (t(0, "main", 0),)
    assert graph[t(0, "random", 2)] == (t(0, "main", 1), t(0, "random", 1))
    # every prerequisite comes earlier in the order (one process can run it as listed)
    order = {task: i for i, task in enumerate(graph)}
    assert all(order[d] < order[task] for task, deps in graph.items() for d in deps)
    # one-shot: every level waits for the dense round only; a replicate subset
    shot = tiny_experiment(rounds=3, replicates=3, mode="oneshot", controls=("reinit",))
    only = task_graph(shot, replicates=[2])
    assert {task.replicate for task in only} == {2}
    assert {deps for task, deps in only.items() if task.round} == {
        (Task(experiment_hash(shot), 2, "main", 0),)}


def test_tasks_run_one_by_one_each_from_the_store_alone_equal_a_serial_search(tmp_path,
                                                                              tiny_data):
    """run_task with nothing shared (a fresh search for every task) stores what the serial
    search stores: same masks, same numbers (the arithmetic here is deterministic)."""
    exp = tiny_experiment(rounds=2, replicates=2, controls=("random",))
    serial = TicketSearch(exp, ResultStore(tmp_path / "serial"), data=tiny_data,
                          quiet=True).run()
    store = ResultStore(tmp_path / "tasks")
    store.register(exp)
    for task in task_graph(exp):
        metrics = run_task(exp, store, task, data=tiny_data, quiet=True)
        assert metrics["round"] == task.round and metrics["branch"] == task.branch
    table = store.table(exp)
    cols = ["branch", "replicate", "round", "test_accuracy", "early_stop_test_accuracy",
            "early_stop_iteration", "val_loss", "remaining_fraction"]
    assert table[cols].equals(serial[cols])
    a, b = ResultStore(tmp_path / "serial"), store
    for task in task_graph(exp):
        if task.round:
            ma, mb = a.masks(exp, *task.item), b.masks(exp, *task.item)
            assert ma.keys() == mb.keys()
            assert all(np.array_equal(ma[k], mb[k]) for k in ma)
    # a stored task is not trained again
    before = store.metrics_path(exp, 0, "main", 1).stat().st_mtime_ns
    run_task(exp, store, Task(experiment_hash(exp), 0, "main", 1), data=tiny_data)
    assert store.metrics_path(exp, 0, "main", 1).stat().st_mtime_ns == before


def test_an_unknown_executor_is_named_in_one_line(tmp_path, tiny_data):
    with pytest.raises(_errors.LthkitError, match="executor.*'cluster'.*local"):
        TicketSearch(tiny_experiment(), ResultStore(tmp_path), data=tiny_data,
                     executor="cluster")


def test_the_analyses_use_the_searchs_public_parts_only():
    from lthkit.search import earlybird, stability
    for module in (stability, earlybird):
        source = inspect.getsource(module)
        assert "search._" not in source and "trainer._" not in source, module.__name__


def test_the_gpus_a_round_asks_for_are_not_part_of_the_experiment():
    from lthkit.search import experiment
    from lthkit.store.identity import dense_hash
    exp = tiny_experiment()
    on_gpu = exp.replace(search={"gpus": 1})
    assert experiment_hash(on_gpu) == experiment_hash(exp)
    assert dense_hash(on_gpu) == dense_hash(exp)
    assert experiment("lenet_300_100", "smoke", gpus=0.5).search.gpus == 0.5
    for bad in (-1, True, "one"):
        with pytest.raises(LthkitError, match="gpus"):
            exp.replace(search={"gpus": bad})
