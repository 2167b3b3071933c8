"""Published claims as data, and the ledger that sets our numbers next to them.

Every published number that a chapter compares with is one `Claim` (`PAPERS` lists the
sources the claims cite): where it
comes from, which experiment and metric it is about, at which level of sparsity, its value
and spread, how close counts as agreeing, and what the sentence means. `ledger(table,
claims)` computes our number for each claim from a results table and gives a verdict:

- within: ours agrees with the paper's value (within the claim's tolerance);
- above / below: ours is higher / lower than the paper's value (an accuracy, a gain, a
  ratio), shown as "higher than the paper" / "lower than the paper";
- better / worse: where the claim has a direction (how sparse a ticket stays at the dense
  accuracy, whether a ticket beats the dense network), ours is better / worse than the
  paper's, shown as "better than the paper" / "worse than the paper";
- not reached: our run did not prune far enough to test it (a short run, a quick profile);
- not comparable: our data differ in a way that makes the number meaningless to compare
  (AG News offline is a re-split of the official test rows);
- not run: no results for it yet.

Kinds of claim (what `value` measures):

- "value": the mean of `metric` (in %) for `branch` at the level nearest `level`;
- "sparsest_at_dense": the sparsest % of weights remaining at which `branch`'s mean is at or
  above the dense mean (tolerance: a factor on the level). Where the paper's own run ended
  there, still at dense (`paper_run_ended`), the value is a lower bound: a run of ours that
  also holds to its sparsest level, at or within the tolerance of the paper's, agrees;
- "gain": the ticket's mean minus the dense mean at `level`, in points;
- "ratio": `branch`'s mean over the ticket's at `level` (e.g. early-stop iterations);
- "beats_dense": a qualitative claim that tickets beat the dense network somewhere: ours is
  the best pruned level's mean minus the dense mean (points); it agrees ("within") when
  that is above zero, and is "worse" otherwise;
- "margin": a qualitative comparison at `level`: ours is `branch`'s mean minus that of
  `versus` ("variant:branch" of the same table, e.g. "random pruning:main", or ":shuffle"
  for another branch of the claim's variant), in points; `expect` says what the paper
  found: "above" (agrees when ours > 0), "below" (< 0) or "near" (|ours| <= tolerance).
"""
import math
from dataclasses import dataclass

import pandas as pd

from lthkit import analysis

KINDS = ("value", "sparsest_at_dense", "gain", "ratio", "beats_dense", "margin")
VERDICTS = ("within", "above", "below", "better", "worse", "not reached", "not comparable",
            "not run")
# How a page says each verdict (no arrows: a lower level is a better ticket, not a worse one).
VERDICT_TEXT = {"within": "✓ within", "above": "higher than the paper",
                "below": "lower than the paper", "better": "better than the paper",
                "worse": "worse than the paper", "not reached": "… not reached",
                "not comparable": "≠ not comparable", "not run": "— not run"}
# A verdict needs a run long enough to test a claim: rows from a quick or smoke run (their
# `results` label starts with the profile) are shown without one.
SHORT_RUNS = ("quick profile", "smoke profile")
NO_VERDICT = "no verdict (quick run)"


# A stored run whose rounds are still to come is labelled so (`StoredRun.source`): its
# verdicts are the ones so far, and a page says that with each.
IN_PROGRESS = "(in progress)"
SO_FAR = " so far (run in progress)"


def from_short_run(results):
    """Whether a ledger row's `results` label names a quick or smoke run."""
    return str(results).startswith(SHORT_RUNS)


def from_run_in_progress(results):
    """Whether a ledger row's `results` label names a stored run still in progress."""
    return IN_PROGRESS in str(results)


def shown_verdict(verdict, results):
    """How a page says a row's verdict: `VERDICT_TEXT`; `NO_VERDICT` for a short run's row
    (a 200-iteration run at chance accuracy says nothing about a paper); marked "so far"
    for a run still in progress (one round of ten may not have reached the claim's level)."""
    if verdict in ("not run", "not comparable"):
        return VERDICT_TEXT[verdict]
    if from_short_run(results):
        return NO_VERDICT
    return VERDICT_TEXT.get(verdict, verdict) + (SO_FAR if from_run_in_progress(results)
                                                 else "")


