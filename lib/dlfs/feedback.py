"""The feedback stage of dlfs-grade: nbgrader's feedback pages, with a preprocessor by which a
test cell shows only its errors, one line each.

ClearHiddenTests removes the hidden tests from the cell's source, but two other paths could still
show them: a traceback quotes the failing source lines, and student code can print each cell's
source as it runs (an IPython pre_run_cell hook). Test cells print nothing of their own, so all
their other output goes too.
"""

import shutil

from nbgrader.preprocessors import NbGraderPreprocessor


class StripTestCellOutputs(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            errors = [output for output in cell.get("outputs", []) if output.output_type == "error"]
            for output in errors:
                output.traceback = [f"{output.ename}: {output.evalue}"]
            cell.outputs = errors
        return cell, resources


def generate(course, jobs, students, rows, timeout, log):
    """Feedback pages (nbgrader's generate_feedback, which runs no student code), in `jobs` children
    at once, each for its share of the students; copied to OUT/feedback/<student>."""
    from concurrent.futures import ThreadPoolExecutor

    from dlfs import children

    autograded = course.folder / "autograded"
    ready = [s for s in students if list((autograded / s / course.assignment).glob("*.ipynb"))]
    everyone = {p.name for p in autograded.iterdir() if p.is_dir()} if autograded.is_dir() else set()
    preprocessors = (
        "['nbgrader.preprocessors.GetGrades', 'nbgrader.preprocessors.ClearHiddenTests', "
        "'dlfs.feedback.StripTestCellOutputs', 'nbconvert.preprocessors.CSSHTMLHeaderPreprocessor']"
    )
    runs = []
    for worker in range(jobs):
        share = set(ready[worker::jobs])
        if not share:
            continue
        argv = [
            "generate_feedback",
            course.assignment,
            "--force",
            f"--GenerateFeedback.preprocessors={preprocessors}",
            # everyone else in the course, earlier batches included, is another child's or stays as it is
            f"--CourseDirectory.student_id_exclude={','.join(sorted(everyone - share))}",
        ]
        log_path = course.out / "workers" / str(worker) / "feedback.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        runs.append((course.folder, children.env(), argv, log_path, timeout))
    with ThreadPoolExecutor(max(1, len(runs))) as pool:
        list(pool.map(lambda run: children.nbgrader(*run), runs))
    for student in students:
        made = course.folder / "feedback" / student / course.assignment
        target = course.out / "feedback" / student
        if target.exists():
            shutil.rmtree(target)
        if list(made.glob("*.html")):
            shutil.copytree(made, target)
        else:
            log.warning("%s: no feedback was generated", student)
            rows[student]["detail"] = f"{rows[student]['detail']}; no feedback".strip("; ")
