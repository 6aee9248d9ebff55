"""Shared by the notebook tests: where the chapters are, and running nbgrader on them."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from traitlets.config import Config

from dlfs import kernels

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir() and p.name[:2].isdigit())
# nbgrader starts `alembic` and kernels by name: this interpreter's bin/ first.
ENV = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
os.environ["PATH"] = ENV["PATH"]


def notebooks(top, chapter):
    return sorted((ROOT / top / chapter).glob("*.ipynb"))


def grade_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def mutate(nb, grade_id, wrong_code, region=0):
    """A copy of `nb` whose answer cell `grade_id` has `wrong_code` in place of its solution
    (of its `region`-th solution region, when the cell has several)."""
    nb = nbformat.from_dict(nb)
    answer = cell(nb, grade_id)
    pattern = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION$", re.M | re.S)
    matches = list(pattern.finditer(answer.source))
    assert len(matches) > region, f"answer cell {grade_id} has no solution region {region}"
    match = matches[region]
    indent = match.group(1)
    body = "\n".join(indent + line if line else line for line in wrong_code.strip("\n").splitlines())
    answer.source = answer.source[: match.start()] + body + answer.source[match.end() :]
    return nb


def without_demos(nb):
    """`nb` without the cells tagged `demo`: slow illustrations (a training grid, a widget panel)
    that no test cell depends on. Only the mutation tests skip them, to save time."""
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if "demo" not in c.metadata.get("tags", [])]
    return nb


VALIDATE_TIMEOUTS = (60, 300)  # seconds per cell: a first try, then a guard against a hang only


def validate(nb, tmp_path, invert=False):
    """nbgrader's own Validator on `nb` (its exit code is always 0, so read its results)."""
    from nbgrader.validator import Validator

    class Keeping(Validator):  # keeps the executed notebook, to see whether a cell timed out
        def _preprocess(self, notebook):
            self.executed = super()._preprocess(notebook)
            return self.executed

    path = tmp_path / "submission.ipynb"
    nbformat.write(nb, path)
    # The wakeful client (dlfs.kernels) no longer waits out a cell's limit for a reply it missed. A
    # first try allows 60 s per cell all the same, and if a cell timed out, a second run allows
    # 300 s, which guards against a hang only: no verdict depends on how fast this machine is.
    for timeout in VALIDATE_TIMEOUTS:
        execute = {"timeout": timeout, "iopub_timeout": 60}
        config = Config({"Execute": execute, "KernelManager": kernels.settings(tmp_path)})
        validator = Keeping(config=config, invert=invert)
        results = validator.validate(str(path))
        outputs = [o for c in getattr(validator, "executed", nb).cells for o in c.get("outputs", [])]
        if not any(o.get("ename") == "CellTimeoutError" for o in outputs):
            break
    return results


def answered(release_nb, source_nb):
    """The student release with every answer cell filled in from the solution: what a learner
    who got everything right would submit."""
    nb = nbformat.from_dict(release_nb)
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("solution"):
            solution = cell(source_nb, meta["grade_id"]).source
            c.source = "\n".join(
                line for line in solution.splitlines() if not re.match(r"\s*### (BEGIN|END) SOLUTION", line)
            )
    return nb


def nbgrader(course, *args):
    """Run nbgrader in the course folder `course`; the test fails with its output if nbgrader does.
    (The 600 s limit guards against a hang only.)"""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, f"nbgrader {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
