"""The grader's side of trusted verdicts, without kernels: rewriting test cells, reading records,
judging them against the solution's (dlfs.verdicts)."""

import json

import numpy as np
import pytest

from dlfs import solution as solution_runs
from dlfs import verdicts
from scratchflow import record


def test_a_rewritten_test_cell_records_and_computes_no_expected_value():
    source = (
        '"""Check add: sums, ±1000."""\n'
        "sf.checks.exercise('add')\n"
        "sf.checks.check_close(run(u, v), u + v, 'add of ±1000', rtol=1e-3)\n"
        "check_close(\n    run(u),\n    np.exp(\n        u),\n    'multi-line')\n"
        "sf.checks.check_close(run(u), expected=secret(u), case='keyword')\n"
        "### BEGIN HIDDEN TESTS\n"
        "sf.checks.check(h.calls == 1, 'once')\n"
        "### END HIDDEN TESTS"
    )
    rewritten = verdicts.rewrite(source, "add_test")
    assert rewritten.splitlines()[:3] == [
        '"""Check add: sums, ±1000."""',
        "import scratchflow.record",
        "scratchflow.record.start('add_test')",
    ]
    assert "sf.checks.check_close(run(u, v), ..., 'add of ±1000', rtol=1e-3)" in rewritten
    assert "check_close(\n    run(u),\n    ...,\n    'multi-line')" in rewritten
    assert "expected=..., case='keyword'" in rewritten
    assert "u + v" not in rewritten and "np.exp" not in rewritten and "secret" not in rewritten
    assert "### BEGIN HIDDEN TESTS" in rewritten and "sf.checks.check(h.calls == 1, 'once')" in rewritten


def close(cell, n, values, rtol=1e-6, atol=1e-9, case="a case"):
    return {
        "cell": cell,
        "n": n,
        "kind": "close",
        "case": case,
        "got": record.encode(values),
        "rtol": rtol,
        "atol": atol,
    }


SOLUTION = [close("t1", 0, [1.0, 2.0]), close("t1", 1, [[3.0]]), close("t2", 0, 5.0, case="five")]
POINTS = {"t1": 2, "t2": 1}


def test_matching_records_earn_every_point():
    assert verdicts.judge(SOLUTION, SOLUTION, POINTS) == {"t1": (2, []), "t2": (1, [])}


@pytest.mark.parametrize(
    "learner, says",
    [
        ([close("t1", 0, [1.0, 2.0]), close("t2", 0, 5.0)], "not checked, because the test cell stopped after 1 of 2"),
        (SOLUTION[:2] + [close("t1", 2, [0.0])] + SOLUTION[2:], "1 more check(s) recorded"),
        ([close("t1", 0, [1.0, 2.5]), SOLUTION[1], SOLUTION[2]], "first at index (1,): expected 2, got 2.5"),
        (
            [close("t1", 0, [1.0, 2.0, 3.0]), SOLUTION[1], SOLUTION[2]],
            "expected an array of shape (2,), got shape (3,)",
        ),
        ([close("t1", 1, [[3.0]]), close("t1", 0, [1.0, 2.0]), SOLUTION[2]], "records out of order"),
        ([close("t1", 0, None), SOLUTION[1], SOLUTION[2]], "got None"),
        ([close("t1", 0, ...), SOLUTION[1], SOLUTION[2]], "got not a number: ellipsis"),
        ([{**SOLUTION[0], "kind": "check", "ok": True}, SOLUTION[1], SOLUTION[2]], "a different check"),
    ],
)
def test_a_wrong_missing_extra_or_misplaced_record_fails_its_cell_only(learner, says):
    judged = verdicts.judge(SOLUTION, learner, POINTS)
    assert judged["t1"][0] == 0 and any(says in m for m in judged["t1"][1]), judged["t1"]
    assert judged["t2"] == (1, [])


def test_the_tolerance_is_the_solutions_not_the_learners():
    learner = [close("t1", 0, [1.0, 2.1], rtol=1.0, atol=1.0), SOLUTION[1], SOLUTION[2]]
    assert verdicts.judge(SOLUTION, learner, POINTS)["t1"][0] == 0
    loose = [close("t1", 0, [1.0, 2.0], rtol=0.1), SOLUTION[1], SOLUTION[2]]
    assert verdicts.judge(loose, [close("t1", 0, [1.0, 2.1]), *SOLUTION[1:]], POINTS)["t1"][0] == 2


