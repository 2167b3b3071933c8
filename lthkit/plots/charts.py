"""Altair charts of the paper's views. Each takes the tidy tables of `ResultStore` and a
`source` label (e.g. "quick profile") that every figure shows."""
import itertools

import altair as alt
import pandas as pd

from lthkit.analysis import BRANCH_NAMES, series_labels, with_dense_level
from lthkit.claims import NO_VERDICT, from_short_run


def branch_colors():
    """{label: colour} of the IMP ticket and of every registered control with a colour, and
    of the lines of pruning at initialization (`analysis.pai_combined`): each method has its
    own colour in every chart, and IMP's ticket is the ticket's blue there too."""
    from lthkit.analysis import PAI_IMP
    from lthkit.search.controls import CONTROLS
    from lthkit.search.runs import PAI_METHODS
    pai = dict(zip(PAI_METHODS, ["#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]))
    return {"IMP ticket": "#1f77b4", PAI_IMP: "#1f77b4",
            **{c.shown: c.color for c in CONTROLS.values() if c.color}, **pai}


METRIC_NAMES = {"early_stop_test_accuracy": "test accuracy at early stop",
                "test_accuracy": "test accuracy at end of training",
                "early_stop_iteration": "early-stop iteration",
                "val_loss": "validation loss (end)"}
CURVE_NAMES = {"val_loss": "validation loss", "test_accuracy": "test accuracy",
               "train_loss": "training loss", "val_accuracy": "validation accuracy"}


def summarize(table, y, by=("series", "round"), x="percent_remaining"):
    """Mean, min and max of `y` over replicates, per line of a chart (series) and round
    (with the mean of `x`, the chart's horizontal axis)."""
    t = with_dense_level(table)
    t["series"] = series_labels(t)
    xs = {c: (c, "mean") for c in dict.fromkeys(("percent_remaining", x))}
    g = t.groupby(list(by)).agg(mean=(y, "mean"), min=(y, "min"), max=(y, "max"),
                                n=(y, "size"), **xs)
    g = g.reset_index()
    g["label"] = g["series"]
    # the lines in the order the table has them (a sweep's "k = 500it" before "k = 2000it")
    return g.set_index("series").loc[pd.unique(t["series"])].reset_index()


def source_lines(source, width=48):
    """A source label as subtitle lines of at most about `width` characters, cut at its
    commas, so a long label ("full profile, 2 replicates, ..., results/<run>") does not make
    a chart wider than the page."""
    if not source:
        return []
    lines, line = [], ""
    for part in str(source).split(", "):
        candidate = f"{line}, {part}" if line else part
        if line and len(candidate) > width:
            lines.append(line + ",")
            line = part
        else:
            line = candidate
    return lines + [line]


_HOVER_IDS = itertools.count()
OTHER_COLORS = ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _color(labels):
    colors = branch_colors()
    domain = [lab for lab in colors if lab in set(labels)]
    others = [lab for lab in pd.unique(pd.Series(labels)) if lab not in domain]
    domain += others
    palette = [colors[lab] for lab in domain if lab in colors]
    free = [c for c in OTHER_COLORS if c not in palette] or OTHER_COLORS
    palette += [free[i % len(free)] for i in range(len(others))]
    # a row of long labels ("masks from initial weights (thesis) · IMP ticket") would be
    # wider than the chart: then one or two columns
    longest = max((len(str(lab)) for lab in domain), default=0)
    columns = (1 if longest > 30 else 2) if sum(len(str(lab)) for lab in domain) > 60 else None
    # swatches drawn solid, not at the bands' opacity
    legend = (alt.Legend(orient="bottom", columns=columns, symbolOpacity=1) if columns
              else alt.Legend(orient="bottom", symbolOpacity=1))
    return alt.Color("label:N", title=None, scale=alt.Scale(domain=domain, range=palette),
                     legend=legend)


def zoom_floor(table, y="early_stop_test_accuracy", span=5.0, percent=True):
    """Where a zoomed accuracy axis starts: `span` points (of the chart's unit) below the
    dense network's mean, or the lowest point of any band (min over replicates) where that
    is higher, so nothing is cut off. An axis running from the collapse of random pruning
    to the top would squash the tenths of a point between a ticket and the dense network."""
    s = summarize(table, y)
    scale = 100.0 if (percent and "accuracy" in y) else 1.0
    t = table[(table["branch"] == "main") & (table["round"] == 0)]
    dense = float(t[y].mean()) * scale
    return max(float(s["min"].min()) * scale, dense - span)


X_AXES = {"percent_remaining": ("% of weights remaining (log)",
                                 [100, 51.3, 21.1, 8.7, 3.6, 1.8, 0.7], None),
          "weights_remaining": ("prunable weights remaining (log)", None, "~s")}


def by_sparsity(table, y="early_stop_test_accuracy", source="", title=None, width=330,
                height=240, percent=True, zero=False, floor=None, x="percent_remaining"):
    """A mean line with a min/max band over replicates, against % of weights remaining (log
    axis, decreasing to the right as in [FC19]). Hover a point for the round's numbers.

    `floor` starts the y axis there (see `zoom_floor`) and cuts off what lies below, which
    the subtitle says. `x="weights_remaining"` puts networks of different sizes on one axis
    by how many weights remain (`analysis.across_models`)."""
    from lthkit._errors import bad_param
    if x not in X_AXES:
        raise bad_param("x", x, "one of " + ", ".join(X_AXES))
    s = summarize(table, y, x=x)
    scale = 100.0 if (percent and "accuracy" in y) else 1.0
    for c in ("mean", "min", "max"):
        s[c] = s[c] * scale
    ytitle = METRIC_NAMES.get(y, y) + (" (%)" if scale == 100 else "")
    xtitle, xvalues, xformat = X_AXES[x]
    xfield = x
    x = alt.X(f"{xfield}:Q", title=xtitle,
              scale=alt.Scale(type="log", reverse=True, nice=False),
              axis=alt.Axis(values=xvalues) if xvalues else alt.Axis(format=xformat))
    yscale = alt.Scale(zero=zero)
    cut = []
    if floor is not None:
        top = float(s["max"].max())
        yscale = alt.Scale(domain=[floor, top + 0.05 * (top - floor)], nice=False)
        if float(s["min"].min()) < floor:
            cut = [f"zoomed: the axis starts at {floor:.1f}, lower values are cut off"]
    base = alt.Chart(s).encode(x=x, color=_color(s["label"]))
    band = base.mark_area(opacity=0.18, clip=True).encode(
        y=alt.Y("min:Q", title=ytitle, scale=yscale), y2="max:Q")
    line = base.mark_line(clip=True).encode(y="mean:Q")
    hover = alt.selection_point(name=f"hover{next(_HOVER_IDS)}", on="pointerover",
                                 fields=["round"], nearest=True, empty=False)
    points = base.mark_point(filled=True, size=30, clip=True).encode(
        y="mean:Q",
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip("label:N", title="series"), alt.Tooltip("round:Q"),
                 alt.Tooltip("percent_remaining:Q", title="% remaining", format=".2f"),
                 *([alt.Tooltip(f"{xfield}:Q", title="weights", format=",.0f")]
                   if xfield != "percent_remaining" else []),
                 alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("min:Q", format=".2f"),
                 alt.Tooltip("max:Q", format=".2f"), alt.Tooltip("n:Q", title="replicates")],
    ).add_params(hover)
    subtitle = ["mean and min/max over replicates"] + cut + source_lines(source)
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
                    width=420, height=240, every=None):
    """A metric over training iterations, one line per round (level of sparsity): the given
    `rounds`, or every `every`-th round, or all."""
    c = curves[(curves["branch"] == branch) & curves[y].notna()]
    if rounds is None and every:
        rounds = sorted(c["round"].unique())[::every]
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
                                 subtitle=["mean over replicates"] + source_lines(source)))


