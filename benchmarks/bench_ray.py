"""A small Lenet plan, serial against Ray: wall time, and what the task graph allows.

Lenet-300-100 on MNIST, 2 replicates x 4 rounds (levels 0-3) x the ticket and 2 controls
(reinit, random): 2 x (4 + 3 + 3) = 20 rounds. Trained twice into fresh stores, one after
the other in this process: serially (this process, one round at a time) and on a local Ray
instance with `--workers` CPUs (one round per worker). Printed: both wall times and their
ratio; the total work (the sum of the serial run's round times) and the critical path (the
longest chain of rounds the graph forces one after another), so the speed-up on N workers
can be read off: at most min(N, work / critical path).

    .venv/bin/python benchmarks/bench_ray.py [--iterations 600] [--workers 2]

On a 2-core machine two workers share the cores with each other (and XLA's threads), so the
ratio there says what the graph costs more than what a cluster gains.
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

import lthkit  # noqa: F401
from lthkit.search import TicketSearch, dataset_for, default_experiment, task_graph
from lthkit.store import ResultStore


def critical_path(graph, seconds):
    """Seconds of the longest chain of `graph` ({task: prerequisites}, in an order where a
    task's prerequisites come first), a task taking `seconds[task]`."""
    finish = {}
    for task, deps in graph.items():
        finish[task] = seconds[task] + max((finish[d] for d in deps), default=0.0)
    return max(finish.values())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=600, help="training iterations a round")
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    exp = default_experiment("lenet_300_100").replace(
        train={"training": f"{a.iterations}it", "eval_every": f"{max(a.iterations // 4, 1)}it"},
        search={"rounds": 3, "replicates": 2, "controls": ("reinit", "random")})
    data = dataset_for(exp)
    graph = task_graph(exp)
    with tempfile.TemporaryDirectory() as tmp:
        stores = {k: ResultStore(Path(tmp) / k) for k in ("serial", "ray")}
        TicketSearch(exp, ResultStore(Path(tmp) / "warm-up"), data=data, quiet=True,
                     replicates=[0]).setup()  # load and compile once before timing
        wall = {}
        t = time.perf_counter()
        TicketSearch(exp, stores["serial"], data=data, quiet=True).run()
        wall["serial"] = time.perf_counter() - t
        from lthkit.search.ray_executor import RayExecutor, connect
        connect(num_cpus=a.workers)  # started before the clock: a cluster is already up
        t = time.perf_counter()
        TicketSearch(exp, stores["ray"], data=data, quiet=True,
                     executor=RayExecutor()).run()
        wall["ray"] = time.perf_counter() - t
        seconds = {task: stores["serial"].metrics(exp, *task.item)["train_seconds"]
                   for task in graph}
    work, path = sum(seconds.values()), critical_path(graph, seconds)
    print(f"Lenet-300-100 plan: {len(graph)} rounds of {a.iterations} iterations, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"   {'total work (serial rounds, training only)':42s} {work:7.1f} s")
    print(f"   {'critical path':42s} {path:7.1f} s  "
          f"(speed-up at most {work / path:.1f}x, on {len(graph)} or more workers)")
    print(f"   {'serial, this process':42s} {wall['serial']:7.1f} s")
    print(f"   {f'Ray, {a.workers} workers':42s} {wall['ray']:7.1f} s  "
          f"({wall['serial'] / wall['ray']:.2f}x the serial speed)")


if __name__ == "__main__":
    main()
