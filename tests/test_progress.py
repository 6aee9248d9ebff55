"""dlfs-progress and sf.progress(): each exercise's points and state, read from the learner's own
notebooks after a fresh run, which never changes them."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from course import ENV, ROOT, answered, mutate, notebooks
from dlfs import progress

PROGRESS = str(Path(sys.executable).parent / "dlfs-progress")


def learner_folder(tmp_path):
    """Chapter 1 untouched; chapter 2 answered, with a wrong sigmoid (exp(a) for exp(-a))."""
    folder = tmp_path / "notebooks"
    for chapter in ("01_computational_graphs", "02_perceptrons"):
        (release,) = notebooks("notebooks", chapter)
        nb = nbformat.read(release, as_version=4)
        if chapter == "02_perceptrons":
            (source,) = notebooks("solutions", chapter)
            wrong = mutate(nbformat.read(source, as_version=4), "sigmoid_answer", "return 1 / (1 + np.exp(a_value))")
            nb = answered(nb, wrong)
        (folder / chapter).mkdir(parents=True)
        nbformat.write(nb, folder / chapter / release.name)
    return folder


def fingerprint(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.ipynb"))}


def test_progress_of_a_learner_half_way(tmp_path):
    folder = learner_folder(tmp_path)
    before = fingerprint(folder)
    results = progress.course_progress(folder, progress_bar=False)
    assert fingerprint(folder) == before, "progress wrote into the learner's notebooks"
    state = {(e.chapter[:2], e.name.split(" ·")[0]): (e.status, e.earned, e.points) for e in results}
    assert state == {
        ("01", "Exercise 1"): ("not started", 0, 1.0),
        ("01", "Exercise 2"): ("not started", 0, 1.0),
        ("01", "Exercise 3"): ("not started", 0, 2.0),
        ("01", "Exercise 4"): ("not started", 0, 2.0),
        ("02", "Exercise 1"): ("fails", 0, 1.0),
        ("02", "Exercise 2"): ("passes", 2.0, 2.0),
        ("02", "Exercise 3"): ("passes", 2.0, 2.0),
    }, state
    (sigmoid,) = [e for e in results if e.chapter.startswith("02") and e.status == "fails"]
    assert "sigmoid" in sigmoid.message and "wrong values" in sigmoid.message
    text = progress.as_text(results)
    assert text.splitlines()[-1].split() == ["total", "2", "of", "7", "tested", "exercises", "pass", "4/11"]
    html = progress.as_html(results)
    assert html.count(progress.COLOURS["passes"]) == 2 and html.count(progress.COLOURS["fails"]) == 1


def test_dlfs_progress_prints_a_table_and_names_a_wrong_folder(tmp_path):
    folder = learner_folder(tmp_path)
    done = subprocess.run([PROGRESS, str(folder)], env=ENV, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"02_perceptrons\s+Exercise 2 · softmax\s+2/2\s+passes", done.stdout), done.stdout
    assert re.search(r"01_computational_graphs\s+Exercise 1 · .*0/1\s+not started", done.stdout), done.stdout
    done = subprocess.run([PROGRESS, str(tmp_path / "nowhere")], env=ENV, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "no such folder" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([PROGRESS, str(empty)], env=ENV, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "no chapter notebooks in" in done.stderr


def test_every_chapter_names_its_exercises_for_the_progress_table():
    for chapter_dir in sorted((ROOT / "solutions").iterdir()):
        (path,) = chapter_dir.glob("*.ipynb")
        nb = nbformat.read(path, as_version=4)
        headings = [
            m.group(1) for c in nb.cells if c.cell_type == "markdown" for m in progress.HEADING.finditer(c.source)
        ]
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
        assert len(headings) >= len(tests), f"{chapter_dir.name}: {len(headings)} exercise headings, {len(tests)} tests"


TEST_CELL = {"grade": True, "solution": False, "grade_id": "t", "points": 1}


def test_a_written_exercise_is_listed_as_graded_by_the_instructor(tmp_path):
    """Chapter 5's written exercise has no test: it is listed, with its points, as the instructor's."""
    (source,) = notebooks("notebooks", "05_multi_layer_perceptrons")
    written = [
        c
        for c in nbformat.read(source, as_version=4).cells
        if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
    ]
    assert written, "chapter 5 has no written exercise any more: this test names the wrong chapter"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### Exercise 1 · why the grid (2 points)"),
        *written,
        nbformat.v4.new_markdown_cell("### Exercise 2 · a number (1 point)"),
        nbformat.v4.new_code_cell("assert 1 + 1 == 2", metadata={"nbgrader": TEST_CELL}),
    ])  # fmt: skip
    (tmp_path / "07_written").mkdir()
    nbformat.write(nb, tmp_path / "07_written" / "written.ipynb")
    results = progress.course_progress(tmp_path, progress_bar=False)
    assert [(e.name, e.status, e.points) for e in results] == [
        ("Exercise 1 · why the grid", progress.MANUAL, written[0].metadata["nbgrader"]["points"]),
        ("Exercise 2 · a number", "passes", 1),
    ]
    text = progress.as_text(results)
    assert re.search(r"Exercise 1 · why the grid\s+\?/2\s+graded by your instructor", text), text
    assert text.splitlines()[-1].split() == [
        "total",
        "1",
        "of",
        "1",
        "tested",
        "exercises",
        "pass",
        "1/3",
        "(2",
        "graded",
        "by",
        "your",
        "instructor)",
    ]
    assert progress.COLOURS[progress.MANUAL] in progress.as_html(results)


def test_the_help_says_the_whole_sentence():
    done = subprocess.run([PROGRESS, "--help"], env=ENV, capture_output=True, text=True, check=True)
    assert "whether its visible tests pass now." in " ".join(done.stdout.split())
