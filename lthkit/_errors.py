"""One shape for every bad-parameter error: which parameter, what was given, what is allowed."""


class LthkitError(ValueError):
    """A bad parameter or input; the message says how to fix it."""


def bad_param(name, given, allowed, hint=None):
    """Build the error for parameter `name` given `given`; `allowed` describes valid values."""
    msg = f"{name}={given!r} is not allowed: expected {allowed}."
    if hint:
        msg += f" {hint}"
    return LthkitError(msg)


def check_rate(name, rate):
    """A pruning rate is a fraction of the remaining weights: 0 <= rate < 1."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise bad_param(name, rate, "a number in [0, 1)") from None
    if not 0.0 <= value < 1.0:
        raise bad_param(name, rate, "a number in [0, 1)",
                        "A rate is the fraction of the remaining weights removed per round.")
    return value


def check_choice(name, given, choices):
    if given not in choices:
        raise bad_param(name, given, "one of " + ", ".join(repr(c) for c in choices))
    return given
