"""The store and the command line under damage, misuse, concurrency and a move to another
machine: one test per case of the robustness issue (subprocesses where a case needs one)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import make_data, tiny_experiment
from lthkit._errors import LthkitError
from lthkit._io import LthkitWarning, load_npz
from lthkit.search import TicketSearch, experiment
from lthkit.store import ResultStore, save_masks

TESTS = Path(__file__).parent
ROOT = TESTS.parents[1]
COMPARED = ["branch", "replicate", "round", "test_accuracy", "early_stop_test_accuracy",
            "early_stop_iteration", "remaining_fraction"]


def run(exp, store, data, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = TicketSearch(exp, store, data=data, quiet=True, **kw).run()
    return table, [str(w.message) for w in caught if issubclass(w.category, LthkitWarning)]


@pytest.fixture
def finished(tmp_path, tiny_data):
    """A finished small search with a control, and an untouched copy to compare with."""
    exp = tiny_experiment(rounds=4, controls=("random",))
    store = ResultStore(tmp_path / "store")
    table, _ = run(exp, store, tiny_data)
    return exp, store, table


def damaged_files(store):
    return sorted(p.name.split(".damaged-")[0] for p in store.root.rglob("*.damaged-*"))


def trained(monkeypatch):
    from lthkit.search import Trainer
    calls, original = [], Trainer.train

    def train(self, data_seed, snapshot_at=(), desc="", checkpoint=None):
        calls.append(desc)
        return original(self, data_seed, snapshot_at=snapshot_at, desc=desc, checkpoint=checkpoint)
    monkeypatch.setattr(Trainer, "train", train)
    return calls


# -- 1. damaged files: named, moved aside, only what depends on them redone ------------------
@pytest.mark.parametrize("kind", ["metrics", "mask", "garbage_mask", "init"])
def test_damaged_file_is_named_moved_aside_and_only_its_round_redone(
        finished, tiny_data, monkeypatch, kind):
    exp, store, before = finished
    target = {"metrics": store.metrics_path(exp, 0, "main", 3),
              "mask": store.mask_path(exp, 0, "main", 3),
              "garbage_mask": store.mask_path(exp, 0, "random", 2),
              "init": store.weights_path(exp, 0, "init")}[kind]
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2] if kind in ("metrics", "mask") else
                       b"\x93NUMPY garbage that is no zip archive" * 3)
    calls = trained(monkeypatch)
    after, messages = run(exp, store, tiny_data)
    assert after[COMPARED].equals(before[COMPARED])
    assert damaged_files(store) == [target.name], damaged_files(store)
    assert any(str(target) in m for m in messages), messages
    assert not any("pickle" in m for m in messages), messages
    # Only what depends on the file was trained again.
    expected = {"metrics": ["rep 0 round 3 main"], "mask": ["rep 0 round 2 main"],
                "garbage_mask": [], "init": []}[kind]
    assert calls == expected


def test_unreadable_files_never_suggest_pickle(tmp_path):
    from lthkit._io import DamagedFile
    bad = tmp_path / "mask.npz"
    np.savez(bad, x=np.array([{"a": 1}], dtype=object))  # only loadable with pickle
    with pytest.raises(DamagedFile) as err:
        load_npz(bad)
    assert str(bad) in str(err.value) and "allow_pickle" not in str(err.value)


# -- 2. readable but wrong masks ------------------------------------------------------------
def test_a_wrong_but_readable_mask_is_caught_and_redone(finished, tiny_data):
    exp, store, before = finished
    wrong = {k: np.ones_like(m) for k, m in store.masks(exp, 0, "main", 4).items()}
    save_masks(store.mask_path(exp, 0, "main", 4), wrong)  # all ones, valid file
    after, messages = run(exp, store, tiny_data)
    assert after[COMPARED].equals(before[COMPARED])
    assert float(after.query("round == 4 and branch == 'main'")["percent_remaining"].iloc[0]) < 50
    assert any("keeps" in m and "round-04" in m for m in messages), messages


def test_mask_checks_shape_count_nesting_and_digest(finished):
    exp, store, _ = finished
    good = store.masks(exp, 0, "main", 3)
    problem = lambda masks: store.mask_problem(exp, 0, "main", 3, masks)  # noqa: E731
    assert problem(good) is None
    shape = {**good, "hidden1/kernel": good["hidden1/kernel"][:-1]}
    assert "shape" in problem(shape)
    fewer = {k: v.copy() for k, v in good.items()}
    fewer["output/kernel"][np.argwhere(fewer["output/kernel"])[0][0]] = False
    assert "keeps" in problem(fewer)
    moved = {k: v.copy() for k, v in good.items()}  # same counts, not nested
    flat = moved["hidden2/kernel"].reshape(-1)
    on, off = np.flatnonzero(flat)[0], np.flatnonzero(~flat)[0]
    flat[on], flat[off] = False, True
    assert "nested" in problem(moved)
    other = store.masks(exp, 0, "random", 3)  # right counts, nested in its own branch only
    assert problem(other) is not None


# -- 3. a zero is never replaced by a default ---------------------------------------------------
def test_zero_is_valid_or_refused_never_replaced():
    assert experiment("lenet_300_100", "quick", rounds=0).search.rounds == 0
    for knob in ("replicates", "training", "n_train", "eval_every"):
        with pytest.raises(LthkitError, match=rf"^{knob}=0 is not allowed"):
            experiment("lenet_300_100", "quick", **{knob: 0})


def test_cli_rounds_zero_trains_only_the_dense_network(tmp_path):
    result = cli("lenet_300_100", "--profile", "smoke", "--rounds", "0", "--store", tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.rglob("metrics.json"))) == 1  # round 0 only


# -- 4. every field validated when made ----------------------------------------------------
@pytest.mark.parametrize("knobs, message", [
    ({"seed": "abc"}, r"^seed='abc' is not allowed: expected an int >= 0"),
    ({"validation": -3}, r"^validation=-3 is not allowed"),
    ({"validation": 1.5}, r"^validation=1.5 is not allowed"),
    ({"vocab_size": 0}, r"vocab_size=0 is not allowed"),
    ({"kernel_sizes": [3, 0]}, r"kernel_sizes=\[3, 0\] is not allowed"),
    ({"max_len": 4}, r"max_len=4 is not allowed: expected at least the largest kernel"),
    ({"max_len": 6, "kernel_sizes": [3, 7]}, r"max_len=6 .* largest kernel size \(7\)"),
    ({"rewind": "11ep"}, r"rewind='11ep' is not allowed: expected at most the training length"),
])
def test_bad_values_fail_at_once_naming_the_field(knobs, message):
    with pytest.raises(LthkitError, match=message):
        experiment("text_cnn", "quick", **knobs)


# -- 5. the command line: one line, exit code 2 --------------------------------------------
def cli(*args):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    return subprocess.run([sys.executable, "-m", "lthkit.search", *map(str, args), "--quiet"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.parametrize("args", [["--only-replicate", "7"], ["--set", "seed=abc"],
                                  ["--replicates", "0"], ["--rounds", "x"],
                                  ["--set", "nosuchknob=1"], ["--dataset", "ag_news"]])
def test_cli_refuses_bad_arguments_in_one_line(tmp_path, args):
    result = cli("lenet_300_100", "--profile", "smoke", "--store", tmp_path, *args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()
             and "Warning" not in line and not line.startswith("  warnings.warn")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert not any(tmp_path.rglob("metrics.json"))


# -- 6. a saved ticket loads after `import lthkit`, and in plain Keras ----------------------------
def test_saved_ticket_loads_after_import_lthkit_and_as_plain_keras(tmp_path):
    script = f"""
