"""JupyterLab, started as `make lab` starts it, serves the student notebooks with nbgrader's
extension (without its instructor plugins), and its Validate endpoint (what the toolbar button
calls) judges the untouched release."""

import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from course import CHAPTERS, ENV, ROOT
from lab import TOKEN, get, running_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    with running_lab(ROOT / "notebooks", home, ENV, Path(sys.executable).parent) as base:
        yield base


def post(base, path, fields):
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read().decode())


def test_lab_page_loads_the_nbgrader_extension(lab):
    page = get(lab, "/lab")
    assert "@jupyter/nbgrader" in page, "the nbgrader JupyterLab extension is not installed/enabled"
    assert json.loads(get(lab, "/nbgrader_version?version=0.9.6"))["success"]


def test_lab_page_disables_the_instructor_plugins_for_learners(lab):
    config = json.loads(
        re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', get(lab, "/lab"), re.S
        ).group(1)
    )
    hidden = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"}
    assert hidden <= set(config["disabledExtensions"]) and hidden <= set(config["lockedExtensions"])
    assert config["news"]["disabled"], "learners would be asked about Jupyter news on every fresh launch"


# One chapter: the endpoint is the same for all, and each chapter's untouched release is validated
# in-process by test_grading_power (without its demo cells, which take most of a run).
@pytest.mark.parametrize("chapter", CHAPTERS[:1])
def test_student_notebook_opens_and_validate_reports_failures(lab, chapter):
    for path in sorted((ROOT / "notebooks" / chapter).glob("*.ipynb")):
        rel = f"{chapter}/{path.name}"
        model = json.loads(get(lab, f"/api/contents/{urllib.parse.quote(rel)}"))
        assert model["type"] == "notebook" and model["content"]["cells"]
        result = post(lab, "/assignments/validate", {"path": rel})
        assert result["success"], result["value"]
        failed = result["value"].get("failed", [])
        n_graded = sum(1 for c in model["content"]["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
        assert len(failed) == n_graded, (
            f"Validate on the untouched {rel}: {len(failed)} of {n_graded} graded cells failed"
        )
        # an unanswered exercise raises NotImplementedError; an unanswered written answer is reported as such
        assert all(
            "NotImplementedError" in f["raw_error"] or "did not provide a response" in f["raw_error"] for f in failed
        )
