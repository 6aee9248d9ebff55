"""Which test cells share a graded run, computed once per assignment from the solution.

A test cell is judged from a run in which the references of its exercises are absent (dlfs.absent).
Several cells can share a run when the solution passes all of them with all their references
absent. Test cells name their exercises (`sf.checks.exercise("add")`); a cell that names none can
join any run. The solution runs once with every reference absent: each call of an absent
reference is noted with the test cell that made it, so a cell that calls another exercise's
reference (chapter 1's Session test subclasses `sf.add`) is kept apart from that exercise. Each
proposed run is then tried with the solution, and split further until the solution passes it.
"""

import ast
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from dlfs import absent, solution, verdicts
from dlfs.parsing import parse


@dataclass(frozen=True)
class Group:
    """One graded run: the test cells judged from it, and the exercises absent in it."""

    cells: tuple
    absent: tuple


def exercises_of(nb):
    """{test cell: frozenset of the exercises it names}, in the notebook's order."""
    found = {}
    for cell in nb.cells:
        if verdicts.is_test_cell(cell):
            names = set()
            for node in ast.walk(parse(cell.source)):
                func = getattr(node, "func", None)
                called = getattr(func, "attr", None) or getattr(func, "id", None)
                if isinstance(node, ast.Call) and called == "exercise":
                    names.update(a.value for a in node.args if isinstance(a, ast.Constant))
            found[cell.metadata["nbgrader"]["grade_id"]] = frozenset(names)
    return found


def plan(rewritten_solution, expected, points, cache_dir, timeout=600):
    """[Group] for the rewritten solution notebook, cached by its and the library's contents.
    `expected()` gives the solution's records (waited for only to judge: its run goes on beside)."""
    digest = hashlib.sha256(Path(rewritten_solution).read_bytes())
    for path in sorted(absent.LIBRARY.glob("*.py")):
        digest.update(path.read_bytes())
    cache = Path(cache_dir) / f"groups-{digest.hexdigest()[:20]}.json"
    if cache.exists():
        return [Group(tuple(g["cells"]), tuple(g["absent"])) for g in json.loads(cache.read_text())]
    names = exercises_of(nbformat.read(rewritten_solution, as_version=4))
    names = {cell: n for cell, n in names.items() if cell in points}

    first = next(iter(names), None)

    def run(absent_names, cells=None):
        copy = absent.copy_without(absent_names, Path(cache_dir) / "library")
        keep = None if cells is None or first in cells else (lambda nb: selection(nb, cells))
        records, errors, calls = solution.run_solution(rewritten_solution, timeout, copy.parent, keep)
        judged = verdicts.judge(expected(), records, points, errors)
        return {cell for cell, (_p, messages) in judged.items() if not messages}, calls, errors

    groups = split(names, run)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps([{"cells": list(g.cells), "absent": list(g.absent)} for g in groups]))
    tmp.replace(cache)
    return groups


def split(names, run):
    """Groups of the cells in `names` ({cell: its exercises}) such that `run(absent, cells)` (the
    cells that pass, the (exercise, cell) calls of absent references, the errors) passes each
    group's cells with the group's exercises absent."""
    every = sorted(set().union(*names.values()))
    if not every:  # no exercise has a reference (chapter 6): one run, nothing to plan
        return [Group(tuple(names), ())]
    calls = {cell: set() for cell in names}  # the exercises a cell was seen to call
    alone = set()  # cells that failed beside others without saying why: they get a run of their own
    outside = set()  # called outside any test cell (a cell the tests build on)

    def learn(found, failed):
        for name, cell in found:
            if cell in calls:
                calls[cell].add(name)
            elif not cell:
                outside.add(name)
        for cell in failed:
            if not calls[cell]:
                calls[cell].update(outside)

    def exercises(group):
        return sorted(set().union(*(names[c] for c in group)))

    passed, found, _errors = run(every)
    learn(found, set(names) - passed)
    verified = {}
    while True:
        groups = _colour(names, calls, alone)
        todo = [g for g in groups if g not in verified]
        if not todo:
            return [Group(tuple(sorted(g, key=list(names).index)), tuple(sorted(verified[g]))) for g in groups]
        # the proposed runs are tried at once, a kernel each (the plan holds up every student's runs)
        with ThreadPoolExecutor(min(len(todo), os.cpu_count() or 1)) as pool:
            tried = list(pool.map(lambda group: run(exercises(group), group), todo))
        for group, (passed, found, errors) in zip(todo, tried, strict=True):
            failed = set(group) - passed
            if not failed:
                verified[group] = exercises(group)
                continue
            before = {c: set(calls[c]) for c in failed}
            learn(found, failed)
            for cell in failed:
                if calls[cell] == before[cell]:  # nothing new was learnt: no one else beside it
                    if len(group) == 1:
                        which = ", ".join(sorted(names[cell])) or "no exercise"
                        raise ValueError(
                            f"the solution fails its test cell {cell} with the references of {which} "
                            f"absent: {errors.get(cell, 'wrong values')}"
                        )
                    alone.add(cell)


def _colour(names, calls, alone):
    """Cells in groups (frozensets), first fit in notebook order: a cell joins a group unless one
    of them calls the other's exercises."""
    groups = []
    for cell in names:
        for group in groups if cell not in alone else []:
            if any(c in alone for c in group):
                continue
            if all(not (names[d] & calls[cell]) and not (names[cell] & calls[d]) for d in group):
                group.append(cell)
                break
        else:
            groups.append([cell])
    return [frozenset(g) for g in groups]


def selection(nb, cells):
    """The cells a group's run executes: non-demo cells up to its last test cell, without the other
    test cells (each test cell checks on its own; the solution's grouping runs prove it)."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    last = max(i for i, grade_id in enumerate(ids) if grade_id in cells)
    return [
        c
        for c in nb.cells[: last + 1]
        if "demo" not in c.metadata.get("tags", [])
        and (not verdicts.is_test_cell(c) or c.metadata["nbgrader"]["grade_id"] in cells)
    ]
