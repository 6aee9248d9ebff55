"""dlfs-grade: grade a class's submissions of one chapter, safely, losing nothing.

    dlfs-grade ASSIGNMENT SUBMISSIONS --out OUTDIR [--timeout SECONDS] [--jobs N] [--db URL] [--shard K/N]
    dlfs-grade ASSIGNMENT --export --out OUTDIR [--db URL]
    ... [--lms canvas|moodle --roster ROSTER.csv]

SUBMISSIONS is a directory with one folder per student (SUBMISSIONS/<student_id>/<notebook>.ipynb,
or nbgrader's collected submitted/<student_id>/<assignment>/<notebook>.ipynb)
or a .zip from an LMS whose files are named <student_id>_<anything>_<notebook>.ipynb (the pattern
is --pattern, a regular expression with the groups student_id and file_id, read by nbgrader's
FileNameCollectorPlugin). OUTDIR gets grades.csv (student_id, score, max_score, status, detail),
feedback/<student_id>/*.html, logs/ and the nbgrader course with its gradebook (backed up in
backups/ before every run). Student code runs in the bubblewrap sandbox of dlfs.sandbox; the points
are decided outside it, from the values it recorded (dlfs.verdicts).

--db puts the gradebook at any SQLAlchemy URL (a PostgreSQL server several machines share); --shard
K/N grades only the K-th of N disjoint slices of the students, so N machines grade one class at
once; --export writes grades.csv from the gradebook alone; --lms writes the file an LMS imports.
"""

import argparse
import csv
import datetime
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from dlfs import gradebook, kernels, lms, review, sandbox, submissions, trusted, verdicts

ROOT = Path(__file__).resolve().parents[2]  # the course repository (the package is installed editable)
FIELDS = ["student_id", "score", "max_score", "status", "detail"]
log = logging.getLogger("dlfs-grade")


class Refused(Exception):
    """The run itself cannot work (unknown assignment, unreadable input...): exit non-zero."""


def main(argv=None):
    args = _parser().parse_args(argv)
    gradebook.read_schema_version_in_process()
    try:
        rows = export(args) if args.export else grade(args)
        if args.lms:
            written = lms.write(
                args.lms, rows, args.roster, Path(args.out), args.assignment, args.lms_assignment_id, args.lms_key
            )
            print(written)
    except (Refused, submissions.Unreadable, lms.RosterError) as why:
        print(f"dlfs-grade: {why}", file=sys.stderr)
        return 2
    counts = {}
    for row in rows.values():
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    print(f"dlfs-grade: {len(rows)} students in {Path(args.out) / 'grades.csv'} " + str(dict(sorted(counts.items()))))
    return 0


def _parser():
    p = argparse.ArgumentParser(prog="dlfs-grade", description=__doc__.split("\n\n")[0])
    p.add_argument("assignment", help="a chapter folder, e.g. 04_gradient_descent_backpropagation")
    p.add_argument("submissions", nargs="?", help="a folder with one folder per student, or an LMS .zip")
    p.add_argument("--out", required=True, help="where grades.csv, feedback/ and the gradebook go")
    p.add_argument("--timeout", type=float, default=600, help="wall-clock seconds per notebook (default 600)")
    p.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell (default 120)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--memory-gib", type=float, default=2.0, help="memory limit of a student's kernel (default 2)")
    p.add_argument(
        "--pattern", default=submissions.DEFAULT_PATTERN, help="regex for LMS file names (groups student_id, file_id)"
    )
    p.add_argument("--course", default=str(ROOT), help="the course repository (default: this one)")
    p.add_argument("--course-dir", help="the nbgrader course folder with the gradebook (default: OUTDIR/course)")
    p.add_argument("--unsafe", action="store_true", help="grade without the sandbox (trusted notebooks only)")
    p.add_argument("--db", help="the gradebook's SQLAlchemy URL (default: SQLite in the course folder)")
    p.add_argument("--shard", help="K/N: grade only the K-th of N disjoint slices of the students")
    p.add_argument("--export", action="store_true", help="write grades.csv from the gradebook alone; grade no one")
    p.add_argument("--lms", choices=lms.FORMATS, help="also write the grades as this LMS imports them")
    p.add_argument("--roster", help="the LMS's own export of the class (CSV), for --lms")
    p.add_argument("--lms-assignment-id", help="Canvas: the assignment's id, so the import updates it")
    p.add_argument("--lms-key", help="the roster column holding the student ids (default: see dlfs.lms)")
    return p


