"""Apply the trusted verdicts to one graded submission: the gradebook's automatic scores become the
verdicts' points, and each failed test cell of the autograded notebook gets the verdict's words as
its one error output, which the feedback shows (without the hidden tests' source)."""

import nbformat

from dlfs import gradebook, verdicts
from scratchflow import record


def apply(course, assignment, notebook, student, expected, points, url=None):
    """Judge the student's records; write scores and messages; return {grade_id: (points, messages)}."""
    from nbgrader.api import Gradebook

    autograded = course / "autograded" / student / assignment
    path = autograded / notebook
    nb = nbformat.read(path, as_version=4)
    errors = {}
    for cell in nb.cells:
        if verdicts.is_test_cell(cell):
            failed = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if failed:
                errors[cell.metadata["nbgrader"]["grade_id"]] = f"{failed[-1].ename}: {failed[-1].evalue}"[:400]
    got = verdicts.read_records(autograded / record.RECORDS)
    judged = verdicts.judge(expected, got, points, errors)
    with Gradebook(url or f"sqlite:///{course / 'gradebook.db'}", course_id=gradebook.COURSE_ID) as gb:
        for grade_id, (earned, _messages) in judged.items():
            grade = gb.find_grade(grade_id, notebook.removesuffix(".ipynb"), assignment, student)
            grade.auto_score = earned
        gb.db.commit()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if verdicts.is_test_cell(cell) and judged.get(grade_id, (0, []))[1]:
            words = "; ".join(judged[grade_id][1])
            cell.outputs = [nbformat.v4.new_output("error", ename="Check failed", evalue=words, traceback=[])]
    tmp = path.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    return judged