def verdict_counts(ledger):
    """How many rows of `ledger` have each verdict, per experiment (a DataFrame: one row per
    experiment, one column per verdict as a page says it, `shown_verdict`). A verdict from a
    run still in progress is counted with its verdict and said again in brackets: "3 (2 so
    far)"; one column per verdict either way, so the table stays as wide as the verdicts."""
    shown = [shown_verdict(v, r) for v, r in zip(ledger["verdict"], ledger["results"])]
    base = [v[:-len(SO_FAR)] if v.endswith(SO_FAR) else v for v in shown]
    so_far = [v.endswith(SO_FAR) for v in shown]
    d = pd.DataFrame({"experiment": ledger["experiment"], "verdict": base, "so_far": so_far})
    g = d.groupby(["experiment", "verdict"])["so_far"].agg(["size", "sum"])
    cells = [f"{n} ({k} so far)" if k else str(n) for n, k in zip(g["size"], g["sum"])]
    table = pd.Series(cells, index=g.index).unstack(fill_value="0")
    order = [VERDICT_TEXT[v] for v in VERDICTS] + [NO_VERDICT]  # agreement first
    columns = sorted(table.columns, key=lambda c: order.index(c) if c in order else len(order))
    return table[columns].rename_axis(columns="verdict")


LEVEL_SLACK = 1.25  # "at a level": our nearest level may be this factor away (about a round)
ACCURACY = "early_stop_test_accuracy"

# The sources the book cites, by the key a claim's `source` and the chapters use.
PAPERS = {
    "FC19": "Frankle & Carbin, The Lottery Ticket Hypothesis: Finding Sparse, Trainable "
            "Neural Networks, ICLR 2019 (arXiv 1803.03635)",
    "FDRC19": "Frankle, Dziugaite, Roy & Carbin, Stabilizing the Lottery Ticket Hypothesis "
              "(arXiv 1903.01611)",
    "FDRC20": "Frankle, Dziugaite, Roy & Carbin, Linear Mode Connectivity and the Lottery "
              "Ticket Hypothesis, ICML 2020 (arXiv 1912.05671)",
    "YOU20": "You et al., Drawing Early-Bird Tickets, ICLR 2020 (arXiv 1909.11957)",
    "FDRC21": "Frankle, Dziugaite, Roy & Carbin, Pruning Neural Networks at Initialization: "
              "Why are We Missing the Mark?, ICLR 2021 (arXiv 2009.08576)",
    "LAT19": "Lee, Ajanthan & Torr, SNIP: Single-shot Network Pruning based on Connection "
             "Sensitivity, ICLR 2019 (arXiv 1810.02340)",
    "WZG20": "Wang, Zhang & Grosse, Picking Winning Tickets Before Training by Preserving "
             "Gradient Flow (GraSP), ICLR 2020 (arXiv 2002.07376)",
    "TAN20": "Tanaka, Kunin, Yamins & Ganguli, Pruning neural networks without any data by "
             "iteratively conserving synaptic flow (SynFlow), NeurIPS 2020 (arXiv 2006.05467)",
    "ZLLY19": "Zhou, Lan, Liu & Yosinski, Deconstructing Lottery Tickets: Zeros, Signs, and "
              "the Supermask, NeurIPS 2019 (arXiv 1905.01067)",
    "CFC20": "Chen, Frankle, Chang, Liu, Zhang, Wang & Carbin, The Lottery Ticket "
             "Hypothesis for Pre-trained BERT Networks, NeurIPS 2020 (arXiv 2007.12223)",
    "YETM20": "Yu, Edunov, Tian & Morcos, Playing the lottery with rewards and multiple "
              "languages: lottery tickets in RL and NLP, ICLR 2020 (arXiv 1906.02768)",
    "KIM14": "Kim, Convolutional Neural Networks for Sentence Classification, EMNLP 2014",
    "PVD18": "Pappagari, Villalba & Dehak, Joint verification-identification in end-to-end "
             "multi-scale CNN framework for topic identification, ICASSP 2018",
    "UNV20": "Unverzagt, Application of the Lottery Ticket Hypothesis in NLP and Early "
             "Pruning, bachelor thesis, TU Darmstadt, 2020",
    "TXT": "Lottery tickets for text classification, a student study (IMDb and AG News, CNN "
           "and LSTM, PyTorch; github seoyoungh/lottery-ticket-hypothesis-for-text-"
           "classification)",
}