def _settings(args):
    """Check what the command line asks for: (shard, gradebook URL, course folder)."""
    if args.export == bool(args.submissions):
        raise Refused("give either SUBMISSIONS (to grade) or --export (to write grades.csv from the gradebook)")
    if args.lms and not args.roster:
        raise Refused(f"--lms {args.lms} needs --roster, the class list exported from {args.lms}")
    if args.lms_assignment_id and args.lms != "canvas":
        raise Refused("--lms-assignment-id is for --lms canvas")
    try:
        shard = gradebook.parse_shard(args.shard) if args.shard else None
        course_dir = Path(args.course_dir or Path(args.out) / "course").resolve()
        return shard, gradebook.url_of(args.db, course_dir), course_dir
    except ValueError as error:
        raise Refused(str(error)) from None


def export(args):
    """grades.csv (the whole class, every shard's students) from the gradebook alone."""
    _, url, course_dir = _settings(args)
    out = Path(args.out).resolve()
    if not args.db and not (course_dir / "gradebook.db").exists():
        raise Refused(f"no gradebook at {course_dir / 'gradebook.db'}: grade first, or give --db or --course-dir")
    rows = gradebook.load(url, args.assignment)
    if not rows:
        raise Refused(f"the gradebook {gradebook.shown(url)} has no grades for {args.assignment}")
    out.mkdir(parents=True, exist_ok=True)
    _backup(out / "backups" / datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f"), out / "grades.csv")
    (out / "grades.csv").unlink(missing_ok=True)  # the gradebook holds the whole class: no merging
    return _write_grades(out / "grades.csv", rows)


def _backup(folder, *paths):
    """Copy each existing path into folder (made on first use) before a run changes it."""
    for path in paths:
        if path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, folder / path.name)


def grade(args):
    shard, url, course_dir = _settings(args)
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
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
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
    with tempfile.TemporaryDirectory(prefix="dlfs-grade-") as tmp:
        found = submissions.collect(Path(args.submissions), notebook, args.pattern, Path(tmp), args.assignment)
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
        started = time.monotonic()
        course, points = _prepare_course(out, course_dir, course_repo, args.assignment, stamp, url)
        log.info("course set up in %.1f s (nbgrader generate_assignment)", time.monotonic() - started)
        # The solution's trusted run goes on while the first students are autograded; judging waits for it.
        solution = ThreadPoolExecutor(1)
        expected = solution.submit(_solution_records, course / "source" / args.assignment / notebook, out / "expected")
        solution.shutdown(wait=False)
        judge = {"expected": expected, "points": points, "notebook": notebook, "url": url}
        rows = {}
        to_grade = []
        for student, (path, problem) in sorted(found.items()):
            if problem:
                rows[student] = _row(student, 0, None, *problem)
                gradebook.save(url, args.assignment, [rows[student]])
                continue
            target = course / "submitted" / student / args.assignment
            if target.exists():
                shutil.rmtree(target)  # a new submission of this student replaces the previous one
            target.mkdir(parents=True)
            shutil.copy(path, target / notebook)
            for name in submissions.NBGRADER_FILES:  # nbgrader's: when it was submitted, its feedback's key
                if (path.parent / name).is_file() and not (path.parent / name).is_symlink():
                    shutil.copy(path.parent / name, target / name)
            to_grade.append(student)
        slots = queue.Queue()
        for worker in range(args.jobs):
            slots.put(worker)

        def run(student):
            worker = slots.get()
            try:
                # until this student's verdicts are in, the gradebook says so (a stopped run is visible)
                pending = _row(student, 0, "", "grading", "stopped while grading; grade again")
                gradebook.save(url, args.assignment, [pending])
                return student, _grade_twice_if_timed_out(course, out, args, student, worker, judge)
            except Refused:
                raise
            except Exception as error:  # noqa: BLE001 (one student's trouble never stops the run)
                log.exception("%s: grading failed", student)
                return student, _row(
                    student, 0, "", "crashed", f"grading failed: {type(error).__name__}: {error}"[:300]
                )
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
                log.info(
                    "%s: %s %s/%s %s", student, row["status"], _num(row["score"]), _num(row["max_score"]), row["detail"]
                )
        _expected(expected)  # a solution that fails its trusted run is refused, even if no one needed judging
        started = time.monotonic()
        _feedback(course, out, args, [s for s in to_grade if rows[s]["max_score"] != ""], rows)
        log.info("feedback generated in %.1f s", time.monotonic() - started)
        # the feedback's outcome is part of the rows
        gradebook.save(url, args.assignment, [r for s, r in rows.items() if s in judged], judged=True)
        gradebook.save(url, args.assignment, [r for s, r in rows.items() if s not in judged])
    max_score = gradebook.max_score(url, args.assignment)
    for row in rows.values():
        if row["max_score"] in ("", None):
            row["max_score"] = max_score
    return _write_grades(out / "grades.csv", rows)


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


