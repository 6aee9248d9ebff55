"""dlfs-grade: grade a class's submissions of one chapter, safely, losing nothing.

    dlfs-grade ASSIGNMENT SUBMISSIONS --out OUTDIR [--timeout SECONDS] [--jobs N] [--db URL] [--shard K/N]
    dlfs-grade ASSIGNMENT --export --out OUTDIR [--db URL]
    ... [--lms canvas|moodle --roster ROSTER.csv]

SUBMISSIONS is a directory with one folder per student (SUBMISSIONS/<student_id>/<notebook>.ipynb,
or nbgrader's collected submitted/<student_id>/<assignment>/<notebook>.ipynb)
or the .zip Canvas or Moodle downloads (the student id is Canvas's user id, Moodle's participant
id; dlfs.lms_names), or a .zip of other names with --pattern, a regular expression with the groups
student_id and file_id, read by nbgrader's FileNameCollectorPlugin. OUTDIR gets grades.csv
(student_id, score, max_score, status, detail),
feedback/<student_id>/*.html, logs/ and the nbgrader course with its gradebook (backed up in
backups/ before every run). Student code runs in the bubblewrap sandbox of dlfs.sandbox, once per
group of exercises, with that group's references absent; the points are decided outside it, from the
values it recorded.

The stages, one module each: intake (dlfs.submissions) -> course (dlfs.course) -> runs (dlfs.runs,
dlfs.extra_runs) -> judging (dlfs.judging) -> feedback (dlfs.feedback) -> export (dlfs.export,
dlfs.lms). This module is the command line and the order of the stages.

--db puts the gradebook at any SQLAlchemy URL (a PostgreSQL server several machines share); --shard
K/N grades only the K-th of N disjoint slices of the students, so N machines grade one class at
once; --export writes grades.csv from the gradebook alone; --lms writes the file an LMS imports.
"""

import contextlib
import logging
import os
import queue
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dlfs import course as course_stage
from dlfs import export, feedback, gradebook, judging, review, runs, sandbox, submissions, zygote
from dlfs.cli import GRADER_FAILED, Refused, settings

ROOT = Path(__file__).resolve().parents[2]  # the course repository (the package is installed editable)
log = logging.getLogger("dlfs-grade")


def main(argv=None):
    """The command (dlfs.cli)."""
    from dlfs import cli

    return cli.main(argv)


def export_only(args):
    """grades.csv (the whole class, every shard's students) from the gradebook alone."""
    _, url, course_dir = settings(args)
    out = Path(args.out).resolve()
    if not args.db and not (course_dir / "gradebook.db").exists():
        raise Refused(f"no gradebook at {course_dir / 'gradebook.db'}: grade first, or give --db or --course-dir")
    saved = out / "backups" / course_stage.stamp()
    rows = export.from_gradebook(url, args.assignment, out, lambda path: course_stage.backup(saved, path))
    if rows is None:
        raise Refused(f"the gradebook {gradebook.shown(url)} has no grades for {args.assignment}")
    return rows


