"""Validate (the learner's button) on answers that are not plausible mistakes: a shortcut fails its
exercise with a message saying what the exercise asks for; every alternative correct answer passes
everything. Chapter by chapter, one notebook per set (shortcuts in rounds, see answers.rounds).

A delegation to the library's own answer is stopped in the learner's kernel, by the test cell's
`sf.checks.exercise` (scratchflow.guard), under Validate and in a grading run alike: the graded
run of test_trusted_grading shows it, delegation by delegation (nothing earned on exactly those
exercises, and the guard's words in the feedback)."""

import re

import nbformat
import pytest

from answers import ALTERNATIVES, DELEGATIONS, SHORTCUTS, apply, rounds
from course import CHAPTERS, cell, notebooks, validate, without_demos

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def solution(chapter):
    (path,) = notebooks("solutions", chapter)
    return without_demos(nbformat.read(path, as_version=4))


def test_every_exercise_with_a_reference_has_delegations_and_all_have_alternatives():
    from dlfs import absent

    marked = absent.marks()
    for chapter in CHAPTERS:
        answers = {c.metadata["nbgrader"]["grade_id"] for c in solution(chapter).cells if _is_answer(c)}
        for kind, table in (("alternative", ALTERNATIVES),):
            counts = {a: sum(a in s for s in table.get(chapter, [])) for a in answers}
            assert all(n >= 2 for n in counts.values()), f"{chapter}: fewer than two {kind}s for {counts}"
        delegated = {a for s in DELEGATIONS.get(chapter, []) for a in s}
        for answer in answers:
            test = cell(solution(chapter), answer.replace("_answer", "_test")).source
            opened = {
                n for call in re.findall(r"sf\.checks\.exercise\(([^)]*)\)", test) for n in re.findall(r'"(\w+)"', call)
            }
            if any(marked.get(n) for n in opened):  # the library has an answer to it: a delegation is possible
                assert answer in delegated, f"{chapter}: {answer} has a reference but no delegation is tested"
            else:
                assert answer not in delegated, f"{chapter}: {answer} has no reference, yet a delegation is listed"


def _is_answer(c):
    return c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")


def _failures(nb, tmp_path):
    return {f["source"]: ANSI.sub("", f["raw_error"]) for f in validate(nb, tmp_path).get("failed", [])}


@pytest.mark.parametrize(
    "chapter, number", [(c, i) for c, items in SHORTCUTS.items() for i in range(len(rounds(items)))], ids=str
)
def test_a_shortcut_fails_its_exercise_saying_what_it_asks_for(chapter, number, tmp_path):
    shortcuts = rounds(SHORTCUTS[chapter])[number]
    nb = apply(solution(chapter), {answer: regions for answer, regions, _test, _says in shortcuts})
    failed = _failures(nb, tmp_path)
    wanted = {cell(nb, test_id).source.strip(): (answer, says) for answer, _regions, test_id, says in shortcuts}
    assert set(failed) == set(wanted), f"failed {sorted(wanted[s][0] for s in failed if s in wanted)} of {shortcuts}"
    for source, (answer, says) in wanted.items():
        assert re.search(says, failed[source], re.S), f"{answer}: /{says}/ is not said:\n{failed[source][-600:]}"


@pytest.mark.parametrize(
    "chapter, number", [(c, i) for c, sets in ALTERNATIVES.items() for i in range(len(sets))], ids=str
)
def test_an_alternative_correct_answer_passes_everything(chapter, number, tmp_path):
    failed = _failures(apply(solution(chapter), ALTERNATIVES[chapter][number]), tmp_path)
    said = [m[-600:] for m in failed.values()]
    if any("Partial credit" in m for m in failed.values()):
        said.append("hint: a test cell displays a number, which nbgrader reads as a partial score")
    assert not failed, "\n\n".join(said)
