"""tools/serve_lite.py (the lite site's serve.py) under hostile use: only regular files inside the folder, no
listings, a Host check, a status and no traceback for a bad request, and clear words for a bad or busy port."""

from __future__ import annotations

import contextlib
import http.client
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import serve_lite  # noqa: E402  (tools/ is not a package)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("serve")
    folder = tmp_path / "lite"
    (folder / "lab").mkdir(parents=True)
    (folder / "lab" / "index.html").write_text("<p>lab</p>")
    (folder / "static").mkdir()
    (folder / "static" / "kernel.wasm").write_bytes(b"\0asm")
    (folder / "static" / "pyodide.mjs").write_text("export {}")
    (folder / "empty").mkdir()
    (tmp_path / "secret.txt").write_text("SECRET")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_text("SECRET")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "leakdir").symlink_to(tmp_path / "outside")
    (folder / "inside.html").symlink_to(folder / "lab" / "index.html")
    (folder / "loop").symlink_to(folder / "loop")
    return folder


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[str, int]]:
    httpd = serve_lite.make_server(site)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def no_traceback(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    yield
    err = capsys.readouterr().err
    assert "Traceback" not in err, err


def _get(server: tuple[str, int], path: str, host: str | None = None, method: str = "GET") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(*server, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else f"127.0.0.1:{server[1]}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _raw(server: tuple[str, int], data: bytes) -> bytes:
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def test_serves_the_site_with_its_types(server):
    assert _get(server, "/lab/index.html") == (200, b"<p>lab</p>")
    assert _get(server, "/lab/")[0] == 200
    assert _get(server, "/lab")[0] == 301
    assert _get(server, "/inside.html") == (200, b"<p>lab</p>")  # a link that stays inside the folder
    assert _get(server, "/static/kernel.wasm") == (200, b"\0asm")


@pytest.mark.parametrize(
    "path",
    [
        "/leak.txt",
        "/leakdir/index.html",
        "/leakdir/",
        "/loop",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/lab/../../secret.txt",
        "/lab/%2e%2e%2f%2e%2e%2fsecret.txt",
        "//etc/passwd",
        "/lab/index.html%00",
        "/%00",
        "/lab%00/index.html",
        "/static/kernel.wasm%00.txt",
        "/\\..\\secret.txt",
    ],
)
def test_nothing_outside_the_folder(server, path):
    status, body = _get(server, path)
    assert status == 404, (path, status)
    assert b"SECRET" not in body


@pytest.mark.parametrize("path", ["/", "/empty/", "/static/", "/static/?C=M;O=D", "/empty"])
def test_no_listing(server, path):
    status, body = _get(server, path)
    assert status == 404, (path, status)
    assert b"kernel.wasm" not in body and b"Directory listing" not in body


@pytest.mark.parametrize(
    "host",
    ["attacker.example", "attacker.example:8000", "localhost.evil.example", "127.0.0.1.nip.io", "192.168.1.5", ""],
)
def test_foreign_host_is_refused(server, host):
    assert _get(server, "/lab/index.html", host=host)[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1234", "[::1]:8000", "127.0.0.1:8000"])
def test_loopback_host_is_served(server, host):
    assert _get(server, "/lab/index.html", host=host)[0] == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /lab/index.html\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"\x00\x00\x00\r\n\r\n",
        b"GET\r\n\r\n",
        b"BREW /pot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /lab/index.html HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
        b"GET /%ff%fe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ],
)
def test_bad_requests_get_a_status(server, request_bytes):
    answer = _raw(server, request_bytes)
    assert answer.startswith(b"HTTP/1."), answer[:100]
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 600, answer[:200]


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "http", "80.5"])
def test_bad_port_is_said_plainly(site, port, capsys):
    with pytest.raises(SystemExit) as stop:
        serve_lite.main(["--dir", str(site), "--port", port])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "port" in err and "1 to 65535" in err, err


def test_busy_port_is_said_plainly(site, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert serve_lite.main(["--dir", str(site), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"port {port} is in use" in err, err


def test_missing_site_is_said_plainly(tmp_path, capsys):
    assert serve_lite.main(["--dir", str(tmp_path / "nowhere"), "--port", "8000"]) == 1
    assert "make lite" in capsys.readouterr().err
