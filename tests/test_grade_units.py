"""dlfs-grade's decisions that need no kernel."""

from dlfs import grade


def test_a_student_whose_cell_timed_out_is_graded_once_more_and_the_second_result_stands(monkeypatch):
    results = iter(
        [
            grade._row("amy", 0, 6, "timeout", "a cell ran longer than the per-cell limit"),
            grade._row("amy", 6, 6, "graded", ""),
        ]
    )
    calls = []
    monkeypatch.setattr(grade, "_grade_one", lambda *args: calls.append(args) or next(results))
    assert grade._grade_twice_if_timed_out("course", "out", "args", "amy", 0, "judge")["score"] == 6
    assert len(calls) == 2


def test_a_student_graded_without_a_timeout_is_graded_once(monkeypatch):
    calls = []
    monkeypatch.setattr(grade, "_grade_one", lambda *args: calls.append(args) or grade._row("bo", 5, 6, "graded", ""))
    assert grade._grade_twice_if_timed_out("course", "out", "args", "bo", 0, "judge")["score"] == 5
    assert len(calls) == 1


def test_an_answer_that_always_times_out_keeps_its_timeout(monkeypatch):
    calls = []
    row = grade._row("cy", 2, 6, "timeout", "a cell ran longer than the per-cell limit")
    monkeypatch.setattr(grade, "_grade_one", lambda *args: calls.append(args) or row)
    assert grade._grade_twice_if_timed_out("course", "out", "args", "cy", 0, "judge")["status"] == "timeout"
    assert len(calls) == 2
