"""The warm zygote dlfs-grade forks its sandboxed kernels from (dlfs.zygote): a kernel it starts is
as confined as one bwrap would exec (uid, capabilities, no new privileges, its own PID namespace,
no way back to the zygote), starts without scratchflow, and plots; the zygote refuses a request
that is not the grader's, or that would put a kernel in the grader's own namespaces."""

import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from dlfs import kernels, sandbox, zygote

ROOT = Path(__file__).resolve().parents[1]
UID = 1_600_000_000 + os.getpid() % 100_000 * 16
KERNEL_UIDS = itertools.count(UID + 1)  # one per kernel: what one test leaves dying is not the next's

pytestmark = pytest.mark.xdist_group("zygote")


@pytest.fixture(scope="module")
def warm():
    # in /tmp itself, which every uid may cross (pytest's folders are the grader's alone)
    environment = sandbox.environment("/tmp")
    with tempfile.TemporaryDirectory(prefix="dlfs-zygote-") as folder, zygote.running(folder, environment) as z:
        z.ready()
        yield z


@pytest.fixture
def kernel(warm, tmp_path):
    """A kernel started as dlfs-grade starts one: dlfs.sandbox, the kernelspec's command."""
    scratch, runtime = tmp_path / "scratch", tmp_path / "rt"
    scratch.mkdir()
    runtime.mkdir()
    uid = next(KERNEL_UIDS)
    config = {"uid": uid, "runtime_dir": str(runtime), "read_only": [str(ROOT / "lib")], "zygote": str(warm.path)}
    spec = sandbox.install_kernelspec(tmp_path / "jupyter", config)
    env = dict(os.environ, **json.loads((spec / "kernel.json").read_text())["env"])
    settings = kernels.settings(runtime)
    connection, _ = write_connection_file(str(tmp_path / "kernel.json"), transport="ipc", ip=settings["ip"])
    wrapper = subprocess.Popen([sys.executable, "-m", "dlfs.sandbox", connection], cwd=scratch, env=env)
    client = BlockingKernelClient(connection_file=connection)
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        yield client, wrapper, uid
    finally:
        client.stop_channels()
        wrapper.kill()
        wrapper.wait()


def run(client, code):
    """What the code printed, and the kinds of output it displayed."""
    printed, shown = [], []

    def hook(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] in ("display_data", "error"):
            shown.append(msg["content"].get("data", msg["content"]).keys())

    reply = client.execute_interactive(textwrap.dedent(code), timeout=120, output_hook=hook)
    assert reply["content"]["status"] == "ok", (reply["content"], printed)
    return "".join(printed), shown


def test_a_forked_kernel_is_confined_as_an_execd_one(kernel, warm):
    client, _wrapper, uid = kernel
    printed, _ = run(
        client,
        f"""
        import os, sys
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print({{k: status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")}})
        print((os.getresuid(), os.getresgid(), os.getgroups()))
        print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        print(os.path.exists({str(warm.path)!r}), os.path.exists({str(warm.path.parent)!r}))
        print(sorted(m for m in sys.modules if m.startswith("scratchflow")), hash("dlfs"))
        links = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                links.append(os.readlink("/proc/self/fd/" + fd))
            except OSError:
                pass  # the listing's own
        print(sorted(links))
        """,
    )
    caps, ids, pids, reach, start, fds = printed.splitlines()
    zero = "0000000000000000"
    assert eval(caps) == dict(CapInh=zero, CapPrm=zero, CapEff=zero, CapBnd=zero, CapAmb=zero, NoNewPrivs="1")
    assert eval(ids) == ((uid,) * 3, (uid,) * 3, [])
    assert max(eval(pids)) < 50, f"it sees processes outside its sandbox: {pids}"
    assert reach == "False False", "the zygote's socket and folder are visible in the sandbox"
    seeded = subprocess.run(
        [sys.executable, "-c", "print(hash('dlfs'))"],
        env={"PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert start == f"[] {seeded.stdout.strip()}", "scratchflow came from the zygote, or the hash seed is not 0"
    zygote_sockets = {
        os.readlink(f"/proc/{warm.process.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{warm.process.pid}/fd")
    }
    assert not {f for f in eval(fds) if f.startswith("socket:")} & zygote_sockets, "it holds the zygote's socket"


def test_a_forked_kernel_plots_and_imports_the_library(kernel):
    client, _wrapper, _uid = kernel
    printed, shown = run(
        client,
        """
        import matplotlib.pyplot as plt
        import scratchflow as sf
        plt.plot([0, 1], [1, 0])
        plt.show()
        print(sf.__file__)
        """,
    )
    assert printed.strip() == str(ROOT / "lib" / "scratchflow" / "__init__.py")
    assert any("image/png" in kinds for kinds in shown), shown


def test_the_kernel_ends_with_its_sandbox(kernel):
    client, wrapper, uid = kernel
    printed, _ = run(client, "import os\nprint(os.getpid())")
    assert wrapper.poll() is None
    client.shutdown()
    assert wrapper.wait(timeout=60) == 0
    gone = subprocess.run(["pgrep", "-u", str(uid)], capture_output=True, text=True, check=False)
    assert gone.stdout == "", f"processes of the kernel's uid outlived it: {gone.stdout}"


def test_the_zygote_refuses_the_graders_own_namespaces(warm, capsys):
    namespaces = [os.open(f"/proc/self/ns/{name}", os.O_RDONLY) for name in zygote.NAMESPACES]
    request = {"uid": UID, "cwd": "/", "env": {}, "argv": [], "limits": []}
    assert zygote.run_kernel(warm.path, request, [0, 1, 2, *namespaces]) == 1
    assert "namespace given is the zygote's own" in capsys.readouterr().err


def ask_as(uid, path):
    """The zygote's answer to a connection from `uid` (in a child of this process: this Python may
    be in a folder that uid cannot read)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            with socket.socket(socket.AF_UNIX) as conn:
                conn.connect(str(path))  # the uid is refused before anything is read
                os.write(write, conn.makefile("rb").readline())
        except BaseException as error:  # noqa: BLE001 (said to the test)
            os.write(write, repr(error).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read, "rb") as answer:
        return answer.read().decode()


def test_the_zygote_refuses_another_uid_even_through_an_open_socket(warm):
    """The socket's mode keeps other uids out; with it opened to all, the peer's uid still does."""
    assert "PermissionError" in ask_as(UID, warm.path), "the control: the socket's mode keeps it out"
    os.chmod(warm.path, 0o666)
    os.chmod(warm.path.parent, 0o755)
    try:
        answer = ask_as(UID, warm.path)
        assert json.loads(answer) == {"exit": 1, "error": f"refused: uid {UID} may not ask for a kernel"}, answer
    finally:
        os.chmod(warm.path, 0o600)
        os.chmod(warm.path.parent, 0o700)


def test_a_zygote_that_cannot_start_says_why(tmp_path):
    broken = dict(sandbox.environment("/tmp"), PYTHONHOME=str(tmp_path / "no-python-here"))
    with zygote.running(tmp_path / "zygote", broken) as z, pytest.raises(RuntimeError, match="did not start") as why:
        z.ready()
    assert "encoding" in str(why.value) or "No module" in str(why.value), why.value  # Python's own words