def grade(args):
    shard, url, course_dir = settings(args)
    course_repo = Path(args.course).resolve()
    source = course_repo / "solutions" / args.assignment
    if not (source.is_dir() and list(source.glob("*.ipynb"))):
        known = sorted(p.name for p in (course_repo / "solutions").glob("[0-9][0-9]_*"))
        raise Refused(f"unknown assignment {args.assignment!r}; the chapters are: {', '.join(known)}")
    if not args.unsafe and not sandbox.available():
        raise Refused(
            "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed; install it "
            "(Debian: apt-get install bubblewrap), or pass --unsafe to grade trusted notebooks only"
        )
    if not args.unsafe and os.geteuid() != 0:
        raise Refused("the sandbox drops student code to an unprivileged uid, which needs root; or pass --unsafe")
    if not 1 <= args.jobs <= 256:
        raise Refused(f"--jobs must be between 1 and 256, got {args.jobs}")
    out = Path(args.out).resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    stamp = course_stage.stamp()
    _log_to(out / "logs" / f"{stamp}.log")
    notebook = sorted(source.glob("*.ipynb"))[0].name
    log.info("grading %s (%s) from %s into %s", args.assignment, notebook, args.submissions, out)
    log.info("gradebook %s%s", gradebook.shown(url), f", shard {args.shard}" if shard else "")
    os.environ[gradebook.URL_VARIABLE] = url  # for nbgrader's processes; the sandbox clears a kernel's environment

    given = Path(args.submissions).resolve()
    if given == course_dir or course_dir in given.parents:
        # the run replaces course_dir/submitted/<student>: it would delete what it is about to grade
        raise Refused(
            f"the submissions ({given}) are inside the course folder this run grades in ({course_dir}); "
            "give another --out (or --course-dir)"
        )
    with tempfile.TemporaryDirectory(prefix="dlfs-grade-") as tmp, contextlib.ExitStack() as stack:
        # the sandboxed kernels' warm zygote: its imports go on beside the set-up
        warm = None
        if not args.unsafe:
            warm = stack.enter_context(
                zygote.running(Path(tmp) / "zygote", sandbox.environment("/tmp"), sandbox.font_list())
            )
        notes = []  # files of the submissions that are not graded, and why
        found = submissions.collect(Path(args.submissions), notebook, args.pattern, Path(tmp), args.assignment, notes)
        for note in notes:
            log.warning("%s", note)
            print(f"dlfs-grade: {note}", file=sys.stderr)
        found = {s: v for s, v in found.items() if gradebook.in_shard(s, shard)}
        # What the threads below import is imported first, here: two threads importing IPython at
        # once can each see it half-initialised.
        import IPython.core.inputtransformer2  # noqa: F401
        import matplotlib.font_manager  # noqa: F401 (the sandbox's font list)
        import nbclient  # noqa: F401
        from traitlets.config import Config  # noqa: F401

        # The reviews (plain Python over each submission) go on beside the set-up and the grading.
        reviewer = ThreadPoolExecutor(1)
        answer = source / notebook
        reviews = {s: reviewer.submit(_review, p, answer) for s, (p, problem) in found.items() if not problem}
        reviewer.shutdown(wait=False)
        course = course_stage.prepare(
            out, course_dir, course_repo, args.assignment, notebook, stamp, url, safe=not args.unsafe
        )
        rows, to_grade = {}, []
        for student, (path, problem) in sorted(found.items()):
            if problem:
                rows[student] = export.row(student, 0, None, *problem)
                gradebook.save(url, args.assignment, [rows[student]])
            else:
                course_stage.place(course, student, path)
                to_grade.append(student)
        if warm is not None:
            try:
                warm.ready()
            except RuntimeError as error:
                raise Refused(f"the sandbox cannot start kernels: {error}") from None
        slots = queue.Queue()
        for number in range(args.jobs):
            slots.put(_worker(out, args, number, warm))

        def run(student):
            worker = slots.get()
            try:
                # until this student's verdicts are in, the gradebook says so (a stopped run is visible)
                pending = export.row(student, 0, "", "grading", "stopped while grading; grade again")
                gradebook.save(url, args.assignment, [pending])
                return student, grade_twice_if_timed_out(course, worker, student)
            except Refused:
                raise
            except Exception as error:  # noqa: BLE001 (one student's trouble never stops the run)
                log.exception("%s: grading failed", student)
                why = f"{GRADER_FAILED}: {type(error).__name__}: {error}"[:300]
                return student, export.row(student, 0, "", "crashed", why)
            finally:
                slots.put(worker)

        judged = set()  # students whose points in nbgrader's gradebook are the trusted verdicts'
        log.info("course ready; grading %d students with %d workers", len(to_grade), args.jobs)
        with ThreadPoolExecutor(args.jobs) as pool:
            for student, row in pool.map(run, to_grade):
                flags = reviews[student].result()
                if flags:  # a person decides; the score stands
                    row["detail"] = "; ".join(filter(None, [row["detail"], "review: " + "; ".join(flags)]))
                rows[student] = row
                if row.pop("judged", False):
                    judged.add(student)
                gradebook.save(url, args.assignment, [row], judged=student in judged)
                score, max_score = export.shown(row["score"]), export.shown(row["max_score"])
                log.info("%s: %s %s/%s %s", student, row["status"], score, max_score, row["detail"])
        course.expected()  # a solution that fails its trusted run is refused, even if no one needed judging
        course.groups()
        started = time.monotonic()
        graded = [s for s in to_grade if rows[s]["max_score"] != ""]
        feedback.generate(course, args.jobs, graded, rows, args.timeout, log)
        log.info("feedback generated in %.1f s", time.monotonic() - started)
        # the feedback's outcome is part of the rows
        gradebook.save(url, args.assignment, [r for s, r in rows.items() if s in judged], judged=True)
        gradebook.save(url, args.assignment, [r for s, r in rows.items() if s not in judged])
    max_score = gradebook.max_score(url, args.assignment)
    for row in rows.values():
        if row["max_score"] in ("", None):
            row["max_score"] = max_score
    return export.write_grades(out / "grades.csv", rows)


def _worker(out, args, number, warm):
    folder = out / "workers" / str(number)
    runtime = folder / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    settings = None
    if not args.unsafe:
        settings = {
            # The process limit counts per uid: one uid per worker of this run, and none shared
            # with a concurrent run (PIDs of running processes are unique).
            "uid": 1_000_000 + os.getpid() * 256 + number,
            "runtime_dir": str(runtime),
            "read_only": [str(ROOT / "lib")],
            "memory_gib": args.memory_gib,
            "cpu_seconds": int(args.timeout) + 5,
            "zygote": str(warm.path),
        }
    return runs.Worker(number, folder, runtime, settings, args.cell_timeout, args.timeout)


def grade_twice_if_timed_out(course, worker, student):
    """Now and then a kernel and its client both sit idle mid-cell (a lost message) until the cell's
    time limit: a student whose cell timed out is graded once more, and the second result stands
    (an answer that really loops forever times out again)."""
    row = grade_one(course, worker, student)
    if row["status"] == "timeout":
        log.warning("%s: %s; grading once more", student, row["detail"])
        row = grade_one(course, worker, student)
    return row


def grade_one(course, worker, student):
    """One submission through the runs and the judging stages: its row."""
    outcome = runs.submission(course, worker, student, log)
    if outcome.runs is None:
        return export.row(student, 0, outcome.max_score, outcome.status, outcome.detail)
    started = time.monotonic()
    decided = judging.decide(course.expected(), course.points, outcome.runs)
    judging.apply(course.folder, course.assignment, course.notebook, student, decided, outcome.runs, course.url)
    score, max_score = gradebook.scores(course.url, course.assignment, student)
    log.info("%s: judged in %.2f s", student, time.monotonic() - started)
    return dict(export.row(student, score, max_score, outcome.status, outcome.detail), judged=True)


def _review(path, source):
    try:
        return review.review_file(path, source)
    except Exception as error:  # noqa: BLE001 (a review that fails says so; grading goes on)
        log.exception("review of %s failed", path)
        return [f"the code review failed ({type(error).__name__})"]


def _log_to(path):
    log.setLevel(logging.INFO)
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
