"""The runs of a submission besides nbgrader's autograde (dlfs.runs): each in a fresh sandboxed
kernel with its group's references absent, started beside nbgrader's run and handed its notebook
(the group's cells of the notebook nbgrader runs) as soon as that is known; and what a run recorded.
"""

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlfs import children, groups, sandbox, verdicts
from scratchflow import record
from scratchflow.guard import ABSENT_LOG


@dataclass
class Run:
    """What one run of a submission recorded: the exercises absent, the test cells it judges, and
    its records, errors, calls of absent references and executed notebook (None if none ran)."""

    absent: tuple
    cells: tuple
    records: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    calls: set = field(default_factory=set)
    notebook: object = None


@dataclass
class Pending:
    """A run whose kernel is starting in its sandbox while the notebook it will run is made."""

    group: object
    name: str
    folder: Path
    child: object
    began: float
    library_copies: Path
    given: list | None = None  # the code cells it was given, once given


def start(group, worker, library_copies, name):
    """Start the kernel of a group's run (before nbgrader's run has made the notebook it runs)."""
    folder = worker.folder / "runs" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for stale in (worker.folder / "runs").glob(f"{name}.*"):
        stale.unlink()
    runtime = worker.another_run()
    jupyter = worker.kernelspec(group.absent, library_copies, runtime)
    env = dict(children.env(), JUPYTER_RUNTIME_DIR=str(runtime.folder))
    if jupyter is not None:
        env["JUPYTER_PATH"] = str(jupyter)
    kernel = sandbox.KERNEL_NAME if jupyter is not None else "python3"
    source, executed = folder / "run.ipynb", worker.folder / "runs" / f"{name}.ipynb"
    log_path = worker.folder / "runs" / f"{name}.log"
    child = children.start_notebook(source, executed, folder, env, kernel, worker.cell_timeout, log_path)
    return Pending(group, name, folder, child, time.monotonic(), library_copies)


def cancel(pending):
    """Stop the runs that were started for a submission nbgrader could not run."""
    for run in pending:
        children.cancel(run.folder / "run.ipynb")
        children.finish(run.child, 0 if run.given is not None else 60)  # one already running is killed


def give(pending, folder, cells):
    """Hand the started run its notebook (`cells`), with the files of `folder` beside it."""
    shutil.copytree(
        folder, pending.folder, ignore=shutil.ignore_patterns(record.RECORDS, ABSENT_LOG, "*.ipynb"), dirs_exist_ok=True
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.from_dict(c) for c in cells])
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    pending.given = _sources(nb.cells)
    tmp = pending.folder.parent / f"{pending.name}.tmp"
    nbformat.write(nb, tmp)
    tmp.replace(pending.folder / "run.ipynb")  # whole: the child starts reading it as soon as it is there


def finish(pending, autograded, worker, log):
    """The started run's Run, of nbgrader's autograded notebook: its non-demo cells up to the
    group's last test cell, without the other test cells. A run that started early from another
    notebook than that one is stopped and run again."""
    group = pending.group
    cells = groups.selection(nbformat.read(notebook_in(autograded), as_version=4), group.cells)
    if pending.given is not None and pending.given != _sources(cells):
        log.warning("%s: nbgrader's notebook differs from the one it started with; running it again", pending.name)
        children.finish(pending.child, 0)  # killed
        pending = start(group, worker, pending.library_copies, pending.name)
    if pending.given is None:
        give(pending, autograded, cells)
    run = Run(tuple(group.absent), tuple(group.cells))
    code = children.finish(pending.child, worker.timeout)
    took = time.monotonic() - pending.began
    absent_names = ", ".join(run.absent) or "nothing"
    log.info("%s: ran with %s absent, %.2f s from its kernel's start", pending.name, absent_names, took)
    executed = worker.folder / "runs" / f"{pending.name}.ipynb"
    if code is None or not executed.exists():
        run.errors = {c: "the run was stopped (it ran past the notebook's time limit)" for c in group.cells}
        return run
    run.notebook = nbformat.read(executed, as_version=4)
    read(run, pending.folder)
    (pending.folder / "run.ipynb").unlink()
    return run


def _sources(cells):
    return [(c.cell_type, c.source) for c in cells if c.cell_type == "code"]


def read(run, folder):
    run.records = verdicts.read_records(Path(folder) / record.RECORDS)
    run.calls = verdicts.read_calls(Path(folder) / ABSENT_LOG)
    run.errors = verdicts.errors_of(run.notebook)


def notebook_in(folder):
    return sorted(Path(folder).glob("*.ipynb"))[0]
