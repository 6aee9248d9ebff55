"""Binder: repo2docker picks Python 3.11, installs the course's requirements and starts the server
through binder/start."""

import re
import subprocess
import sys
from pathlib import Path

from course import ENV, ROOT


def test_repo2docker_dockerfile_selects_python_311_and_installs_the_course():
    repo2docker = Path(sys.executable).parent / "repo2docker"
    done = subprocess.run(
        [str(repo2docker), "--no-build", "--debug", str(ROOT)],
        check=False,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-2000:]
    assert "python=3.11" in out, "repo2docker did not select Python 3.11 (binder/runtime.txt)"
    assert re.search(r'pip install --no-cache-dir -r "binder/requirements.txt"', out)
    # The whole repository is copied before that install, so `-e .` can find the package.
    assert out.index("COPY --chown=0:0 src/ ${REPO_DIR}/") < out.index('-r "binder/requirements.txt"')
    # Binder starts the server through binder/start, which hides the instructor tools from learners.
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in out


def test_binder_requirements_lead_to_the_pinned_list_and_the_library():
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert "-r ../requirements.txt" in binder.splitlines()
    top = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-e ." in top and "nbgrader==0.9.6" in top
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_validate_button_reads_generous_timeouts_through_binder_start():
    """The lab's Validate reads binder/jupyter/nbgrader_config.py (nbgrader's 4 s IOPub wait failed a
    whole validation on a busy machine)."""
    script = (
        "from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler as H;"
        "e = H.load_config(None).Execute; print(e.timeout, e.iopub_timeout)"
    )
    done = subprocess.run(
        [str(ROOT / "binder" / "start"), sys.executable, "-c", script],
        cwd=ROOT / "notebooks",
        env={k: v for k, v in ENV.items() if k != "JUPYTER_CONFIG_PATH"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    timeout, iopub = map(int, done.stdout.split())
    assert timeout >= 300 and iopub >= 60, done.stdout
