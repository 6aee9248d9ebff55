"""Where a submission is run: nbgrader's autograde in the sandbox, then one more run per group of
exercises (dlfs.groups), each with that group's references absent (dlfs.absent).

The first group is judged from nbgrader's run, which runs every cell with the first group's
references absent. Each other group runs the autograded notebook again in a fresh sandboxed kernel:
its non-demo cells up to the group's last test cell, without the other groups' test cells. A test
cell that fails where it called the reference of another exercise of its group (an answer may be
told to use `sf.topological_order`) runs once more with only its own exercises absent.
"""

import itertools
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlfs import absent, before_autograde, children, gradebook, groups, kernels, sandbox, verdicts
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
class Worker:
    """One grading slot: its number and folder, and the sandbox settings of nbgrader's run (None:
    --unsafe). Each other run of a submission gets a uid and a runtime folder of its own, so that no
    run can leave anything for another: a reference present in one run must not reach the run that
    judges its exercise (through a file, or the other kernel's sockets)."""

    number: int
    folder: Path
    runtime: Path
    sandbox: dict | None
    cell_timeout: int
    timeout: float
    runs: object = field(default_factory=itertools.count)  # numbers the other runs

    def kernelspec(self, absent_names, library_copies, run=None):
        """JUPYTER_PATH with the sandbox's kernel for a run with `absent_names` absent: nbgrader's
        (`run` None), or another run's (`run`, a Runtime)."""
        if self.sandbox is None:
            return None
        copy = absent.copy_without(absent_names, library_copies)
        overlays = [[str(copy), str(place)] for place in absent.locations()] if absent_names else []
        config = {**self.sandbox, "overlays": overlays}
        jupyter = self.folder / "jupyter" / (copy.parent.name if absent_names else "all")
        if run is not None:
            config.update(uid=run.uid, runtime_dir=str(run.folder))
            jupyter = self.folder / "jupyter" / f"run{run.number}"
        sandbox.install_kernelspec(jupyter, config)
        return jupyter

    def another_run(self):
        number = next(self.runs)
        folder = self.folder / "rt" / str(number)  # short: a socket's path has at most 107 characters
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        # a uid range apart from nbgrader's runs' (1_000_000 + pid * 256 + worker)
        uid = 1_500_000_000 + (os.getpid() % 100_000) * 2048 + (self.number % 256) * 8 + number % 8
        return Runtime(number, folder, uid)


@dataclass
class Runtime:
    number: int
    folder: Path
    uid: int


@dataclass
class Outcome:
    """How a submission's runs went: a status and detail for grades.csv, and the runs (None when
    nothing could be judged, e.g. the notebook was stopped or nbgrader could not grade it)."""

    status: str
    detail: str
    runs: list | None = None
    max_score: object = ""


def submission(course, worker, student, log):
    """Run one submission: nbgrader's autograde (the first group), then the other groups' runs."""
    first = course.groups()[0]
    env = dict(children.env(), JUPYTER_RUNTIME_DIR=str(worker.runtime))
    flags = [
        f"--Execute.timeout={worker.cell_timeout}",
        # nbgrader fails the whole notebook when a cell's last output comes > 4 s after its reply.
        "--Execute.iopub_timeout=60",
        "--OverwriteCells.add_missing_cells=True",
        "--Execute.extra_arguments=[]",
    ]
    jupyter = worker.kernelspec(first.absent, course.library_copies)
    if jupyter is not None:
        env["JUPYTER_PATH"] = str(jupyter)
        flags.append(f"--Execute.kernel_name={sandbox.KERNEL_NAME}")
    # IPC in the runtime folder the sandbox shares (it has no network), and the wakeful client
    flags += kernels.flags(worker.runtime)
    argv = ["autograde", course.assignment, f"--student={student}", "--force", "--create", *flags]
    log_path = worker.folder / f"{student}.autograde.log"
    planned = course.groups()
    # the other groups' kernels start beside nbgrader's run, which makes the notebook they run
    pending = [start(planned[i], worker, course.library_copies, f"run{i}") for i in range(1, len(planned))]
    submitted = course.folder / "submitted" / student / course.assignment
    early = before_autograde.merged(
        submitted / course.notebook, course.folder / "source" / course.assignment / course.notebook
    )
    for run in pending if early is not None else []:
        give(run, submitted, groups.selection(early, run.group.cells))
    try:
        started = time.monotonic()
        code = children.nbgrader(
            course.folder, env, argv, log_path, worker.timeout
        )  # nbgrader and the sandbox go together
        log.info("%s: autograde ran %.2f s", student, time.monotonic() - started)
        outcome = _after_autograde(course, student, code, log_path, worker)
    except BaseException:
        cancel(pending)
        raise
    if outcome.runs is None:
        cancel(pending)
        return outcome
    autograded = course.folder / "autograded" / student / course.assignment
    outcome.runs = more_runs(autograded, planned, worker, course.library_copies, log, pending)
    log.info("%s: %d runs in %.2f s", student, len(outcome.runs), time.monotonic() - started)
    return outcome


