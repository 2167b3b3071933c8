"""Numbers the chapters compute from results: levels, dense baselines, mask distances.

The table functions take the tidy table of `ResultStore.table` (one row per replicate,
branch and round; with a `variant` column when it holds several experiments) and average
over replicates first. Nothing here trains or plots.
"""
from collections.abc import Mapping

import numpy as np
import pandas as pd

ACC = "early_stop_test_accuracy"


class _BranchNames(Mapping):
    """{branch: its name in tables and charts}: "IMP ticket" for the main branch ("winning"
    is a verdict a chapter reaches, not a name), each registered control's label
    (`lthkit.search.register_control`), read when asked, so a control registered later is
    named too."""

    def _names(self):
        from lthkit.search.controls import CONTROLS
        return {"main": "IMP ticket", **{c.name: c.shown for c in CONTROLS.values()}}

    def __getitem__(self, branch):
        return self._names()[branch]

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())


BRANCH_NAMES = _BranchNames()


def with_dense_level(table):
    """Controls start at round 1; give each the dense round 0 so its lines start at 100 %."""
    keys = ["variant"] if "variant" in table else []
    dense = table[(table["branch"] == "main") & (table["round"] == 0)]
    extra = []
    for branch in table["branch"].unique():
        if branch == "main":
            continue
        if keys:
            for variant in table.loc[table["branch"] == branch, "variant"].unique():
                extra.append(dense[dense["variant"] == variant].assign(branch=branch))
        else:
            extra.append(dense.assign(branch=branch))
    return pd.concat([table, *extra], ignore_index=True) if extra else table.copy()


def series_labels(table):
    """One label per line of a chart: the branch's name, prefixed by the variant when the
    table holds several ("one-shot · random reinit")."""
    names = table["branch"].map(dict(BRANCH_NAMES)).fillna(table["branch"])
    if "variant" not in table or table["variant"].nunique() < 2:
        return names
    if table["branch"].nunique() < 2:
        return table["variant"].astype(str)
    return table["variant"].astype(str) + " · " + names


def _select(table, branch="main", variant=None):
    t = with_dense_level(table)
    t = t[t["branch"] == branch]
    if variant is not None:
        t = t[t["variant"] == variant]
    return t


def level_means(table, metric=ACC, branch="main", variant=None):
    """Mean, spread and count of `metric` per level of one branch (round 0 included)."""
    t = _select(table, branch, variant)
    g = t.groupby("round").agg(percent_remaining=("percent_remaining", "mean"),
                               mean=(metric, "mean"), std=(metric, "std"),
                               min=(metric, "min"), max=(metric, "max"), n=(metric, "size"))
    return g.reset_index()


def level_table(table, metric=ACC, scale=100.0, by="branch"):
    """Mean `metric` per level (rows) and branch (columns), with % of weights remaining.

    `by="variant"` makes one column per variant instead (of a variants table, e.g. one
    branch of a rewind sweep), in the order the table has them ("k = 500it" before
    "k = 2000it", not alphabetically); every column of a level has the same sparsity.
    `by="series"`: one column per line of a chart ("late · IMP ticket", ...)."""
    s = with_dense_level(table)
    if by == "series":
        s = s.assign(series=series_labels(s))
    g = s.groupby(["round", by])[metric].mean().unstack(by) * scale
    if by == "branch":
        g = g.rename(columns=dict(BRANCH_NAMES))
    else:
        g = g[list(pd.unique(s[by]))]
    pct = s.groupby("round")["percent_remaining"].mean()
    g.insert(0, "% remaining", pct)
    return g.round(2)


def dense(table, metric=ACC, variant=None):
    """(mean, std, n) of the unpruned network's `metric` over replicates."""
    t = table[(table["branch"] == "main") & (table["round"] == 0)]
    if variant is not None:
        t = t[t["variant"] == variant]
    d = t[metric]
    return float(d.mean()), float(d.std(ddof=1)) if len(d) > 1 else float("nan"), len(d)


def sparsest_at_dense(table, branch="main", metric=ACC, tolerance=0.0, variant=None):
    """The smallest % of weights remaining at which `branch`'s mean is still at or above the
    dense mean minus `tolerance`: how far pruning goes before accuracy is lost.

    [FC19] phrases its results this way ("at or above the unpruned accuracy down to 3.6 %").
    Returns 100.0 if no pruned level reaches the dense accuracy.
    """
    base, _, _ = dense(table, metric, variant)
    levels = level_means(table, metric, branch, variant)
    ok = levels[levels["mean"] >= base - tolerance]
    return float(ok["percent_remaining"].min()) if len(ok) else 100.0


def at_level(table, percent, metric=ACC, branch="main", variant=None):
    """The row of `level_means` whose % remaining is closest to `percent` (log distance)."""
    levels = level_means(table, metric, branch, variant)
    i = int(np.argmin(np.abs(np.log(levels["percent_remaining"]) - np.log(percent))))
    return levels.iloc[i]


# -- masks ------------------------------------------------------------------------------------
def mask_distance(a, b):
    """How two masks differ, per layer and in total (a DataFrame indexed by layer).

    Columns: size; kept_a, kept_b; both (kept by both); hamming (fraction of entries that
    differ, [YOU20]'s mask distance); jaccard (both / kept by either); overlap (fraction of
    a's weights that b keeps too); and each of hamming, jaccard and overlap expected *by
    chance*: for two masks drawn at random with those per-layer counts (E[both] =
    kept_a * kept_b / size).
    """
    if set(a) != set(b):
        raise ValueError(f"the masks name different layers: {sorted(set(a) ^ set(b))}")
    rows = {}
    for key in sorted(a):
        ma, mb = np.asarray(a[key], bool), np.asarray(b[key], bool)
        if ma.shape != mb.shape:
            raise ValueError(f"{key}: shapes {ma.shape} and {mb.shape} differ")
        rows[key] = (ma.size, int(ma.sum()), int(mb.sum()), int((ma & mb).sum()))
    size, ka, kb, both = (np.array(v, dtype=float) for v in zip(*rows.values()))
    expected = ka * kb / size
    frame = pd.DataFrame({"size": size, "kept_a": ka, "kept_b": kb, "both": both,
                          "expected_both": expected}, index=list(rows))
    frame.loc["total"] = frame.sum()
    s, ka, kb, both, eb = (frame[c] for c in ("size", "kept_a", "kept_b", "both",
                                                "expected_both"))
    union, union_chance = ka + kb - both, ka + kb - eb
    frame["hamming"] = (ka + kb - 2 * both) / s
    frame["hamming_chance"] = (ka + kb - 2 * eb) / s
    frame["jaccard"] = np.where(union > 0, both / union.where(union > 0, 1), 1.0)
    frame["jaccard_chance"] = np.where(union_chance > 0,
                                       eb / union_chance.where(union_chance > 0, 1), 1.0)
    frame["overlap"] = np.where(ka > 0, both / ka.where(ka > 0, 1), 1.0)
    frame["overlap_chance"] = kb / s
    for c in ("size", "kept_a", "kept_b", "both"):
        frame[c] = frame[c].astype(int)
    frame.index.name = "layer"
    return frame


