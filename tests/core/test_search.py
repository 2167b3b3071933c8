"""The ticket search end to end on small synthetic data: rewinding, controls, seeds,
one-shot, early tickets, and the optimizer reset."""
import json

import keras
import numpy as np
import pytest

from conftest import tiny_experiment
from lthkit._io import load_json, load_npz
from lthkit.pruning import get_masks, kept_after_rounds, kernel_weights
from lthkit.search import TicketSearch, Trainer, TrainHParams
from lthkit.search import train as train_module
from lthkit.store import ResultStore, experiment_hash


@pytest.fixture
def record_starts(monkeypatch):
    """Record the weights and masks every training round starts from."""
    starts = []
    original = Trainer.train

    def train(self, data_seed, snapshot_at=(), desc="", checkpoint=None):
        starts.append({"desc": desc, "weights": kernel_weights(self.model),
                       "masks": get_masks(self.model)})
        return original(self, data_seed, snapshot_at=snapshot_at, desc=desc, checkpoint=checkpoint)

    monkeypatch.setattr(Trainer, "train", train)
    return starts


def run(exp, root, data):
    return TicketSearch(exp, ResultStore(root), data=data, quiet=True).run()


def test_trained_masks_differ_from_initial_masks(tmp_path, tiny_data):
    trained = tiny_experiment(rounds=1)
    initial = trained.replace(prune={"criterion": "init_magnitude"})
    run(trained, tmp_path / "a", tiny_data)
    run(initial, tmp_path / "b", tiny_data)
    ma = ResultStore(tmp_path / "a").masks(trained, 0, "main", 1)
    mb = ResultStore(tmp_path / "b").masks(initial, 0, "main", 1)
    assert set(ma) == {"hidden1/kernel", "hidden2/kernel", "output/kernel"}
    for key in ma:
        assert ma[key].sum() == mb[key].sum()
        assert not np.array_equal(ma[key], mb[key]), key


def test_rewinding_restores_exactly_the_rewind_weights(tmp_path, tiny_data, record_starts):
    exp = tiny_experiment(rounds=2, rewind="7it")
    search = TicketSearch(exp, ResultStore(tmp_path), data=tiny_data, quiet=True)
    search.run()
    rewind = load_npz(search.store.weights_path(exp, 0, "at-7it"))
    init = load_npz(search.store.weights_path(exp, 0, "init"))
    rewind_p, init_p = kernel_weights(search.model, rewind), kernel_weights(search.model, init)
    main = [s for s in record_starts if "main" in s["desc"]]
    assert len(main) == 3
    # Round 0 starts at the initialization, later rounds at the weights after 7 iterations.
    for key in init_p:
        np.testing.assert_array_equal(main[0]["weights"][key], init_p[key])
        assert not np.array_equal(rewind_p[key], init_p[key])
    for r in (1, 2):
        stored = search.store.masks(exp, 0, "main", r)
        for key, mask in stored.items():
            np.testing.assert_array_equal(main[r]["masks"][key], mask)
            np.testing.assert_array_equal(main[r]["weights"][key][mask], rewind_p[key][mask])
            assert np.all(main[r]["weights"][key][~mask] == 0)


def test_controls_reinit_keeps_mask_random_keeps_sparsity(tmp_path, tiny_data, record_starts):
    exp = tiny_experiment(rounds=2, controls=("reinit", "random"))
    search = TicketSearch(exp, ResultStore(tmp_path), data=tiny_data, quiet=True)
    table = search.run()
    assert set(table["branch"]) == {"main", "reinit", "random"}
    init_p = kernel_weights(search.model, load_npz(search.store.weights_path(exp, 0, "init")))
    by = {s["desc"]: s for s in record_starts}
    for r in (1, 2):
        ticket, reinit, rand = (by[f"rep 0 round {r} {b}"] for b in ("main", "reinit", "random"))
        for key in init_p:
            np.testing.assert_array_equal(reinit["masks"][key], ticket["masks"][key])
            m = ticket["masks"][key]
            assert not np.allclose(reinit["weights"][key][m], ticket["weights"][key][m])
            assert rand["masks"][key].sum() == m.sum()
            assert not np.array_equal(rand["masks"][key], m)
            rm = rand["masks"][key]
            np.testing.assert_array_equal(rand["weights"][key][rm], init_p[key][rm])
    # Rows of one level share the same sparsity across branches.
    level = table[table["round"] == 2]
    assert level["remaining_fraction"].nunique() == 1


