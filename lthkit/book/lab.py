"""The book's two other ways in: a chapter re-run by a researcher, JupyterLab for a student.

``run_chapter`` executes one chapter with papermill into a notebook of the caller's choosing,
with parameters checked before anything runs; what it trains goes to the result store of its
profile, as in a book build. ``lab`` starts JupyterLab on the repository, set up so that every
``book/*.py`` opens as a notebook (jupytext) with the lthkit kernel; an edit saved there lands
in the ``.py`` file, and the outputs in a paired ``book/<name>.ipynb`` that git ignores
(``book/jupytext.toml``).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

from lthkit._errors import LthkitError
from lthkit.book.driver import (KERNEL, SOURCE_DIR, ChapterFailed, _failure_message,
                                chapter_parameters, default_root, ensure_kernel, read_chapter)
from lthkit.progress import PROGRESS_ENV

# JupyterLab settings of this environment: a double click on a .py file opens it as a
# notebook (jupytext); no news or update checks (they would reach the internet).
OVERRIDES = {"@jupyterlab/docmanager-extension:plugin": {
                 "defaultViewers": {"python": "Jupytext Notebook"}},
             "@jupyterlab/apputils-extension:notification": {
                 "checkForUpdates": False, "fetchNews": "false"}}


def run_chapter(chapter, output, parameters=None, root=None, log=print):
    """Execute ``book/<chapter>.py`` with `parameters` into the notebook `output`.

    `chapter` is a name ("03_text_cnn") or a path (book/03_text_cnn.py). Every parameter is
    checked first; a wrong name or value raises the one-line error and nothing runs.
    Returns the output path.
    """
    import papermill
    root = Path(root) if root else default_root()
    name = Path(chapter).stem
    text, nb, defaults = read_chapter(root, name)
    given = dict(parameters or {})
    profile = given.pop("profile", defaults.get("profile") or "quick")
    params = chapter_parameters(name, defaults, profile, given)
    output = Path(output).resolve()
    if output.suffix != ".ipynb":
        raise LthkitError(f"output={str(output)!r} is not allowed: expected a path ending in "
                          ".ipynb")
    output.parent.mkdir(parents=True, exist_ok=True)
    ensure_kernel()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python (lthkit)",
                                 "language": "python"}
    progress = output.with_suffix(".progress.log")
    progress.write_text("")
    os.environ[PROGRESS_ENV] = str(progress)
    log(f"{name}: executing {SOURCE_DIR}/{name}.py with {params} into {output} "
        f"(progress: tail -f {progress})")
    try:
        papermill.execute_notebook(nb, str(output), parameters=params, kernel_name=KERNEL,
                                   cwd=str(root / SOURCE_DIR), progress_bar=False)
    except papermill.PapermillExecutionError as err:
        raise ChapterFailed(_failure_message(root, name, text, err, output)) from None
    log(f"{name}: done, {output}")
    return output


def prepare_lab():
    """Install the lthkit kernel and the default-viewer setting into this environment (its
    own JupyterLab settings, not the user's). Returns the settings file."""
    ensure_kernel()
    settings = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    current = json.loads(settings.read_text()) if settings.exists() else {}
    for plugin, values in OVERRIDES.items():
        for key, value in values.items():
            if isinstance(value, dict):
                current.setdefault(plugin, {}).setdefault(key, {}).update(value)
            else:
                current.setdefault(plugin, {})[key] = value
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(current, indent=1) + "\n")
    return settings


def lab_command(root=None, port=None, browser=True):
    """The command that starts JupyterLab on the book (after `prepare_lab`)."""
    root = Path(root) if root else default_root()
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}",
               "--LabApp.default_url=/lab/tree/book/intro.py"]
    if port:
        command.append(f"--ServerApp.port={port}")
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    return command


def lab(root=None, port=None, browser=True):
    prepare_lab()
    command = lab_command(root, port, browser)
    os.environ.setdefault("KERAS_BACKEND", "jax")
    print("starting JupyterLab on the book: every book/*.py opens as a notebook "
          "(kernel: Python (lthkit)); stop it with Ctrl-C", flush=True)
    return subprocess.call(command)
