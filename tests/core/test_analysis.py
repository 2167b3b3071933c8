"""The numbers chapters compare, on small hand-made tables: level lookups, "sparsest at or
above dense", ledger verdicts, mask distances. Each assertion fails if a comparison is wrong."""
import math

import numpy as np
import pandas as pd
import pytest

from lthkit import analysis, claims
from lthkit.claims import Claim


def table(levels, branch="main", replicates=(0, 1), metric="early_stop_test_accuracy"):
    """Rows for rounds 0.. with (percent remaining, [accuracy per replicate])."""
    rows = []
    for i, (pct, accs) in enumerate(levels):
        r = i if branch == "main" else i + 1  # controls start at round 1
        for rep, acc in zip(replicates, accs):
            rows.append({"branch": branch, "replicate": rep, "round": r,
                         "percent_remaining": pct, metric: acc,  # controls stop twice as late:
                         "early_stop_iteration": 1000 * (r + 1) * (2 if branch == "reinit" else 1)})
    return pd.DataFrame(rows)


MAIN = table([(100, [0.90, 0.92]), (80, [0.93, 0.93]), (64, [0.92, 0.90]),
              (51.2, [0.91, 0.90]), (41, [0.88, 0.86])])
REINIT = table([(80, [0.91, 0.91]), (64, [0.90, 0.88]), (51.2, [0.85, 0.85])],
               branch="reinit")
BOTH = pd.concat([MAIN, REINIT], ignore_index=True)


def test_dense_and_level_means():
    mean, std, n = analysis.dense(MAIN)
    assert (mean, n) == (pytest.approx(0.91), 2) and std == pytest.approx(math.sqrt(2e-4))
    levels = analysis.level_means(BOTH, branch="reinit")
    # the control gets the dense level 0 so its line starts at 100 %
    assert list(levels["round"]) == [0, 1, 2, 3]
    assert list(levels["mean"].round(4)) == [0.91, 0.91, 0.89, 0.85]


def test_level_table_by_branch_and_by_variant():
    t = analysis.level_table(BOTH)
    assert list(t.columns) == ["% remaining", "IMP ticket", "random reinit"]
    assert t.loc[2, "% remaining"] == 64 and t.loc[2, "random reinit"] == 89.0
    assert t.loc[0, "random reinit"] == t.loc[0, "IMP ticket"] == 91.0  # the dense level
    late = MAIN.assign(early_stop_test_accuracy=MAIN["early_stop_test_accuracy"] + 0.01)
    sweep = pd.concat([MAIN.assign(variant="k = 0"), late.assign(variant="k = 1ep")])
    v = analysis.level_table(sweep, by="variant")
    assert list(v.columns) == ["% remaining", "k = 0", "k = 1ep"]
    assert v.loc[3, "% remaining"] == 51.2 and v.loc[3, "k = 1ep"] == 91.5
    # columns in the table's order, not alphabetical ("k = 500it" before "k = 2000it")
    order = ["k = 0it", "k = 500it", "k = 2000it"]
    v = analysis.level_table(pd.concat([MAIN.assign(variant=n) for n in order]), by="variant")
    assert list(v.columns) == ["% remaining"] + order


def test_at_level_picks_the_nearest_on_a_log_scale():
    assert analysis.at_level(MAIN, 55)["percent_remaining"] == 51.2
    assert analysis.at_level(MAIN, 70)["percent_remaining"] == 64  # log(70/64) < log(80/70)
    assert analysis.at_level(MAIN, 1)["percent_remaining"] == 41


def test_sparsest_at_dense():
    # dense mean 0.91; main means 0.93, 0.91, 0.905, 0.87: at or above down to 64 %
    assert analysis.sparsest_at_dense(MAIN) == 64
    assert analysis.sparsest_at_dense(MAIN, tolerance=0.006) == 51.2
    assert analysis.sparsest_at_dense(BOTH, branch="reinit") == 80
    never = table([(100, [0.9, 0.9]), (80, [0.8, 0.8])])
    assert analysis.sparsest_at_dense(never) == 100.0


def test_prunability_reads_every_branch_and_skips_missing_runs():
    random = table([(80, [0.92, 0.92]), (64, [0.80, 0.80])], branch="random")
    rows = analysis.prunability({"a": pd.concat([BOTH, random], ignore_index=True),
                                 "missing": None, "only main": MAIN}, source="hand-made")
    assert list(rows.index) == ["a", "only main"]
    a = rows.loc["a"]
    assert a["ticket ≥ dense to (%)"] == 64 and a["deepest level (%)"] == 41
    assert a["reinit ≥ dense to (%)"] == 80
    assert a["random ≥ dense to (%)"] == 80
    assert a["best ticket − dense (pp)"] == pytest.approx(2.0)
    # a branch a run does not have is "—", never NaN on a page
    assert rows.loc["only main", "random ≥ dense to (%)"] == "—"
    assert not rows.isna().any().any()


