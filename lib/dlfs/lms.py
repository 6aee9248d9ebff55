"""Grades as an LMS's gradebook import reads them: Canvas's and Moodle's CSV formats.

The roster is the LMS's own export of the class, so every row written names a student the LMS
knows, in its own identifiers. The student ids of grades.csv (the JupyterHub user names) are looked
up in one roster column (--lms-key): by default Canvas's "SIS Login ID", and Moodle's "Username",
else "ID number", else "Email address". Only students with a grade a person need not check are written; everyone else is
listed in the report, with why, and left untouched in the LMS (a blank would not mean 0 to every
LMS, and Moodle clears a grade whose row carries feedback alone).
"""

import csv
from pathlib import Path

FORMATS = ("canvas", "moodle")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS = "Points Possible"  # the label of Canvas's second row (indented by spaces in its exports)
# Moodle's grade export names these columns so; its import maps from a column to these user fields
MOODLE_KEYS = {"Username": "username", "ID number": "idnumber", "Email address": "email"}
EXPORTED = {"graded"}  # other statuses (timeout, crashed, invalid, missing, grading) need a person


class RosterError(Exception):
    """The roster cannot be used: not a CSV of this LMS, or no column to match students by."""


def read_roster(lms, path):
    """(header, rows) of the LMS's class export; Canvas's "Points Possible" and "Muted" rows dropped."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # LMS exports often start with a BOM
            reader = csv.DictReader(f)
            header, rows = reader.fieldnames or [], list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    if lms == "canvas":
        missing = [c for c in CANVAS_IDENTITY if c not in header]
        if missing:
            raise RosterError(
                f"{path} is not a Canvas gradebook export: no column {', '.join(map(repr, missing))} "
                "(export it from Canvas: Grades, Export, Export Entire Gradebook)"
            )
        rows = [r for r in rows if r["Student"].strip() not in (CANVAS_POINTS, "Muted", "")]
    else:
        if not any(k in header for k in MOODLE_KEYS):
            raise RosterError(
                f"{path} is not a Moodle grade export: it has none of the columns {', '.join(map(repr, MOODLE_KEYS))} "
                "(export it from Moodle: Grades, Export, Plain text file, with the user's username or email)"
            )
    return header, rows


def key_column(lms, header, key=None):
    if key:
        if key not in header:
            has = ", ".join(map(repr, header))
            raise RosterError(f"--lms-key {key!r} is not a column of the roster (it has {has})")
        if lms == "moodle" and key not in MOODLE_KEYS:
            raise RosterError(f"--lms-key for Moodle must be one of {', '.join(map(repr, MOODLE_KEYS))}, got {key!r}")
        return key
    return "SIS Login ID" if lms == "canvas" else next(k for k in MOODLE_KEYS if k in header)


def plan(lms, grades, roster_rows, key):
    """(to write: [(roster row, grades row)], report: [line]) for the class."""
    by_id = {}
    for r in roster_rows:
        by_id.setdefault(r[key].strip(), []).append(r)
    write, report = [], []
    for student, grade in sorted(grades.items()):
        found = by_id.get(student, [])
        if not found:
            report.append(f"{student}: graded ({grade['status']}) but not in the roster's {key!r}: not written")
        elif len(found) > 1:
            report.append(f"{student}: {len(found)} roster rows have this {key!r}: not written")
        elif grade["status"] not in EXPORTED:
            why = f": {grade['detail']}" if grade.get("detail") else ""
            report.append(f"{student}: status {grade['status']}{why}; not written (a person decides the grade)")
        else:
            write.append((found[0], grade))
            if "review:" in (grade.get("detail") or ""):
                report.append(f"{student}: written, and flagged for review ({grade['detail']})")
    graded = set(grades)
    for r in roster_rows:
        if r[key].strip() not in graded:
            name = r.get("Student") or " ".join(filter(None, [r.get("First name"), r.get("Last name")]))
            report.append(f"{r[key].strip() or '(no ' + key + ')'} ({name}): in the roster, no submission: not written")
    return write, report


def write(lms, grades, roster, out, assignment, assignment_id=None, key=None):
    """Write OUT/<lms>-<assignment>.csv and OUT/<lms>-<assignment>-report.txt; return a summary line."""
    header, roster_rows = read_roster(lms, roster)
    key = key_column(lms, header, key)
    rows, report = plan(lms, grades, roster_rows, key)
    top = max((float(g["max_score"]) for g in grades.values() if g.get("max_score") not in ("", None)), default=0)
    target = Path(out) / f"{lms}-{assignment}.csv"
    with open(target, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if lms == "canvas":
            column = f"{assignment} ({assignment_id})" if assignment_id else assignment
            w.writerow([*CANVAS_IDENTITY, column])
            w.writerow([f"    {CANVAS_POINTS}", "", "", "", "", _text(top)])
            for r, g in rows:
                w.writerow([r[c] for c in CANVAS_IDENTITY] + [_text(g["score"])])
        else:
            w.writerow([MOODLE_KEYS[key], assignment, f"{assignment} (feedback)"])
            for r, g in rows:
                w.writerow([r[key].strip(), _text(g["score"]), _feedback(g)])
    lines = [f"{lms} import file {target.name}: {len(rows)} students written", *report]
    (Path(out) / f"{lms}-{assignment}-report.txt").write_text("\n".join(lines) + "\n")
    return "\n".join([f"dlfs-grade: {lines[0]}; {len(report)} notes in {target.stem}-report.txt", *report])


def _feedback(grade):
    points = f"{_text(grade['score'])} of {_text(grade['max_score'])} points"
    return f"{points}, graded automatically; the details are in your feedback"


def _text(value):
    value = float(value)
    return f"{value:g}"
