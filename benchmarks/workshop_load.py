"""A workshop: 30 participants open the site at once, against one laptop.

1. Records the asset set of a real first visit (Chromium opens the welcome notebook
   and waits for its kernel; every path the server is asked for is kept).
2. N clients (default 30) fetch that whole set at the same time, each over its own
   connection, as a browser would ask (Accept-Encoding: gzip), from
   - `./portlab serve` (this project's server: gzip, keep-alive), and
   - `python -m http.server` on the same folder (the baseline).
Prints the time for all clients, per-client throughput, errors, and the ratio.

    ./portlab bench-workshop [--clients 30] [--site _output]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from browser import NOTEBOOK_KERNEL_IDLE_JS, OffMachineGuard, launch  # noqa: E402
from portinglab import paths  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import build_site, verify_site  # noqa: E402



def first_visit_paths(site: Path) -> list[str]:
    """The paths a cold visit to the welcome notebook asks for, in order, once each."""
    from playwright.sync_api import sync_playwright

    server, url = serve_in_thread(site, port=0)
    server.served_paths = []
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context()
        context.route("**/*", OffMachineGuard())
        page = context.new_page()
        page.set_default_timeout(300_000)
        page.goto(url + "lab/index.html?path=en/01-welcome.ipynb")
        page.evaluate(NOTEBOOK_KERNEL_IDLE_JS)
        page.evaluate("window.__notebookKernelIdle().then(() => true)")
        browser.close()
    server.shutdown()
    return list(dict.fromkeys(server.served_paths))


def fetch_all(host: str, port: int, paths_: list[str], result: dict) -> None:
    """One participant: every path over one connection (reopened if the server closes it)."""
    conn = None
    got = errors = 0
    started = time.monotonic()
    for path in paths_:
        for attempt in range(2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=60)
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                body = resp.read()
                if resp.status not in (200, 304):
                    errors += 1
                got += len(body)
                if resp.getheader("Connection", "").lower() == "close" or resp.version == 10:
                    conn.close()
                    conn = None
                break
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                if attempt:
                    errors += 1
    if conn is not None:
        conn.close()
    result.update(seconds=time.monotonic() - started, bytes=got, errors=errors)


def load(host: str, port: int, paths_: list[str], clients: int) -> dict:
    results = [{} for _ in range(clients)]
    threads = [threading.Thread(target=fetch_all, args=(host, port, paths_, r)) for r in results]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.monotonic() - started
    return {
        "total_s": total,
        "client_median_s": statistics.median(r["seconds"] for r in results),
        "mb_per_client": statistics.median(r["bytes"] for r in results) / 1e6,
        "mb_s_per_client": statistics.median(r["bytes"] / r["seconds"] for r in results) / 1e6,
        "errors": sum(r["errors"] for r in results),
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_server(cmd: list[str], paths_: list[str], clients: int) -> dict:
    """Start a server process, wait until it answers, put the load on it, stop it."""
    import os

    port = int(cmd[cmd.index("--port") + 1]) if "--port" in cmd else int(cmd[3])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("HEAD", "/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd} did not start")
                time.sleep(0.1)
        return load("127.0.0.1", port, paths_, clients)
    finally:
        server.terminate()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--site", default=str(paths.OUTPUT), help="a built site (built if missing)")
    args = parser.parse_args()
    site = Path(args.site)
    if not (site / "jupyter-lite.json").exists():
        build_site(site, log=lambda *_: None)
    verify_site(site)
    asset_paths = first_visit_paths(site)
    print(f"first-visit asset set: {len(asset_paths)} paths")

    # both servers run in their own process, as they would on the teacher's laptop
    ours_result = load_server([sys.executable, "-m", "portinglab", "serve", "--no-build", "--output", str(site),
                               "--port", str(free_port())], asset_paths, args.clients)
    base_result = load_server([sys.executable, "-m", "http.server", str(free_port()), "--bind", "127.0.0.1",
                               "--directory", str(site)], asset_paths, args.clients)

    print(f"\n{args.clients} clients at once, each fetching the whole first-visit set, on loopback "
          f"({__import__('os').cpu_count()} cores)")
    print(f"{'metric':34} {'portlab serve':>14} {'http.server':>12} {'ratio':>7}")
    for key, label in [("total_s", "time for all clients, s"), ("client_median_s", "per client (median), s"),
                       ("mb_per_client", "MB sent per client"), ("mb_s_per_client", "MB/s per client (median)"),
                       ("errors", "errors")]:
        a, b = ours_result[key], base_result[key]
        ratio = f"{a / b:7.2f}" if b else "      -"
        print(f"{label:34} {a:14.2f} {b:12.2f} {ratio}")
    return 1 if ours_result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