def _prepare_course(out, course, course_repo, assignment, stamp, url):
    (course / "source").mkdir(parents=True, exist_ok=True)
    backup = out / "backups" / stamp
    _backup(backup, course / "gradebook.db", out / "grades.csv")
    if not url.startswith("sqlite"):  # a server's gradebook: keep this assignment's grades as they were
        with gradebook.setup_lock(url):
            before = gradebook.load(url, assignment)
        if before:
            backup.mkdir(parents=True, exist_ok=True)
            _write_grades(backup / f"gradebook-{assignment}.csv", before)
    if (course / "source" / assignment).exists():
        shutil.rmtree(course / "source" / assignment)
    shutil.copytree(course_repo / "solutions" / assignment, course / "source" / assignment)
    points = {}
    for path in sorted((course / "source" / assignment).glob("*.ipynb")):
        points.update(verdicts.rewrite_notebook(path))  # the test cells record; nothing expected is computed
    (course / "nbgrader_config.py").write_text(
        "import os\n\n"
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.source_directory = 'source'\n"
        f"c.CourseDirectory.course_id = {gradebook.COURSE_ID!r}\n"
        f"# dlfs-grade --db sets {gradebook.URL_VARIABLE}; set it too to open this gradebook in formgrader\n"
        f"c.CourseDirectory.db_url = os.environ.get({gradebook.URL_VARIABLE!r}, 'sqlite:///gradebook.db')\n"
    )
    with gradebook.setup_lock(url):  # shards on other machines set up the same assignment
        argv = ["generate_assignment", assignment, "--force", "--CourseDirectory.release_directory=release"]
        log_path = out / "logs" / stamp / "generate_assignment.log"  # beside, not among, the run logs
        log_path.parent.mkdir(exist_ok=True)
        if _in_child(course, _env(), argv, log_path, timeout=600) != 0:
            last = log_path.read_text().strip().splitlines()[-1:] or ["no output"]
            raise Refused(f"nbgrader generate_assignment failed: {last[0][:300]} (log: {log_path})")
        gradebook.ensure(url)
    return course, points


def _in_child(course, env, argv, log_path, timeout):
    """Run nbgrader's app with argv in a fresh child of the fork server; its exit code, or None when
    it ran past `timeout` and was killed, with its whole session (the child leads one)."""
    child = _forkserver().Process(target=_nbgrader_child, args=(str(course), env, argv, str(log_path)))
    child.start()
    child.join(timeout)
    if child.is_alive():
        os.killpg(child.pid, signal.SIGKILL)
        child.join()
        return None
    return child.exitcode


