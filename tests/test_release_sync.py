"""notebooks/ is exactly what nbgrader generates from solutions/ (it is never edited by hand)."""

import json
import shutil

import nbformat
import pytest

from course import ROOT
from dlfs.release import release

# Nothing in a generated notebook is volatile today; list keys here if nbgrader ever adds some.
VOLATILE_METADATA = ()
HOW = "notebooks/ is stale: regenerate it from solutions/ with `make notebooks`, then commit it."


def normalised(path):
    nb = nbformat.read(path, as_version=4)
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    return nb


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """One release generated from solutions/ (nbgrader takes a while), shared by the tests below."""
    return release(ROOT, tmp_path_factory.mktemp("release") / "release")


def test_release_matches_notebooks(fresh):
    committed = ROOT / "notebooks"
    ours = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert ours == theirs, f"{HOW}\nfiles differ: committed {ours}, generated {theirs}"
    for rel in ours:
        if rel.suffix != ".ipynb":
            assert (committed / rel).read_bytes() == (fresh / rel).read_bytes(), f"{HOW}\n{rel} differs"
            continue
        a, b = normalised(committed / rel), normalised(fresh / rel)
        assert a.metadata == b.metadata, f"{HOW}\n{rel}: notebook metadata differs"
        assert len(a.cells) == len(b.cells), f"{HOW}\n{rel}: {len(a.cells)} cells, generated {len(b.cells)}"
        for i, (x, y) in enumerate(zip(a.cells, b.cells, strict=True)):
            assert x == y, (
                f"{HOW}\n{rel}: cell {i} differs\ncommitted: {json.dumps(x)[:300]}\ngenerated: {json.dumps(y)[:300]}"
            )


def test_stale_release_is_detected(fresh, tmp_path):
    """Negative control: editing a generated notebook by hand makes the comparison fail."""
    path = shutil.copy(next(fresh.rglob("*.ipynb")), tmp_path / "edited.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\nedited by hand"
    assert normalised(path) != nb


def test_validate_in_a_terminal_in_notebooks_finds_its_config():
    """A learner's `nbgrader validate` in notebooks/ reads the release's config (no warning)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", "01_computational_graphs/computational_graphs.ipynb"],
        cwd=ROOT / "notebooks", capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert "NotImplementedError" in done.stdout + done.stderr, "validate did not run the untouched notebook"
    assert "No nbgrader_config.py" not in done.stdout + done.stderr
