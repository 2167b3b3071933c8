"""Charts: a long source label is wrapped under the title instead of widening the chart."""
import pandas as pd
import pytest

from lthkit import plots
from lthkit.plots.charts import source_lines

LONG = "full profile, 2 replicates, rounds 0-10 (in progress), results/text_cnn_imdb-cf395eac5fb2"


def test_source_lines_cut_at_commas_and_keep_every_word():
    lines = source_lines(LONG, width=30)
    assert all(len(line) <= 40 for line in lines) and len(lines) >= 3
    assert " ".join(lines) == LONG  # nothing lost, nothing added
    assert source_lines("quick profile") == ["quick profile"] and source_lines("") == []


def test_a_chart_carries_the_wrapped_source_in_its_subtitle():
    table = pd.DataFrame({"branch": ["main", "main"], "replicate": [0, 0], "round": [0, 1],
                          "percent_remaining": [100.0, 80.0],
                          "early_stop_test_accuracy": [0.9, 0.91]})
    spec = plots.by_sparsity(table, source=LONG).to_dict()
    subtitle = spec["title"]["subtitle"]
    assert subtitle[0] == "mean and min/max over replicates"
    assert subtitle[1:] == source_lines(LONG)


def test_a_sweep_keeps_its_variants_in_the_order_given_not_alphabetical():
    one = pd.DataFrame({"branch": ["main", "main"], "replicate": [0, 0], "round": [0, 1],
                        "percent_remaining": [100.0, 80.0],
                        "early_stop_test_accuracy": [0.9, 0.91]})
    names = ["k = 0it", "k = 500it", "k = 2000it"]  # alphabetically 2000it comes before 500it
    sweep = pd.concat([one.assign(variant=n) for n in names], ignore_index=True)
    spec = plots.by_sparsity(sweep).to_dict()
    layer = spec["layer"][0]
    assert layer["encoding"]["color"]["scale"]["domain"] == names
    data = spec["datasets"][spec["data"]["name"]]
    assert list(dict.fromkeys(row["label"] for row in data)) == names


def test_branch_curves_draws_one_panel_per_metric_and_a_line_per_branch():
    rows = [{"branch": b, "round": r, "replicate": rep, "iteration": it,
             "percent_remaining": 80.0 if r else 100.0, "train_loss": 1 / it, "val_loss": 0.5}
            for b in ("main", "reinit") for r in (0, 1) for rep in (0, 1) for it in (10, 20)]
    spec = plots.branch_curves(pd.DataFrame(rows), 1, source=LONG).to_dict()
    assert len(spec["hconcat"]) == 2
    assert spec["title"]["text"] == "Ticket and controls at 80.0 % of weights remaining"
    data = [d for d in spec["datasets"].values()]
    labels = {row["label"] for rows in data for row in rows}
    assert labels == {"IMP ticket", "random reinit"}
    # one point per branch and iteration, the mean of the replicates of round 1 only
    assert all(len(rows) == 4 for rows in data)


def test_init_magnitude_draws_a_line_per_group_and_the_fresh_draw_at_one():
    frame = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2],
                          "group": ["conv", "conv", "output"] * 2,
                          "kept": [0.8, 0.8, 0.8, 0.64, 0.64, 0.64],
                          "magnitude": [1.1, 1.3, 1.0, 1.5, 1.7, 1.2]})
    spec = plots.init_magnitude(frame, source=LONG).to_dict()
    rows = [r for d in spec["datasets"].values() for r in d]
    conv2 = [r for r in rows if r.get("group") == "conv" and r.get("round") == 2]
    assert len(conv2) == 1 and conv2[0]["mean"] == pytest.approx(1.6)
    assert (conv2[0]["min"], conv2[0]["max"], conv2[0]["kept"]) == (1.5, 1.7, 64.0)
    assert {"y": 1.0} in rows  # the rule: a fresh draw
    assert spec["title"]["subtitle"][1:] == source_lines(LONG)


