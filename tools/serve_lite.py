"""Serve the JupyterLite site (lite/) on 127.0.0.1 and print its URL.

Usage: python tools/serve_lite.py [--dir lite] [--port 8000]
       python3 serve.py [--port 8000]          (the copy inside a built site: serves the folder it is in)

Any static server works; this one only binds to 127.0.0.1, sends the MIME types the browser insists on
(application/wasm, text/javascript for .mjs) and asks the browser to revalidate every file (Cache-Control: no-cache):
a rebuilt site is seen at once, and an unchanged one comes from the browser's cache, compiled WebAssembly included.

What it exposes: the regular files inside the folder, read-only, to programs on this machine only. A path that
leaves the folder (``..``, a symbolic link pointing out, a NUL byte) is 404, and so is a folder without an
index.html (no listings). A request whose Host header is not 127.0.0.1, localhost or [::1] (another site's page
reaching it through DNS rebinding) is 403. A malformed request gets its 4xx status, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import functools
import http.server
import ipaddress
import os
import stat
import sys
import urllib.parse
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The build puts a copy of this file at the top of the site, so a copied folder serves itself.
DEFAULT_DIR = HERE if (HERE / "lab" / "index.html").is_file() else ROOT / "lite"
TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".ipynb": "application/json",
}


LOCAL_NAMES = frozenset({"localhost"})


def host_is_local(host: str) -> bool:
    """Whether a Host header names this machine: a loopback address or ``localhost``, with any port."""
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def inside(root: Path, url_path: str) -> tuple[str, Path] | None:
    """What ``url_path`` (already percent-decoded) names inside ``root``: ("file", path) for a regular file,
    ("dir", path) for a folder, or None for anything else (missing, outside, a NUL byte, a link that leaves)."""
    if "\0" in url_path or "\\" in url_path:
        return None
    parts = [p for p in url_path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    try:
        target = root.joinpath(*parts).resolve(strict=True)
        mode = target.stat().st_mode
    except (OSError, RuntimeError, ValueError):  # missing, a link loop, a name the system refuses
        return None
    if target != root and root not in target.parents:
        return None
    if stat.S_ISDIR(mode):
        return "dir", target
    return ("file", target) if stat.S_ISREG(mode) else None


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    # A request too broken to name its version still gets a status line (the default, HTTP/0.9, has none).
    default_request_version = "HTTP/1.0"
    _vetted = ""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)

    def send_head(self) -> Any:
        if not host_is_local(self.headers.get("Host", "127.0.0.1")):
            self.send_error(403, "Forbidden: this server answers only requests for 127.0.0.1 or localhost")
            return None
        found = self._find()
        if found is None:
            self.send_error(404, "File not found")
            return None
        kind, path = found
        self._vetted = str(path)
        if kind == "dir":
            index = inside(self._root(), os.path.relpath(path / "index.html", self._root()))
            if index is None or index[0] != "file":
                self.send_error(404, "File not found")  # no listings
                return None
            if not self.path.split("?", 1)[0].split("#", 1)[0].endswith("/"):
                return super().send_head()  # redirects to the same path with a slash
            self._vetted = str(index[1])
        return super().send_head()

    def _root(self) -> Path:
        return Path(self.directory).resolve()

    def _find(self) -> tuple[str, Path] | None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            decoded = urllib.parse.unquote(path, errors="strict")
        except UnicodeDecodeError:
            return None
        return inside(self._root(), decoded)

    def translate_path(self, path: str) -> str:
        return self._vetted or str(self._root() / ".folioviz-no-such-file")

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "File not found")
        return None


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    verbose = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line (when verbose), never a traceback: a client that hangs up is no error of the site."""
        if self.verbose:
            error = sys.exc_info()[1]
            print(f"serve: {client_address[0]}: {type(error).__name__}: {error}", file=sys.stderr)


def make_server(directory: Path, port: int = 0, verbose: bool = False) -> Server:
    """A threaded server for ``directory`` on 127.0.0.1 (port 0: any free port)."""
    server = Server(("127.0.0.1", port), functools.partial(Handler, directory=str(directory)))
    server.verbose = verbose
    return server


def port_number(text: str) -> int:
    """argparse type: a TCP port, 1 to 65535."""
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--port", type=port_number, default=8000, help="a port from 1 to 65535 (default 8000)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if not (args.dir / "lab" / "index.html").is_file():
        print(f"serve_lite: {args.dir} holds no JupyterLite site; build it with `make lite`", file=sys.stderr)
        return 1
    try:
        server = make_server(args.dir, args.port, args.verbose)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            other = args.port + 1 if args.port < 65535 else 8000
            why = f"port {args.port} is in use by another program; pick another with --port (e.g. --port {other})"
        elif error.errno == errno.EACCES:
            why = f"port {args.port} needs privileges this user lacks; pick one above 1023 with --port"
        else:
            why = f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}"
        print(f"serve_lite: {why}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    print(f"folioviz in the browser: http://127.0.0.1:{port}/lab/index.html?path=00_start_here.ipynb", flush=True)
    print("(serving the folder; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
