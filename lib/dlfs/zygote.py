"""The warm process dlfs-grade's sandboxed kernels are forked from.

A fresh kernel spends about 0.7 s of CPU importing IPython's kernel, NumPy and matplotlib before it
runs a cell, and a submission has two or three kernels. The zygote imports them once. It is a new
interpreter that never imports scratchflow, the solution or anything of a run, so what a kernel
inherits from it is the same for every run, and holds no reference.

For each kernel, dlfs.sandbox starts bubblewrap with the run's sandbox (its mounts, its references
absent, its namespaces) holding only `sleep`, and sends the zygote those namespaces (as file
descriptors), its stdio and the run's settings. The zygote forks; the child joins the namespaces and
forks the kernel into the sandbox's PID namespace, which drops to the run's uid with no capabilities,
no new privileges and the run's limits, then starts IPython's kernel. The child sends back the
kernel's exit status. Only the zygote's own uid may ask (SO_PEERCRED); its socket is outside every
sandbox.
"""

import contextlib
import ctypes
import importlib
import json
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

WARM = ("ipykernel.kernelapp", "numpy", "matplotlib.pyplot", "ipywidgets", "tqdm.auto")
# the order they are joined in: the mount namespace last (it changes the root)
NAMESPACES = {"net": 0x40000000, "ipc": 0x08000000, "uts": 0x04000000, "cgroup": 0x02000000, "pid": 0x20000000}
NAMESPACES["mnt"] = 0x00020000
MAY_BE_SHARED = {"cgroup"}  # bwrap's --unshare-cgroup-try
LAUNCHER = "ipykernel_launcher"
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 1, 24, 38, 47
_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def running(folder, environment, font_list=None):
    """A zygote for the time of the block, started with `environment` (the sandbox's: locale, hash
    seed, matplotlib's backend); yields the Zygote, whose imports go on beside what follows."""
    folder = Path(folder)
    (folder / "matplotlib").mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if font_list and Path(font_list).is_file():  # as the sandbox shows it: no font search per start
        (folder / "matplotlib" / Path(font_list).name).write_bytes(Path(font_list).read_bytes())
    env = dict(environment, MPLCONFIGDIR=str(folder / "matplotlib"), PYTHONDONTWRITEBYTECODE="1")
    zygote = Zygote(folder / "zygote.sock", folder / "zygote.log")
    with open(zygote.log, "wb") as out:
        zygote.process = subprocess.Popen(
            [sys.executable, "-P", "-m", __name__, str(zygote.path)],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    try:
        yield zygote
    finally:
        zygote.process.kill()
        zygote.process.wait()


@dataclass
class Zygote:
    path: Path
    log: Path
    process: object = None

    def ready(self):
        """Wait until it listens; a RuntimeError with its log if it ended instead."""
        while not self.path.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the kernels' zygote did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.02)


def run_kernel(path, request, fds):
    """Ask the zygote at `path` for a kernel (`request`: uid, cwd, env, argv, limits; `fds`: stdin,
    stdout, stderr, then the namespaces in NAMESPACES's order); its exit status, when it ends."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(path))
        socket.send_fds(conn, [json.dumps(request).encode()], fds)
        reply = conn.makefile("rb").readline()
    if not reply:
        raise RuntimeError("the zygote ended the kernel's connection without an exit status")
    answer = json.loads(reply)
    if "error" in answer:
        print(f"dlfs.zygote: {answer['error']}", file=sys.stderr)
    return answer["exit"]


def serve(path):
    """Listen at `path` and fork; returns in a kernel only, with its request, in its sandbox."""
    die_with_parent()  # it ends with dlfs-grade
    for name in WARM:
        importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m.partition(".")[0] == "scratchflow")
    tasks = os.listdir("/proc/self/task")
    if leaked or threading.active_count() != 1 or len(tasks) != 1:  # a fork copies one thread only
        raise SystemExit(f"not a clean zygote: modules {leaked}, threads {len(tasks)}")
    own = {name: os.stat(f"/proc/self/ns/{name}").st_ino for name in NAMESPACES}
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = f"{path}.{os.getpid()}"
    listener.bind(tmp)
    os.chmod(tmp, 0o600)
    listener.listen(64)
    os.rename(tmp, path)  # it appears when it listens
    while True:
        conn, _ = listener.accept()
        fds = []
        try:
            _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if uid != os.getuid():
                raise PermissionError(f"uid {uid} may not ask for a kernel")
            message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3 + len(NAMESPACES))
            request = json.loads(message)
            _check_namespaces(fds[3:], own)
        except (OSError, ValueError) as error:
            _reply(conn, {"exit": 1, "error": f"refused: {error}"})
            _close(conn, fds)
            continue
        if os.fork() == 0:
            listener.close()
            return _child(conn, request, fds)  # in the kernel only: the child reports and exits
        _close(conn, fds)


def _check_namespaces(fds, own):
    if len(fds) != len(NAMESPACES):
        raise ValueError(f"{len(fds)} namespaces given, {len(NAMESPACES)} needed")
    for (name, _kind), fd in zip(NAMESPACES.items(), fds, strict=True):
        if os.fstat(fd).st_ino == own[name] and name not in MAY_BE_SHARED:
            raise ValueError(f"the {name} namespace given is the zygote's own, not a sandbox's")


def _child(conn, request, fds):
    """In the zygote's child: join the sandbox, fork the kernel in it, report its exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    reply = {"exit": 1}
    try:
        for (name, kind), fd in zip(NAMESPACES.items(), fds[3:], strict=True):
            if _libc.setns(fd, kind) != 0:
                raise OSError(ctypes.get_errno(), f"setns {name}: {os.strerror(ctypes.get_errno())}")
        kernel = os.fork()  # the first process of this child in the sandbox's PID namespace
        if kernel == 0:
            return _enter(request, fds[:3])
        _, status = os.waitpid(kernel, 0)
        reply["exit"] = os.waitstatus_to_exitcode(status)
    except BaseException as error:  # noqa: BLE001 (said to dlfs.sandbox, which logs it)
        reply["error"] = f"{type(error).__name__}: {error}"
    _reply(conn, reply)
    os._exit(0)


def _enter(request, stdio):
    """The kernel's process becomes the run's: its session, stdio, folder, limits, uid, environment."""
    try:
        os.setsid()
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        for fd in [int(n) for n in os.listdir("/proc/self/fd")]:
            if fd > 2:
                with contextlib.suppress(OSError):  # the listing's own descriptor, closed by now
                    os.close(fd)
        os.chdir(request["cwd"])
        for limit, value in request["limits"]:
            resource.setrlimit(limit, (value, value))
        _drop_to(request["uid"])
        os.environ.clear()
        os.environ.update(request["env"])
    except BaseException:  # noqa: BLE001 (on the kernel's stderr, the run's log)
        import traceback

        traceback.print_exc()
        os._exit(1)
    return request


def kernel(request):
    """IPython's kernel, as `python -m ipykernel_launcher` would start it; returns when it stops."""
    sys.argv = [LAUNCHER, *request["argv"]]
    importlib.invalidate_caches()
    sys.path_importer_cache.clear()  # scratchflow's folders show the run's copy now
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=request["argv"])


