"""The build's gzip copies (site.precompress) and how the server chooses them (serve.py), on a tiny site, loopback only.

Proves: precompress writes `<file>.gz` only for the suffixes paths.PRECOMPRESSED names, files of 1 KB or
more, and where gzip saves 10 %; the copies are reproducible (mtime 0) and decompress to the original; the
server answers with the .gz only to a client that accepts gzip, only for those suffixes, only when the .gz
sits beside the file it compresses (not a link to elsewhere), with the original's type and caching, also
with a query string; long caching only for content-hashed and versioned paths; it records what is asked
for when told to. tests/cli/test_serve.py checks the same server on the built site.
"""

from __future__ import annotations

import gzip
import http.client
import ipaddress
import os

import pytest

from portinglab import paths, serve
from portinglab.site import precompress

TEXT = b"".join(b"line %d of a compressible file\n" % i for i in range(200))


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    files = {
        "index.html": TEXT, "app.json": TEXT, "static/pyodide/pyodide.asm.wasm": b"\0asm" + TEXT,
        "build/1365.506b9d3.js": TEXT, "static/vendor/lib/1.0/dist/lib.js": TEXT, "small.js": b"var x = 1;\n",
        "random.zip": os.urandom(4096), "photo.png": TEXT, "notes.md": TEXT,
    }
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    before, after = precompress(site)
    (site / "photo.png.gz").write_bytes(gzip.compress(TEXT))  # a .gz the server must not use: .png is not listed
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "linked.js.gz").write_bytes(gzip.compress(b"not this file's content " * 100))
    (site / "linked.js").write_bytes(TEXT)
    (site / "linked.js.gz").symlink_to(elsewhere / "linked.js.gz")
    server, _ = serve.serve_in_thread(site, port=0)
    yield site, server, (before, after)
    server.shutdown()
    server.server_close()


def test_precompress_writes_reproducible_copies_where_they_pay(tiny_site):
    site, _, (before, after) = tiny_site
    gz = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.gz") if not p.is_symlink())
    assert gz == ["app.json.gz", "build/1365.506b9d3.js.gz", "index.html.gz", "notes.md.gz", "photo.png.gz",
                  "static/pyodide/pyodide.asm.wasm.gz", "static/vendor/lib/1.0/dist/lib.js.gz"]
    compressed = [p for p in gz if p != "photo.png.gz"]  # photo.png.gz: put there by the fixture
    assert before == sum((site / p[:-3]).stat().st_size for p in compressed)
    assert after == sum((site / p).stat().st_size for p in compressed) < before * 0.9
    for rel in compressed:
        data = (site / rel).read_bytes()
        assert data[4:8] == b"\0\0\0\0" and gzip.decompress(data) == (site / rel[:-3]).read_bytes()
        assert data == gzip.compress((site / rel[:-3]).read_bytes(), 6, mtime=0)
    assert {".png", ".gz"}.isdisjoint(paths.PRECOMPRESSED) and ".zip" in paths.PRECOMPRESSED  # random.zip: no gain


def _get(server, path, gzip_ok=True):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, br"} if gzip_ok else {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


@pytest.mark.parametrize("path, gzipped, content_type", [
    ("/app.json", True, "application/json"),
    ("/app.json?v=3", True, "application/json"),
    ("/static/pyodide/pyodide.asm.wasm", True, "application/wasm"),
    ("/index.html", True, "text/html"),
    ("/notes.md", True, "text/markdown"),
    ("/small.js", False, "text/javascript"),      # no .gz: under 1 KB
    ("/random.zip", False, "application/zip"),    # no .gz: gzip would not save 10 %
    ("/photo.png", False, "image/png"),           # a .gz is there, but .png is not precompressed
    ("/linked.js", False, "text/javascript"),     # the .gz links out of the file's folder
])
def test_the_gzip_copy_is_chosen_only_where_it_is_the_files(tiny_site, path, gzipped, content_type):
    site, server, _ = tiny_site
    original = (site / path.split("?")[0].lstrip("/")).read_bytes()
    resp, body = _get(server, path)
    assert resp.status == 200 and resp.getheader("Content-Type") == content_type
    assert resp.getheader("Content-Encoding") == ("gzip" if gzipped else None)
    assert (gzip.decompress(body) if gzipped else body) == original
    assert int(resp.getheader("Content-Length")) == len(body)
    suffix = os.path.splitext(path.split("?")[0])[1]
    assert resp.getheader("Vary") == ("Accept-Encoding" if suffix in paths.PRECOMPRESSED else None)
    plain, body = _get(server, path, gzip_ok=False)
    assert plain.getheader("Content-Encoding") is None and body == original


@pytest.mark.parametrize("path, immutable", [
    ("/build/1365.506b9d3.js", True), ("/build/remoteEntry.0123456789abcdef0123.js", True),
    ("/build/style.abcdef01.css", True), ("/static/vendor/lib/1.0/dist/lib.js", True),
    ("/static/vendor/manifest.json", True), ("/build/main.js", False), ("/build/1365.506b9d.js", False),
    ("/lab/index.html", False), ("/static/pyodide/pyodide-lock.json", False), ("/build/app.ABCDEF01.js", False),
    ("/files/vendor/x.js", False),
])
def test_long_caching_only_for_hashed_or_versioned_paths(path, immutable):
    assert bool(serve.IMMUTABLE.search(path)) is immutable


def test_caching_follows_the_path_asked_for(tiny_site):
    _, server, _ = tiny_site
    resp, _ = _get(server, "/build/1365.506b9d3.js?x=1")
    assert resp.getheader("Content-Encoding") == "gzip"
    assert resp.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    resp, _ = _get(server, "/app.json")
    assert resp.getheader("Cache-Control") == "no-cache" and resp.getheader("Cross-Origin-Opener-Policy") is None


def test_the_server_records_what_is_asked_for_when_told_to(tiny_site):
    _, server, _ = tiny_site
    server.served_paths = []
    try:
        _get(server, "/app.json?v=1")
        _get(server, "/no-such-file")
        resp, _ = _get(server, "/linked.js.gz")  # a link out of the site: refused, not recorded
        assert resp.status == 404
        assert server.served_paths == ["/app.json?v=1", "/no-such-file"]
    finally:
        server.served_paths = None


def test_lan_addresses_are_this_machines_non_loopback_ipv4():
    for address in serve.lan_addresses():
        ip = ipaddress.IPv4Address(address)
        assert not ip.is_loopback
