"""Grading mode: the checks write down the values they compare instead of judging them.

`dlfs-grade` rewrites each test cell to begin with `start("<grade_id>")` and to pass `...` where the
cell computed its expected values, so expected values never exist in the learner's kernel. From
then on each check appends one JSON line to RECORDS in the kernel's directory: the cell, a running
number, the kind of check, its case and the learner's values. The grader compares them, in its own
process, with the records of the instructor's solution run the same way. JSON only: a record is
data, never code.
"""

import json
import math

import numpy as np

from .cells import after_this_cell

RECORDS = ".dlfs-records.jsonl"
_state = {"cell": None, "count": 0}


def start(cell):
    """Record the checks of test cell `cell` until it ends (called by the rewritten test cell):
    a check the learner runs in a cell of their own is theirs, not a record."""
    _state["cell"] = str(cell)
    _state["count"] = 0
    after_this_cell(stop)


def stop():
    _state["cell"] = None


def active():
    return _state["cell"] is not None


def write(kind, case, **values):
    line = {"cell": _state["cell"], "n": _state["count"], "kind": kind, "case": str(case), **values}
    _state["count"] += 1
    with open(RECORDS, "a") as f:
        f.write(json.dumps(line, allow_nan=True) + "\n")


def encode(value):
    """An array as {"shape", "data"}; anything that is not numeric as {"error": what it is}."""
    if value is None:
        return {"error": "None"}
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return {"error": f"not a number: {type(value).__name__}"}
    return {"shape": list(array.shape), "data": [_float(x) for x in array.ravel().tolist()]}


def _float(x):
    return x if math.isfinite(x) else repr(x)  # "nan", "inf", "-inf": kept apart from numbers


def decode(encoded):
    """The array back (in the grader), or None for an encoded error."""
    if not isinstance(encoded, dict) or "shape" not in encoded:
        return None
    data = [float(x) for x in encoded["data"]]
    return np.array(data, dtype=np.float64).reshape([int(n) for n in encoded["shape"]])
