"""Result store: identity hashes, atomic files, no pickle, tidy tables, kill-and-resume."""
import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import tiny_experiment
from lthkit._io import load_npz as load_arrays
from lthkit._io import save_json
from lthkit._io import save_npz
from lthkit.search import default_experiment
from lthkit.store import ResultStore, experiment_hash
from lthkit.store.identity import NOT_IDENTITY

PINNED = "9abb951cadad"


def save_arrays(path, arrays):
    save_npz(path, arrays)


def test_known_hash_is_pinned():
    # If this changes, every stored result (results/) is orphaned: change it on purpose only.
    assert experiment_hash(default_experiment("lenet_300_100")) == PINNED


ALTERED = {"adam": "sgd", "layerwise": "global", "magnitude": "random", "iterative": "oneshot",
           "mnist": "cifar10", "lenet_300_100": "conv6", "50000it": "50001it", "100it": "1ep",
           "0it": "7it"}


def _altered(name, value):
    if name == "rates":
        return {"dense": 0.25, "output": 0.1}
    if name == "mask_after":
        return "1ep"
    if name == "loss":
        return "mse"
    if name == "metrics":
        return ("accuracy",)
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return ALTERED[value]
    if name == "kwargs":
        return {"normalize": "unit"} if value else {"hidden": [10]}
    if value is None:
        return 3
    raise AssertionError(value)


def test_every_identity_setting_changes_the_hash():
    exp = default_experiment("lenet_300_100")
    base = experiment_hash(exp)
    for section in ("model", "data", "train", "prune", "search"):
        part = getattr(exp, section)
        for f in dataclasses.fields(part):
            if f.name in NOT_IDENTITY.get(section, ()) or f.name in ("fresh_optimizer",
                                                                      "batching"):
                continue  # one allowed value (True); "bucket" is for text models (below)
            if section == "model" and f.name in ("keras", "prunable"):
                continue  # a reader's own model only (test_own_model checks both)
            value = getattr(part, f.name)
            new = _altered(f.name, value)
            if section == "prune" and f.name == "rates":
                new = {"dense": 0.25, "output": 0.1}
            if section == "prune" and f.name == "strategy":
                changed = dataclasses.replace(part, strategy="global", rates=0.2)
            else:
                changed = dataclasses.replace(part, **{f.name: new})
            other = dataclasses.replace(exp, **{section: changed})
            assert experiment_hash(other) != base, f"{section}.{f.name} is not in the identity"
    text = default_experiment("text_cnn")
    assert experiment_hash(text) != experiment_hash(text.replace(train={"batching": "shuffle"}))


def test_a_new_field_at_its_default_keeps_the_hash():
    # Identity leaves out settings at their dataclass default, so adding a field (whose
    # default keeps the old behaviour) does not orphan stored runs.
    from lthkit.store.identity import identity
    exp = default_experiment("lenet_300_100")
    assert "eval_batch_size" not in identity(exp)["train"]
    changed = exp.replace(train={"eval_batch_size": 500})
    assert identity(changed)["train"] == {"eval_batch_size": 500}


def test_how_far_to_go_is_not_identity():
    exp = default_experiment("lenet_300_100")
    longer = exp.replace(search={"rounds": 40, "replicates": 9, "controls": ()}, name="other")
    assert experiment_hash(longer) == experiment_hash(exp)


def test_files_are_plain_json_and_npz(tmp_path):
    save_json(tmp_path / "m.json", {"a": 1})
    save_arrays(tmp_path / "w.npz", {"hidden1/kernel": np.ones((2, 3), bool)})
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 1}
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        assert z["hidden1/kernel"].dtype == bool
    with pytest.raises(ValueError):  # object arrays would need pickle: refused
        save_arrays(tmp_path / "bad.npz", {"x": np.array([{}], dtype=object)})
        load_arrays(tmp_path / "bad.npz")


def test_failed_write_leaves_no_partial_file(tmp_path):
    class Boom(Exception):
        pass

    class Exploding:
        def __array__(self, *a, **k):
            raise Boom

    with pytest.raises(Boom):
        save_arrays(tmp_path / "w.npz", {"x": Exploding()})
    assert list(tmp_path.iterdir()) == []


