"""An nbgrader preprocessor for feedback: a test cell shows only its errors, one line each.

ClearHiddenTests removes the hidden tests from the cell's source, but two other paths could still
show them: a traceback quotes the failing source lines, and student code can print each cell's
source as it runs (an IPython pre_run_cell hook). Test cells print nothing of their own, so all
their other output goes too.
"""

from nbgrader.preprocessors import NbGraderPreprocessor


class StripTestCellOutputs(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            errors = [output for output in cell.get("outputs", []) if output.output_type == "error"]
            for output in errors:
                output.traceback = [f"{output.ename}: {output.evalue}"]
            cell.outputs = errors
        return cell, resources
