"""What a chapter calls: setup at its start, its settings per profile, provenance at its end."""
import importlib.util
import logging
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

from lthkit._errors import LthkitError, check_choice
from lthkit.book.state import RUN as _run
from lthkit.book.state import profile_of  # noqa: F401  (part of the chapter API)
from lthkit.profiles import PROFILES, resolve

# The driver sets this in the kernel's environment: pages load charts from the book's _static.
BOOK_ENV = "LTHKIT_BOOK"
# ...and this to the chapter's time budget for its profile, in seconds.
BUDGET_ENV = "LTHKIT_CHAPTER_BUDGET"


def setup(profile="quick", backend=None):
    """Start a chapter: choose the Keras backend, quiet library noise, start the wall clock.

    ``backend`` None means ``KERAS_BACKEND`` or JAX; "tensorflow" where TensorFlow is not
    installed falls back to JAX (and says so). In a book build the charts use the offline
    renderer (``lthkit.book.altair_renderer``); elsewhere altair's own renderer stays on.
    Call it before anything imports Keras.
    """
    check_choice("profile", profile, PROFILES)
    _run.notes = []
    _run.profile = profile
    _run.backend = _choose_backend(backend)
    _run.started = time.time()
    _quiet(_run.backend)
    if _run.backend == "jax":
        compile_cache()
    if os.environ.get(BOOK_ENV):
        from lthkit.book import altair_renderer
        altair_renderer.enable()
    print(f"profile {profile!r}, Keras backend {_run.backend!r}"
          + "".join(f"; {note}" for note in _run.notes))