import numpy as np, lthkit, keras
from lthkit import pruning
from lthkit.layers import export_plain
from lthkit.models import lenet_300_100
model = lenet_300_100(hidden=(16, 8))
pruning.set_masks(model, pruning.prune(pruning.kernel_weights(model), pruning.get_masks(model), .5))
model.save({str(tmp_path / 'ticket.keras')!r})
export_plain(model).save({str(tmp_path / 'plain.keras')!r})
x = np.random.default_rng(0).random((5, 28, 28, 1)).astype('float32')
np.save({str(tmp_path / 'x.npy')!r}, x); np.save({str(tmp_path / 'y.npy')!r}, model.predict(x, verbose=0))
"""
    check = """
import numpy as np, sys, keras
m = keras.saving.load_model(sys.argv[1])
y = m.predict(np.load(sys.argv[2]), verbose=0)
assert np.allclose(y, np.load(sys.argv[3]), atol=1e-6), abs(y - np.load(sys.argv[3])).max()
print(type(m.layers[-1]).__name__, sum(int((w == 0).sum()) for w in m.get_weights()))
"""
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, capture_output=True)
    files = [str(tmp_path / n) for n in ("x.npy", "y.npy")]
    with_lthkit = subprocess.run([sys.executable, "-c", "import lthkit\n" + check,
                                  str(tmp_path / "ticket.keras"), *files],
                                 env=env, capture_output=True, text=True)
    assert with_lthkit.returncode == 0 and "MaskedDense" in with_lthkit.stdout, with_lthkit.stderr
    plain = subprocess.run([sys.executable, "-c", check, str(tmp_path / "plain.keras"), *files],
                           env=env, capture_output=True, text=True)
    assert plain.returncode == 0 and plain.stdout.startswith("Dense "), plain.stderr
    assert int(plain.stdout.split()[1]) > 6000  # the pruned weights are zeros
    without = subprocess.run([sys.executable, "-c", check, str(tmp_path / "ticket.keras"), *files],
                             env=env, capture_output=True, text=True)
    assert without.returncode != 0  # the masked model itself does need lthkit


def test_import_lthkit_does_not_import_keras():
    result = subprocess.run([sys.executable, "-c", "import sys, lthkit, lthkit.book; "
                             "print('keras' in sys.modules)"], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


# -- 7. two processes share one experiment; a killed one leaves no lock behind -------------------
SHARED = """
import os, sys, time
sys.path.insert(0, {tests!r})
from conftest import make_data, tiny_experiment
from lthkit.search import TicketSearch, Trainer
from lthkit.store import ResultStore
log, original = sys.argv[2], Trainer.train
def train(self, data_seed, snapshot_at=(), desc="", checkpoint=None):
    with open(log, "a") as f:
        f.write(desc + "\\n")
    if os.environ.get("DIE_IN"):
        with open(log + ".started", "w") as f:
            f.write("x")
        time.sleep(float(os.environ["DIE_IN"]))
    return original(self, data_seed, snapshot_at=snapshot_at, desc=desc, checkpoint=checkpoint)
