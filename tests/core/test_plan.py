"""The plan of the book's stored runs: the runs the chapters look up are the ones it trains."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lthkit._errors import LthkitError
from lthkit.search import plan, rewind_sweep, target
from lthkit.store import ResultStore, experiment_hash

ROOT = Path(__file__).parents[2]


def planned():
    return {experiment_hash(e.experiment()) for e in plan.entries() if not e.named}


def test_entries_have_unique_names_and_valid_experiments():
    names = [e.name for e in plan.entries()]
    assert len(names) == len(set(names))
    for e in plan.entries():
        exp = e.experiment()
        if exp is None:  # a run a chapter builds, not started yet: the plan says how
            assert e.named and "make chapter" in e.start, e.name
            continue
        assert exp.search.replicates >= 1, e.name


def test_no_two_planned_runs_train_the_same_one_shot_reinitialization():
    # a one-shot mask is cut from the trained dense network whatever the rewind point, so two
    # one-shot runs that differ only in `rewind` would train identical reinit controls
    seen = {}
    for e in plan.entries():
        exp = e.experiment()
        if exp is None or exp.search.mode != "oneshot" or "reinit" not in exp.search.controls:
            continue
        key = (experiment_hash(exp.replace(search={"rewind": "0it"})), exp.search.levels)
        assert key not in seen, f"{e.name} repeats {seen[key]}'s reinit control"
        seen[key] = e.name
    assert seen, "no planned one-shot run has a reinit control: the check checks nothing"


def test_the_chapters_stored_lookups_are_planned():
    hashes = planned()
    lookups = [target(t, "full") for t in ("lenet_300_100", "lenet_300_100/oneshot", "end2end",
                                          "text_cnn/imdb", "text_cnn/ag_news", "text_lstm/imdb",
                                          "text_lstm/ag_news", "text_cnn/imdb/oneshot",
                                          "text_cnn/imdb/oneshot/late", "text_cnn/imdb/late")]
    lookups += rewind_sweep("lenet_300_100", "full", plan.LENET_REWINDS,
                            plan.LENET_SWEEP_ROUNDS).values()
    lookups += rewind_sweep("text_cnn/imdb", "full", plan.TEXT_REWINDS).values()
    lookups += [target("lenet_300_100", "full", rounds=plan.EARLY_ROUNDS, controls=(),
                       mask_after=f"{n}ep") for n in plan.EARLY_EPOCHS]
    missing = [e.label for e in lookups if experiment_hash(e) not in hashes]
    assert not missing


def test_status_counts_what_is_stored(tmp_path):
    table = plan.status(ResultStore(tmp_path))
    assert len(table) == len(plan.entries())
    lenet = table.set_index("run").loc["lenet_300_100"]
    # 3 replicates x (the dense round + 25 rounds of the ticket and of each of 2 controls)
    assert lenet["rounds"] == "0 / 228"
    assert table.set_index("run").loc["lenet_300_100 instability", "analyses"] == "0 / 6"


def test_an_unknown_entry_is_refused_before_anything_trains(tmp_path):
    with pytest.raises(LthkitError, match=r"^only='nope' is not allowed"):
        plan.run(["nope"], ResultStore(tmp_path))
    assert not any(tmp_path.iterdir())


def test_the_command_line_takes_a_ledger_target(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    run = subprocess.run([sys.executable, "-m", "lthkit.search", "lenet_300_100/oneshot",
                          "--profile", "smoke", "--store", str(tmp_path), "--quiet"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    [folder] = [f for f in tmp_path.iterdir() if f.name.startswith("lenet-")]
    assert '"mode": "oneshot"' in (folder / "experiment.json").read_text()
    refused = subprocess.run([sys.executable, "-m", "lthkit.search", "text_cnn/imdb/oneshot",
                              "--dataset", "ag_news", "--store", str(tmp_path)],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert refused.returncode == 2 and "names its dataset" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_stored_run_says_how_far_it_is(tmp_path, tiny_data):
    from conftest import tiny_experiment
    from lthkit.search import TicketSearch, stored
    store = ResultStore(tmp_path)
    assert stored(tiny_experiment(), store) is None
    TicketSearch(tiny_experiment(rounds=1, controls=("reinit",)), store, data=tiny_data,
                 quiet=True).run()
    longer = stored(tiny_experiment(rounds=2, controls=("reinit",)), store)
    assert longer.progress() == {"main": (2, 3), "reinit": (1, 2)}
    assert not longer.complete and "(in progress)" in longer.source
    assert "main 2 of 3, reinit 1 of 2; **in progress**" in longer.summary()
    done = stored(tiny_experiment(rounds=1, controls=("reinit",)), store)
    assert done.complete and "in progress" not in done.source + done.summary()


def test_a_stored_run_reads_its_re_split_from_its_own_data_card(tmp_path, tiny_data):
    from conftest import tiny_experiment
    from lthkit._io import load_json, save_json
    from lthkit.search import TicketSearch, stored
    store = ResultStore(tmp_path)
    exp = tiny_experiment(rounds=1)
    TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    run = stored(exp, store)
    assert run.resplit is None and "RE-SPLIT" not in " ".join(run.diff_card()["this run"])
    path = store.experiment_dir(exp) / "experiment.json"
    info = load_json(path)
    info["data_info"] = {**(info.get("data_info") or {}), "resplit": "7,600 rows re-split"}
    save_json(path, info)
    run = stored(exp, store)
    assert run.resplit == "7,600 rows re-split"
    assert "RE-SPLIT: 7,600 rows re-split" in " ".join(run.diff_card()["this run"])


def test_a_diff_card_lists_what_departs_from_the_paper_and_only_its_datasets_notes():
    from lthkit.search import diff_card
    imdb = diff_card(target("text_cnn/imdb", "full"))
    rows = dict(zip(imdb["setting"], imdb["this run"]))
    assert rows["search.rounds"] == "10" and rows["search.replicates"] == "2"
    notes = " ".join(imdb.loc[imdb["setting"] == "note", "this run"])
    assert "official 25,000 / 25,000 split" in notes and "AG News is a seeded" not in notes
    ag = diff_card(target("text_cnn/ag_news", "full"), {"resplit": "7,600 rows re-split"})
    ag_notes = " ".join(ag["this run"])
    assert "AG News is a seeded re-split" in ag_notes and "25,000 / 25,000" not in ag_notes
    assert "RE-SPLIT: 7,600 rows re-split" in ag_notes
    assert "search.rounds" not in set(diff_card(target("lenet_300_100", "full"))["setting"])
    e2e = diff_card(target("end2end", "full")).set_index("setting")
    assert e2e.loc["model.kwargs.embed_dim", "paper"] == "300"  # the builder's default
    assert e2e.loc["model.kwargs.embed_dim", "this run"] == "50"


class TinyEntry(plan.Entry):
    def experiment(self, store=None):
        from conftest import tiny_experiment
        return tiny_experiment(rounds=1, controls=("reinit",))


def test_the_queue_trains_what_is_missing_then_nothing(tmp_path, monkeypatch, capsys):
    entry = TinyEntry("tiny", "lenet_300_100", instability_rounds=(0,),
                      instability_replicates=(0,))
    monkeypatch.setattr(plan, "entries", lambda: [entry])
    store = ResultStore(tmp_path)
    plan.run(store=store)
    out = capsys.readouterr()
    assert "3 rounds and 1 analyses to go" in out.out
    assert "3/3" in out.err  # one bar for the plan: rounds done / rounds left at the start
    assert store.complete(entry.experiment())
    assert all(p.exists() for p in entry.analysis_paths(store))
    import lthkit.search.ticket as ticket

    def no_data(exp):
        raise AssertionError("a finished entry loaded its data")
    monkeypatch.setattr(ticket, "dataset_for", no_data)
    plan.run(store=store, quiet=True)
    assert "0 rounds and 0 analyses to go" in capsys.readouterr().out
    assert plan.status(store).iloc[0]["rounds"] == "3 / 3"


def test_stored_variants_read_what_is_stored_and_never_train(tmp_path, tiny_data, monkeypatch):
    from conftest import tiny_experiment
    from lthkit.search import Trainer, TicketSearch, stored_variants
    store = ResultStore(tmp_path)
    a = tiny_experiment(rounds=2)
    b = tiny_experiment(rounds=2, rewind="20it")
    TicketSearch(a, store, data=tiny_data, quiet=True).run()
    assert stored_variants({"k = 0": a, "k = 20it": b}, store) is None  # b: nothing stored
    TicketSearch(b.replace(search={"rounds": 1}), store, data=tiny_data, quiet=True).run()

    def no_training(*args, **kwargs):
        raise AssertionError("reading stored runs trained a round")
    monkeypatch.setattr(Trainer, "train", no_training)
    both = stored_variants({"k = 0": a, "k = 20it": b}, store, max_round=1)
    assert set(both.table["variant"]) == {"k = 0", "k = 20it"}
    assert both.table["round"].max() == 1
    assert both.runs["k = 0"].complete and not both.runs["k = 20it"].complete
    assert "(in progress)" in both.source and set(both.exps) == {"k = 0", "k = 20it"}


def test_the_status_estimates_the_hours_left_from_the_stored_rounds(tmp_path, tiny_data,
                                                                    monkeypatch):
    import numpy as np
    from conftest import tiny_experiment
    from lthkit.search import TicketSearch
    store = ResultStore(tmp_path)
    a = tiny_experiment(rounds=1, controls=("reinit",))
    b = tiny_experiment(rounds=2, rewind="20it", controls=())  # shares a's dense round
    TicketSearch(a, store, data=tiny_data, quiet=True).run()
    TicketSearch(b.replace(search={"rounds": 1}), store, data=tiny_data, quiet=True).run()
    # the pace: the lower quartile of every stored round, the shared dense round once
    seconds = [*store.table(a)["train_seconds"],
               *store.table(b).query("round > 0")["train_seconds"]]
    assert len(seconds) == 3 + 1  # a: dense, main and reinit round 1; b: its round 1
    pace = plan.seconds_per_round(store, [a, b])
    assert pace == {plan.cost_key(a): pytest.approx(np.percentile(seconds, 25))}
    assert plan.cost_key(a) == plan.cost_key(b) != plan.cost_key(a.replace(
        train={"training": "3ep"}))

    class A(plan.Entry):
        def experiment(self, store=None):
            return a.replace(search={"rounds": 2})

    class B(plan.Entry):
        def experiment(self, store=None):
            return b
    entries = [B("b", "lenet_300_100"), A("a", "lenet_300_100"),
               A("a, instability", "lenet_300_100", instability_rounds=(0,),
                 instability_replicates=(0,))]
    monkeypatch.setattr(plan, "entries", lambda: entries)
    monkeypatch.setattr(plan, "seconds_per_round", lambda store, exps: {plan.cost_key(a): 3600})
    table = plan.status(store).set_index("run")
    # b: its round 2; a: round 2 of main and reinit; a's instability: 1 analysis of 2 rounds,
    # the search's rounds counted once (under "a")
    assert table["hours left (est.)"].to_dict() == {"b": 1.0, "a": 2.0, "a, instability": 2.0}
    assert plan.summary(table.reset_index()).startswith("about 5 hours left")
    monkeypatch.setattr(plan, "seconds_per_round", lambda store, exps: {})
    table = plan.status(store)
    assert table["hours left (est.)"].isna().all()
    assert "plus 3 runs with no stored round" in plan.summary(table)


def test_a_run_built_in_a_chapter_is_planned_by_its_stored_name(tmp_path, tiny_data,
                                                                 monkeypatch, capsys):
    from conftest import tiny_experiment
    from lthkit.search import run_search
    exp = tiny_experiment().replace(name="built_here")
    store = ResultStore(tmp_path)
    run_search(exp, store, data=tiny_data, quiet=True)
    late = {"search": {"rewind": "1it", "controls": ()}}
    entries = [plan.Entry("built here", "", named="built_here", start="make chapter X"),
               plan.Entry("not yet", "", named="never_started", start="make chapter Y"),
               plan.Entry("its variant", "", named="built_late", start="make chapter X",
                          derived=("built_here", late)),
               plan.Entry("variant of nothing", "", named="late_of_none", start="make Z",
                          derived=("never_started", late))]
    monkeypatch.setattr(plan, "entries", lambda: entries)
    # read back from its experiment.json: the same experiment, its rounds counted
    assert experiment_hash(entries[0].experiment(store)) == experiment_hash(exp)
    # a variant of it is planned before its chapter started it: as the chapter would ask
    variant = exp.replace(name="built_late", **late)
    assert experiment_hash(entries[2].experiment(store)) == experiment_hash(variant)
    table = plan.status(store).set_index("run")
    assert table.loc["built here", "rounds"] == "3 / 3"
    assert table.loc["its variant", "rounds"] == "1 / 3"  # its dense round is the shared one
    assert table.loc["not yet", "folder"] == "not started: make chapter Y"
    assert table.loc["variant of nothing", "folder"] == "not started: make Z"
    # trained (here on the test's data; the plan loads the data its hparams name), it is
    # read back from its own experiment.json
    run_search(entries[2].experiment(store), store, data=tiny_data, quiet=True)
    assert store.complete(variant)
    assert experiment_hash(entries[2].experiment(store)) == experiment_hash(variant)
    plan.run(store=store, quiet=True)
    out = capsys.readouterr().out
    assert "never_started" not in out and "not yet: not started; its chapter starts it: " \
        "make chapter Y" in out
    assert "built here: built_here-" in out and "0 rounds and 0 analyses to go" in out
    assert "its variant: built_late-" in out


def test_a_chapter_built_run_short_of_its_rounds_is_in_progress(tmp_path, tiny_data):
    from conftest import tiny_experiment
    from lthkit import claims
    from lthkit.search import run_search, stored_named
    exp = tiny_experiment().replace(name="built_here")
    store = ResultStore(tmp_path)
    run_search(exp, store, data=tiny_data, quiet=True)
    run = stored_named("built_here", store)
    assert run.complete and "(in progress)" not in run.source
    # the last round lost (as when a session ends mid-run): the run asked for more
    last = exp.search.rounds
    for m in store.experiment_dir(exp).glob(f"replicate-0/main/round-{last:02d}/metrics.json"):
        m.unlink()
    run = stored_named("built_here", store)
    wanted = (last + 1) * exp.search.replicates
    assert not run.complete and run.progress()["main"] == (wanted - 1, wanted)
    assert "(in progress)" in run.source and "**in progress**" in run.summary()
    # and a ledger row from it says its verdict is the one so far
    assert claims.shown_verdict("within", run.source).endswith("so far (run in progress)")
    assert claims.shown_verdict("not run", run.source) == "— not run"


def test_the_plan_cuts_the_masks_of_its_one_shot_runs_before_training(tmp_path, tiny_data,
                                                                       monkeypatch, capsys):
    from conftest import tiny_experiment
    from lthkit.search import run_search
    store = ResultStore(tmp_path)
    pai = tiny_experiment(mode="oneshot", mask_after="0it", rounds=2).replace(
        name="pai_here", prune={"criterion": "snip"})
    imp = tiny_experiment(rounds=1).replace(name="imp_here")
    for exp in (pai, imp):
        store.register(exp)
    entries = [plan.Entry("pai", "", named="pai_here", start="make chapter X"),
               plan.Entry("imp", "", named="imp_here", start="make chapter X")]
    monkeypatch.setattr(plan, "entries", lambda: entries)
    monkeypatch.setattr(plan, "_data", lambda datasets, exp, keep_one=False: tiny_data)
    assert plan.cut_masks(store=store, quiet=True) == {"pai": 2}  # not the iterative one
    assert "pai: pai_here-" in capsys.readouterr().out
    assert store.masks(pai, 0, "main", 2) is not None and store.table(pai).empty
    assert plan.status(store).set_index("run").loc["pai", "rounds"] == "0 / 3"
    run_search(pai, store, data=tiny_data, quiet=True)
    assert plan.cut_masks(["pai"], store=store, quiet=True) == {"pai": 0}
    assert plan.main(["--store", str(tmp_path), "--cut-masks", "--only", "nope"]) == 2
    assert "only='nope'" in capsys.readouterr().err
