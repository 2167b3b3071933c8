"""A chapter's papermill parameters, checked before the chapter runs.

The names a chapter accepts are the ones its ``parameters`` cell assigns. Values are checked
by the naming conventions every chapter follows (``profile``, ``backend``, ``seed``,
``replicates``, ``*_rounds``, ``*_training``, ``*_n_train``, ``run_*``, ...); any other
parameter must have the type of its default. A refusal is one line: which parameter, what
was given, what is allowed. Importing this module does not import Keras.
"""
import ast
import numbers
import re

from lthkit import durations
from lthkit._errors import LthkitError, bad_param
from lthkit.profiles import PROFILES

BACKENDS = ("jax", "tensorflow")
# The controls lthkit ships; a control registered in code is named by that code, not by a
# papermill parameter.
def _builtin_controls():
    from lthkit.search.controls import CONTROLS
    return tuple(CONTROLS)


BUILTIN_CONTROLS = _builtin_controls()
# What a chapter's `dataset` / `*_dataset` parameter may name (the datasets the
# chapters switch between; not every dataset lthkit loads).
DATASET_PARAM_CHOICES = ("imdb", "ag_news", "mnist")


def declared(cell_source):
    """{name: default} of the assignments in a parameters cell (defaults as Python values)."""
    out = {}
    for node in ast.parse(cell_source).body:
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value) if node.value else None
                except ValueError:
                    out[target.id] = None
    return out


def _int(minimum, none=True):
    def check(name, value):
        if value is None and none:
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            raise bad_param(name, value, ("None (the profile's) or " if none else "")
                            + f"an int >= {minimum}")
    return check


def _duration(minimum):
    def check(name, value):
        if value is not None:
            durations.parse(value, name, minimum)
    return check


def _choice(choices):
    def check(name, value):
        if value not in choices:
            raise bad_param(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return check


def _controls(name, value):
    if not isinstance(value, (list, tuple)) or any(c not in BUILTIN_CONTROLS for c in value):
        raise bad_param(name, value, "a list of controls among " + ", ".join(BUILTIN_CONTROLS)
                        + " (e.g. [reinit, random], or [] for none)")


def _bool(name, value):
    if not isinstance(value, bool):
        raise bad_param(name, value, "true or false")


def _positive_or_none(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                              or value <= 0):
        raise bad_param(name, value, "None (the profile's) or a number > 0")


RULES = [
    (r"^profile$", _choice(PROFILES)),
    (r"^backend$", _choice(BACKENDS)),
    (r"(^|_)seed$", _int(0, none=False)),
    (r"(^|_)replicates$", _int(1)),
    (r"(^|_)rounds$", _int(0)),
    (r"(^|_)(epochs|embed_dim|units|layers|max_len|vocab_size)$", _int(1)),
    (r"(^|_)n_(train|test)$", _int(1)),
    (r"(^|_)(training|eval_every)$", _duration(1)),
    (r"(^|_)(rewind|mask_after)$", _duration(0)),
    (r"(^|_)controls$", _controls),
    (r"(^|_)width$", _positive_or_none),
    (r"(^|_)dataset$", _choice(DATASET_PARAM_CHOICES)),
    (r"^(run|show)_", _bool),
]


def check(name, value, default):
    """Refuse a value parameter `name` cannot take (one-line LthkitError)."""
    for pattern, rule in RULES:
        if re.search(pattern, name):
            rule(name, value)
            return
    if default is not None and value is not None:
        ok = (isinstance(value, bool) == isinstance(default, bool) and
              (isinstance(value, type(default)) or
               (isinstance(default, float) and isinstance(value, numbers.Real))))
        if not ok:
            raise bad_param(name, value, f"a {type(default).__name__} like its default "
                                         f"{default!r}")


def check_all(chapter, given, defaults):
    """Check every given parameter of `chapter` against its declared ones, before running."""
    for name, value in given.items():
        if name not in defaults:
            raise LthkitError(f"{name}={value!r} is not allowed: expected a parameter of "
                              f"chapter {chapter!r}: {', '.join(defaults)}.")
        check(name, value, defaults[name])
