"""Trusted verdicts: a test cell's points are decided here, in the grader's process.

In a grading run every test cell is rewritten (`rewrite`): it starts recording
(`scratchflow.record`) and passes `...` where it computed an expected value, so the learner's
kernel only writes down the values its code produced. The instructor's solution runs the same
rewritten cells once per assignment in a trusted kernel (dlfs.solution). `judge` then compares the
learner's records with the solution's, check by check, with each check's tolerance taken from the
solution's record: a missing, extra, malformed or out-of-order record fails its cell. Nothing the
learner's kernel does to the in-kernel checks (rebinding them, patching NumPy or AssertionError,
hooks, exiting early) changes what is compared here.
"""

import ast
import json
from pathlib import Path

import nbformat
import numpy as np

from dlfs.parsing import parse
from scratchflow import record
from scratchflow.checks import shape_in_words

CHECKS_WITH_EXPECTED = {"check_close": 1}  # the check's name -> position of its `expected` argument


def is_test_cell(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def rewrite(source, grade_id):
    """The test cell's source for a grading run: it records, and computes no expected value."""
    data = source.encode()
    tree = parse(data)
    lines = [0]
    for line in data.splitlines(keepends=True):
        lines.append(lines[-1] + len(line))

    def offset(lineno, col):  # ast columns count UTF-8 bytes
        return lines[lineno - 1] + col

    cuts = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name not in CHECKS_WITH_EXPECTED:
            continue
        position = CHECKS_WITH_EXPECTED[name]
        expected = node.args[position] if len(node.args) > position else None
        expected = expected or next((k.value for k in node.keywords if k.arg == "expected"), None)
        if expected is not None:
            cuts.append(
                (offset(expected.lineno, expected.col_offset), offset(expected.end_lineno, expected.end_col_offset))
            )
    for start, end in sorted(cuts, reverse=True):
        data = data[:start] + b"..." + data[end:]
    body = data.decode()
    start = f"import scratchflow.record\nscratchflow.record.start({grade_id!r})\n"
    first, _, rest = body.partition("\n")
    if first.startswith('"""') and first.rstrip().endswith('"""') and len(first.strip()) > 3:
        return f"{first}\n{start}{rest}"  # the one-line docstring stays first
    return start + body


def rewrite_notebook(path):
    """Rewrite every test cell of the notebook file in place; return {grade_id: points}."""
    nb = nbformat.read(path, as_version=4)
    points = {}
    for cell in nb.cells:
        if is_test_cell(cell):
            meta = cell.metadata["nbgrader"]
            cell.source = rewrite(cell.source, meta["grade_id"])
            points[meta["grade_id"]] = float(meta.get("points", 0))
    nbformat.write(nb, path)
    return points


def errors_of(nb):
    """{test cell: "Error: message"} for the test cells of an executed notebook that raised."""
    errors = {}
    for cell in nb.cells:
        if is_test_cell(cell):
            failed = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if failed:
                errors[cell.metadata["nbgrader"]["grade_id"]] = f"{failed[-1].ename}: {failed[-1].evalue}"[:400]
    return errors


def read_calls(path):
    """The (exercise, test cell) pairs a run's copy of the library noted (scratchflow.guard.absent)."""
    if not Path(path).exists():
        return set()
    pairs = (line.split("\t", 1) for line in Path(path).read_text(errors="replace").splitlines())
    return {(pair[0], pair[1] if len(pair) > 1 else "") for pair in pairs}


def read_records(path):
    """The records in the file, in order; a line that is not a record becomes {"malformed": text}."""
    if not Path(path).exists():
        return []
    records = []
    for line in Path(path).read_text(errors="replace").splitlines():
        try:
            item = json.loads(line)
            ok = isinstance(item, dict) and isinstance(item.get("cell"), str) and isinstance(item.get("kind"), str)
        except ValueError:
            ok = False
        records.append(item if ok else {"malformed": line[:200]})
    return records


def judge(expected, got, points, errors=None):
    """{grade_id: (points earned, [messages])} for the test cells in `points`.

    `expected` and `got` are record lists; `errors` maps a cell to the error it stopped with (the
    learner's kernel printed it, so it only explains, it never earns)."""
    errors = errors or {}
    want, have, stray = _by_cell(expected), _by_cell(got), [r for r in got if "malformed" in r]
    verdicts = {}
    for cell, worth in points.items():
        messages = []
        if stray:
            messages.append(f"{len(stray)} line(s) of the records file were not written by a check; nothing is trusted")
        mine, theirs = want.get(cell, []), have.get(cell, [])
        if not mine:
            messages.append("the solution recorded no check for this cell (ask your instructor)")
        for i, reference in enumerate(mine):
            if i >= len(theirs):
                stopped = errors.get(cell)
                why = f": {stopped}" if stopped else ""
                messages.append(
                    f"{reference.get('case')}: not checked, because the test cell stopped after {len(theirs)} of "
                    f"{len(mine)} checks{why}"
                )
                break
            message = _compare(reference, theirs[i])
            if message:
                messages.append(message)
        if len(theirs) > len(mine):
            messages.append(f"{len(theirs) - len(mine)} more check(s) recorded than the test cell makes")
        verdicts[cell] = (0.0 if messages else worth, messages)
    return verdicts


def _by_cell(records):
    cells = {}
    for r in records:
        if "malformed" not in r:
            cells.setdefault(r["cell"], []).append(r)
    for cell, items in cells.items():
        if [r.get("n") for r in items] != list(range(len(items))):
            cells[cell] = [{"kind": "out of order", "case": "records out of order"}] * len(items)
    return cells


def _compare(want, got):
    case = want.get("case", "a check")
    if got.get("kind") != want.get("kind"):
        return f"{case}: a different check was recorded here ({got.get('kind')!r}); records out of order"
    kind = want["kind"]
    if kind == "close":
        return _close(case, want.get("got"), got.get("got"), want.get("rtol", 1e-6), want.get("atol", 1e-9))
    if kind == "check":
        return None if got.get("ok") is want.get("ok") else str(got.get("case", case))
    if kind == "order":
        return _order(case, want, got)
    if kind == "gradient":
        return _gradient(case, want, got)
    return f"{case}: unknown kind of check {kind!r}"


def _close(case, want, got, rtol, atol):
    expected, value = record.decode(want), record.decode(got)
    if expected is None:
        return f"{case}: the solution has no value here (ask your instructor)"
    if value is None:
        what = got.get("error", "nothing") if isinstance(got, dict) else "nothing"
        return f"{case}: expected {shape_in_words(expected.shape)}, got {what}"
    if value.shape != expected.shape:
        return f"{case}: expected {shape_in_words(expected.shape)}, got shape {value.shape}"
    bad = ~np.isclose(value, expected, rtol=float(rtol), atol=float(atol), equal_nan=True)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        at = f" at index {where}" if where else ""
        return (
            f"{case}: wrong values ({int(bad.sum())} of {bad.size} entries differ; first{at}: "
            f"expected {expected[where]:.6g}, got {value[where]:.6g})"
        )
    return None


def _order(case, want, got):
    if "error" in got:
        return f"{case}: {got['error']}"
    if any(got.get(k) != want.get(k) for k in ("names", "graph", "fetch")):
        return f"{case}: the test's graph is not the one the solution saw; records out of order"
    names, graph, order = want["names"], want["graph"], got.get("order")
    if not isinstance(order, list) or not all(isinstance(i, int) for i in order):
        return f"{case}: no order was recorded"
    seen = set()
    for position, node in enumerate(order):
        if not 0 <= node < len(names):
            return f"{case}: a node is listed but {names[want['fetch']]!r} does not depend on it"
        if node in seen:
            return f"{case}: node {names[node]!r} appears more than once"
        missing = [i for i in graph[node] if i not in seen]
        if missing:
            return f"{case}: node {names[node]!r} (position {position}) comes before its input {names[missing[0]]!r}"
        seen.add(node)
    if len(seen) != len(names):
        return f"{case}: nodes {sorted(names[i] for i in set(range(len(names))) - seen)[:5]} are missing"
    return None


def _gradient(case, want, got):
    message = _close(f"{case}: the op's output", want.get("output"), got.get("output"), 1e-7, 1e-10)
    if message:
        return message
    wanted, grads = want.get("grads", []), got.get("grads")
    if not isinstance(grads, list) or len(grads) != len(wanted):
        count = len(grads) if isinstance(grads, list) else "no list"
        return f"{case}: expected a list with one gradient per input ({len(wanted)}), got {count}"
    for i, (w, g) in enumerate(zip(wanted, grads, strict=True)):
        message = _close(f"{case} for input {i}", w, g, 1e-7, 1e-10)
        if message:
            return message
    return None