def test_the_barrier_chart_ticks_the_rewind_points_it_measured():
    rows = [{"label": f"k = {k}it", "at": k, "round": r, "replicate": rep,
             "percent_remaining": 100.0 if r == 0 else 10.8, "barrier": 0.01 * (rep + 1)}
            for k in (0, 100, 500, 2000) for r in (0, 10) for rep in (0, 1)]
    spec = plots.barriers(pd.DataFrame(rows)).to_dict()
    x = spec["layer"][0]["encoding"]["x"]
    assert x["axis"]["values"] == [0, 100, 500, 2000] and x["scale"]["type"] == "symlog"


def test_early_masks_draws_a_line_per_level_and_dashes_the_trained_mask():
    from test_analysis import early_exps, early_table
    spec = plots.early_masks(early_table(), early_exps(), rounds=[1, 2]).to_dict()
    band, line, rule, dense = spec["layer"]
    rows = spec["datasets"][line["data"]["name"] if "data" in line else spec["data"]["name"]]
    assert {r["level"] for r in rows} == {"80.0 % of weights", "64.0 % of weights"}
    assert line["encoding"]["x"]["axis"]["values"] == [0.0, 3.0]
    assert line["encoding"]["color"]["sort"] == ["80.0 % of weights", "64.0 % of weights"]
    trained = spec["datasets"][rule["data"]["name"]]
    assert {r["variant"] for r in trained} == {"trained"} and len(trained) == 2
    assert rule["mark"]["strokeDash"] == [5, 4]
    assert dense["data"]["values"] == [{"y": pytest.approx(97.0)}]


def test_the_ledger_chart_caption_says_which_points_are_full_runs():
    rows = pd.DataFrame({"kind": ["value", "value", "value", "gain"],
                         "ours_value": [98.0, 97.0, float("nan"), 0.3],
                         "results": ["full profile, 3 replicates, rounds 0-25, results/lenet-x",
                                     "quick profile (conv6-y)", "quick profile (z)",
                                     "full profile, ..."]})
    assert plots.ledger_profiles(rows, "quick") == (
        "quick for 1 of the 2 points, full (results/) for the other 1")
    assert plots.ledger_profiles(rows.iloc[:1], "quick") == "full"
    assert plots.ledger_profiles(rows.iloc[1:3], "smoke") == "smoke"


def test_a_zoomed_chart_starts_its_axis_near_dense_and_says_what_it_cuts_off():
    rows = [(0, "main", 100.0, [0.98, 0.98]), (1, "main", 50.0, [0.985, 0.975]),
            (2, "main", 10.0, [0.97, 0.96]), (1, "random", 50.0, [0.90, 0.90]),
            (2, "random", 10.0, [0.30, 0.35])]
    table = pd.DataFrame([{"branch": b, "replicate": i, "round": r, "percent_remaining": p,
                           "early_stop_test_accuracy": a}
                          for r, b, p, accs in rows for i, a in enumerate(accs)])
    floor = plots.zoom_floor(table, span=5.0)
    assert floor == pytest.approx(93.0)  # 98 % dense minus 5 points; random pruning falls below
    spec = plots.by_sparsity(table, floor=floor).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"][0] == pytest.approx(93.0)
    assert any("cut off" in line for line in spec["title"]["subtitle"])
    # nothing below the span: the axis starts at the lowest band, and nothing is cut off
    near = table[table["branch"] == "main"]
    assert plots.zoom_floor(near, span=5.0) == pytest.approx(96.0)
    spec = plots.by_sparsity(near, floor=plots.zoom_floor(near)).to_dict()
    assert not any("cut off" in line for line in spec["title"]["subtitle"])


def test_a_short_run_ticks_each_pruning_round_once():
    rows = [{"layer": layer, "branch": "main", "replicate": 0, "round": r,
             "fraction": 0.8 ** r, "remaining": 10, "size": 10}
            for layer in ("a", "b") for r in (0, 1)]
    x = plots.layer_sparsity(pd.DataFrame(rows)).to_dict()["encoding"]["x"]
    assert x["axis"]["values"] == [0, 1]  # not 0, 0.5, 1 printed as "0 1 1"
    rows = [dict(r, round=k) for r in rows[:1] for k in range(20)]
    x = plots.layer_sparsity(pd.DataFrame(rows)).to_dict()["encoding"]["x"]
    assert "values" not in x["axis"] and x["axis"]["tickMinStep"] == 1