@dataclass(frozen=True)
class Claim:
    id: str
    source: str  # a key of PAPERS: FC19, TXT, ...
    experiment: str  # E1 ... E9, the book's experiments (E1 Lenet, E2 Conv-6, E3 End2End, ...)
    target: str  # which results: a model, dataset and variant, see TARGETS
    kind: str
    value: float
    meaning: str  # the sentence, in our words
    metric: str = ACCURACY
    level: float | None = None  # % of weights remaining the claim is about
    branch: str = "main"
    spread: float | None = None  # the paper's ± where it gives one
    tolerance: float = 0.5  # points (value, gain), a factor (sparsest_at_dense), absolute (ratio)
    official_test_only: bool = False  # not comparable on a re-split of the test rows
    paper_run_ended: bool = False  # sparsest_at_dense: the paper's run stopped at `value`
    note: str = ""
    variant: str | None = None  # the variant of a multi-variant table the claim reads
    versus: str | None = None  # margin: "variant:branch" compared with
    expect: str | None = None  # margin: "above", "below" or "near"

    @property
    def paper(self):
        unit = {"value": " %", "gain": " pp", "ratio": "x", "sparsest_at_dense": " % remaining"}
        if self.kind == "beats_dense":
            return "tickets above dense" + (f" ({self.note})" if self.note else "")
        if self.kind == "margin":
            other = _versus_name(self)
            text = {"above": f"above {other}", "below": f"below {other}",
                    "near": f"within ±{self.tolerance:g} pp of {other}"}[self.expect]
            return text + f" at {self.level:g} % remaining" + (f" ({self.note})" if self.note
                                                               else "")
        text = f"{self.value:g}" + (f" ± {self.spread:g}" if self.spread else "")
        text += unit[self.kind]
        if self.level is not None:
            text += f" at {self.level:g} % remaining"
        return text + (f" ({self.note})" if self.note else "")


def _versus_name(claim):
    variant, _, branch = claim.versus.partition(":")
    if not variant:
        return analysis.BRANCH_NAMES.get(branch, branch)
    return variant if branch == "main" else f"{variant} · {analysis.BRANCH_NAMES.get(branch)}"


def _sparsity(s):
    """% of weights remaining at a sparsity s (in %)."""
    return round(100 - s, 1)