def _env():
    return dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


def _grade_twice_if_timed_out(course, out, args, student, worker, judge):
    """Now and then a kernel and its client both sit idle mid-cell (a lost message) until the cell's
    time limit: a student whose cell timed out is graded once more, and the second result stands
    (an answer that really loops forever times out again)."""
    row = _grade_one(course, out, args, student, worker, judge)
    if row["status"] == "timeout":
        log.warning("%s: %s; grading once more", student, row["detail"])
        row = _grade_one(course, out, args, student, worker, judge)
    return row


def _grade_one(course, out, args, student, worker, judge):
    work = out / "workers" / str(worker)
    runtime = work / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    env = dict(_env(), JUPYTER_RUNTIME_DIR=str(runtime))
    flags = [
        f"--Execute.timeout={args.cell_timeout}",
        # nbgrader fails the whole notebook when a cell's last output comes > 4 s after its reply.
        "--Execute.iopub_timeout=60",
        "--OverwriteCells.add_missing_cells=True",
        "--Execute.extra_arguments=[]",
    ]
    if not args.unsafe:
        sandbox.install_kernelspec(
            work / "jupyter",
            {
                # The process limit counts per uid: one uid per worker of this run, and none shared
                # with a concurrent run (PIDs of running processes are unique).
                "uid": 1_000_000 + os.getpid() * 256 + worker,
                "runtime_dir": str(runtime),
                "read_only": [str(ROOT / "lib")],
                "memory_gib": args.memory_gib,
                "cpu_seconds": int(args.timeout) + 5,
            },
        )
        env["JUPYTER_PATH"] = str(work / "jupyter")
        flags.append(f"--Execute.kernel_name={sandbox.KERNEL_NAME}")
    # IPC in the runtime folder the sandbox shares (it has no network), and the wakeful client
    flags += kernels.flags(runtime)
    argv = ["autograde", args.assignment, f"--student={student}", "--force", "--create", *flags]
    log_path = work / f"{student}.autograde.log"
    started = time.monotonic()
    code = _in_child(course, env, argv, log_path, args.timeout)  # nbgrader and the sandbox go together
    log.info("%s: autograde ran %.2f s", student, time.monotonic() - started)
    if code is None:
        return _row(student, 0, "", "timeout", f"the notebook ran longer than {args.timeout:g} s and was stopped")
    output = log_path.read_text()
    score, max_score = gradebook.scores(judge["url"], args.assignment, student)
    if score is None:
        last = [line for line in output.splitlines() if "Error" in line][-1:] or ["see the run log"]
        return _row(student, 0, "", "crashed", f"nbgrader could not grade it: {last[0][:200]}")
    autograded = course / "autograded" / student / args.assignment
    if not list(autograded.glob("*.ipynb")):
        return _row(  # no values were judged, so no points (whatever nbgrader's kernel-side score says)
            student, 0, max_score, "crashed", "the kernel died while running the notebook; nothing was graded"
        )
    status, detail = _execution_status(autograded, output)
    # nbgrader's score came from the kernel's own verdicts; the trusted ones replace it
    ran = time.monotonic()
    expected = _expected(judge["expected"])
    trusted.apply(course, args.assignment, judge["notebook"], student, expected, judge["points"], judge["url"])
    score, max_score = gradebook.scores(judge["url"], args.assignment, student)
    log.info("%s: judged in %.2f s", student, time.monotonic() - ran)
    return dict(_row(student, score, max_score, status, detail), judged=True)


def _solution_records(path, cache):
    expected = verdicts.expected_records(path, cache)
    log.info("expected records: %d (the solution's trusted run)", len(expected))
    return expected