def test_takeaway_states_the_numbers_of_a_run():
    t = analysis.takeaway(BOTH)
    assert t["dense"][0] == pytest.approx(0.91) and t["dense"][2] == 2
    main, reinit = t["branches"]["main"], t["branches"]["reinit"]
    assert main["down_to"] == 64 and main["best"] == pytest.approx(0.02)
    assert main["best_at"] == 80 and main["sparsest"] == 41
    assert main["at_sparsest"] == pytest.approx(0.87)
    assert reinit["down_to"] == 80 and reinit["sparsest"] == 51.2
    # ticket minus reinit at 80, 64, 51.2: 0.93-0.91, 0.91-0.89, 0.905-0.85
    assert t["vs_reinit"] == (pytest.approx(0.02), pytest.approx(0.055))
    assert analysis.takeaway(MAIN)["vs_reinit"] is None


def test_ledger_verdicts():
    c = dict(source="X", experiment="E0", target="t")
    rows = claims.ledger(BOTH, [
        Claim("v.within", kind="value", value=91.0, level=100, tolerance=0.5, meaning="a", **c),
        Claim("v.above", kind="value", value=90.0, level=80, tolerance=0.5, meaning="b", **c),
        Claim("v.below", kind="value", value=95.0, level=64, tolerance=1.0, meaning="c", **c),
        Claim("v.unreached", kind="value", value=90.0, level=10, meaning="d", **c),
        Claim("s.below", kind="sparsest_at_dense", value=100.0, tolerance=1.2, meaning="e",
              **c),
        Claim("s.within", kind="sparsest_at_dense", value=70.0, tolerance=1.2, meaning="f",
              **c),
        Claim("g.gain", kind="gain", value=2.0, level=80, tolerance=0.5, meaning="g", **c),
        Claim("r.ratio", kind="ratio", value=2.0, level=64, metric="early_stop_iteration",
              branch="reinit", tolerance=0.1, meaning="h", **c),
        Claim("x.norun", kind="value", value=90.0, level=80, branch="random", meaning="i", **c),
    ])
    verdicts = dict(zip(rows["id"], rows["verdict"]))
    assert verdicts == {"v.within": "within", "v.above": "above", "v.below": "below",
                        "v.unreached": "not reached", "s.below": "better", "s.within": "within",
                        "g.gain": "within", "r.ratio": "within", "x.norun": "not run"}
    gain = rows.set_index("id").loc["g.gain"]
    assert gain["ours_value"] == pytest.approx(2.0) and gain["ours"].startswith("+2.00 pp")
    assert rows.set_index("id").loc["v.within", "ours"].startswith("91.00 ± 1.41")


def test_beats_dense():
    c = Claim("b", "X", "E5", "t", "beats_dense", 0.0, tolerance=0.0, meaning="m")
    row = claims.ledger(MAIN, [c]).iloc[0]  # best pruned level 0.93 vs dense 0.91
    assert row["verdict"] == "within" and row["ours_value"] == pytest.approx(2.0)
    worse = table([(100, [0.9, 0.9]), (80, [0.88, 0.89])])
    assert claims.ledger(worse, [c]).iloc[0]["verdict"] == "worse"


def test_a_level_claim_beyond_the_run_is_not_reached():
    c = Claim("deep", "X", "E0", "t", "sparsest_at_dense", 3.6, tolerance=1.5, meaning="m")
    still = table([(100, [0.9, 0.9]), (50, [0.91, 0.92]), (20, [0.92, 0.91])])
    assert claims.ledger(still, [c])["verdict"].iloc[0] == "not reached"
    c2 = Claim("shallow", "X", "E0", "t", "sparsest_at_dense", 80.0, tolerance=1.5, meaning="m")
    assert claims.ledger(still, [c2])["verdict"].iloc[0] == "better"


def test_a_level_the_papers_run_ended_at_agrees_when_ours_also_holds_there():
    c = Claim("end", "X", "E0", "t", "sparsest_at_dense", 20.0, tolerance=1.5,
              paper_run_ended=True, meaning="m")
    still = table([(100, [0.9, 0.9]), (50, [0.91, 0.92]), (20, [0.92, 0.91])])
    row = claims.ledger(still, [c]).iloc[0]
    assert row["verdict"] == "within" and "paper's run at its last level" in row["why"]
    short = table([(100, [0.9, 0.9]), (50, [0.91, 0.92])])  # stopped at 50 %, not 20 %
    assert claims.ledger(short, [c])["verdict"].iloc[0] == "not reached"
    gave_way = table([(100, [0.9, 0.9]), (50, [0.91, 0.92]), (20, [0.85, 0.86])])
    assert claims.ledger(gave_way, [c])["verdict"].iloc[0] == "worse"


def test_official_test_claims_are_not_comparable_on_a_resplit():
    c = Claim("ag", "X", "E4", "t", "value", 91.0, level=100, official_test_only=True,
              meaning="m")
    assert claims.ledger(MAIN, [c], resplit="re-split")["verdict"].iloc[0] == "not comparable"
    assert claims.ledger(MAIN, [c])["verdict"].iloc[0] == "within"


