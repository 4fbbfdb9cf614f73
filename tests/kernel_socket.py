"""The server's end of a kernel websocket, read from outside the server: is TCP_NODELAY set on it?

The test opens a kernel websocket to a server it started (a child process), then takes a duplicate of the
server's socket with ``pidfd_getfd`` (Linux 5.6+; a parent may do it to its child) and reads the option with
``getsockopt``. The server is not changed or instrumented: what is read is what the server's own code set.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import socket
import uuid
from pathlib import Path

from event_loop import run_fresh
from tornado.websocket import websocket_connect

SYS_PIDFD_GETFD = 438  # the same number on every architecture Linux has added it to
_libc = ctypes.CDLL(None, use_errno=True)


def _borrowed_socket(pidfd: int, fd: int) -> socket.socket | None:
    dup = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
    if dup < 0:
        return None
    return socket.socket(fileno=dup)


def server_nodelay(server_pid: int, client: tuple[str, int]) -> bool:
    """TCP_NODELAY on the socket of ``server_pid`` whose peer is ``client`` (the client end's own address)."""
    pidfd = os.pidfd_open(server_pid)
    try:
        for entry in Path(f"/proc/{server_pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if not os.readlink(entry).startswith("socket:"):
                    continue
            sock = _borrowed_socket(pidfd, int(entry.name))
            if sock is None:
                continue
            with sock, contextlib.suppress(OSError):
                if sock.family == socket.AF_INET and sock.getpeername() == client:
                    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    finally:
        os.close(pidfd)
    raise LookupError(f"process {server_pid} holds no socket connected to {client}")


KERNEL_INFO_REQUEST = {"parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": []}


def _header() -> dict[str, str]:
    return {
        "msg_id": uuid.uuid4().hex,
        "session": uuid.uuid4().hex,
        "username": "test",
        "msg_type": "kernel_info_request",
        "version": "5.3",
        "date": "2026-01-01T00:00:00Z",
    }


def kernel_websocket_nodelay(server_pid: int, ws_url: str, timeout: float = 60) -> bool:
    """Open the kernel websocket ``ws_url`` (token in it), ask the kernel for its info and wait for a message back
    (the server has opened its end by then), and read TCP_NODELAY on the server's end."""

    async def probe() -> bool:
        conn = await asyncio.wait_for(websocket_connect(ws_url), timeout)
        try:
            await conn.write_message(json.dumps(KERNEL_INFO_REQUEST | {"header": _header()}))
            await asyncio.wait_for(conn.read_message(), timeout)
            stream = conn.protocol.stream  # type: ignore[union-attr]
            return server_nodelay(server_pid, stream.socket.getsockname())
        finally:
            conn.close()

    return run_fresh(probe, timeout + 30)
