"""The search on Ray: a local instance on 127.0.0.1 with 2 CPUs, started and shut down here."""
import sys
import threading
import time

import pytest

from conftest import tiny_experiment
from lthkit._errors import LthkitError
from lthkit.search import TicketSearch, plan
from lthkit.store import ResultStore, experiment_hash

ray = pytest.importorskip("ray")

COLUMNS = ["branch", "replicate", "round", "test_accuracy", "early_stop_test_accuracy",
           "early_stop_iteration", "val_loss", "remaining_fraction", "mask_sha256"]


@pytest.fixture(scope="module")
def local_ray():
    from lthkit.search.ray_executor import connect
    connect(num_cpus=2)
    yield
    ray.shutdown()


def same_store(exp, a, b):
    """The two stores hold the same rounds: same numbers, same masks, file for file."""
    ta, tb = a.table(exp), b.table(exp)
    key = ["branch", "replicate", "round"]
    ta, tb = (t.sort_values(key).reset_index(drop=True) for t in (ta, tb))
    assert ta[COLUMNS].equals(tb[COLUMNS])
    files = sorted(p.relative_to(a.experiment_dir(exp))
                   for p in a.experiment_dir(exp).rglob("mask.npz"))
    assert files and files == sorted(p.relative_to(b.experiment_dir(exp))
                                     for p in b.experiment_dir(exp).rglob("mask.npz"))
    for f in files:
        assert (a.experiment_dir(exp) / f).read_bytes() == (b.experiment_dir(exp) / f).read_bytes()


def test_a_search_on_ray_stores_what_a_serial_search_stores(tmp_path, tiny_data, local_ray):
    exp = tiny_experiment(rounds=2, replicates=2, controls=("random",))
    serial, on_ray = ResultStore(tmp_path / "serial"), ResultStore(tmp_path / "ray")
    TicketSearch(exp, serial, data=tiny_data, quiet=True).run()
    table = TicketSearch(exp, on_ray, data=tiny_data, quiet=True, executor="ray").run()
    assert len(table) == 2 * (3 + 2)
    same_store(exp, serial, on_ray)


def test_a_worker_killed_mid_round_costs_that_round_only(tmp_path, tiny_data, local_ray):
    """A worker process is killed (SIGKILL) while it trains; Ray runs its task again and the
    store ends as an uninterrupted run's."""
    import psutil
    exp = tiny_experiment(rounds=2, replicates=1, controls=("random",)).replace(
        train={"training": "600it", "eval_every": "200it"})
    serial, on_ray = ResultStore(tmp_path / "serial"), ResultStore(tmp_path / "ray")
    TicketSearch(exp, serial, data=tiny_data, quiet=True).run()
    errors = []

    def search():
        try:
            TicketSearch(exp, on_ray, data=tiny_data, quiet=True, executor="ray").run()
        except Exception as err:  # reported below
            errors.append(err)
    thread = threading.Thread(target=search)
    thread.start()
    killed = None
    deadline = time.time() + 120
    while killed is None and thread.is_alive() and time.time() < deadline:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            if cmd.startswith("ray::_train"):
                time.sleep(0.5)  # into the round
                try:
                    proc.kill()
                    killed = proc.info["pid"]
                except psutil.NoSuchProcess:
                    continue
                break
        time.sleep(0.05)
    thread.join(timeout=300)
    assert killed is not None, "no worker was seen training"
    assert not errors, errors
    same_store(exp, serial, on_ray)


def test_a_resource_no_node_has_is_refused_in_one_line(tmp_path, tiny_data, local_ray):
    from lthkit.search.ray_executor import RayExecutor
    exp = tiny_experiment(rounds=1)
    with pytest.raises(LthkitError, match="GPU.*no node"):
        TicketSearch(exp, ResultStore(tmp_path), data=tiny_data, quiet=True,
                     executor=RayExecutor(gpus=1)).run()
    # the experiment asks for the GPU itself (search.gpus), the executor does not override
    with pytest.raises(LthkitError, match="task of lenet asks for 0.5 GPU.*no node"):
        TicketSearch(exp.replace(search={"gpus": 0.5}), ResultStore(tmp_path), data=tiny_data,
                     quiet=True, executor="ray").run()
    assert RayExecutor(gpus=0).gpus_for(exp.replace(search={"gpus": 1})) == 0


class KnobEntry(plan.Entry):
    def experiment(self, store=None):
        return tiny_experiment(rounds=1, controls=("reinit",), **self.knobs)


def test_the_plan_on_ray_is_one_graph_and_trains_a_shared_dense_round_once(
        tmp_path, monkeypatch, capsys, local_ray):
    """Two entries whose searches share a dense round (the second rewinds later): on Ray
    they go out as one graph, the dense round is trained once, and both stores hold what
    the plan's serial run stores."""
    from lthkit.store.identity import dense_hash
    a = KnobEntry("a", "lenet_300_100")
    b = KnobEntry("b", "lenet_300_100", {"rewind": "20it"})
    ea, eb = a.experiment(), b.experiment()
    assert dense_hash(ea) == dense_hash(eb) and experiment_hash(ea) != experiment_hash(eb)
    monkeypatch.setattr(plan, "entries", lambda: [a, b])
    serial, on_ray = ResultStore(tmp_path / "serial"), ResultStore(tmp_path / "ray")
    plan.run(store=serial, quiet=True)
    capsys.readouterr()
    plan.run(store=on_ray, executor="ray")
    err = capsys.readouterr().err
    # 5 rounds: the dense one, then a ticket and a reinitialization per entry; a dense round
    # trained twice would show 6/5
    assert "5/5" in err and "6/5" not in err
    for exp in (ea, eb):
        same_store(exp, serial, on_ray)
    assert on_ray.metrics(eb, 0, "main", 0)["experiment"] == experiment_hash(ea)


def test_an_unreachable_address_and_a_missing_ray_say_so_in_one_line(monkeypatch):
    from lthkit.search import ray_executor
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    with pytest.raises(LthkitError, match="cannot reach a Ray cluster at '127.0.0.1:9'"):
        ray_executor.connect("127.0.0.1:9")
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(LthkitError, match="Ray is not installed"):
        ray_executor.connect()


def test_the_plans_ray_option_checks_the_address_before_anything(tmp_path, capsys):
    from lthkit.search import plan
    assert plan.main(["--store", str(tmp_path), "--ray", "127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach a Ray cluster at '127.0.0.1:9'" in err[0]