def test_every_claim_is_well_formed():
    from lthkit.search.runs import TARGETS
    for c in claims.CLAIMS:
        assert c.target in TARGETS or c.target in claims.NAMED_RUNS, c.id
        assert (c.level is None) == (c.kind in ("sparsest_at_dense", "beats_dense")), c.id
        if c.kind != "beats_dense":
            assert c.tolerance > (1 if c.kind == "sparsest_at_dense" else 0), c.id


def test_mask_distance_by_hand():
    a = {"l": np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)}
    b = {"l": np.array([1, 1, 0, 0, 1, 1, 0, 0], bool)}
    d = analysis.mask_distance(a, b).loc["l"]
    assert (d["kept_a"], d["kept_b"], d["both"]) == (4, 4, 2)
    assert d["hamming"] == pytest.approx(4 / 8)
    assert d["jaccard"] == pytest.approx(2 / 6)
    assert d["overlap"] == pytest.approx(2 / 4)
    # by chance: E[both] = 4 * 4 / 8 = 2, so these two masks are exactly as random
    assert d["expected_both"] == pytest.approx(2)
    assert d["jaccard_chance"] == pytest.approx(2 / 6)
    assert d["hamming_chance"] == pytest.approx(4 / 8)
    same = analysis.mask_distance(a, a).loc["total"]
    assert same["hamming"] == 0 and same["jaccard"] == 1 and same["overlap"] == 1


def test_mask_distance_totals_and_errors():
    rng = np.random.default_rng(0)
    a = {"x": rng.random((30, 20)) < 0.3, "y": rng.random(50) < 0.6}
    b = {"x": rng.random((30, 20)) < 0.3, "y": rng.random(50) < 0.6}
    d = analysis.mask_distance(a, b)
    total = d.loc["total"]
    assert total["size"] == 650 and total["both"] == d.loc[["x", "y"], "both"].sum()
    assert total["hamming"] == pytest.approx(
        sum(int((a[k] ^ b[k]).sum()) for k in a) / 650)
    with pytest.raises(ValueError):
        analysis.mask_distance(a, {"x": b["x"]})


def curves(branch, rnd, rep, val, train):
    """Evaluations at iterations 100, 200, ... with the given losses."""
    return pd.DataFrame({"branch": branch, "round": rnd, "replicate": rep,
                         "percent_remaining": 64.0, "iteration": 100.0 * np.arange(1, len(val) + 1),
                         "val_loss": val, "train_loss": train})


def test_fitting_finds_each_early_stop_and_the_rise_after_it():
    c = pd.concat([
        curves("main", 2, 0, [0.5, 0.3, 0.6, 0.9], [0.4, 0.2, 0.1, 0.0]),
        curves("main", 2, 1, [0.5, 0.4, 0.5, 0.7], [0.4, 0.3, 0.1, 0.0]),
        curves("random", 2, 0, [0.6, 0.5, 0.4, 0.45], [0.6, 0.5, 0.4, 0.3]),
        curves("random", 2, 1, [np.nan, 0.5, 0.4, 0.45], [0.6, 0.5, 0.4, 0.3]),
    ], ignore_index=True)
    f = analysis.fitting(c).set_index("branch")
    assert list(f["series"]) == ["IMP ticket", "random pruning"]
    main, rand = f.loc["main"], f.loc["random"]
    assert main["early_stop_iteration"] == 200 and rand["early_stop_iteration"] == 300
    assert main["val_loss_at_early_stop"] == pytest.approx(0.35)  # (0.3 + 0.4) / 2
    assert main["train_loss_at_early_stop"] == pytest.approx(0.25)
    assert main["val_loss_at_end"] == pytest.approx(0.8)
    assert main["overfit"] == pytest.approx(0.45) and rand["overfit"] == pytest.approx(0.05)
    assert analysis.fitting(c.assign(val_loss=np.nan)).empty


def test_word_survival_by_hand():
    vocab = ["<pad>", "<unk>", "the", "good", "bad", "name"]
    # class 1 texts use "good", class 0 "bad"; "the" everywhere; "name" only in class 1
    x = np.array([[2, 3, 3, 5, 0], [2, 3, 1, 0, 0], [2, 4, 4, 0, 0], [2, 4, 2, 0, 0]])
    y = np.array([1, 1, 0, 0])
    mask = np.array([[1, 1], [1, 1], [1, 1], [1, 0], [0, 0], [1, 1]])
    w = analysis.word_survival(mask, vocab, x, y, test_texts=np.array([[3, 4, 4, 2, 2, 0]]))
    assert list(w["word"]) == ["the", "good", "bad", "name"]
    assert list(w["count"]) == [5, 3, 3, 1] and list(w["test_count"]) == [2, 1, 2, 0]
    assert list(w["kept"]) == [1.0, 0.5, 0.0, 1.0]
    assert list(w["rank"]) == [1, 2, 3, 4]
    assert list(w["class"]) == [0, 1, 0, 1]  # "the": 3 of 6 class-0 tokens, 2 of 6 class-1
    # "good": (3+1)/(6+6) in class 1 against (0+1)/(6+6) in class 0
    assert w.loc[3, "log_odds"] == pytest.approx(math.log(4))
    assert w.loc[3, "strength"] == w.loc[3, "log_odds"] > w.loc[5, "strength"] > 0
    assert "test_count" not in analysis.word_survival(mask, vocab, x, y)