def test_same_seeds_give_identical_masks_and_metrics(tmp_path, tiny_data):
    exp = tiny_experiment(rounds=2, replicates=2, controls=("random",))
    a, b = run(exp, tmp_path / "a", tiny_data), run(exp, tmp_path / "b", tiny_data)
    cols = ["branch", "replicate", "round", "test_accuracy", "early_stop_test_accuracy",
            "early_stop_iteration", "val_loss", "remaining_fraction"]
    assert a[cols].equals(b[cols])
    sa, sb = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
    for rep in (0, 1):
        for r in (1, 2):
            ma, mb = sa.masks(exp, rep, "main", r), sb.masks(exp, rep, "main", r)
            for key in ma:
                np.testing.assert_array_equal(ma[key], mb[key])
    # ...and different replicates (seeds) give different tickets.
    m0, m1 = sa.masks(exp, 0, "main", 2), sa.masks(exp, 1, "main", 2)
    assert any(not np.array_equal(m0[k], m1[k]) for k in m0)


def test_metrics_per_round(tmp_path, tiny_data):
    exp = tiny_experiment(rounds=3)
    table = run(exp, tmp_path, tiny_data)
    assert list(table["round"]) == [0, 1, 2, 3]
    m = load_json(ResultStore(tmp_path).metrics_path(exp, 0, "main", 3))
    for layer, rate in (("hidden1/kernel", .2), ("hidden2/kernel", .2), ("output/kernel", .1)):
        assert m["remaining"][layer] == kept_after_rounds(m["sizes"][layer], rate, 3)
    assert m["remaining"]["total"] == sum(v for k, v in m["remaining"].items() if k != "total")
    curves = m["curves"]
    assert curves["iteration"] == [20, 40, 60]
    best = int(np.argmin(curves["val_loss"]))
    assert m["early_stop_iteration"] == curves["iteration"][best]
    assert m["early_stop_test_accuracy"] == curves["test_accuracy"][best]
    assert m["test_accuracy"] == curves["test_accuracy"][-1]
    assert len(curves["train_loss"]) == len(curves["val_loss"]) == 3


def test_more_rounds_extend_a_stored_run(tmp_path, tiny_data, record_starts):
    run(tiny_experiment(rounds=1), tmp_path, tiny_data)
    record_starts.clear()
    table = run(tiny_experiment(rounds=3), tmp_path, tiny_data)
    assert [s["desc"] for s in record_starts] == ["rep 0 round 2 main", "rep 0 round 3 main"]
    assert list(table["round"]) == [0, 1, 2, 3]
    record_starts.clear()
    run(tiny_experiment(rounds=3), tmp_path, tiny_data)
    assert record_starts == [], "a finished run must not train again"


def test_oneshot_levels_match_iterative_sparsity(tmp_path, tiny_data):
    it = run(tiny_experiment(rounds=3), tmp_path / "it", tiny_data)
    exp = tiny_experiment(rounds=3, mode="oneshot")
    search = TicketSearch(exp, ResultStore(tmp_path / "one"), data=tiny_data, quiet=True)
    one = search.run()
    np.testing.assert_array_equal(it["remaining_fraction"], one["remaining_fraction"])
    store = search.store
    masks = [store.masks(exp, 0, "main", r) for r in (1, 2, 3)]
    scored = kernel_weights(search.model, load_npz(store.weights_path(exp, 0, "trained")))
    for key in scored:
        assert not np.any(masks[2][key] & ~masks[1][key])
        # One-shot: every level keeps the largest round-0 weights.
        w = np.abs(scored[key])
        assert w[masks[2][key]].min() >= w[~masks[2][key]].max()


def test_early_ticket_scores_weights_after_n_epochs(tmp_path, tiny_data):
    exp = tiny_experiment(rounds=1, mask_after="0ep")
    run(exp, tmp_path / "e0", tiny_data)
    init_exp = tiny_experiment(rounds=1).replace(prune={"criterion": "init_magnitude"})
    run(init_exp, tmp_path / "init", tiny_data)
    a = ResultStore(tmp_path / "e0").masks(exp, 0, "main", 1)
    b = ResultStore(tmp_path / "init").masks(init_exp, 0, "main", 1)
    for key in a:  # the weights after 0 epochs are the initial weights
        np.testing.assert_array_equal(a[key], b[key])


