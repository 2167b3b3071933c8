"""The ticket search in three parts: a plan of tasks, one task's training, and an executor.

- `task_graph(exp, replicates)` is pure: every round of every branch of an experiment as a
  `Task`, with the tasks it waits for, in the order a single process trains them (level by
  level: every replicate of round r, then its controls).
- `run_task(exp, store, task)` trains one task. It reads what it needs from the store (the
  masks, the dense round's weights, rebuilding what is not kept), writes its metrics and
  masks there, and returns its metrics. It holds the task's lock while it trains, so two
  processes never train the same round.
- An executor runs a plan: `LocalExecutor` is this process, one task at a time, each as
  soon as what it waits for is stored, leaving to another process a task that process holds;
  `RayExecutor` (`lthkit.search.ray_executor`) hands the tasks to Ray, on this machine or a
  cluster.

Dependencies (as `TicketSearch` has always run them): round 0 (the dense network) waits for
nothing; an iterative ticket's round r waits for its round r - 1 (which saves mask r); a
control's round r waits for the ticket's round r - 1 and for its own round r - 1; in a
one-shot search every level waits for round 0 only.
"""
from dataclasses import dataclass

from lthkit.store.store import MAIN


@dataclass(frozen=True)
class Task:
    """One round of one branch of one replicate of an experiment (its hash)."""
    experiment: str
    replicate: int
    branch: str
    round: int

    @property
    def item(self):
        """(replicate, branch, round), as the store names a round."""
        return self.replicate, self.branch, self.round

    def __str__(self):
        return f"rep {self.replicate} round {self.round} {self.branch}"


def task_graph(exp, replicates=None):
    """{Task: (tasks it waits for)} for every round of `exp` (of `replicates`, default all),
    in the order one process trains them. Pure: it reads neither the store nor the data."""
    from lthkit.store.identity import experiment_hash
    key = experiment_hash(exp)
    s = exp.search
    replicates = range(s.replicates) if replicates is None else replicates
    branches = (MAIN,) + tuple(s.controls)
    graph = {}
    for r in range(s.last_round + 1):
        for branch in branches:
            if branch != MAIN and r == 0:
                continue  # controls train levels 1 and on
            for rep in replicates:
                def task(b, q, rep=rep):
                    return Task(key, rep, b, q)
                if r == 0:
                    deps = ()
                elif s.mode == "oneshot":
                    deps = (task(MAIN, 0),)
                elif branch == MAIN:
                    deps = (task(MAIN, r - 1),)
                else:
                    deps = (task(MAIN, r - 1),) + ((task(branch, r - 1),) if r > 1 else ())
                graph[task(branch, r)] = deps
    return graph


def run_task(exp, store, task, data=None, quiet=False, adopt_rebuilt=None, search=None):
    """Train `task` of `exp` unless the store has it; return its stored metrics (dict).

    Self-contained: what it needs comes from `store` (a round's mask, the dense weights it
    rewinds to; rebuilt and checked against the recorded digests where not kept).
    `search`: a `TicketSearch` of `exp` to reuse (its model and data), e.g. one process
    training many tasks; without one, a fresh one is built."""
    from lthkit.search.ticket import TicketSearch
    if search is None:
        search = TicketSearch(exp, store, data=data, quiet=quiet,
                              replicates=[task.replicate], adopt_rebuilt=adopt_rebuilt)
    search.setup()
    with search.item_lock(*task.item):
        if not store.done(exp, *task.item):
            search.train_item(*task.item)
    return store.metrics(exp, *task.item)


def round_done(progress, task, metrics):
    """Advance an executor's bar by `task`, showing its numbers (`metrics`, if any)."""
    progress.update(1)
    if metrics:
        progress.set_postfix(rep=task.replicate, round=task.round, branch=task.branch,
                             remaining=f"{100 * metrics['remaining_fraction']:.1f}%",
                             acc=f"{metrics['early_stop_test_accuracy']:.4f}", refresh=False)


class LocalExecutor:
    """This process trains the tasks, one at a time, in the plan's order: the first task
    whose prerequisites are stored and that no other process holds. When every task left
    waits for rounds another process is training, it says so once and polls the store."""

    poll_seconds = 2.0

    def run(self, search, tasks, progress):
        """Train `tasks` ({Task: prerequisites}, the ones not stored yet) with `search` (a
        `TicketSearch`, its model reused for every task); `progress` is a tqdm bar."""
        import sys
        import time

        from filelock import Timeout
        exp, store = search.exp, search.store
        pending = list(tasks)
        said_waiting = False
        while pending:
            for task in pending:
                if store.done(exp, *task.item):
                    pending.remove(task)
                    progress.update(1)
                    break
                if not all(store.done(exp, *dep.item) for dep in tasks[task]):
                    continue
                lock = search.item_lock(*task.item)
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    continue  # another process is training it
                try:
                    metrics = run_task(exp, store, task, search=search)
                finally:
                    lock.release()
                pending.remove(task)
                round_done(progress, task, metrics)
                break
            else:
                if not said_waiting:
                    print(f"{exp.label}: waiting for rounds another process is training",
                          file=sys.stderr, flush=True)
                    said_waiting = True
                time.sleep(self.poll_seconds)


def _ray_executor():
    from lthkit.search.ray_executor import RayExecutor
    return RayExecutor()


# name -> a function making the executor ("ray": a local Ray instance, or the one this
# process joined with `lthkit.search.ray_executor.connect`)
EXECUTORS = {"local": LocalExecutor, "ray": _ray_executor}


def executor_for(executor):
    """The executor named `executor` (one of `EXECUTORS`), or `executor` itself if it is one
    (an object with `run(search, tasks, progress)`, e.g. `RayExecutor(address=...)`)."""
    from lthkit._errors import bad_param
    if callable(getattr(executor, "run", None)):
        return executor
    if not isinstance(executor, str) or executor not in EXECUTORS:
        raise bad_param("executor", executor, "one of " + ", ".join(EXECUTORS) +
                        ", or an executor object")
    return EXECUTORS[executor]()
