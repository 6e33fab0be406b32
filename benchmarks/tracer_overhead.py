"""The copies tracer's cost, in the site's real Pyodide kernels (Chromium): tracing on vs off vs
never started.

Each sample is one cell as the kernel runs it: the tracer's pre-cell hook, the workload, the
post-cell hook that builds the cell's report, and the report's JSON encoding (what the comm's
send costs the kernel; no front end listens here). Before each sample, untimed: the switch
(`set_enabled`) and one empty cell in that state (the hooks of a cell that runs nothing: a
notebook traced all along, not the switch's aftermath). Sides, all in one kernel (`tracer.start()` once): *on*; *off* (switched off: the
hooks still run, and return at once); *never* (off, and the hooks not run: a kernel that never
started the tracer, with the same heap and JIT state). One round = the three in one order, then in the
reverse order (off, on, never, never, on, off; the order rotates through all six from round to
round, so each side is as often in each place), after a `gc.collect()`. A second kernel in the same page that never
imported the tracer (*fresh*) runs two samples after each round: off/fresh compares two workers,
whose own differences (heap layout, JIT) are often larger than anything measured here.
Printed per workload: the interquartile mean milliseconds of each side, the median over rounds of
each round's ratio (samples taken back to back, so the machine's load hits both alike), the
ratio of the sides' interquartile means (all rounds; finer than the page's 0.1 ms clock), the
ratio of their minima (the samples the machine's other work disturbed least: the steadiest figure
for the 1,000-call loops on a loaded machine; useless for one ~2 ms call, whose minimum is a 0.1 ms
clock step), and for the 1,000-call loops the microseconds the tracer adds per call (on - off,
interquartile means).

Workloads (those of a bridge that does not load are left out):
  - 1,000 x cv2.resize of a 32x32x3 uint8 image to 16x16          2 bridged copies per call
  - 1,000 x InferenceSession.run of a 1-node model (Add, 1x3x8x8)  3 bridged copies per call
  - 1 x cv2.resize 1080p (1920x1080x3 -> 960x540)
  - 1 x InferenceSession.run of the same kind of model on 1x3x1080x1920 float32 (24.9 MB)
  - 1 x to_js of a flat 1080p buffer (6,220,800 B)
  - 1,000 x JsProxy.to_py() of a 16-byte Uint8Array, 1,000 x to_js() of 16 float32: the raw
    conversions, each wrapped while tracing; a ~0.5-2 us call cannot hide a Python wrapper

Then the same workloads **as cells**, the way a user runs them: a notebook opened in the lab
(the copies inspector's extension active: it starts the tracer with its comm, receives each report
and draws the badges), each workload one execute request, timed in the page from the request to
its reply (`performance.now()`); tracing on vs switched off (`tracer.set_enabled`, sent as its own
request, then an empty cell, before each sample), the two alternating, mirrored from round to round. This includes
what the bare samples leave out (IPython's own per-cell work, the comm message, the front end),
so the tracer's fixed per-cell cost weighs what it weighs in a notebook.

Target (issue 5): on/off <= 1.05 for the bridged loops and the 1080p calls; off/never ~ 1.

    .venv/bin/python benchmarks/tracer_overhead.py [--site DIR] [--rounds N] [--rounds-single N]
        [--cell-rounds N] [--only TEXT]
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
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


def add_model(shape: tuple[int, ...]) -> bytes:
    """A one-node ONNX model, y = x + 1 (float32, `shape`): the bridge's cost, not the model's."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import numpy as np

    one = numpy_helper.from_array(np.ones((1,), np.float32), "one")
    graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"])], "add",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))], [one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model)
    return model.SerializeToString()


SMALL_SHAPE, BIG_SHAPE = (1, 3, 8, 8), (1, 3, 1080, 1920)

