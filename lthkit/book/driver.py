"""The book build: jupytext chapters -> papermill -> executed notebooks -> jupyter-book -> HTML.

Layout (paths relative to the repository root, where ``_toc.yml`` and ``_config.yml`` live):

- ``book/<name>.py``: a chapter, jupytext py:percent, the source of truth.
- ``book/_executed/<name>.ipynb``: the chapter executed by papermill; ``_toc.yml`` lists these.
- ``book/_executed/<name>.json``: its stamp: hashes of the chapter's text, of lthkit's code
  and of the stored results (``results/**/*.json``), and the parameters it ran with. A
  chapter whose stamp still matches is not executed again.
- ``docs/<name>.md``: a page that is not executed (e.g. "How lthkit works"); ``_toc.yml``
  lists it as ``docs/<name>`` and jupyter-book renders it as it is.
- ``book/_executed/<name>.failed.ipynb``: the notebook of a failed run, error output included.
- ``_build/html``: the book, built by jupyter-book with execution off.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from lthkit._errors import LthkitError
from lthkit.book.chapter import BOOK_ENV, BUDGET_ENV
from lthkit.profiles import PROFILES
from lthkit.progress import PROGRESS_ENV

SOURCE_DIR = "book"
EXECUTED_DIR = "book/_executed"
DOCS_DIR = "docs"
KERNEL = "lthkit"
LTHKIT = Path(__file__).resolve().parent.parent


class ChapterFailed(LthkitError):
    """A chapter raised while executing; the message names the chapter, the cell and the error."""


def default_root():
    """The repository the book lives in: the working directory if it has ``_toc.yml``, else the
    checkout lthkit itself was imported from."""
    cwd = Path.cwd()
    return cwd if (cwd / "_toc.yml").exists() else LTHKIT.parent


def toc_chapters(root):
    """Chapter names in the order of ``_toc.yml`` (the root page first); `toc_pages` lists
    the pages that are not executed."""
    return [Path(f).name for f in _toc_files(root)
            if Path(f).parent.as_posix() == EXECUTED_DIR]


def toc_pages(root):
    """The ``docs/<name>`` pages of ``_toc.yml`` (Markdown, not executed), in its order."""
    return [f for f in _toc_files(root) if Path(f).parent.as_posix() == DOCS_DIR]


def _toc_files(root):
    """Every file of ``_toc.yml``, without suffix; refuses one that is neither a chapter
    (``book/_executed/<name>``) nor a page (``docs/<name>``, whose ``.md`` must exist)."""
    import yaml

    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    files = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    files.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    out = []
    for file in files:
        path = Path(file).with_suffix("")
        folder = path.parent.as_posix()
        if folder == DOCS_DIR and not (Path(root) / f"{path.as_posix()}.md").exists():
            raise LthkitError(f"_toc.yml lists {file!r}, but {path.as_posix()}.md does not "
                              "exist.")
        if folder not in (EXECUTED_DIR, DOCS_DIR):
            raise LthkitError(f"_toc.yml lists {file!r}: chapters must be listed as "
                              f"{EXECUTED_DIR}/<name>, the notebooks the build executes, "
                              f"and pages as {DOCS_DIR}/<name> (Markdown, {DOCS_DIR}/<name>.md).")
        out.append(path.as_posix())
    if out and Path(out[0]).parent.as_posix() != EXECUTED_DIR:
        raise LthkitError(f"_toc.yml's root is {out[0]!r}: the first page must be a chapter "
                          f"({EXECUTED_DIR}/<name>).")
    return out


def code_hash():
    """One hash of every lthkit/**/*.py: a chapter re-runs when the library changes."""
    digest = hashlib.sha256()
    for path in sorted(LTHKIT.rglob("*.py")):
        digest.update(path.relative_to(LTHKIT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def results_hash(root):
    """One hash of the stored results (`results/**/*.json`): a chapter that shows stored
    full-profile results re-runs when more of them are committed."""
    digest = hashlib.sha256()
    folder = Path(root) / "results"
    for path in sorted(folder.rglob("*.json")) if folder.is_dir() else ():
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def store_hash(root, profile):
    """One hash of the metrics in the result stores a profile's chapters read and write."""
    from lthkit.profiles import results_store
    digest = hashlib.sha256()
    stores = {results_store(profile).root, Path(root) / "results"}
    for folder in sorted(stores):
        for path in sorted(folder.rglob("metrics.json")) if folder.is_dir() else ():
            digest.update(str(path).encode() + b"\0" + str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def parameter_defaults(nb):
    """{name: default} of the notebook's ``parameters`` cell (papermill's tag), or None."""
    from lthkit.book.params import declared
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return declared(cell.source)
    return None


def declared_parameters(nb):
    """Names assigned in the notebook's ``parameters`` cell, or None."""
    defaults = parameter_defaults(nb)
    return None if defaults is None else list(defaults)


def read_chapter(root, name):
    """(text, notebook, parameter defaults) of ``book/<name>.py``; refuses a chapter without
    a ``parameters`` cell that sets ``profile``."""
    import jupytext
    source = Path(root) / SOURCE_DIR / f"{name}.py"
    if not source.exists():
        raise LthkitError(f"chapter {name!r}: {SOURCE_DIR}/{name}.py does not exist.")
    text = source.read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    defaults = parameter_defaults(nb)
    if defaults is None or "profile" not in defaults:
        raise LthkitError(f"chapter {name!r}: its first code cell must be tagged 'parameters' "
                          "and set profile = \"quick\".")
    return text, nb, defaults


def chapter_parameters(name, defaults, profile, overrides):
    """The parameters a run of chapter `name` gets: profile, backend, then the overrides,
    every one checked (``lthkit.book.params``) before anything runs."""
    from lthkit.book.params import check_all
    parameters = {"profile": profile}
    if "backend" in defaults:
        parameters["backend"] = os.environ.get("KERAS_BACKEND", "jax")
    parameters.update(overrides or {})
    check_all(name, parameters, defaults)
    return parameters


def ensure_kernel():
    """Install the ``lthkit`` kernelspec into this Python's prefix (the project's .venv)."""
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json"
    # The kernel's own log (a warning about its TCP socket at start, a KeyboardInterrupt at
    # shutdown) says nothing about the chapter; a chapter's errors reach papermill anyway.
    quiet = "--IPKernelApp.log_level=CRITICAL"
    if spec.exists():
        argv = json.loads(spec.read_text())["argv"]
        if argv[0] == sys.executable and quiet in argv:
            return
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix",
                    "--name", KERNEL, "--display-name", "Python (lthkit)"],
                   check=True, capture_output=True)
    kernel = json.loads(spec.read_text())
    kernel["argv"].append(quiet)
    spec.write_text(json.dumps(kernel, indent=1) + "\n")


