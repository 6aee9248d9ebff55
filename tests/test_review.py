"""The code review flags student code that reaches for the grading harness, and nothing else:
no solution and no plausible wrong answer is flagged."""

import nbformat
import pytest

from answers import ALTERNATIVES, DELEGATIONS, apply
from course import CHAPTERS, answered, mutate, notebooks
from dlfs.review import review
from mutants import MUTANTS


def pair(chapter):
    source = nbformat.read(notebooks("solutions", chapter)[0], as_version=4)
    release = nbformat.read(notebooks("notebooks", chapter)[0], as_version=4)
    return release, source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_honest_work_is_not_flagged(chapter):
    release, source = pair(chapter)
    assert review(release, source) == []
    assert review(answered(release, source), source) == []
    for answer, wrong, *rest in MUTANTS.get(chapter, []):
        region = rest[2] if len(rest) > 2 else 0
        assert review(answered(release, mutate(source, answer, wrong, region)), source) == [], (answer, wrong)


def test_an_honest_learner_may_experiment_in_added_cells():
    release, source = pair("02_perceptrons")
    nb = answered(release, source)
    tinkering = "import math\ntotal = sum([1, 2])\nz = np.linspace(-5, 5, 11)\nprint(z, math.pi)"
    nb.cells.insert(5, nbformat.v4.new_code_cell(tinkering))
    assert review(nb, source) == []


TAMPERING = {
    "sf.checks.check_close = lambda *a, **k: None": "changes sf.checks.check_close",
    "from scratchflow import checks\nchecks.check_close = print": "changes checks.check_close",
    "np.allclose = lambda *a, **k: True": "changes np.allclose",
    "np.isclose.__code__ = (lambda *a, **k: True).__code__": "uses .__code__",
    "s = sf\ns.checks.check = print": "aliases the module sf",
    "AssertionError = ZeroDivisionError": "rebinds AssertionError",
    "def check(*args):\n    pass\nsf.checks.check = check": "changes sf.checks.check",
    "import builtins\nbuiltins.print = None": "imports builtins",
    "import sys\nsys.settrace(None)": "imports sys",
    "setattr(sf.checks, 'check_close', print)": "uses setattr",
    "exec('sf.checks.check = print')": "uses exec",
    "get_ipython().events.register('pre_run_cell', print)": "uses get_ipython",
    "%env SECRET=1": "uses get_ipython",
    "().__class__.__base__.__subclasses__()": "uses .__class__",
    "class Cheat(float):\n    def __eq__(self, other):\n        return True": "defines __eq__",
    "def f():\n    global np\n    np = None\nf()": "uses global",
    "import scratchflow as sf2\nsf2.checks.check_close = print": "changes sf2.checks.check_close",
    "vars(sf.checks)['check'] = print": "uses vars",
    "sf.guard._open.clear()": "uses sf.guard",
    "sf.checks.exercise = print": "changes sf.checks.exercise",
    "sf.record.start = print": "uses sf.record",
    "np.random._bit_generator = None": "private part",
}


@pytest.mark.parametrize("code, says", TAMPERING.items())
def test_tampering_is_flagged(code, says):
    release, source = pair("01_computational_graphs")
    nb = answered(release, source)
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    found = review(nb, source)
    assert any(says in reason for reason in found), found
    assert all("an added cell, line" in reason for reason in found), found


def test_tampering_inside_an_answer_cell_names_the_cell():
    release, source = pair("01_computational_graphs")
    nb = answered(release, mutate(source, "add_answer", "sf.checks.check_close = print\nreturn x_value"))
    found = review(nb, source)
    assert any(r.startswith("changes sf.checks.check_close") and "(add_answer, line" in r for r in found), found


def test_a_locked_cell_edited_by_the_student_is_reviewed():
    release, source = pair("01_computational_graphs")
    nb = answered(release, source)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    first_code.source += "\nnp.allclose = lambda *a, **k: True"
    assert any("np.allclose" in reason for reason in review(nb, source))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_alternative_answers_are_not_flagged(chapter):
    release, source = pair(chapter)
    for answers in ALTERNATIVES.get(chapter, []):
        nb = answered(release, apply(source, answers))
        assert review(nb, source) == [], answers
    # A delegation earns nothing by itself (the reference refuses); only a private name is flagged.
    for answers in DELEGATIONS.get(chapter, []):
        found = review(answered(release, apply(source, answers)), source)
        assert all("private part" in reason for reason in found), found


COPIED_ORDER = """
if isinstance(fetch, sf.Node):
    fetch = [fetch]
result, seen = [], set()
todo = [(n, False) for n in reversed(fetch)]
while todo:
    n, ready = todo.pop()
    if ready:
        result.append(n)
    elif n not in seen:
        seen.add(n)
        todo.append((n, True))
        todo.extend((i, False) for i in reversed(n.input_nodes))
return result
"""


def test_a_copy_of_the_reference_is_flagged():
    release, source = pair("01_computational_graphs")
    found = review(answered(release, mutate(source, "order_answer", COPIED_ORDER)), source)
    assert found == ["copies the reference sf.topological_order (the same code after renaming; order_answer, line 1)"]


SPREAD_ORDER = """
if isinstance(fetch, sf.Node):
    fetch = [fetch]
result, seen = [], set()
todo = [(n, False) for n in reversed(fetch)]
walk(todo, result, seen)
return result
"""

WALK = """
def walk(todo, result, seen):
    while todo:
        n, ready = todo.pop()
        if ready:
            result.append(n)
        elif n not in seen:
            seen.add(n)
            todo.append((n, True))
            todo.extend((i, False) for i in reversed(n.input_nodes))
"""

INLINED_BACKPROP = """
from scratchflow.gradients import checked

grads = {loss: np.ones(np.shape(values[loss]))}
plan = [
    (op, gradient, False, tuple((i, n) for i, n in enumerate(op.input_nodes) if n.depends_on_variable))
    for op in reversed(sf.topological_order(loss))
    if op.input_nodes and op.depends_on_variable
    for gradient in [sf.gradient_function(op)]
]
for op, gradient, ours, wanted in plan:
    inputs = [values[n] for n in op.input_nodes]
    input_grads = gradient(op, grads[op], inputs, values[op])
    if not ours:
        checked(op, input_grads, inputs)
    for i, node in wanted:
        g = input_grads[i]
        if g is not None:
            total = grads.get(node)
            grads[node] = g if total is None else total + g
return grads
"""


def test_a_copy_of_the_reference_spread_over_cells_is_flagged():
    release, source = pair("01_computational_graphs")
    nb = answered(release, mutate(source, "order_answer", SPREAD_ORDER))
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "order_answer")
    nb.cells.insert(at, nbformat.v4.new_code_cell(WALK))  # the loop in a helper of its own, a cell above
    found = review(nb, source)
    assert any(r.startswith("copies the reference sf.topological_order (nearly all") for r in found), found


def test_a_copy_of_the_reference_with_its_helper_inlined_is_flagged():
    release, source = pair("04_gradient_descent_backpropagation")
    found = review(answered(release, mutate(source, "backprop_answer", INLINED_BACKPROP)), source)
    assert any(r.startswith("copies the reference sf.compute_gradients (nearly all") for r in found), found
