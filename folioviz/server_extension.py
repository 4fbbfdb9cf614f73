"""A Jupyter server extension: kernel websockets send each frame at once (TCP_NODELAY).

jupyter_server never sets TCP_NODELAY on a kernel websocket (tornado leaves it off). A small frame, such as the
reply to a bit click, then waits for the browser's delayed ACK (about 40 ms on Linux) whenever an earlier frame is
still unacknowledged: Nagle's algorithm. docs/performance.md ("Bit clicks") measured it: with the option set, the
click p90 fell from 73.5 to 27.6 ms.

The package ships ``etc/jupyter/jupyter_server_config.d/folioviz.json`` (``jupyter-config/`` in the repository),
which enables this extension in every server started from the environment: JupyterLab, Notebook 7, Voila as a
server extension (``/voila/render``). Standalone Voila (``make app``, tools/voila_app.py) loads no server
extension; it takes :class:`NodelayConnection` through ``Voila.kernel_websocket_connection_class``.

No monkeypatching: jupyter_server makes the connection object of every kernel websocket from the class in the web
app's ``kernel_websocket_connection_class`` setting. The extension replaces that class by a subclass that turns
the option on when the socket connects, whatever class was configured (the local one or a gateway's). Loading the
extension twice changes nothing.

This module is read by the server only: ``import folioviz`` never imports it, so the runtime needs no server.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

SETTING = "kernel_websocket_connection_class"


class NodelayMixin:
    """Sets TCP_NODELAY on the websocket when a kernel connection opens (before any kernel message is sent).

    ``connect`` is called by jupyter_server's ``KernelWebsocketHandler.open``, once the websocket is open. It is
    a coroutine in some connection classes and a plain method returning a future in others: the mixin returns
    whatever the class returns.
    """

    websocket_handler: Any

    def connect(self) -> Any:
        self.websocket_handler.set_nodelay(True)
        return super().connect()  # type: ignore[misc]


class NodelayConnection(NodelayMixin, ZMQChannelsWebsocketConnection):
    """jupyter_server's own kernel websocket connection (ZMQ channels), with TCP_NODELAY."""


def with_nodelay(connection_class: type) -> type:
    """``connection_class`` with TCP_NODELAY set on connect; itself if it sets it already (idempotent)."""
    if issubclass(connection_class, NodelayMixin):
        return connection_class
    if connection_class is ZMQChannelsWebsocketConnection:
        return NodelayConnection
    return type(f"Nodelay{connection_class.__name__}", (NodelayMixin, connection_class), {})


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "folioviz.server_extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Swap the web app's kernel websocket connection class for its TCP_NODELAY subclass (once)."""
    settings = serverapp.web_app.settings
    configured = settings.get(SETTING) or serverapp.kernel_websocket_connection_class
    wrapped = with_nodelay(configured)
    if wrapped is configured:
        return
    settings[SETTING] = wrapped
    serverapp.kernel_websocket_connection_class = wrapped  # the server closes its sockets through it at shutdown
    serverapp.log.info("folioviz: TCP_NODELAY on kernel websockets (%s)", wrapped.__name__)
