"""The copies tracer's cost: tracing on vs off, in the site's real Pyodide kernel (Chromium).

Workloads (each timed as one batch inside a cell, off and on alternately, `--runs` times; the
median batch is kept, the ratio on/off printed):
  - 1,000 small to_py() calls (a 16-byte Uint8Array)          every call goes through a wrapper
  - 1,000 small to_js() calls (a 16-float numpy array)
  - 1,000 small bridged calls cv2.resize(32x32 -> 16x16)      bridges report with record_copy
  - one 1080p to_js (6,220,800 bytes) and one 1080p cv2.resize (1920x1080x3 -> 960x540)
Target: <= 5 % overhead. Off, the tracer removes every patch and listener (nothing to measure).

    .venv/bin/python benchmarks/tracer_overhead.py [--site DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402

from browser import BrowserKernel, OffMachineGuard, launch  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import build_site, verify_site  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"

SETUP = """
import json, time, numpy as np, js
import portinglab_kernel.tracer as tracer
from pyodide.ffi import to_js
tracer.start(comm=False)
try:
    import cv2
    cv2.resize(np.zeros((4, 4), np.uint8), (2, 2))
    HAVE_CV2 = True
except Exception:
    HAVE_CV2 = False
small_u8 = js.Uint8Array.new(16)
small_np = np.arange(16, dtype=np.float32)
small_img = np.zeros((32, 32, 3), np.uint8)
big = np.zeros((1080, 1920, 3), np.uint8)
def bench(name, on):
    tracer.set_enabled(on)
    t0 = time.perf_counter()
    if name == "to_py x1000":
        for _ in range(1000): small_u8.to_py()
    elif name == "to_js x1000":
        for _ in range(1000): to_js(small_np)
    elif name == "cv2.resize 32x32 x1000":
        for _ in range(1000): cv2.resize(small_img, (16, 16))
    elif name == "to_js 1080p x1":
        to_js(big)
    elif name == "cv2.resize 1080p x1":
        cv2.resize(big, (960, 540))
    return time.perf_counter() - t0
print(json.dumps(HAVE_CV2))
"""

WORKLOADS = ["to_py x1000", "to_js x1000", "cv2.resize 32x32 x1000", "to_js 1080p x1", "cv2.resize 1080p x1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", type=Path, help="a built site (default: build one)")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    tmp = None
    if args.site:
        verify_site(args.site)
        site = args.site
    else:
        tmp = tempfile.TemporaryDirectory()
        site = Path(tmp.name) / "site"
        build_site(site, log=lambda *_: None)
    server, url = serve_in_thread(site, port=0)
    results = {}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            ctx = browser.new_context()
            ctx.route("**/*", OffMachineGuard())
            page = ctx.new_page()
            page.goto(url + "lab/index.html")
            k = BrowserKernel(page)
            have_cv2 = k.json(SETUP)
            for name in WORKLOADS:
                if name.startswith("cv2") and not have_cv2:
                    continue
                k.run(f"bench({name!r}, False); bench({name!r}, True)")  # warm up
                code = (f"r = {{'off': [], 'on': []}}\nfor _ in range({args.runs}):\n"
                        f"    r['off'].append(bench({name!r}, False)); r['on'].append(bench({name!r}, True))\n"
                        "tracer.set_enabled(True)\nprint(json.dumps(r))")
                r = k.json(code)
                off, on = statistics.median(r["off"]), statistics.median(r["on"])
                results[name] = {"off_ms": off * 1e3, "on_ms": on * 1e3, "ratio": on / off if off else None,
                                 "runs": args.runs}
            browser.close()
    finally:
        server.shutdown()
        if tmp:
            tmp.cleanup()
    print(f"{'workload':<26} {'off ms':>9} {'on ms':>9} {'on/off':>7}")
    for name, r in results.items():
        print(f"{name:<26} {r['off_ms']:9.2f} {r['on_ms']:9.2f} {r['ratio']:7.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tracer_overhead.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
