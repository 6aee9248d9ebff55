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
        raise AssertionError(f"{case}: expected a number or an array, got {got!r} ({type(got).__name__})") from None
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


def check_topological_order(topological_order, fetch, case):
    """Fail unless `topological_order(fetch)` lists fetch's ancestors once each, inputs first."""
    from .order import topological_order as reference

    try:
        order = topological_order(fetch)
    except RecursionError:
        raise AssertionError(
            f"{case}: hit Python's recursion limit. Keep the nodes still to visit on an explicit "
            "stack (a list you append to and pop from) instead of calling the function recursively."
        ) from None
    if order is None:
        raise AssertionError(f"{case}: got None. Did you forget to `return` the list?")
    order = list(order)
    needed = set(reference(fetch))
    seen = set()
    for position, node in enumerate(order):
        if node in seen:
            raise AssertionError(
                f"{case}: node {node.name!r} appears more than once. Keep a set of visited nodes "
                "and skip a node you have already visited (shared sub-expressions are reached twice)."
            )
        if node not in needed:
            raise AssertionError(
                f"{case}: node {getattr(node, 'name', node)!r} is listed but {fetch.name!r} does not "
                "depend on it; follow only input_nodes, starting from the fetched node."
            )
        for inp in node.input_nodes:
            if inp not in seen:
                raise AssertionError(
                    f"{case}: node {node.name!r} (position {position}) comes before its input "
                    f"{inp.name!r} (listed later, or not at all); a node may only be listed after "
                    "all of its inputs."
                )
        seen.add(node)
    missing = sorted(node.name for node in needed - seen)
    if missing:
        raise AssertionError(
            f"{case}: nodes {missing} are missing; list every node {fetch.name!r} depends on, "
            "and the fetched node itself."
        )
