"""cv2 through the bridge vs the same opencv.js call from JavaScript vs the article's way vs CPython.

For each operation on a 1080p input (resize 1080p -> 192x108 LINEAR, cvtColor
BGR2GRAY, GaussianBlur 5x5, findContours on a 1080p mask, matchTemplate of a 64x64
template TM_CCOEFF_NORMED and Canny 50/150 on a 1080p gray, warpAffine by a 15 degree
rotation into 1920x1080), in Debian's Chromium
on the site served from loopback, inside one kernel:
  - bridge:  `cv2.resize(img, (192, 108))` in a kernel cell (numpy in, numpy out)
  - js:      the same opencv.js call in a JavaScript loop in the same worker, on a
             TypedArray (new Mat + data.set in, data.slice out): the baseline
  - article: the article's method from Python: to_js + cv.matFromArray + call +
             .data.to_py() (../shared/background/pyodide-porting-article.zh.txt)
  - cpython: opencv-python-headless 4.12.0.88 in CPython on this machine
Time per call (median, p90, mean; bridge and JS in alternating blocks, the article's way last;
the worker's clock ticks in 0.1 ms, so means are the finer figure) and bytes copied per call. Prints a table with ratios
against the JS baseline measured in the same run.

    .venv/bin/python benchmarks/cv2_bridge.py [--site DIR] [--runs N] [--builds simd,npm] [--isolated]

With --builds simd,npm the whole measurement runs once per opencv.js build the site ships (each in a
fresh kernel, PORTINGLAB_OPENCVJS set before `import cv2`), and a second table compares them: the
bridge on Porting Lab's wasm SIMD build vs on the npm build vs opencv-python with 1 thread and with
its default threads, all from this one run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402

from browser import BrowserKernel, guarded_context, launch  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import build_site, verify_site  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
OPS = ["resize", "cvtColor", "GaussianBlur", "findContours", "matchTemplate", "Canny", "warpAffine"]

# the same inputs on both sides, computed, not shipped
INPUTS = """
import numpy as np
n = np.arange(1080 * 1920 * 3, dtype=np.uint32)
img = ((n * np.uint32(2654435761)) >> np.uint32(13)).astype(np.uint8).reshape(1080, 1920, 3)
mask = np.zeros((1080, 1920), np.uint8)
for i in range(300):
    y, x = (i * 7919) % 1040, (i * 104729) % 1880
    mask[y:y + 12 + i % 30, x:x + 10 + (i * 3) % 40] = 255
gray = ((img * np.uint16([29, 150, 77])).sum(2, dtype=np.uint16) >> 8).astype(np.uint8)  # BGR -> Y
templ = gray[500:564, 900:964].copy()
c, s = np.cos(np.pi / 12), np.sin(np.pi / 12)  # getRotationMatrix2D((960, 540), 15, 1.0)
M = np.array([[c, s, (1 - c) * 960 - s * 540], [-s, c, s * 960 + (1 - c) * 540]])
"""

KERNEL_CODE = INPUTS + """
import json, time, js
import cv2
from pyodide.ffi import to_js
from portinglab_kernel import collect_copies
cv = cv2.portinglab.raw()
RUNS = {runs}
src_of = {{'findContours': mask, 'matchTemplate': gray, 'Canny': gray}}  # the rest take img
aux_of = {{'matchTemplate': templ, 'warpAffine': M}}  # a second input, copied in per call too

bridge = {{
    'resize': lambda: cv2.resize(img, (192, 108)),
    'cvtColor': lambda: cv2.cvtColor(img, cv2.COLOR_BGR2GRAY),
    'GaussianBlur': lambda: cv2.GaussianBlur(img, (5, 5), 0),
    'findContours': lambda: cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE),
    'matchTemplate': lambda: cv2.matchTemplate(gray, templ, cv2.TM_CCOEFF_NORMED),
    'Canny': lambda: cv2.Canny(gray, 50, 150),
    'warpAffine': lambda: cv2.warpAffine(img, M, (1920, 1080)),
}}

