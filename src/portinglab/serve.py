"""Serve a built site read-only, with the headers a JupyterLite + wasm site needs.

The server is the standard library's (ThreadingHTTPServer + SimpleHTTPRequestHandler),
configured, not rewritten: wasm as `application/wasm` (streaming compilation),
long-lived caching only for content-hashed or versioned files, optional COOP/COEP
(cross-origin isolation, for onnxruntime-web threads), no directory listings, and
nothing outside the site folder (symlinks that leave it are refused).
"""

from __future__ import annotations

import os
import re
import socket
import sys
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import paths

#: files whose URL changes when their content does: webpack chunks carry a content
#: hash (`build/1365.506b9d3.js`, `remoteEntry.<20 hex>.js`); vendored libraries sit
#: under their version
IMMUTABLE = re.compile(r"(\.[0-9a-f]{7,}\.(js|css)$)|(/static/vendor/)")

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """GET/HEAD of files inside the site folder, and nothing else."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".ipynb": "application/json",
        ".whl": "application/zip",
        ".zip": "application/zip",
        ".tar": "application/x-tar",
    }
    protocol_version = "HTTP/1.1"
    # keep-alive sends headers and body as separate writes: without TCP_NODELAY, Nagle's
    # algorithm and the client's delayed ACK stall every response by ~40 ms
    disable_nagle_algorithm = True
    #: seconds a silent client may hold a connection (a slow client holds one thread only)
    timeout = 30
    isolated = False
    quiet = True

    #: set by send_head when it answers with the pre-compressed `<file>.gz`
    _encoding: str | None = None
    _type: str | None = None
    _requested: str = ""

    def end_headers(self) -> None:
        # the path asked for (not the .gz answered); unset on a malformed request line
        path = (self._requested or getattr(self, "path", "")).split("?", 1)[0]
        if self._encoding:
            self.send_header("Content-Encoding", self._encoding)
        if Path(path).suffix in paths.PRECOMPRESSED:
            self.send_header("Vary", "Accept-Encoding")
        if IMMUTABLE.search(path):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.send_header("Cache-Control", "no-cache")  # revalidate (Last-Modified -> 304)
        if self.isolated:
            for key, value in ISOLATION_HEADERS.items():
                self.send_header(key, value)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "content-length" and self.command != "HEAD":
            self.server.count(int(value))
        super().send_header(keyword, value)

    def send_head(self):
        fs_path = Path(self.translate_path(self.path))
        root = Path(self.directory).resolve()
        try:
            real = fs_path.resolve()
        except OSError:
            real = None
        if real is None or (real != root and root not in real.parents):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        self._requested, self._encoding = self.path, None
        if self.server.served_paths is not None:
            self.server.served_paths.append(self.path)
        gz = fs_path.with_name(fs_path.name + ".gz")
        if (fs_path.suffix in paths.PRECOMPRESSED and "gzip" in self.headers.get("Accept-Encoding", "")
                and fs_path.is_file() and gz.is_file() and gz.resolve().parent == real.parent):
            # answer with the file the build compressed; type and caching stay the original's
            self._type = self.guess_type(str(fs_path))
            self._encoding = "gzip"
            self.path = self.path.split("?", 1)[0] + ".gz"
        return super().send_head()

    def guess_type(self, path):
        return self._type if self._encoding else super().guess_type(path)

    def list_directory(self, path):  # no listings: a folder without index.html is a 404
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        # before the base class binds: a failed bind calls server_close, which needs them
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        super().__init__(*args, **kwargs)
        self.responses = 0
        self.bytes_sent = 0  # response bodies, as announced by Content-Length
        self.served_paths: list[str] | None = None  # set to a list to record what is asked for

    def process_request(self, request, client_address) -> None:
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Close the listening socket and every connection still open, as a server that dies does (a browser's
        kept-alive connection would otherwise still be answered: "the server gone" must be gone)."""
        super().server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        # browsers cancel requests and idle clients time out all the time: not errors
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def count(self, nbytes: int) -> None:
        with self._lock:
            self.responses += 1
            self.bytes_sent += nbytes


def make_server(site: Path, host: str = "127.0.0.1", port: int = 8000,
                isolated: bool = False, quiet: bool = True) -> SiteServer:
    """A server for `site` bound to host:port (port 0 picks a free one); not started."""
    handler = type("Handler", (SiteRequestHandler,), {"isolated": isolated, "quiet": quiet})
    return SiteServer((host, port), partial(handler, directory=os.fspath(Path(site).resolve())))


def serve_in_thread(site: Path, **kwargs) -> tuple[SiteServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (for tests, benchmarks)."""
    server = make_server(site, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True, name="portinglab-serve").start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (what workshop participants type)."""
    found = set()
    try:
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # no packet is sent: this only asks the routing table for the default interface
            probe.connect(("10.255.255.255", 1))
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    return sorted(a for a in found if not a.startswith("127."))


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, isolated: bool = False) -> None:
    try:
        server = make_server(site, host, port, isolated, quiet=False)
    except OSError as exc:
        raise OSError(f"cannot serve on {host}:{port}: {exc.strerror} (try another --port)") from exc
    port = server.server_address[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    print(f"Porting Lab: http://{shown}:{port}/lab/index.html  (serving {site}; Ctrl+C stops)")
    if host in ("0.0.0.0", "", "::"):
        for address in lan_addresses():
            print(f"  on the LAN: http://{address}:{port}/lab/index.html")
    if isolated:
        print("  cross-origin isolated (COOP/COEP): onnxruntime-web can use threads")
    try:
        server.serve_forever()
    finally:
        server.server_close()