CLAIMS = [
    # E1: Lenet-300-100 on MNIST [FC19], [FDRC19]
    Claim("FC19.lenet.dense", "FC19", "E1", "lenet_300_100", "value", 98.0, spread=0.2,
          tolerance=0.3, level=100, meaning="dense Lenet-300-100 test accuracy"),
    Claim("FC19.lenet.ticket_down_to", "FC19", "E1", "lenet_300_100", "sparsest_at_dense", 3.6,
          tolerance=1.5, meaning="winning tickets stay at or above the dense accuracy down to"),
    Claim("FC19.lenet.reinit_down_to", "FC19", "E1", "lenet_300_100", "sparsest_at_dense",
          21.0, branch="reinit", tolerance=1.5,
          meaning="randomly reinitialized tickets hold the dense accuracy down to "
                  "(they start losing it at about 21 %)"),
    Claim("FC19.lenet.gain", "FC19", "E1", "lenet_300_100", "gain", 0.3, level=13.5,
          tolerance=0.3, meaning="winning tickets gain over the dense network"),
    Claim("FC19.lenet.early_stop", "FC19", "E1", "lenet_300_100", "ratio", 2.51, level=21.0,
          metric="early_stop_iteration", branch="reinit", tolerance=0.5,
          meaning="reinitialized tickets reach their early-stop point later, by a factor of"),
    Claim("FDRC19.lenet.imp", "FDRC19", "E1", "lenet_300_100", "value", 98.3, spread=0.1,
          level=10.7, tolerance=0.3, meaning="IMP tickets at 10.7 % remaining"),
    Claim("FDRC19.lenet.random", "FDRC19", "E1", "lenet_300_100", "value", 97.5, spread=0.3,
          level=10.7, branch="random", tolerance=0.4,
          meaning="a random mask of the same per-layer sparsity at 10.7 % remaining"),
    # E2: Conv-6 on CIFAR-10 [FC19]
    Claim("FC19.conv6.dense", "FC19", "E2", "conv6", "value", 79.0, level=100, tolerance=1.0,
          note="read off a figure: about 78-80", meaning="dense Conv-6 test accuracy"),
    Claim("FC19.conv6.ticket_down_to", "FC19", "E2", "conv6", "sparsest_at_dense", 2.0,
          tolerance=1.5, meaning="winning tickets stay above the dense accuracy down to"),
    Claim("FC19.conv6.gain", "FC19", "E2", "conv6", "gain", 3.3, level=26.4, tolerance=1.0,
          meaning="winning tickets gain over the dense network"),
    Claim("FC19.conv6.early_stop", "FC19", "E2", "conv6", "ratio", 2.5, level=15.1,
          metric="early_stop_iteration", branch="reinit", tolerance=0.5,
          meaning="reinitialized tickets reach their early-stop point later, by a factor of"),
    # E3: the 20 Newsgroups End2End network [UNV20 after PVD18]
    Claim("PVD18.end2end.dense", "PVD18", "E3", "end2end", "value", 86.12, level=100,
          tolerance=1.0, note="with its special loss, which [UNV20] and this book leave out",
          meaning="dense End2End network test accuracy"),
    Claim("UNV20.end2end.dense", "UNV20", "E3", "end2end", "value", 76.0, level=100,
          tolerance=3.0, note="about 10 points below [PVD18]",
          meaning="dense End2End network without the special loss"),
    Claim("UNV20.end2end.down_to", "UNV20", "E3", "end2end", "sparsest_at_dense", 10.7,
          tolerance=1.5, paper_run_ended=True,
          note="about 90 % of the weights removed; the thesis's last round",
          meaning="the pruned networks keep the dense accuracy down to"),
    # E4: Kim's text CNN [TXT]
    Claim("TXT.cnn.imdb.dense_w9", "TXT", "E4", "text_cnn/imdb", "value", 88.88, level=100,
          tolerance=1.0, note="week-9 notes", meaning="dense text CNN on IMDb"),
    Claim("TXT.cnn.imdb.it_full", "TXT", "E4", "text_cnn/imdb", "value", 87.04, level=100,
          tolerance=1.0, meaning="dense text CNN on IMDb (the run that was pruned)"),
    Claim("TXT.cnn.imdb.it_ticket", "TXT", "E4", "text_cnn/imdb", "value", 87.55,
          level=_sparsity(36), tolerance=1.0,
          meaning="the best IMP ticket on IMDb"),
    Claim("TXT.cnn.ag.dense_w9", "TXT", "E4", "text_cnn/ag_news", "value", 89.52, level=100,
          tolerance=1.0, official_test_only=True, note="week-9 notes",
          meaning="dense text CNN on AG News"),
    Claim("TXT.cnn.ag.it_full", "TXT", "E4", "text_cnn/ag_news", "value", 89.18, level=100,
          tolerance=1.0, official_test_only=True,
          meaning="dense text CNN on AG News (the run that was pruned)"),
    Claim("TXT.cnn.ag.it_ticket", "TXT", "E4", "text_cnn/ag_news", "value", 89.56,
          level=_sparsity(89.3), tolerance=1.0, official_test_only=True,
          meaning="the best IMP ticket on AG News"),
    # E5: the 2-layer BiLSTM [TXT]
    Claim("TXT.lstm.imdb.dense_w9", "TXT", "E5", "text_lstm/imdb", "value", 90.54, level=100,
          tolerance=1.0, note="week-9 notes", meaning="dense BiLSTM on IMDb"),
    Claim("TXT.lstm.imdb.it_full", "TXT", "E5", "text_lstm/imdb", "value", 90.60, level=100,
          tolerance=1.0, meaning="dense BiLSTM on IMDb (the run that was pruned)"),
    Claim("TXT.lstm.imdb.it_ticket", "TXT", "E5", "text_lstm/imdb", "value", 90.24,
          level=_sparsity(86.6), tolerance=1.0,
          meaning="the best IMP ticket of the BiLSTM on IMDb"),
    Claim("TXT.lstm.ag.dense_w9", "TXT", "E5", "text_lstm/ag_news", "value", 91.17, level=100,
          tolerance=1.0, official_test_only=True, note="week-9 notes",
          meaning="dense BiLSTM on AG News"),
    Claim("TXT.lstm.ag.it_full", "TXT", "E5", "text_lstm/ag_news", "value", 91.75, level=100,
          tolerance=1.0, official_test_only=True,
          meaning="dense BiLSTM on AG News (the run that was pruned)"),
    Claim("TXT.lstm.5ep", "TXT", "E5", "text_lstm/imdb", "beats_dense", 0.0, tolerance=0.0,
          note="week-11 notes, a 5-epoch schedule",
          meaning="LSTM tickets beat the dense LSTM even with a short schedule (best ticket "
                  "minus dense)"),
    Claim("TXT.lstm.ag.it_ticket", "TXT", "E5", "text_lstm/ag_news", "value", 91.89,
          level=_sparsity(48.8), tolerance=1.0, official_test_only=True,
          meaning="the best IMP ticket of the BiLSTM on AG News"),
    # E6: one-shot pruning [FC19]
    Claim("FC19.lenet.oneshot_down_to", "FC19", "E6", "lenet_300_100/oneshot",
          "sparsest_at_dense", 5.17, tolerance=1.5,
          meaning="one-shot tickets are more accurate than the dense network down to"),
    # It + late rewinding [TXT]
    Claim("TXT.cnn.imdb.late_ticket", "TXT", "E4", "text_cnn/imdb/late", "value", 87.64,
          level=_sparsity(48.8), tolerance=1.0,
          meaning="the best IMP ticket with late rewinding on IMDb"),
    Claim("TXT.lstm.ag.late_full", "TXT", "E5", "text_lstm/ag_news/late", "value", 91.55,
          level=100, tolerance=1.0, official_test_only=True,
          meaning="dense BiLSTM on AG News (the run pruned with late rewinding)"),
    Claim("TXT.lstm.ag.late_ticket", "TXT", "E5", "text_lstm/ag_news/late", "value", 92.36,
          level=_sparsity(73.8), tolerance=1.0, official_test_only=True,
          meaning="the best IMP ticket of the BiLSTM with late rewinding on AG News"),
]