def test_fresh_optimizer_each_round(tiny_data):
    from lthkit.models import lenet_300_100
    model = lenet_300_100(input_shape=(8, 8, 1), num_classes=4, hidden=(16, 8))
    trainer = Trainer(model, tiny_data, TrainHParams(training="20it", eval_every="10it",
                                                     batch_size=30))
    fresh = [np.array(v.numpy()) for v in trainer.optimizer.variables]
    trainer.train(0)
    assert any(not np.array_equal(a, v.numpy()) for a, v in zip(fresh, trainer.optimizer.variables))
    trainer.reset_optimizer()
    for a, v in zip(fresh, trainer.optimizer.variables):
        np.testing.assert_array_equal(a, v.numpy())


def test_batch_stream_is_addressed_by_global_step(tiny_data):
    whole = train_module.BatchStream(tiny_data.x_train, tiny_data.y_train, 30, 5, 0, 45)
    part = train_module.BatchStream(tiny_data.x_train, tiny_data.y_train, 30, 5, 25, 20)
    for i in range(20):
        np.testing.assert_array_equal(whole[25 + i][1], part[i][1])
    # a new epoch reshuffles
    assert not np.array_equal(whole[0][1], whole[20][1])


@pytest.mark.parametrize("kwargs, match", [
    ({"training": 0}, r"training=0 is not allowed: expected a duration.*at least 1"),
    ({"training": "5 epochs"}, r"training='5 epochs' is not allowed: expected a duration"),
    ({"eval_every": "0ep"}, r"eval_every='0ep' is not allowed.*at least 1"),
    ({"batch_size": 0}, r"batch_size=0 is not allowed: expected an int >= 1"),
    ({"optimizer": "rmsprop"}, r"optimizer='rmsprop'.*one of 'adam'"),
    ({"learning_rate": -1}, r"learning_rate=-1.*a number > 0"),
    ({"batching": "sorted"}, r"batching='sorted'.*one of 'shuffle', 'bucket'"),
    ({"fresh_optimizer": False}, r"fresh_optimizer=False.*expected True"),
])
def test_bad_training_hparams(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainHParams(**kwargs)


def test_bad_search_hparams():
    with pytest.raises(ValueError, match=r"controls='shuffled'.*one of 'reinit', 'random', "
                                         r"'shuffle'"):
        tiny_experiment(controls=("shuffled",))
    with pytest.raises(ValueError, match=r"mode='greedy'.*one of 'iterative', 'oneshot'"):
        tiny_experiment(mode="greedy")
    with pytest.raises(ValueError, match=r"rates\['hidden'\].*layer kind among"):
        tiny_experiment().replace(prune={"rates": {"hidden": 0.2}})


def test_sparse_test_curve_gives_the_same_summary(tmp_path, tiny_data):
    full = tiny_experiment(rounds=1)
    sparse = full.replace(train={"test_curve": False})
    a, b = run(full, tmp_path / "a", tiny_data), run(sparse, tmp_path / "b", tiny_data)
    for col in ("test_accuracy", "early_stop_test_accuracy", "early_stop_iteration"):
        np.testing.assert_array_equal(a[col], b[col])
    m = load_json(ResultStore(tmp_path / "b").metrics_path(sparse, 0, "main", 1))
    best = int(np.argmin(m["curves"]["val_loss"]))
    assert m["curves"]["test_accuracy"][best] is not None
    assert m["curves"]["test_accuracy"][-1] is not None


def test_replicate_subsets_share_one_store(tmp_path, tiny_data):
    exp = tiny_experiment(rounds=1, replicates=2)
    store = ResultStore(tmp_path)
    TicketSearch(exp, store, data=tiny_data, quiet=True, replicates=[1]).run()
    assert [t[0] for t in store.missing(exp)] == [0, 0]
    table = TicketSearch(exp, store, data=tiny_data, quiet=True, replicates=[0]).run()
    assert store.complete(exp) and set(table["replicate"]) == {0, 1}
    whole = run(exp, tmp_path / "whole", tiny_data)
    np.testing.assert_array_equal(table["test_accuracy"], whole["test_accuracy"])


def test_a_registered_control_runs_without_touching_the_search(tmp_path, tiny_data,
                                                                record_starts):
    from lthkit.search import CONTROLS, register_control

    @register_control("signs", "new magnitudes, the ticket's signs")
    def signs(level):  # the README's example
        fresh = level.fresh_weights()
        kernels = {k: np.abs(w) * np.sign(level.kernels(level.rewind_weights)[k])
                   for k, w in level.kernels(fresh).items()}
        return level.with_kernels(level.rewind_weights, kernels), level.ticket_masks

    try:
        exp = tiny_experiment(rounds=2, controls=("reinit", "signs"))
        search = TicketSearch(exp, ResultStore(tmp_path), data=tiny_data, quiet=True)
        table = search.run()
        assert set(table["branch"]) == {"main", "reinit", "signs"}
        init = kernel_weights(search.model, load_npz(search.store.weights_path(exp, 0, "init")))
        by = {s["desc"]: s for s in record_starts}
        for r in (1, 2):
            ticket, signed = by[f"rep 0 round {r} main"], by[f"rep 0 round {r} signs"]
            for key, mask in ticket["masks"].items():
                np.testing.assert_array_equal(signed["masks"][key], mask)
                w = signed["weights"][key][mask]
                np.testing.assert_array_equal(np.sign(w), np.sign(init[key][mask]))
                assert not np.allclose(np.abs(w), np.abs(init[key][mask]))
            m = load_json(search.store.metrics_path(exp, 0, "signs", r))
            assert m["masks_from"] == "main" and not search.store.mask_path(
                exp, 0, "signs", r).exists()
    finally:
        CONTROLS.pop("signs", None)


def test_oneshot_levels_train_only_the_levels_asked_for(tmp_path, tiny_data, record_starts):
    every = tiny_experiment(rounds=3, mode="oneshot", controls=("random",))
    some = every.replace(search={"levels": (1, 3)})
    store = ResultStore(tmp_path)
    table = TicketSearch(some, store, data=tiny_data, quiet=True).run()
    assert sorted(set(table["round"])) == [0, 1, 3]
    assert not [s for s in record_starts if "round 2" in s["desc"]]
    # the same masks as the one-shot run of every level, which shares the dense round
    TicketSearch(every, store, data=tiny_data, quiet=True).run()
    assert experiment_hash(some) == experiment_hash(every)
    for r in (1, 3):
        for branch in ("main", "random"):
            a, b = store.masks(some, 0, branch, r), store.masks(every, 0, branch, r)
            for key in a:
                np.testing.assert_array_equal(a[key], b[key])
    with pytest.raises(ValueError, match=r"levels=\(2,\) is not allowed.*iterative"):
        tiny_experiment(levels=(2,))


def test_variants_share_the_dense_round_and_cut_at_max_round(tmp_path, tiny_data,
                                                             record_starts):
    from lthkit.search import variants
    store = ResultStore(tmp_path)
    base = tiny_experiment(rounds=3)
    late = base.replace(search={"rewind": "20it", "rounds": 2})
    table = variants({"k = 0": base, "k = 20": late}, store, quiet=True, max_round=2)
    dense = [s["desc"] for s in record_starts if "round 0" in s["desc"]]
    assert len(dense) == 1, f"one dense network for both variants, trained {dense}"
    assert set(table["variant"]) == {"k = 0", "k = 20"}
    assert table["round"].max() == 2
    assert store.metrics(base, 0, "main", 3) is not None, "k = 0 still ran its own 3 rounds"


def test_rewind_sweep_reuses_the_targets_own_search_at_k_zero():
    from lthkit.search import rewind_sweep, target
    from lthkit.store import experiment_hash
    sweep = rewind_sweep("lenet_300_100", "quick", ["0it", "0ep", "200it"], rounds=4, seed=0)
    base = target("lenet_300_100", "quick", seed=0)
    assert sweep["k = 0it"] == base and sweep["k = 0ep"] == base
    late = sweep["k = 200it"]
    assert (late.search.rewind, late.search.rounds, late.search.controls) == ("200it", 4, ())
    assert experiment_hash(late) != experiment_hash(base)
    with pytest.raises(Exception, match="rewinds"):
        rewind_sweep("lenet_300_100", "quick", ["soon"])


def test_dense_weights_are_the_initialization_keyed_like_masks_and_checked(tmp_path, tiny_data):
    from lthkit.search import StoredRun, initial_weights
    from lthkit.search.ticket import WeightsDiffer
    exp = tiny_experiment(rounds=1)
    store = ResultStore(tmp_path)
    search = TicketSearch(exp, store, data=tiny_data, quiet=True)
    table = search.run()
    expected = kernel_weights(search.model, initial_weights(exp, tiny_data, exp.search.seed))
    got = TicketSearch(exp, store, data=tiny_data, quiet=True).dense_weights(0, "init")
    assert set(got) == set(store.masks(exp, 0, "main", 1)) == set(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    # not kept locally: rebuilt from the seed, the same weights
    search.store.weights_path(exp, 0, "init").unlink()
    run_ = StoredRun(exp, store, table)
    rebuilt = run_.initial_weights(0, data=tiny_data)
    for key in expected:
        np.testing.assert_array_equal(rebuilt[key], expected[key])
    # a digest that does not match (another backend's draw): an error, or None and a warning
    search.store.weights_path(exp, 0, "init").unlink()
    digests = store.dense_replicate_dir(exp, 0) / "digests.json"
    recorded = load_json(digests)
    digests.write_text(json.dumps({**recorded, "init": "0" * 64}))
    with pytest.raises(WeightsDiffer, match="differ from the ones this run was trained with"):
        TicketSearch(exp, store, data=tiny_data, quiet=True).dense_weights(0)
    with pytest.warns(UserWarning, match="no initial weights"):
        assert run_.initial_weights(0, data=tiny_data) is None


@pytest.mark.parametrize("kw, param", [({"replicate": 1}, "replicate"),
                                       ({"replicate": True}, "replicate"),
                                       ({"name": "at-xit"}, "name"),
                                       ({"name": "final"}, "name")])
def test_dense_weights_bad_input_names_the_parameter(tmp_path, tiny_data, kw, param):
    from lthkit._errors import LthkitError
    search = TicketSearch(tiny_experiment(rounds=1), ResultStore(tmp_path), data=tiny_data,
                          quiet=True)
    with pytest.raises(LthkitError, match=f"^{param}"):
        search.dense_weights(**kw)


def test_show_fitting_shows_a_level_every_branch_reached(tmp_path, tiny_data, capsys):
    from lthkit import book
    exp = tiny_experiment(rounds=1, controls=("reinit",))
    run(exp, tmp_path, tiny_data)
    t = book.show_fitting(None, ResultStore(tmp_path), exp, "tiny", round_=5)
    assert "level 5 is not one that every branch reached: showing level 1" in \
        capsys.readouterr().out
    assert len(t) == 2  # dense and level 1
    assert list(t.columns.get_level_values(0).unique()) == ["lowest validation loss",
                                                            "its rise by the end of training"]
    assert set(t.columns.get_level_values(1)) == {"IMP ticket", "random reinit"}


def _tamper_trained_digest(store, exp):
    """What another machine sees: the trained weights it rebuilds are not the recorded ones."""
    store.weights_path(exp, 0, "trained").unlink()
    path = store.dense_replicate_dir(exp, 0) / "digests.json"
    digests = load_json(path)
    path.write_text(json.dumps({**digests, "trained": "0" * 64}))
    return path


def test_a_one_shot_search_cuts_every_level_from_the_trained_weights_at_once(tmp_path,
                                                                            tiny_data):
    exp = tiny_experiment(rounds=3, mode="oneshot")
    store = ResultStore(tmp_path)
    search = TicketSearch(exp, store, data=tiny_data, quiet=True, replicates=[0])
    search.setup()
    search._dense_round(0)
    level1 = search.ticket_masks(0, 1)
    # the first level's mask brings every level's: rates**r of the same trained weights
    kept = [sum(int(m.sum()) for m in store.masks(exp, 0, "main", r).values()) for r in (1, 2, 3)]
    assert kept[0] > kept[1] > kept[2] > 0
    assert all(np.array_equal(level1[k], store.masks(exp, 0, "main", 1)[k]) for k in level1)
    trained = search.dense_weights(0, "trained")
    for key, m in store.masks(exp, 0, "main", 3).items():  # the largest trained weights
        assert np.abs(trained[key][m]).min() >= np.abs(trained[key][~m]).max()
    # so a machine that cannot rebuild the trained weights exactly still trains every level
    _tamper_trained_digest(store, exp)
    table = TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    assert sorted(table[table["branch"] == "main"]["round"]) == [0, 1, 2, 3]


def test_rebuilt_trained_weights_are_refused_unless_adopted(tmp_path, tiny_data, monkeypatch):
    from lthkit._io import LthkitWarning
    from lthkit.search.ticket import ADOPT_ENV, WeightsDiffer
    base = tiny_experiment(rounds=1)
    store = ResultStore(tmp_path)
    TicketSearch(base, store, data=tiny_data, quiet=True).run()
    digests_path = _tamper_trained_digest(store, base)
    # a one-shot search of the same dense network needs its trained weights
    exp = tiny_experiment(rounds=1, mode="oneshot")
    with pytest.raises(WeightsDiffer, match="adopt-rebuilt-weights"):
        TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    monkeypatch.setenv(ADOPT_ENV, "1")  # what --adopt-rebuilt-weights sets
    with pytest.warns(LthkitWarning, match="adopted"):
        TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    digests = load_json(digests_path)
    assert digests["trained"] == "0" * 64  # the original record stays
    (entry,) = digests["adopted"]["trained"]
    assert entry["replaces"] == "0" * 64 and entry["backend"]
    assert entry["versions"]["keras"] == keras.__version__ and "cpu" in entry
    # with the numbers of the replayed dense round (here the same machine: the stored ones)
    stored = load_json(store.metrics_path(exp, 0, "main", 0))
    assert entry["replay"] == {k: stored[k] for k in entry["replay"]} and \
        "early_stop_test_accuracy" in entry["replay"]
    kept = load_npz(store.weights_path(exp, 0, "trained"))
    from lthkit._io import arrays_digest
    assert entry["sha256"] == arrays_digest(kept)
    # from now on the adopted weights are the accepted ones, with or without adopting
    monkeypatch.delenv(ADOPT_ENV)
    search = TicketSearch(exp, store, data=tiny_data, quiet=True)
    search.dense_weights(0, "trained")
    assert store.check(exp) == []  # nothing moved aside
    # the initialization is never adopted: it comes from the seed on every machine
    store.weights_path(exp, 0, "init").unlink()
    digests_path.write_text(json.dumps({**load_json(digests_path), "init": "1" * 64}))
    with pytest.raises(WeightsDiffer):
        TicketSearch(exp, store, data=tiny_data, quiet=True, adopt_rebuilt=True).dense_weights(0)


def test_both_command_lines_adopt_on_request(tmp_path, monkeypatch, capsys):
    import os
    from lthkit.search import plan
    from lthkit.search.__main__ import parser
    from lthkit.search.ticket import ADOPT_ENV
    from lthkit._cli import adopt_from
    monkeypatch.delenv(ADOPT_ENV, raising=False)  # and absent again after the test
    adopt_from(parser().parse_args(["lenet_300_100"]))
    assert ADOPT_ENV not in os.environ  # refusing is the default
    adopt_from(parser().parse_args(["lenet_300_100", "--adopt-rebuilt-weights"]))
    assert os.environ.pop(ADOPT_ENV) == "1"
    assert plan.main(["--store", str(tmp_path), "--adopt-rebuilt-weights"]) == 0
    assert os.environ.pop(ADOPT_ENV) == "1" and "hours left" in capsys.readouterr().out


def test_cpu_model_reads_cpuinfo_and_tolerates_its_absence(tmp_path):
    from lthkit.search.ticket import cpu_model
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\n"
                    "model name\t: Intel(R) Xeon(R) Processor\n"
                    "flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw\n"
                    "processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n")
    assert cpu_model(info) == {"model": "Intel(R) Xeon(R) Processor",
                               "simd": ["sse4_2", "avx", "avx2", "fma", "avx512f"]}
    info.write_text("processor\t: 0\nFeatures\t: fp asimd\n")  # an ARM machine
    assert cpu_model(info) == {"model": None, "simd": ["asimd"]}
    info.write_text("processor\t: 0\n")
    assert cpu_model(info) is None
    assert cpu_model(tmp_path / "absent") is None


def test_a_round_cut_off_resumes_from_its_checkpoint_with_the_numbers_of_an_unbroken_one(
        tiny_data, tmp_path, monkeypatch):
    import warnings

    from lthkit._io import LthkitWarning
    from lthkit.models import lenet_300_100
    from lthkit.pruning.masks import masked_variables, restore, set_masks, snapshot
    model = lenet_300_100(input_shape=(8, 8, 1), num_classes=4, hidden=(16, 8))
    hp = TrainHParams(training="60it", eval_every="20it", batch_size=30)
    start = snapshot(model)
    masks = {k: np.random.default_rng(1).random(tuple(m.shape)) < 0.7
             for k, (_, _, m) in masked_variables(model).items()}

    def fresh_round():  # what the search does before each round: masks, then weights
        set_masks(model, masks)
        restore(model, start)
        trainer = Trainer(model, tiny_data, hp, quiet=True)
        trainer.checkpoint_every = 0.0  # a checkpoint at every evaluation
        return trainer

    unbroken, snaps = fresh_round().train(3, snapshot_at=(20,))
    whole = snapshot(model)

    ckpt = tmp_path / "partial-round.npz"
    trainer = fresh_round()
    fit, calls = trainer.model.fit, []

    def cut_off(*args, **kwargs):  # the process is stopped while training the 2nd chunk
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return fit(*args, **kwargs)
    monkeypatch.setattr(trainer.model, "fit", cut_off)
    with pytest.raises(KeyboardInterrupt):
        trainer.train(3, snapshot_at=(20,), checkpoint=ckpt)
    assert ckpt.exists()
    monkeypatch.undo()

    # another round (other masks) does not take this round's checkpoint
    other = {k: ~m for k, m in masks.items()}
    set_masks(model, other)
    restore(model, start)
    other_trainer = Trainer(model, tiny_data, hp, quiet=True)
    with pytest.warns(LthkitWarning, match="written by another round"):
        state = train_module._read_checkpoint(ckpt, other_trainer._round_id(3, [20, 40, 60]))
    assert state is None and not ckpt.exists()

    # cut off again, then resumed by a new trainer: the numbers of the unbroken round
    trainer = fresh_round()
    monkeypatch.setattr(trainer.model, "fit", cut_off)
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        trainer.train(3, snapshot_at=(20,), checkpoint=ckpt)
    monkeypatch.undo()
    trainer = fresh_round()
    fits = []
    monkeypatch.setattr(trainer.model, "fit", lambda *a, **k: fits.append(1) or fit(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("error", LthkitWarning)  # resumed, not started over
        resumed, rsnaps = trainer.train(3, snapshot_at=(20,), checkpoint=ckpt)
    assert len(fits) == 2  # chunks 2 and 3 only
    assert resumed["curves"] == unbroken["curves"]
    assert resumed["early_stop_test_accuracy"] == unbroken["early_stop_test_accuracy"]
    for k, v in snapshot(model).items():
        np.testing.assert_array_equal(v, whole[k])
    for k, v in snaps[20].items():
        np.testing.assert_array_equal(rsnaps[20][k], v)
    assert not ckpt.exists()  # a finished round leaves no checkpoint


def test_a_damaged_checkpoint_is_set_aside_and_the_round_starts_over(tiny_data, tmp_path):
    from lthkit.models import lenet_300_100
    model = lenet_300_100(input_shape=(8, 8, 1), num_classes=4, hidden=(16, 8))
    trainer = Trainer(model, tiny_data, TrainHParams(training="20it", eval_every="10it",
                                                     batch_size=30), quiet=True)
    ckpt = tmp_path / "partial-round.npz"
    ckpt.write_bytes(b"cut off")
    with pytest.warns(UserWarning, match="cannot be read.*starts over"):
        metrics, _ = trainer.train(0, checkpoint=ckpt)
    assert metrics["curves"]["iteration"] == [10, 20] and not ckpt.exists()
