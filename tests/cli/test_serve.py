"""The serve command's server, on loopback: headers, and nothing outside the site."""

from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path

import pytest

from portinglab.serve import serve_in_thread


@pytest.fixture(scope="module")
def served(built_site):
    server, url = serve_in_thread(built_site, port=0)
    yield server.server_address[:2]
    server.shutdown()


@pytest.fixture(scope="module")
def served_isolated(built_site):
    server, url = serve_in_thread(built_site, port=0, isolated=True)
    yield server.server_address[:2]
    server.shutdown()


def get(addr, path, method="GET"):
    conn = http.client.HTTPConnection(*addr, timeout=10)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_wasm_and_modules_have_the_right_types(served):
    resp, body = get(served, "/static/pyodide/pyodide.asm.wasm")
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/wasm"
    assert body[:4] == b"\0asm"
    resp, _ = get(served, "/static/vendor/onnxruntime-web/1.30.0/dist/ort-wasm-simd-threaded.mjs")
    assert resp.getheader("Content-Type") == "text/javascript"


def test_caching_is_long_only_for_hashed_or_versioned_files(served, built_site):
    chunk = next((built_site / "build").glob("*.*.js"))
    resp, _ = get(served, f"/build/{chunk.name}")
    assert "immutable" in resp.getheader("Cache-Control")
    resp, _ = get(served, "/static/vendor/@techstark/opencv-js/4.12.0-release.1/dist/opencv.js")
    assert "immutable" in resp.getheader("Cache-Control")
    for path in ("/lab/index.html", "/jupyter-lite.json", "/static/pyodide/pyodide-lock.json"):
        resp, _ = get(served, path)
        assert resp.getheader("Cache-Control") == "no-cache", path
        last_modified = resp.getheader("Last-Modified")
        conn = http.client.HTTPConnection(*served, timeout=10)
        conn.request("GET", path, headers={"If-Modified-Since": last_modified})
        assert conn.getresponse().status == 304
        conn.close()


def test_isolation_headers_only_when_asked(served, served_isolated):
    resp, _ = get(served, "/lab/index.html")
    assert resp.getheader("Cross-Origin-Opener-Policy") is None
    resp, _ = get(served_isolated, "/lab/index.html")
    assert resp.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert resp.getheader("Cross-Origin-Embedder-Policy") == "require-corp"


@pytest.mark.parametrize("path", [
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2f..%2fetc/passwd",
    "//etc/passwd",
    "/static/%2e%2e%5c%2e%2e%5cetc/passwd",
])
def test_path_traversal_is_refused(served, path):
    resp, body = get(served, path)
    assert resp.status == 404 and b"root:" not in body


def test_no_directory_listing(served):
    for path in ("/static/", "/static/pyodide/", "/files/"):
        resp, body = get(served, path)
        assert resp.status == 404 and b"Directory listing" not in body, path


def test_symlinks_out_of_the_site_are_refused(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("ok")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    (site / "leak.txt").symlink_to(secret)
    server, _ = serve_in_thread(site, port=0)
    try:
        addr = server.server_address[:2]
        assert get(addr, "/index.html")[0].status == 200
        resp, body = get(addr, "/leak.txt")
        assert resp.status == 404 and b"do not serve" not in body
    finally:
        server.shutdown()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_no_write_endpoints(served, method):
    resp, _ = get(served, "/lab/index.html", method=method)
    assert resp.status == 501


def test_malformed_and_slow_clients_do_not_stop_the_others(served):
    slow = socket.create_connection(served)
    slow.sendall(b"GET /lab/index.html HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    bad = socket.create_connection(served)
    bad.sendall(b"\x16\x03\x01garbage that is not http\r\n\r\n")
    answer = bad.recv(4096)  # a request line it cannot parse gets a bare (HTTP/0.9-style) error page
    assert b"Error code: 400" in answer, answer
    started = time.monotonic()
    resp, body = get(served, "/lab/index.html")
    assert resp.status == 200 and b"<html" in body.lower()
    assert time.monotonic() - started < 5
    slow.close()
    bad.close()


def test_the_server_counts_what_it_serves(built_site):
    server, _ = serve_in_thread(built_site, port=0)
    try:
        addr = server.server_address[:2]
        size = (built_site / "static/pyodide/pyodide.asm.wasm").stat().st_size
        get(addr, "/static/pyodide/pyodide.asm.wasm")
        get(addr, "/static/pyodide/pyodide.asm.wasm", method="HEAD")
        assert (server.responses, server.bytes_sent) == (1, size)
    finally:
        server.shutdown()


def _cli(*args, **kwargs):
    import os
    import signal
    import subprocess
    import sys

    from portinglab import paths

    # SIGINT back to its default in the child: a test run started in the background of a non-interactive shell
    # has it ignored, and Python then installs no KeyboardInterrupt handler (Ctrl+C would do nothing)
    return subprocess.Popen(
        [sys.executable, "-m", "portinglab", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdin=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONPATH": str(paths.ROOT / "src")}, **kwargs,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_serve_command_serves_the_lab_and_stops_on_ctrl_c(built_site):
    import signal

    port = _free_port()
    proc = _cli("serve", "--no-build", "--output", str(built_site), "--port", str(port), "--isolated")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                resp, body = get(("127.0.0.1", port), "/lab/index.html")
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.2)
        assert resp.status == 200 and resp.getheader("Cross-Origin-Embedder-Policy") == "require-corp"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/lab/index.html" in out


def test_a_port_in_use_is_a_clear_error(served, built_site):
    proc = _cli("serve", "--no-build", "--output", str(built_site), "--port", str(served[1]))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and f"cannot serve on 127.0.0.1:{served[1]}: Address already in use" in err


def test_precompressed_files_are_served_gzip_encoded_when_accepted(served, built_site):
    import gzip

    path = "/static/pyodide/pyodide.asm.wasm"
    conn = http.client.HTTPConnection(*served, timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    original = (built_site / path.lstrip("/")).read_bytes()
    assert resp.getheader("Content-Encoding") == "gzip"
    assert resp.getheader("Content-Type") == "application/wasm"
    assert resp.getheader("Vary") == "Accept-Encoding"
    assert len(body) < 0.5 * len(original) and gzip.decompress(body) == original
    # a client that does not accept gzip gets the file as it is
    resp, plain = get(served, path)
    assert resp.getheader("Content-Encoding") is None and plain == original
    # caching follows the path asked for, not the .gz answered
    conn = http.client.HTTPConnection(*served, timeout=10)
    conn.request("GET", "/static/vendor/@techstark/opencv-js/4.12.0-release.1/dist/opencv.js",
                 headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    resp.read()
    assert resp.getheader("Content-Type") == "text/javascript" and "immutable" in resp.getheader("Cache-Control")
    conn.close()
