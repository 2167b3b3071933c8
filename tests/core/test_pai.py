"""Pruning at initialization in the book: the targets, the tables a chapter reads, the
ledger's margin claims, what each mask keeps of the embedding, what each method costs."""
import numpy as np
import pandas as pd
import pytest

from lthkit import analysis, claims, search

ACC = "early_stop_test_accuracy"


def test_the_pai_targets_prune_globally_at_initialization_with_both_ablations():
    sweep = search.pai_sweep("lenet_300_100", "full")
    assert list(sweep) == list(search.PAI_METHODS)
    for method, exp in sweep.items():
        assert exp.prune.criterion == search.PAI_METHODS[method]
        assert (exp.search.mode, exp.search.mask_after, exp.prune.strategy, exp.prune.rates) \
            == ("oneshot", "0it", "global", 0.2)
        assert exp.search.controls == ("shuffle", "reinit")
        assert exp.search.levels == (3, 7, 12, 18) and exp.search.replicates == 3
    imdb = search.pai_sweep("text_cnn/imdb", "full", ["SNIP"])
    assert imdb["SNIP"].search.levels == (2, 8) and imdb["SNIP"].search.replicates == 2
    quick = search.pai_sweep("lenet_300_100", "quick", ["SynFlow"], levels=(7,))
    assert quick["SynFlow"].search.levels == (7,)
    with pytest.raises(ValueError, match="methods='snap'"):
        search.pai_sweep("lenet_300_100", "quick", ["snap"])
    with pytest.raises(ValueError, match="base='conv6'"):
        search.pai_sweep("conv6", "quick")
    from lthkit.search import plan
    planned = {e.target for e in plan.entries()}
    assert {f"{b}/pai/{c}" for b in ("lenet_300_100", "text_cnn/imdb")
            for c in search.PAI_METHODS.values()} <= planned


def rows(variant, branch, accs, rounds=(0, 1, 2), seconds=10.0):
    """A results table: one row per replicate (accs[r][i]) and round."""
    out = []
    for r, values in zip(rounds, accs):
        for i, acc in enumerate(values):
            out.append({"variant": variant, "branch": branch, "replicate": i, "round": r,
                        "percent_remaining": 100 * 0.8 ** r, ACC: acc,
                        "train_seconds": seconds})
    return out


@pytest.fixture
def combined():
    pai = pd.DataFrame(rows("SNIP", "main", [[0.9, 0.9], [0.88, 0.86], [0.80, 0.82]])
                       + rows("SNIP", "shuffle", [[0.87, 0.86], [0.79, 0.83]], rounds=(1, 2))
                       + rows("SNIP", "reinit", [[0.84, 0.84], [0.80, 0.80]], rounds=(1, 2)))
    imp = pd.DataFrame(rows(None, "main", [[0.9, 0.9], [0.91, 0.91], [0.90, 0.92]], seconds=20)
                       + rows(None, "reinit", [[0.85, 0.85], [0.80, 0.81]], rounds=(1, 2))
                       + rows(None, "random", [[0.83, 0.83], [0.70, 0.74]], rounds=(1, 2))
                       ).drop(columns="variant")
    return analysis.pai_combined(pai, imp)


def test_pai_beside_imp_and_the_ablation_gaps(combined):
    assert set(combined["variant"]) == {"SNIP", "IMP (after training)", "random pruning"}
    rnd = combined[combined["variant"] == "random pruning"]
    assert set(rnd["branch"]) == {"main"} and 0 in set(rnd["round"])  # starts at dense
    gaps = analysis.ablation_gaps(combined)
    snip = gaps[(gaps["variant"] == "SNIP") & (gaps["round"] == 1)].set_index("ablation")
    # replicate by replicate: (0.88 - 0.87, 0.86 - 0.86) and (0.88 - 0.84, 0.86 - 0.84)
    assert snip.loc["layerwise shuffle", "gap"] == pytest.approx(0.5)
    assert snip.loc["layerwise shuffle", "gap_max"] == pytest.approx(1.0)
    assert snip.loc["random reinit", "gap"] == pytest.approx(3.0)
    imp = gaps[gaps["variant"] == "IMP (after training)"]
    assert set(imp["ablation"]) == {"random reinit"}
    # IMP's rounds beyond the methods' deepest level are left out of the chart's gaps
    deeper = pd.DataFrame(rows(None, "main", [[0.85, 0.85]], rounds=(3,))
                          + rows(None, "reinit", [[0.70, 0.72]], rounds=(3,))
                          ).assign(variant="IMP (after training)")
    both = pd.concat([combined, deeper], ignore_index=True)
    assert 3 in set(analysis.ablation_gaps(both)["round"])
    spanned = analysis.ablation_gaps(both, pai_span=True)
    assert set(spanned["round"]) == {1, 2}
    assert len(spanned) == len(gaps)
    grid = analysis.ticket_grid(combined, [20], branches=("main", "shuffle", "reinit"))
    assert grid.loc["80 %", "SNIP"] == "87.00 / 86.50 / 84.00"