def execute_chapter(root, name, profile, overrides=None, force=False, log=print, code=None):
    """Execute ``book/<name>.py`` with papermill unless its stamp says nothing changed.

    ``overrides`` are extra papermill parameters; each must be declared in the chapter's
    ``parameters`` cell. ``code`` is ``code_hash()``, if the caller has it already.
    Returns True if the chapter ran, False if it was up to date.
    Raises ChapterFailed naming the chapter, the cell and the error.
    """
    import papermill

    root = Path(root)
    text, nb, defaults = read_chapter(root, name)
    parameters = chapter_parameters(name, defaults, profile, overrides)

    out_dir = root / EXECUTED_DIR
    output, stamp_path = out_dir / f"{name}.ipynb", out_dir / f"{name}.json"
    meta = nb.metadata.get("lthkit", {})
    budget = (meta.get("budget") or {}).get(profile)
    stamp = {"chapter": f"{SOURCE_DIR}/{name}.py",
             "source_sha256": hashlib.sha256(text.encode()).hexdigest(),
             "lthkit_sha256": code or code_hash(), "results_sha256": results_hash(root),
             "parameters": parameters}
    if meta.get("reads_store"):
        # A page that reports on every run (the claims ledger) re-runs when any run changes.
        stamp["store_sha256"] = store_hash(root, profile)
    if not force and output.exists() and stamp_path.exists():
        old = json.loads(stamp_path.read_text())
        if all(old.get(k) == v for k, v in stamp.items()):
            log(f"  {name}: up to date (profile {profile}), not executed")
            return False

    out_dir.mkdir(parents=True, exist_ok=True)
    stamp_path.unlink(missing_ok=True)
    running, failed = out_dir / f"{name}.running.ipynb", out_dir / f"{name}.failed.ipynb"
    failed.unlink(missing_ok=True)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python (lthkit)",
                                 "language": "python"}
    log(f"  {name}: executing {stamp['chapter']} with {parameters}")
    progress = out_dir / f"{name}.progress.log"
    progress.write_text("")
    os.environ[PROGRESS_ENV] = str(progress)  # the kernel's bars go there, not into the page
    if budget:
        os.environ[BUDGET_ENV] = str(budget)
    else:
        os.environ.pop(BUDGET_ENV, None)
    started = time.time()
    try:
        papermill.execute_notebook(nb, str(running), parameters=parameters, kernel_name=KERNEL,
                                   cwd=str(root / SOURCE_DIR), progress_bar=False)
    except papermill.PapermillExecutionError as err:
        running.replace(failed)
        raise ChapterFailed(_failure_message(root, name, text, err, failed)) from None
    except Exception as err:
        if running.exists():
            running.replace(failed)
        raise ChapterFailed(f"chapter {name!r} ({stamp['chapter']}) failed: "
                            f"{err.__class__.__name__}: {err}") from err
    running.replace(output)
    hide_repeated_parameters(output, parameters, defaults)
    stamp["seconds"] = round(time.time() - started, 1)
    stamp_path.write_text(json.dumps(stamp, indent=1) + "\n")
    verdict = ""
    if budget:
        verdict = (f" (budget {budget} s)" if stamp["seconds"] <= budget else
                   f" -- OVER its {budget} s budget for the {profile} profile")
    log(f"  {name}: executed in {stamp['seconds']:.0f} s{verdict}")
    return True


