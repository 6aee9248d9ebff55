"""Checks used by the exercises' test cells: on failure they say what is wrong in words.

A bare `assert np.allclose(a, b)` tells a learner nothing; these name the case, the expected
and the actual value, and which shape or entry differs.
"""

import numpy as np


def check_close(got, expected, case, rtol=1e-6, atol=1e-9):
    """Fail unless `got` has the shape of `expected` and equals it within the tolerances."""
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise AssertionError(f"{case}: got None. Did you forget to `return` the result?")
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{case}: expected a number or an array, got {got!r} ({type(got).__name__})"
        ) from None
    if got_arr.shape != expected.shape:
        raise AssertionError(
            f"{case}: expected an array of shape {expected.shape}, got shape {got_arr.shape}.\n"
            f"expected:\n{_fmt(expected)}\ngot:\n{_fmt(got_arr)}"
        )
    bad = ~np.isclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        at = f" at index {where}" if where else ""
        raise AssertionError(
            f"{case}: wrong values ({int(bad.sum())} of {bad.size} entries differ; first{at}: "
            f"expected {expected[where]:.6g}, got {got_arr[where]:.6g}).\n"
            f"expected:\n{_fmt(expected)}\ngot:\n{_fmt(got_arr)}"
        )


def check(condition, message):
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise AssertionError(message)


def _fmt(a):
    return np.array2string(a, precision=6, suppress_small=True, threshold=20)