def test_margin_claims_read_the_comparison_the_paper_made(combined):
    found = [claims.Claim("t.above", "FDRC21", "E8", "x", "margin", 0.0, "beats random",
                          level=64, variant="SNIP", versus="random pruning:main",
                          expect="above"),
             claims.Claim("t.below", "FDRC21", "E8", "x", "margin", 0.0, "below IMP",
                          level=64, variant="SNIP", versus="IMP (after training):main",
                          expect="below"),
             claims.Claim("t.shuffle", "FDRC21", "E8", "x", "margin", 0.0, "shuffle",
                          level=64, variant="SNIP", versus=":shuffle", expect="near",
                          tolerance=0.5),
             claims.Claim("t.reinit", "FDRC21", "E8", "x", "margin", 0.0, "reinit",
                          level=64, variant="SNIP", versus=":reinit", expect="near",
                          tolerance=0.5)]
    table = claims.ledger(combined, found).set_index("id")
    assert table.loc["t.above", "verdict"] == "within"  # 81 vs 72 at 64 %
    assert table.loc["t.above", "ours_value"] == pytest.approx(9.0)
    assert table.loc["t.below", "verdict"] == "within"  # 81 vs 91
    assert table.loc["t.shuffle", "verdict"] == "within"  # 81 vs 81
    assert table.loc["t.reinit", "verdict"] == "above"  # 81 vs 80: beyond 0.5
    assert "within ±0.5 pp of layerwise shuffle" in found[2].paper
    missing = claims.ledger(combined[combined["variant"] != "random pruning"], found[:1])
    assert missing.iloc[0]["verdict"] == "not run"
    # a method whose ablations are not stored yet, beside one whose are: "not run"
    grasp = combined[(combined["variant"] == "SNIP") & (combined["branch"] == "main")]
    two = pd.concat([combined, grasp.assign(variant="GraSP")], ignore_index=True)
    shuffle = [claims.Claim("g.shuffle", "FDRC21", "E8", "x", "margin", 0.0, "shuffle",
                            level=64, variant="GraSP", versus=":shuffle", expect="near",
                            tolerance=0.5)]
    assert claims.ledger(two, shuffle).iloc[0]["verdict"] == "not run"
    # every PaI claim of the book is well formed and reads its own target
    pai = claims.select(prefix="lenet_300_100/pai/")
    assert len(pai) == 4 * len(search.PAI_METHODS)
    assert all(c.kind == "margin" and c.variant in search.PAI_METHODS for c in pai)


