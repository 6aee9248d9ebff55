"""What a test cell's checks found, for the line a passing cell ends with, in the learner's kernel:

    ✓ matmul_gradient: 1 check passed (largest relative error 3e-10)

`exercise(...)` starts a count; each check adds one, with its largest relative error when it
compared numbers. A failing check raises instead, so a failing cell keeps only its message.
"""

import numpy as np

_state = {"checks": 0, "error": None}


def start():
    _state.update(checks=0, error=None)


def passed(got=None, expected=None):
    """One check passed; `got` and `expected`, if given, are the numbers it compared."""
    _state["checks"] += 1
    if expected is not None:
        error = relative_error(got, expected)
        _state["error"] = error if _state["error"] is None else max(_state["error"], error)


def relative_error(got, expected):
    """max |got − expected| over the entries, relative to the largest |entry| of either (0 if all
    are 0): an entry that is nearly 0 beside large ones does not make the error look large."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        difference = np.abs(got - expected)
    finite = np.isfinite(difference)
    if not finite.any():
        return 0.0
    scale = max(np.abs(got[finite]).max(initial=0.0), np.abs(expected[finite]).max(initial=0.0))
    return float(difference[finite].max() / scale) if scale > 0 else 0.0


def line(names):
    n = _state["checks"]
    said = f"✓ {', '.join(names) or 'this cell'}: {n} check{'s' if n != 1 else ''} passed"
    if _state["error"] is not None:
        said += f" (largest relative error {_state['error']:.0e})" if _state["error"] else " (exact)"
    return said
