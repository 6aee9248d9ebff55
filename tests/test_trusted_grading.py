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

from answers import ALTERNATIVES, DELEGATION_SAYS, DELEGATIONS, HARD_CODED, SHORTCUTS, apply, bypasses, rounds
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
    for kind, sets in bypasses(chapter).items():
        for i, answers in enumerate(sets):
            students[f"bypass-{kind.replace(' ', '-')}{i}"] = (submission(answers), set(answers), [DELEGATION_SAYS])
    return students, source_path.name, points_of_test_cells(source)


def grades_row(out, student):
    import csv

    with open(out / "grades.csv", newline="") as f:
        return next((row for row in csv.DictReader(f) if row["student_id"] == student), None)


def grade_class(chapter, students, name, tmp_path, *flags):
    """dlfs-grade over the students ({student: (notebook, ...)}); the gradebook's path."""
    for student, (nb, *_rest) in students.items():
        (tmp_path / "in" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "in" / student / name)
    out = tmp_path / "out"
    done = subprocess.run(
        [GRADE, chapter, str(tmp_path / "in"), "--out", str(out), "--jobs", "2", "--timeout", "600", *flags],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,  # a guard against a hang only
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


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
            page = out / "feedback" / student / name.replace(".ipynb", ".html")
            if says and not page.exists():
                wrong.append(f"{student}: no feedback page ({grades_row(out, student)})")
            elif says:
                html = html_module.unescape(page.read_text())
                wrong += [f"{student}: the feedback does not say /{s}/" for s in says if not re.search(s, html)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if bypasses(c)["attributes"]])
def test_the_in_kernel_guard_alone_lets_the_bypasses_through(chapter, tmp_path):
    """The negative control: graded with only the in-kernel guard (--unsafe: no sandbox, so no
    copy of the library without the references), every bypass earns the points of its exercise."""
    students, name, cells = a_class(chapter)
    students = {s: v for s, v in students.items() if s.startswith("bypass-")}
    out = grade_class(chapter, students, name, tmp_path, "--unsafe")
    kept = []
    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gb:
        for student, (_nb, zero, _says) in students.items():
            for c, worth in cells.items():
                if c.replace("_test", "_answer") in zero:
                    got = gb.find_grade(c, name.removesuffix(".ipynb"), chapter, student).score
                    kept.append((student, c, got == worth))
    missed = [f"{s}: {c}" for s, c, ok in kept if not ok]
    assert kept and not missed, "bypasses the in-kernel guard stops (so they test nothing):\n" + "\n".join(missed)


def search_for(function, solution):
    """An answer that searches the kernel's filesystem (every folder on sys.path, its own folder and
    /tmp: source, bytecode, notebooks) and its memory for `function`'s body and bytecode, and
    answers with `solution` only if it found neither."""
    import base64
    import inspect

    lines = [line.strip() for line in inspect.getsource(function).splitlines()]
    needles = [max(lines, key=len).encode(), function.__wrapped__.__code__.co_code]
    encoded = [base64.b64encode(n).decode() for n in needles]
    return f"""
import base64, gc, os, sys

needles = [base64.b64decode(x) for x in {encoded!r}]
roots = {{p for p in sys.path if p and os.path.isdir(p)}} | {{os.getcwd(), "/tmp"}}
found = []
for root in sorted(roots):
    for folder, _dirs, files in os.walk(root):
        for file_name in files:
            if file_name.endswith((".py", ".pyc", ".ipynb", ".json", ".txt", ".pth")):
                try:
                    with open(os.path.join(folder, file_name), "rb") as f:
                        data = f.read(8_000_000)
                except OSError:
                    continue
                if any(n in data for n in needles):
                    found.append(os.path.join(folder, file_name))
found += [repr(o) for o in gc.get_objects() if type(o).__name__ == "code" and o.co_code == needles[1]]
if found:
    raise AssertionError(f"the reference's body is here: {{found[:3]}}")
{solution}"""