def branch_curves(curves, round_, ys=("train_loss", "val_loss"), source="", width=260,
                  height=200):
    """The branches side by side at one level: each metric of `ys` over training
    iterations (one panel each), a mean line per branch with a min/max band over
    replicates. Shows which branch fits the training set faster and which overfits."""
    panels = []
    for y in ys:
        c = curves[(curves["round"] == round_) & curves[y].notna()]
        g = c.groupby(["branch", "iteration"]).agg(mean=(y, "mean"), min=(y, "min"),
                                                   max=(y, "max")).reset_index()
        g["label"] = g["branch"].map(dict(BRANCH_NAMES)).fillna(g["branch"])
        base = alt.Chart(g).encode(x=alt.X("iteration:Q", title="training iteration"),
                                   color=_color(g["label"]))
        band = base.mark_area(opacity=0.18).encode(
            y=alt.Y("min:Q", title=CURVE_NAMES.get(y, y), scale=alt.Scale(zero=False)),
            y2="max:Q")
        line = base.mark_line(point=True).encode(
            y="mean:Q", tooltip=["label:N", "iteration:Q", alt.Tooltip("mean:Q", format=".4f")])
        panels.append((band + line).properties(width=width, height=height,
                                               title=CURVE_NAMES.get(y, y)))
    percent = curves.loc[curves["round"] == round_, "percent_remaining"].mean()
    return alt.hconcat(*panels).properties(title=alt.Title(
        f"Ticket and controls at {percent:.1f} % of weights remaining",
        subtitle=["mean and min/max over replicates"] + source_lines(source)))