def _after_autograde(course, student, code, log_path, worker):
    if code is None:
        return Outcome("timeout", f"the notebook ran longer than {worker.timeout:g} s and was stopped")
    output = log_path.read_text()
    score, max_score = gradebook.scores(course.url, course.assignment, student)
    if score is None:
        last = [line for line in output.splitlines() if "Error" in line][-1:] or ["see the run log"]
        return Outcome("crashed", f"nbgrader could not grade it: {last[0][:200]}")
    autograded = course.folder / "autograded" / student / course.assignment
    if not list(autograded.glob("*.ipynb")):
        # no values were judged, so no points (whatever nbgrader's kernel-side score says)
        return Outcome("crashed", "the kernel died while running the notebook; nothing was graded", None, max_score)
    status, detail = execution_status(autograded, output)
    return Outcome(status, detail, [], max_score)


def execution_status(autograded, output):
    errors = []
    for path in autograded.glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            errors += [o.ename for o in cell.get("outputs", []) if o.output_type == "error"]
    if "DeadKernelError" in output or "DeadKernelError" in errors or "Kernel died" in output:
        return "crashed", "the kernel died while running the notebook (graded up to that point)"
    if "CellTimeoutError" in errors:
        return "timeout", "a cell ran longer than the per-cell limit and was interrupted (graded otherwise)"
    return "graded", ""


def more_runs(autograded, planned, worker, library_copies, log, started=None):
    """The runs of groups 2.. (`started`: their kernels, already starting), and the reruns they call
    for, after nbgrader's run of group 1 in the `autograded` folder; [Run], the first being nbgrader's."""
    first = Run(planned[0].absent, planned[0].cells, notebook=nbformat.read(_notebook_in(autograded), as_version=4))
    _read(first, autograded)
    started = started or [start(planned[i], worker, library_copies, f"run{i}") for i in range(1, len(planned))]
    runs = [first, *(finish(pending, autograded, worker, log) for pending in started)]
    for run in list(runs):
        if len(run.cells) < 2:
            continue
        named = groups.exercises_of(run.notebook)  # once per run, not once per cell
        for cell in run.cells:
            own = named.get(cell, frozenset())
            if any(where == cell and name not in own for name, where in run.calls):
                # it called another exercise's reference, absent here: judged where that one is present
                alone = groups.Group((cell,), tuple(sorted(own)))
                runs.append(finish(start(alone, worker, library_copies, f"again-{cell}"), autograded, worker, log))
                run.cells = tuple(c for c in run.cells if c != cell)
    return runs


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
    cells = groups.selection(nbformat.read(_notebook_in(autograded), as_version=4), group.cells)
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
    _read(run, pending.folder)
    (pending.folder / "run.ipynb").unlink()
    return run


def _sources(cells):
    return [(c.cell_type, c.source) for c in cells if c.cell_type == "code"]


def _read(run, folder):
    run.records = verdicts.read_records(Path(folder) / record.RECORDS)
    run.calls = verdicts.read_calls(Path(folder) / ABSENT_LOG)
    run.errors = verdicts.errors_of(run.notebook)


def _notebook_in(folder):
    return sorted(Path(folder).glob("*.ipynb"))[0]