def _expected(future):
    """The solution's records, once its trusted run is done."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 (the instructor's notebook itself must run)
        why = f"the solution notebook failed in the trusted run: {type(error).__name__}: {error}"
        raise Refused(why[:500]) from None


_context = None


def _forkserver():
    # nbgrader is imported once, in the fork server; each student is graded in a fresh child of it
    # (as isolated as a new process, without paying the imports again).
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["nbgrader.apps.nbgraderapp", "nbconvert", "nbclient", "dlfs.grade"])
    return _context


def _nbgrader_child(course, env, argv, log_path):
    os.setsid()
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.chdir(course)
    os.environ.clear()
    os.environ.update(env)
    from nbgrader.apps.nbgraderapp import NbGraderApp

    gradebook.read_schema_version_in_process()
    code = 0
    try:
        NbGraderApp.launch_instance(argv=argv)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 (reported in the log; the parent reads the gradebook)
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _execution_status(autograded, output):
    errors = []
    for path in autograded.glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            errors += [o.ename for o in cell.get("outputs", []) if o.output_type == "error"]
    if "DeadKernelError" in output or "DeadKernelError" in errors or "Kernel died" in output:
        return "crashed", "the kernel died while running the notebook (graded up to that point)"
    if "CellTimeoutError" in errors:
        return "timeout", "a cell ran longer than the per-cell limit and was interrupted (graded otherwise)"
    return "graded", ""


def _feedback(course, out, args, students, rows):
    """Feedback pages (nbgrader's generate_feedback, which runs no student code), in --jobs children
    of the fork server at once, each for its share of the students; copied to OUT/feedback/<student>."""
    autograded = course / "autograded"
    ready = [s for s in students if list((autograded / s / args.assignment).glob("*.ipynb"))]
    everyone = {p.name for p in autograded.iterdir() if p.is_dir()} if autograded.is_dir() else set()
    preprocessors = (
        "['nbgrader.preprocessors.GetGrades', 'nbgrader.preprocessors.ClearHiddenTests', "
        "'dlfs.feedback.StripTestCellOutputs', 'nbconvert.preprocessors.CSSHTMLHeaderPreprocessor']"
    )
    runs = []
    for worker in range(args.jobs):
        share = set(ready[worker :: args.jobs])
        if not share:
            continue
        argv = [
            "generate_feedback",
            args.assignment,
            "--force",
            f"--GenerateFeedback.preprocessors={preprocessors}",
            # everyone else in the course, earlier batches included, is another child's or stays as it is
            f"--CourseDirectory.student_id_exclude={','.join(sorted(everyone - share))}",
        ]
        log_path = out / "workers" / str(worker) / "feedback.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        runs.append((course, _env(), argv, log_path, args.timeout))
    with ThreadPoolExecutor(max(1, len(runs))) as pool:
        list(pool.map(lambda run: _in_child(*run), runs))
    for student in students:
        made = course / "feedback" / student / args.assignment
        target = out / "feedback" / student
        if target.exists():
            shutil.rmtree(target)
        if list(made.glob("*.html")):
            shutil.copytree(made, target)
        else:
            log.warning("%s: no feedback was generated", student)
            rows[student]["detail"] = f"{rows[student]['detail']}; no feedback".strip("; ")


def _row(student, score, max_score, status, detail):
    return {"student_id": student, "score": score, "max_score": max_score, "status": status, "detail": detail}


def _num(value):
    return f"{value:g}" if isinstance(value, float) else value


def _write_grades(path, rows):
    merged = {}
    if path.exists():  # earlier batches stay; a student graded again gets the new row
        with open(path, newline="") as f:
            merged = {row["student_id"]: row for row in csv.DictReader(f)}
    for student, row in rows.items():
        merged[student] = {k: _num(v) for k, v in row.items()}
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for student in sorted(merged):
            writer.writerow({k: merged[student][k] for k in FIELDS})
    tmp.replace(path)  # atomic: an interrupted run never leaves half a file
    return merged


if __name__ == "__main__":
    sys.exit(main())
