"""A throwaway JupyterHub on 127.0.0.1 for a test: real system users, LocalProcessSpawner, a
test-only service token that drives it over the Hub's REST API, and a terminal in each user's own
server to run commands as that user. Everything lives in one temporary folder and is stopped by PID.

The Hub's Python must be one every user can execute: the tests' own venv may sit under /root
(mode 700), so the Hub gets a venv of its own, from the system's python3, in the temporary folder.
"""

import contextlib
import json
import os
import pwd
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import websocket  # websocket-client, a dependency of jupyter_server

ROOT = Path(__file__).resolve().parents[1]
JUPYTERHUB = "jupyterhub==6.1.1"
PROXY = "configurable-http-proxy@5.3.0"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, mode 755 all the way down


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, **kwargs):
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, argv))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def environment(folder):
    """A venv with JupyterHub, nbgrader (the course's pins) and the course package; the proxy from npm."""
    assert Path(SYSTEM_PYTHON).exists(), "the JupyterHub test needs Debian's python3 (and python3-venv)"
    venv = folder / "venv"
    # npm fetches the proxy while pip installs: one waits on the network while the other works
    npm = ["npm", "install", "--prefix", str(folder / "proxy"), "--no-fund", "--no-audit", "--loglevel=error", PROXY]
    proxy = subprocess.Popen(npm, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if re.match(r"^[\w.-]+==", line)]
    (folder / "constraints.txt").write_text("\n".join(pins) + "\n")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, "-c", str(folder / "constraints.txt"), JUPYTERHUB, "nbgrader", "psycopg2-binary"])
    # the course's tooling (dlfs.exchange) for the instructor's nbgrader; a copy, not a link to ROOT
    run([*pip, "--no-deps", str(ROOT)], cwd=folder)
    said = proxy.communicate(timeout=600)[0]  # a guard against a hang: npm takes seconds
    assert proxy.returncode == 0, f"{' '.join(npm)} failed:\n{said[-2000:]}"
    return venv, folder / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"


@contextlib.contextmanager
def system_users(names, homes):
    """Real users (a uid each), homes mode 700 under `homes`; removed with everything they ran."""
    made = []
    try:
        for name in names:
            run(["useradd", "--create-home", "--home-dir", str(homes / name), "--shell", "/bin/bash", name])
            made.append(name)
            os.chmod(homes / name, 0o700)
        yield {name: pwd.getpwnam(name) for name in names}
    finally:
        for name in made:
            subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        for name in made:
            for _ in range(50):  # userdel refuses while a process of the user is still exiting
                if subprocess.run(["userdel", "--remove", name], check=False, capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)


class Hub:
    """JupyterHub with LocalProcessSpawner; `api` calls its REST API with the test's service token."""

    def __init__(self, folder, venv, proxy, users, admin):
        self.folder, self.token, self.port = folder, secrets.token_hex(32), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "port": self.port,
            "hub_port": free_port(),
            "proxy_api": f"http://127.0.0.1:{free_port()}",
            "proxy": str(proxy),
            "singleuser": str(venv / "bin" / "jupyterhub-singleuser"),
            "path": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "token": self.token,
            "users": sorted(users),
            "admin": admin,
            "password": secrets.token_hex(16),
        }
        (folder / "jupyterhub_config.py").write_text(CONFIG.format(config=json.dumps(config)))
        self.argv = [str(venv / "bin" / "jupyterhub"), "-f", str(folder / "jupyterhub_config.py")]
        self.env = dict(os.environ, PATH=config["path"])
        self.process = None

    def __enter__(self):
        log = open(self.folder / "hub.log", "w")  # noqa: SIM115 (closed with the Hub)
        self.process = subprocess.Popen(
            self.argv, cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + 120  # a guard against a hang, not a speed check
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"JupyterHub exited:\n{self.log()}"
            with contextlib.suppress(OSError):
                self.api("GET", "/")
                return self
            time.sleep(0.5)
        raise AssertionError(f"JupyterHub did not answer within 120 s:\n{self.log()}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the Hub stops the users' servers and its proxy
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the proxy shares the Hub's session
        pid_file = self.folder / "jupyterhub-proxy.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)

    def log(self):
        return (self.folder / "hub.log").read_text()[-4000:]

    def api(self, method, path, body=None):
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def start(self, user):
        """Create the user in the Hub, start their server, wait until it is ready."""
        with contextlib.suppress(urllib.error.HTTPError):  # 409: the user exists already
            self.api("POST", f"/users/{user}")
        self.api("POST", f"/users/{user}/server")
        deadline = time.monotonic() + 180  # a guard against a hang
        while time.monotonic() < deadline:
            server = self.api("GET", f"/users/{user}")["servers"].get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server did not start:\n{self.log()}")

    def server(self, method, user, path, body=None):
        """A call to the REST API of the user's own server, through the proxy."""
        request = urllib.request.Request(
            f"{self.url}/user/{user}/api{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            body = error.read().decode()[-2000:]
            raise AssertionError(f"{method} {path} on {user}'s server: {error}: {body}") from None

    def shell(self, user, command, timeout=300):
        """Run `command` in a terminal of the user's server (so as that user); (exit code, output)."""
        name = self.server("POST", user, "/terminals")["name"]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/user/{user}/terminals/websocket/{name}",
            header=[f"Authorization: token {self.token}"],
            timeout=timeout,
        )
        marker = secrets.token_hex(4)
        try:
            ws.send(json.dumps(["stdin", f"stty -echo; {command}\n__code=$?; echo; echo {marker}-$__code-{marker}\r"]))
            output, deadline = "", time.monotonic() + timeout
            while time.monotonic() < deadline:
                kind, *data = json.loads(ws.recv())
                if kind == "stdout":
                    output += data[0]
                    done = re.search(rf"{marker}-(\d+)-{marker}", output)
                    if done:
                        return int(done[1]), output[: done.start()]
            raise AssertionError(f"{user}$ {command} did not finish within {timeout} s:\n{output[-2000:]}")
        finally:
            ws.close()
            with contextlib.suppress(AssertionError):
                self.server("DELETE", user, f"/terminals/{name}")


CONFIG = """# written by tests/hub.py for one test run
import json

cfg = json.loads({config!r})
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = cfg["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = cfg["hub_port"]
c.ConfigurableHTTPProxy.api_url = cfg["proxy_api"]
c.ConfigurableHTTPProxy.command = [cfg["proxy"]]
c.JupyterHub.db_url = "sqlite:///jupyterhub.sqlite"
# a test-only authenticator: one random password, only this run's users; the test never logs in with it
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = cfg["password"]
c.Authenticator.allowed_users = set(cfg["users"])
c.Authenticator.admin_users = {{cfg["admin"]}}
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [cfg["singleuser"]]
# nbgrader starts alembic from PATH
c.Spawner.environment = {{"PATH": cfg["path"]}}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.services = [{{"name": "dlfs-test", "api_token": cfg["token"]}}]
c.JupyterHub.load_roles = [
    {{
        "name": "dlfs-test",
        "services": ["dlfs-test"],
        "scopes": ["admin:users", "admin:servers", "list:users", "read:users", "access:servers"],
    }}
]
"""


if __name__ == "__main__":
    sys.exit("tests/hub.py is used by tests/test_jupyterhub.py")
