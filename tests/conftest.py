"""Where the browser tests put their screenshots and timings: one folder per test run, made by the
controlling process (xdist workers inherit it), and printed at the end of the run."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DLFS_SCREENSHOTS", tempfile.mkdtemp(prefix="dlfs-screenshots-"))


def pytest_terminal_summary(terminalreporter):
    folder = Path(os.environ["DLFS_SCREENSHOTS"])
    shots = sorted(folder.glob("*.png"))
    if shots and not os.environ.get("PYTEST_XDIST_WORKER"):
        terminalreporter.write_sep("-", f"{len(shots)} browser screenshots in {folder}")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")