def _pai_claims():
    """[FDRC21]'s findings, per method of pruning at initialization, on Lenet (E1's network)
    and the IMDb text CNN (E4's): each mask beats random pruning and stays below IMP's
    ticket; shuffling each layer's mask or drawing new initial weights keeps its accuracy.
    The levels: about a fifth of Lenet's weights, [TXT]'s 16.8 % on IMDb."""
    from lthkit.search.runs import PAI_METHODS
    out = []
    for base, level, experiment in (("lenet_300_100", 21.0, "E8"),
                                    ("text_cnn/imdb", 16.8, "E8")):
        short = "lenet" if base.startswith("lenet") else "imdb"
        for method, criterion in PAI_METHODS.items():
            target = f"{base}/pai/{criterion}"
            def claim(what, versus, expect, meaning, tolerance=0.5):
                return Claim(f"FDRC21.{short}.{criterion}.{what}", "FDRC21", experiment,
                             target, "margin", 0.0, meaning, level=level, variant=method,
                             versus=versus, expect=expect, tolerance=tolerance)
            out += [
                claim("beats_random", "random pruning:main", "above",
                      f"{method} beats random pruning at initialization"),
                claim("below_imp", "IMP (after training):main", "below",
                      f"{method} stays below magnitude pruning after training (IMP)"),
                claim("shuffle", ":shuffle", "near",
                      f"{method}: shuffling each layer's mask keeps the accuracy"),
                claim("reinit", ":reinit", "near",
                      f"{method}: new initial weights keep the accuracy"),
            ]
    return out


CLAIMS += _pai_claims()

# Runs built in a chapter rather than by a target's experiment (chapter 04b's Transformer,
# through the user-model path): target -> {variant: the run's name in the store}, read by
# `search.stored_named`.
NAMED_RUNS = {"transformer_imdb": {"rewound to init": "transformer_imdb",
                                   "rewound to 1ep": "transformer_imdb_late"}}


def _transformer_claims():
    """E9, tickets in a Transformer (chapter 04b), trained from scratch on IMDb: what
    [CFC20] (pre-trained BERT) and [YETM20] (Transformers for translation) state that a small
    encoder can be held to. Not comparable, and not claimed: their accuracies and exact
    sparsities, which belong to pre-trained or translation models."""
    target, init, late = "transformer_imdb", "rewound to init", "rewound to 1ep"
    return [
        # [CFC20]'s range, 10 to 60 % remaining, as its geometric middle times or divided by
        # 2.45: "within" anywhere in it
        Claim("CFC20.matching", "CFC20", "E9", target, "sparsest_at_dense", 24.5,
              tolerance=2.45, variant=init,
              note="[CFC20]: 10 to 60 % remaining (40 to 90 % sparsity) across GLUE tasks, "
                   "from pre-trained BERT",
              meaning="IMP finds a subnetwork that matches the full network, at least down "
                      "to"),
        Claim("CFC20.reinit", "CFC20", "E9", target, "margin", 0.0, level=32.8, variant=init,
              versus=":reinit", expect="above",
              meaning="the IMP subnetwork beats its random reinitialization"),
        Claim("CFC20.random", "CFC20", "E9", target, "margin", 0.0, level=32.8, variant=init,
              versus=":random", expect="above",
              meaning="the IMP subnetwork beats random pruning"),
        Claim("YETM20.late", "YETM20", "E9", target, "margin", 0.0, level=10.7, variant=late,
              versus=f"{init}:main", expect="above",
              meaning="late rewinding finds better tickets than rewinding to the "
                      "initialization"),
    ]


CLAIMS += _transformer_claims()
BY_ID = {c.id: c for c in CLAIMS}
assert len(BY_ID) == len(CLAIMS), "claim ids must be unique"
assert all(c.kind in KINDS for c in CLAIMS)


