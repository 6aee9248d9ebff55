"""The exercises' tests have power: the solution passes every grade cell, the untouched student
notebook passes none, and each plausible wrong answer fails its own test, saying what is wrong."""

import re

import nbformat
import pytest

from course import CHAPTERS, cell, grade_cells, mutate, notebooks, validate, without_demos
from mutants import MUTANTS

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_passes_every_grade_cell(chapter, tmp_path):
    for path in notebooks("solutions", chapter):
        nb = nbformat.read(path, as_version=4)
        assert grade_cells(nb), f"{path} has no grade cells"
        results = validate(nb, tmp_path)
        failed = [ANSI.sub("", f["raw_error"])[-600:] for f in results.get("failed", [])]
        if any("Partial credit" in f for f in failed):
            failed.append("hint: a test cell displays a number, which nbgrader reads as a partial score")
        assert results == {}, f"{path.name}: the solution fails: {failed or results}"


def has_demos(chapter):
    return any(
        "demo" in c.metadata.get("tags", [])
        for p in notebooks("solutions", chapter)
        for c in nbformat.read(p, as_version=4).cells
    )


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if has_demos(c)])
def test_solution_passes_without_its_demo_cells(chapter, tmp_path):
    """The mutation tests skip `demo` cells; that is sound only if no test depends on them."""
    for path in notebooks("solutions", chapter):
        results = validate(without_demos(nbformat.read(path, as_version=4)), tmp_path)
        assert results == {}, f"{path.name}: a test depends on a demo cell: {results}"


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
        nb = nbformat.read(path, as_version=4)
        results = validate(nb, tmp_path, invert=True)
        passing = [p["source"].splitlines()[0] for p in results.get("passed", [])]
        assert not passing, f"{path.name}: unanswered, these tests still pass: {passing}"


@pytest.mark.parametrize(
    "chapter, answer, wrong, test_id, says, region",
    [(chapter, *m, 0)[:6] for chapter, ms in MUTANTS.items() for m in ms],
    ids=[f"{chapter}:{m[0]}:{i}" for chapter, ms in MUTANTS.items() for i, m in enumerate(ms)],
)
def test_wrong_answer_fails_its_test_and_says_why(chapter, answer, wrong, test_id, says, region, tmp_path):
    (path,) = notebooks("solutions", chapter)
    nb = mutate(without_demos(nbformat.read(path, as_version=4)), answer, wrong, region)
    failed = validate(nb, tmp_path).get("failed", [])
    expected_source = cell(nb, test_id).source.strip()
    failed_sources = [f["source"] for f in failed]
    assert expected_source in failed_sources, f"the wrong {answer} passed {test_id}"
    assert len(failed) == 1, f"the wrong {answer} also failed other tests: {failed_sources}"
    message = ANSI.sub("", failed[0]["raw_error"])
    assert re.search(says, message, re.S), f"{test_id} failed, but its message does not say /{says}/:\n{message[-800:]}"
