"""The export stage of dlfs-grade: grades.csv, written atomically and merged by student (earlier
batches stay), and grades.csv from the gradebook alone (`--export`). The LMS's files: dlfs.lms."""

import csv

from dlfs import gradebook

FIELDS = ["student_id", "score", "max_score", "status", "detail"]


def row(student, score, max_score, status, detail):
    """One student's result: what grades.csv, the gradebook's status table and the LMS files hold."""
    return {"student_id": student, "score": score, "max_score": max_score, "status": status, "detail": detail}


def shown(value):
    return f"{value:g}" if isinstance(value, float) else value


def write_grades(path, rows):
    merged = {}
    if path.exists():  # earlier batches stay; a student graded again gets the new row
        with open(path, newline="") as f:
            merged = {r["student_id"]: r for r in csv.DictReader(f)}
    for student, r in rows.items():
        merged[student] = {k: shown(v) for k, v in r.items()}
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for student in sorted(merged):
            writer.writerow({k: merged[student][k] for k in FIELDS})
    tmp.replace(path)  # atomic: an interrupted run never leaves half a file
    return merged


def from_gradebook(url, assignment, out, backups):
    """grades.csv (the whole class, every shard's students) from the gradebook alone; the rows, or
    None when the gradebook has no grades for the assignment."""
    rows = gradebook.load(url, assignment)
    if not rows:
        return None
    out.mkdir(parents=True, exist_ok=True)
    backups(out / "grades.csv")
    (out / "grades.csv").unlink(missing_ok=True)  # the gradebook holds the whole class: no merging
    return write_grades(out / "grades.csv", rows)
