"""Grades as an LMS's gradebook import reads them (see ../shared/reference/lms-formats.md).

* Canvas: the gradebook import CSV, rows matched by `ID` (the user id, which the Canvas zip's file
  names carry). The students of grades.csv are looked up in one column of the gradebook export
  (--lms-key): `ID` by default, `SIS Login ID` for a class whose ids are user names (JupyterHub).
  The assignment column is `Title (id)`, with the id from --lms-assignment-id or from the export's
  own column for this assignment, so the import updates it rather than creating another.
* Moodle: with --worksheet, the assignment's offline grading worksheet, written back with `Grade`,
  `Feedback comments` and `Last modified (grade)` for the graded participants (`Identifier`
  `Participant N`, N from the zip's file names) and everything else unchanged. Without it, a grade
  import CSV by "Username", else "ID number", else "Email address" (a JupyterHub class).

Only students with a grade a person need not check are written: never a blank cell, which would
delete a grade already in the LMS. Everyone else is listed in the report, with why.
"""

import csv
import datetime
import re
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
    return "ID" if lms == "canvas" else next(k for k in MOODLE_KEYS if k in header)


TITLED = re.compile(r"^(?P<title>.*\S) \((?P<id>\d+)\)$")


def canvas_column(header, assignment, assignment_id=None):
    """The assignment's column, `Title (id)`: the export's own for this assignment (its title is the
    assignment's name, with or without the chapter number), or the given id with the name."""
    titled = [(m["title"], m["id"], column) for column in header if (m := TITLED.match(column))]
    if assignment_id:
        same = [column for title, i, column in titled if i == str(assignment_id)]
        return same[0] if same else f"{assignment} ({assignment_id})"
    wanted = {_plain(assignment), _plain(re.sub(r"^\d+_", "", assignment))}
    found = [column for title, _i, column in titled if _plain(title) in wanted]
    if len(found) != 1:
        columns = ", ".join(repr(c) for _t, _i, c in titled) or "none"
        raise RosterError(
            f"no column of the gradebook export is the assignment {assignment!r} (its assignment columns: {columns}); "
            "give --lms-assignment-id, the number in the assignment's Canvas address"
        )
    return found[0]


def _plain(title):
    return " ".join(re.sub(r"[^0-9a-z]+", " ", title.lower()).split())


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
    column = canvas_column(header, assignment, assignment_id) if lms == "canvas" else None
    target = Path(out) / f"{lms}-{assignment}.csv"
    with open(target, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if lms == "canvas":
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


WORKSHEET_NEEDS = ["Identifier", "Grade", "Maximum grade", "Last modified (grade)"]
PARTICIPANT = re.compile(r"^Participant (\d+)$")
MOODLE_DATE = "%A, %d %B %Y, %I:%M %p"  # Moodle's strftimedatetime, as its worksheets show dates


def write_worksheet(grades, worksheet, out, assignment, now=None):
    """OUT/moodle-<assignment>-worksheet.csv: Moodle's offline grading worksheet with Grade, Feedback
    comments and Last modified (grade) filled for each graded participant (grades.csv's ids are the
    participant ids of the zip), every other cell as downloaded; and the report. A summary line."""
    path = Path(worksheet)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"cannot read the grading worksheet {path}: {error}") from None
    header = rows[0] if rows else []
    missing = [c for c in WORKSHEET_NEEDS if c not in header]
    if missing:
        raise RosterError(
            f"{path} is not a Moodle grading worksheet: no column {', '.join(map(repr, missing))} (in the assignment: "
            "View all submissions, Grading action, Download grading worksheet; the feedback type "
            '"Offline grading worksheet" must be on)'
        )
    at = {c: header.index(c) for c in [*WORKSHEET_NEEDS, "Full name", "Feedback comments"] if c in header}
    by_id = {}
    for row in rows[1:]:
        match = PARTICIPANT.match(row[at["Identifier"]].strip()) if len(row) > at["Identifier"] else None
        if match:
            by_id[match[1]] = row
    stamp = (now or datetime.datetime.now()).strftime(MOODLE_DATE)
    written, report = 0, []
    for student, grade in sorted(grades.items()):
        row = by_id.get(student)
        if row is None:
            report.append(f"{student}: graded ({grade['status']}) but no row 'Participant {student}' in the worksheet")
            continue
        name = row[at["Full name"]] if "Full name" in at else ""
        if grade["status"] not in EXPORTED:
            why = f": {grade['detail']}" if grade.get("detail") else ""
            report.append(f"Participant {student} ({name}): status {grade['status']}{why}; not written")
            continue
        top = _number(row[at["Maximum grade"]])
        if top is not None and float(grade["score"]) > top + 1e-9:
            report.append(f"Participant {student} ({name}): {_text(grade['score'])} is above the maximum grade {top:g}")
            continue
        row[at["Grade"]] = _text(grade["score"])
        row[at["Last modified (grade)"]] = stamp  # newer than Moodle's: the upload is not skipped as stale
        if "Feedback comments" in at:
            row[at["Feedback comments"]] = _feedback(grade)
        written += 1
        if "review:" in (grade.get("detail") or ""):
            report.append(f"Participant {student} ({name}): written, and flagged for review ({grade['detail']})")
    for n, row in sorted(by_id.items()):
        if n not in grades:
            name = row[at["Full name"]] if "Full name" in at else ""
            report.append(f"Participant {n} ({name}): in the worksheet, no submission: unchanged")
    target = Path(out) / f"moodle-{assignment}-worksheet.csv"
    with open(target, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    lines = [f"moodle grading worksheet {target.name}: {written} participants written", *report]
    (Path(out) / f"moodle-{assignment}-report.txt").write_text("\n".join(lines) + "\n")
    return "\n".join([f"dlfs-grade: {lines[0]}; {len(report)} notes in moodle-{assignment}-report.txt", *report])


def _number(text):
    try:
        return float(text.replace(",", "."))
    except (AttributeError, ValueError):
        return None


def _feedback(grade):
    points = f"{_text(grade['score'])} of {_text(grade['max_score'])} points"
    return f"{points}, graded automatically; the details are in your feedback"


def _text(value):
    value = float(value)
    return f"{value:g}"