def test_markdown_tables_keep_angle_brackets_and_pipes_as_text():
    df = pd.DataFrame({"note": ["ids 0 and 1 are <pad> and <unk>", "a | b & c"]},
                      index=pd.Index(["x", "y"], name="<key>"))
    text = analysis.markdown_table(df)
    assert "&lt;pad&gt; and &lt;unk&gt;" in text and "<pad>" not in text
    assert "a \\| b &amp; c" in text and text.startswith("| &lt;key&gt; | note |")
    from lthkit.book.chapter import provenance_markdown
    prov = provenance_markdown({"data: imdb": "out-of-vocabulary tokens map to <unk>"})
    assert "| data: imdb | out-of-vocabulary tokens map to &lt;unk&gt; |" in prov


def test_ticket_init_by_hand():
    import types
    layers = {"lstm/forward_lstm/lstm_cell/kernel": {"shape": [2, 2], "kind": "lstm"},
              "lstm/forward_lstm/lstm_cell/recurrent_kernel": {"shape": [2, 2], "kind": "lstm"},
              "output/kernel": {"shape": [2, 2], "kind": "output"}}
    m1 = np.array([[0, 1], [1, 1]], bool)
    m2 = np.array([[0, 0], [0, 1]], bool)
    masks = {1: {k: m1 for k in layers}, 2: {k: m2 for k in layers},
             3: {k: m2 for k in layers}}  # the next level's mask, already drawn
    store = types.SimpleNamespace(
        layers=lambda exp: layers,
        masks=lambda exp, rep, branch, r: masks.get(r) if branch == "main" else None)
    exp = types.SimpleNamespace(search=types.SimpleNamespace(rounds=2))
    w = np.array([[1.0, -2.0], [3.0, -4.0]])
    init = {k: w for k in layers}
    trained = {k: np.array([[-1.0, 2.0], [3.0, -4.0]]) for k in layers}
    f = analysis.ticket_init(store, exp, init, trained=trained)
    assert list(f["round"]) == [1, 1, 1, 2, 2, 2]  # round 3 is not trained: left out
    assert set(analysis.ticket_init(store, exp, init, rounds=[3])["round"]) == {3}
    assert list(f["group"][:3]) == ["LSTM input kernels", "recurrent kernels", "output"]
    one, two = f[f["round"] == 1].iloc[0], f[f["round"] == 2].iloc[0]
    assert one["kept"] == 0.75 and two["kept"] == 0.25
    assert one["magnitude"] == pytest.approx(3.0 / 2.5)  # (2 + 3 + 4) / 3 over (1+2+3+4) / 4
    assert two["magnitude"] == pytest.approx(4.0 / 2.5)
    assert one["same_sign_kept"] == pytest.approx(2 / 3) and one["same_sign_all"] == 0.5
    assert two["same_sign_kept"] == 1.0
    assert "same_sign_kept" not in analysis.ticket_init(store, exp, init).columns


def test_fitting_table_names_its_columns_and_refuses_unknown_ones():
    fit = pd.DataFrame({"series": ["IMP ticket", "random pruning"],
                        "branch": ["main", "random"], "round": [1, 1],
                        "percent_remaining": [80.04, 80.04],
                        "train_loss_at_early_stop": [0.1, 0.4],
                        "val_loss_at_early_stop": [0.6, 0.5], "overfit": [0.3, 0.0]})
    t = analysis.fitting_table(fit, ("train_loss_at_early_stop", "val_loss_at_early_stop"))
    assert list(t.index) == [80.0]
    assert list(t.columns.get_level_values(0).unique()) == ["training loss at early stop",
                                                            "lowest validation loss"]
    assert t.loc[80.0, ("training loss at early stop", "IMP ticket")] == 0.1
    dense = pd.DataFrame({**{k: [v[0]] for k, v in fit.items()}, "round": [0],
                          "percent_remaining": [100.0]})
    with_dense = analysis.fitting_table(pd.concat([fit, dense]))
    assert with_dense.loc[100.0, ("lowest validation loss", "random pruning")] == "—"
    assert with_dense.loc[100.0, ("lowest validation loss", "IMP ticket")] == 0.6
    with pytest.raises(Exception, match="values=\\['loss'\\]"):
        analysis.fitting_table(fit, ("loss",))


