"""The copies tracer's cost: tracing on vs off, in the site's real Pyodide kernel (Chromium).

Each sample is one traced cell, as the kernel runs it: the tracer's pre-cell hook, the workload,
the post-cell hook that builds the cell's report (the comm send is not included: no front end
listens in this kernel). Off and on samples alternate (off-on, then on-off, ...), `--rounds`
of each (`--rounds-single` for the one-call workloads, whose ~2 ms calls meet the page's
0.1 ms clock resolution). Per side, the 10 %-trimmed mean of the samples; printed: on/off.
  - 1,000 small to_py() calls (a 16-byte Uint8Array)        stress: a ~1 us conversion, each wrapped
  - 1,000 small to_js() calls (a 16-float numpy array)      stress: a ~4 us conversion, each wrapped
  - 1,000 small bridged calls cv2.resize(32x32 -> 16x16)    the bridge reports 2 copies per call
  - one 1080p to_js (a flat 6,220,800-byte buffer -> one Uint8Array) and one 1080p cv2.resize
    (1920x1080x3 -> 960x540)
Target (issue 5): <= 5 % on the small bridged calls and on one 1080p call. Off, the tracer
removes every patch and listener (the originals run).

    .venv/bin/python benchmarks/tracer_overhead.py [--site DIR] [--rounds N] [--rounds-single N]
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
big_flat = big.reshape(-1)
def sample(name, on):
    tracer.set_enabled(False)  # drops the collector of the cell running this (switching is not timed)
    tracer.set_enabled(on)
    t0 = time.perf_counter()
    tracer._pre_run_cell()  # what IPython runs before a cell (returns at once when off)
    if name == "to_py x1000":
        for _ in range(1000): small_u8.to_py()
    elif name == "to_js x1000":
        for _ in range(1000): to_js(small_np)
    elif name == "cv2.resize 32x32 x1000":
        for _ in range(1000): cv2.resize(small_img, (16, 16))
    elif name == "to_js 1080p x1":
        to_js(big_flat)
    elif name == "cv2.resize 1080p x1":
        cv2.resize(big, (960, 540))
    tracer._post_run_cell()  # ... and after it: the report
    return time.perf_counter() - t0
def rounds(name, n):
    r = {"off": [], "on": []}
    for i in range(n):
        for on in ((False, True) if i % 2 == 0 else (True, False)):
            r["on" if on else "off"].append(sample(name, on))
    tracer.set_enabled(True)
    return r
print(json.dumps(HAVE_CV2))
"""

WORKLOADS = ["to_py x1000", "to_js x1000", "cv2.resize 32x32 x1000", "to_js 1080p x1", "cv2.resize 1080p x1"]


def trimmed(xs: list[float], cut: float = 0.1) -> float:
    """The mean of the samples without the lowest and highest `cut` (the clock is 0.1 ms coarse)."""
    xs = sorted(xs)
    k = int(len(xs) * cut)
    xs = xs[k:len(xs) - k] or xs
    return sum(xs) / len(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", type=Path, help="a built site (default: build one)")
    ap.add_argument("--rounds", type=int, default=20, help="off/on pairs per 1,000-call workload")
    ap.add_argument("--rounds-single", type=int, default=100, help="off/on pairs per one-call workload")
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
                n = args.rounds_single if name.endswith("x1") else args.rounds
                k.run(f"rounds({name!r}, 2)")  # warm up
                r = k.json(f"print(json.dumps(rounds({name!r}, {n})))")
                off, on = trimmed(r["off"]), trimmed(r["on"])
                results[name] = {"off_ms": off * 1e3, "on_ms": on * 1e3, "ratio": on / off if off else None,
                                 "median_ratio": statistics.median(r["on"]) / statistics.median(r["off"])
                                 if statistics.median(r["off"]) else None, "rounds": n}
            browser.close()
    finally:
        server.shutdown()
        if tmp:
            tmp.cleanup()
    print(f"{'workload':<26} {'off ms':>9} {'on ms':>9} {'on/off':>7} {'(medians)':>9} {'rounds':>6}")
    for name, r in results.items():
        print(f"{name:<26} {r['off_ms']:9.3f} {r['on_ms']:9.3f} {r['ratio']:7.3f} {r['median_ratio']:9.3f} "
              f"{r['rounds']:6d}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tracer_overhead.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
