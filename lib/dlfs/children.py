"""Where dlfs-grade's nbgrader and notebook runs happen: fresh children of one fork server.

nbgrader, nbconvert and nbclient are imported once, in the fork server; each autograde, feedback
or extra run of a student is a fresh child of it (as isolated as a new process, without paying the
imports again), leading its own session so that a child past its time is killed with everything
it started.
"""

import contextlib
import multiprocessing
import os
import signal
import sys
from pathlib import Path

_context = None


def env():
    """The grader's environment with this Python's bin/ first (nbgrader starts `alembic` from PATH),
    and no kept answers (scratchflow.shelf) for a notebook's demonstrations to run."""
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    return dict(os.environ, PATH=path, SCRATCHFLOW_YOURS=os.devnull)


def nbgrader(course, environment, argv, log_path, timeout):
    """nbgrader's app with argv, in the course folder; its exit code, or None when it ran past
    `timeout` and was killed."""
    return _run(_nbgrader_child, (str(course), environment, argv, str(log_path)), timeout)


def notebook(path, out_path, folder, environment, kernel_name, cell_timeout, log_path, timeout):
    """Execute the notebook at `path` in `folder` with the kernel `kernel_name` (errors allowed),
    writing the executed notebook to `out_path`; the exit code, or None when it was killed."""
    return finish(start_notebook(path, out_path, folder, environment, kernel_name, cell_timeout, log_path), timeout)


def start_notebook(path, out_path, folder, environment, kernel_name, cell_timeout, log_path):
    """Start the kernel of a notebook run now, before the notebook exists: the child runs `path` as
    soon as it is written (`cancel(path)` instead ends it). The running child, for `finish`."""
    args = (str(path), str(out_path), str(folder), environment, kernel_name, cell_timeout, str(log_path))
    child = _forkserver().Process(target=_notebook_child, args=args)
    child.start()
    return child


def cancel(path):
    Path(f"{path}.cancel").touch()


def finish(child, timeout):
    """The child's exit code, or None when it ran past `timeout` and was killed with its session."""
    child.join(timeout)
    if child.is_alive():
        os.killpg(child.pid, signal.SIGKILL)
        child.join()
        return None
    return child.exitcode


def _run(target, args, timeout):
    child = _forkserver().Process(target=target, args=args)
    child.start()
    return finish(child, timeout)


def _forkserver():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["nbgrader.apps.nbgraderapp", "nbconvert", "nbclient", "dlfs.grade"])
    return _context


def _enter(log_path, folder, environment):
    os.setsid()
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(environment)


def _leave(code):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _nbgrader_child(course, environment, argv, log_path):
    _enter(log_path, course, environment)
    from nbgrader.apps.nbgraderapp import NbGraderApp

    from dlfs import gradebook

    gradebook.read_schema_version_in_process()
    code = 0
    try:
        NbGraderApp.launch_instance(argv=argv)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 (reported in the log; the parent reads the gradebook)
        import traceback

        traceback.print_exc()
        code = 1
    _leave(code)


def _notebook_child(path, out_path, folder, environment, kernel_name, cell_timeout, log_path):
    _enter(log_path, folder, environment)
    code = 0
    km = None
    try:
        import time

        import nbformat
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        from dlfs import kernels

        config = kernels.config(environment["JUPYTER_RUNTIME_DIR"])
        # the kernel (a sandbox, Python, IPython) starts while the notebook is still being made
        km = AsyncKernelManager(kernel_name=kernel_name, config=config)
        run_sync(km.start_kernel)(cwd=folder)
        _warm(km)
        while not os.path.exists(path) and not os.path.exists(f"{path}.cancel"):
            time.sleep(0.02)
        if os.path.exists(path):
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(
                nb,
                km=km,
                timeout=cell_timeout,
                iopub_timeout=60,
                interrupt_on_timeout=True,  # as nbgrader's run: the cell stops, the notebook goes on
                allow_errors=True,
                resources={"metadata": {"path": folder}},
            )
            try:
                client.execute()
            finally:
                nbformat.write(nb, out_path)  # what ran, even if the kernel died on the way
    except BaseException:  # noqa: BLE001 (reported in the log; the parent reads what was written)
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        if km is not None:
            with contextlib.suppress(Exception):  # the child's session is ending anyway
                run_sync(km.shutdown_kernel)(now=True)
    _leave(code)


WARM = "import numpy, matplotlib.pyplot, scratchflow"


def _warm(km):
    """Import what every chapter imports, while waiting: silently (no cell, no seed, no history)."""
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        kc.execute_interactive(WARM, silent=True, store_history=False, timeout=120, output_hook=lambda _msg: None)
    finally:
        kc.stop_channels()
