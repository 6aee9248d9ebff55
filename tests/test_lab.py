"""JupyterLab, started as `make lab` starts it, serves the student notebooks with nbgrader's
extension, and its Validate endpoint (what the toolbar button calls) judges the untouched release."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from course import CHAPTERS, ENV, ROOT

TOKEN = "dlfs-test-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port = free_port()
    home = tmp_path_factory.mktemp("home")  # no user settings or runtime files leak in or out
    env = dict(ENV, HOME=str(home), JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    args = [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.root_dir=notebooks",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                get(base, "/api/status")
                break
            except OSError:
                assert server.poll() is None, f"jupyter lab exited:\n{server.stderr.read().decode()[-3000:]}"
                time.sleep(0.2)
        else:
            pytest.fail("jupyter lab did not answer within 60 s")
        yield base
    finally:
        server.terminate()  # the Popen is the server itself, not a shell wrapper
        server.wait(timeout=30)


def get(base, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def post(base, path, fields):
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read().decode())


def test_lab_page_loads_the_nbgrader_extension(lab):
    page = get(lab, "/lab")
    assert "@jupyter/nbgrader" in page, "the nbgrader JupyterLab extension is not installed/enabled"
    assert json.loads(get(lab, "/nbgrader_version?version=0.9.6"))["success"]


@pytest.mark.parametrize("chapter", CHAPTERS)
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