def select(target=None, ids=None, prefix=None):
    """The claims about one target (e.g. "lenet_300_100"), with the given ids, or about
    every target starting with `prefix` (e.g. "lenet_300_100/pai/")."""
    if ids is not None:
        return [BY_ID[i] for i in ids]
    if prefix is not None:
        return [c for c in CLAIMS if c.target.startswith(prefix)]
    return [c for c in CLAIMS if target is None or c.target == target]


def _nearest(table, claim, variant):
    """Our level nearest the claim's (or None if none is within LEVEL_SLACK of it)."""
    levels = analysis.level_means(table, claim.metric, claim.branch, variant)
    if levels.empty:
        return None
    row = analysis.at_level(table, claim.level, claim.metric, claim.branch, variant)
    ratio = max(row["percent_remaining"], claim.level) / min(row["percent_remaining"],
                                                             claim.level)
    return row if ratio <= LEVEL_SLACK else None


def _compare(ours, claim):
    if abs(ours - claim.value) <= claim.tolerance:
        return "within"
    return "above" if ours > claim.value else "below"


def assess(table, claim, variant=None, resplit=None):
    """(ours as text, ours as a number, n, verdict, why) of one claim against a table (of
    the claim's own variant where it names one, else of `variant`)."""
    variant = claim.variant if claim.variant is not None else variant
    if table is None or table.empty or (variant is not None and variant not in
                                        set(table.get("variant", []))):
        return "", math.nan, 0, "not run", "no results for this experiment yet"
    if claim.branch not in set(table["branch"]):
        return "", math.nan, 0, "not run", f"the {claim.branch!r} branch was not trained"
    scale = 100.0 if "accuracy" in claim.metric else 1.0
    if claim.kind == "margin":
        return _margin(table, claim, variant, scale)
    if claim.kind == "beats_dense":
        base, _, _ = analysis.dense(table, claim.metric, variant)
        levels = analysis.level_means(table, claim.metric, claim.branch, variant)
        pruned = levels[levels["round"] > 0]
        if pruned.empty:
            return "", math.nan, 0, "not reached", "no pruned level was run"
        best = pruned.loc[pruned["mean"].idxmax()]
        ours, n = (best["mean"] - base) * scale, int(best["n"])
        text = f"{ours:+.2f} pp at {best['percent_remaining']:.3g} %"
        verdict = "within" if ours > 0 else "worse"
        why = ("a pruned ticket beats the dense network" if ours > 0 else
               "no pruned ticket beats the dense network")
        return text, ours, n, verdict, why
    if claim.kind == "sparsest_at_dense":
        ours = analysis.sparsest_at_dense(table, claim.branch, claim.metric, variant=variant)
        levels = analysis.level_means(table, claim.metric, claim.branch, variant)
        deepest = float(levels["percent_remaining"].min())
        n = int(levels["n"].min())
        text = f"{ours:.3g} % remaining"
        factor = max(ours, claim.value) / min(ours, claim.value)
        held = ours <= deepest * 1.0001
        still = f"still at or above dense at the sparsest level run ({deepest:.3g} %)"
        if held and claim.paper_run_ended and deepest <= claim.value * claim.tolerance:
            verdict, why = "within", still + ", as the paper's run at its last level"
        elif held and deepest > claim.value / claim.tolerance:
            verdict, why = "not reached", still
        elif factor <= claim.tolerance:
            verdict, why = "within", f"within a factor {claim.tolerance:g} of the paper's level"
        elif ours < claim.value:
            verdict, why = "better", "holds the dense accuracy to a sparser level than the paper"
        else:
            verdict, why = "worse", "loses the dense accuracy at a denser level than the paper"
    else:
        row = _nearest(table, claim, variant)
        if row is None:
            levels = analysis.level_means(table, claim.metric, claim.branch, variant)
            return "", math.nan, int(levels["n"].max() or 0), "not reached", (
                f"no level near {claim.level:g} % remaining was run")
        n, where = int(row["n"]), f" at {row['percent_remaining']:.3g} %"
        if claim.kind == "value":
            ours = row["mean"] * scale
            std = row["std"] * scale if n > 1 else None
            text = f"{ours:.2f}" + (f" ± {std:.2f}" if std is not None else "") + where
        elif claim.kind == "gain":
            base, _, _ = analysis.dense(table, claim.metric, variant)
            ours = (row["mean"] - base) * scale
            text = f"{ours:+.2f} pp{where}"
        else:  # ratio
            main = analysis.at_level(table, claim.level, claim.metric, "main", variant)
            ours = row["mean"] / main["mean"] if main["mean"] else math.nan
            text = f"{ours:.2f}x{where} ({row['mean']:.0f} vs {main['mean']:.0f})"
        verdict = _compare(ours, claim)
        why = {"within": f"within ±{claim.tolerance:g} of the paper",
               "above": "higher than the paper", "below": "lower than the paper"}[verdict]
    if claim.official_test_only and resplit:
        return text, ours, n, "not comparable", (
            "our test rows are a re-split of the official test set (offline data): the "
            "published numbers use the 120,000-row train split and the official test set")
    return text, ours, n, verdict, why


