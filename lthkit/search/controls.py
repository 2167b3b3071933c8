"""Controls: branches that train every pruned level again with one thing changed.

A control is a small function, registered by name, that gets a `Level` (what the ticket of
this replicate and round is made of) and returns the weights and masks to train::

    from lthkit.search import register_control

    @register_control("flipped", "the ticket's mask upside down", label="flipped mask",
                      color="#17becf", same_counts=True)
    def flipped(level):
        masks = {k: m[::-1].copy() for k, m in level.ticket_masks.items()}
        return level.rewind_weights, masks

    exp = exp.replace(search={"controls": ("reinit", "flipped")})

The search trains what a control returns exactly as it trains the ticket (same data order,
same schedule) and stores its metrics as branch `name`. Masks that differ from the ticket's
are stored too (packed bits), so a control can nest its masks across rounds through
`level.previous_masks` (the store checks the nesting unless `nested=False`, and the ticket's
per-layer counts if `same_counts=True`). Its `label` and `color` name and draw it in every
table and chart. A control must be deterministic given `level` (its randomness from
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
    """A registered control. label: its name in tables and charts (default: `name`); color:
    its line colour (default: one of the charts' other colours). same_counts: its masks keep
    the ticket's count in every layer, which the store checks; nested: its masks are nested
    across levels, which the store checks too."""
    name: str
    description: str  # one line, listed by `python -m lthkit.search --help`
    make: Callable
    label: str = None
    color: str = None
    same_counts: bool = False
    nested: bool = True

    @property
    def shown(self):
        return self.label or self.name


CONTROLS = {}


def register_control(name, description, label=None, color=None, same_counts=False,
                     nested=True):
    """Register `fn(level) -> (weights snapshot, masks)` as control `name` (a decorator);
    `label`, `color`, `same_counts`, `nested`: see `Control`."""
    if not isinstance(name, str) or not name.isidentifier() or name == "main":
        raise bad_param("control name", name, "an identifier other than 'main'")
    if color is not None and not (isinstance(color, str) and color.startswith("#")):
        raise bad_param("color", color, "a colour as '#rrggbb'")

    def decorate(fn):
        CONTROLS[name] = Control(name, description, fn, label, color, bool(same_counts),
                                 bool(nested))
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


@register_control("reinit", "random reinitialization: the ticket's mask, new initial weights",
                  label="random reinit", color="#d62728", same_counts=True)
def reinit(level):
    return level.fresh_weights(), level.ticket_masks


@register_control("random", "random pruning: a random mask with the ticket's per-layer "
                            "sparsity, nested across rounds, from the ticket's weights",
                  label="random pruning", color="#7f7f7f", same_counts=True)
def random(level):
    return level.rewind_weights, random_masks(level.ticket_counts, level.previous_masks,
                                              level.seed)


@register_control("shuffle", "layerwise shuffle [FDRC21]: the ticket's mask with each layer's "
                             "kept positions shuffled, from the ticket's weights",
                  label="layerwise shuffle", color="#bcbd22", same_counts=True, nested=False)
def shuffle(level):
    rng = np.random.default_rng(level.seed)
    return level.rewind_weights, {k: rng.permutation(m.reshape(-1)).reshape(m.shape)
                                  for k, m in sorted(level.ticket_masks.items())}