def test_head_starts_reads_each_run_at_its_level_nearest_the_percent_asked():
    import types
    layers = {"conv/kernel": {"shape": [1, 4], "kind": "conv"},
              "output/kernel": {"shape": [1, 4], "kind": "output"}}
    masks = {1: np.array([[1, 1, 1, 0]], bool), 2: np.array([[1, 1, 0, 0]], bool),
             3: np.array([[1, 0, 0, 0]], bool)}
    store = types.SimpleNamespace(
        layers=lambda exp: layers,
        masks=lambda exp, rep, branch, r: {k: masks[r] for k in layers} if r in masks else None)
    init = {k: np.array([[4.0, 3.0, 2.0, 1.0]]) for k in layers}  # mean |w| 2.5
    run = types.SimpleNamespace(store=store, exp=types.SimpleNamespace(
        search=types.SimpleNamespace(rounds=3)), initial_weights=lambda rep: init)
    lost = types.SimpleNamespace(initial_weights=lambda rep: None)  # another backend
    h = analysis.head_starts({"a": run, "missing": None, "other backend": lost}, percent=40)
    assert list(h["run"]) == ["a", "a"] and list(h["group"]) == ["conv", "output"]
    assert list(h["percent_kept"]) == [50.0, 50.0]  # round 2: 50 % is nearest 40 %
    assert h["magnitude"].tolist() == pytest.approx([3.5 / 2.5] * 2)
    assert analysis.head_starts({"missing": None}).empty


def test_masks_against_averages_the_replicates_each_pair_has():
    import types
    ref = types.SimpleNamespace(search=types.SimpleNamespace(last_round=2))
    near = types.SimpleNamespace(search=types.SimpleNamespace(last_round=2))
    far = types.SimpleNamespace(search=types.SimpleNamespace(last_round=2))
    empty = types.SimpleNamespace(search=types.SimpleNamespace(last_round=2))
    base = np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)
    masks = {(id(ref), 0): base, (id(ref), 1): base,
             (id(near), 0): base, (id(near), 1): np.array([1, 1, 1, 0, 1, 0, 0, 0], bool),
             (id(far), 0): ~base}  # replicate 1 of `far` is not stored

    def lookup(exp, rep, branch, r):
        m = masks.get((id(exp), rep))
        return None if m is None or r != 2 else {"l": m}
    store = types.SimpleNamespace(masks=lookup)
    t = analysis.masks_against(store, ref, {"near": near, "far": far, "none": empty}, 2,
                               replicates=(0, 1))
    assert list(t.index) == ["near", "far"]
    assert t.loc["near", "replicates"] == 2 and t.loc["far", "replicates"] == 1
    assert t.loc["near", "jaccard"] == pytest.approx((1 + 3 / 5) / 2)
    assert t.loc["near", "hamming"] == pytest.approx((0 + 2 / 8) / 2)
    assert t.loc["far", "jaccard"] == 0 and t.loc["far", "hamming"] == 1
    assert t.loc["near", "% remaining"] == 50
    assert analysis.masks_against(store, ref, {"none": empty}, 2).empty
    assert analysis.masks_against(store, ref, {"near": near}, 1).empty  # round 1 not stored


def early_table():
    """Two replicates of a trained-mask search and two early-mask ones, rounds 0-2."""
    rows = []
    for variant, base in (("trained", 0.95), ("after 0 epochs", 0.90), ("after 3 epochs", 0.93)):
        for rep in (0, 1):
            for r, pct in ((0, 100.0), (1, 80.0), (2, 64.0)):
                acc = 0.97 if r == 0 else base + 0.01 * r + 0.02 * rep
                rows.append({"variant": variant, "branch": "main", "replicate": rep, "round": r,
                             "percent_remaining": pct, "early_stop_test_accuracy": acc})
    rows.append({**rows[-1], "branch": "reinit", "early_stop_test_accuracy": 0.1})
    return pd.DataFrame(rows)


def early_exps(**extra):
    import types

    def exp(after):
        return types.SimpleNamespace(search=types.SimpleNamespace(mask_after=after))
    return {"trained": exp(None), "after 0 epochs": exp("0ep"), "after 3 epochs": exp("3ep"),
            **{k: exp(v) for k, v in extra.items()}}


def test_by_mask_epoch_reads_each_variants_epoch_and_averages_the_main_branch():
    g = analysis.by_mask_epoch(early_table(), early_exps(), rounds=[2])
    assert list(g["variant"]) == ["after 0 epochs", "after 3 epochs", "trained"]
    assert g["mask_epoch"].iloc[:2].tolist() == [0.0, 3.0] and np.isnan(g["mask_epoch"].iloc[2])
    three = g.iloc[1]
    assert three["mean"] == pytest.approx(0.96) and (three["min"], three["max"]) == (
        pytest.approx(0.95), pytest.approx(0.97))
    assert three["n"] == 2 and three["percent_remaining"] == 64.0  # the reinit row left out
    with pytest.raises(ValueError, match="mask_after.*500it"):
        analysis.by_mask_epoch(early_table(), early_exps(odd="500it"), rounds=[2])