def _round_axis(rounds):
    """An axis of pruning rounds: a tick per round where there are few (a short run's axis
    would otherwise tick at 0.5 and print it as "1" twice), else whole rounds only."""
    values = sorted(int(r) for r in pd.unique(rounds))
    return (alt.Axis(format="d", values=values) if len(values) <= 12 else
            alt.Axis(tickMinStep=1, format="d"))


def layer_sparsity(layers, source="", width=420, height=220, title="Remaining weights per layer"):
    """Remaining fraction of each layer's weights per round (main branch, replicate 0), in
    the table's order of layers (or parts: `analysis.remaining_by_part`)."""
    d = layers[(layers["branch"] == "main") & (layers["replicate"] == 0)].copy()
    d["percent"] = 100 * d["fraction"]
    return alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("round:Q", title="pruning round", axis=_round_axis(d["round"])),
        y=alt.Y("percent:Q", title="% of the layer's weights remaining",
                scale=alt.Scale(type="log")),
        color=alt.Color("layer:N", title=None, sort=list(pd.unique(d["layer"]))),
        tooltip=["layer:N", "round:Q", "remaining:Q", "size:Q",
                 alt.Tooltip("percent:Q", format=".2f")],
    ).properties(width=width, height=height,
                 title=alt.Title(title, subtitle=source_lines(source)))


VERDICT_COLORS = {"within": "#2ca02c", "above": "#1f77b4", "below": "#ff7f0e",
                  "better": "#17becf", "worse": "#d62728", "not comparable": "#7f7f7f",
                  "no verdict (quick run)": "#cccccc"}


def ledger_points(ledger):
    """The rows of a claims ledger that `ledger_chart` draws: value claims with a number."""
    return ledger[(ledger["kind"] == "value") & ledger["ours_value"].notna()].copy()


def ledger_profiles(ledger, profile):
    """What `ledger_chart`'s points come from, for its caption: "full" where every point is
    a committed full run, `profile` where none is, else both with their counts."""
    d = ledger_points(ledger)
    full = int(d["results"].astype(str).str.startswith("full profile").sum())
    if full == len(d):
        return "full"
    if full == 0:
        return profile
    return (f"{profile} for {len(d) - full} of the {len(d)} points, full (results/) for "
            f"the other {full}")