def article(op):
    src_img = src_of.get(op, img)
    h, w = src_img.shape[:2]
    typ = cv.CV_8UC1 if src_img.ndim == 2 else cv.CV_8UC3
    mat = cv.matFromArray(h, w, typ, to_js(src_img.reshape(src_img.size)))
    if op == 'resize':
        dst = cv.Mat.new(108, 192, cv.CV_8UC3)
        cv.resize(mat, dst, cv.Size.new(192, 108), 0, 0, cv.INTER_LINEAR)
        out = np.asarray(dst.data.to_py()).reshape(108, 192, 3)
    elif op == 'cvtColor':
        dst = cv.Mat.new()
        cv.cvtColor(mat, dst, cv.COLOR_BGR2GRAY, 0)
        out = np.asarray(dst.data.to_py()).reshape(h, w)
    elif op == 'GaussianBlur':
        dst = cv.Mat.new()
        cv.GaussianBlur(mat, dst, cv.Size.new(5, 5), 0, 0, cv.BORDER_DEFAULT)
        out = np.asarray(dst.data.to_py()).reshape(h, w, 3)
    elif op == 'matchTemplate':
        t = cv.matFromArray(64, 64, cv.CV_8UC1, to_js(templ.reshape(templ.size)))
        dst = cv.Mat.new()
        cv.matchTemplate(mat, t, dst, cv.TM_CCOEFF_NORMED)
        out = np.asarray(dst.data32F.to_py()).reshape(h - 63, w - 63)
        t.delete()
    elif op == 'Canny':
        dst = cv.Mat.new()
        cv.Canny(mat, dst, 50, 150)
        out = np.asarray(dst.data.to_py()).reshape(h, w)
    elif op == 'warpAffine':
        m = cv.matFromArray(2, 3, cv.CV_64F, to_js(M.reshape(6)))
        dst = cv.Mat.new()
        cv.warpAffine(mat, dst, m, cv.Size.new(1920, 1080))
        out = np.asarray(dst.data.to_py()).reshape(1080, 1920, 3)
        m.delete()
    else:
        vec, dst = cv.MatVector.new(), cv.Mat.new()
        cv.findContours(mat, vec, dst, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)
        out = []
        for i in range(vec.size()):
            c = vec.get(i)
            out.append(np.asarray(c.data32S.to_py()).reshape(c.rows, c.cols, 2))
            c.delete()
        vec.delete()
    mat.delete(); dst.delete()
    return out

def article_bytes(op):
    src_img = src_of.get(op, img)
    out = article(op)
    outb = sum(o.nbytes for o in out) if isinstance(out, list) else out.nbytes
    inb = src_img.nbytes + (aux_of[op].nbytes if op in aux_of else 0)
    return 2 * inb + outb  # to_js copy, matFromArray copy; .data.to_py() copy out

JS_LOOP = js.eval('''(cv, op, data, rows, cols, type, n, aux) => {{
  const times = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {{
    const t0 = performance.now();
    const src = new cv.Mat(rows, cols, type);
    src.data.set(data);
    const dst = new cv.Mat();
    let outBytes = 0;
    if (op === 'resize') {{
      cv.resize(src, dst, new cv.Size(192, 108), 0, 0, cv.INTER_LINEAR); outBytes = dst.data.slice().length;
    }} else if (op === 'cvtColor') {{
      cv.cvtColor(src, dst, cv.COLOR_BGR2GRAY, 0); outBytes = dst.data.slice().length;
    }} else if (op === 'GaussianBlur') {{
      cv.GaussianBlur(src, dst, new cv.Size(5, 5), 0, 0, cv.BORDER_DEFAULT); outBytes = dst.data.slice().length;
    }} else if (op === 'matchTemplate') {{
      const t = new cv.Mat(64, 64, cv.CV_8UC1); t.data.set(aux);
      cv.matchTemplate(src, t, dst, cv.TM_CCOEFF_NORMED); outBytes = dst.data32F.slice().byteLength; t.delete();
    }} else if (op === 'Canny') {{
      cv.Canny(src, dst, 50, 150); outBytes = dst.data.slice().length;
    }} else if (op === 'warpAffine') {{
      const m = new cv.Mat(2, 3, cv.CV_64F); m.data64F.set(aux);
      cv.warpAffine(src, dst, m, new cv.Size(1920, 1080)); outBytes = dst.data.slice().length; m.delete();
    }} else {{
      const v = new cv.MatVector();
      cv.findContours(src, v, dst, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE);
      for (let k = 0; k < v.size(); k++) {{ const c = v.get(k); outBytes += c.data32S.slice().byteLength; c.delete(); }}
      outBytes += dst.data32S.slice().byteLength;
      v.delete();
    }}
    src.delete(); dst.delete();
    times.push(performance.now() - t0);
    bytes = data.length + (aux ? aux.byteLength : 0) + outBytes;
  }}
  return [times, bytes];
}}''')

