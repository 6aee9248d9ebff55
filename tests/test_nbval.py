"""nbval executes every solution notebook in a fresh kernel without error (--nbval-lax: a cell
fails on an error; outputs are not compared, since solutions are committed without them)."""

import subprocess
import sys

import pytest

from course import CHAPTERS, ENV, ROOT


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_runs_clean_under_nbval(chapter, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-o",
            "addopts=",
            f"--rootdir={tmp_path}",
            "--nbval-lax",
            "--nbval-current-env",
            str(ROOT / "solutions" / chapter),
        ],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"nbval failed on {chapter}:\n{done.stdout[-4000:]}"
    assert " passed" in done.stdout.splitlines()[-1], done.stdout[-500:]