# the same workloads in both kernels; `traced` says whether this kernel has the tracer
SETUP = """
import base64, gc, itertools, json, sys, time, numpy as np, js
from pyodide.ffi import to_js
TRACED = {traced!r}
if TRACED:
    import portinglab_kernel.tracer as tracer
    tracer.start(comm=False)
HAVE = {{}}
try:
    import cv2
    cv2.resize(np.zeros((4, 4), np.uint8), (2, 2))
    HAVE['cv2'] = True
except Exception as e:
    HAVE['cv2'] = repr(e)
try:
    import onnxruntime as ort
    sess_small = ort.InferenceSession(base64.b64decode({small!r}))
    sess_big = ort.InferenceSession(base64.b64decode({big!r}))
    x_small = np.zeros({small_shape!r}, np.float32)
    x_big = np.zeros({big_shape!r}, np.float32)
    sess_small.run(None, {{'x': x_small}}); sess_big.run(None, {{'x': x_big}})
    HAVE['ort'] = True
except Exception as e:
    HAVE['ort'] = repr(e)
small_u8 = js.Uint8Array.new(16)
small_np = np.arange(16, dtype=np.float32)
small_img = np.zeros((32, 32, 3), np.uint8)
big = np.zeros((1080, 1920, 3), np.uint8)
big_flat = big.reshape(-1)
def workload(name):
    if name == "cv2.resize 32x32 x1000":
        for _ in range(1000): cv2.resize(small_img, (16, 16))
    elif name == "ort.run 1x3x8x8 x1000":
        for _ in range(1000): sess_small.run(None, {{'x': x_small}})
    elif name == "cv2.resize 1080p x1":
        cv2.resize(big, (960, 540))
    elif name == "ort.run 1x3x1080x1920 x1":
        sess_big.run(None, {{'x': x_big}})
    elif name == "to_js 1080p x1":
        to_js(big_flat)
    elif name == "to_py 16 B x1000":
        for _ in range(1000): small_u8.to_py()
    elif name == "to_js 16 f32 x1000":
        for _ in range(1000): to_js(small_np)
def sample(name, mode):
    if mode == "fresh":  # the kernel that never imported the tracer
        t0 = time.perf_counter()
        workload(name)
        return time.perf_counter() - t0
    tracer.set_enabled(False)  # drops the collector of the cell running this (not timed)
    tracer.set_enabled(mode == "on")
    if mode != "never":  # an empty cell in that state first: steady state, not the switch's aftermath
        tracer.TRACER.pre_run_cell()
        tracer.TRACER.post_run_cell()
    t0 = time.perf_counter()
    if mode != "never":
        tracer.TRACER.pre_run_cell()  # what IPython runs before a cell (returns at once when off)
    workload(name)
    if mode != "never":
        tracer.TRACER.post_run_cell()  # ... and after it: the report
    if mode == "on":
        json.dumps(tracer.TRACER.sent[-1])  # what sending it costs (the comm serializes it as JSON)
    t = time.perf_counter() - t0
    tracer.set_enabled(True)
    return t
ORDERS = list(itertools.permutations(("off", "on", "never")))
def round_(name, i):
    gc.collect()
    if not TRACED:
        return {{"fresh": [sample(name, "fresh") for _ in range(2)]}}
    r = {{"off": [], "on": [], "never": []}}
    order = ORDERS[i % len(ORDERS)]  # each side in each place as often, the pair mirrored
    for mode in order + order[::-1]:
        r[mode].append(sample(name, mode))
    return r
print(json.dumps({{"have": HAVE, "tracer_loaded": 'portinglab_kernel.tracer' in sys.modules}}))
"""

WORKLOADS = [("cv2.resize 32x32 x1000", "cv2"), ("ort.run 1x3x8x8 x1000", "ort"), ("cv2.resize 1080p x1", "cv2"),
             ("ort.run 1x3x1080x1920 x1", "ort"), ("to_js 1080p x1", None), ("to_py 16 B x1000", None),
             ("to_js 16 f32 x1000", None)]


# a new notebook in the lab, its kernel started and the tracer bootstrapped by the extension
NOTEBOOK_KERNEL_JS = """
async (ms) => window.__within(ms, 'opening a notebook', (async () => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 50));
  const app = window.jupyterapp;
  await app.restored;
  const panel = await app.commands.execute('notebook:create-new', {kernelName: 'python'});
  await panel.sessionContext.ready;
  let kernel;
  while (!(kernel = panel.sessionContext.session?.kernel)) await new Promise(r => setTimeout(r, 50));
  window.__portinglabKernels = window.__portinglabKernels || {};
  window.__portinglabKernels[kernel.id] = kernel;
  return kernel.id;
})())
"""

# one execute request, timed in the page from the request to its reply (ms)
TIMED_EXECUTE_JS = """
async ([id, code, ms]) => window.__within(ms, 'running a timed cell', (async () => {
  const kernel = window.__portinglabKernels[id];
  let error = null;
  const t0 = performance.now();
  const future = kernel.requestExecute({code, stop_on_error: true});
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'error') error = msg.content.evalue; };
  await future.done;
  const t = performance.now() - t0;
  if (error) throw new Error(error);
  return t;
})())
"""


