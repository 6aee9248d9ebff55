"""From the LMS's own download to the LMS's own upload: Canvas's and Moodle's submission names in
(dlfs.lms_names, dlfs.submissions), and the files out read back by each importer's rules (see
../shared/reference/lms-formats.md); two students never merged into one."""

import csv
import datetime
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import ENV, ROOT, answered
from dlfs import lms_names, submissions

CHAPTER, NAME = "01_computational_graphs", "computational_graphs.ipynb"
FIXTURES = Path(__file__).parent / "fixtures" / "lms"
GRADE = [str(Path(sys.executable).parent / "dlfs-grade"), CHAPTER]
FULL = 6


def release():
    return nbformat.read(ROOT / "notebooks" / CHAPTER / NAME, as_version=4)


def solved():
    return answered(release(), nbformat.read(ROOT / "solutions" / CHAPTER / NAME, as_version=4))


@pytest.mark.parametrize(
    "path, student, name, file, late",
    [
        ("lovelaceada_30001_90001_computational_graphs.ipynb", "30001", "lovelaceada", NAME, False),
        ("bytebob_LATE_502_90002_computational_graphs-1.ipynb", "502", "bytebob", "computational_graphs-1.ipynb", True),
        ("łukasiewiczjan_503_90003_computational_graphs.ipynb", "503", "łukasiewiczjan", NAME, False),
        ("van_der_waalsjohannes_504_90004_computational_graphs.ipynb", "504", "van_der_waalsjohannes", NAME, False),
        ("anon_aB3x9_90005_computational_graphs.ipynb", "anon_aB3x9", "anon_aB3x9", NAME, False),
        ("hopper_grace_LATE_30003_text.html", "30003", "hopper_grace", "text.html", True),
        ("hoppergrace_30003_link.html", "30003", "hoppergrace", "link.html", False),
    ],
)
def test_canvas_names(path, student, name, file, late):
    assert lms_names.identify(path) == lms_names.Entry(student, name, file, "canvas", late)


@pytest.mark.parametrize(
    "path, student, name, file",
    [
        ("Ada Lovelace_1234567_assignsubmission_file_/computational_graphs.ipynb", "1234567", "Ada Lovelace", NAME),
        ("Zoë d Arc_77_assignsubmission_file_/work/computational_graphs.ipynb", "77", "Zoë d Arc", "work/" + NAME),
        ("Bob Byte_1234568_assignsubmission_file_computational_graphs.ipynb", "1234568", "Bob Byte", NAME),
        ("Participant_12_assignsubmission_onlinetext_onlinetext.html", "12", "Participant", "onlinetext.html"),
    ],
)
def test_moodle_names(path, student, name, file):
    assert lms_names.identify(path) == lms_names.Entry(student, name, file, "moodle")


def a_zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return path


def test_a_moodle_folder_zip_keeps_two_students_whose_notebooks_share_a_name(tmp_path):
    archive = a_zip(
        tmp_path / "moodle.zip",
        {
            f"Ada Lovelace_1234567_assignsubmission_file_/{NAME}": nbformat.writes(solved()),
            f"Bob Byte_1234568_assignsubmission_file_/{NAME}": nbformat.writes(release()),
            "Bob Byte_1234568_assignsubmission_onlinetext_onlinetext.html": "<p>see my notebook</p>",
        },
    )
    notes = []
    found = submissions.collect(archive, NAME, None, tmp_path / "tmp", CHAPTER, notes)
    assert sorted(found) == ["1234567", "1234568"] and all(problem is None for _p, problem in found.values())
    assert nbformat.read(found["1234567"][0], as_version=4) == solved()
    assert notes == [
        "1234568 (Bob Byte): Bob Byte_1234568_assignsubmission_onlinetext_onlinetext.html is not a notebook; not graded"
    ]


def test_a_canvas_zip_lists_what_is_not_a_notebook_and_keeps_the_resubmitted_file(tmp_path):
    archive = a_zip(
        tmp_path / "canvas.zip",
        {
            "bytebob_LATE_502_90002_computational_graphs-1.ipynb": nbformat.writes(solved()),
            "hoppergrace_30003_text.html": "<p>I could not upload it</p>",
        },
    )
    notes = []
    found = submissions.collect(archive, NAME, None, tmp_path / "tmp", CHAPTER, notes)
    assert found["502"][1] is None
    assert found["30003"] == (None, ("missing", "no notebook in the submission (it has: hoppergrace_30003_text.html)"))
    assert notes == ["30003 (hoppergrace): hoppergrace_30003_text.html is not a notebook; not graded"]


