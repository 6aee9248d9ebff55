"""How long each solution notebook takes from a fresh kernel, top to bottom, and the whole course.

    .venv/bin/python benchmarks/notebook_times.py

Each notebook runs in a new kernel (nbclient, as nbval and nbgrader run it), one after the other, so
the total is what a learner waits for the whole course. Budgets: 60 s per notebook, 4 minutes in all.
A script, not a timed test: the numbers depend on the machine and its load. The passing answers are
kept in a folder of this run (scratchflow.shelf), so chapter 6 trains with chapters 4 and 5's, as a
learner's does.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlfs import kernels

ROOT = Path(__file__).resolve().parents[1]
PER_NOTEBOOK, COURSE = 60.0, 240.0


def main():
    rows, total = [], 0.0
    os.environ["SCRATCHFLOW_YOURS"] = tempfile.mkdtemp(prefix="dlfs-yours-")  # not the runner's own
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as sockets:
            client = NotebookClient(
                nb,
                config=kernels.config(sockets),
                timeout=600,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            )
            start = time.perf_counter()
            client.execute()
        seconds = time.perf_counter() - start
        total += seconds
        rows.append((path.parent.name, seconds))
        print(
            f"{path.parent.name:40s} {seconds:6.1f} s{'  (over 60 s!)' if seconds > PER_NOTEBOOK else ''}", flush=True
        )
    print(f"{'whole course':40s} {total:6.1f} s (budget {COURSE:.0f} s; {total / COURSE:.0%} of it)")
    return 0 if total <= COURSE and all(s <= PER_NOTEBOOK for _, s in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