class NotebookKernel(BrowserKernel):
    """The kernel of a new notebook in the lab: the extension bootstraps the tracer in it."""

    def __init__(self, page, timeout_ms: int = 180_000):
        super().__init__(page, timeout_ms, NOTEBOOK_KERNEL_JS)

    def timed(self, code: str) -> float:
        """Seconds from the execute request to its reply."""
        return self.page.evaluate(TIMED_EXECUTE_JS, [self.id, code, self.timeout_ms]) / 1e3


CELL_CODE = {  # the workloads as a user would write them in a cell (names from SETUP)
    "cv2.resize 32x32 x1000": "for _ in range(1000): cv2.resize(small_img, (16, 16))",
    "ort.run 1x3x8x8 x1000": "for _ in range(1000): sess_small.run(None, {'x': x_small})",
    "cv2.resize 1080p x1": "_ = cv2.resize(big, (960, 540))",
    "ort.run 1x3x1080x1920 x1": "_ = sess_big.run(None, {'x': x_big})",
    "to_js 1080p x1": "_ = to_js(big_flat)",
}


def measure_cells(page, setup: str, rounds: int, only: str | None) -> tuple[dict, dict]:
    """on vs off, each workload run as a cell of a notebook in the lab (see the module's doc)."""
    k = NotebookKernel(page)
    for _ in range(600):  # the extension's bootstrap is queued before any request of ours
        if k.json("import json, sys\nt = sys.modules.get('portinglab_kernel.tracer')\n"
                  "print(json.dumps(bool(t and t.TRACER.started and t.TRACER.comm is not None)))"):
            break
    else:
        raise RuntimeError("the extension did not start the tracer in the notebook's kernel")
    have = k.json(setup)["have"]
    results = {}
    for name, code in CELL_CODE.items():
        if only and only not in name:
            continue
        if ("cv2" in name and have["cv2"] is not True) or ("ort" in name and have["ort"] is not True):
            continue
        k.run("tracer.set_enabled(True)")
        k.timed(code)  # warm up
        samples = {"on": [], "off": []}
        ratios = []
        for i in range(rounds):
            r = {}
            for mode in (("on", "off", "off", "on") if i % 2 else ("off", "on", "on", "off")):
                k.run(f"tracer.set_enabled({mode == 'on'})")
                k.run("pass")  # a cell in that state first: steady state, not the switch's aftermath
                r.setdefault(mode, []).append(k.timed(code))
            for mode in r:
                samples[mode] += r[mode]
            ratios.append(statistics.fmean(r["on"]) / statistics.fmean(r["off"]))
        k.run("tracer.set_enabled(True)")
        mean = {mode: iqm(v) * 1e3 for mode, v in samples.items()}
        results[name] = {"off_ms": mean["off"], "on_ms": mean["on"], "on_off": statistics.median(ratios),
                         "on_off_iqm": mean["on"] / mean["off"], "added_ms": mean["on"] - mean["off"],
                         "rounds": rounds, "samples_ms": {m: [x * 1e3 for x in v] for m, v in samples.items()}}
    return results, have


