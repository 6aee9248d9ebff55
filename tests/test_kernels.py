"""dlfs.kernels: the client never asks a socket to wait longer than a slice, so a missed wake-up
costs a second, not a cell's limit; and every notebook run the project starts uses it."""

import asyncio
from pathlib import Path
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets.config.loader import PyFileConfigLoader

from course import ROOT
from dlfs import kernels


class Socket:
    """Stands in for a zmq.asyncio socket: records each poll's timeout; `ready` says what a poll
    finds when it ends (after its whole timeout, as a poll that missed its wake-up does)."""

    def __init__(self, ready):
        self.ready, self.polls = ready, []

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        if not self.ready:
            await asyncio.sleep(timeout_ms / 1000)
        return int(self.ready)


def channel(cls, ready):
    ch = cls.__new__(cls)  # no real socket or session
    ch.socket = Socket(ready)

    async def recv():
        return {"msg_type": "execute_reply"}

    ch._recv = recv
    return ch


@pytest.mark.parametrize("timeout", [None, 120.0])
def test_a_poll_never_waits_longer_than_a_slice(timeout):
    ch = channel(kernels.WakefulChannel, ready=True)
    assert asyncio.run(ch.get_msg(timeout=timeout)) == {"msg_type": "execute_reply"}
    assert ch.socket.polls and max(ch.socket.polls) <= kernels.SLICE * 1000


def test_negative_control_the_stock_channel_waits_the_whole_timeout():
    ch = channel(AsyncZMQSocketChannel, ready=True)
    asyncio.run(ch.get_msg(timeout=120.0))
    assert ch.socket.polls == [120_000], "a missed wake-up would cost the whole 120 s here"


def test_nothing_by_the_deadline_is_empty():
    ch = channel(kernels.WakefulChannel, ready=False)
    with pytest.raises(Empty):
        asyncio.run(ch.get_msg(timeout=0.3))
    assert all(p <= 300 for p in ch.socket.polls)


def test_the_settings_give_ipc_and_the_wakeful_client(tmp_path):
    manager = AsyncKernelManager(config=kernels.config(tmp_path))
    assert manager.transport == "ipc" and manager.ip == str(tmp_path / "kernel")
    assert isinstance(manager.client(), kernels.WakefulKernelClient)
    assert f"--KernelManager.client_factory={kernels.CLIENT}" in kernels.flags(tmp_path)


@pytest.mark.parametrize("path", ["nbgrader_config.py", "binder/jupyter/nbgrader_config.py"])
def test_nbgrader_configs_use_the_wakeful_client(path):
    """The instructor's nbgrader and the learner's Validate button (run inside JupyterLab)."""
    file = Path(ROOT / path)
    config = PyFileConfigLoader(file.name, path=str(file.parent)).load_config()
    assert config.KernelManager.client_factory == kernels.CLIENT