Trainer.train = train
exp = tiny_experiment(rounds=3, replicates=2, controls=("reinit",))
TicketSearch(exp, ResultStore(sys.argv[1]), data=make_data(), quiet=True).run()
"""


@pytest.mark.slow
def test_two_processes_never_train_a_round_twice(tmp_path):
    script = tmp_path / "shared.py"
    script.write_text(SHARED.format(tests=str(TESTS)))
    log = tmp_path / "trained.log"
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path / "store"), str(log)])
             for _ in range(2)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    lines = log.read_text().split()
    rounds = 2 * 4 + 2 * 3  # (dense + 3 rounds) x 2 replicates, reinit 3 rounds x 2
    assert len(log.read_text().splitlines()) == rounds
    assert len(set(log.read_text().splitlines())) == rounds, lines


@pytest.mark.slow
def test_a_killed_process_leaves_no_lock(tmp_path):
    script = tmp_path / "shared.py"
    script.write_text(SHARED.format(tests=str(TESTS)))
    log = tmp_path / "trained.log"
    first = subprocess.Popen([sys.executable, str(script), str(tmp_path / "store"), str(log)],
                             env={**os.environ, "DIE_IN": "600"})
    deadline = time.time() + 120
    while not Path(str(log) + ".started").exists():  # it holds the lock of its first round
        assert time.time() < deadline and first.poll() is None
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = subprocess.run([sys.executable, str(script), str(tmp_path / "store"), str(log)],
                            timeout=600)
    assert second.returncode == 0
    assert len(list((tmp_path / "store").rglob("metrics.json"))) == 2 * 4 + 2 * 3


# -- 8. the committed part of a run is enough to resume it anywhere ------------------------------
COMMITTED = ("metrics.json", "mask.npz", "digests.json", "experiment.json", "dense.json")


def test_a_run_resumes_from_its_committed_files_alone(tmp_path, tiny_data, monkeypatch):
    exp = tiny_experiment(rounds=2, controls=("random",), rewind="7it")
    run(exp, ResultStore(tmp_path / "here"), tiny_data)
    clone = tmp_path / "clone"  # what `git clone` brings: the committed files only
    for path in (tmp_path / "here").rglob("*"):
        if path.is_file() and path.name in COMMITTED:
            (clone / path.relative_to(tmp_path / "here")).parent.mkdir(parents=True,
                                                                       exist_ok=True)
            shutil.copy(path, clone / path.relative_to(tmp_path / "here"))
    assert not list(clone.rglob("init.npz")) and not list(clone.rglob("at-7it.npz"))
    longer = exp.replace(search={"rounds": 4, "controls": ("random", "reinit")})
    calls = trained(monkeypatch)
    resumed, messages = run(longer, ResultStore(clone), tiny_data)
    assert not messages, messages
    # Rounds 3 and 4 and the new control were trained; the weights were rebuilt and matched
    # their digests (a mismatch raises).
    assert "rep 0 round 3 main" in calls and "rep 0 round 1 main" not in calls
    whole, _ = run(longer, ResultStore(tmp_path / "whole"), make_data())
    cols = [c for c in COMPARED if c in resumed]
    assert resumed[cols].reset_index(drop=True).equals(whole[cols].reset_index(drop=True))


def test_a_round_cut_off_mid_training_resumes_at_its_last_evaluation(tmp_path, tiny_data,
                                                                      monkeypatch):
    """A process stopped in the middle of a long round loses only the chunk it was in: the
    next run resumes the round from its checkpoint, to the numbers of an unbroken run."""
    from lthkit.search import Trainer
    exp = tiny_experiment(rounds=2, controls=("reinit",), rewind="7it")
    store = ResultStore(tmp_path / "cut")
    monkeypatch.setattr(Trainer, "checkpoint_every", 0.0)  # a checkpoint at every evaluation
    saves, save = [], Trainer._save_state

    def stopped_after_a_checkpoint(self, path, *args):
        save(self, path, *args)
        saves.append(path)
        if "round-02" in str(path):  # round 2's first evaluation is saved: stop here
            raise KeyboardInterrupt
    monkeypatch.setattr(Trainer, "_save_state", stopped_after_a_checkpoint)
    with pytest.raises(KeyboardInterrupt):
        run(exp, store, tiny_data)
    checkpoint = store.checkpoint_path(exp, 0, "main", 2)
    assert checkpoint.exists() and not store.metrics_path(exp, 0, "main", 2).exists()
    monkeypatch.undo()
    fits, fit = [], Trainer.train

    def counted(self, data_seed, snapshot_at=(), desc="", checkpoint=None):
        fits.append((desc, checkpoint is not None and Path(checkpoint).exists()))
        return fit(self, data_seed, snapshot_at=snapshot_at, desc=desc, checkpoint=checkpoint)
    monkeypatch.setattr(Trainer, "train", counted)
    resumed, messages = run(exp, store, tiny_data)
    assert not messages, messages
    assert ("rep 0 round 2 main", True) in fits  # resumed from the checkpoint
    assert not checkpoint.exists() and not list(store.root.rglob("partial-round.npz"))
    monkeypatch.undo()
    whole, _ = run(exp, ResultStore(tmp_path / "whole"), make_data())
    assert resumed[COMPARED].reset_index(drop=True).equals(whole[COMPARED].reset_index(drop=True))


def test_committed_size_of_a_round_is_small(finished):
    exp, store, _ = finished
    masks = store.mask_path(exp, 0, "main", 2)
    raw = sum(m.size for m in store.masks(exp, 0, "main", 2).values())
    assert masks.stat().st_size < raw / 8 + 2000  # packed bits, compressed


# -- every stored run of the repository loads and checks out ----------------------------------
def test_every_stored_run_in_results_loads():
    from lthkit._io import load_json
    results = ROOT / "results"
    folders = [f for f in sorted(results.glob("*-*")) if (f / "experiment.json").exists()]
    if not folders:
        pytest.skip("no stored runs")
    from lthkit.search import Experiment
    for folder in folders:
        info = load_json(folder / "experiment.json")
        exp = Experiment.from_dict(info["experiment"])
        store = ResultStore(results)
        assert store.experiment_dir(exp) == folder, f"{folder.name}: hash differs from its settings"
        assert json.loads(json.dumps(info))["hash"] == folder.name.rsplit("-", 1)[1]
        replicates = 1 + max((int(p.name.split("-")[1]) for p in folder.glob("replicate-*")),
                             default=exp.search.replicates - 1)
        rounds = max((int(p.name.split("-")[1]) for p in folder.rglob("round-*")), default=0)
        exp = exp.replace(search={"replicates": replicates, "rounds": rounds})
        copy_check = store.check(exp)
        assert copy_check == [], f"{folder.name}: damaged or wrong files {copy_check}"
        table = store.table(exp)
        if rounds == 0 and table.empty:
            continue  # a run just started: its dense round is still training
        assert len(table) >= replicates, folder.name
        assert table["test_accuracy"].between(0, 1).all()
        for rep, branch, r in table[["replicate", "branch", "round"]].itertuples(index=False):
            if store.mask_path(exp, rep, branch, r).exists():
                assert store.masks(exp, rep, branch, r) is not None
