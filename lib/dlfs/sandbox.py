"""A Jupyter kernel in a bubblewrap sandbox, for running untrusted student notebooks.

The grader points nbgrader at the kernelspec `dlfs-sandbox` (see `install_kernelspec`). Jupyter
starts this module as that kernel's command, as the grading user; it hands the notebook's
directory (the student's scratch directory) to an unprivileged uid, makes the sandbox with bwrap,
and has the grading run's warm zygote (dlfs.zygote) fork the IPython kernel into it, at that uid,
with the limits; it ends when the kernel does, and the sandbox with it:

* read-only: the system (/usr, /etc, ...), the Python installation, the course library (lib/);
  over it, where the config says so, a copy of scratchflow without some exercises' references
  (`overlays`, from dlfs.absent), bound over every folder scratchflow could be imported from;
* writable: only the scratch directory (and a private /tmp); nothing else of the course is there:
  not solutions/, not the gradebook, not other students' submissions;
* no network (a new network namespace): the kernel talks to the grader over ZMQ IPC sockets in a
  runtime directory shared for that purpose;
* its own PID namespace, so every process it starts dies with it;
* limits (setrlimit): memory (RLIMIT_DATA), processes (RLIMIT_NPROC: enforced because the uid is
  not root), CPU seconds, file size, open files;
* a clean environment: nothing says "being graded" (no NBGRADER_* variables);
* the seed of `random` and NumPy's global generator reset before every cell.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from dlfs import zygote

KERNEL_NAME = "dlfs-sandbox"
CONFIG_VARIABLE = "DLFS_SANDBOX_CONFIG"
HOLDER = ["sh", "-c", "echo ready && exec sleep infinity"]  # keeps the sandbox while the kernel runs in it
SEED_STARTUP = """\
# Seed the random state before every cell, so a grading run is deterministic.
import random as _random

def _dlfs_seed(*_args):
    _random.seed(0)
    _np = __import__("sys").modules.get("numpy")
    if _np is not None:
        _np.random.seed(0)

get_ipython().events.register("pre_run_cell", _dlfs_seed)
"""


def available():
    """Whether bubblewrap is installed (the sandbox's one system dependency)."""
    return shutil.which("bwrap") is not None


def install_kernelspec(directory, config):
    """Write the kernelspec and its settings under `directory` (put it on JUPYTER_PATH)."""
    directory = Path(directory)
    spec = directory / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    startup = directory / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "seed.py").write_text(SEED_STARTUP)
    settings = directory / "sandbox.json"
    config = {"font_list": font_list(), **config, "startup_dir": str(startup)}
    settings.write_text(json.dumps(config, indent=1))
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "dlfs.sandbox", "{connection_file}"],
                "display_name": "Python 3 (sandboxed grading)",
                "language": "python",
                # A SIGINT would reach bwrap, not the kernel inside: interrupt by message instead.
                "interrupt_mode": "message",
                "env": {CONFIG_VARIABLE: str(settings)},
            },
            indent=1,
        )
    )
    return spec


def font_list():
    """matplotlib's font list, as the grader's own matplotlib cached it (None without matplotlib)."""
    try:
        import matplotlib
        from matplotlib import font_manager  # builds the list if it is not cached yet
    except ImportError:
        return None
    path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    return str(path) if path.is_file() else None


def _limits(config):
    gib = 1 << 30
    return {
        resource.RLIMIT_DATA: int(config.get("memory_gib", 2) * gib),
        resource.RLIMIT_NPROC: config.get("processes", 256),  # threads count too
        resource.RLIMIT_CPU: config.get("cpu_seconds", 600),
        resource.RLIMIT_FSIZE: config.get("file_bytes", 256 << 20),
        resource.RLIMIT_NOFILE: 1024,
        resource.RLIMIT_CORE: 0,
    }


