"""How the suite is shared between xdist's workers, and where the browser tests put their
screenshots and timings: one folder per test run, made by the controlling process (xdist workers
inherit it), and printed at the end of the run."""

import os
import tempfile
from pathlib import Path

import pytest

# Modules whose module-scoped fixture is expensive (a lab server, a graded class, a fresh venv, a
# release) run on one worker, so the fixture is built once (`--dist loadgroup`); every other test
# is a unit of its own.
GROUPED = {"test_browser", "test_binder_launch", "test_grading_pipeline", "test_lab", "test_release_sync"}
# Longest first, so that no long test starts last while the other worker has nothing left to do.
# A rough order from the durations CI prints (--durations); it changes how evenly the workers are
# loaded, never what is tested.
LONG_FIRST = [
    "test_browser",
    "test_grading_pipeline",
    "test_jupyterhub",
    "test_binder_launch",
    "test_trusted_grading",
    "test_gradebook",
    "test_nbval",
    "test_lab",
    "test_release_sync",
    "test_answers",
    "test_grading_power",
]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.stem in GROUPED:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: each file keeps its order


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than cores. A test mostly waits on the kernels and processes it
    started, so with one worker per core the cores sit idle a fifth of the time (on 2 cores, the
    suite without its slow group: 487 s with 2 workers, 429 s with 3, the cores then 99 % busy)."""
    return len(os.sched_getaffinity(0)) + 1


os.environ.setdefault("DLFS_SCREENSHOTS", tempfile.mkdtemp(prefix="dlfs-screenshots-"))
# Passing answers are kept on disk for later chapters (scratchflow.shelf). Each process, and each
# test, gets a folder of its own: no test's kernels run another's answers, none writes to ~.
os.environ["SCRATCHFLOW_YOURS"] = tempfile.mkdtemp(prefix="dlfs-yours-")


@pytest.fixture(autouse=True)
def own_shelf(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SCRATCHFLOW_YOURS", str(tmp_path_factory.mktemp("yours")))


def pytest_terminal_summary(terminalreporter):
    folder = Path(os.environ["DLFS_SCREENSHOTS"])
    shots = sorted(folder.glob("*.png"))
    if shots and not os.environ.get("PYTEST_XDIST_WORKER"):
        terminalreporter.write_sep("-", f"{len(shots)} browser screenshots in {folder}")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")