def compile_cache(min_seconds=1.0):
    """On JAX, keep compiled programs that took `min_seconds` or more on disk (lthkit's
    cache, `jax/`): a model of the same shape built again (the next experiment of a
    chapter's variants, the next build, a Ray worker's next task) loads its training step
    instead of compiling it again. A cache set by the reader is kept."""
    import jax

    from lthkit.data._cache import cache_dir
    if jax.config.jax_compilation_cache_dir is None:
        jax.config.update("jax_compilation_cache_dir", str(cache_dir() / "jax"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", float(min_seconds))


def _choose_backend(backend):
    backend = backend or os.environ.get("KERAS_BACKEND") or "jax"
    if backend == "tensorflow" and importlib.util.find_spec("tensorflow") is None:
        _run.notes.append("TensorFlow is not installed: using JAX")
        backend = "jax"
    if "keras" in sys.modules:
        active = sys.modules["keras"].backend.backend()
        if active != backend:
            raise LthkitError(f"Keras is already running on {active!r}, not {backend!r}: "
                              "restart the kernel and call book.setup() before importing keras.")
    os.environ["KERAS_BACKEND"] = backend
    return backend


def _quiet(backend):
    """Keep TensorFlow, absl and JAX chatter out of the pages; real errors still raise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if backend != "tensorflow":
        # TensorFlow 2.21 prints its oneDNN notice whatever TF_CPP_MIN_LOG_LEVEL says. Off the
        # TensorFlow backend, TF does none of the model arithmetic: oneDNN does not matter.
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    for category in (DeprecationWarning, FutureWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", category=UserWarning,
                            module=r"(keras|jax|jaxlib|tensorflow|absl|optree)(\.|$)")
    # tqdm.auto without ipywidgets: its bars fall back to text, which is fine.
    warnings.filterwarnings("ignore", message="IProgress not found")
    for name in ("absl", "tensorflow", "jax._src.xla_bridge", "h5py"):
        logging.getLogger(name).setLevel(logging.ERROR)


def settings(profile, presets, **given):
    """The chapter's own knobs: ``presets[profile]`` with every given value that is not None
    on top (``lthkit.profiles.resolve``); shows as a table of values and where they came from.
    Experiment knobs go to ``lthkit.search.experiment`` instead, which resolves them the same
    way against the model's presets."""
    return resolve(profile, presets, **given)


def label(chart, profile=None, source=None):
    """Mark an altair chart with the profile its data comes from (default: this run's profile).

    ``source`` says where the numbers come from when they were not computed in this run, for
    example ``"results/3f2a9c (GPU)"``. The book's renderer prints both under the chart.
    """
    meta = getattr(chart, "usermeta", None)
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta["lthkit"] = {"profile": profile or _run.profile, "source": source}
    return chart.properties(usermeta=meta)


def provenance(datasets=(), **extra):
    """Show what produced this page as a table: code, Keras backend, device, profile, wall time,
    data. Takes the arguments of ``provenance_rows``; a chapter calls it in its last cell."""
    rows = provenance_rows(datasets, **extra)
    try:
        from IPython.display import Markdown, display
    except ImportError:  # outside IPython
        print("\n".join(f"{k}: {v}" for k, v in rows.items()))
        return
    display(Markdown(provenance_markdown(rows)))


def provenance_markdown(rows):
    """The provenance rows as a Markdown table. Values are escaped: a vocabulary note names
    ``<pad>`` and ``<unk>``, which a page would otherwise take for HTML tags and drop."""
    import html

    def cell(text):
        return html.escape(str(text), quote=False).replace("|", "\\|")
    table = "\n".join(f"| {cell(k)} | {cell(v)} |" for k, v in rows.items())
    return "**Provenance** of this page\n\n| produced by | |\n|---|---|\n" + table


def provenance_rows(datasets=(), **extra):
    """What produced this run, as {row name: text}.

    ``datasets`` takes the ``info`` of each dataset the chapter loaded; ``extra`` adds rows,
    for example ``results="results/3f2a9c, full profile, trained on a GPU"``.
    """
    if _run.started is None:
        raise LthkitError("call book.setup(profile) at the start of the chapter first.")
    import keras

    rows = {
        "profile": _run.profile,
        "lthkit": _lthkit_version(),
        "Keras": f"{keras.__version__}, backend {keras.backend.backend()}",
        "device": _device(keras.backend.backend()),
        "wall time": _duration(time.time() - _run.started) + _budget(),
        "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "Python": f"{platform.python_version()} on {platform.system()} {platform.machine()}",
    }
    for info in datasets:
        name, text = _describe_dataset(info)
        rows[f"data: {name}"] = text
    rows.update({k.replace("_", " "): str(v) for k, v in extra.items()})
    rows.update({f"note {i + 1}": note for i, note in enumerate(_run.notes)})
    return rows


def _budget():
    budget = os.environ.get(BUDGET_ENV)
    return f" (this chapter's budget in this profile: {_duration(float(budget))})" if budget else ""


def show_ledger(ledger, title=None):
    """Display a claims ledger (``lthkit.claims.ledger``) as the chapter's comparison table;
    a quick or smoke run's rows get no verdict (``claims.shown_verdict``)."""
    from IPython.display import Markdown, display

    from lthkit.claims import shown_verdict
    # where every row's numbers come from the same run, that is said once, under the table
    one_source = ledger["results"].nunique() == 1 if len(ledger) else False
    header = ["claim", "paper", "ours (mean ± std)", "n", "verdict", "why"]
    header += [] if one_source else ["numbers from"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in ledger.itertuples():
        cells = [f"{r.claim} {r.source}", r.paper, r.ours or "—", str(r.n),
                 shown_verdict(r.verdict, r.results), r.why]
        cells += [] if one_source else [r.results]
        rows.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    below = f"\n\nNumbers from: {ledger['results'].iloc[0]}." if one_source else ""
    display(Markdown((f"**{title}**\n\n" if title else "") + "\n".join(rows) + below))


def _pct(value):
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def takeaway_markdown(table, variant=None, dense_name="the dense network"):
    """The numbers of a run's takeaway as a paragraph, computed from its table
    (``lthkit.analysis.takeaway``): the dense accuracy, how far each branch stays at or
    above it, the branches at the deepest level, and the ticket against its random
    reinitialization. A chapter writes its conclusion around it, without typing a number."""
    from lthkit.analysis import BRANCH_NAMES, takeaway
    t = takeaway(table, variant=variant)
    base, std, n = t["dense"]
    spread = f" ± {100 * std:.2f}" if n > 1 else ""
    parts = [f"{dense_name[0].upper() + dense_name[1:]} reaches {100 * base:.2f}{spread} % "
             f"test accuracy at early stop (mean{' ± std' * (n > 1)} of {n} "
             f"replicate{'s' * (n > 1)})."]
    holds = []
    for branch, b in t["branches"].items():
        name = BRANCH_NAMES.get(branch, branch)
        if b["down_to"] < 100:
            holds.append(f"the {name} down to {_pct(b['down_to'])} % of the weights")
        else:
            holds.append(f"the {name} at no pruned level (its best: {100 * b['best']:+.2f} "
                         f"points, at {_pct(b['best_at'])} %)")
    if holds:
        parts.append("At or above that accuracy: " + "; ".join(holds) + ".")
    deepest = [(BRANCH_NAMES.get(k, k), b) for k, b in t["branches"].items()]
    if deepest:
        level = deepest[0][1]["sparsest"]
        same = all(abs(b["sparsest"] - level) / level < 0.05 for _, b in deepest)
        at = ", ".join(f"{name} {100 * b['at_sparsest']:.2f} %"
                       + ("" if same else f" (at {_pct(b['sparsest'])} %)")
                       for name, b in deepest)
        parts.append(f"At the deepest level, {_pct(level)} % of the weights: {at}.")
    if t["vs_reinit"] is not None:
        lo, hi = t["vs_reinit"]
        span = (f"{100 * lo:+.2f}" if f"{100 * lo:+.2f}" == f"{100 * hi:+.2f}" else
                f"{100 * lo:+.2f} to {100 * hi:+.2f}")
        parts.append(f"Level by level, the ticket minus its random reinitialization is "
                     f"{span} points.")
    return " ".join(parts)


def _signed(value):
    return "—" if value != value else f"{round(value, 2) + 0.0:+.2f}"  # no "-0.00"


def pai_takeaway_markdown(answers):
    """`analysis.pai_answers` as one paragraph per level: each method's accuracy, its margin
    over random pruning and under IMP's ticket, and what its ablations change, beside IMP's
    ticket and what its new initial weights change. Numbers only from the table, so the
    text of a chapter can be written around it before every round is stored."""
    from lthkit.analysis import PAI_IMP, PAI_MARGINS, PAI_RANDOM
    out = []
    for _, level in answers.groupby("level", sort=False):
        rows = level.set_index("line")
        pct = float(level["% remaining"].mean())
        n = sorted(set(level["n"]))
        reps = f"{n[0]}" if len(n) == 1 else f"{n[0]} to {n[-1]}"
        head = f"**At {_pct(pct)} % of the weights** ({reps} replicate{'s' * (n != [1])}):"
        parts = []
        if PAI_IMP in rows.index:
            imp = rows.loc[PAI_IMP]
            parts.append(f"IMP's ticket {imp['accuracy (%)']:.2f} % (its new initial weights "
                         f"change it by {_signed(imp['new weights: change (pp)'])} points)")
        if PAI_RANDOM in rows.index:
            parts.append(f"random pruning {rows.loc[PAI_RANDOM, 'accuracy (%)']:.2f} %")
        for line, r in rows.drop([PAI_IMP, PAI_RANDOM], errors="ignore").iterrows():
            vs_random, vs_imp, shuffled, reinit = (_signed(r[c]) for c in PAI_MARGINS)
            parts.append(f"{line} {r['accuracy (%)']:.2f} % ({vs_random} points against "
                         f"random pruning, {vs_imp} against IMP; shuffled {shuffled}, new "
                         f"weights {reinit})")
        out.append(f"{head} {'; '.join(parts)}.")
    return "\n\n".join(out)


def _zoomed(table, source, where, title, span, width, height):
    """Test accuracy at early stop against % of weights remaining, the axis zoomed to `span`
    points below the dense network (``plots.zoom_floor``), labelled as a full run's."""
    from IPython.display import display

    from lthkit import plots
    chart = plots.by_sparsity(table, source=source, title=title, width=width, height=height,
                              floor=plots.zoom_floor(table, span=span))
    display(label(chart, "full", where))


def show_result(run, title=None, span=5.0, width=480, height=280):
    """A stored run (``search.stored``) as a chapter opens with it: one zoomed chart and its
    numbers (``takeaway_markdown``). Returns `run`."""
    from IPython.display import Markdown, display
    if run is not None:
        _zoomed(run.table, run.source, run.folder.name, title, span, width, height)
        display(Markdown(takeaway_markdown(run.table)))
    return run


def stored_result(target, title=None, span=5.0, width=480, height=280):
    """A chapter's opening: the committed full-profile run of claims-ledger target `target`,
    shown by ``show_result``. Returns the ``StoredRun``; where nothing is stored, says so and
    returns None. ``stored_details`` shows the rest of the run."""
    from IPython.display import Markdown, display

    from lthkit import search
    run = search.stored(search.target(target, "full"))
    if run is None:
        display(Markdown(f"No stored full-profile run of `{target}` yet "
                         f"(`python -m lthkit.search {target} --profile full` makes one)."))
    return show_result(run, title, span, width, height)


def stored_details(run, target, **ledger_kwargs):
    """The rest of a stored run that ``stored_result`` opened with: its summary and diff card
    (how it departs from the paper), the paper's views (both accuracies and the early-stop
    iteration) and its ledger rows. Chapters put it in a folded cell."""
    from IPython.display import display

    from lthkit import claims, plots
    if run is None:
        return
    display(run)
    display(label(plots.paper_views(run.table, run.source), "full", run.folder.name))
    show_ledger(claims.ledger(run.table, claims.select(target), results=run.source,
                              **ledger_kwargs))


def show_words(words, min_count=20, rows=10):
    """The tables under a word-survival chart (``analysis.word_survival``, its `class`
    column already named): the most telling words with at least `min_count` occurrences,
    the most frequent words pruned away entirely and kept whole (a sentence where there are
    none), and the Spearman correlation of the kept fraction with frequency rank and class
    strength."""
    from IPython.display import Markdown, display
    columns = [c for c in ("word", "count", "test_count", "rank", "kept", "log_odds", "class")
               if c in words]
    fmt = {"kept": "{:.2f}", "log_odds": "{:.2f}"}
    frequent = words[words["count"] >= min_count]
    parts = [(f"**The most telling words** (at least {min_count} occurrences) and what the "
              "ticket kept of them:", frequent.nlargest(rows + 2, "strength")),
             ("**The most frequent words pruned away entirely:**",
              words[words["kept"] == 0].nsmallest(rows, "rank")),
             ("**The most frequent words kept whole:**",
              words[words["kept"] == 1].nsmallest(rows, "rank"))]
    for title, frame in parts:
        if frame.empty:
            display(Markdown(f"{title} none."))
        else:
            display(Markdown(title))
            display(frame[columns].style.format(fmt).hide(axis="index"))
    corr = frequent[["kept", "rank", "strength"]].corr("spearman").loc["kept"]
    display(Markdown(f"Spearman correlation of the kept fraction (words with at least "
                     f"{min_count} occurrences) with the frequency rank: {corr['rank']:+.3f}; "
                     f"with the class strength: {corr['strength']:+.3f}."))


def stored_sweep(experiments, title, span=5.0, max_round=None, width=330, height=240):
    """The committed runs of `{variant: Experiment}` (e.g. ``search.rewind_sweep(...,
    "full", ...)``) as one zoomed chart of their tickets and controls, random pruning left
    out (``plots.zoom_floor`` with `span`). Returns (``StoredVariants``, the table drawn), or
    (None, None) where nothing is stored."""
    from lthkit import search
    stored = search.stored_variants(experiments, max_round=max_round)
    if stored is None:
        return None, None
    table = stored.table[stored.table["branch"] != "random"]
    _zoomed(table, stored.source, stored.source, title, span, width, height)
    return stored, table


def quick_sweep(experiments, store, rounds, title):
    """A chapter's quick rewind sweep: the searches of `{variant: Experiment}` (e.g.
    ``search.rewind_sweep(..., profile, ...)``) run or resumed in `store` up to round
    `rounds`, drawn without random pruning. Returns the table drawn."""
    from IPython.display import display

    from lthkit import plots, search
    table = search.variants(experiments, store, max_round=rounds)
    table = table[table["branch"] != "random"]
    display(label(plots.by_sparsity(table, source=f"{_run.profile} profile", title=title)))
    return table


def stored_early_birds(target, level):
    """The stored early-bird analysis of claims-ledger target `target` (its full run, masks
    cut to `level` rounds): the mask-distance chart, the report by replicate
    (``earlybird.report``) and its numbers in a sentence. Returns the report, or None (and
    says so) where it is not stored."""
    from IPython.display import Markdown, display

    from lthkit import plots, search
    from lthkit.profiles import results_store
    from lthkit.search import earlybird
    exp, store = search.target(target, "full"), results_store("full")
    table, runs = earlybird.report(exp, store, level, replicates=range(exp.search.replicates),
                                   compute=False)
    if not runs:
        display(Markdown(f"No stored early birds of `{target}` yet "
                         "(`python -m lthkit.search.plan --run`)."))
        return None
    where = f"full profile, {store.experiment_dir(exp).name}"
    display(label(plots.mask_convergence(runs, 5, 0.1, where), "full", where))
    display(by_row(table))
    mean = table.mean(numeric_only=True)
    display(Markdown(
        f"The detector fires at epoch {span(table['detected epoch'])} of "
        f"{table['epochs of training'].iloc[0]}, saving {mean['dense training saved (%)']:.0f} "
        f"% of the dense training. Tickets (means of {len(table)}): early bird "
        f"{mean['early-bird ticket (%)']:.2f} %, one-shot from the trained weights "
        f"{mean['one-shot, trained ticket (%)']:.2f} %, IMP {mean['IMP ticket (%)']:.2f} %. "
        f"The early-bird mask's Hamming distance to the IMP mask is "
        f"{mean['Hamming to IMP mask']:.3f}, against {mean['Hamming by chance']:.3f} for two "
        "random masks of this density."))
    return table


def quick_search(exp, store, target, data=None, **ledger_kwargs):
    """A chapter's quick run of `exp` (claims-ledger target `target`): its settings, its
    data (loaded unless given), the search (trained or resumed in `store`), the paper's views
    and its ledger rows (no verdicts: a short run; a re-split dataset's rows marked so).
    Returns (table, data)."""
    from IPython.display import Markdown, display

    from lthkit import analysis, claims, plots, search
    source = f"{_run.profile} profile"
    display(Markdown(analysis.markdown_table(analysis.describe(exp))))
    data = data if data is not None else search.dataset_for(exp)
    print(data.info.summary())
    table = search.run_search(exp, store, data=data)
    display(label(plots.paper_views(table, source)))
    show_ledger(claims.ledger(table, claims.select(target), results=source,
                              **{"resplit": data.info.resplit, **ledger_kwargs}))
    return table, data


def span(values):
    """"6" where every value is 6, else "5 to 8": a range of replicates' values in prose."""
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo} to {hi}"


def by_row(frame):
    """A wide table of a few rows (one per replicate, many measures) turned on its side to
    fit a page: one row per measure, one column per replicate; a missing value ("not
    detected") shows as "—", never None or NaN."""
    return frame.T.astype(object).where(frame.T.notna(), "—")


def _which(run, store, exp, source):
    """Where a chapter's analysis reads from: the stored full-profile `run` where there is
    one, else `exp` in this profile's `store`. Returns (store, exp, source, label kwargs)."""
    if run is not None:
        return run.store, run.exp, run.source, {"profile": "full", "source": run.source}
    return store, exp, source, {}


def show_fitting(run, store, exp, source, round_=None,
                 values=("val_loss_at_early_stop", "overfit")):
    """How the ticket and its controls fit the training data: their training and validation
    loss curves at level `round_` (default, or where not every branch reached it: the
    deepest level every branch reached), from the stored full-profile `run` where there is
    one (else `exp` in `store`, labelled `source`). Returns `analysis.fitting_table` of
    every level, with `values`."""
    from IPython.display import display

    from lthkit import analysis, plots
    store, exp, source, where = _which(run, store, exp, source)
    curves = store.curves(exp)
    deepest = int(curves.groupby("branch")["round"].max().min())
    if round_ is not None and not 0 < round_ <= deepest:
        print(f"level {round_} is not one that every branch reached: showing level {deepest}")
    r = round_ if round_ is not None and 0 < round_ <= deepest else deepest
    display(label(plots.branch_curves(curves, r, source=source), **where))
    return analysis.fitting_table(analysis.fitting(curves), values)


def show_init_magnitude(run, store, exp, source, data=None, replicate=0):
    """How large the ticket's kept weights start (`analysis.ticket_init`), from the stored
    full-profile `run` where there is one (else `exp` in `store`, labelled `source`; `data`
    its dataset): the chart, then returns the rows (None, with a warning, where this
    machine or backend cannot rebuild the run's initialization)."""
    from IPython.display import Markdown, display

    from lthkit import analysis, plots
    from lthkit.search import TicketSearch
    init = (run.initial_weights(replicate) if run is not None else
            TicketSearch(exp, store, data=data, quiet=True).dense_weights(replicate))
    if init is None:
        display(Markdown(
            "*The chart of the ticket's initial weights is left out here: this machine "
            "cannot rebuild the stored run's initialization bit for bit (another CPU or "
            "library version draws it differently; `StoredRun.initial_weights` says why).*"))
        return None
    store, exp, source, where = _which(run, store, exp, source)
    rows = analysis.ticket_init(store, exp, init, replicate=replicate)
    display(label(plots.init_magnitude(rows, source), **where))
    return rows


def _lthkit_version():
    import lthkit
    text = lthkit.__version__
    repo = Path(lthkit.__file__).resolve().parent.parent
    if (repo / ".git").exists():
        def git(*args):
            return subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        try:
            commit = git("rev-parse", "--short", "HEAD")
            dirty = git("status", "--porcelain", "--", "lthkit", "book")
        except (OSError, subprocess.SubprocessError):
            return text
        if commit:
            text += f", commit {commit}" + (" with uncommitted changes" if dirty else "")
    return text


def _device(backend):
    cores = f"{os.cpu_count()} CPU cores"
    try:
        if backend == "jax":
            import jax
            devices = jax.devices()
            kind = devices[0].platform.upper()
            if kind == "CPU":
                return f"CPU ({cores})"
            return f"{len(devices)} x {kind} {devices[0].device_kind} ({cores})"
        if backend == "tensorflow":
            import tensorflow as tf
            gpus = tf.config.list_physical_devices("GPU")
            return f"{len(gpus)} x GPU ({cores})" if gpus else f"CPU ({cores})"
        if backend == "torch":
            import torch
            if torch.cuda.is_available():
                return f"{torch.cuda.device_count()} x GPU {torch.cuda.get_device_name(0)}"
    except Exception as err:  # the table must not break a chapter
        return f"unknown ({err.__class__.__name__})"
    return f"CPU ({cores})"


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _describe_dataset(info):
    """(name, text) of a dataset's info (``lthkit.data.DatasetInfo`` or a dict of its fields):
    source and origin, lossy or exact, split sizes, re-split and notes."""
    if hasattr(info, "to_dict"):
        info = info.to_dict()
    source = info.get("source", "unknown source")
    parts = [f"{source} ({info['origin']})" if info.get("origin") else source,
             "LOSSY copy" if info.get("lossy") else "exact data"]
    sizes = info.get("split_sizes") or {}
    if sizes:
        parts.append(" / ".join(f"{n:,} {split}" for split, n in sizes.items()))
    if info.get("resplit"):
        parts.append(f"RE-SPLIT: {info['resplit']}")
    parts += [f"note: {note}" for note in info.get("notes") or []]
    return info.get("name", "dataset"), "; ".join(parts)


def stored_pai(base, methods, sparsities, title=None, words=None, chain=False):
    """A chapter's stored runs of pruning at initialization on target `base`
    ("lenet_300_100", "text_cnn/imdb"): every method of `methods` (``search.PAI_METHODS``
    names) that is stored, with IMP's ticket and controls from `base`'s stored run; a chart
    of the methods against IMP where `title` is given, the numbers at `sparsities` (in %) as a
    paragraph (`pai_takeaway_markdown`) and as the "method / shuffle / reinit" grid, the
    ablation gaps, what each cost, and the ledger rows of [FDRC21]. `words`: the key of an
    embedding's mask (e.g. "embedding/embeddings"): then also which words' rows each mask
    keeps (`stored_pai_words`). `chain`: the network is a chain of dense layers (Lenet):
    then also what each mask leaves connected at the deepest level (`stored_pai_units`).
    Returns the combined table, or None (and says so) where nothing is stored."""
    from IPython.display import Markdown, display

    from lthkit import analysis, plots, search
    pai = search.stored_variants(search.pai_sweep(base, "full", methods), minimum=1)
    imp = search.stored(search.target(base, "full"))
    if pai is None or imp is None:
        display(Markdown(f"No stored full-profile run of pruning at initialization on "
                         f"`{base}` yet: the quick runs below show the method."))
        return None
    table = analysis.pai_combined(pai.table, imp.table)
    display(Markdown(pai_takeaway_markdown(analysis.pai_answers(
        table, [100 - s for s in sparsities]))))
    if title:
        shown = table[table["branch"] == "main"]
        display(label(plots.by_sparsity(shown, source=pai.source, width=480, height=280,
                                        floor=plots.zoom_floor(shown, span=8), title=title),
                      "full", pai.source))
    display(analysis.ticket_grid(table, sparsities, branches=("main", "shuffle", "reinit")))
    display(label(plots.ablation_gaps(analysis.ablation_gaps(table, pai_span=True),
                                     source=pai.source),
                  "full", pai.source))
    cost = analysis.pai_cost(table, search.mask_seconds(pai.exps, pai.store))
    if len(cost):
        display(cost.style.format(precision=2, na_rep="—"))
    ledger = pai_ledger(table, base, pai)
    if len(ledger):
        show_ledger(ledger)
    if chain:
        stored_pai_units(pai, imp, table)
    if words:
        stored_pai_words(pai, imp, words)
    return table


def _deepest_common_level(pai):
    """The deepest level of a PaI sweep at which every stored method has replicate 0's mask,
    and those masks ({method: masks}); (None, None) where there is none."""
    levels = sorted({q for exp in pai.exps.values() for q in exp.search.levels}, reverse=True)
    for level in levels:
        masks = {m: pai.store.masks(exp, 0, "main", level) for m, exp in pai.exps.items()}
        if all(mask is not None for mask in masks.values()):
            return level, masks
    return None, None


def stored_pai_units(pai, imp, table):
    """What each stored mask leaves connected (`analysis.chain_connectivity`), at the deepest
    level every method reached: per method, its mask and its layerwise shuffle, and IMP's
    ticket, each replicate's hidden units alive, outputs cut off and accuracy ("a / b / c"
    over replicates), then a sentence on the masks that cut outputs off. For a chain of
    dense layers (Lenet). Returns the table, or None where no level has every method."""
    import pandas as pd
    from IPython.display import Markdown, display

    from lthkit import analysis
    level, _ = _deepest_common_level(pai)
    if level is None:
        return None
    lines = [(m, b, pai.store, exp) for m, exp in pai.exps.items() for b in ("main", "shuffle")]
    lines.append((analysis.PAI_IMP, "main", imp.store, imp.exp))
    acc = table[table["round"] == level].set_index(["variant", "branch", "replicate"])[
        analysis.ACC]
    rows, said, dead = {}, [], []
    for method, branch, store, exp in lines:
        masks = (store.masks(exp, rep, branch, level) for rep in range(exp.search.replicates))
        found = [(analysis.chain_connectivity(m), acc.get((method, branch, rep)))
                 for rep, m in enumerate(masks) if m is not None]
        if not found:
            continue
        name = method if branch == "main" else f"{method}, layerwise shuffle"
        conns = [c for c, _ in found]
        hidden, last = list(conns[0].index[:-1]), conns[0].index[-1]
        row = {f"{k.split('/')[0]} alive": " / ".join(str(c.loc[k, "alive"]) for c in conns)
               for k in hidden}
        row["outputs cut off"] = " / ".join(str(c.loc[last, "cut off"]) for c in conns)
        row["accuracy (%)"] = " / ".join("—" if a is None else f"{100 * a:.2f}"
                                         for _, a in found)
        rows[name] = row
        if any(c.loc[last, "cut off"] for c in conns):
            said.append(f"{name}'s masks leave {row['outputs cut off']} of the "
                        f"{conns[0].loc[last, 'units']} outputs without a single weight "
                        f"(accuracy {row['accuracy (%)']} %)")
        if any(c.loc[k, "alive"] == 0 for c in conns for k in hidden):
            dead.append(name)
    units = pd.DataFrame.from_dict(rows, orient="index").rename_axis("mask")
    at = table[(table["round"] == level) & (table["branch"] == "main")]["percent_remaining"]
    display(Markdown(f"**What each mask leaves connected**, at level {level} "
                     f"({_pct(float(at.mean()))} % of the weights), per replicate: hidden "
                     "units that receive a weight and pass one on, and outputs that receive "
                     "none (a class whose logit is a constant):"))
    display(units)
    if dead:
        said.append(f"{', '.join(dead)} keep{'s' if len(dead) == 1 else ''} no unit of some "
                    "hidden layer alive: nothing reaches the outputs (layer collapse)")
    display(Markdown(("Cut off: " + "; ".join(said) + ".") if said else
                     "No mask at this level cuts an output off."))
    return units


def pai_ledger(table, base, pai):
    """The [FDRC21] ledger rows of target `base`'s pruning at initialization against
    `table` (`analysis.pai_combined`), each method's rows labelled with its own stored run
    (`pai.runs`): a method whose run is complete gets its verdict, one still in progress
    "so far", one not stored the label of them all (its rows say "not run")."""
    import pandas as pd

    from lthkit import claims, search
    rows = claims.select(prefix=f"{base}/pai/")
    sources = {f"{base}/pai/{search.PAI_METHODS[m]}": run.source for m, run in pai.runs.items()}
    frames = [claims.ledger(table, [c for c in rows if c.target == name],
                            results=sources.get(name, pai.source))
              for name in dict.fromkeys(c.target for c in rows)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def stored_pai_words(pai, imp, key):
    """Which words' embedding rows the stored masks keep, by the word's frequency rank
    (`analysis.kept_by_rank`, chart and table): each method of `pai` (``stored_variants``
    of a PaI sweep) and IMP's ticket (`imp`, ``stored``) at the deepest level every stored
    method reached, replicate 0. `key`: the embedding's mask key. Loads the run's dataset
    (its vocabulary and training texts)."""
    from IPython.display import Markdown, display

    from lthkit import analysis, plots, search
    level, masks = _deepest_common_level(pai)
    if level is None:
        display(Markdown("No level of the stored runs has every method's mask yet."))
        return None
    ticket = imp.store.masks(imp.exp, 0, "main", level)
    if ticket is not None:
        masks = {**masks, analysis.PAI_IMP: ticket}
    embedding = {m: mask[key] for m, mask in masks.items()}
    data = search.dataset_for(imp.exp)
    scored = search.scored_tokens(pai.exps, pai.store, data)
    binned, kept = analysis.kept_by_rank(embedding, data.vocab, data.x_train, data.y_train,
                                         scored=scored)
    at = imp.table[imp.table["round"] == level]["percent_remaining"]
    where = f" ({_pct(float(at.mean()))} % of all the weights)" if len(at) else ""
    imp_ranks = ("each layer on its own" if imp.exp.prune.strategy == "layerwise"
                 else "all weights at once too")
    display(Markdown(f"**What each mask keeps of each layer**, at level {level}{where}, "
                     f"replicate 0 (%; the methods rank all weights at once, IMP "
                     f"{imp_ranks}):"))
    display(analysis.kept_per_layer(masks).style.format(precision=2))
    display(Markdown(f"**Which words each mask keeps**, at level {level}, replicate 0; "
                     "each method's share of the embedding is its own (above):"))
    display(label(plots.kept_by_rank(binned, source=pai.source), "full", pai.source))
    display(kept.style.format(precision=2, na_rep="—"))
    if scored:
        display(Markdown(zero_score_markdown(kept, pai.exps, len(data.vocab) - 2)))
    frequent = analysis.top_words(data.x_train, len(data.vocab), FREQUENT_WORDS)
    shuffled = words_and_shuffle(pai, imp, key, frequent)
    if len(shuffled):
        display(Markdown(
            f"**The layerwise shuffle and the words**: a word whose embedding row keeps no "
            f"weight is *unreadable*, a zero vector to the network. Each method's mask and "
            f"its shuffled twin: the share of the {len(frequent):,} most frequent words' "
            f"rows each keeps, how many of those words and of all "
            f"{len(data.vocab) - 2:,} words it leaves unreadable, and the accuracy it "
            f"reaches (means over the replicates where both are trained). The shuffle keeps "
            f"every layer's count, so its gain comes from where inside a layer the kept "
            f"weights sit. IMP's random pruning is its ticket's shuffle: a random mask with "
            f"the ticket's per-layer counts."))
        counts = [c for c in shuffled.columns if c.startswith("unreadable")]
        levels = shuffled["% remaining"].map(lambda v: f"{_pct(v)} %")
        display(shuffled.assign(**{"% remaining": levels})
                .set_index(["variant", "% remaining", "branch"])
                .rename_axis(["method", "weights left", ""])
                .style.format(precision=2, na_rep="").format(_count, subset=counts))
    return kept


def _count(value):
    """A count, or a mean of counts: "1,234", "154.5"."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


FREQUENT_WORDS = 1000  # the words whose rows `stored_pai_words` follows through the shuffle


def words_and_shuffle(pai, imp, key, ids):
    """`analysis.words_and_ablation` of every stored PaI mask of `pai` against its layerwise
    shuffle, then IMP's ticket (`imp`, ``stored``) at the same levels against its random
    pruning (a random mask with the ticket's per-layer counts: the ticket's shuffle), its
    rows named "ticket" and "random pruning". `key`, `ids`: see `word_rows`."""
    import pandas as pd

    from lthkit import analysis
    levels = sorted({q for exp in pai.exps.values() for q in exp.search.levels})
    reps = max(exp.search.replicates for exp in pai.exps.values())
    rows = word_rows(pai.store, pai.exps, key, ids, levels, reps)
    ticket = word_rows(imp.store, {analysis.PAI_IMP: imp.exp}, key, ids, levels, reps,
                       branches={"main": "main", "random": "shuffle"})
    table = imp.table.drop(columns="variant", errors="ignore")
    table = table[table["branch"].isin(["main", "random"])].assign(
        variant=analysis.PAI_IMP, branch=lambda t: t["branch"].replace({"random": "shuffle"}))
    out = analysis.words_and_ablation(pd.concat([pai.table, table], ignore_index=True),
                                      pd.concat([rows, ticket], ignore_index=True))
    imp_rows = out["variant"] == analysis.PAI_IMP
    out.loc[imp_rows, "branch"] = out.loc[imp_rows, "branch"].map(
        {"mask": "ticket", analysis.BRANCH_NAMES["shuffle"]: "random pruning"})
    return out


def word_rows(store, exps, key, ids, levels, replicates, branches=None):
    """For `analysis.words_and_ablation`: what every mask stored in `store` for the
    experiments `exps` ({variant: Experiment}) at `levels` and replicates 0..`replicates` - 1
    keeps of the embedding rows of the words `ids` (e.g. `analysis.top_words`): the share of
    their rows (%), how many of them it leaves with an empty row ("unreadable"), and how
    many of all words (ids 2..). `key`: the embedding's mask key; `branches`: {stored branch:
    its name in the rows} (default main and shuffle)."""
    import numpy as np
    import pandas as pd
    branches = branches or {"main": "main", "shuffle": "shuffle"}
    n = f"{len(ids):,}"
    columns = ["variant", "branch", "round", "replicate", f"rows kept, top {n} (%)",
               f"unreadable, top {n}", "unreadable, all words"]
    rows = []
    for variant, exp in exps.items():
        for rep in range(replicates):
            for level in levels:
                for branch, name in branches.items():
                    mask = store.masks(exp, rep, branch, level)
                    if mask is not None:
                        m = np.asarray(mask[key], bool)
                        empty = ~m.any(axis=1)
                        rows.append([variant, name, level, rep, 100 * float(m[ids].mean()),
                                     int(empty[ids].sum()), int(empty[2:].sum())])
    return pd.DataFrame(rows, columns=columns)


def zero_score_markdown(kept, exps, words):
    """A sentence under `analysis.kept_by_rank`'s table (with its `scored` columns): how many
    of the `words` the batches scored by the criteria of `exps` ({method: Experiment}; those
    that score batches: SNIP, GraSP) hold, and why every other word's row has a zero score
    that the tie rule, not the criterion, ranks. "" where no method scored batches."""
    col = "words in the scored batches"
    import pandas as pd
    methods = [m for m in exps if col in kept and m in kept.index
               and pd.notna(kept.loc[m, col])]
    if not methods:
        return ""
    exp = exps[methods[0]]
    n, size = exp.prune.score_batches, exp.train.batch_size
    seen = int(kept.loc[methods[0], col])
    names = " and ".join(methods)
    batches = "training batch" if n == 1 else f"{n} training batches"
    return (f"{names} score the mask on the replicate's first {batches} "
            f"({n * size} texts), which hold {seen:,} of the {words:,} "
            f"words ({100 * seen / words:.1f} %). Every other word's embedding row gets no "
            "gradient there, so a score of exactly zero: which of those rows a mask keeps is "
            "decided by the tie rule (the lowest position first, so the rarest words' rows "
            "are the last to go), not by the criterion.")


def parts_markdown(at):
    """`analysis.parts_at_level` as one sentence: the level, what each part keeps there
    (fastest pruned first) and how much of the network the parts pruned fastest hold."""
    n = int(at["n"].max())
    order = at.sort_values("% remaining")
    kept = "; ".join(f"{part} {r['% remaining']:.1f} %" for part, r in order.iterrows())
    first = order.index[0]
    return (f"**At {_pct(at.attrs['overall'])} % of all weights** (round {at.attrs['round']}, "
            f"mean of {n} replicate{'s' * (n > 1)}), each part keeps: {kept}. Global pruning "
            f"takes the {first} fastest ({order.loc[first, 'share (%)']:.1f} % of the "
            f"weights) and the {order.index[-1]} slowest.")


def gap_markdown(gaps, a, b, names=None):
    """`analysis.series_gap` as one sentence: `a` minus `b` over the levels both have, the
    deepest of them, and at how many the replicates' bands do not overlap. `names` may give
    each line a name for the sentence ({label: name})."""
    gaps = gaps.rename(columns=dict(names or {}))
    a, b = ((names or {}).get(x, x) for x in (a, b))
    if gaps.empty:
        return f"No level has both {a} and {b} trained yet."
    k, deep = len(gaps), gaps.iloc[-1]
    lo, hi = _signed(gaps["gap"].min()), _signed(gaps["gap"].max())
    span = lo if lo == hi else f"{lo} to {hi}"
    return (f"{a[0].upper() + a[1:]} minus {b}: {span} points over the {k} level"
            f"{'s' * (k > 1)} both have trained ({_signed(deep['gap'])} at "
            f"{_pct(deep['% remaining'])} %, {deep[a]:.2f} against {deep[b]:.2f} %); their "
            f"bands over replicates are apart at {int(gaps['apart'].sum())} of {k}.")


def equal_weights_markdown(equal):
    """`analysis.at_equal_weights` as one sentence, at the reference network's deepest
    level: each network's IMP ticket at that many remaining weights (interpolated between
    its stored levels; a network whose levels do not reach the count is said to)."""
    if equal.empty:
        return "No pruned level of the reference network is stored yet."
    row = equal.iloc[-1]
    names = [c for c in equal.columns if c != "weights remaining"]
    said = [f"{n} {row[n]:.2f} %" for n in names if row[n] == row[n]]
    out = [n for n in names if row[n] != row[n]]
    text = (f"At {int(row['weights remaining']):,} remaining weights (the {names[0]}'s "
            f"deepest stored level), the IMP tickets reach: {', '.join(said)}")
    if out:
        text += f" ({', '.join(out)}: no stored level that small or large)"
    return text + ", each interpolated between its stored levels."
