"""How the project's own tools talk to the kernels they start (dlfs-grade, Validate, sf.progress,
the tests, the benchmarks): ZMQ over IPC sockets in a folder of the run, through a client that
cannot sleep through a reply.

IPC: no TCP port that two concurrent runs could both pick, none reachable from a sandbox without a
network, and no "Kernel is running over TCP without encryption" line in a terminal.

The client: pyzmq's asyncio sockets now and then miss the wake-up for a message that has already
arrived (zeromq/pyzmq#2173, #1558). jupyter_client's `get_msg` then waits out its whole timeout,
which nbclient sets to the cell's limit, before its last look finds the reply; a cell of 0.1 s
costs 60, 120 or 300 s on a busy machine. Polling in slices of a second bounds that to a second.
"""

import time
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

SLICE = 1.0  # seconds: the longest a missed wake-up can delay a message
CLIENT = f"{__name__}.WakefulKernelClient"


class WakefulChannel(AsyncZMQSocketChannel):
    async def get_msg(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            # A poll that times out looks at the socket once more, which finds a missed message.
            if await self.socket.poll(int(min(SLICE, left) * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class WakefulKernelClient(AsyncKernelClient):
    shell_channel_class = Type(WakefulChannel)
    iopub_channel_class = Type(WakefulChannel)
    stdin_channel_class = Type(WakefulChannel)
    control_channel_class = Type(WakefulChannel)


def settings(folder):
    """KernelManager settings: IPC sockets in `folder`, and the wakeful client."""
    return {"transport": "ipc", "ip": str(Path(folder) / "kernel"), "client_factory": CLIENT}


def config(folder):
    from traitlets.config import Config

    return Config({"KernelManager": settings(folder)})


def flags(folder):
    """The same settings as command-line flags (nbgrader autograde, nbgrader validate)."""
    return [f"--KernelManager.{key}={value}" for key, value in settings(folder).items()]
