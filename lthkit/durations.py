"""One way to say how long: ``"500it"`` (iterations) or ``"3ep"`` (epochs), as open_lth does.

A round's training length, the evaluation interval, the rewind point and ``mask_after`` all
take this form. An int means iterations (``500`` is ``"500it"``). ``to_iterations`` turns a
duration into iterations with the dataset's steps per epoch; nothing else in lthkit converts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lthkit._errors import bad_param

_PATTERN = re.compile(r"^\s*(\d+)\s*(it|ep)\s*$")
UNITS = {"it": "iterations", "ep": "epochs"}
ALLOWED = 'a duration such as "500it" (iterations) or "3ep" (epochs), or an int of iterations'


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # "it" or "ep"

    def __str__(self):
        return f"{self.amount}{self.unit}"

    def iterations(self, steps_per_epoch: int) -> int:
        return self.amount * steps_per_epoch if self.unit == "ep" else self.amount

    def describe(self) -> str:
        """"50,000 iterations", "1 epoch"."""
        word = UNITS[self.unit]
        return f"{self.amount:,} {word[:-1] if self.amount == 1 else word}"


def parse(value, name="duration", minimum=0) -> Duration:
    """Read ``value`` (``"500it"``, ``"3ep"`` or an int of iterations) as a Duration.

    Raises the one-line error naming ``name`` if it is not a duration or below ``minimum``.
    """
    if isinstance(value, Duration):
        duration = value
    elif isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise bad_param(name, value, ALLOWED + ", not negative")
        duration = Duration(value, "it")
    elif isinstance(value, str) and _PATTERN.match(value):
        amount, unit = _PATTERN.match(value).groups()
        duration = Duration(int(amount), unit)
    else:
        raise bad_param(name, value, ALLOWED)
    if duration.amount < minimum:
        raise bad_param(name, value, f"{ALLOWED}, at least {minimum}")
    return duration


def normalize(value, name="duration", minimum=0) -> str:
    """The canonical text of a duration: ``500`` -> ``"500it"``, ``" 3 ep"`` -> ``"3ep"``."""
    return str(parse(value, name, minimum))


def to_iterations(value, steps_per_epoch: int, name="duration") -> int:
    """``value`` in iterations, with ``steps_per_epoch`` batches to an epoch."""
    return parse(value, name).iterations(steps_per_epoch)


def describe(value) -> str:
    return parse(value).describe()