def ledger_chart(ledger, width=360, height=300):
    """Accuracy claims of a claims ledger: the paper's value against ours, one point per
    claim, coloured by verdict; points on the diagonal agree."""
    d = ledger_points(ledger)
    if d.empty:
        return None
    d["claim_text"] = d["claim"] + " " + d["source"]
    d.loc[d["results"].map(from_short_run), "verdict"] = NO_VERDICT
    lo = float(min(d["paper_value"].min(), d["ours_value"].min())) - 2
    hi = float(max(d["paper_value"].max(), d["ours_value"].max())) + 1
    domain = [v for v in VERDICT_COLORS if v in set(d["verdict"])]
    scale = alt.Scale(domain=[lo, hi], zero=False)
    points = alt.Chart(d).mark_point(filled=True, size=70).encode(
        x=alt.X("paper_value:Q", title="the paper's value (%)", scale=scale),
        y=alt.Y("ours_value:Q", title="ours (%)", scale=scale),
        color=alt.Color("verdict:N", scale=alt.Scale(domain=domain,
                                                     range=[VERDICT_COLORS[v] for v in domain]),
                        legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("experiment:N", legend=alt.Legend(orient="bottom")),
        tooltip=["claim_text:N", "paper:N", "ours:N", "verdict:N", "results:N"])
    diagonal = alt.Chart(alt.Data(values=[{"v": lo}, {"v": hi}])).mark_line(
        color="#999", strokeDash=[4, 4]).encode(x="v:Q", y="v:Q")
    return (diagonal + points).properties(
        width=width, height=height,
        title=alt.Title("Accuracy claims: ours against the paper's",
                        subtitle="on the dashed line ours equals the paper's value"))


def word_survival(words, source="", sample=2500, width=250, height=230, class_names=None):
    """Two views of a ticket's embedding: the fraction of each word's row kept, against the
    word's frequency rank (log axis) and against how strongly it points to a class (its
    log-odds). Dots are words (a sample), the line is the mean in bins."""
    from lthkit.analysis import binned_means
    shown = words.sample(min(sample, len(words)), random_state=0).reset_index()
    if class_names is not None:
        shown["points to"] = shown["class"].map(dict(enumerate(class_names)))
    else:
        shown["points to"] = shown["class"].astype(str)
    tooltip = ["word:N", "count:Q", "rank:Q", alt.Tooltip("kept:Q", format=".2f"),
               alt.Tooltip("log_odds:Q", format=".2f"), "points to:N"]
    y = alt.Y("kept:Q", title="fraction of the word's embedding kept",
              scale=alt.Scale(domain=[0, 1]))

    def panel(x, title, log):
        dots = alt.Chart(shown).mark_circle(size=14, opacity=0.35).encode(
            x=alt.X(f"{x}:Q", title=title, scale=alt.Scale(type="log" if log else "linear")),
            y=y, color=alt.Color("points to:N", legend=alt.Legend(orient="bottom")),
            tooltip=tooltip)
        trend = binned_means(words, x, "kept", bins=14, log=log)
        line = alt.Chart(trend).mark_line(color="black", point=True).encode(
            x=f"{x}:Q", y="kept:Q",
            tooltip=[alt.Tooltip(f"{x}:Q", format=".3g"), alt.Tooltip("kept:Q", format=".3f"),
                     "words:Q"])
        return (dots + line).properties(width=width, height=height)

    return alt.hconcat(panel("rank", "frequency rank of the word (1 = most frequent, log)", True),
                       panel("strength", "how strongly the word points to a class (log-odds)",
                             False)).properties(
        title=alt.Title("Which words survive in the ticket's embedding",
                        subtitle=["dots: a sample of the vocabulary; line: mean in bins"]
                        + source_lines(source)))


def gate_sparsity(gates, source="", width=260, height=200):
    """% of each LSTM gate's weights kept per pruning round: one panel per kernel (input,
    recurrent), a line per gate (mean over layers and directions, band min to max)."""
    g = gates.groupby(["round", "kernel", "gate"]).agg(
        mean=("kept", "mean"), min=("kept", "min"), max=("kept", "max")).reset_index()
    for c in ("mean", "min", "max"):
        g[c] = 100 * g[c]
    # four gates whose lines can coincide (forget and output often do): each its own
    # colour, dash and point shape, drawn fully opaque in the legend
    order = ["input", "forget", "cell", "output"]
    legend = alt.Legend(orient="bottom", symbolOpacity=1, symbolStrokeWidth=2.5, symbolSize=90)
    color = alt.Color("gate:N", sort=order, legend=legend,
                      scale=alt.Scale(domain=order,
                                      range=["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"]))
    dashes = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]]
    dash = alt.StrokeDash("gate:N", sort=order, legend=legend,
                          scale=alt.Scale(domain=order, range=dashes))
    shape = alt.Shape("gate:N", sort=order, legend=legend,
                      scale=alt.Scale(domain=order,
                                      range=["circle", "square", "triangle-up", "diamond"]))
    x = alt.X("round:Q", title="pruning round", axis=_round_axis(g["round"]))
    base = alt.Chart(g).encode(x=x, color=color)
    band = base.mark_area(opacity=0.12).encode(
        y=alt.Y("min:Q", title="% of the gate's weights kept", scale=alt.Scale(type="log")),
        y2="max:Q")
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=45),
                          strokeWidth=2).encode(
        strokeDash=dash, shape=shape,
        y="mean:Q", tooltip=["kernel:N", "gate:N", "round:Q",
                             alt.Tooltip("mean:Q", format=".2f"),
                             alt.Tooltip("min:Q", format=".2f"),
                             alt.Tooltip("max:Q", format=".2f")])
    return (band + line).properties(width=width, height=height).facet(
        column=alt.Column("kernel:N", title=None, sort=["input", "recurrent"])).properties(
        title=alt.Title("What layerwise pruning keeps of each LSTM gate",
                        subtitle=["mean over layers and directions, band min to max"]
                        + source_lines(source)))


