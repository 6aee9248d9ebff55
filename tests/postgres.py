"""A throwaway PostgreSQL server for a test: its own cluster in a temporary folder, its own port on
127.0.0.1, run as the unprivileged `postgres` user when the tests run as root (initdb refuses root),
stopped by its PID."""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _binary(name):
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    assert found, f"PostgreSQL's {name} is missing: the README's test command installs Debian's postgresql"
    return found


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server():
    """Yields a SQLAlchemy URL of an empty database `grades` (user `dlfs`, no password: trust on loopback)."""
    home = Path(tempfile.mkdtemp(prefix="dlfs-pg-"))
    if os.geteuid() == 0:  # Debian's postgresql package made this user
        user = pwd.getpwnam("postgres")
        os.chown(home, user.pw_uid, user.pw_gid)
    data, port = home / "data", _free_port()

    def as_postgres(*argv):
        command = ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)
        return subprocess.run(command, check=True, capture_output=True, text=True, cwd=home)

    try:
        as_postgres(_binary("initdb"), "-D", str(data), "-U", "dlfs", "-A", "trust", "--no-sync")
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start")
        as_postgres(_binary("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dlfs", "grades")
        yield f"postgresql://dlfs@127.0.0.1:{port}/grades"
    finally:
        pid_file = data / "postmaster.pid"
        if pid_file.exists():  # stop it, then make sure by PID that nothing is left running
            pid = int(pid_file.read_text().split()[0])
            found = subprocess.run(["pgrep", "-P", str(pid)], check=False, capture_output=True, text=True)
            children = found.stdout.split()
            with contextlib.suppress(subprocess.CalledProcessError):
                as_postgres(_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
            for leftover in [pid, *map(int, children)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(leftover, 9)
        shutil.rmtree(home, ignore_errors=True)