def test_every_claim_cites_a_listed_paper():
    cited = {c.source for c in claims.CLAIMS}
    assert cited and cited <= set(claims.PAPERS), sorted(cited - set(claims.PAPERS))


def test_with_chance_puts_each_measure_beside_its_chance_value():
    d = pd.DataFrame({"% remaining": [80.0], "overlap": [0.9], "overlap_chance": [0.8],
                      "hamming": [0.05], "hamming_chance": [0.32]}, index=[1])
    out = analysis.with_chance(d)
    assert list(out.columns) == ["% remaining", "overlap (chance)", "hamming (chance)"]
    assert out.loc[1, "overlap (chance)"] == "0.900 (0.800)"


def test_a_quick_runs_ledger_row_gets_no_verdict():
    assert claims.shown_verdict("better", "full profile, 3 replicates") == "better than the paper"
    assert claims.shown_verdict("within", "quick profile") == claims.NO_VERDICT
    assert claims.shown_verdict("below", "smoke profile (lenet-x)") == claims.NO_VERDICT
    # what a quick run can still say: that there is nothing, or nothing comparable
    assert claims.shown_verdict("not run", "quick profile") == "— not run"
    assert claims.shown_verdict("not comparable", "quick profile") == "≠ not comparable"


def test_verdict_counts_keep_one_column_per_verdict_and_say_what_is_so_far():
    done, running = "full profile, 2 replicates", "full profile, x (in progress)"
    ledger = pd.DataFrame({"experiment": ["E1", "E1", "E1", "E9", "E9", "E9"],
                           "verdict": ["within", "within", "worse", "within", "worse",
                                       "not run"],
                           "results": [done, running, done, running, running, running]})
    counts = claims.verdict_counts(ledger)
    assert list(counts.columns) == ["✓ within", "worse than the paper", "— not run"]
    assert counts.loc["E1", "✓ within"] == "2 (1 so far)"
    assert counts.loc["E1", "worse than the paper"] == "1"
    assert counts.loc["E9", "worse than the paper"] == "1 (1 so far)"
    assert counts.loc["E9", "— not run"] == "1" and counts.loc["E1", "— not run"] == "0"


def test_ticket_grid_rows_are_weights_remaining_and_cells_ticket_over_reinit():
    grid = analysis.ticket_grid(BOTH, (20, 36, 90))
    assert grid.index.name == "% of weights remaining"
    assert list(grid.index) == ["80 %", "64 %", "10 %"]
    assert grid.loc["80 %", "ours"] == "93.00 / 91.00"
    assert grid.loc["64 %", "ours"] == "91.00 / 89.00"
    assert grid.loc["10 %", "ours"] == "not reached / not reached"


def test_common_replicates_keeps_what_every_variant_has():
    two = MAIN.assign(variant="iterative")
    one = MAIN[MAIN["replicate"] == 0].assign(variant="one-shot")
    both = analysis.common_replicates(pd.concat([two, one], ignore_index=True))
    assert set(both["replicate"]) == {0} and set(both["variant"]) == {"iterative", "one-shot"}
    assert analysis.common_replicates(MAIN) is MAIN


def test_barrier_summary_is_in_points_per_rewind_point_and_level():
    rows = pd.DataFrame({"label": ["k = 0it"] * 4 + ["k = 1ep"] * 2, "at": [0] * 4 + [5] * 2,
                         "round": [0, 0, 6, 6, 0, 0], "replicate": [0, 1, 0, 1, 0, 1],
                         "barrier": [0.012, 0.014, 0.0, 0.002, 0.001, 0.003],
                         "end_error": [0.16, 0.18, 0.17, 0.17, 0.15, 0.15],
                         "percent_remaining": [100, 100, 26.2, 26.2, 100, 100]})
    s = analysis.barrier_summary(rows)
    assert list(s.index) == [("k = 0it", 0), ("k = 0it", 6), ("k = 1ep", 0)]
    assert s.loc[("k = 0it", 0), "barrier (points)"] == pytest.approx(1.3)
    assert s.loc[("k = 0it", 0), "min"] == pytest.approx(1.2)
    assert s.loc[("k = 0it", 6), "end error (%)"] == pytest.approx(17.0)
    assert s.loc[("k = 1ep", 0), "replicates"] == 2
    assert analysis.barrier_summary(pd.DataFrame()).empty


def layer_rows(counts):
    """A `ResultStore.layer_table` of one replicate's main branch: {round: {key: (remaining,
    size)}}, with the stored "total" row."""
    rows = []
    for r, layers in counts.items():
        total = [0, 0]
        for key, (kept, size) in layers.items():
            rows.append({"replicate": 0, "branch": "main", "round": r, "layer": key,
                         "remaining": kept, "size": size, "fraction": kept / size})
            total = [total[0] + kept, total[1] + size]
        rows.append({"replicate": 0, "branch": "main", "round": r, "layer": "total",
                     "remaining": total[0], "size": total[1], "fraction": total[0] / total[1]})
    return pd.DataFrame(rows)