@pytest.mark.parametrize(
    "entries, says",
    [
        (  # one Canvas user id under two names: never one student
            {
                "lovelaceada_501_90001_computational_graphs.ipynb": "{}",
                "bytebob_501_90002_computational_graphs.ipynb": "{}",
            },
            r"one student id '501' to 2 names \(lovelaceada_501_90001_computational_graphs.ipynb, "
            r"bytebob_501_90002_computational_graphs.ipynb\)",
        ),
        (  # two notebooks, neither the assignment's: which one to grade is the instructor's call
            {"lovelaceada_501_90001_scratch.ipynb": "{}", "lovelaceada_501_90002_notes.ipynb": "{}"},
            r"2 notebooks for student '501' \(lovelaceada_501_90001_scratch.ipynb, lovelaceada_501_90002_notes.ipynb\)",
        ),
        (  # the old nbgrader-style name the Canvas and Moodle rules do not fit
            {f"ada_{NAME}": "{}"},
            rf"'ada_{NAME}' is named neither as Canvas nor as Moodle.*--pattern",
        ),
    ],
)
def test_an_archive_that_would_merge_or_lose_a_student_is_refused_naming_the_files(tmp_path, entries, says):
    archive = a_zip(tmp_path / "lms.zip", entries)
    with pytest.raises(submissions.Unreadable, match=says):
        submissions.collect(archive, NAME, None, tmp_path / "tmp", CHAPTER, [])


def test_two_notebooks_of_one_student_of_which_one_is_the_assignments_grade_that_one(tmp_path):
    archive = a_zip(
        tmp_path / "lms.zip",
        {
            "lovelaceada_501_90001_scratch.ipynb": nbformat.writes(release()),
            "lovelaceada_501_90002_computational_graphs.ipynb": nbformat.writes(solved()),
        },
    )
    notes = []
    found = submissions.collect(archive, NAME, None, tmp_path / "tmp", CHAPTER, notes)
    assert nbformat.read(found["501"][0], as_version=4) == solved()
    assert notes == [f"501 (lovelaceada): lovelaceada_501_90001_scratch.ipynb is not {NAME}; not graded"]


def run_grade(tmp_path, archive, *flags):
    out = tmp_path / "out"
    done = subprocess.run(
        [*GRADE, str(archive), "--out", str(out), "--jobs", "2", *flags],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,  # a guard against a hang only
    )
    return out, done


def test_a_merge_refuses_the_run_and_writes_no_grades(tmp_path):
    archive = a_zip(
        tmp_path / "canvas.zip",
        {
            f"lovelaceada_501_90001_{NAME}": nbformat.writes(solved()),
            f"bytebob_501_90002_{NAME}": nbformat.writes(release()),
        },
    )
    out, done = run_grade(tmp_path, archive)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"lovelaceada_501_90001_{NAME}" in done.stderr and f"bytebob_501_90002_{NAME}" in done.stderr
    assert not (out / "grades.csv").exists()


