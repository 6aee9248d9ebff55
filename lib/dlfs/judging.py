"""Where a point is decided: each test cell's records, from the run in which its exercises'
references were absent (dlfs.runs), against the solution's records (dlfs.verdicts.judge), in the
grader's process. The gradebook's automatic scores become these points, and the autograded
notebook shows, for each test cell, what the run that judged it printed, and for a failed cell the
verdict's words as its one error output (the feedback shows them, without the hidden tests' source).
"""

from dataclasses import dataclass

import nbformat

from dlfs import gradebook, verdicts


@dataclass
class Verdict:
    points: float
    messages: list
    run: int  # the index of the run that judged the cell


def decide(expected, points, runs):
    """{test cell: Verdict} for every cell in `points`, each from the last run that judges it."""
    decided = {}
    for i, run in enumerate(runs):
        mine = {cell: points[cell] for cell in run.cells if cell in points}
        for cell, (earned, messages) in verdicts.judge(expected, run.records, mine, run.errors).items():
            decided[cell] = Verdict(earned, messages, i)
    for cell in points:  # a cell no run judged (it cannot happen): nothing is earned
        decided.setdefault(cell, Verdict(0.0, ["this check was not run (ask your instructor)"], 0))
    return decided


def apply(course, assignment, notebook, student, decided, runs, url):
    """Write the points into the gradebook and the messages into the autograded notebook."""
    from nbgrader.api import Gradebook

    with Gradebook(url, course_id=gradebook.COURSE_ID) as gb:
        for grade_id, verdict in decided.items():
            grade = gb.find_grade(grade_id, notebook.removesuffix(".ipynb"), assignment, student)
            grade.auto_score = verdict.points
        gb.db.commit()
    path = course / "autograded" / student / assignment / notebook
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not verdicts.is_test_cell(cell) or grade_id not in decided:
            continue
        verdict = decided[grade_id]
        judged_in = runs[verdict.run].notebook
        if verdict.run and judged_in is not None:
            ran = [c for c in judged_in.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
            cell.outputs = ran[0].get("outputs", []) if ran else []
        if verdict.messages:
            words = "; ".join(verdict.messages)
            cell.outputs = [nbformat.v4.new_output("error", ename="Check failed", evalue=words, traceback=[])]
    tmp = path.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
