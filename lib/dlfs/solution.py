"""The instructor's solution in a trusted kernel (outside the sandbox): its records, which every
learner's are compared with (`expected_records`, cached), and its runs with some references
absent (`run_solution`), from which dlfs.groups plans the graded runs."""

import hashlib
import json
import tempfile
from pathlib import Path

import nbformat

from dlfs.verdicts import errors_of, is_test_cell, read_calls, read_records
from scratchflow import record

SEED = "import random as _r, numpy as _n\n_r.seed(0)\n_n.random.seed(0)\n"
LIBRARY = Path(record.__file__).resolve().parent


FIRST_TRY_TIMEOUT = 120


def expected_records(rewritten_solution, cache_dir, timeout=600):
    """The solution's records for the rewritten source notebook, from a trusted kernel; cached by
    the notebook's and the library's contents."""
    digest = hashlib.sha256(Path(rewritten_solution).read_bytes())
    for path in sorted(LIBRARY.glob("*.py")):
        digest.update(path.read_bytes())
    cache = Path(cache_dir) / f"{digest.hexdigest()[:20]}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    from nbclient.exceptions import CellTimeoutError

    # Now and then a kernel and its client both sit idle mid-cell (a lost message), which only a
    # timeout ends: a first run allows 120 s per cell (a solution cell takes seconds), and only if
    # a cell timed out does a second run allow `timeout`.
    try:
        records = _run_solution(rewritten_solution, min(timeout, FIRST_TRY_TIMEOUT))
    except CellTimeoutError:
        records = _run_solution(rewritten_solution, timeout)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(records))
    tmp.replace(cache)
    return records


def _run_solution(path, timeout):
    records, failed, _calls = run_solution(path, timeout)
    if failed:
        cell, error = next(iter(failed.items()))
        raise RuntimeError(f"a test cell of the solution failed: {cell}: {error}"[:500])
    return records


def run_solution(path, timeout, pythonpath=None, keep=None):
    """The rewritten solution notebook in a trusted kernel (with `pythonpath` first on the path: a
    copy of the library without some references, dlfs.absent; `keep(nb)` the cells to run, as a
    graded run of some test cells runs them). Returns its records, {test cell: its error}, and the
    calls of absent references as (exercise, test cell or "") pairs."""
    from nbclient import NotebookClient

    from dlfs import kernels
    from scratchflow.guard import ABSENT_LOG

    nb = nbformat.read(path, as_version=4)
    # Demo cells feed no test (a test proves it), nothing after the last test cell matters, and
    # per-cell seeding keeps every other cell's inputs as in the learner's sandbox.
    last = max(i for i, c in enumerate(nb.cells) if is_test_cell(c))
    nb.cells = [c for c in nb.cells[: last + 1] if "demo" not in c.metadata.get("tags", [])]
    if keep is not None:
        nb.cells = keep(nb)
    nb.cells.insert(
        0,
        nbformat.v4.new_code_cell(
            SEED + "get_ipython().events.register('pre_run_cell', lambda *a: (_r.seed(0), _n.random.seed(0)))"
        ),
    )
    env = _trusted_env()
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    with tempfile.TemporaryDirectory(prefix="dlfs-solution-") as tmp:
        client = NotebookClient(
            nb,
            config=kernels.config(tmp),
            kernel_name="python3",
            timeout=timeout,
            allow_errors=True,
            resources={"metadata": {"path": tmp}},
        )
        client.execute(env=env)
        return read_records(Path(tmp) / record.RECORDS), errors_of(nb), read_calls(Path(tmp) / ABSENT_LOG)


def _trusted_env():
    import os

    # SCRATCHFLOW_YOURS: the grader's own kept answers (scratchflow.shelf) must not run in its demonstrations
    return dict(
        os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2", SCRATCHFLOW_YOURS=os.devnull
    )
