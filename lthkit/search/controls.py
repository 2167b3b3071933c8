"""Controls: branches that train every pruned level again with one thing changed.

A control is a small function, registered by name, that gets a `Level` (what the ticket of
this replicate and round is made of) and returns the weights and masks to train::

    from lthkit.search import register_control

    @register_control("shuffled", "the ticket's per-layer counts, positions shuffled")
    def shuffled(level):
        rng = np.random.default_rng(level.seed)
        masks = {k: rng.permutation(m.reshape(-1)).reshape(m.shape)
                 for k, m in level.ticket_masks.items()}
        return level.rewind_weights, masks

    exp = exp.replace(search={"controls": ("reinit", "shuffled")})

The search trains what a control returns exactly as it trains the ticket (same data order,
same schedule) and stores its metrics as branch `name`. Masks that differ from the ticket's
are stored too (packed bits), so a control can nest its masks across rounds through
`level.previous_masks`. A control must be deterministic given `level` (its randomness from
`level.seed`): a resumed run rebuilds its masks by calling it again.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lthkit._errors import bad_param
from lthkit.pruning import random_masks


@dataclass
class Level:
    """What a control sees of one replicate's pruning level.

    round / replicate: where it is. seed: a seed derived for this control, replicate and
    round. kinds: {key: layer kind}. ticket_counts: {key: weights the ticket keeps}.
    previous_masks: this control's masks one level denser (all ones at round 1).
    rewind_weights: the snapshot the ticket starts from (initialization or w_k).
    ticket_masks: the ticket's masks (loaded on first use). fresh_weights(seed): a new
    initialization of the same model. kernels(snapshot) / with_kernels(snapshot, kernels):
    read and replace the prunable weights of a snapshot, keyed like the masks.
    """
    round: int
    replicate: int
    seed: int
    kinds: dict
    ticket_counts: dict
    previous_masks: dict
    rewind_weights: dict
    _ticket_masks: Callable
    _fresh_weights: Callable
    _paths: dict = field(repr=False)

    @property
    def ticket_masks(self):
        return self._ticket_masks()

    def fresh_weights(self, seed=None):
        return self._fresh_weights(self.seed if seed is None else seed)

    def kernels(self, snapshot):
        return {key: snapshot[path] for key, path in self._paths.items()}

    def with_kernels(self, snapshot, kernels):
        out = dict(snapshot)
        for key, value in kernels.items():
            out[self._paths[key]] = np.asarray(value, dtype=snapshot[self._paths[key]].dtype)
        return out


@dataclass(frozen=True)
class Control:
    name: str
    description: str  # one line, listed by `python -m lthkit.search --help`
    make: Callable


CONTROLS = {}


def register_control(name, description):
    """Register `fn(level) -> (weights snapshot, masks)` as control `name` (a decorator)."""
    if not isinstance(name, str) or not name.isidentifier() or name == "main":
        raise bad_param("control name", name, "an identifier other than 'main'")

    def decorate(fn):
        CONTROLS[name] = Control(name, description, fn)
        return fn
    return decorate


def check_controls(controls):
    """The controls as a tuple, each registered; refuses unknown names."""
    if isinstance(controls, str):
        controls = (controls,)
    controls = tuple(controls)
    for c in controls:
        if c not in CONTROLS:
            raise bad_param("controls", c, "one of " + ", ".join(repr(k) for k in CONTROLS)
                            + " (or a control registered with register_control)")
    if len(set(controls)) != len(controls):
        raise bad_param("controls", controls, "each control at most once")
    return controls


@register_control("reinit", "random reinitialization: the ticket's mask, new initial weights")
def reinit(level):
    return level.fresh_weights(), level.ticket_masks


@register_control("random", "random pruning: a random mask with the ticket's per-layer "
                            "sparsity, nested across rounds, from the ticket's weights")
def random(level):
    return level.rewind_weights, random_masks(level.ticket_counts, level.previous_masks,
                                              level.seed)
