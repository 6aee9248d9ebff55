"""Where a submission is run: nbgrader's autograde in the sandbox, then one more run per group of
exercises (dlfs.groups), each with that group's references absent (dlfs.absent).

The first group is judged from nbgrader's run, which runs every cell with the first group's
references absent. Each other group runs the autograded notebook again in a fresh sandboxed kernel
(dlfs.extra_runs): its non-demo cells up to the group's last test cell, without the other groups'
test cells. A test cell that fails where it called the reference of another exercise of its group
(an answer may be told to use `sf.topological_order`) runs once more with only its own exercises
absent.
"""

import itertools
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlfs import absent, before_autograde, children, extra_runs, gradebook, groups, kernels, sandbox


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
    pending = [extra_runs.start(planned[i], worker, course.library_copies, f"run{i}") for i in range(1, len(planned))]
    submitted = course.folder / "submitted" / student / course.assignment
    early = before_autograde.merged(
        submitted / course.notebook, course.folder / "source" / course.assignment / course.notebook
    )
    for run in pending if early is not None else []:
        extra_runs.give(run, submitted, groups.selection(early, run.group.cells))
    try:
        started = time.monotonic()
        code = children.nbgrader(
            course.folder, env, argv, log_path, worker.timeout
        )  # nbgrader and the sandbox go together
        log.info("%s: autograde ran %.2f s", student, time.monotonic() - started)
        outcome = _after_autograde(course, student, code, log_path, worker)
    except BaseException:
        extra_runs.cancel(pending)
        raise
    if outcome.runs is None:
        extra_runs.cancel(pending)
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
    first = extra_runs.Run(
        planned[0].absent, planned[0].cells, notebook=nbformat.read(extra_runs.notebook_in(autograded), as_version=4)
    )
    extra_runs.read(first, autograded)
    started = started or [
        extra_runs.start(planned[i], worker, library_copies, f"run{i}") for i in range(1, len(planned))
    ]
    runs = [first, *(extra_runs.finish(pending, autograded, worker, log) for pending in started)]
    for run in list(runs):
        if len(run.cells) < 2:
            continue
        named = groups.exercises_of(run.notebook)  # once per run, not once per cell
        for cell in run.cells:
            own = named.get(cell, frozenset())
            if any(where == cell and name not in own for name, where in run.calls):
                # it called another exercise's reference, absent here: judged where that one is present
                alone = groups.Group((cell,), tuple(sorted(own)))
                runs.append(
                    extra_runs.finish(
                        extra_runs.start(alone, worker, library_copies, f"again-{cell}"), autograded, worker, log
                    )
                )
                run.cells = tuple(c for c in run.cells if c != cell)
    return runs
