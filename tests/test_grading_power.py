"""The exercises' tests have power: the untouched student notebook passes no grade cell (`nbgrader
validate --invert`), and each plausible wrong answer fails its own test, saying what is wrong. All
without `demo` cells, which no test may depend on; nbval and the browser run every notebook whole.

The wrong answers are run against the *visible* tests, the student version's test cells: a mistake
that only a hidden test catches would earn "Success!" in Validate and lose its points in grading.
The hidden tests add inputs, not kinds of mistake; since they run after the visible checks of the
same cell, a wrong answer the visible checks fail is failed by the full cell too, with that message.

That the solution passes every grade cell is shown without a run of its own: nbval runs it whole
(every check passes in its kernel), test_trusted_grading grades it without demo cells (full marks),
and each alternative answer set, which keeps every test cell, passes Validate (test_answers), so no
test cell reads as partial credit.
"""

import re

import nbformat
import pytest

from answers import rounds
from course import CHAPTERS, answered, cell, grade_cells, mutate, notebooks, validate, without_demos
from mutants import MUTANTS

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_every_solution_has_grade_cells():
    for chapter in CHAPTERS:
        for path in notebooks("solutions", chapter):
            assert grade_cells(nbformat.read(path, as_version=4)), f"{path} has no grade cells"


def test_every_chapter_has_wrong_answers_for_every_exercise():
    for chapter in CHAPTERS:
        (path,) = notebooks("solutions", chapter)
        answers = {
            c.metadata["nbgrader"]["grade_id"]
            for c in nbformat.read(path, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
        }
        covered = {m[0] for m in MUTANTS.get(chapter, [])}
        assert answers <= covered, f"{chapter}: no plausible wrong answer tested for {sorted(answers - covered)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_student_notebook_passes_no_grade_cell(chapter, tmp_path):
    for path in notebooks("notebooks", chapter):
        results = validate(without_demos(nbformat.read(path, as_version=4)), tmp_path, invert=True)
        passing = [p["source"].splitlines()[0] for p in results.get("passed", [])]
        assert not passing, f"{path.name}: unanswered, these tests still pass: {passing}"


def chapter_rounds():
    """Each chapter's wrong answers in rounds (answers.rounds): a round is one notebook."""
    return [(chapter, n, round_) for chapter, mutants in MUTANTS.items() for n, round_ in enumerate(rounds(mutants))]


def test_rounds_hold_every_wrong_answer_once():
    held = sorted((chapter, m[0], m[1]) for chapter, _, mutants in chapter_rounds() for m in mutants)
    assert held == sorted((chapter, m[0], m[1]) for chapter, ms in MUTANTS.items() for m in ms)
    assert all(len({m[0] for m in ms}) == len(ms) for _, _, ms in chapter_rounds()), "two wrong answers for a cell"


@pytest.mark.parametrize(
    "chapter, number, mutants", chapter_rounds(), ids=[f"{c}:round{n}" for c, n, _ in chapter_rounds()]
)
def test_wrong_answers_fail_the_visible_tests_and_say_why(chapter, number, mutants, tmp_path):
    (path,) = notebooks("solutions", chapter)
    (release,) = notebooks("notebooks", chapter)
    source = nbformat.read(path, as_version=4)
    for answer, wrong, _test_id, _says, *region in mutants:
        source = mutate(source, answer, wrong, *region)
    nb = without_demos(answered(nbformat.read(release, as_version=4), source))
    failed = {f["source"]: ANSI.sub("", f["raw_error"]) for f in validate(nb, tmp_path).get("failed", [])}
    problems, expected = [], set()
    for answer, wrong, test_id, says, *_ in mutants:
        source = cell(nb, test_id).source.strip()
        expected.add(source)
        if source not in failed:
            problems.append(f"the wrong {answer} passed {test_id}:\n{wrong}")
        elif not re.search(says, failed[source], re.S):
            problems.append(f"{test_id} failed, but its message does not say /{says}/:\n{failed[source][-800:]}")
    others = [source.splitlines()[0] for source in failed if source not in expected]
    if others:
        problems.append(f"the wrong answers {[m[0] for m in mutants]} also failed other tests: {others}")
    assert not problems, "\n\n".join(problems)