def test_remaining_by_part_sums_each_part_in_the_order_given():
    layers = layer_rows({1: {"emb/embeddings": (80, 100), "att_0/query/kernel": (10, 20),
                             "att_1/query/kernel": (5, 20), "att_0/key/kernel": (20, 20),
                             "out/kernel": (3, 4)}})
    parts = {"query": "/query/", "key": "/key/", "embedding": "^emb/", "rest": "."}
    got = analysis.remaining_by_part(layers, parts)
    assert list(got["layer"]) == ["query", "key", "embedding", "rest"]
    assert list(got["remaining"]) == [15, 20, 80, 3] and list(got["size"]) == [40, 20, 100, 4]
    assert got["fraction"].iloc[0] == pytest.approx(15 / 40)
    with pytest.raises(Exception, match="no part matches out/kernel"):
        analysis.remaining_by_part(layers, {"query": "/query/", "key": "/key/", "emb": "emb"})


def test_across_models_counts_the_weights_each_level_keeps():
    small = table([(100, [0.80, 0.82]), (80, [0.81, 0.81])])
    big = table([(100, [0.90, 0.90]), (80, [0.91, 0.89]), (64, [0.90, 0.90])])
    together = analysis.across_models({
        "small": (small, {"a/kernel": {"shape": [10, 10], "kind": "dense"}}),
        "big": (big, {"a/kernel": {"shape": [100, 10], "kind": "dense"},
                      "b/kernel": {"shape": [1000], "kind": "output"}})})
    assert list(pd.unique(together["variant"])) == ["small", "big"]
    small_w = together.query("variant == 'small' and round == 1")["weights_remaining"]
    big_w = together.query("variant == 'big' and round == 2")["weights_remaining"]
    assert list(small_w) == [80.0, 80.0] and list(big_w) == pytest.approx([1280.0, 1280.0])
    from lthkit import plots
    spec = plots.by_sparsity(together, x="weights_remaining").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["field"] == "weights_remaining"
    with pytest.raises(Exception, match="weights_remaining"):
        plots.by_sparsity(together, x="weights")


def test_parts_at_level_reads_the_deepest_round_every_replicate_has():
    one = layer_rows({1: {"emb/embeddings": (80, 100), "att/query/kernel": (18, 20)},
                      2: {"emb/embeddings": (60, 100), "att/query/kernel": (16, 20)}})
    other = layer_rows({1: {"emb/embeddings": (70, 100), "att/query/kernel": (20, 20)}})
    parts = analysis.remaining_by_part(pd.concat([one, other.assign(replicate=1)]),
                                       {"embedding": "^emb/", "query": "/query/"})
    at = analysis.parts_at_level(parts)  # replicate 1 stops at round 1
    assert at.attrs["round"] == 1 and list(at.index) == ["embedding", "query"]
    assert list(at["% remaining"]) == pytest.approx([75.0, 95.0])
    assert list(at["min"]) == pytest.approx([70.0, 90.0]) and list(at["n"]) == [2, 2]
    assert list(at["share (%)"]) == pytest.approx([100 / 1.2, 20 / 1.2])
    assert at.attrs["overall"] == pytest.approx(((98 / 120) + (90 / 120)) / 2 * 100)
    assert analysis.parts_at_level(parts, round_=2).attrs["overall"] == pytest.approx(
        76 / 1.2)
    from lthkit import book
    text = book.parts_markdown(at)
    assert "embedding 75.0 %; query 95.0 %" in text and "takes the embedding fastest" in text
    with pytest.raises(Exception, match="round_=5 is not stored"):
        analysis.parts_at_level(parts, round_=5)
    with pytest.raises(Exception, match="branch='reinit'"):
        analysis.parts_at_level(parts, branch="reinit")


def test_at_equal_weights_interpolates_in_log_weights_within_each_run():
    small = table([(100, [0.80, 0.80]), (50, [0.70, 0.70]), (25, [0.60, 0.60])])
    big = table([(100, [0.90, 0.90]), (50, [0.88, 0.88]), (25, [0.84, 0.84])])
    together = analysis.across_models({
        "small": (small, {"a/kernel": {"shape": [400], "kind": "dense"}}),
        "big": (big, {"a/kernel": {"shape": [1600], "kind": "dense"}})})
    got = analysis.at_equal_weights(together, "big")
    # big keeps 800 and 400 weights; small has 400 (its dense level) and nothing above it
    assert list(got["weights remaining"]) == [800, 400]
    assert list(got["big"]) == pytest.approx([88.0, 84.0])
    assert math.isnan(got["small"].iloc[0]) and got["small"].iloc[1] == pytest.approx(80.0)
    back = analysis.at_equal_weights(together, "small")  # 200 and 100 weights
    assert list(back.columns) == ["weights remaining", "small", "big"]
    assert back["big"].isna().all()
    mid = analysis.at_equal_weights(analysis.across_models({
        "small": (small, {"a/kernel": {"shape": [400], "kind": "dense"}}),
        "mid": (big, {"a/kernel": {"shape": [600], "kind": "dense"}})}), "small")
    # 200 weights lie between mid's 300 (88 %) and 150 (84 %); 100 below its deepest level
    assert mid["mid"].iloc[0] == pytest.approx(88.0 - 4.0 * math.log(1.5) / math.log(2))
    assert math.isnan(mid["mid"].iloc[1])
    from lthkit import book
    assert "small 60.00 %" in book.equal_weights_markdown(back)
    assert "big: no stored level" in book.equal_weights_markdown(back)
    with pytest.raises(Exception, match="reference='huge' is not in the table"):
        analysis.at_equal_weights(together, "huge")