def _bwrap_command(config, scratch, command, info_fd):
    """bwrap holding the run's sandbox with `command`; its host pid is written to `info_fd`."""
    python_home = Path(sys.base_prefix)
    ro = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", str(python_home), sys.prefix, *config["read_only"]]
    bwrap = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    bwrap += ["--die-with-parent", "--new-session", "--info-fd", str(info_fd)]
    bwrap += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    ro = [path for path in dict.fromkeys([*ro, config["startup_dir"]]) if Path(path).exists()]
    rw = [str(scratch), config["runtime_dir"]]
    # Mount points' parents are created 0755: bwrap would copy e.g. /root's 0700, and the
    # unprivileged uid could then not follow the venv's symlink to a Python under /root.
    parents = sorted({str(p) for path in ro + rw for p in Path(path).parents if str(p) not in ("/", "/tmp")})
    for parent in parents:
        bwrap += ["--perms", "0755", "--dir", parent]
    for path in ro:
        bwrap += ["--ro-bind", path, path]
    for path in rw:
        bwrap += ["--bind", path, path]
    for copy, original in config.get("overlays", []):  # after lib/: mounted over what it shows
        bwrap += ["--ro-bind", copy, original]
    mpl = _matplotlib_folder(config)
    if mpl != "/tmp":
        # read-only in a writable folder: without it every kernel lists the system's fonts (0.2 s of CPU)
        bwrap += [
            "--perms",
            "1777",
            "--dir",
            mpl,
            "--ro-bind",
            config["font_list"],
            f"{mpl}/{Path(config['font_list']).name}",
        ]
    # bwrap runs privileged (it must reach e.g. a Python installed under /root), keeping only the
    # capabilities setpriv needs to drop the holder to the unprivileged uid; setpriv then clears them all.
    uid = str(config["uid"])
    bwrap += ["--clearenv", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--chdir", str(scratch), "--"]
    bwrap += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    return [*bwrap, "--", *command]


def _matplotlib_folder(config):
    return "/tmp/matplotlib" if config.get("font_list") and Path(config["font_list"]).is_file() else "/tmp"


def kernel_request(config, scratch, connection_file):
    """What the zygote needs to start the kernel in the run's sandbox (dlfs.zygote.run_kernel)."""
    seed = str(Path(config["startup_dir"]) / "seed.py")
    return {
        "uid": config["uid"],
        "cwd": str(scratch),
        "env": environment(_matplotlib_folder(config)),
        "argv": ["-f", connection_file, f"--IPKernelApp.exec_files=['{seed}']"],
        "limits": list(_limits(config).items()),
    }


def environment(mpl):
    """The kernel's whole environment (`mpl`: matplotlib's folder)."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": mpl,
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "SCRATCHFLOW_YOURS": "/dev/null",  # no kept answers (scratchflow.shelf)
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }


def _chown_tree(path, uid):
    for root, _dirs, files in os.walk(path):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def main(argv=None):
    connection_file = (argv or sys.argv[1:])[0]
    config = json.loads(Path(os.environ[CONFIG_VARIABLE]).read_text())
    scratch = Path.cwd()  # Jupyter starts the kernel in the notebook's directory
    uid = config["uid"]
    # The sandboxed uid must be able to write its scratch directory and to read its connection
    # file and create its IPC sockets beside it; nothing else is given to it.
    _chown_tree(scratch, uid)
    runtime = Path(config["runtime_dir"])
    os.chown(runtime, uid, uid)
    shared = runtime / Path(connection_file).name  # the host's own copy may sit in a /tmp the sandbox can't see
    shutil.copy(connection_file, shared)
    os.chown(shared, uid, uid)
    zygote.die_with_parent()  # gone with whoever started the kernel, and so is bwrap
    sys.exit(run(config, scratch, str(shared)))


def run(config, scratch, connection_file):
    """Start the run's sandbox, have the zygote fork the kernel into it, and wait for its end."""
    read, write = os.pipe()
    command = _bwrap_command(config, scratch, HOLDER, write)
    holder = subprocess.Popen(command, pass_fds=[write], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    os.close(write)
    try:
        pid = _child_pid(read)
        if holder.stdout.readline() != b"ready\n":  # the command runs once the sandbox is complete
            print(f"dlfs.sandbox: bwrap ended with {holder.wait()} before its sandbox was ready", file=sys.stderr)
            return 1
        namespaces = [os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY) for name in zygote.NAMESPACES]
        return zygote.run_kernel(
            config["zygote"], kernel_request(config, scratch, connection_file), [0, 1, 2, *namespaces]
        )
    finally:
        os.close(read)
        holder.kill()
        holder.wait()


def _child_pid(fd):
    """The host pid of the sandbox's first process, from bwrap's --info-fd (a JSON object)."""
    text = b""
    while True:
        chunk = os.read(fd, 4096)
        text += chunk
        try:
            return json.loads(text)["child-pid"]
        except ValueError:
            if not chunk:
                raise RuntimeError(f"bwrap gave no sandbox: {text!r}") from None


if __name__ == "__main__":
    main()