def _margin(table, claim, variant, scale):
    """assess() of a "margin" claim."""
    other_variant, _, other_branch = claim.versus.partition(":")
    other_variant = other_variant or variant
    if variant is not None and variant not in set(table.get("variant", [])):
        return "", math.nan, 0, "not run", f"no results for {variant} yet"
    # the branch compared with must be stored for the variant compared with (a method's
    # run in progress may have its masks' rounds and none of its ablations' yet)
    if other_variant is None:
        pool = table
    elif other_variant in set(table.get("variant", [])):
        pool = table[table["variant"] == other_variant]
    else:
        pool = table.iloc[:0]
    if other_branch not in set(pool["branch"]):
        return "", math.nan, 0, "not run", f"no results for {_versus_name(claim)} yet"
    row = _nearest(table, claim, variant)
    if row is None:
        return "", math.nan, 0, "not reached", f"no level near {claim.level:g} % remaining"
    other = analysis.at_level(table, float(row["percent_remaining"]), claim.metric,
                              other_branch, other_variant)
    ratio = max(other["percent_remaining"], row["percent_remaining"]) / \
        min(other["percent_remaining"], row["percent_remaining"])
    if ratio > LEVEL_SLACK:
        return "", math.nan, 0, "not reached", (f"{_versus_name(claim)} has no level near "
                                                f"{row['percent_remaining']:.3g} %")
    ours = (row["mean"] - other["mean"]) * scale
    n = int(min(row["n"], other["n"]))
    text = (f"{ours:+.2f} pp at {row['percent_remaining']:.3g} % ({100 * row['mean']:.2f} vs "
            f"{100 * other['mean']:.2f})" if scale == 100 else f"{ours:+.3g}")
    if claim.expect == "near":
        verdict = "within" if abs(ours) <= claim.tolerance else ("above" if ours > 0
                                                                 else "below")
        why = {"within": f"within ±{claim.tolerance:g} pp, as the paper found",
               "above": f"ahead of {_versus_name(claim)} by more than the tolerance",
               "below": f"behind {_versus_name(claim)} by more than the tolerance"}[verdict]
    else:
        agrees = ours > 0 if claim.expect == "above" else ours < 0
        verdict = "within" if agrees else ("below" if claim.expect == "above" else "above")
        why = (f"{claim.expect} {_versus_name(claim)}, as the paper found" if agrees else
               f"not {claim.expect} {_versus_name(claim)}, unlike the paper")
    return text, ours, n, verdict, why


def ledger(table, claims, variant=None, results=None, resplit=None):
    """The ledger of `claims` against a results table: a DataFrame, one row per claim.

    `variant` picks the rows of a multi-variant table; `results` labels where the numbers
    come from (profile, stored run hash); `resplit` (a dataset's `info.resplit`) marks
    claims on an official test set as not comparable.
    """
    rows = []
    for claim in claims:
        ours, value, n, verdict, why = assess(table, claim, variant, resplit)
        rows.append({"claim": claim.meaning, "source": f"[{claim.source}]",
                     "paper": claim.paper, "ours": ours, "n": n, "verdict": verdict,
                     "why": why, "results": results or "", "id": claim.id,
                     "experiment": claim.experiment, "kind": claim.kind,
                     "paper_value": claim.value, "ours_value": value})
    return pd.DataFrame(rows)


def results_for(name, profile):
    """(table, label, resplit) of a target: the committed full run if there is one, else the
    runs of `profile` in its store (what the book's chapters trained), else an empty table."""
    from lthkit.profiles import results_store
    from lthkit.search.runs import stored, target
    if "/pai/" in name:
        return _pai_results(name, profile)
    if name in NAMED_RUNS:
        return _named_results(name, profile)
    full = stored(target(name, "full"))
    if full is not None:
        return full.table, full.source, full.resplit
    exp = target(name, profile)
    store = results_store(profile)
    table = store.table(exp) if store.experiment_dir(exp).exists() else pd.DataFrame()
    info = store.info(exp).get("data_info") or {}
    return table, f"{profile} profile ({store.experiment_dir(exp).name})", info.get("resplit")


