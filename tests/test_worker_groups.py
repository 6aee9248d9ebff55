"""The suite's modules with an expensive module fixture run on one xdist worker, so the fixture is
built once. pytest 9.2.0 with pytest-xdist 3.8.0 silently dropped the groups (pytest-xdist#1386):
each fixture was built on both workers, 144 s twice for the graded class. This runs the suite's
own conftest on a small tree with the options of pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
TEST = """import os

import pytest


@pytest.mark.parametrize("n", range(6))
def test_where(n):
    with open("where.txt", "a") as f:
        f.write(f"{os.environ['PYTEST_XDIST_WORKER']} {__name__} {n}\\n")
"""


def test_a_grouped_module_runs_on_one_worker(tmp_path):
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    for name in ("test_release_sync", "test_core"):  # grouped, and not
        (tmp_path / f"{name}.py").write_text(TEST)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang: the run takes seconds
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_release_sync.py::test_where[0]@test_release_sync" in done.stdout, (
        "xdist gave the grouped module no group: its fixture would be built on every worker\n" + done.stdout
    )
    rows = [line.split() for line in (tmp_path / "where.txt").read_text().splitlines()]
    grouped = {worker for worker, module, _ in rows if module == "test_release_sync"}
    assert len(rows) == 12 and len(grouped) == 1, rows