def _drop_to(uid):
    """As setpriv: no capability (bounding, inheritable, ambient), no groups, the run's uid and gid,
    no new privileges; and killed with its parent, the zygote's child."""
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _prctl(_PR_CAPBSET_DROP, cap)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective sets

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: twice (64 bits)
    if _libc.capset(ctypes.byref(Header(0x20080522, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    _prctl(_PR_CAP_AMBIENT, 4)  # PR_CAP_AMBIENT_CLEAR_ALL
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    die_with_parent()  # after the uid change, which clears it


def die_with_parent():
    """SIGKILL when the parent (the thread that forked this process) ends."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _prctl(option, value):
    if _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl {option}: {os.strerror(ctypes.get_errno())}")


def _reply(conn, answer):
    with contextlib.suppress(OSError):  # dlfs.sandbox may be gone, killed with its run
        conn.sendall(json.dumps(answer).encode() + b"\n")


def _close(conn, fds):
    conn.close()
    for fd in fds:
        os.close(fd)


if __name__ == "__main__":
    kernel(serve(sys.argv[1]))
    # The kernel has stopped on a shutdown request, its replies sent. Its orderly close (atexit)
    # can wait forever on its control thread, still publishing to the IOPub thread it has stopped.
    sys.__stdout__.flush()
    sys.__stderr__.flush()
    os._exit(0)
