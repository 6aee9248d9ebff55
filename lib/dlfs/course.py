"""The course stage of dlfs-grade: the nbgrader course folder with the assignment generated from
the solution (its test cells rewritten to record, dlfs.verdicts), backups of what a run changes,
and, beside nbgrader's set-up, the solution's trusted runs: its expected records, and the groups of
test cells that share a graded run (dlfs.groups)."""

import datetime
import logging
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dlfs import children, gradebook, groups, solution, submissions, verdicts
from dlfs.export import write_grades

log = logging.getLogger("dlfs-grade")


class Refused(Exception):
    """The run itself cannot work (unknown assignment, unreadable input...): exit non-zero."""


@dataclass
class Course:
    """What every student's grading reads: where the course is, the assignment, each test cell's
    points, and the solution's records and groups (futures, computed beside the set-up)."""

    folder: Path
    out: Path
    assignment: str
    notebook: str
    points: dict
    url: str
    expected_future: object = None
    groups_future: object = None
    safe: bool = True  # False with --unsafe: no sandbox, so one run with the in-kernel guard only

    @property
    def library_copies(self):
        return self.out / "expected" / "library"

    def expected(self):
        return _result(self.expected_future)

    def groups(self):
        return _result(self.groups_future)


def stamp():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def backup(folder, *paths):
    """Copy each existing path into folder (made on first use) before a run changes it."""
    for path in paths:
        if path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, folder / path.name)


def prepare(out, folder, repo, assignment, notebook, run_stamp, url, safe):
    """Start the solution's trusted runs and set the course up (generate_assignment): a Course."""
    (folder / "source").mkdir(parents=True, exist_ok=True)
    saved = out / "backups" / run_stamp
    backup(saved, folder / "gradebook.db", out / "grades.csv")
    if not url.startswith("sqlite"):  # a server's gradebook: keep this assignment's grades as they were
        with gradebook.setup_lock(url):
            before = gradebook.load(url, assignment)
        if before:
            saved.mkdir(parents=True, exist_ok=True)
            write_grades(saved / f"gradebook-{assignment}.csv", before)
    if (folder / "source" / assignment).exists():
        shutil.rmtree(folder / "source" / assignment)
    shutil.copytree(repo / "solutions" / assignment, folder / "source" / assignment)
    points = {}
    for path in sorted((folder / "source" / assignment).glob("*.ipynb")):
        points.update(verdicts.rewrite_notebook(path))  # the test cells record; nothing expected is computed
    (folder / "nbgrader_config.py").write_text(
        "import os\n\n"
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.source_directory = 'source'\n"
        f"c.CourseDirectory.course_id = {gradebook.COURSE_ID!r}\n"
        f"# dlfs-grade --db sets {gradebook.URL_VARIABLE}; set it too to open this gradebook in formgrader\n"
        f"c.CourseDirectory.db_url = os.environ.get({gradebook.URL_VARIABLE!r}, 'sqlite:///gradebook.db')\n"
    )
    # The solution's trusted runs need only the rewritten solution: they go on beside nbgrader's set-up
    # and the first students' runs (the runs wait for the plan, the judging for the records).
    solution = folder / "source" / assignment / notebook
    pool = ThreadPoolExecutor(2)
    expected = pool.submit(_expected_records, solution, out / "expected")
    planned = pool.submit(_groups, safe, solution, expected, points, out / "expected")
    pool.shutdown(wait=False)
    started = time.monotonic()
    with gradebook.setup_lock(url):  # shards on other machines set up the same assignment
        argv = ["generate_assignment", assignment, "--force", "--CourseDirectory.release_directory=release"]
        log_path = out / "logs" / run_stamp / "generate_assignment.log"  # beside, not among, the run logs
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if children.nbgrader(folder, children.env(), argv, log_path, timeout=600) != 0:
            last = log_path.read_text().strip().splitlines()[-1:] or ["no output"]
            raise Refused(f"nbgrader generate_assignment failed: {last[0][:300]} (log: {log_path})")
        gradebook.ensure(url)
    log.info("course set up in %.1f s (nbgrader generate_assignment)", time.monotonic() - started)
    return Course(folder, out, assignment, notebook, points, url, expected, planned, safe=safe)


def place(course, student, path):
    """The student's notebook (and nbgrader's files beside it) into submitted/, replacing a
    previous submission of theirs."""
    target = course.folder / "submitted" / student / course.assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy(path, target / course.notebook)
    for name in submissions.NBGRADER_FILES:  # nbgrader's: when it was submitted, its feedback's key
        if (path.parent / name).is_file() and not (path.parent / name).is_symlink():
            shutil.copy(path.parent / name, target / name)


def _expected_records(path, cache):
    expected = solution.expected_records(path, cache)
    log.info("expected records: %d (the solution's trusted run)", len(expected))
    return expected


def _groups(safe, solution, expected, points, cache_dir):
    if not safe:
        log.info("runs per submission: 1 (--unsafe: no sandbox, so the references are only guarded in the kernel)")
        return [groups.Group(tuple(points), ())]
    started = time.monotonic()
    found = groups.plan(solution, lambda: _result(expected), points, cache_dir)
    shown = "; ".join(f"{', '.join(g.cells)} without {', '.join(g.absent) or 'nothing'}" for g in found)
    log.info("runs per submission: %d (%s), planned in %.1f s", len(found), shown, time.monotonic() - started)
    return found


def _result(future):
    """A trusted run's result; its failure refuses the run (the instructor's notebook must run)."""
    try:
        return future.result()
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001
        why = f"the solution notebook failed in the trusted run: {type(error).__name__}: {error}"
        raise Refused(why[:500]) from None
