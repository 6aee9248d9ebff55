"""dlfs-grade decides points from recorded values, cell by cell: per chapter one sandboxed class in
which the solution earns everything, the untouched release nothing, each delegation, shortcut and
hard-coded answer nothing on its exercise (and everything else), and each alternative everything;
nothing is written into the repository."""

import html as html_module
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from answers import ALTERNATIVES, DELEGATION_SAYS, DELEGATIONS, HARD_CODED, SHORTCUTS, apply, rounds
from course import CHAPTERS, ENV, ROOT, answered, notebooks, without_demos

GRADE = str(Path(sys.executable).parent / "dlfs-grade")


def points_of_test_cells(nb):
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells if c.cell_type == "code"]
    return {m["grade_id"]: m["points"] for m in meta if m.get("grade") and not m.get("solution")}


def a_class(chapter):
    """{student: (submission, {answer cells that must earn nothing}, [what the feedback must say])};
    shortcuts and hard-coded answers in rounds (answers.rounds)."""
    (source_path,) = notebooks("solutions", chapter)
    source = nbformat.read(source_path, as_version=4)
    release = without_demos(nbformat.read(ROOT / "notebooks" / chapter / source_path.name, as_version=4))

    def submission(answers):
        return answered(release, apply(source, answers))

    students = {"solution": (submission({}), set(), []), "untouched": (release, "all", [])}
    for i, answers in enumerate(DELEGATIONS.get(chapter, [])):
        students[f"delegation{i}"] = (submission(answers), set(answers), [DELEGATION_SAYS])
    for i, shortcuts in enumerate(rounds(SHORTCUTS.get(chapter, []))):
        answers = {answer: regions for answer, regions, _test, _says in shortcuts}
        students[f"shortcuts{i}"] = (submission(answers), set(answers), [says for *_, says in shortcuts])
    for i, hard_coded in enumerate(rounds(HARD_CODED.get(chapter, []))):
        answers = {answer: regions for answer, regions, _test, *_says in hard_coded}
        says = [(item[3:] or ["wrong values"])[0] for item in hard_coded]
        students[f"hardcoded{i}"] = (submission(answers), set(answers), says)
    for i, answers in enumerate(ALTERNATIVES.get(chapter, [])):
        students[f"alternative{i}"] = (submission(answers), set(), [])
    return students, source_path.name, points_of_test_cells(source)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_points_come_from_the_recorded_values(chapter, tmp_path):
    students, name, cells = a_class(chapter)
    for student, (nb, _zero, _says) in students.items():
        (tmp_path / "in" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "in" / student / name)
    out = tmp_path / "out"
    git_status = ["git", "status", "--porcelain", "--ignored"]
    before = subprocess.run(git_status, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    done = subprocess.run(
        [GRADE, chapter, str(tmp_path / "in"), "--out", str(out), "--jobs", "2", "--timeout", "600"],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,  # a guard against a hang only: the run takes a minute or two
    )
    assert done.returncode == 0, done.stderr[-2000:]
    after = subprocess.run(git_status, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert after == before, f"grading wrote into the repository:\n{after}"
    wrong = []
    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gb:
        for student, (_nb, zero, says) in students.items():
            got = {c: gb.find_grade(c, name.removesuffix(".ipynb"), chapter, student).score for c in cells}
            want = {c: 0 if zero == "all" or c.replace("_test", "_answer") in zero else p for c, p in cells.items()}
            if got != want:
                wrong.append(f"{student}: {got} instead of {want}")
            if says:
                html = html_module.unescape((out / "feedback" / student / name.replace(".ipynb", ".html")).read_text())
                wrong += [f"{student}: the feedback does not say /{s}/" for s in says if not re.search(s, html)]
    assert not wrong, "\n".join(wrong)