def init_magnitude(frame, source="", width=420, height=230):
    """How much larger the ticket's kept initial weights are than their layer's average
    (`analysis.ticket_init`): a line per group of weights (mean over its layers, band min to
    max) against the % of its weights kept, and a rule at 1, a fresh draw from the same
    initializer: what random reinitialization trains on the same mask."""
    g = frame.groupby(["round", "group"]).agg(
        kept=("kept", "mean"), mean=("magnitude", "mean"), min=("magnitude", "min"),
        max=("magnitude", "max")).reset_index()
    g["kept"] = 100 * g["kept"]
    x = alt.X("kept:Q", title="% of the group's weights kept",
              scale=alt.Scale(type="log", reverse=True))
    base = alt.Chart(g).encode(x=x, color=alt.Color("group:N", title=None,
                                                    legend=alt.Legend(orient="bottom")))
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("min:Q", title="mean |initial weight| kept ÷ layer mean",
                scale=alt.Scale(zero=False)), y2="max:Q")
    line = base.mark_line(point=True).encode(
        y="mean:Q", tooltip=["group:N", "round:Q", alt.Tooltip("kept:Q", format=".2f"),
                             alt.Tooltip("mean:Q", format=".3f"),
                             alt.Tooltip("min:Q", format=".3f"),
                             alt.Tooltip("max:Q", format=".3f")])
    rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 4],
                                                            color="#d62728").encode(y="y:Q")
    return (band + line + rule).properties(
        width=width, height=height,
        title=alt.Title("How large the ticket's weights start",
                        subtitle=["dashed: a fresh draw (random reinitialization)"]
                        + source_lines(source)))


def accuracy_vs_cost(table, y="early_stop_test_accuracy", source="", width=420, height=260):
    """Accuracy against the training it took (iterations, log axis; `analysis.with_cost`),
    one line per variant and branch, points at each level (hover: % remaining)."""
    from lthkit.analysis import series_labels
    t = table.copy()
    t["series"] = series_labels(t)
    g = t.groupby(["series", "round"]).agg(
        cost=("training_iterations", "mean"), acc=(y, "mean"),
        percent_remaining=("percent_remaining", "mean"), n=(y, "size")).reset_index()
    g["acc"] = 100 * g["acc"]
    return alt.Chart(g).mark_line(point=True).encode(
        x=alt.X("cost:Q", title="training iterations spent to reach the level (log)",
                scale=alt.Scale(type="log")),
        y=alt.Y("acc:Q", title=METRIC_NAMES.get(y, y) + " (%)", scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["series:N", "round:Q", alt.Tooltip("percent_remaining:Q", format=".1f"),
                 alt.Tooltip("cost:Q", format=",.0f"), alt.Tooltip("acc:Q", format=".2f"),
                 "n:Q"],
    ).properties(width=width, height=height, title=alt.Title(
        "What each procedure costs", subtitle=["mean over replicates"] + source_lines(source)))


def barriers(table, source="", width=340, height=230):
    """The error barrier [FDRC20] against the rewind point (iterations), one line per level
    (the dense network, a ticket), mean over replicates with a min/max band."""
    t = table.copy()
    t["network"] = t.apply(lambda r: "dense" if r["round"] == 0 else
                           f"ticket, {r['percent_remaining']:.1f} % of weights", axis=1)
    g = t.groupby(["network", "at"]).agg(mean=("barrier", "mean"), min=("barrier", "min"),
                                         max=("barrier", "max"), n=("barrier", "size"),
                                         label=("label", "first")).reset_index()
    for c in ("mean", "min", "max"):
        g[c] = 100 * g[c]
    # ticks at the rewind points measured (a symlog axis's own ticks crowd and miss them)
    x = alt.X("at:Q", title="rewind point k (iterations, symlog)",
              scale=alt.Scale(type="symlog", nice=False),
              axis=alt.Axis(values=sorted(float(a) for a in g["at"].unique()), format=",.0f"))
    base = alt.Chart(g).encode(x=x, color=alt.Color("network:N", legend=alt.Legend(orient="bottom")))
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("min:Q", title="error barrier (points)"),
                                               y2="max:Q")
    line = base.mark_line(point=True).encode(
        y="mean:Q", tooltip=["network:N", "label:N", "at:Q", alt.Tooltip("mean:Q", format=".2f"),
                             alt.Tooltip("min:Q", format=".2f"),
                             alt.Tooltip("max:Q", format=".2f"), "n:Q"])
    rule = alt.Chart(alt.Data(values=[{"y": 2.0}])).mark_rule(
        strokeDash=[4, 4], color="#999").encode(y="y:Q")
    return (band + line + rule).properties(width=width, height=height, title=alt.Title(
        "Instability: the error barrier between two copies trained from step k",
        subtitle=["dashed: 2 points, about where [FDRC20] calls a network stable"]
        + source_lines(source)))


