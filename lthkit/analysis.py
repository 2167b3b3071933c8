"""Numbers the chapters compare with the papers, computed from a ResultStore table.

All functions take the tidy table of `ResultStore.table` (one row per replicate, branch and
round) and average over replicates first.
"""
import numpy as np
import pandas as pd

from lthkit.plots.charts import _with_dense_level


def level_means(table, metric="early_stop_test_accuracy", branch="main"):
    """Mean and spread of `metric` per level of one branch (the dense round 0 included)."""
    t = _with_dense_level(table)
    t = t[t["branch"] == branch]
    g = t.groupby("round").agg(percent_remaining=("percent_remaining", "mean"),
                               mean=(metric, "mean"), std=(metric, "std"),
                               min=(metric, "min"), max=(metric, "max"), n=(metric, "size"))
    return g.reset_index()


def level_table(table, metric="early_stop_test_accuracy", scale=100.0):
    """Mean `metric` per level (rows) and branch (columns), with % of weights remaining."""
    s = _with_dense_level(table)
    g = s.groupby(["round", "branch"])[metric].mean().unstack("branch") * scale
    g = g.rename(columns={"main": "ticket", "reinit": "random reinit",
                          "random": "random pruning"})
    pct = s[s["branch"] == "main"].groupby("round")["percent_remaining"].mean()
    g.insert(0, "% remaining", pct)
    return g.round(2)


def dense(table, metric="early_stop_test_accuracy"):
    """(mean, std, n) of the unpruned network's `metric` over replicates."""
    d = table[(table["branch"] == "main") & (table["round"] == 0)][metric]
    return float(d.mean()), float(d.std(ddof=1)) if len(d) > 1 else float("nan"), len(d)


def sparsest_at_dense(table, branch="main", metric="early_stop_test_accuracy", tolerance=0.0):
    """The smallest % of weights remaining at which `branch`'s mean is still at or above the
    dense mean minus `tolerance`: how far pruning goes before accuracy is lost for good.

    [FC19] phrases its results this way ("at or above the unpruned accuracy down to 3.6 %").
    Returns 100.0 if no pruned level reaches the dense accuracy.
    """
    base, _, _ = dense(table, metric)
    levels = level_means(table, metric, branch)
    ok = levels[levels["mean"] >= base - tolerance]
    return float(ok["percent_remaining"].min()) if len(ok) else 100.0


def at_level(table, percent, metric="early_stop_test_accuracy", branch="main"):
    """The row of `level_means` whose % remaining is closest to `percent` (log distance)."""
    levels = level_means(table, metric, branch)
    i = int(np.argmin(np.abs(np.log(levels["percent_remaining"]) - np.log(percent))))
    return levels.iloc[i]


def mask_overlap(a, b):
    """Fraction of the weights kept by mask `a` that mask `b` keeps too (all layers)."""
    kept = sum(int(np.sum(a[k])) for k in a)
    both = sum(int(np.sum(np.logical_and(a[k], b[k]))) for k in a)
    return both / max(kept, 1)


def fmt_pm(mean, std, scale=100.0, digits=2):
    if std is None or (isinstance(std, float) and np.isnan(std)):
        return f"{mean * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def markdown_table(df):
    """A DataFrame as a Markdown table (index first), for `IPython.display.Markdown`."""
    cols = [df.index.name or ""] + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in df.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [str(v) for v in row]) + " |")
    return "\n".join(lines)


def describe(exp):
    """The settings of an experiment as a two-column table (for a chapter to display)."""
    t, p, s, d = exp.train, exp.prune, exp.search, exp.data
    length = f"{t.iterations:,} iterations" if t.iterations else f"{t.epochs} epochs"
    rows = [
        ("model", f"{exp.model.name} {exp.model.kwargs or ''}".strip()),
        ("data", f"{d.name}: train {d.n_train or 'all'}, validation {d.validation}, "
                 f"test {d.n_test or 'all'} {d.kwargs or ''}".strip()),
        ("training", f"{t.optimizer} lr {t.learning_rate:g}, batch {t.batch_size}, {length}, "
                     f"evaluated every {t.eval_every or 'epoch'}"),
        ("pruning", f"{s.mode}, {p.strategy}, rates {p.rates}, criterion {p.criterion}"),
        ("rounds", f"{s.rounds} (down to "
                   f"{_remaining_label(p.rates, s.rounds)} of the weights of each layer kind)"),
        ("rewind", f"to iteration {s.rewind}" if s.rewind_unit == "iteration"
         else f"to epoch {s.rewind}"),
        ("controls", ", ".join(s.controls) or "none"),
        ("replicates", f"{s.replicates} (seeds {s.seed}..{s.seed + s.replicates - 1})"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"]).set_index("setting")


def _remaining_label(rates, rounds):
    from lthkit.pruning import remaining_after
    if isinstance(rates, dict):
        return ", ".join(f"{k} {100 * remaining_after(10**6, r, rounds) / 10**6:.1f} %"
                         for k, r in rates.items())
    return f"{100 * remaining_after(10**6, rates, rounds) / 10**6:.1f} %"
