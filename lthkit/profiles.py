"""The book's profiles, its one preset system, and where each profile keeps its results.

Three profiles:

- ``smoke``: seconds per chapter, to check that every chapter runs (CI builds the whole book
  this way); its numbers mean nothing.
- ``quick``: what ``make book`` runs, minutes per chapter on a laptop CPU: the method, on
  subsets with short schedules.
- ``full``: the papers' settings, or the largest this book's machines could run; results are
  committed under ``results/`` and shown by the chapters without training.

A preset maps each profile to values of named knobs. ``resolve`` takes a chapter's given
values on top (``None`` means "the profile's"; a zero stays a zero) and remembers where each
value came from. Experiment presets (``lthkit.search.presets``) and a chapter's own knobs
(``book.settings``) both go through it. Importing this module does not import Keras.
"""
import os
from pathlib import Path
from types import SimpleNamespace

from lthkit._errors import LthkitError, check_choice

PROFILES = ("smoke", "quick", "full")
RESULTS_ENV = "LTHKIT_RESULTS"


class Settings(SimpleNamespace):
    """The knobs one run uses; shows as a table of value and where each value came from."""

    def __init__(self, values, origins):
        super().__init__(**values)
        object.__setattr__(self, "_origins", origins)

    def as_dict(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def origin(self, name):
        return self._origins[name]

    def _repr_markdown_(self):
        rows = [f"| `{k}` | `{v!r}` | {self._origins[k]} |" for k, v in self.as_dict().items()]
        return "| setting | value | from |\n|---|---|---|\n" + "\n".join(rows)


def resolve(profile, presets, missing="error", **given):
    """The knobs of one run: ``presets[profile]`` with every given value that is not None on top.

    ``presets`` maps each profile to a dict of knob values; a given value of None takes its
    profile's value, so ``-p profile=full`` alone gives the full settings and
    ``-p epochs=3`` changes one knob in any profile. A knob that is None and has no preset
    value is refused, naming it (``missing="skip"`` leaves it out instead: the experiment
    keeps the paper's value).
    """
    check_choice("profile", profile, tuple(presets))
    preset = presets[profile]
    values, origins = {}, {}
    for name in dict.fromkeys([*given, *preset]):
        value = given.get(name)
        if value is not None:
            values[name], origins[name] = value, "parameter"
        elif name in preset:
            values[name], origins[name] = preset[name], f"{profile} profile"
        elif missing == "skip":
            continue
        else:
            raise LthkitError(f"parameter {name!r} is None and the {profile!r} preset has no value "
                              "for it: give it a value or add it to the presets.")
    return Settings(values, origins)


def project_root(start=None):
    """The book's repository (the folder with _toc.yml and lthkit/), searched upward."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").exists() and (folder / "lthkit").is_dir():
            return folder
    return None


def results_store(profile="quick"):
    """The result store of a profile: ``results/`` for ``full`` (committed to the repository)
    and ``.cache/results/`` for ``quick`` and ``smoke``, in the project root; outside the
    project, the user cache. ``$LTHKIT_RESULTS`` overrides the location."""
    from lthkit.store import ResultStore
    check_choice("profile", profile, PROFILES)
    if os.environ.get(RESULTS_ENV):
        return ResultStore(os.environ[RESULTS_ENV])
    root = project_root() or project_root(Path(__file__).parent)
    if root is None:
        import platformdirs
        return ResultStore(Path(platformdirs.user_cache_dir("lthkit")) / "results" / profile)
    return ResultStore(root / "results" if profile == "full" else root / ".cache" / "results")