def interpolation(paths, source="", width=340, height=230):
    """Test error along the straight line between the two copies, one line per rewind point
    (mean over replicates)."""
    g = paths.groupby(["label", "alpha"], as_index=False)["test_error"].mean()
    g["test_error"] = 100 * g["test_error"]
    return alt.Chart(g).mark_line().encode(
        x=alt.X("alpha:Q", title="position between the two copies (0 and 1: the copies)"),
        y=alt.Y("test_error:Q", title="test error (%)", scale=alt.Scale(zero=False)),
        color=alt.Color("label:N", title="trained from", legend=alt.Legend(orient="bottom")),
        tooltip=["label:N", alt.Tooltip("alpha:Q", format=".2f"),
                 alt.Tooltip("test_error:Q", format=".2f")],
    ).properties(width=width, height=height, title=alt.Title(
        "Error along the path between the copies", subtitle=source_lines(source)))


def mask_convergence(runs, window=5, threshold=0.1, source="", width=420, height=230):
    """Early-bird detection: for each epoch, the largest Hamming distance from its mask to the
    masks of the `window - 1` epochs before it, and the distance to the fully trained
    network's mask; a line per replicate, the threshold dashed, detections marked."""
    rows = []
    for rep, r in runs.items():
        for e in r["epochs"]:
            before = sorted(int(j) for j in r["distances"][str(e)])[-(window - 1):]
            if len(before) == window - 1:
                rows.append({"replicate": str(rep), "epoch": e, "what": "largest distance to "
                             f"the last {window - 1} masks",
                             "distance": max(r["distances"][str(e)][str(j)] for j in before)})
            rows.append({"replicate": str(rep), "epoch": e,
                         "what": "distance to the trained network's mask",
                         "distance": r["to_final"][str(e)]})
    d = pd.DataFrame(rows)
    lines = alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title="epoch of the dense training"),
        y=alt.Y("distance:Q", title="Hamming distance (fraction of entries)"),
        color=alt.Color("what:N", legend=alt.Legend(orient="bottom", title=None)),
        detail="replicate:N", tooltip=["replicate:N", "epoch:Q", "what:N",
                                       alt.Tooltip("distance:Q", format=".4f")])
    rule = alt.Chart(alt.Data(values=[{"y": threshold}])).mark_rule(
        strokeDash=[4, 4], color="#999").encode(y="y:Q")
    found = pd.DataFrame([{"epoch": r["detected"], "replicate": str(rep)} for rep, r in
                          runs.items() if r["detected"] is not None])
    layers = [lines, rule]
    if not found.empty:
        layers.append(alt.Chart(found).mark_rule(color="#d62728").encode(
            x="epoch:Q", tooltip=["replicate:N", "epoch:Q"]))
    return alt.layer(*layers).properties(width=width, height=height, title=alt.Title(
        "Early-bird detection on magnitude masks",
        subtitle=[f"red: detected (every distance to the last {window - 1} masks below "
                  f"{threshold})"] + source_lines(source)))


