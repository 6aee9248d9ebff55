"""The copies of scratchflow without some references (dlfs.absent), and the plan of graded runs
(dlfs.groups.split), without kernels."""

import inspect
import subprocess
import sys

import pytest

import scratchflow
from dlfs import absent, groups


def run_with(copy, code):
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(copy.parent), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_every_exercise_of_the_course_has_a_marked_reference():
    marks = absent.marks()
    names = ["add", "matmul", "topological_order", "Session", "compute_gradients", "sum_to_shape", "relu"]
    for name in names + ["gradient_descent_step", "softmax_cross_entropy", "softmax_cross_entropy_gradient"]:
        assert marks.get(name), f"no @reference({name!r}) in scratchflow"


def test_a_copy_holds_no_trace_of_the_absent_reference_and_keeps_the_others(tmp_path):
    body = inspect.getsource(scratchflow.order.topological_order.__wrapped__)
    distinctive = max((line.strip() for line in body.splitlines()), key=len)
    assert distinctive.encode() in (absent.LIBRARY / "order.py").read_bytes()  # what the search looks for
    copy = absent.copy_without(["topological_order"], tmp_path)
    texts = [p.read_bytes() for p in copy.rglob("*") if p.is_file()]
    assert not any(distinctive.encode() in text for text in texts), "the reference's source is in the copy"
    code = scratchflow.order.topological_order.__wrapped__.__code__.co_code
    assert not any(code in text for text in texts), "the reference's bytecode is in the copy"
    done = run_with(
        copy,
        "import scratchflow as sf\n"
        "with sf.Graph().as_default():\n"
        "    x = sf.placeholder()\n"
        "    print(sf.add.compute(None, 1.0, 2.0))\n"  # another exercise's reference still answers
        "    sf.topological_order(sf.add(x, x))\n",
    )
    assert "3.0" in done.stdout, done.stderr
    assert "asks you to write it yourself" in done.stderr and "absent while this exercise is graded" in done.stderr


def test_every_spelling_of_an_absent_reference_reaches_the_stub(tmp_path):
    copy = absent.copy_without(["matmul_gradient"], tmp_path)
    done = run_with(
        copy,
        "import numpy as np, scratchflow as sf\n"
        "from scratchflow import op_gradients\n"
        "a = np.ones((2, 2))\n"
        "for f in [sf.gradient_function(sf.matmul(sf.constant(a), sf.constant(a))), op_gradients._matmul_gradient,\n"
        "          getattr(op_gradients._matmul_gradient, '__wrapped__', None)]:\n"
        "    try:\n"
        "        f(None, a, [a, a], a)\n"
        "        print('answered')\n"
        "    except AssertionError as e:\n"
        "        print('absent' if 'absent' in str(e) else e)\n"
        "    except TypeError:\n"
        "        print('absent')\n",
    )
    assert done.stdout.split() == ["absent", "absent", "absent"], done.stdout + done.stderr


def test_cells_that_call_each_others_references_get_runs_of_their_own():
    names = {"a": frozenset({"A"}), "b": frozenset({"B"}), "s": frozenset({"S"}), "free": frozenset()}
    uses = {"s": {"A"}, "free": {"S"}}  # s's check calls A's reference; free's calls S's

    def run(absent_names, cells=None):
        failed = {c for c in (cells or names) if uses.get(c, set()) & set(absent_names)}
        calls = {(name, c) for c in failed for name in uses[c] & set(absent_names)}
        return set(cells or names) - failed, calls, {}

    plan = groups.split(names, run)
    assert sorted(sorted(g.cells) for g in plan) == [["a", "b", "free"], ["s"]]
    for group in plan:
        passed, _calls, _errors = run(group.absent, group.cells)
        assert passed == set(group.cells) and set(group.absent) >= set().union(*(names[c] for c in group.cells))


def test_a_solution_that_fails_with_its_own_reference_absent_is_refused():
    names = {"a": frozenset({"A"})}

    def run(absent_names, cells=None):
        return set(), set(), {"a": "NameError: oops"}

    with pytest.raises(ValueError, match="fails its test cell a"):
        groups.split(names, run)


def test_a_chapter_without_references_is_one_run_planned_without_running_the_solution():
    def run(absent_names, cells=None):
        raise AssertionError("no solution run is needed")

    assert groups.split({"translate": frozenset(), "tape": frozenset()}, run) == [
        groups.Group(("translate", "tape"), ())
    ]


def test_copies_built_at_once_by_several_workers_are_one_whole_copy(tmp_path):
    """The workers of a run ask for the same copy at the same moment; each gets it, complete."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: absent.copy_without(["add"], tmp_path), range(8)))
    assert len(set(made)) == 1
    wanted = sorted(p.name for p in absent.LIBRARY.glob("*.py"))
    assert sorted(p.name for p in made[0].glob("*.py")) == wanted
    assert [p.name for p in made[0].parent.parent.iterdir()] == [made[0].parent.name], "a half-built copy was left"
    assert [p.name for p in made[0].parent.iterdir()] == ["scratchflow"]