def test_what_each_mask_keeps_of_the_embedding_by_word_frequency():
    rng = np.random.default_rng(0)
    vocab = ["<pad>", "<unk>"] + [f"w{i}" for i in range(60)]
    ids = np.arange(2, 62)
    # word i appears about 200 / (i - 1) times: w0 most often
    texts = np.concatenate([np.repeat(ids, np.maximum(1, 200 // (ids - 1)))])
    rng.shuffle(texts)
    x = texts[: len(texts) // 10 * 10].reshape(-1, 10)
    y = np.arange(len(x)) % 2
    frequent = np.zeros((62, 4), bool)
    frequent[2:12] = True  # the ten most frequent words' rows
    uniform = np.zeros((62, 4), bool)
    uniform[:, :1] = True  # a quarter of every row
    binned, summary = analysis.kept_by_rank({"frequent": frequent, "uniform": uniform},
                                            vocab, x, y, bins=5)
    assert set(binned["method"]) == {"frequent", "uniform"}
    assert summary.loc["frequent", "Spearman (kept, rank)"] < -0.5
    assert np.isnan(summary.loc["uniform", "Spearman (kept, rank)"]) or \
        abs(summary.loc["uniform", "Spearman (kept, rank)"]) < 1e-9
    assert summary.loc["uniform", "kept, all (%)"] == pytest.approx(25.0)
    assert "words in the scored batches" not in summary
    # a criterion scored on batches holding w0..w4 only: the other words' rows score zero
    _, summary = analysis.kept_by_rank({"frequent": frequent, "uniform": uniform}, vocab, x, y,
                                       bins=5, scored={"frequent": np.array([[0, 2, 3, 4, 5, 6]])})
    assert summary.loc["frequent", "words in the scored batches"] == 5  # <pad> is no word
    assert summary.loc["frequent", "kept, those words (%)"] == pytest.approx(100.0)
    assert summary.loc["frequent", "kept, words not in them (%)"] == pytest.approx(
        100 * 5 / 55)
    assert summary["words in the scored batches"].isna().tolist() == [False, True]


def test_the_most_frequent_words_are_counted_in_the_texts():
    x = np.array([[5, 3, 3, 0, 0], [1, 1, 1, 3, 4], [4, 5, 2, 0, 0]])
    # counts: 3 x3, 4 x2, 5 x2, 2 x1, 6 x0; <pad> (0) and <unk> (1) are no words
    assert analysis.top_words(x, 7, 3).tolist() == [3, 4, 5]  # 4 before 5: ties by id
    assert analysis.top_words(x, 7).tolist() == [3, 4, 5, 2, 6]  # at most every word


def test_an_ablations_gain_is_set_beside_what_each_mask_keeps_of_the_words(combined):
    kept = pd.DataFrame(
        [["SNIP", "main", 1, 0, 80.0], ["SNIP", "main", 1, 1, 70.0],
         ["SNIP", "shuffle", 1, 0, 50.0], ["SNIP", "shuffle", 1, 1, 60.0],
         ["SNIP", "main", 2, 0, 10.0],  # level 2: its shuffle is trained, but not stored here
         ["SNIP", "shuffle", 5, 0, 1.0]],  # a level not trained: left out
        columns=["variant", "branch", "round", "replicate", "kept"])
    table = analysis.words_and_ablation(combined, kept)
    assert table["branch"].tolist() == ["mask", "layerwise shuffle"]
    mask, shuffled = table.to_dict("records")
    assert mask["% remaining"] == pytest.approx(80.0)
    assert (mask["kept"], shuffled["kept"]) == (pytest.approx(75.0), pytest.approx(55.0))
    # accuracies 0.88 / 0.86 and 0.87 / 0.86: the shuffle's gain, replicate by replicate
    assert mask["accuracy (%)"] == pytest.approx(87.0)
    assert shuffled["accuracy (%)"] == pytest.approx(86.5)
    assert shuffled["gain (points)"] == pytest.approx(-0.5) and np.isnan(mask["gain (points)"])
    # only the replicates where both are trained count
    one = analysis.words_and_ablation(combined, kept[kept["replicate"] == 0])
    assert one["kept"].tolist() == [80.0, 50.0]
    assert one["accuracy (%)"].tolist() == pytest.approx([88.0, 87.0])
    assert analysis.words_and_ablation(combined, kept, ablation="reinit").empty


def test_what_each_mask_keeps_of_each_layer():
    a = {"emb/embeddings": np.array([[1, 0], [0, 0]], bool), "out/kernel": np.ones(4, bool)}
    b = {"emb/embeddings": np.ones((2, 2), bool), "out/kernel": np.zeros(4, bool)}
    kept = analysis.kept_per_layer({"A": a, "B": b})
    assert list(kept.columns) == ["emb", "out", "all"]  # the layers' names, where they differ
    assert kept.loc["A"].tolist() == pytest.approx([25.0, 100.0, 62.5])
    assert kept.loc["B"].tolist() == pytest.approx([100.0, 0.0, 50.0])
    same_layer = {"att/query/kernel": np.ones(2, bool), "att/key/kernel": np.ones(2, bool)}
    assert list(analysis.kept_per_layer({"A": same_layer}).columns) == [
        "att/query", "att/key", "all"]
    one_layer = {"dense/kernel": np.ones(2, bool), "dense/bias": np.ones(2, bool)}
    assert list(analysis.kept_per_layer({"A": one_layer}).columns) == [
        "dense/kernel", "dense/bias", "all"]


def test_the_answers_per_level_are_computed_from_the_table(combined):
    from lthkit import book
    answers = analysis.pai_answers(combined, [64, 80, 30])  # no line has a level near 30 %
    assert list(answers["level"].unique()) == [64, 80]
    assert answers["% remaining"].tolist()[0] == pytest.approx(64.0)
    at64 = answers[answers["level"] == 64].set_index("line")
    snip = at64.loc["SNIP"]
    # SNIP 81, random pruning 72, IMP 91 (means); shuffle 81 vs 81, reinit 81 vs 80
    assert snip["accuracy (%)"] == pytest.approx(81.0) and snip["n"] == 2
    assert snip["vs random pruning (pp)"] == pytest.approx(9.0)
    assert snip["vs IMP's ticket (pp)"] == pytest.approx(-10.0)
    assert snip["shuffled: change (pp)"] == pytest.approx(0.0)
    assert snip["new weights: change (pp)"] == pytest.approx(-1.0)
    imp = at64.loc["IMP (after training)"]
    assert imp["vs random pruning (pp)"] == pytest.approx(19.0)
    assert np.isnan(imp["vs IMP's ticket (pp)"]) and np.isnan(imp["shuffled: change (pp)"])
    assert imp["new weights: change (pp)"] == pytest.approx(-10.5)  # 80.5 vs 91
    text = book.pai_takeaway_markdown(answers)
    assert text.startswith("**At 64.0 % of the weights** (2 replicates): IMP's ticket 91.00 %")
    assert "SNIP 81.00 % (+9.00 points against random pruning, -10.00 against IMP; " \
        "shuffled +0.00, new weights -1.00)" in text
    assert "**At 80.0 % of the weights**" in text


def test_the_cost_of_each_mask(combined):
    cost = analysis.pai_cost(combined, {"SNIP": 1.5})
    assert cost.loc["SNIP", "trainings"] == 1
    assert cost.loc["SNIP", "total (s)"] == pytest.approx(11.5)
    assert cost.loc["SNIP", "total (trainings)"] == pytest.approx(1.15)  # 1.5 s of 10 s
    assert cost.loc["IMP (after training)", "total (trainings)"] == pytest.approx(3.0)
    assert cost.loc["IMP (after training)", "trainings"] == 3  # dense, rounds 1 and 2
    assert cost.loc["IMP (after training)", "training (s)"] == pytest.approx(60.0)
    assert cost.loc["SNIP", "accuracy (%)"] == pytest.approx(81.0)
    # a method whose run has just started (its dense round only) has paid nothing yet
    started = pd.concat([combined, combined[(combined["variant"] == "SNIP") & (
        combined["round"] == 0)].assign(variant="GraSP")], ignore_index=True)
    with_grasp = analysis.pai_cost(started, {"SNIP": 1.5})
    assert "GraSP" not in with_grasp.index
    assert with_grasp.loc["SNIP"].equals(cost.loc["SNIP"])
    only = started[started["variant"].isin(["GraSP", "IMP (after training)"])]
    assert analysis.pai_cost(only).empty


def test_the_seconds_to_cut_the_masks_are_recorded_with_them(tiny_data, tmp_path):
    from conftest import tiny_experiment
    from lthkit.store import ResultStore
    store = ResultStore(tmp_path)
    exp = tiny_experiment(mode="oneshot", mask_after="0it", rounds=2).replace(
        prune={"criterion": "snip"})
    assert np.isnan(search.mask_seconds({"SNIP": exp}, store)["SNIP"])
    search.TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    recorded = store.mask_seconds(exp, 0)
    assert set(recorded) == {1, 2} and all(s > 0 for s in recorded.values())
    assert search.mask_seconds({"SNIP": exp}, store)["SNIP"] == pytest.approx(
        sum(recorded.values()))


def test_masks_cut_before_training_are_the_ones_the_rounds_train_with(tiny_data, tmp_path):
    from conftest import tiny_experiment
    from lthkit._errors import LthkitError
    from lthkit.store import ResultStore
    exp = tiny_experiment(mode="oneshot", mask_after="0it", rounds=3, replicates=2,
                          levels=(1, 3)).replace(prune={"criterion": "snip"})
    early, plain = ResultStore(tmp_path / "early"), ResultStore(tmp_path / "plain")
    cut = search.TicketSearch(exp, early, data=tiny_data, quiet=True)
    assert cut.cut_masks() == 6  # levels 1 to 3 (a level cuts the one before), 2 replicates
    assert early.table(exp).empty  # nothing trained: not even the dense round
    assert cut.cut_masks() == 0
    first = {rep: [early.masks(exp, rep, "main", q) for q in (1, 2, 3)] for rep in (0, 1)}
    assert all(m is not None for ms in first.values() for m in ms)
    assert set(early.mask_seconds(exp, 0)) == {1, 2, 3}
    search.TicketSearch(exp, early, data=tiny_data, quiet=True).run()
    search.TicketSearch(exp, plain, data=tiny_data, quiet=True).run()
    for rep in (0, 1):
        for q in (1, 3):
            for stored in (early, plain):
                mask = stored.masks(exp, rep, "main", q)
                assert all(np.array_equal(mask[k], first[rep][q - 1][k]) for k in mask)
    cols = ["replicate", "round", "branch", ACC]
    pd.testing.assert_frame_equal(early.table(exp)[cols], plain.table(exp)[cols])
    iterative = tiny_experiment(mode="iterative")
    with pytest.raises(LthkitError, match="only a one-shot run's masks"):
        search.TicketSearch(iterative, early, data=tiny_data, quiet=True).cut_masks()


def test_the_batches_a_criterion_scores_are_the_first_of_the_replicates_order(tiny_data,
                                                                              tmp_path):
    from conftest import tiny_experiment
    from lthkit.store import ResultStore
    store = ResultStore(tmp_path)
    base = tiny_experiment(mode="oneshot", mask_after="0it", replicates=2)
    exps = {"SNIP": base.replace(prune={"criterion": "snip", "score_batches": 2}),
            "magnitude": base.replace(prune={"criterion": "magnitude"})}
    tokens = search.scored_tokens(exps, store, data=tiny_data, replicate=0)
    assert list(tokens) == ["SNIP"]  # magnitude at initialization scores no batch
    snip = search.TicketSearch(exps["SNIP"], store, data=tiny_data, quiet=True)
    snip.setup()
    first = snip.trainer.stream(snip.seeds(0)[1], 0, 2)
    assert np.array_equal(tokens["SNIP"], np.concatenate([first[0][0].ravel(),
                                                          first[1][0].ravel()]))
    other = search.scored_tokens(exps, store, data=tiny_data, replicate=1)["SNIP"]
    assert not np.array_equal(other, tokens["SNIP"])  # another replicate, another order


def test_each_line_has_one_colour_in_every_chart():
    from lthkit.plots.charts import _color

    def colors(labels):
        scale = _color(labels).to_dict()["scale"]
        return dict(zip(scale["domain"], scale["range"]))
    # the chart of accuracies and the chart of ablation gaps list other lines, in other orders
    a = colors(["random pruning", "SNIP", "SynFlow", "IMP (after training)"])
    b = colors(["IMP (after training)", "SynFlow", "SNIP"])
    assert a["SNIP"] == b["SNIP"] and a["SynFlow"] == b["SynFlow"]
    assert a["IMP (after training)"] == b["IMP (after training)"] == colors(["IMP ticket"])[
        "IMP ticket"]
    assert len({a[k] for k in a}) == len(a)


def test_every_stage_of_a_run_in_progress_can_be_read(monkeypatch):
    """A PaI run is read by the book while it trains: each prefix of a stored run's rounds,
    in the order they finished (a method with its dense round only, a level without its
    ablations, a level of one replicate), goes through every table the chapter shows."""
    from types import SimpleNamespace

    from lthkit.book import chapter
    pai = search.stored_variants(search.pai_sweep("lenet_300_100", "full", ["GraSP", "SNIP"]),
                                 minimum=2)
    imp = search.stored(search.target("lenet_300_100", "full"))
    if pai is None or imp is None:
        pytest.skip("the stored Lenet runs are not in results/")
    table = analysis.pai_combined(pai.table, imp.table)
    grasp = table[table["variant"] == "GraSP"].sort_values("finished", kind="stable")
    rest = table[table["variant"] != "GraSP"]
    runs = {m: SimpleNamespace(source=f"full profile, {m} {claims.IN_PROGRESS}")
            for m in pai.runs}
    for n in list(range(0, 8)) + [len(grasp) // 2, len(grasp)]:
        t = pd.concat([rest, grasp.iloc[:n]], ignore_index=True)
        chapter.pai_takeaway_markdown(analysis.pai_answers(t, [51.2, 21.0, 6.87, 1.8]))
        analysis.ticket_grid(t, [48.8, 98.2], branches=("main", "shuffle", "reinit"))
        analysis.ablation_gaps(t, pai_span=True)
        analysis.pai_cost(t)
        ledger = chapter.pai_ledger(t, "lenet_300_100", SimpleNamespace(runs=runs, source=""))
        assert len(ledger) == len(claims.select(prefix="lenet_300_100/pai/"))