def _pai_results(name, profile):
    """results_for() of a pruning-at-initialization target: its run as the variant named by
    its method, beside the iterative run it is compared with (`analysis.pai_combined`)."""
    from lthkit.profiles import results_store
    from lthkit.search.runs import PAI_METHODS, stored, target
    base, _, criterion = name.partition("/pai/")
    method = {c: m for m, c in PAI_METHODS.items()}[criterion]
    pai, imp = stored(target(name, "full")), stored(target(base, "full"))
    if pai is not None and imp is not None:
        return (analysis.pai_combined(pai.table.assign(variant=method), imp.table),
                pai.source, pai.resplit)
    store = results_store(profile)
    tables = []
    for exp in (target(name, profile), target(base, profile)):
        tables.append(store.table(exp) if store.experiment_dir(exp).exists() else
                      pd.DataFrame())
    if tables[0].empty:
        return pd.DataFrame(), f"{profile} profile", None
    label = f"{profile} profile ({store.experiment_dir(target(name, profile)).name})"
    imp_table = tables[1] if not tables[1].empty else tables[0].iloc[:0]
    return analysis.pai_combined(tables[0].assign(variant=method), imp_table), label, None


def _named_results(name, profile):
    """results_for() of a run built in a chapter (`NAMED_RUNS`): its variants' stored runs
    as one table, the committed ones where the main one is stored, else this profile's."""
    from lthkit.profiles import results_store
    from lthkit.search.runs import stored_named
    for where in ("full", profile):
        store = results_store(where)
        runs = {v: stored_named(run, store) for v, run in NAMED_RUNS[name].items()}
        runs = {v: r for v, r in runs.items() if r is not None}
        if runs and next(iter(NAMED_RUNS[name])) in runs:
            table = pd.concat([r.table.assign(variant=v) for v, r in runs.items()],
                              ignore_index=True)
            folders = ", ".join(r.folder.name + ("" if r.complete else f" {IN_PROGRESS}")
                                for r in runs.values())
            label = (f"full profile, {folders}" if where == "full" else
                     f"{profile} profile ({folders})")
            return table, label, None
    return pd.DataFrame(), f"{profile} profile", None


def book_ledger(profile="quick"):
    """Every claim of the book against the best results there are for it: the committed
    full run where one exists, else this profile's runs (the ledger page shows this)."""
    frames = []
    for name in dict.fromkeys(c.target for c in CLAIMS):
        table, label, resplit = results_for(name, profile)
        frames.append(ledger(table, select(name), results=label, resplit=resplit)
                      .assign(target=name))
    return pd.concat(frames, ignore_index=True)


# [TXT]'s week-11 grid: IMDb test accuracy, "ticket / random reinitialization", at five
# sparsities, for four settings (one-shot and iterative, each with and without late
# rewinding) whose rows the notes do not label. Shown beside ours; not a claim with a verdict.
TXT_WEEK11 = pd.DataFrame(
    {"row 1": ["86.90 / 86.92", "86.61 / 86.07", "86.55 / 85.74", "87.15 / 85.52",
               "77.21 / 82.65"],
     "row 2": ["87.57 / 87.55", "87.62 / 86.92", "87.12 / 86.31", "87.00 / 85.76",
               "75.55 / 81.52"],
     "row 3": ["87.25 / 87.26", "86.89 / 87.55", "86.90 / 86.83", "86.95 / 86.51",
               "77.07 / 82.52"],
     "row 4": ["87.19 / 87.61", "86.66 / 87.63", "86.66 / 86.71", "85.82 / 87.14",
               "76.20 / 82.45"]},
    # rows: % of the weights remaining, the book's one convention ([TXT] gives sparsities:
    # 36, 59, 73.8, 83.2 and 97.2 %)
    index=pd.Index(["64 %", "41 %", "26.2 %", "16.8 %", "2.8 %"],
                   name="% of weights remaining"))
WEEK11_SPARSITIES = (36, 59, 73.8, 83.2, 97.2)
# Our runs beside it: the four settings the notes cover, by the targets that hold them.
WEEK11_RUNS = {"iterative": "text_cnn/imdb", "one-shot": "text_cnn/imdb/oneshot",
               "one-shot, late rewinding": "text_cnn/imdb/oneshot/late",
               "iterative, late rewinding": "text_cnn/imdb/late"}
WEEK11_LEVELS = (2, 4, 6, 8, 16)  # the rounds of 20 % pruning that reach them