def early_masks(table, exps, rounds, y="early_stop_test_accuracy", source="", width=420,
                height=250):
    """Early tickets (E7): accuracy against the epoch each ticket's masks were taken after,
    one line per level with a min/max band over replicates; the ticket from the trained
    weights at the same level dashed, in the level's colour. `exps` maps the table's variants
    to their experiments (`analysis.by_mask_epoch`)."""
    from lthkit.analysis import by_mask_epoch, dense
    g = by_mask_epoch(table, exps, rounds, metric=y)
    for c in ("mean", "min", "max"):
        g[c] = 100 * g[c]
    g["level"] = g["percent_remaining"].map(lambda p: f"{p:.1f} % of weights")
    order = list(pd.unique(g.sort_values("round")["level"]))
    color = alt.Color("level:N", sort=order, legend=alt.Legend(orient="bottom", title=None))
    early = g[g["mask_epoch"].notna()]
    ytitle = METRIC_NAMES.get(y, y) + " (%)"
    base = alt.Chart(early).encode(
        x=alt.X("mask_epoch:Q", title="masks taken after n epochs of training",
                axis=alt.Axis(values=sorted(early["mask_epoch"].unique()), format="d")),
        color=color)
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("min:Q", title=ytitle, scale=alt.Scale(zero=False)), y2="max:Q")
    line = base.mark_line(point=True).encode(
        y="mean:Q", tooltip=["level:N", "variant:N", alt.Tooltip("mean:Q", format=".2f"),
                             alt.Tooltip("min:Q", format=".2f"),
                             alt.Tooltip("max:Q", format=".2f"),
                             alt.Tooltip("n:Q", title="replicates")])
    layers = [band, line]
    trained = g[g["mask_epoch"].isna()]
    if not trained.empty:
        layers.append(alt.Chart(trained).mark_rule(strokeDash=[5, 4]).encode(
            y="mean:Q", color=color,
            tooltip=["level:N", "variant:N", alt.Tooltip("mean:Q", format=".2f")]))
    base_mean, _, base_n = dense(table, y)
    if base_n:
        layers.append(alt.Chart(alt.Data(values=[{"y": 100 * base_mean}])).mark_rule(
            strokeDash=[2, 3], color="#777").encode(y="y:Q"))
    return alt.layer(*layers).properties(width=width, height=height, title=alt.Title(
        "Tickets from early masks",
        subtitle=["dashed: the mask from the trained weights; dotted grey: the dense network",
                  "mean and min/max over replicates"] + source_lines(source)))


def ablation_gaps(gaps, source="", width=235, height=210):
    """`analysis.ablation_gaps`: a method's accuracy minus its ablation's (points), against %
    of weights remaining; a panel per ablation, a line per method with its min/max band over
    replicates. On the zero line, the ablation costs nothing."""
    # the levels of 20 % rounds as ticks: a log axis over a short range would otherwise
    # crowd its own ticks into one another
    x = alt.X("percent_remaining:Q", title="% of weights remaining (log)",
              scale=alt.Scale(type="log", reverse=True, nice=False, padding=12),
              axis=alt.Axis(format=".3g", values=X_AXES["percent_remaining"][1]))
    color = _color(gaps["variant"])

    def panel(ablation):
        d = gaps[gaps["ablation"] == ablation].rename(columns={"variant": "label"})
        base = alt.Chart(d).encode(x=x, color=color)
        band = base.mark_area(opacity=0.15).encode(
            y=alt.Y("gap_min:Q", title="mask minus ablation (points)"), y2="gap_max:Q")
        line = base.mark_line(point=True).encode(
            y="gap:Q", tooltip=[alt.Tooltip("label:N", title="method"), "round:Q",
                                alt.Tooltip("percent_remaining:Q", format=".2f"),
                                alt.Tooltip("gap:Q", format=".2f"), "replicates:Q"])
        zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="black").encode(y="y:Q")
        return (band + line + zero).properties(width=width, height=height, title=ablation)
    panels = [panel(a) for a in pd.unique(gaps["ablation"])]
    return alt.hconcat(*panels).properties(title=alt.Title(
        "What each mask loses to its ablations",
        subtitle=["above zero: the mask's own positions or weights matter; mean and "
                  "min/max over replicates"] + source_lines(source)))


def kept_by_rank(binned, source="", width=420, height=240):
    """`analysis.kept_by_rank`: the fraction of a word's embedding row each method's mask
    keeps, against the word's frequency rank (log axis; mean in bins)."""
    d = binned.rename(columns={"method": "label"})
    return alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("rank:Q", title="frequency rank of the word (1 = most frequent, log)",
                scale=alt.Scale(type="log")),
        y=alt.Y("kept:Q", title="fraction of the word's embedding kept",
                scale=alt.Scale(domain=[0, 1])),
        color=_color(d["label"]),
        tooltip=[alt.Tooltip("label:N", title="method"), alt.Tooltip("rank:Q", format=".3g"),
                 alt.Tooltip("kept:Q", format=".3f"), "words:Q"],
    ).properties(width=width, height=height, title=alt.Title(
        "Which words each mask keeps", subtitle=["mean over the words in each bin of "
                                                 "frequency rank"] + source_lines(source)))
