"""A library export's cost (issue 16): `port.call` from the page against the same function called inside the
worker directly (the baseline, measured in the same run), the bytes copied per call, and the time from
`loadPort` to the first result, cold (fresh browser context) and warm (the same context again: HTTP cache).

Functions of the exported notebook: `noop(x)` (a number in, the same out: the fixed cost of a call),
`mean(image)` (a 1920×1080 image in as ImageData, a number out: the cost of moving a large input) and
`gray(image)` (the same image in, a 1920×1080 uint8 array out: both ways). Per call: the median of N calls
made one after the other; the direct baseline is `port.direct(name, args, N)` (the worker converts the
arguments once, then times N calls of the Python function itself). Also measured in the page: the time of one
copy of the input (`Uint8Array.prototype.slice` of its buffer), the floor of "one copy of the input".

Then the worked example: notebook 5 (PP-OCRv4) exported as a library, `port.ocr(blob)` on its receipt image
against `port.direct('ocr', [blob])`, and its `loadPort` → first result.

    .venv/bin/python benchmarks/port_library.py --site _output [--calls 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "portable/src"), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402

from browser import guarded_context, launch  # noqa: E402
from export_helpers import export, hardlink_site, write_notebook  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import verify_site  # noqa: E402

NOTEBOOK = [
    "import numpy as np\nimport cv2",
    "def noop(x):\n    return x",
    "def mean(image: np.ndarray) -> float:\n    return float(image[::64, ::64].mean())",
    "def gray(image: np.ndarray) -> np.ndarray:\n    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)",
]

LOAD = """async (url) => {
  const t0 = performance.now();
  const { loadPort } = await import(url + 'port.js');
  window.port = await loadPort({ onOutput: () => {} });
  const ready = performance.now();
  await port.noop(1);
  return { ready: (ready - t0) / 1000, first: (performance.now() - t0) / 1000 };
}"""

MEASURE = """async (n) => {
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const W = 1920, H = 1080;
  const out = {};
  for (const [name, make] of [['noop', () => 1], ['mean', () => new ImageData(W, H)], ['gray', () => new ImageData(W, H)]]) {
    const inputs = Array.from({ length: n + 3 }, make);
    const times = [];
    for (let i = 0; i < n + 3; i++) {
      const t = performance.now();
      await port.call(name, inputs[i]);
      if (i >= 3) times.push((performance.now() - t) / 1000);  // 3 warm-up calls
    }
    const stats = port.stats().last;
    const direct = await port.direct(name, [make()], name === 'noop' ? 20000 : n);  // noop: past the clock step
    out[name] = { call: median(times), direct, bytesIn: stats.bytesIn, copiesIn: stats.copiesIn,
                  bytesOut: stats.bytesOut, copiesOut: stats.copiesOut, bytesCloned: stats.bytesCloned };
  }
  const buf = new Uint8Array(W * H * 4), copies = [];
  for (let i = 0; i < 20; i++) { const t = performance.now(); buf.slice(); copies.push((performance.now() - t) / 1000); }
  out.copy_1080p_rgba = median(copies);
  return out;
}"""


OCR = """async ([url, png, n]) => {
  const t0 = performance.now();
  const { loadPort } = await import(url + 'port.js');
  const port = await loadPort({ onOutput: () => {} });
  const ready = (performance.now() - t0) / 1000;
  const blob = new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], { type: 'image/png' });
  await port.ocr(blob);
  const first = (performance.now() - t0) / 1000;
  const times = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await port.ocr(blob); times.push((performance.now() - t) / 1000); }
  const direct = await port.direct('ocr', [blob], n);
  times.sort((a, b) => a - b);
  return { ready, first, call: times[times.length >> 1], direct, stats: port.stats().last };
}"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, required=True, help="a site built by ./portlab build")
    ap.add_argument("--calls", type=int, default=30)
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/port_library.json")
    args = ap.parse_args()
    verify_site(args.site)
    with tempfile.TemporaryDirectory() as tmp:
        root = hardlink_site(args.site, Path(tmp) / "root")
        nb = write_notebook(Path(tmp) / "bench.ipynb", NOTEBOOK)
        proc = export(nb, root / "exports", "--library", "--base-url", "../../")
        assert proc.returncode == 0, proc.stderr
        server, url = serve_in_thread(root, port=0)
        port_url = f"{url}exports/bench/"
        try:
            with sync_playwright() as p:
                browser = launch(p)
                ctx, guard = guarded_context(browser)
                loads = []
                for visit in ("cold", "warm"):
                    page = ctx.new_page()
                    page.goto(port_url + "example.html")
                    loads.append((visit, page.evaluate(LOAD, port_url)))
                    if visit == "warm":
                        result = page.evaluate(MEASURE, args.calls)
                    page.close()
                import base64

                nb5 = ROOT / "content/en/05-porting-pp-ocrv4.ipynb"
                proc = export(nb5, root / "exports", "--library", "--base-url", "../../", "--drive",
                              str(args.site / "files"), "--name", "ocr_port")
                assert proc.returncode == 0, proc.stderr
                png = base64.b64encode((root / "exports/ocr_port/ppocr/receipt.png").read_bytes()).decode()
                ocr_ctx, ocr_guard = guarded_context(browser)
                page = ocr_ctx.new_page()
                page.goto(f"{url}exports/ocr_port/example.html")
                ocr = page.evaluate(OCR, [f"{url}exports/ocr_port/", png, 5])
                assert not ocr_guard.attempts, ocr_guard.attempts
                assert not guard.attempts, guard.attempts
                browser.close()
        finally:
            server.shutdown()
    report = {"loads": dict(loads), "calls": result, "n": args.calls, "ocr": ocr}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(f"library export, {args.calls} calls each (median), Chromium {time.strftime('%Y-%m-%d')}")
    print(f"{'function':8} {'port.call':>11} {'direct':>11} {'overhead':>11} {'ratio':>7}  copies in / out")
    for name in ("noop", "mean", "gray"):
        r = result[name]
        over = r["call"] - r["direct"]
        print(f"{name:8} {r['call'] * 1e3:9.3f}ms {r['direct'] * 1e3:9.3f}ms {over * 1e3:9.3f}ms {(r['call'] / r['direct'] if r['direct'] > 1e-5 else float('nan')):7.1f}"
              f"  {r['copiesIn']} × {r['bytesIn']:,} B / {r['copiesOut']} × {r['bytesOut']:,} B (cloned {r['bytesCloned']} B)")
    print(f"one copy of a 1080p RGBA buffer in the page: {result['copy_1080p_rgba'] * 1e3:.3f} ms")
    for visit, t in loads:
        print(f"loadPort → ready {t['ready']:.2f} s, → first result {t['first']:.2f} s ({visit})")
    print(f"PP-OCRv4 port (notebook 5), receipt.png as a Blob: port.ocr {ocr['call'] * 1e3:.0f} ms, direct "
          f"{ocr['direct'] * 1e3:.0f} ms ({ocr['call'] / ocr['direct']:.2f}x); loadPort → ready {ocr['ready']:.1f} s, "
          f"→ first result {ocr['first']:.1f} s (cold); copies in {ocr['stats']['copiesIn']} × {ocr['stats']['bytesIn']:,} B, "
          f"bridges {ocr['stats']['bridgeCopies']} copies, {ocr['stats']['bridgeBytes']:,} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
