"""An nbgrader preprocessor for feedback: errors of test cells shown as one line, without the
traceback, whose source lines would reveal hidden tests (ClearHiddenTests removes only the cell's
own copy of them)."""

from nbgrader.preprocessors import NbGraderPreprocessor


class StripTestTracebacks(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