@pytest.mark.parametrize("unsafe", [False, True], ids=["sandboxed", "in-kernel guard only"])
def test_the_reference_body_is_nowhere_in_the_run_that_judges_its_exercise(unsafe, tmp_path):
    """Inside the run that judges topological_order, a search of the kernel's filesystem and memory
    finds neither its source nor its bytecode, so the answer earns its points; with only the
    in-kernel guard (--unsafe) the same search finds it (the negative control)."""
    import scratchflow.order

    chapter = "01_computational_graphs"
    (source_path,) = notebooks("solutions", chapter)
    source = nbformat.read(source_path, as_version=4)
    release = without_demos(nbformat.read(ROOT / "notebooks" / chapter / source_path.name, as_version=4))
    solution = "\n".join(
        line.strip() and line[4:] or line
        for line in source.cells[
            [c.metadata.get("nbgrader", {}).get("grade_id") for c in source.cells].index("order_answer")
        ]
        .source.split("### BEGIN SOLUTION\n")[1]
        .split("### END SOLUTION")[0]
        .splitlines()
    )
    code = search_for(scratchflow.order.topological_order, solution)
    nb = answered(release, apply(source, {"order_answer": {0: code}}))
    out = grade_class(chapter, {"searcher": (nb,)}, source_path.name, tmp_path, *(["--unsafe"] if unsafe else []))
    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gb:
        got = gb.find_grade("order_test", source_path.stem, chapter, "searcher").score
    html = (out / "feedback" / "searcher" / source_path.name.replace(".ipynb", ".html")).read_text()
    if unsafe:
        assert got == 0 and "the reference" in html, "the search found nothing even with the reference present"
    else:
        assert got == points_of_test_cells(source)["order_test"], html_module.unescape(html)[-3000:]


SMUGGLER = """
import inspect
import os
import time
import types


def _connection_folder():
    args = open("/proc/self/cmdline").read().split("\\0")
    return os.path.dirname(args[args.index("-f") + 1])


_shared = os.path.join(_connection_folder(), "smuggled.py")
if "compute" in inspect.getsource(sf.session):  # present in the runs that judge other exercises
    with open(_shared, "w") as f:
        f.write(inspect.getsource(sf.session))
_waited = []


class Session:
    def run(self, fetch, feed_dict=None):
        if not _waited:
            deadline = time.time() + 20
            while not os.path.exists(_shared) and time.time() < deadline:
                time.sleep(0.1)
            _waited.append(True)
        module = types.ModuleType("smuggled")
        module.__package__ = "scratchflow"
        exec(open(_shared).read(), module.__dict__)
        return module.Session.run.__wrapped__(module.Session(), fetch, feed_dict)
"""


@pytest.mark.parametrize("unsafe", [False, True], ids=["sandboxed", "in-kernel guard only"])
def test_a_run_cannot_pass_a_reference_to_the_run_that_judges_its_exercise(unsafe, tmp_path):
    """The runs of one submission share nothing: the Session answer writes the library's session.py
    (present in nbgrader's run, which judges the other exercises) beside its kernel's connection
    file, and in the Session run waits for it and runs it. Sandboxed, it never arrives: 0 on Session;
    with only the in-kernel guard (one run), it gets the points (the negative control)."""
    chapter = "01_computational_graphs"
    (source_path,) = notebooks("solutions", chapter)
    source = nbformat.read(source_path, as_version=4)
    release = without_demos(nbformat.read(ROOT / "notebooks" / chapter / source_path.name, as_version=4))
    nb = answered(release, apply(source, {"session_answer": {None: SMUGGLER}}))
    out = grade_class(chapter, {"smuggler": (nb,)}, source_path.name, tmp_path, *(["--unsafe"] if unsafe else []))
    cells = points_of_test_cells(source)
    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gb:
        got = {c: gb.find_grade(c, source_path.stem, chapter, "smuggler").score for c in cells}
    want = dict(cells) if unsafe else {**cells, "session_test": 0}
    assert got == want, (got, grades_row(out, "smuggler"))