def iqm(xs: list[float]) -> float:
    """The interquartile mean: robust to the samples the machine's other work disturbed, and finer
    than the page's 0.1 ms clock (a single 2 ms call reads 2.0 or 2.1 ms; the mean of many does not)."""
    xs = sorted(xs)
    k = len(xs) // 4
    return statistics.fmean(xs[k:len(xs) - k] or xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", type=Path, help="a built site (default: build one)")
    ap.add_argument("--rounds", type=int, default=24, help="rounds per 1,000-call workload")
    ap.add_argument("--rounds-single", type=int, default=60, help="rounds per one-call workload")
    ap.add_argument("--cell-rounds", type=int, default=12, help="rounds per workload run as cells (0: skip)")
    ap.add_argument("--only", help="run only the workloads whose name contains this")
    ap.add_argument("--cells-only", action="store_true", help="only the workloads as cells")
    args = ap.parse_args()
    tmp = None
    if args.site:
        verify_site(args.site)
        site = args.site
    else:
        tmp = tempfile.TemporaryDirectory()
        site = Path(tmp.name) / "site"
        build_site(site, log=lambda *_: None)
    small = base64.b64encode(add_model(SMALL_SHAPE)).decode()
    big = base64.b64encode(add_model(BIG_SHAPE)).decode()
    server, url = serve_in_thread(site, port=0)
    results, info = {}, {}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            ctx = browser.new_context()
            ctx.route("**/*", OffMachineGuard())
            page = ctx.new_page()
            page.goto(url + "lab/index.html")
            info["browser"] = browser.version
            kernels = {}
            for name, traced in (("traced", True), ("fresh", False)):
                k = kernels[name] = BrowserKernel(page)
                info[name] = k.json(SETUP.format(traced=traced, small=small, big=big, small_shape=SMALL_SHAPE,
                                                 big_shape=BIG_SHAPE))
            assert not info["fresh"]["tracer_loaded"], "the 'fresh' kernel has the tracer loaded"
            for name, needs in WORKLOADS:
                if (args.only and args.only not in name) or args.cells_only:
                    continue
                if needs and not (info["traced"]["have"][needs] is True and info["fresh"]["have"][needs] is True):
                    print(f"# {name}: skipped ({needs}: {info['traced']['have'][needs]})", file=sys.stderr)
                    continue
                n = args.rounds_single if name.endswith("x1") else args.rounds
                for k in kernels.values():  # warm up
                    k.run(f"round_({name!r}, 0)")
                samples = {"off": [], "on": [], "never": [], "fresh": []}
                ratios = {"on_off": [], "off_never": [], "off_fresh": []}
                for i in range(n):
                    r = kernels["traced"].json(f"print(json.dumps(round_({name!r}, {i})))")
                    r.update(kernels["fresh"].json(f"print(json.dumps(round_({name!r}, {i})))"))
                    for key in samples:
                        samples[key] += r[key]
                    m = {key: statistics.fmean(r[key]) for key in samples}
                    for key in ratios:
                        a, b = key.split("_")
                        ratios[key].append(m[a] / m[b] if m[b] else float("nan"))
                mean = {key: iqm(v) * 1e3 for key, v in samples.items()}
                results[name] = {**{f"{key}_ms": mean[key] for key in mean}, "rounds": n,
                                 **{key: statistics.median(v) for key, v in ratios.items()},
                                 **{f"{key}_iqm": mean[key.split("_")[0]] / mean[key.split("_")[1]] for key in ratios},
                                 **{f"{key}_min": min(samples[key.split("_")[0]]) / min(samples[key.split("_")[1]])
                                    for key in ratios},
                                 "us_added_per_call": (mean["on"] - mean["off"]) if name.endswith("x1000") else None,
                                 "samples_ms": {key: [x * 1e3 for x in v] for key, v in samples.items()}}
            cells = {}
            if args.cell_rounds:
                for k in kernels.values():  # only the notebook's kernel works from here on
                    k.run("gc.collect()")
                cells, info["cells_have"] = measure_cells(
                    page, SETUP.format(traced=True, small=small, big=big, small_shape=SMALL_SHAPE,
                                       big_shape=BIG_SHAPE), args.cell_rounds, args.only)
            browser.close()
    finally:
        server.shutdown()
        if tmp:
            tmp.cleanup()
    print(f"# copies tracer overhead ({platform.machine()}, Chromium {info.get('browser')}; ms: interquartile "
          f"means; ratios: median over rounds of each round's ratio, and ratio of the interquartile means)")
    print(f"{'workload':<26} {'never ms':>9} {'off ms':>9} {'on ms':>9} {'on/off':>7} {'(iqm)':>6} {'(min)':>6} "
          f"{'off/never':>9} {'(iqm)':>6} {'(min)':>6} {'+us/call':>8} {'off/fresh':>9} {'rounds':>6}")
    for name, r in results.items():
        added = f"{r['us_added_per_call']:8.2f}" if r["us_added_per_call"] is not None else f"{'':8}"
        print(f"{name:<26} {r['never_ms']:9.3f} {r['off_ms']:9.3f} {r['on_ms']:9.3f} {r['on_off']:7.3f} "
              f"{r['on_off_iqm']:6.3f} {r['on_off_min']:6.3f} {r['off_never']:9.3f} {r['off_never_iqm']:6.3f} "
              f"{r['off_never_min']:6.3f} {added} {r['off_fresh']:9.3f} {r['rounds']:6d}")
    if cells:
        print("# the same as cells of a notebook in the lab (execute request -> reply, timed in the page; "
              "tracing on vs switched off)")
        print(f"{'workload':<26} {'off ms':>9} {'on ms':>9} {'on/off':>7} {'(iqm)':>6} {'+ms/cell':>8} {'rounds':>6}")
        for name, r in cells.items():
            print(f"{name:<26} {r['off_ms']:9.3f} {r['on_ms']:9.3f} {r['on_off']:7.3f} {r['on_off_iqm']:6.3f} "
                  f"{r['added_ms']:8.3f} {r['rounds']:6d}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tracer_overhead.json").write_text(
        json.dumps({"info": info, "results": results, "cells": cells}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