def test_tidy_tables(tmp_path, tiny_data):
    from lthkit.search import TicketSearch
    exp = tiny_experiment(rounds=2, replicates=2, controls=("reinit",))
    store = ResultStore(tmp_path)
    table = TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    assert len(table) == 2 * 3 + 2 * 2
    for col in ("branch", "replicate", "round", "percent_remaining", "test_accuracy",
                "early_stop_test_accuracy", "early_stop_iteration", "experiment"):
        assert col in table
    layers = store.layer_table(exp)
    assert set(layers["layer"]) == {"hidden1/kernel", "hidden2/kernel", "output/kernel", "total"}
    curves = store.curves(exp)
    assert {"iteration", "train_loss", "val_loss", "test_accuracy"} <= set(curves)
    assert store.complete(exp) and not store.missing(exp)
    assert not list(tmp_path.rglob("*.part")) and not list(tmp_path.rglob("*.pkl"))


RUNNER = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from conftest import make_data, tiny_experiment
from lthkit.search import BatchStream, TicketSearch
from lthkit.store import ResultStore

# With KILL_AT_BATCH set, the process SIGKILLs itself when it asks for that many batches:
# a kill in the middle of a round at a fixed point, however fast the machine is.
kill_at = int(os.environ.get("KILL_AT_BATCH", 0))
fetch, calls = BatchStream.__getitem__, [0]
def counting_fetch(self, i):
    calls[0] += 1
    if calls[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return fetch(self, i)
BatchStream.__getitem__ = counting_fetch

exp = tiny_experiment(rounds=3, controls=("random",)).replace(
    train={{"training": "600it", "eval_every": "100it"}})
TicketSearch(exp, ResultStore(sys.argv[1]), data=make_data(), quiet=True).run()
"""


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_result(tmp_path):
    script = tmp_path / "runner.py"
    script.write_text(RUNNER.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    # Rounds train 600 batches each, in the order main 0, main 1, random 1, main 2, ...:
    # batch 1,500 falls in the middle of the third round.
    died = subprocess.run([sys.executable, str(script), str(killed)],
                          env={**env, "KILL_AT_BATCH": "1500"})
    assert died.returncode == -signal.SIGKILL
    done_before = len(list(killed.rglob("metrics.json")))
    assert 1 <= done_before < 7, f"{done_before} rounds finished before the kill"
    subprocess.run([sys.executable, str(script), str(killed)], env=env, check=True)
    subprocess.run([sys.executable, str(script), str(clean)], env=env, check=True)
    def stored(root):
        return sorted(p.relative_to(root) for p in root.rglob("*")
                      if p.is_file() and ".locks" not in p.parts)

    a, b = killed, clean
    files = stored(b)
    assert files == stored(a)
    assert any(f.name == "mask.npz" for f in files) and any(f.name == "trained.npz" for f in files)
    for rel in files:
        if rel.suffix == ".npz":
            x, y = load_arrays(a / rel), load_arrays(b / rel)
            assert x.keys() == y.keys()
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=str(rel))
        elif rel.name == "metrics.json":
            x, y = json.loads((a / rel).read_text()), json.loads((b / rel).read_text())
            for volatile in ("finished", "train_seconds"):
                x.pop(volatile), y.pop(volatile)
            assert x == y, rel


def test_tables_show_what_the_experiment_asks_for(tmp_path, tiny_data):
    from lthkit.search import TicketSearch
    big = tiny_experiment(rounds=2, replicates=2, controls=("reinit",))
    store = ResultStore(tmp_path)
    TicketSearch(big, store, data=tiny_data, quiet=True).run()
    small = big.replace(search={"rounds": 1, "replicates": 1, "controls": ()})
    table = store.table(small)
    assert set(table["branch"]) == {"main"} and set(table["replicate"]) == {0}
    assert list(table["round"]) == [0, 1]
    assert len(store.curves(small).groupby(["replicate", "branch", "round"])) == 2


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        save_json(tmp_path / "m.json", {"a": 1})
        assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