def with_chance(distances, digits=3):
    """A `mask_distances` table narrow enough for a page: each measure and its value for
    random masks of the same sizes in one column, "0.412 (0.108)"; other columns as they are."""
    out = pd.DataFrame(index=distances.index)
    for column in distances.columns:
        if column.endswith("_chance"):
            continue
        if f"{column}_chance" in distances.columns:
            out[f"{column} (chance)"] = [
                f"{v:.{digits}f} ({c:.{digits}f})"
                for v, c in zip(distances[column], distances[f"{column}_chance"])]
        else:
            out[column] = distances[column]
    return out


def chain_connectivity(masks):
    """What a mask leaves connected in a chain of dense layers (`masks`: {key: (in, out)
    mask}, in the order the layers are applied, each layer's inputs the previous one's
    outputs, e.g. Lenet's): per layer, its output units, how many receive at least one kept
    weight ("fed"), how many of those also send one on to the next layer ("alive"; the last
    layer's outputs are alive when fed), and how many receive none ("cut off": for the last
    layer, classes whose logit is a constant, which the network can hardly predict).
    Pruning that keeps a layer's count but cuts whole units (layer collapse, [TAN20]) shows
    here, where the count of remaining weights does not."""
    from lthkit._errors import bad_param
    keys = list(masks)
    arrays = [np.asarray(masks[k], dtype=bool) for k in keys]
    for k, a in zip(keys, arrays):
        if a.ndim != 2:
            raise bad_param(f"masks[{k!r}]", f"shape {a.shape}",
                            "2-D (inputs, outputs) masks of dense layers")
    for (k, a), (k2, b) in zip(zip(keys, arrays), zip(keys[1:], arrays[1:])):
        if a.shape[1] != b.shape[0]:
            raise bad_param(f"masks[{k2!r}]", f"shape {b.shape}",
                            f"{a.shape[1]} inputs, the outputs of {k!r}: a chain of layers "
                            "in the order they are applied")
    rows = []
    for i, (k, a) in enumerate(zip(keys, arrays)):
        fed = a.any(axis=0)
        feeds = arrays[i + 1].any(axis=1) if i + 1 < len(arrays) else np.ones_like(fed)
        rows.append({"layer": k, "units": a.shape[1], "fed": int(fed.sum()),
                     "alive": int((fed & feeds).sum()), "cut off": int((~fed).sum())})
    return pd.DataFrame(rows).set_index("layer")


def mask_distances(store, exp_a, exp_b, branch_a="main", branch_b="main", replicate=0,
                   rounds=None):
    """`mask_distance` of the total masks, round by round, for two stored experiments (or
    two branches of one): one row per round both have stored."""
    rows = []
    last = min(exp_a.search.last_round, exp_b.search.last_round)
    for r in rounds if rounds is not None else range(1, last + 1):
        a = store.masks(exp_a, replicate, branch_a, r)
        b = store.masks(exp_b, replicate, branch_b, r)
        if a is None or b is None:
            continue
        total = mask_distance(a, b).loc["total"]
        rows.append({"round": r, "% remaining": 100 * total["kept_a"] / total["size"],
                     **{k: total[k] for k in ("overlap", "overlap_chance", "jaccard",
                                              "jaccard_chance", "hamming", "hamming_chance")}})
    return pd.DataFrame(rows).set_index("round") if rows else pd.DataFrame()


def masks_against(store, reference, exps, round_, replicates=(0,)):
    """How close each experiment's mask at pruning round `round_` is to `reference`'s at the
    same round: `mask_distance`'s totals, averaged over the `replicates` both have stored,
    one row per label of `exps` (a dict label -> experiment) with any; the row's
    `replicates` says over how many. A label with none is left out."""
    rows = []
    for label, exp in exps.items():
        found = [mask_distances(store, reference, exp, replicate=r, rounds=[round_])
                 for r in replicates]
        found = [f for f in found if not f.empty]
        if found:
            rows.append({"masks": label, **pd.concat(found).mean().to_dict(),
                         "replicates": len(found)})
    return pd.DataFrame(rows).set_index("masks") if rows else pd.DataFrame()


def by_mask_epoch(table, exps, rounds, metric=ACC):
    """The early tickets' view (E7): `metric` at each of `rounds` against the epoch each
    experiment's masks were taken after (`mask_after`, in epochs), mean, min and max over
    replicates. `exps` maps the table's variants to their experiments; one whose masks come
    from the trained weights (`mask_after` None) gets `mask_epoch` NaN, the reference the
    early masks are measured against. The main branch only."""
    from lthkit import durations
    from lthkit._errors import bad_param
    epochs = {}
    for name, exp in exps.items():
        after = None if exp.search.mask_after is None else durations.parse(exp.search.mask_after)
        if after is not None and after.unit != "ep":
            raise bad_param("mask_after", str(after), 'a duration in epochs (such as "3ep") '
                            "for this view")
        epochs[name] = np.nan if after is None else float(after.amount)
    g = pd.concat([level_means(table, metric, variant=name).assign(variant=name)
                   for name in epochs if name in set(table["variant"])], ignore_index=True)
    g = g[g["round"].isin(list(rounds))].copy()
    g["mask_epoch"] = g["variant"].map(epochs)
    return g.sort_values(["round", "mask_epoch"]).reset_index(drop=True)


# -- text --------------------------------------------------------------------------------------
def markdown_table(df, index=True):
    """A DataFrame as a Markdown table (index first unless `index=False`). Cells are plain
    text: `<pad>` stays `<pad>` on the page instead of being taken for an HTML tag."""
    import html

    def cell(value):
        return html.escape(str(value), quote=False).replace("|", "\\|")
    cols = ([df.index.name or ""] if index else []) + list(df.columns)
    lines = ["| " + " | ".join(map(cell, cols)) + " |", "|" + "---|" * len(cols)]
    for idx, row in df.iterrows():
        cells = ([idx] if index else []) + list(row)
        lines.append("| " + " | ".join(map(cell, cells)) + " |")
    return "\n".join(lines)