res = {{'load': cv2.portinglab.load_info()}}
# bridge and JS first, for every operation, in alternating blocks (a change in the machine's
# load hits both alike); the article's way last: its to_js garbage would land on the others
for op in {ops}:
    src_img = src_of.get(op, img)
    n = RUNS if op != 'GaussianBlur' else max(5, RUNS // 2)
    data = to_js(src_img.reshape(src_img.size))
    aux = to_js(aux_of[op].reshape(aux_of[op].size)) if op in aux_of else None
    typ = cv.CV_8UC1 if src_img.ndim == 2 else cv.CV_8UC3
    for _ in range(3):
        bridge[op]()
    JS_LOOP(cv, op, data, src_img.shape[0], src_img.shape[1], typ, 3, aux)
    with collect_copies() as copies:
        bridge[op]()
    per_b, per_j = [], []
    block = max(1, n // 5)
    for _ in range(5):
        for _ in range(block):
            t = time.perf_counter(); bridge[op](); per_b.append((time.perf_counter() - t) * 1000)
        times, js_bytes = JS_LOOP(cv, op, data, src_img.shape[0], src_img.shape[1], typ, block, aux).to_py()
        per_j += list(times)
    res[op] = {{
        'bridge': {{'per': per_b, 'mean': sum(per_b) / len(per_b), 'bytes': sum(c.bytes for c in copies),
                    'copies': [(c.direction, c.bytes) for c in copies]}},
        'js': {{'per': per_j, 'mean': sum(per_j) / len(per_j), 'bytes': int(js_bytes)}},
    }}
for op in {ops}:
    n = len(res[op]['bridge']['per'])
    for _ in range(3):
        article(op)
    per_a = []
    for _ in range(n):
        t = time.perf_counter(); article(op); per_a.append((time.perf_counter() - t) * 1000)
    res[op]['article'] = {{'per': per_a, 'mean': sum(per_a) / n, 'bytes': article_bytes(op)}}
print(json.dumps(res))
"""


def cpython_times(runs: int, threads: int | None = None) -> dict:
    import cv2

    default = cv2.getNumThreads()
    if threads is not None:
        cv2.setNumThreads(threads)
    scope: dict = {}
    exec(INPUTS, scope)  # noqa: S102 - our own input code
    img, mask, gray, templ, M = (scope[k] for k in ("img", "mask", "gray", "templ", "M"))
    calls = {
        "resize": lambda: cv2.resize(img, (192, 108)),
        "cvtColor": lambda: cv2.cvtColor(img, cv2.COLOR_BGR2GRAY),
        "GaussianBlur": lambda: cv2.GaussianBlur(img, (5, 5), 0),
        "findContours": lambda: cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE),
        "matchTemplate": lambda: cv2.matchTemplate(gray, templ, cv2.TM_CCOEFF_NORMED),
        "Canny": lambda: cv2.Canny(gray, 50, 150),
        "warpAffine": lambda: cv2.warpAffine(img, M, (1920, 1080)),
    }
    out = {}
    for op, fn in calls.items():
        for _ in range(3):
            fn()
        per = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            per.append((time.perf_counter() - t) * 1000)
        out[op] = {"per": per, "mean": statistics.fmean(per), "bytes": 0}
    out["threads"] = cv2.getNumThreads()
    cv2.setNumThreads(default)
    return out


def compare_builds(by_build: dict, native: dict, native_1: dict) -> list[dict]:
    """The bridge's mean per call on each opencv.js build, against opencv-python (1 thread, default)."""
    names = list(by_build)
    default_threads = f"cpy {native['threads']}t ms"
    head = (f"{'operation':<14}" + "".join(f"{b + ' ms':>11}" for b in names)
            + f"{'cpy 1t ms':>11}{default_threads:>11}"
            + f"{names[1] + '/' + names[0]:>11}{names[0] + '/cpy1t':>12}")
    print()
    print("opencv.js builds compared (bridge, mean ms per call; load: "
          + ", ".join(f"{b} {r['load'].get('seconds', 0):.2f} s" for b, r in by_build.items()) + ")")
    print(head)
    print("-" * len(head))
    rows = []
    for op in OPS:
        ms = {b: by_build[b][op]["bridge"]["mean"] for b in names}
        row = {"op": op, **{f"{b}_ms": v for b, v in ms.items()}, "cpython_1t_ms": native_1[op]["mean"],
               "cpython_ms": native[op]["mean"], "speedup": ms[names[1]] / ms[names[0]],
               "vs_cpython_1t": ms[names[0]] / native_1[op]["mean"]}
        rows.append(row)
        print(f"{op:<14}" + "".join(f"{v:>11.3f}" for v in ms.values())
              + f"{row['cpython_1t_ms']:>11.3f}{row['cpython_ms']:>11.3f}{row['speedup']:>11.2f}{row['vs_cpython_1t']:>12.2f}")
    return rows


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="a site built by ./portlab build (default: build one now)")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--builds", default="", help="comma-separated opencv.js builds to compare (simd,npm)")
    ap.add_argument("--isolated", action="store_true",
                    help="serve cross-origin isolated (COOP/COEP), as `serve --isolated`: the threads build can run")
    args = ap.parse_args()
    builds = [b for b in args.builds.split(",") if b] or [None]

    if args.site:
        verify_site(args.site)
        site = args.site
    else:
        site = Path(tempfile.mkdtemp(prefix="portinglab-bench-")) / "site"
        build_site(site, log=lambda *_: None)

    server, url = serve_in_thread(site, port=0, isolated=args.isolated)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            ctx, guard = guarded_context(browser)
            by_build = {}
            for build in builds:
                page = ctx.new_page()  # a fresh kernel per build
                page.goto(url + "lab/index.html")
                kernel = BrowserKernel(page, timeout_ms=600_000)
                choose = f"import os; os.environ['PORTINGLAB_OPENCVJS'] = {build!r}\n" if build else ""
                by_build[build] = kernel.json(choose + KERNEL_CODE.format(runs=args.runs, ops=OPS))
                page.close()
            res = by_build[builds[0]]
            version = browser.version
            browser.close()
            assert not guard.attempts, guard.attempts
    finally:
        server.shutdown()
    native = cpython_times(args.runs)
    native_1 = cpython_times(args.runs, threads=1) if len(builds) > 1 else None

    rows = []
    header = (f"{'operation':<14}{'method':<9}{'median ms':>10}{'p90 ms':>9}{'mean ms':>9}"
              f"{'x js':>8}{'MB copied':>11}")
    print(f"cv2 bridge benchmark: Chromium {version}, {platform.machine()}, {args.runs} runs; "
          f"opencv.js loaded in {res['load'].get('seconds', 0):.2f} s {res['load'].get('timing', {})}; "
          f"CPython cv2 threads={native['threads']}")
    print(header)
    print("-" * len(header))
    for op in OPS:
        base = res[op]["js"]["mean"]
        for method, d in (("bridge", res[op]["bridge"]), ("js", res[op]["js"]),
                          ("article", res[op]["article"]), ("cpython", native[op])):
            med = statistics.median(d["per"])
            line = (f"{op:<14}{method:<9}{med:>10.3f}{p90(d['per']):>9.3f}{d['mean']:>9.3f}"
                    f"{d['mean'] / base:>8.2f}{d['bytes'] / 1e6:>11.2f}")
            print(line)
            rows.append({"op": op, "method": method, "median_ms": med, "p90_ms": p90(d["per"]),
                         "mean_ms": d["mean"], "x_js": d["mean"] / base, "bytes": d["bytes"]})
        print(f"{'':<14}bridge copies: {res[op]['bridge']['copies'][:4]}"
              f"{' ...' if len(res[op]['bridge']['copies']) > 4 else ''}")
    compare = compare_builds(by_build, native, native_1) if len(builds) > 1 else []
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "cv2_bridge.json"
    out.write_text(json.dumps({"chromium": version, "runs": args.runs, "load": {str(b): r["load"] for b, r in by_build.items()},
                               "rows": rows, "builds": compare}, indent=1))
    print(f"(written to {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