def test_series_gap_is_one_line_minus_another_with_their_bands():
    gap = analysis.series_gap(BOTH, "IMP ticket", "random reinit")
    assert list(gap.index) == [1, 2, 3]
    assert list(gap["gap"]) == pytest.approx([2.0, 2.0, 5.5])
    # round 2: ticket 92 and 90, reinit 90 and 88 overlap; round 3: 91/90 against 85/85
    assert list(gap["apart"]) == [True, False, True]
    from lthkit import book
    text = book.gap_markdown(gap, "IMP ticket", "random reinit", {"IMP ticket": "the ticket"})
    assert text.startswith("The ticket minus random reinit: +2.00 to +5.50 points over the 3")
    assert "apart at 2 of 3" in text
    late = pd.concat([BOTH.assign(variant="init"), MAIN.iloc[:2].assign(variant="late")])
    assert analysis.series_gap(late, "late · IMP ticket", "init · IMP ticket").empty
    with pytest.raises(Exception, match="no line 'ticket'"):
        analysis.series_gap(BOTH, "ticket", "random reinit")


def test_level_table_by_series_names_each_line_of_a_variants_chart():
    both = pd.concat([BOTH.assign(variant="init"), MAIN.assign(variant="late")],
                     ignore_index=True)
    got = analysis.level_table(both, by="series")
    assert list(got.columns) == ["% remaining", "init · IMP ticket", "init · random reinit",
                                 "late · IMP ticket"]
    assert got.loc[0, "init · random reinit"] == pytest.approx(91.0)  # the dense level
    assert got.loc[2, "late · IMP ticket"] == pytest.approx(91.0)


def test_the_transformer_claims_read_their_own_variants():
    init = pd.concat([MAIN, REINIT], ignore_index=True).assign(variant="rewound to init")
    late = table([(100, [0.90, 0.92]), (80, [0.95, 0.95]), (64, [0.95, 0.95]),
                  (51.2, [0.95, 0.95]), (41, [0.95, 0.93])]).assign(variant="rewound to 1ep")
    both = pd.concat([init, late], ignore_index=True)
    rows = claims.ledger(both, claims.select("transformer_imdb")).set_index("id")
    # the late ticket's 94 % at 41 % remaining against the init ticket's 87 %: above
    late_row = claims.assess(both, claims.BY_ID["YETM20.late"].__class__(
        **{**claims.BY_ID["YETM20.late"].__dict__, "level": 41.0}))
    assert late_row[1] == pytest.approx(7.0) and late_row[3] == "within"
    # the init ticket holds the dense 91 % down to 64 % remaining only (90.5 at 51.2): short
    # of [CFC20]'s 10 to 60 %
    assert rows.loc["CFC20.matching", "ours"] == "64 % remaining"
    assert rows.loc["CFC20.matching", "verdict"] == "worse"
    assert rows.loc["CFC20.random", "verdict"] == "not run"  # no random pruning in the table
    assert "at 32.8" in rows.loc["CFC20.reinit", "paper"]
    # a table without the late variant says so, rather than reading the init ticket
    alone = claims.ledger(init, claims.select(ids=["YETM20.late"]))
    assert alone.loc[0, "verdict"] == "not run"


def test_chain_connectivity_counts_units_a_mask_cuts_off():
    from lthkit import analysis
    h1 = np.zeros((4, 3), bool)
    h1[0, 0] = h1[1, 1] = True  # unit 2 of layer 1 gets no input
    h2 = np.zeros((3, 2), bool)
    h2[0, 0] = h2[2, 0] = True  # unit 1 of layer 1 feeds nothing; output 1 gets no input
    table = analysis.chain_connectivity({"h1": h1, "out": h2})
    assert table.loc["h1"].to_dict() == {"units": 3, "fed": 2, "alive": 1, "cut off": 1}
    assert table.loc["out"].to_dict() == {"units": 2, "fed": 1, "alive": 1, "cut off": 1}
    with pytest.raises(ValueError, match=r"masks\['out'\].*3 inputs, the outputs of 'h1'"):
        analysis.chain_connectivity({"h1": h1, "out": np.ones((4, 2), bool)})
    with pytest.raises(ValueError, match=r"2-D"):
        analysis.chain_connectivity({"conv": np.ones((3, 3, 2), bool)})
