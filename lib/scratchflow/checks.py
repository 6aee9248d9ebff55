"""Checks used by the exercises' test cells: on failure they say what is wrong in words.

A bare `assert np.allclose(a, b)` tells a learner nothing; these name the case, the expected
and the actual value, and which shape or entry differs.
"""

import numpy as np

from . import record, tally
from .guard import Delegation, evaluation_banned, exercise  # noqa: F401 (test cells use them through sf.checks)


def check_close(got, expected, case, rtol=1e-6, atol=1e-9):
    """Fail unless `got` has the shape of `expected` and equals it within the tolerances.

    When grading (`scratchflow.record`), write `got` down instead: the grader compares it.
    """
    if record.active():
        record.write("close", case, got=record.encode(got), rtol=rtol, atol=atol)
        return
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise AssertionError(f"{case}: got None. Did you forget to `return` the result?")
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{case}: expected a number or an array, got {got!r} ({type(got).__name__})") from None
    if got_arr.shape != expected.shape:
        raise AssertionError(
            f"{case}: expected {shape_in_words(expected.shape)}, got shape {got_arr.shape}.\n"
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
    tally.passed(got_arr, expected)


def check(condition, message):
    """Fail with `message` unless `condition` holds (when grading: write down whether it held)."""
    if record.active():
        record.write("check", message, ok=bool(condition))
        return
    if not condition:
        raise AssertionError(message)
    tally.passed()


def _fmt(a):
    return np.array2string(a, precision=6, suppress_small=True, threshold=20)


def check_topological_order(topological_order, fetch, case):
    """Fail unless `topological_order(fetch)` lists fetch's ancestors once each, inputs first."""
    try:
        order = topological_order(fetch)
    except RecursionError:
        raise AssertionError(
            f"{case}: hit Python's recursion limit. Keep the nodes still to visit on an explicit "
            "stack (a list you append to and pop from) instead of calling the function recursively."
        ) from None
    except Delegation:
        raise
    except Exception as error:
        if record.active():
            record.write("order", case, error=f"{type(error).__name__}: {error}"[:300])
            return
        raise
    if order is None:
        if record.active():
            record.write("order", case, error="got None")
            return
        raise AssertionError(f"{case}: got None. Did you forget to `return` the list?")
    order = list(order)
    if record.active():
        _record_order(order, fetch, case)
        return
    needed = ancestors(fetch)
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
    tally.passed()


def ancestors(fetch):
    """fetch and every node it depends on, as a set (no order: the exercise is the order)."""
    found, stack = set(), [fetch]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(node.input_nodes)
    return found


def _record_order(order, fetch, case):
    # The graph travels with the order, compactly: nodes by their names (unique in a graph), sorted,
    # and inputs and order as positions in that list. The grader checks that it is the graph the
    # solution's run saw, and that the order is a topological order of it.
    nodes = {node.name: node for node in ancestors(fetch)}
    names = sorted(nodes)
    index = {name: i for i, name in enumerate(names)}
    graph = [[index[inp.name] for inp in nodes[name].input_nodes] for name in names]
    positions = [index.get(node.name, -1) if hasattr(node, "input_nodes") else -1 for node in order]
    record.write("order", case, names=names, fetch=index[fetch.name], graph=graph, order=positions)


def shape_in_words(shape):
    """ "a single number (shape ())" or "an array of shape (2, 3)": what a learner is asked for."""
    return "a single number (shape ())" if tuple(shape) == () else f"an array of shape {tuple(shape)}"