def test_a_records_file_with_lines_no_check_wrote_trusts_nothing(tmp_path):
    path = tmp_path / record.RECORDS
    path.write_text("\n".join(json.dumps(r) for r in SOLUTION) + "\nnot json\n")
    got = verdicts.read_records(path)
    assert got[-1] == {"malformed": "not json"}
    judged = verdicts.judge(SOLUTION, got, POINTS)
    assert all(points == 0 and "not written by a check" in messages[0] for points, messages in judged.values())


def test_no_records_file_earns_nothing(tmp_path):
    judged = verdicts.judge(SOLUTION, verdicts.read_records(tmp_path / "none.jsonl"), POINTS)
    assert {cell: points for cell, (points, _) in judged.items()} == {"t1": 0, "t2": 0}


def test_the_learner_error_explains_a_stopped_cell_but_earns_nothing():
    judged = verdicts.judge(SOLUTION, SOLUTION[2:], POINTS, errors={"t1": "NotImplementedError: "})
    assert judged["t1"][0] == 0 and judged["t1"][1][0].endswith("after 0 of 2 checks: NotImplementedError: ")


NAMES = ["a", "b", "c", "d"]  # d = f(c, a), c = g(a, b)
GRAPH = [[], [], [0, 1], [2, 0]]


def order(names, names_in_graph=NAMES, graph=GRAPH):
    positions = [names_in_graph.index(n) if n in names_in_graph else -1 for n in names]
    return {"cell": "t", "n": 0, "kind": "order", "case": "order", "names": names_in_graph, "fetch": 3,
            "graph": graph, "order": positions}  # fmt: skip


@pytest.mark.parametrize(
    "names, says",
    [
        (["b", "a", "c", "d"], None),  # another valid order than the solution's
        (["a", "b", "c", "d"], None),
        (["a", "c", "b", "d"], "node 'c' (position 1) comes before its input 'b'"),
        (["a", "b", "c", "c", "d"], "node 'c' appears more than once"),
        (["a", "b", "c"], "nodes ['d'] are missing"),
        (["a", "b", "x", "c", "d"], "a node is listed but 'd' does not depend on it"),
    ],
)
def test_an_order_is_judged_against_the_solutions_graph(names, says):
    (points, messages) = verdicts.judge([order(["a", "b", "c", "d"])], [order(names)], {"t": 2})["t"]
    assert (points, messages) == (2, []) if says is None else points == 0 and says in messages[0]


def test_an_order_of_another_graph_fails():
    forged = order(["a", "d"], names_in_graph=["a", "d"], graph=[[], [0]])
    assert verdicts.judge([order(["a", "b", "c", "d"])], [forged], {"t": 2})["t"][0] == 0


def gradient(output, grads):
    return {"cell": "g", "n": 0, "kind": "gradient", "case": "the gradient of log", "output": record.encode(output),
            "grads": [record.encode(g) for g in grads]}  # fmt: skip


def test_a_gradient_record_compares_the_ops_output_and_each_gradient():
    x = np.array([0.5, 2.0])
    solution = [gradient(np.log(x), [1 / x])]
    assert verdicts.judge(solution, [gradient(np.log(x), [np.reciprocal(x)])], {"g": 2})["g"] == (2, [])
    assert verdicts.judge(solution, [gradient(np.log(x), [1 / x + 1e-4])], {"g": 2})["g"][0] == 0
    assert verdicts.judge(solution, [gradient(x, [1 / x])], {"g": 2})["g"][0] == 0  # a hard-coded forward pass
    assert verdicts.judge(solution, [gradient(np.log(x), [])], {"g": 2})["g"][0] == 0


def test_values_survive_the_json_round_trip():
    values = np.array([[1.5, np.nan], [np.inf, -np.inf]])
    back = record.decode(json.loads(json.dumps(record.encode(values))))
    assert back.shape == (2, 2) and np.array_equal(back, values, equal_nan=True)


def test_trusted_run_is_retried_with_the_long_timeout_only_when_a_cell_timed_out(tmp_path, monkeypatch):
    from nbclient.exceptions import CellTimeoutError

    solution = tmp_path / "solution.ipynb"
    solution.write_text("{}")
    calls = []

    def run(path, timeout):
        calls.append(timeout)
        if len(calls) == 1:
            raise CellTimeoutError("a lost message")
        return [{"kind": "check"}]

    monkeypatch.setattr(solution_runs, "_run_solution", run)
    assert solution_runs.expected_records(solution, tmp_path / "cache", timeout=600) == [{"kind": "check"}]
    assert calls == [solution_runs.FIRST_TRY_TIMEOUT, 600]
    assert solution_runs.expected_records(solution, tmp_path / "cache", timeout=600) == [{"kind": "check"}]
    assert len(calls) == 2, "the records are cached"