def describe(exp):
    """The settings of an experiment as a two-column table (for a chapter to display)."""
    from lthkit import durations
    t, p, s, d = exp.train, exp.prune, exp.search, exp.data
    rows = [
        ("model", f"{exp.model.name} {exp.model.kwargs or ''}".strip()),
        ("data", f"{d.name}: train {d.n_train or 'all'}, validation {d.validation}, "
                 f"test {d.n_test or 'all'} {d.kwargs or ''}".strip()),
        ("training", f"{t.optimizer} lr {t.learning_rate:g}, batch {t.batch_size}, "
                     f"{durations.describe(t.training)}, evaluated every "
                     f"{durations.describe(t.eval_every)}, batches: {t.batching}"),
        ("pruning", f"{s.mode}, {p.strategy}, rates {p.rates}, criterion {p.criterion}"),
        ("rounds", f"{s.rounds} (down to {_remaining_label(p.rates, s.rounds)})"),
        ("rewind", "to the initialization" if durations.parse(s.rewind).amount == 0
         else f"to the weights after {durations.describe(s.rewind)}"),
        ("mask from", "the trained weights" if s.mask_after is None
         else f"the weights after {durations.describe(s.mask_after)}"),
        ("controls", ", ".join(s.controls) or "none"),
        ("replicates", f"{s.replicates} (seeds {s.seed}..{s.seed + s.replicates - 1})"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"]).set_index("setting")


def _remaining_label(rates, rounds):
    from lthkit.pruning import kept_after_rounds
    million = 10 ** 6
    if isinstance(rates, dict):
        return ", ".join(f"{k} {100 * kept_after_rounds(million, r, rounds) / million:.1f} %"
                         for k, r in rates.items())
    return f"{100 * kept_after_rounds(million, rates, rounds) / million:.1f} % of the weights"


# -- text ----------------------------------------------------------------------------------
def layer_sizes(layers):
    """Prunable weights per layer, from `{key: {"shape", "kind"}}` (a stored run's `layers`
    or `pruning.layer_shapes(model)`): weights and share of all prunable weights."""
    rows = [{"layer": k, "kind": v["kind"], "shape": " x ".join(map(str, v["shape"])),
             "weights": int(np.prod(v["shape"]))} for k, v in layers.items()]
    frame = pd.DataFrame(rows).set_index("layer")
    frame["share (%)"] = 100 * frame["weights"] / frame["weights"].sum()
    return frame


def word_survival(embedding_mask, vocab, x, y, smoothing=1.0, test_texts=None):
    """What a ticket keeps of each word's embedding row, next to how the word is used.

    One row per word (ids 2.. of `vocab`): `count` (occurrences in the token-id texts `x`),
    `rank` (1 = most frequent in `x`), `kept` (fraction of its embedding row the mask keeps),
    and how strongly it points to a class: for each class the smoothed log-odds of the word
    in that class's texts against the others' (a word's share of the class's tokens over its
    share of the other classes' tokens, plus `smoothing`), `log_odds` for the class it points
    to most, `strength` = |log_odds| and `class` (that class's index). With `test_texts`
    (token ids of other texts, e.g. the test split), `test_count` counts the word there: a
    word telling in training but absent from the test texts helps only to memorize.
    """
    x, y = np.asarray(x), np.asarray(y)
    v = len(vocab)
    classes = np.unique(y)
    counts = np.stack([np.bincount(x[y == c].reshape(-1), minlength=v) for c in classes])
    counts[:, :2] = 0  # <pad>, <unk>
    totals = counts.sum(axis=1, keepdims=True)
    rest = counts.sum(axis=0, keepdims=True) - counts
    rest_totals = totals.sum() - totals
    odds = (np.log((counts + smoothing) / (totals + smoothing * v))
            - np.log((rest + smoothing) / (rest_totals + smoothing * v)))
    strongest = np.argmax(odds, axis=0)  # the class the word points to
    word_ids = np.arange(2, v)
    frame = pd.DataFrame({
        "id": word_ids, "word": [vocab[i] for i in word_ids],
        "count": counts.sum(axis=0)[word_ids],
        "kept": np.asarray(embedding_mask, bool)[word_ids].mean(axis=1),
        "log_odds": odds[strongest[word_ids], word_ids],
        "class": classes[strongest[word_ids]]})
    frame["strength"] = frame["log_odds"].clip(lower=0)
    frame["rank"] = frame["count"].rank(ascending=False, method="first").astype(int)
    if test_texts is not None:
        frame["test_count"] = np.bincount(np.asarray(test_texts).reshape(-1),
                                          minlength=v)[word_ids]
    return frame.set_index("id")


def binned_means(frame, x, y, bins=12, log=False):
    """Mean of `y` in bins of `x` (equal-width, or log-spaced with `log`): bin centre, mean,
    count. For trend lines over many scattered points."""
    values = frame[x].to_numpy(dtype=float)
    lo, hi = values.min(), values.max()
    edges = (np.geomspace(max(lo, 1e-9), hi, bins + 1) if log else np.linspace(lo, hi, bins + 1))
    which = np.clip(np.digitize(values, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            centre = np.sqrt(edges[b] * edges[b + 1]) if log else (edges[b] + edges[b + 1]) / 2
            rows.append({x: centre, y: float(frame[y].to_numpy()[inside].mean()),
                         "words": int(inside.sum())})
    return pd.DataFrame(rows)


def fitting(curves):
    """How each branch fits the training data and how it generalizes, per level.

    `curves` is `ResultStore.curves` (evaluations of training and validation loss over
    iterations). One row per branch and round, means over replicates: % of weights
    remaining, the early-stop point (the evaluation with the lowest validation loss), the
    training and validation loss there, the validation loss at the end of training, and
    `overfit`, how far the validation loss rose after the early stop (end minus lowest).
    A branch that reaches a low training loss early and then sees its validation loss climb
    is memorizing the training set."""
    c = curves.dropna(subset=["val_loss"])
    if c.empty:
        return pd.DataFrame()
    keys = ["branch", "round", "replicate"]
    best = c.loc[c.groupby(keys)["val_loss"].idxmin()].set_index(keys)
    last = c.loc[c.groupby(keys)["iteration"].idxmax()].set_index(keys)
    per = pd.DataFrame({
        "percent_remaining": best["percent_remaining"],
        "early_stop_iteration": best["iteration"],
        "train_loss_at_early_stop": best["train_loss"],
        "val_loss_at_early_stop": best["val_loss"],
        "val_loss_at_end": last["val_loss"]})
    per["overfit"] = per["val_loss_at_end"] - per["val_loss_at_early_stop"]
    out = per.groupby(["branch", "round"]).mean().reset_index()
    out.insert(0, "series", out["branch"].map(dict(BRANCH_NAMES)).fillna(out["branch"]))
    return out


FIT_NAMES = {"early_stop_iteration": "early-stop iteration",
             "train_loss_at_early_stop": "training loss at early stop",
             "val_loss_at_early_stop": "lowest validation loss",
             "val_loss_at_end": "validation loss at the end",
             "overfit": "its rise by the end of training"}


def fitting_table(fit, values=("val_loss_at_early_stop", "overfit"), digits=3):
    """`fitting`'s rows as a table to read: one row per % of weights remaining (densest
    first), a column per value and series, named in words (`FIT_NAMES`); "—" where a series
    has no such level (a control at 100 %)."""
    unknown = [v for v in values if v not in FIT_NAMES]
    if unknown:
        from lthkit._errors import bad_param
        raise bad_param("values", unknown, f"columns of `fitting`: {', '.join(FIT_NAMES)}")
    t = (fit.round({"percent_remaining": 1})
         .pivot_table(index="percent_remaining", columns="series", values=list(values))
         .reindex(columns=list(values), level=0)
         .rename(columns=FIT_NAMES)
         .rename_axis("% of weights remaining").sort_index(ascending=False).round(digits))
    # the controls have no dense level of their own: "—" there, not NaN
    return t.astype(object).where(t.notna(), "—")


GATES = ("input", "forget", "cell", "output")  # Keras' order of an LSTM kernel's 4 blocks


def lstm_gate_sparsity(store, exp, replicate=0, branch="main", rounds=None):
    """What pruning keeps of each LSTM gate: one row per (round, layer, direction, kernel,
    gate) with the kept fraction. An LSTM kernel holds the four gates side by side (input,
    forget, cell, output: each `units` columns); `kernel` is "input" (from the layer below)
    or "recurrent" (from the previous step). Default `rounds`: the trained levels, 1 to the
    experiment's last (the next level's mask, already drawn, is left out, as in
    `ticket_init`)."""
    rows = []
    for r in rounds if rounds is not None else range(1, exp.search.rounds + 1):
        masks = store.masks(exp, replicate, branch, r)
        if masks is None:
            continue
        for key, mask in masks.items():
            if not key.endswith(("/kernel", "/recurrent_kernel")) or "lstm" not in key:
                continue
            parts = key.split("/")
            units = mask.shape[1] // 4
            for g, gate in enumerate(GATES):
                block = mask[:, g * units:(g + 1) * units]
                rows.append({"round": r, "layer": parts[0],
                             "direction": "backward" if "backward" in key else "forward",
                             "kernel": "recurrent" if parts[-1] == "recurrent_kernel"
                             else "input", "gate": gate, "kept": float(block.mean())})
    return pd.DataFrame(rows)


def weight_group(key, kind):
    """A readable group for a masked weight: LSTM kernels split into input and recurrent
    ones, everything else by its layer kind ("embedding", "conv", "output", ...)."""
    if key.endswith("/recurrent_kernel"):
        return "recurrent kernels"
    if "lstm" in key and key.endswith("/kernel"):
        return "LSTM input kernels"
    return kind


def ticket_init(store, exp, init, replicate=0, rounds=None, trained=None):
    """How the weights a ticket keeps started out, against all the weights of their layer.

    `init` is the replicate's initialization keyed like the masks (`StoredRun.
    initial_weights`). One row per trained level (default: rounds 1 to the experiment's
    last; the next level's mask, already drawn, is left out) and masked weight: `group`
    (`weight_group`), `kept` (fraction the ticket's mask keeps) and `magnitude`, the mean
    |initial weight| the mask keeps over the mean of the whole layer. Random
    reinitialization trains the same mask with a fresh draw from the same initializer,
    whose ratio is 1 by construction; above 1 the ticket starts with larger weights than
    its control. With `trained` (the
    dense round's trained weights, same keys), `same_sign_kept` and `same_sign_all` are the
    fractions of the kept and of all weights whose initial sign training kept."""
    rows = []
    kinds = {k: v["kind"] for k, v in store.layers(exp).items()}
    for r in rounds if rounds is not None else range(1, exp.search.rounds + 1):
        masks = store.masks(exp, replicate, "main", r)
        if masks is None:
            continue
        for key, mask in masks.items():
            mask = np.asarray(mask, bool)
            w = np.abs(np.asarray(init[key], dtype=np.float64))
            row = {"round": r, "layer": key, "group": weight_group(key, kinds.get(key, "")),
                   "kept": float(mask.mean()),
                   "magnitude": float(w[mask].mean() / w.mean()) if mask.any() else np.nan}
            if trained is not None:
                same = np.sign(init[key]) == np.sign(trained[key])
                row.update(same_sign_kept=float(same[mask].mean()) if mask.any() else np.nan,
                           same_sign_all=float(same.mean()))
            rows.append(row)
    return pd.DataFrame(rows)


def head_starts(runs, percent=10.7, replicate=0):
    """`ticket_init` of several stored runs side by side, at each run's level nearest
    `percent` % of the weights kept: one row per run and group of weights with the mean
    magnitude ratio over the group's layers (`percent_kept`: the level's mean over layers).
    `runs` maps a name to a `StoredRun` (None: not stored, left out); a run whose
    initialization this machine or backend cannot rebuild is left out with the warning
    `StoredRun.initial_weights` gives."""
    rows = []
    for name, run in runs.items():
        init = run.initial_weights(replicate) if run is not None else None
        if init is None:
            continue
        f = ticket_init(run.store, run.exp, init, replicate)
        kept = f.groupby("round")["kept"].mean()
        r = (np.log(kept) - np.log(percent / 100)).abs().idxmin()
        at = f[f["round"] == r].groupby("group")["magnitude"].mean()
        rows += [{"run": name, "group": g, "percent_kept": round(100 * kept[r], 1),
                  "magnitude": m} for g, m in at.items()]
    return pd.DataFrame(rows, columns=["run", "group", "percent_kept", "magnitude"])


def prunability(runs, store=None, metric=ACC, source=""):
    """How far each network prunes before losing its own dense accuracy.

    `runs` maps a name (e.g. ("text_cnn", "imdb")) to a results table, a stored run
    (anything with a `.table` and a `.source`) or an experiment whose table `store` holds
    (`source` labels tables given directly). One row per
    name: where the numbers come from (a stored run's folder), the dense accuracy, the
    sparsest % of weights remaining at which the ticket is still at or above it ("ticket ≥
    dense to"), the deepest level run, the best ticket's gain over the dense network, and
    the same "≥ dense to" for each control branch the run has. Names without results (or
    given as None) are left out.
    """
    rows = []
    for name, run in runs.items():
        if run is None:
            continue
        if isinstance(run, pd.DataFrame):
            table, where = run, source
        elif hasattr(run, "table"):
            # its folder: the rest of its label (profile, replicates) is on its charts
            folder = getattr(run, "folder", None)
            table, where = run.table, folder.name if folder is not None else run.source
        else:
            table = store.table(run) if store is not None else pd.DataFrame()
            where = f"{store.experiment_dir(run).name} (not committed)" if store else ""
        if table.empty:
            continue
        base, std, n = dense(table, metric)
        levels = level_means(table, metric, "main")
        pruned = levels[levels["round"] > 0]
        best = pruned.loc[pruned["mean"].idxmax()] if len(pruned) else None
        # short headers, so the table fits a page: "≥ dense to" is "at or above the dense
        # accuracy down to this % of the weights remaining"
        row = {"network": " / ".join(map(str, name)) if isinstance(name, tuple) else name,
               "from": where, "dense (%)": round(100 * base, 2),
               "ticket ≥ dense to (%)": round(sparsest_at_dense(table, "main", metric), 2),
               "deepest level (%)": round(float(levels["percent_remaining"].min()), 2),
               "best ticket − dense (pp)": (round(100 * (best["mean"] - base), 2)
                                            if best is not None else None)}
        for control in ("reinit", "random"):
            if control in set(table["branch"]):
                row[f"{control} ≥ dense to (%)"] = round(
                    sparsest_at_dense(table, control, metric), 2)
        rows.append(row)
    if not rows:
        return pd.DataFrame()
    # a control one run lacks is "—" (not run), not NaN
    return pd.DataFrame(rows).set_index("network").astype(object).fillna("—")


def takeaway(table, metric=ACC, variant=None):
    """The numbers a chapter's first paragraph states about a run, computed, never typed.

    Returns a dict: `dense` (mean, std, n) of `metric`; `sparsest` (% remaining of the
    deepest level); per branch present (`main`, `reinit`, `random`) under `branches`:
    `down_to` (sparsest % remaining at or above dense, 100.0 where no pruned level is),
    `best` (the largest mean minus dense, in the metric's unit) and `best_at` (its %
    remaining), `at_sparsest` (the mean at the deepest level that branch reached) and
    `sparsest` (that level's % remaining); and `vs_reinit` (min, max) of the ticket's mean
    minus its random reinitialization's over the levels both have (None without one)."""
    base, std, n = dense(table, metric, variant)
    out = {"dense": (base, std, n), "branches": {}}
    means = {b: level_means(table, metric, b, variant) for b in ("main", "reinit", "random")
             if b in set(table["branch"])}
    for branch, levels in means.items():
        pruned = levels[levels["round"] > 0]
        if pruned.empty:
            continue
        best = pruned.loc[pruned["mean"].idxmax()]
        deepest = pruned.loc[pruned["round"].idxmax()]
        out["branches"][branch] = {
            "down_to": sparsest_at_dense(table, branch, metric, variant=variant),
            "best": float(best["mean"] - base), "best_at": float(best["percent_remaining"]),
            "at_sparsest": float(deepest["mean"]),
            "sparsest": float(deepest["percent_remaining"])}
    out["sparsest"] = float(means["main"]["percent_remaining"].min())
    out["vs_reinit"] = None
    if "reinit" in out["branches"]:
        both = means["main"].merge(means["reinit"], on="round")
        both = both[both["round"] > 0]
        if len(both):
            gap = both["mean_x"] - both["mean_y"]
            out["vs_reinit"] = (float(gap.min()), float(gap.max()))
    return out


def with_cost(table, modes):
    """The table with `training_iterations`: the training it took to reach each level.

    `modes` maps each variant to "iterative" or "oneshot" (or is one mode for a table
    without variants). Iterative pruning trains once per round, so level r costs rounds
    0..r; one-shot pruning trains the dense network and then the level itself: two trainings.
    Iterations are the means over replicates of each round's own.
    """
    t = table.copy()
    per_round = t.groupby(["variant", "round"] if "variant" in t else ["round"])["iterations"]
    mean = per_round.mean()
    costs = []
    for row in t.itertuples():
        variant = getattr(row, "variant", None)
        mode = modes[variant] if isinstance(modes, dict) else modes
        key = (lambda r: (variant, r)) if "variant" in t else (lambda r: r)
        dense_cost = mean[key(0)]
        if row.round == 0:
            costs.append(dense_cost)
        elif mode == "oneshot":
            costs.append(dense_cost + mean[key(row.round)])
        else:
            costs.append(sum(mean[key(r)] for r in range(0, row.round + 1)))
    t["training_iterations"] = costs
    return t


def ticket_grid(table, sparsities, variants=None, metric=ACC, branches=("main", "reinit")):
    """"ticket / reinit" accuracies (%) at each sparsity of `sparsities` (in %, as [TXT]
    gives them), one column per variant, as [TXT]'s week-11 grid; "not reached" where a run
    has no level within a round of it. Rows are labelled by % of the weights remaining, the
    book's one convention (a sparsity of 36 % is the row "64 %")."""
    names = variants or (list(table["variant"].unique()) if "variant" in table else [None])
    rows = {}
    for s in sparsities:
        row = {}
        for v in names:
            cells = []
            for b in branches:
                t = table if v is None else table[table["variant"] == v]
                if t.empty or b not in set(t["branch"]):
                    cells.append("—")
                    continue
                level = at_level(t, 100 - s, metric, b)
                near = max(level["percent_remaining"], 100 - s) / min(level["percent_remaining"],
                                                                      100 - s) <= 1.25
                cells.append(f"{100 * level['mean']:.2f}" if near else "not reached")
            row[v or "ours"] = " / ".join(cells)
        rows[f"{100 - s:.3g} %"] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "% of weights remaining"
    return frame


def common_replicates(table):
    """The rows of the replicates every variant of `table` has: a chart of variants that ran
    different numbers of replicates would otherwise start "the same dense network" at a
    different mean in each (replicate 0 alone in one, the mean of 0 and 1 in another)."""
    if "variant" not in table or table.empty:
        return table
    shared = set.intersection(*(set(g["replicate"]) for _, g in table.groupby("variant")))
    return table[table["replicate"].isin(shared)]


def barrier_summary(table):
    """`stability.instability_table`'s rows read as a table: one row per rewind point (in the
    order the table has them) and level, with its % of weights remaining, the error barrier
    (mean, min and max over replicates, in points of test error) and the mean error of the
    two copies at the ends of the path (%)."""
    if table.empty:
        return pd.DataFrame()
    t = table.assign(barrier=100 * table["barrier"], end_error=100 * table["end_error"])
    g = t.groupby(["label", "round"], sort=False).agg(
        remaining=("percent_remaining", "mean"), barrier=("barrier", "mean"),
        barrier_min=("barrier", "min"), barrier_max=("barrier", "max"),
        end_error=("end_error", "mean"), replicates=("barrier", "size"))
    g = g.rename(columns={"remaining": "% remaining", "barrier": "barrier (points)",
                          "barrier_min": "min", "barrier_max": "max",
                          "end_error": "end error (%)"})
    return g.rename_axis(["rewind point", "round"]).round(3)


# the lines `pai_combined` adds beside the pruning-at-initialization methods
PAI_IMP, PAI_RANDOM = "IMP (after training)", "random pruning"
# `pai_answers`' margins and ablation changes (points), in the order a page says them
PAI_MARGINS = ("vs random pruning (pp)", "vs IMP's ticket (pp)", "shuffled: change (pp)",
               "new weights: change (pp)")


def pai_combined(pai, imp):
    """Pruning at initialization beside IMP, as one table with a `variant` per line of a
    chart: `pai` is the table of `variants(search.pai_sweep(...))` (a variant per method;
    branches main, shuffle, reinit), `imp` the iterative search's table. IMP's ticket and
    its reinitialization become variant "IMP (after training)", its random pruning (random
    masks at initialization with the ticket's per-layer counts) variant "random pruning",
    whose branch is then "main", with the dense round 0 so its line starts at 100 %."""
    imp = imp.drop(columns="variant", errors="ignore")
    dense = imp[(imp["branch"] == "main") & (imp["round"] == 0)]
    parts = [pai, imp[imp["branch"].isin(["main", "reinit"])].assign(variant=PAI_IMP)]
    if "random" in set(imp["branch"]):
        parts += [dense.assign(variant=PAI_RANDOM),
                  imp[imp["branch"] == "random"].assign(branch="main", variant=PAI_RANDOM)]
    return pd.concat(parts, ignore_index=True)


def ablation_gaps(table, metric=ACC, ablations=("shuffle", "reinit"), pai_span=False):
    """How much each method's mask loses to its ablations: per variant, ablation and level,
    the mask's accuracy minus the ablation's on the same replicate (points), mean, min and
    max over replicates. [FDRC21]: about zero for pruning at initialization (only the
    per-layer sparsities matter), clearly positive for IMP's reinitialization.
    `pai_span`: keep IMP's levels (`PAI_IMP`) only from the least to the most sparse level
    the other methods reached, so that IMP's far sparser rounds do not set a chart's axes."""
    rows = []
    keys = ["variant"] if "variant" in table else []
    for key, t in (table.groupby(keys) if keys else [((None,), table)]):
        variant = key[0] if isinstance(key, tuple) else key
        main = t[t["branch"] == "main"].set_index(["replicate", "round"])
        for ablation in ablations:
            other = t[t["branch"] == ablation].set_index(["replicate", "round"])
            both = main[[metric, "percent_remaining"]].join(other[[metric]], rsuffix="_x",
                                                          how="inner")
            if both.empty:
                continue
            both["gap"] = 100 * (both[metric] - both[f"{metric}_x"])
            for r, g in both.groupby(level="round"):
                rows.append({"variant": variant, "ablation": BRANCH_NAMES.get(ablation,
                                                                                ablation),
                             "round": int(r),
                             "percent_remaining": float(g["percent_remaining"].mean()),
                             "gap": float(g["gap"].mean()), "gap_min": float(g["gap"].min()),
                             "gap_max": float(g["gap"].max()), "replicates": len(g)})
    gaps = pd.DataFrame(rows, columns=["variant", "ablation", "round", "percent_remaining",
                                       "gap", "gap_min", "gap_max", "replicates"])
    others = gaps.loc[~gaps["variant"].isin([PAI_IMP, PAI_RANDOM]), "percent_remaining"]
    if pai_span and len(others):  # 3 %: IMP's level and a method's differ by a few weights
        inside = gaps["percent_remaining"].between(others.min() / 1.03, others.max() * 1.03)
        gaps = gaps[inside | (gaps["variant"] != PAI_IMP)].reset_index(drop=True)
    return gaps


def kept_by_rank(masks, vocab, x, y, bins=10, scored=None):
    """What each method's mask keeps of the embedding, by word frequency: `masks` is
    {method: embedding mask}; returns (binned, summary). `binned`: per method, the mean
    fraction of a word's row kept in log-spaced bins of its frequency rank in the texts `x`
    (`word_survival`); `summary`: per method, the share of the table kept for the 1,000
    most frequent words and for the rest, and the Spearman correlation of a word's kept
    fraction with its rank (negative: frequent words kept more). `scored`: {method: the
    token ids of the batches its criterion scored (SNIP, GraSP)}: then also how many words
    those batches hold, and the share kept of their rows and of every other word's (whose
    gradient there is exactly zero); "—" for a method not in it."""
    binned, summary = [], []
    scored = scored or {}
    for method, mask in masks.items():
        words = word_survival(mask, vocab, x, y)
        b = binned_means(words, "rank", "kept", bins=bins, log=True)
        binned.append(b.assign(method=method))
        top = words["rank"] <= 1000
        row = {"method": method,
               "kept, 1,000 most frequent words (%)": 100 * words.loc[top, "kept"].mean(),
               "kept, the other words (%)": 100 * words.loc[~top, "kept"].mean(),
               "kept, all (%)": 100 * words["kept"].mean(),
               "Spearman (kept, rank)": words[["kept", "rank"]].corr("spearman")
               .loc["kept", "rank"]}
        if scored:
            seen = words.index.isin(np.unique(np.asarray(scored[method]))) \
                if method in scored else None
            row.update({"words in the scored batches": np.nan if seen is None else
                        int(seen.sum()),
                        "kept, those words (%)": np.nan if seen is None else
                        100 * words.loc[seen, "kept"].mean(),
                        "kept, words not in them (%)": np.nan if seen is None else
                        100 * words.loc[~seen, "kept"].mean()})
        summary.append(row)
    summary = pd.DataFrame(summary).set_index("method") if summary else pd.DataFrame()
    if "words in the scored batches" in summary:  # a count: no decimals in a styled table
        summary["words in the scored batches"] = summary["words in the scored batches"] \
            .astype("Int64")
    return pd.concat(binned, ignore_index=True) if binned else pd.DataFrame(), summary


def top_words(x, vocab_size, top=1000):
    """The ids of the `top` most frequent words in the token-id texts `x`, most frequent
    first (<pad> and <unk>, ids 0 and 1, are no words; ties go by id, as `word_survival`'s
    rank)."""
    counts = np.bincount(np.asarray(x).reshape(-1), minlength=vocab_size)[:vocab_size]
    counts = counts.astype(np.int64)
    counts[:2] = -1
    return np.argsort(-counts, kind="stable")[:max(0, min(top, vocab_size - 2))]


def words_and_ablation(table, rows, metric=ACC, ablation="shuffle"):
    """Whether an ablation's gain in accuracy goes with the words a mask lets the network
    read. `rows`: one row per stored mask, columns variant, branch, round, replicate and one
    or more measures of its embedding (e.g. the share of the most frequent words' rows it
    keeps, `top_words`). Per variant and level, over the replicates where both the mask
    (branch main) and its `ablation` are trained, two rows ("mask" and the ablation's name):
    each measure, the accuracy (%) and, on the ablation's row, its gain over the mask (its
    accuracy minus the mask's, points); all means over those replicates."""
    keys = ["variant", "branch", "round", "replicate"]
    measures = [c for c in rows.columns if c not in keys]
    both = rows[rows["branch"].isin(["main", ablation])].merge(
        table[keys + [metric, "percent_remaining"]], on=keys)
    names = {"main": "mask", ablation: BRANCH_NAMES.get(ablation, ablation)}
    out = []
    for (variant, _), g in both.groupby(["variant", "round"], sort=False):
        wide = g.pivot_table(index="replicate", columns="branch",
                             values=measures + [metric]).dropna()
        if wide.empty or set(names) - set(wide[metric].columns):
            continue
        gain = 100 * (wide[(metric, ablation)] - wide[(metric, "main")]).mean()
        for branch, name in names.items():
            out.append({"variant": variant,
                        "% remaining": float(g["percent_remaining"].mean()),
                        "branch": name,
                        **{c: wide[(c, branch)].mean() for c in measures},
                        "accuracy (%)": 100 * wide[(metric, branch)].mean(),
                        "gain (points)": gain if branch == ablation else np.nan})
    return pd.DataFrame(out, columns=["variant", "% remaining", "branch", *measures,
                                      "accuracy (%)", "gain (points)"])


def kept_per_layer(masks):
    """The share (%) of each masked weight a mask keeps: `masks` is {method: {key: mask}};
    one row per method, one column per weight (in the first mask's order; named by its layer,
    "conv3" for "conv3/kernel", where the layers' names tell the weights apart) and "all"
    (the share of every masked weight). Read from the masks alone: a one-shot run's masks
    can be read before their rounds train."""
    rows = {}
    for method, mask in masks.items():
        row = {key: 100 * float(np.mean(m)) for key, m in mask.items()}
        row["all"] = 100 * sum(int(np.count_nonzero(m)) for m in mask.values()) / sum(
            np.size(m) for m in mask.values())
        rows[method] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    short = [c.rsplit("/", 1)[0] for c in frame.columns]
    return frame.set_axis(short, axis=1) if len(set(short)) == len(short) else frame


def pai_answers(table, percents, metric=ACC, slack=1.1):
    """[FDRC21]'s two questions, answered per line of `pai_combined`'s table at each level
    of `percents` (% of the weights remaining; a line without a level within a factor
    `slack` of it is left out): its accuracy (%, mean over replicates, and their number),
    its margin over random pruning and over IMP's ticket (points, means against means), and
    what each ablation changes (points: the mask's accuracy minus the ablation's on the same
    replicate, mean; `ablation_gaps`). For IMP's ticket the ablation is its random
    reinitialization. One row per (level asked, line), in the table's order of lines; "%
    remaining" is the line's own level there."""
    main = table[table["branch"] == "main"]
    gaps = ablation_gaps(table, metric)
    rows = []
    for pct in percents:
        level = {}
        for v in main["variant"].unique():
            row = at_level(main, pct, metric, "main", v)
            p = float(row["percent_remaining"])
            if max(p, pct) / min(p, pct) <= slack:
                level[v] = row
        for v, row in level.items():
            out = {"level": pct, "% remaining": float(row["percent_remaining"]), "line": v,
                   "accuracy (%)": 100 * float(row["mean"]), "n": int(row["n"])}
            for other, column in ((PAI_RANDOM, "vs random pruning (pp)"),
                                  (PAI_IMP, "vs IMP's ticket (pp)")):
                out[column] = (100 * float(row["mean"] - level[other]["mean"])
                               if other in level and other != v else np.nan)
            for ablation, column in (("shuffle", "shuffled: change (pp)"),
                                     ("reinit", "new weights: change (pp)")):
                g = gaps[(gaps["variant"] == v) &
                         (gaps["ablation"] == BRANCH_NAMES.get(ablation, ablation))]
                near = g[np.isclose(np.log(g["percent_remaining"]),
                                    np.log(out["% remaining"]), atol=np.log(slack))]
                # the change the ablation makes: its accuracy minus the mask's
                out[column] = -float(near["gap"].iloc[0]) if len(near) else np.nan
            rows.append(out)
    return pd.DataFrame(rows, columns=["level", "% remaining", "line", "accuracy (%)", "n",
                                       *PAI_MARGINS])


def pai_cost(table, seconds=None, percent=None, metric=ACC):
    """What each line of `pai_combined`'s table paid for its mask at the level nearest
    `percent` % remaining (default: the sparsest level every pruning-at-initialization
    variant reached): trainings (pruning at initialization and random pruning: the level's
    own; IMP: the dense network and every round up to the level), their seconds (the mean
    `train_seconds` of those rounds over replicates), the seconds to cut the mask
    (`seconds`, {variant: s}, e.g. `search.mask_seconds`; IMP's and random pruning's cuts
    are instant), the total in trainings (the cut counted in the line's own trainings, which
    compares where seconds measured at different times on a shared machine do not) and the
    accuracy there (%)."""
    main = table[table["branch"] == "main"]
    # a method with no pruned level trained yet (its run just started) paid nothing so far
    pruned = set(main.loc[main["round"] > 0, "variant"])
    pai = [v for v in main["variant"].unique() if v not in (PAI_IMP, PAI_RANDOM)]
    if not set(pai) & pruned:
        return pd.DataFrame(columns=["% remaining", "trainings", "training (s)",
                                     "cutting the mask (s)", "total (s)", "total (trainings)",
                                     "accuracy (%)"]).rename_axis("method")
    if percent is None:
        percent = max(float(main[(main["variant"] == v) & (main["round"] > 0)]
                            ["percent_remaining"].min()) for v in pai if v in pruned)
    rows = []
    for v in (v for v in main["variant"].unique() if v in pruned):
        t = main[main["variant"] == v]
        level = at_level(t, percent, metric)
        r = int(level["round"])
        per_round = t.groupby("round")["train_seconds"].mean()
        if v == PAI_IMP:
            rounds = [q for q in per_round.index if q <= r]
        else:
            rounds = [r]
        cut = float((seconds or {}).get(v, 0.0))
        trained = float(per_round.reindex(rounds).sum())
        rows.append({"method": v, "% remaining": float(level["percent_remaining"]),
                     "trainings": len(rounds), "training (s)": trained,
                     "cutting the mask (s)": cut, "total (s)": trained + cut,
                     # the cut in trainings of the same run: seconds measured at another
                     # time on a shared machine do not compare, this ratio does
                     "total (trainings)": len(rounds) + cut * len(rounds) / trained
                     if trained > 0 else float(len(rounds)),
                     "accuracy (%)": 100 * float(level["mean"])})
    return pd.DataFrame(rows).set_index("method")


# -- parts of a network, and networks of different sizes ------------------------------------
def remaining_by_part(layers, parts):
    """Remaining weights per part of a network: `layers` is `ResultStore.layer_table` (one
    row per replicate, branch, round and masked weight), `parts` an ordered {part name:
    regular expression}; a weight belongs to the first part whose expression it matches
    (`re.search` on its key, e.g. "attention_0/query/kernel"; the stored "total" row is left
    out). Returns the same columns with
    `layer` the part (so `plots.layer_sparsity` draws it). A weight no part matches is
    refused in one line: a chart that silently dropped it would misstate the whole."""
    import re

    from lthkit._errors import LthkitError
    if layers is None or len(layers) == 0:
        return pd.DataFrame(columns=["replicate", "branch", "round", "layer", "remaining",
                                     "size", "fraction"])
    patterns = {name: re.compile(expr) for name, expr in dict(parts).items()}
    layers = layers[layers["layer"] != "total"]  # the stored sum over all weights
    keys = pd.unique(layers["layer"])
    where = {}
    for key in keys:
        where[key] = next((name for name, p in patterns.items() if p.search(key)), None)
    unmatched = [k for k, v in where.items() if v is None]
    if unmatched:
        raise LthkitError(f"parts: no part matches {', '.join(unmatched)} (parts: "
                          f"{', '.join(patterns)}); add one, e.g. {{'other': '.'}} last.")
    t = layers.assign(layer=layers["layer"].map(where))
    g = t.groupby(["replicate", "branch", "round", "layer"], sort=False)[
        ["remaining", "size"]].sum().reset_index()
    g["fraction"] = g["remaining"] / g["size"].clip(lower=1)
    g["order"] = g["layer"].map({name: i for i, name in enumerate(patterns)})
    return g.sort_values(["replicate", "branch", "round", "order"]).drop(
        columns="order").reset_index(drop=True)


def prunable_weights(layers):
    """How many weights the masks cover, from `{key: {"shape", "kind"}}` (a stored run's
    `ResultStore.layers(exp)` or `pruning.layer_shapes(model)`)."""
    return int(sum(np.prod(v["shape"]) for v in layers.values()))


def across_models(runs):
    """Networks of different sizes on one axis: `runs` is {name: (table, layers)}, each a
    results table (`ResultStore.table`) and its model's masked weights (`layers` as in
    `prunable_weights`). One table with a `variant` column (the name) and
    `weights_remaining`, the prunable weights a level keeps (its share times the model's
    count), so levels compare by how many weights remain rather than by which share."""
    frames = []
    for name, (table, layers) in runs.items():
        if table is None or len(table) == 0:
            continue
        total = prunable_weights(layers)
        t = table.drop(columns=["variant"], errors="ignore").assign(variant=name)
        t["weights_remaining"] = t["percent_remaining"] / 100.0 * total
        frames.append(t)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def parts_at_level(parts, branch="main", round_=None):
    """What each part of a network keeps at one level: `parts` is `remaining_by_part`'s
    table, `round_` the level (None: the deepest round every replicate of `branch` has).
    Returns one row per part, in `parts`' order: `weights` (its size), `share (%)` (of all
    masked weights), `% remaining` (mean over replicates), `min`, `max` and `n`; the
    frame's `attrs` hold `round` and `overall` (% of all weights remaining there)."""
    from lthkit._errors import LthkitError
    t = parts[parts["branch"] == branch]
    if t.empty:
        raise LthkitError(f"parts_at_level: no rows for branch={branch!r} (branches: "
                          f"{', '.join(map(str, pd.unique(parts['branch']))) or 'none'}).")
    if round_ is None:
        round_ = int(t.groupby("replicate")["round"].max().min())
    t = t[t["round"] == round_]
    if t.empty:
        raise LthkitError(f"parts_at_level: round_={round_!r} is not stored for branch "
                          f"{branch!r} (rounds: {sorted(pd.unique(parts['round']))}).")
    per = t.assign(pct=100.0 * t["fraction"]).groupby("layer", sort=False)
    out = pd.DataFrame({"weights": per["size"].first(), "% remaining": per["pct"].mean(),
                        "min": per["pct"].min(), "max": per["pct"].max(),
                        "n": per["pct"].size()})
    out.insert(1, "share (%)", 100.0 * out["weights"] / out["weights"].sum())
    out.index.name = "part"
    reps = t.groupby("replicate")[["remaining", "size"]].sum()
    out.attrs.update(round=round_, overall=float(100.0 * (reps["remaining"] / reps["size"])
                                                 .mean()))
    return out


def at_equal_weights(together, reference, metric=ACC, scale=100.0):
    """Networks of different sizes compared at the same number of remaining weights:
    `together` is `across_models`' table, `reference` the network whose pruned levels set
    the counts. For each of them, every network's mean `metric` (over replicates, its IMP
    ticket) at that count, interpolated linearly in log(weights) between its two nearest
    stored levels; NaN where the count lies outside the levels it has. Columns: `weights
    remaining`, then one per network, the reference first."""
    from lthkit._errors import LthkitError
    names = list(pd.unique(together["variant"])) if len(together) else []
    if reference not in names:
        raise LthkitError(f"at_equal_weights: reference={reference!r} is not in the table "
                          f"(networks: {', '.join(map(str, names)) or 'none'}).")
    curves = {}
    for name in names:
        t = together[(together["variant"] == name) & (together["branch"] == "main")]
        g = t.groupby("round").agg(w=("weights_remaining", "mean"), v=(metric, "mean"))
        curves[name] = g.sort_values("w")
    ref = curves[reference]
    ref = ref[ref.index > 0].sort_index()
    out = pd.DataFrame({"weights remaining": ref["w"].round().astype(int)})
    lx = np.log(ref["w"].to_numpy())
    for name in [reference] + [n for n in names if n != reference]:
        c = curves[name]
        if c.empty:  # a network with no IMP ticket in the table
            out[name] = np.nan
            continue
        x, y = np.log(c["w"].to_numpy()), c["v"].to_numpy() * scale
        inside = (lx >= x.min() - 1e-9) & (lx <= x.max() + 1e-9)
        out[name] = np.where(inside, np.interp(lx, x, y), np.nan)
    return out


def series_gap(table, a, b, metric=ACC, scale=100.0):
    """Line `a` minus line `b`, level by level, over the levels both have trained: `a` and
    `b` are series labels as `level_table(table, by="series")` names its columns ("IMP
    ticket", "rewound to 1ep · IMP ticket", ...). Returns a frame indexed by round with
    `% remaining`, both means, `gap` (points) and `apart` (True where the two lines' bands,
    min to max over replicates, do not overlap), the dense level left out."""
    from lthkit._errors import LthkitError
    s = with_dense_level(table)
    s = s.assign(series=series_labels(s))
    names = list(pd.unique(s["series"]))
    missing = [x for x in (a, b) if x not in names]
    if missing:
        raise LthkitError(f"series_gap: no line {', '.join(map(repr, missing))} (lines: "
                          f"{', '.join(map(str, names))}).")
    g = s[s["round"] > 0].groupby(["round", "series"])[metric].agg(["mean", "min", "max"])
    g = g.mul(scale).unstack("series")
    g = g.reindex(columns=pd.MultiIndex.from_product([["mean", "min", "max"], names]))
    both = g.loc[g[("mean", a)].notna() & g[("mean", b)].notna()]
    out = pd.DataFrame({
        "% remaining": s.groupby("round")["percent_remaining"].mean().loc[both.index],
        a: both[("mean", a)], b: both[("mean", b)]})
    out["gap"] = out[a] - out[b]
    out["apart"] = (both[("max", a)] < both[("min", b)]) | (both[("min", a)] > both[("max", b)])
    return out
