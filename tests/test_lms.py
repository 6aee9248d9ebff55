"""Gradebook files an LMS imports: Canvas's and Moodle's CSV grade import, written from grades.csv
and the LMS's own roster export, read back by the rules each LMS documents for its import."""

import csv
import re
from pathlib import Path

import pytest

from dlfs import grade, lms

FIXTURES = Path(__file__).parent / "fixtures" / "lms"
GRADES = {  # as grades.csv holds them (strings)
    "ada": {"student_id": "ada", "score": "6", "max_score": "6", "status": "graded", "detail": ""},
    "charles": {
        "student_id": "charles",
        "score": "3.5",
        "max_score": "6",
        "status": "graded",
        "detail": "review: answer copies the reference",
    },
    "alan": {"student_id": "alan", "score": "4", "max_score": "6", "status": "timeout", "detail": "a cell ran long"},
    "emmy": {"student_id": "emmy", "score": "0", "max_score": "6", "status": "crashed", "detail": "the kernel died"},
    "zed": {"student_id": "zed", "score": "5", "max_score": "6", "status": "graded", "detail": ""},
}


def read_canvas(path):
    """Canvas's import: a header with the identity columns and one column per assignment, named
    "<name> (<id>)" to update that assignment; a "Points Possible" row; students by ID."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    points = [r for r in body if r[0].strip() == "Points Possible"]
    students = [r for r in body if r[0].strip() != "Points Possible"]
    return header[5:], points, {r[1]: r[5:] for r in students}


def read_moodle(path):
    """Moodle's import: a header; one column mapped to a user field; a grade column (numbers only);
    a feedback column, never without a grade (feedback alone clears the grade)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows


def test_canvas_file_updates_the_assignment_for_students_with_a_grade(tmp_path):
    summary = lms.write(
        "canvas", GRADES, FIXTURES / "canvas-roster.csv", tmp_path, "01_computational_graphs", "4102", "SIS Login ID"
    )
    columns, points, students = read_canvas(tmp_path / "canvas-01_computational_graphs.csv")
    assert columns == ["01_computational_graphs (4102)"]
    assert [p[5] for p in points] == ["6"]
    assert students == {"30001": ["6"], "30002": ["3.5"]}  # by Canvas's ID, from the roster
    with open(tmp_path / "canvas-01_computational_graphs.csv", encoding="utf-8") as f:
        row = next(r for r in csv.reader(f) if r[1] == "30002")
    assert row[:5] == ["Babbage, Charles", "30002", "S30002", "charles", "DLFS 2026 A"]
    assert "2 students written" in summary


def test_every_student_left_out_is_reported_with_why(tmp_path):
    lms.write("canvas", GRADES, FIXTURES / "canvas-roster.csv", tmp_path, "01_computational_graphs", key="SIS Login ID")
    report = (tmp_path / "canvas-01_computational_graphs-report.txt").read_text()
    assert re.search(r"^alan: status timeout: a cell ran long; not written", report, re.M)
    assert re.search(r"^emmy: status crashed: the kernel died; not written", report, re.M)
    assert re.search(r"^zed: graded \(graded\) but not in the roster's 'SIS Login ID'", report, re.M)
    assert re.search(r"^grace \(Hopper, Grace\): in the roster, no submission", report, re.M)
    assert re.search(r"^\(no SIS Login ID\) \(Student, Test\): in the roster, no submission", report, re.M)
    assert re.search(r"^charles: written, and flagged for review", report, re.M)
    _, _, students = read_canvas(tmp_path / "canvas-01_computational_graphs.csv")
    assert set(students) == {"30001", "30002"}  # no 0 for anyone left out
    # without --lms-assignment-id, the export's own "Title (id)" column of this assignment
    columns, _, _ = read_canvas(tmp_path / "canvas-01_computational_graphs.csv")
    assert columns == ["01_computational_graphs (4102)"]


def test_canvas_without_an_assignment_id_anywhere_is_refused(tmp_path):
    with pytest.raises(lms.RosterError, match=r"no column of the gradebook export is the assignment 'a1'.*4102"):
        lms.write("canvas", GRADES, FIXTURES / "canvas-roster.csv", tmp_path, "a1", key="SIS Login ID")
    assert not list(tmp_path.iterdir())


def test_moodle_file_maps_from_a_user_field_with_grade_and_feedback(tmp_path):
    lms.write("moodle", GRADES, FIXTURES / "moodle-roster.csv", tmp_path, "02_perceptrons")
    rows = read_moodle(tmp_path / "moodle-02_perceptrons.csv")
    assert list(rows[0]) == ["idnumber", "02_perceptrons", "02_perceptrons (feedback)"]
    assert {r["idnumber"]: float(r["02_perceptrons"]) for r in rows} == {"ada": 6.0, "charles": 3.5}
    assert all(r["02_perceptrons (feedback)"].startswith(r["02_perceptrons"] + " of 6 points") for r in rows)
    report = (tmp_path / "moodle-02_perceptrons-report.txt").read_text()
    assert "grace (Grace Hopper): in the roster, no submission" in report


def test_moodle_by_email(tmp_path):
    grades = {"ada@example.edu": dict(GRADES["ada"], student_id="ada@example.edu")}
    lms.write("moodle", grades, FIXTURES / "moodle-roster.csv", tmp_path, "a1", key="Email address")
    assert read_moodle(tmp_path / "moodle-a1.csv") == [
        {
            "email": "ada@example.edu",
            "a1": "6",
            "a1 (feedback)": "6 of 6 points, graded automatically; the details are in your feedback",
        }
    ]


@pytest.mark.parametrize(
    "kind, roster, key, says",
    [
        ("canvas", "moodle-roster.csv", None, r"not a Canvas gradebook export: no column 'Student', 'ID'"),
        ("moodle", "canvas-roster.csv", None, r"not a Moodle grade export"),
        ("canvas", "no-such.csv", None, r"cannot read the roster .*no-such.csv"),
        ("canvas", "canvas-roster.csv", "Login", r"--lms-key 'Login' is not a column of the roster"),
        ("moodle", "moodle-roster.csv", "Institution", r"--lms-key for Moodle must be one of 'Username'"),
    ],
)
def test_a_roster_that_cannot_be_used_is_refused_by_name(tmp_path, kind, roster, key, says):
    with pytest.raises(lms.RosterError, match=says):
        lms.write(kind, GRADES, FIXTURES / roster, tmp_path, "a1", key=key)
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--export", "--lms", "canvas"], "--lms canvas needs --roster"),
        (["--export", "--lms", "canvas", "--worksheet", "w.csv"], "--worksheet is for --lms moodle"),
        (["subs", "--export"], "give either SUBMISSIONS"),
        (["--export", "--shard", "3/2"], "--shard must be K/N with 1 <= K <= N"),
        (["--export", "--db", "not a url"], "--db 'not a url' is not a database URL"),
        (["--export", "--lms", "moodle", "--roster", "r.csv", "--lms-assignment-id", "7"], "is for --lms canvas"),
        (["--export"], "no gradebook at "),
    ],
)
def test_the_command_refuses_bad_arguments_by_name(tmp_path, capsys, argv, says):
    code = grade.main(["01_computational_graphs", *argv, "--out", str(tmp_path / "out")])
    assert code == 2 and says in capsys.readouterr().err
