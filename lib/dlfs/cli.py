"""The command line of dlfs-grade: its arguments, what they may combine, and the exit status (0:
every submission graded; 2: refused, nothing graded; 3: the grader failed on some submissions).
The stages it runs are dlfs.grade's; see there."""

import argparse
import sys
from pathlib import Path

from dlfs import gradebook, lms, submissions
from dlfs.course import Refused

ROOT = Path(__file__).resolve().parents[2]
GRADER_FAILED = "grading failed"  # how grades.csv details a submission the grader failed on


def main(argv=None):
    args = _parser().parse_args(argv)
    gradebook.read_schema_version_in_process()
    try:
        from dlfs import grade

        rows = grade.export_only(args) if args.export else grade.grade(args)
        if args.lms == "moodle" and args.worksheet:
            print(lms.write_worksheet(rows, args.worksheet, Path(args.out), args.assignment))
        elif args.lms:
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
    failed = sorted(s for s, row in rows.items() if str(row.get("detail", "")).startswith(GRADER_FAILED))
    if failed:
        # not the student's doing: their grade is not known, and a zero must not pass for one
        shown = ", ".join(failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
        print(
            f"dlfs-grade: the grader itself failed on {len(failed)} submission(s), which have no grade yet: "
            f"{shown} (status crashed, detail '{GRADER_FAILED}: ...'); the tracebacks are in "
            f"{Path(args.out) / 'logs'}. Grade them again once the cause is fixed.",
            file=sys.stderr,
        )
        return 3
    return 0


def _parser():
    p = argparse.ArgumentParser(
        prog="dlfs-grade", description="dlfs-grade: grade a class's submissions of one chapter, safely, losing nothing."
    )
    p.add_argument("assignment", help="a chapter folder, e.g. 04_gradient_descent_backpropagation")
    p.add_argument("submissions", nargs="?", help="a folder with one folder per student, or an LMS .zip")
    p.add_argument("--out", required=True, help="where grades.csv, feedback/ and the gradebook go")
    p.add_argument("--timeout", type=float, default=600, help="wall-clock seconds per notebook (default 600)")
    p.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell (default 120)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--memory-gib", type=float, default=2.0, help="memory limit of a student's kernel (default 2)")
    p.add_argument(
        "--pattern",
        help="a regex for the file names of a zip that is not Canvas's or Moodle's (groups student_id, file_id)",
    )
    p.add_argument("--course", default=str(ROOT), help="the course repository (default: this one)")
    p.add_argument("--course-dir", help="the nbgrader course folder with the gradebook (default: OUTDIR/course)")
    p.add_argument("--unsafe", action="store_true", help="grade without the sandbox (trusted notebooks only)")
    p.add_argument("--db", help="the gradebook's SQLAlchemy URL (default: SQLite in the course folder)")
    p.add_argument("--shard", help="K/N: grade only the K-th of N disjoint slices of the students")
    p.add_argument("--export", action="store_true", help="write grades.csv from the gradebook alone; grade no one")
    p.add_argument("--lms", choices=lms.FORMATS, help="also write the grades as this LMS imports them")
    p.add_argument("--roster", help="the LMS's own export of the class (CSV), for --lms")
    p.add_argument("--worksheet", help="Moodle: the assignment's downloaded grading worksheet, to fill and upload")
    p.add_argument("--lms-assignment-id", help="Canvas: the assignment's id, so the import updates it")
    p.add_argument("--lms-key", help="the roster column holding the student ids (default: see dlfs.lms)")
    return p


def settings(args):
    """Check what the command line asks for: (shard, gradebook URL, course folder)."""
    if args.export == bool(args.submissions):
        raise Refused("give either SUBMISSIONS (to grade) or --export (to write grades.csv from the gradebook)")
    if args.worksheet and args.lms != "moodle":
        raise Refused("--worksheet is for --lms moodle")
    if args.lms and not (args.roster or args.worksheet):
        also = " (or, for Moodle, --worksheet, the assignment's grading worksheet)" if args.lms == "moodle" else ""
        raise Refused(f"--lms {args.lms} needs --roster, the class list exported from {args.lms}{also}")
    if args.lms_assignment_id and args.lms != "canvas":
        raise Refused("--lms-assignment-id is for --lms canvas")
    try:
        shard = gradebook.parse_shard(args.shard) if args.shard else None
        course_dir = Path(args.course_dir or Path(args.out) / "course").resolve()
        return shard, gradebook.url_of(args.db, course_dir), course_dir
    except ValueError as error:
        raise Refused(str(error)) from None
