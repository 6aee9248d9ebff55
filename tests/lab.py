"""Start JupyterLab as a learner gets it (`binder/start jupyter lab`, as `make lab` and Binder do) on
127.0.0.1 with a random free port and a token, and stop it by its PID."""

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from course import ROOT

TOKEN = "dlfs-test-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(root_dir, home, env, bin_dir, start=ROOT / "binder" / "start", settings=None):
    """Yields the server's base URL. `home` gets the user's settings (`settings`: {plugin: {key: value}})
    and runtime files, so nothing leaks in from, or out to, the real home. `start=None` starts it as
    `make instructor` does, with nbgrader's instructor tools."""
    port, root_dir = free_port(), Path(root_dir).resolve()
    env = dict(env, HOME=str(home), JUPYTER_RUNTIME_DIR=str(home / "runtime"), PATH=f"{bin_dir}:{env['PATH']}")
    for plugin, values in (settings or {}).items():
        path = home / ".jupyter" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    args = [
        str(Path(bin_dir) / "jupyter-lab"),
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root_dir}",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    log = open(home / "lab.log", "wb")  # noqa: SIM115 (closed below, after the server)
    # binder/start execs the server: the Popen's PID is the server's own.
    server = subprocess.Popen(
        [str(start), *args] if start else args, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a guard against a hang: the server starts in seconds
        while True:
            try:
                get(base, "/api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"jupyter lab did not start:\n{(home / 'lab.log').read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def get(base, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()
