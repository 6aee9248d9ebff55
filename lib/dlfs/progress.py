"""How far a learner is: for each chapter in a folder, each exercise with its points and whether its
visible tests pass now.

    dlfs-progress [FOLDER]      # a plain table (FOLDER: the course's notebooks/ folder, by default)
    sf.progress()               # the same, as a coloured table in a notebook

Each chapter runs in a fresh kernel, as Validate does, with the slow illustrations (cells tagged
`demo`) left out. The notebooks are read, never written.
"""

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

MANUAL = "graded by your instructor"
CHAPTER = re.compile(r"^\d\d_")
# "### Exercise 2 · an L-layer network (3 points)" -> "Exercise 2 · an L-layer network"
HEADING = re.compile(r"^#+\s*(Exercise\s+\d+[^\n(]*?)\s*(\(|$)", re.M)


@dataclass
class Exercise:
    chapter: str
    name: str
    points: float
    status: str  # "passes", "fails", "not started", or MANUAL (a written answer)
    message: str = ""

    @property
    def earned(self):
        return self.points if self.status == "passes" else 0

    @property
    def shown(self):
        return f"?/{self.points:g}" if self.status == MANUAL else f"{self.earned:g}/{self.points:g}"


def total(results):
    """ "13/20", or "13/20 (2 graded by your instructor)" when a written answer is among them."""
    earned, points = sum(e.earned for e in results), sum(e.points for e in results)
    manual = sum(e.points for e in results if e.status == MANUAL)
    return f"{earned:g}/{points:g}" + (f" ({manual:g} graded by your instructor)" if manual else "")


def chapters(folder):
    """The chapter notebooks under `folder` (e.g. notebooks/01_computational_graphs/*.ipynb)."""
    folder = Path(folder)
    found = [
        nb for d in sorted(folder.iterdir()) if d.is_dir() and CHAPTER.match(d.name) for nb in sorted(d.glob("*.ipynb"))
    ]
    if not found:
        raise SystemExit(
            f"dlfs-progress: no chapter notebooks in {folder} (expected folders such as 01_computational_graphs)"
        )
    return found


def chapter_progress(path, timeout=300):
    """The exercises of one chapter notebook, each with the state of its test cell after a run."""
    from nbclient import NotebookClient

    from dlfs import kernels

    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "demo" not in c.metadata.get("tags", [])]
    with tempfile.TemporaryDirectory(prefix="dlfs-progress-") as tmp:
        client = NotebookClient(
            nb, config=kernels.config(tmp), kernel_name="python3", timeout=timeout, allow_errors=True,
            resources={"metadata": {"path": str(Path(path).parent)}},
        )  # fmt: skip
        client.execute()
    exercises, heading = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            names = [m.group(1) for m in HEADING.finditer(cell.source)]
            heading = names[-1] if names else heading
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "markdown":  # a written answer: no test can say
            name = (heading or meta["grade_id"]).replace("`", "")
            exercises.append(Exercise(Path(path).parent.name, name, float(meta.get("points", 0)), MANUAL))
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            status = "passes"
            if errors:
                status = "not started" if errors[0].ename == "NotImplementedError" else "fails"
            message = f"{errors[0].ename}: {errors[0].evalue}".splitlines()[0][:160] if status == "fails" else ""
            name = (heading or meta["grade_id"]).replace("`", "")
            exercises.append(Exercise(Path(path).parent.name, name, float(meta.get("points", 0)), status, message))
    return exercises


def course_progress(folder, progress_bar=True):
    from tqdm.auto import tqdm

    results = []
    for path in tqdm(chapters(folder), desc="running the chapters", disable=not progress_bar):
        results += chapter_progress(path)
    return results


def as_text(results):
    rows = [("chapter", "exercise", "points", "state")]
    rows += [(e.chapter, e.name, e.shown, e.status) for e in results]
    tested = [e for e in results if e.status != MANUAL]
    passing = f"{sum(e.status == 'passes' for e in tested)} of {len(tested)} tested exercises pass"
    rows.append(("total", passing, total(results), ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


COLOURS = {"passes": "#d4edda", "fails": "#f8d7da", "not started": "#eeeeee", MANUAL: "#fff3cd"}


def as_html(results):
    from html import escape

    body = "".join(
        f'<tr style="background:{COLOURS[e.status]}"><td>{escape(e.chapter)}</td><td>{escape(e.name)}</td>'
        f"<td>{e.shown}</td><td>{e.status}</td><td>{escape(e.message)}</td></tr>"
        for e in results
    )
    return (
        "<table><tr><th>chapter</th><th>exercise</th><th>points</th><th>state</th><th>first error</th></tr>"
        f"{body}<tr><th colspan=2>total</th><th>{escape(total(results))}</th><th colspan=2></th></tr></table>"
    )


def notebooks_folder(start=None):
    """The folder holding the chapter folders: `start` (the working directory) or its parent."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, start.parent):
        if any(CHAPTER.match(d.name) for d in folder.iterdir() if d.is_dir()):
            return folder
    raise SystemExit(f"dlfs-progress: no chapter folders in {start} or its parent; give the notebooks folder")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dlfs-progress", description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("folder", nargs="?", help="the folder of the chapter folders (default: notebooks/ here)")
    args = parser.parse_args(argv)
    folder = (
        Path(args.folder)
        if args.folder
        else notebooks_folder(Path("notebooks") if Path("notebooks").is_dir() else None)
    )
    if not folder.is_dir():
        raise SystemExit(f"dlfs-progress: no such folder: {folder}")
    print(as_text(course_progress(folder, progress_bar=sys.stderr.isatty())))