def canvas_import(path, before):
    """Canvas's gradebook importer (lib/gradebook_importer.rb), on the rows it would change: the
    header's shape, rows matched by ID, the assignment by `Title (id)`, a blank cell deleting a grade.
    `before` is {(ID, assignment id): grade} as Canvas holds them; the result is the same after import."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert "Student" in header[0] and header[1] == "ID", header
    last = max(i for i, c in enumerate(header) if "Section" in c)
    assert header[2:last] in ([], ["SIS Login ID"], ["SIS User ID", "SIS Login ID"]), header
    ids = {}
    for i, column in enumerate(header[last + 1 :], start=last + 1):
        title, _, rest = column.rpartition(" (")
        assert title and rest.endswith(")") and rest[:-1].isdigit(), f"{column!r} would create a new assignment"
        ids[i] = rest[:-1]
    after = dict(before)
    for row in rows[1:]:
        if row[0].strip() == "Points Possible":
            continue
        for i, assignment in ids.items():
            value = row[i].strip()
            if value in ("", "-"):
                assert (row[1], assignment) not in before, f"a blank cell would delete {row[0]}'s grade"
                after.pop((row[1], assignment), None)
            else:
                after[(row[1], assignment)] = float(value)
    return after


def test_canvas_round_trip(tmp_path):
    """Canvas's Download Submissions zip -> dlfs-grade -> the gradebook import file, read by Canvas's
    rules: every graded student's grade lands on their row; no other row changes."""
    archive = a_zip(
        tmp_path / "canvas.zip",
        {
            f"lovelaceada_30001_90001_{NAME}": nbformat.writes(solved()),
            "babbagecharles_LATE_30002_90002_computational_graphs-1.ipynb": nbformat.writes(release()),
            "hoppergrace_30003_text.html": "<p>no notebook</p>",
        },
    )
    out, done = run_grade(tmp_path, archive, "--lms", "canvas", "--roster", str(FIXTURES / "canvas-roster.csv"))
    assert done.returncode == 0, done.stdout + done.stderr
    before = {("30001", "4101"): 5.0, ("30002", "4101"): 4.0}  # the export's Perceptrons grades
    after = canvas_import(out / f"canvas-{CHAPTER}.csv", before)
    assert after == {**before, ("30001", "4102"): FULL, ("30002", "4102"): 0.0}
    report = (out / f"canvas-{CHAPTER}-report.txt").read_text()
    assert "30003: status missing: no notebook in the submission" in report
    assert "hoppergrace_30003_text.html is not a notebook; not graded" in done.stderr


MOODLE_DATE = "%A, %d %B %Y, %I:%M %p"


def moodle_upload(path, original):
    """Moodle's offline grading worksheet importer (mod/assign/feedback/offline): columns found by
    their header text; a row is skipped when its grade is blank, unchanged or above the maximum, or
    its Last modified (grade) is older than the grade Moodle holds. {participant: grade} applied."""

    def read(p):
        with open(p, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))

    held = {r["Identifier"]: r for r in read(original)}
    applied = {}
    for row in read(path):
        for column in ("Identifier", "Grade", "Last modified (grade)"):
            assert column in row, f"the importer needs the column {column!r}"
        was = held[row["Identifier"]]
        grade = row["Grade"].strip()
        if not grade or grade == was["Grade"].strip() or float(grade) > float(row["Maximum grade"]):
            continue
        if was["Last modified (grade)"] not in ("", "-"):
            stamp = datetime.datetime.strptime(row["Last modified (grade)"], MOODLE_DATE)
            if stamp < datetime.datetime.strptime(was["Last modified (grade)"], MOODLE_DATE):
                continue  # stale
        applied[row["Identifier"]] = float(grade)
    return applied


def test_moodle_round_trip(tmp_path):
    """Moodle's Download all submissions zip (a folder per student, both notebooks named alike) and
    its grading worksheet -> dlfs-grade -> the worksheet to upload, read by the offline importer's
    rules: each participant's grade on their row, every other row and column as downloaded."""
    archive = a_zip(
        tmp_path / "moodle.zip",
        {
            f"Ada Lovelace_1234567_assignsubmission_file_/{NAME}": nbformat.writes(solved()),
            f"Bob Byte_1234568_assignsubmission_file_/{NAME}": nbformat.writes(release()),
        },
    )
    worksheet = FIXTURES / "moodle-worksheet.csv"
    out, done = run_grade(tmp_path, archive, "--lms", "moodle", "--worksheet", str(worksheet))
    assert done.returncode == 0, done.stdout + done.stderr
    filled = out / f"moodle-{CHAPTER}-worksheet.csv"
    assert moodle_upload(filled, worksheet) == {"Participant 1234567": FULL, "Participant 1234568": 0.0}
    with open(worksheet, newline="", encoding="utf-8-sig") as f:
        given = list(csv.reader(f))
    with open(filled, newline="", encoding="utf-8") as f:
        back = list(csv.reader(f))
    assert back[0] == given[0] and back[3] == given[3]  # the header, and Grace's row, unchanged
    for was, now in zip(given[1:3], back[1:3], strict=True):
        changed = {given[0][i] for i, (a, b) in enumerate(zip(was, now, strict=True)) if a != b}
        assert changed == {"Grade", "Last modified (grade)", "Feedback comments"}, changed
    report = (out / f"moodle-{CHAPTER}-report.txt").read_text()
    assert "Participant 1234569 (Grace Hopper): in the worksheet, no submission: unchanged" in report
