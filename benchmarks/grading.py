"""Throughput of dlfs-grade on a synthetic class: 60 submissions of chapter 1 (correct, wrong and
hostile ones), graded with --jobs 1 and --jobs 2, against the notebook's own execution time. The
points come from the trusted comparison (dlfs.verdicts); the solution's run is part of the wall time.

    .venv/bin/python benchmarks/grading.py [--students 60]
"""

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTER, NAME = "01_computational_graphs", "computational_graphs.ipynb"
HOSTILE = {
    "dies": "import os\nos._exit(1)",
    "hog": "import numpy as np\nhog = np.ones(10**9)",
    "flood": "import subprocess\nkids = [subprocess.Popen(['sleep', '60']) for _ in range(300)]",
    "reader": f"print(open('{ROOT}/solutions/{CHAPTER}/{NAME}').read())",
    "vandal": f"import shutil\nshutil.rmtree('{ROOT}/solutions', ignore_errors=True)",
}


def notebooks():
    sys.path.insert(0, str(ROOT / "tests"))
    from course import answered, cell

    release = nbformat.read(ROOT / "notebooks" / CHAPTER / NAME, as_version=4)
    correct = answered(release, nbformat.read(ROOT / "solutions" / CHAPTER / NAME, as_version=4))
    wrong = copy.deepcopy(correct)
    cell(wrong, "add_answer").source = cell(wrong, "add_answer").source.replace(
        "x_value + y_value", "x_value - y_value"
    )
    hostile = {}
    for kind, code in HOSTILE.items():
        nb = copy.deepcopy(correct)
        nb.cells.insert(1, nbformat.v4.new_code_cell(code))
        hostile[kind] = nb
    # what nbgrader autograde executes for a correct submission: its answers and the hidden tests too
    graded = nbformat.read(ROOT / "solutions" / CHAPTER / NAME, as_version=4)
    return correct, wrong, hostile, graded


def own_execution_time(nb, repeats=3):
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            NotebookClient(copy.deepcopy(nb), resources={"metadata": {"path": tmp}}).execute()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    args = parser.parse_args()
    correct, wrong, hostile, graded = notebooks()
    kinds = [("correct", correct)] * 2 + [("wrong", wrong)] + list(hostile.items())
    with tempfile.TemporaryDirectory(prefix="dlfs-bench-") as tmp:
        submissions = Path(tmp) / "class"
        for i in range(args.students):
            kind, nb = kinds[i % len(kinds)]
            (submissions / f"s{i:03d}-{kind}").mkdir(parents=True)
            nbformat.write(nb, submissions / f"s{i:03d}-{kind}" / NAME)
        own, own_graded = own_execution_time(correct), own_execution_time(graded)
        rows, runs = {}, {}
        for jobs in (1, 2):
            start = time.perf_counter()
            subprocess.run(
                [
                    str(Path(sys.executable).parent / "dlfs-grade"),
                    CHAPTER,
                    str(submissions),
                    "--out",
                    f"{tmp}/out{jobs}",
                    "--jobs",
                    str(jobs),
                ],
                check=True,
                capture_output=True,
            )
            rows[jobs] = time.perf_counter() - start
            runs[jobs] = len(list(Path(f"{tmp}/out{jobs}/expected").glob("*.json")))
    print(
        f"{args.students} submissions of {CHAPTER}; a correct notebook runs in {own:.2f} s as handed out and "
        f"{own_graded:.2f} s as graded (with its hidden tests), nbclient, no sandbox"
    )
    print("| jobs | wall time | submissions/minute | per submission | overhead over the notebook as graded |")
    print("|---|---|---|---|---|")
    for jobs, wall in rows.items():
        per = wall / args.students
        overhead = per * jobs - own_graded
        print(f"| {jobs} | {wall:.1f} s | {60 * args.students / wall:.1f} | {per:.2f} s | {overhead:.2f} s |")
    print(f"--jobs 2 throughput / --jobs 1: {rows[1] / rows[2]:.2f}×")
    print(f"the solution's run (expected records) per grading run, by jobs: {runs}")


if __name__ == "__main__":
    main()