def hide_repeated_parameters(path, parameters, defaults):
    """Tag papermill's injected-parameters cell ``remove-cell`` when it only repeats the
    defaults of the chapter's ``parameters`` cell, so the page shows the parameters once;
    a build with other values (another profile, ``-p``) keeps it, showing what was used."""
    if any(k not in defaults or defaults[k] != v for k, v in parameters.items()):
        return
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    path.write_text(json.dumps(nb, indent=1) + "\n")


def _failure_message(root, name, text, err, failed):
    """Chapter, cell (index, execution count, line in the .py), its code, the error."""
    where = f"cell {err.cell_index} (execution count {err.exec_count})"
    at = text.find(err.source.strip()) if err.source.strip() else -1
    if at >= 0:
        where += f", line {text.count(chr(10), 0, at) + 1} of {SOURCE_DIR}/{name}.py"
    code = "\n".join("    | " + line for line in err.source.splitlines()[:12])
    trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(err.traceback)).strip().splitlines()[-15:]
    return (f"chapter {name!r} failed in {where}:\n{code}\n"
            f"{err.ename}: {err.evalue}\n\n" + "\n".join(trace) +
            f"\n\nThe notebook with the error output: {failed.relative_to(root)}")


def build_html(root, log=print):
    """jupyter-book build of the executed notebooks (execution off) into ``_build/html``.

    If some chapter of ``_toc.yml`` has not been executed yet (a one-chapter build), the book
    is built from a copy of the ToC that lists only the executed ones.
    """
    import yaml

    root = Path(root)
    names = toc_chapters(root)
    missing = [n for n in names if not (root / EXECUTED_DIR / f"{n}.ipynb").exists()]
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(root),
               "--path-output", str(root), "-q"]
    if missing:
        if names[0] in missing:
            raise LthkitError(f"the book's first page {names[0]!r} has not been executed.")
        log(f"  not executed yet, left out of this build: {', '.join(missing)}")
        toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
        toc = _without(toc, {f"{EXECUTED_DIR}/{n}" for n in missing})
        partial = root / "_build" / "partial_toc.yml"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(yaml.safe_dump(toc, sort_keys=False))
        command += ["--toc", str(partial)]
    started = time.time()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise LthkitError("jupyter-book build failed:\n" + result.stdout[-4000:] +
                          result.stderr[-4000:])
    for line in (result.stdout + result.stderr).splitlines():
        if "WARNING" in line or "ERROR" in line:
            log("  " + line)
    log(f"  HTML built in {time.time() - started:.0f} s: {root / '_build' / 'html' / 'index.html'}")


def _without(node, drop):
    """The ToC tree without the entries whose file is in ``drop`` (and without emptied lists)."""
    if isinstance(node, list):
        kept = [_without(n, drop) for n in node
                if not (isinstance(n, dict) and "file" in n
                        and Path(n["file"]).with_suffix("").as_posix() in drop)]
        return [n for n in kept if not (isinstance(n, dict) and "file" not in n and
                                        not any(isinstance(v, list) for v in n.values()))]
    if isinstance(node, dict):
        kept = {k: _without(v, drop) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v != []}
    return node


def build(profile="quick", chapters=None, overrides=None, root=None, html=True, force=False,
          log=print):
    """Execute the book's chapters (or only ``chapters``) in ``profile``, then build the HTML.

    With ``chapters`` only those run (and the book's first page, if never executed); the
    others keep their last executed notebooks. ``overrides`` (papermill parameters) need
    exactly one chapter. Returns the names of the chapters that were executed.
    """
    if profile not in PROFILES:
        raise LthkitError(f"profile={profile!r}: expected one of {', '.join(PROFILES)}.")
    root = Path(root) if root else default_root()
    names = toc_chapters(root)
    if chapters:
        # "book/01_quickstart.py" and "01_quickstart" both name a chapter.
        chosen = [Path(c).stem for c in chapters]
        unknown = [c for c in chosen if c not in names]
        if unknown:
            raise LthkitError(f"not in _toc.yml: {', '.join(unknown)}; the chapters are: "
                              f"{', '.join(names)}.")
        first_missing = not (root / EXECUTED_DIR / f"{names[0]}.ipynb").exists()
        names = [n for n in names if n in chosen or (n == names[0] and first_missing)]
    if overrides and len(chapters or []) != 1:
        raise LthkitError("parameters (-p) need exactly one chapter (--chapter): chapters "
                          "differ in their knobs.")
    # The kernel inherits this environment: offline charts, quiet TensorFlow, Keras backend.
    os.environ[BOOK_ENV] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "jax")
    ensure_kernel()
    started = time.time()
    log(f"book: profile {profile}, chapters {', '.join(names)}")
    target = Path(chapters[0]).stem if overrides else None
    code = code_hash()
    ran = [n for n in names if execute_chapter(root, n, profile, overrides if n == target else None,
                                               force, log, code)]
    if html:
        build_html(root, log)
    log(f"book: done in {time.time() - started:.0f} s")
    return ran
