"""Altair charts of the paper's views. Each takes the tidy tables of `ResultStore` and a
`source` label (e.g. "quick profile") that every figure shows."""
import altair as alt
import pandas as pd

BRANCH_NAMES = {"main": "winning ticket", "reinit": "random reinit", "random": "random pruning"}
BRANCH_COLORS = {"winning ticket": "#1f77b4", "random reinit": "#d62728",
                 "random pruning": "#7f7f7f"}
METRIC_NAMES = {"early_stop_test_accuracy": "test accuracy at early stop",
                "test_accuracy": "test accuracy at end of training",
                "early_stop_iteration": "early-stop iteration",
                "val_loss": "validation loss (end)"}


CURVE_NAMES = {"val_loss": "validation loss", "test_accuracy": "test accuracy",
               "train_loss": "training loss", "val_accuracy": "validation accuracy"}


def _with_dense_level(table):
    """Controls start at round 1; give each the dense round 0 so lines start at 100 %."""
    dense = table[(table["branch"] == "main") & (table["round"] == 0)]
    extra = [dense.assign(branch=b) for b in table["branch"].unique() if b != "main"]
    return pd.concat([table, *extra], ignore_index=True)


def summarize(table, y, by=("branch", "round")):
    """Mean, min and max of `y` over replicates, per branch and round."""
    t = _with_dense_level(table)
    g = t.groupby(list(by)).agg(mean=(y, "mean"), min=(y, "min"), max=(y, "max"),
                                n=(y, "size"), percent_remaining=("percent_remaining", "mean"))
    g = g.reset_index()
    g["label"] = g["branch"].map(BRANCH_NAMES).fillna(g["branch"])
    return g


OTHER_COLORS = ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _color(labels):
    domain = [lab for lab in BRANCH_COLORS if lab in set(labels)]
    others = sorted(set(labels) - set(domain))
    domain += others
    palette = [BRANCH_COLORS[lab] for lab in domain if lab in BRANCH_COLORS]
    palette += [OTHER_COLORS[i % len(OTHER_COLORS)] for i in range(len(others))]
    return alt.Color("label:N", title=None, scale=alt.Scale(domain=domain, range=palette),
                     legend=alt.Legend(orient="bottom"))


def by_sparsity(table, y="early_stop_test_accuracy", source="", title=None, width=330,
                height=240, percent=True, zero=False):
    """A mean line with a min/max band over replicates, against % of weights remaining (log
    axis, decreasing to the right as in [FC19]). Hover a point for the round's numbers."""
    s = summarize(table, y)
    scale = 100.0 if (percent and "accuracy" in y) else 1.0
    for c in ("mean", "min", "max"):
        s[c] = s[c] * scale
    ytitle = METRIC_NAMES.get(y, y) + (" (%)" if scale == 100 else "")
    x = alt.X("percent_remaining:Q", title="% of weights remaining (log)",
              scale=alt.Scale(type="log", reverse=True, nice=False),
              axis=alt.Axis(values=[100, 51.3, 21.1, 8.7, 3.6, 1.8, 0.7]))
    base = alt.Chart(s).encode(x=x, color=_color(s["label"]))
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("min:Q", title=ytitle,
                                                       scale=alt.Scale(zero=zero)), y2="max:Q")
    line = base.mark_line().encode(y="mean:Q")
    hover = alt.selection_point(name=f"hover_{y}", on="pointerover", fields=["round"],
                                 nearest=True, empty=False)
    points = base.mark_point(filled=True, size=30).encode(
        y="mean:Q",
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip("label:N", title="branch"), alt.Tooltip("round:Q"),
                 alt.Tooltip("percent_remaining:Q", title="% remaining", format=".2f"),
                 alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("min:Q", format=".2f"),
                 alt.Tooltip("max:Q", format=".2f"), alt.Tooltip("n:Q", title="replicates")],
    ).add_params(hover)
    subtitle = ["mean and min/max over replicates"] + ([source] if source else [])
    return (band + line + points).properties(
        width=width, height=height,
        title=alt.Title(title or METRIC_NAMES.get(y, y), subtitle=subtitle))


def paper_views(table, source="", width=250, height=200):
    """[FC19]'s key views: test accuracy at early stop and at the end of training (side by
    side), and the early-stop iteration below, against % of weights remaining."""
    return alt.vconcat(
        alt.hconcat(
            by_sparsity(table, "early_stop_test_accuracy", source, width=width, height=height),
            by_sparsity(table, "test_accuracy", source, width=width, height=height)),
        by_sparsity(table, "early_stop_iteration", source, width=width, height=height),
    ).resolve_scale(color="shared")


def training_curves(curves, rounds=None, y="test_accuracy", branch="main", source="",
                    width=420, height=240):
    """A metric over training iterations, one line per round (level of sparsity)."""
    c = curves[(curves["branch"] == branch) & curves[y].notna()]
    if rounds is not None:
        c = c[c["round"].isin(list(rounds))]
    c = c.groupby(["round", "iteration"], as_index=False).agg(
        value=(y, "mean"), percent_remaining=("percent_remaining", "mean"))
    c["level"] = c["percent_remaining"].map(lambda p: f"{p:.1f} %")
    name = CURVE_NAMES.get(y, y)
    return alt.Chart(c).mark_line().encode(
        x=alt.X("iteration:Q", title="training iteration"),
        y=alt.Y("value:Q", title=name, scale=alt.Scale(zero=False)),
        color=alt.Color("level:N", title="weights remaining",
                        sort=alt.SortField("percent_remaining", order="descending")),
        tooltip=["round:Q", "level:N", "iteration:Q", alt.Tooltip("value:Q", format=".4f")],
    ).properties(width=width, height=height,
                 title=alt.Title(f"{name} during training "
                                 f"({BRANCH_NAMES.get(branch, branch)})",
                                 subtitle=["mean over replicates"] + ([source] if source else [])))


def layer_sparsity(layers, source="", width=420, height=220):
    """Remaining fraction of each layer's weights per round (main branch, replicate 0)."""
    d = layers[(layers["branch"] == "main") & (layers["replicate"] == 0)].copy()
    d["percent"] = 100 * d["fraction"]
    return alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("round:Q", title="pruning round", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("percent:Q", title="% of the layer's weights remaining",
                scale=alt.Scale(type="log")),
        color=alt.Color("layer:N", title=None),
        tooltip=["layer:N", "round:Q", "remaining:Q", "size:Q",
                 alt.Tooltip("percent:Q", format=".2f")],
    ).properties(width=width, height=height,
                 title=alt.Title("Remaining weights per layer", subtitle=source or ""))
