"""dlfs-grade's decisions that need no kernel."""

from dlfs import export, grade, submissions


def test_a_student_whose_cell_timed_out_is_graded_once_more_and_the_second_result_stands(monkeypatch):
    results = iter(
        [
            export.row("amy", 0, 6, "timeout", "a cell ran longer than the per-cell limit"),
            export.row("amy", 6, 6, "graded", ""),
        ]
    )
    calls = []
    monkeypatch.setattr(grade, "grade_one", lambda *args: calls.append(args) or next(results))
    assert grade.grade_twice_if_timed_out("course", "worker", "amy")["score"] == 6
    assert len(calls) == 2


def test_a_student_graded_without_a_timeout_is_graded_once(monkeypatch):
    calls = []
    monkeypatch.setattr(grade, "grade_one", lambda *args: calls.append(args) or export.row("bo", 5, 6, "graded", ""))
    assert grade.grade_twice_if_timed_out("course", "worker", "bo")["score"] == 5
    assert len(calls) == 1


def test_an_answer_that_always_times_out_keeps_its_timeout(monkeypatch):
    calls = []
    row = export.row("cy", 2, 6, "timeout", "a cell ran longer than the per-cell limit")
    monkeypatch.setattr(grade, "grade_one", lambda *args: calls.append(args) or row)
    assert grade.grade_twice_if_timed_out("course", "worker", "cy")["status"] == "timeout"
    assert len(calls) == 2


def test_submissions_are_found_in_both_layouts(tmp_path):
    """SUBMISSIONS/<student>/<notebook>, and nbgrader's submitted/<student>/<assignment>/<notebook>."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for path in (tmp_path / "ada" / "ch.ipynb", tmp_path / "bob" / "01_x" / "ch.ipynb"):
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    (tmp_path / "cy" / "01_x").mkdir(parents=True)
    found = submissions.collect(tmp_path, "ch.ipynb", None, tmp_path, "01_x")
    assert found["ada"] == (tmp_path / "ada" / "ch.ipynb", None)
    assert found["bob"] == (tmp_path / "bob" / "01_x" / "ch.ipynb", None)
    assert found["cy"] == (None, ("missing", "no ch.ipynb in the student's folder"))


def test_submissions_inside_the_grading_course_folder_are_refused(tmp_path, capsys):
    """Grading replaces OUT/course/submitted/<student>: grading from there would delete the submissions."""
    import nbformat

    submitted = tmp_path / "out" / "course" / "submitted" / "ada" / "01_computational_graphs"
    submitted.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), submitted / "computational_graphs.ipynb")
    argv = ["01_computational_graphs", str(tmp_path / "out" / "course" / "submitted"), "--out", str(tmp_path / "out")]
    assert grade.main([*argv, "--unsafe"]) == 2
    assert "inside the course folder this run grades in" in capsys.readouterr().err
    assert (submitted / "computational_graphs.ipynb").exists()


def test_a_submission_the_grader_failed_on_makes_the_exit_status_say_so(monkeypatch, tmp_path, capsys):
    """A zero from the grader's own failure must not pass for a grade: exit status 3, and the
    students named."""
    from dlfs import cli

    rows = {
        "ana": export.row("ana", 6, 6, "graded", ""),
        "bo": export.row("bo", 0, "", "crashed", f"{cli.GRADER_FAILED}: OSError: disk full"),
    }
    monkeypatch.setattr(grade, "grade", lambda args: rows)
    assert cli.main(["01_computational_graphs", str(tmp_path), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "the grader itself failed on 1 submission(s)" in err and "bo" in err and "ana" not in err, err
    rows["bo"] = export.row("bo", 0, 6, "crashed", "the kernel died while running the notebook; nothing was graded")
    assert cli.main(["01_computational_graphs", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
