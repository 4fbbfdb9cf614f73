"""Serve the JupyterLite site (lite/) on 127.0.0.1 and print its URL.

Usage: python tools/serve_lite.py [--dir lite] [--port 8000]
       python3 serve.py [--port 8000]          (the copy inside a built site: serves the folder it is in)

Any static server works; this one only binds to 127.0.0.1, sends the MIME types the browser insists on
(application/wasm, text/javascript for .mjs) and asks the browser to revalidate every file (Cache-Control: no-cache):
a rebuilt site is seen at once, and an unchanged one comes from the browser's cache, compiled WebAssembly included.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path
from typing import ClassVar

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


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 0, verbose: bool = False) -> http.server.ThreadingHTTPServer:
    """A threaded server for ``directory`` on 127.0.0.1 (port 0: any free port)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(directory)))
    server.verbose = verbose  # type: ignore[attr-defined]
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if not (args.dir / "lab" / "index.html").is_file():
        print(f"serve_lite: {args.dir} holds no JupyterLite site; build it with `make lite`", file=sys.stderr)
        return 1
    server = make_server(args.dir, args.port, args.verbose)
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
