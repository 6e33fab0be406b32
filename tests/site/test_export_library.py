"""A library export (`portlab export --library`) called from a page in Chromium: port.js with ImageData, a
canvas, a Blob, TypedArrays and JSON gives what the same functions give in CPython (real opencv-python);
Python exceptions reject with their class's name and the port stays usable; bad input, a closed port, an
aborted call and missing files get clear errors; buffers are transferred, not cloned, and counted."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import tarfile

import numpy as np
import pytest
from PIL import Image

from browser import guarded_context
from export_helpers import PYTHON, export, hardlink_site, write_notebook
from portinglab.serve import serve_in_thread

pytestmark = pytest.mark.browser

PIPELINE = [
    "import numpy as np\nimport cv2\n\nSCALE = 2\nprint('loading the pipeline')",
    ('def blur_gray(image: np.ndarray, ksize: int = 5) -> np.ndarray:\n'
     '    """Grey, then a Gaussian blur."""\n'
     '    g = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)\n'
     '    return cv2.GaussianBlur(g, (ksize, ksize), 0)', ["portlab-library"]),
    ("def boxes(image: np.ndarray, threshold: int = 128) -> list[tuple[int, int, int, int]]:\n"
     "    g = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)\n"
     "    _, t = cv2.threshold(g, threshold, 255, cv2.THRESH_BINARY)\n"
     "    cs, _ = cv2.findContours(t, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)\n"
     "    return sorted(cv2.boundingRect(c) for c in cs)", ["portlab-library"]),
    ("def summary(a: np.ndarray, *, scale: float = 1.0) -> dict:\n"
     "    return {'mean': float(a.mean()) * scale, 'max': a.max(), 'shape': a.shape, 'dtype': str(a.dtype),\n"
     "            'sum_axis0': a.sum(axis=0)}", ["portlab-library"]),
    ("def fail(kind: str) -> None:\n"
     "    if kind == 'value':\n"
     "        raise ValueError('bad value: ' + kind)\n"
     "    raise KeyError(kind)", ["portlab-library"]),
    ("def echo(x):\n    return x", ["portlab-library"]),
    "def _helper():\n    return 1\n\ndef not_tagged():\n    return 2",
    "demo = blur_gray(np.zeros((8, 8, 3), np.uint8))\nprint('demo', demo.shape)",
    ("raise RuntimeError('a demo cell the library leaves out')", ["skip-library"]),
]

rng = np.random.default_rng(7)
RGBA = np.dstack([rng.integers(0, 120, (48, 64, 3), dtype=np.uint8), np.full((48, 64), 255, np.uint8)])
RGBA[10:30, 8:24, :3] = 250  # two bright boxes for `boxes`
RGBA[5:12, 40:60, :3] = 240
PNG_RGB = rng.integers(0, 150, (37, 53, 3), dtype=np.uint8)
PNG_RGB[4:20, 6:30] = 255


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def library(built_site, tmp_path_factory):
    """The site (hard links) with the library export beside it, served from one loopback origin."""
    tmp = tmp_path_factory.mktemp("library")
    root = hardlink_site(built_site, tmp / "root")
    nb = write_notebook(tmp / "pipeline.ipynb", PIPELINE)
    proc = export(nb, root / "exports", "--library", "--base-url", "../../")  # the site: two folders up
    assert proc.returncode == 0, proc.stderr
    assert "library: port.js, port.d.ts, package.json, example.html: blur_gray, boxes, summary, fail, echo" in proc.stdout
    server, url = serve_in_thread(root, port=0)
    yield root / "exports" / "pipeline", f"{url}exports/pipeline/", url
    server.shutdown()


def cpython(folder, calls: list[tuple[str, list, dict]]) -> list:
    """The same functions in CPython (opencv-python-headless), results as the page reports them."""
    code = (
        "import json, sys, runpy, numpy as np\n"
        "ns = runpy.run_path('port_module.py')\n"
        "def js(v):\n"
        "    if isinstance(v, np.ndarray): return {'shape': list(v.shape), 'dtype': str(v.dtype), 'data': v.ravel().tolist()}\n"
        "    if isinstance(v, np.generic): return v.item()\n"
        "    if isinstance(v, (list, tuple)): return [js(x) for x in v]\n"
        "    if isinstance(v, dict): return {k: js(x) for k, x in v.items()}\n"
        "    return v\n"
        "def arg(v):\n"
        "    if isinstance(v, dict) and 'npy' in v: return np.array(v['npy'], dtype=v['dtype']).reshape(v['shape'])\n"
        "    return v\n"
        "out = []\n"
        "for name, args, kwargs in json.load(sys.stdin):\n"
        "    out.append(js(ns[name](*map(arg, args), **{k: arg(v) for k, v in kwargs.items()})))\n"
        "print(json.dumps(out))\n")
    proc = subprocess.run([str(PYTHON), "-c", code], cwd=folder, input=json.dumps(calls), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def nd(a: np.ndarray) -> dict:
    return {"npy": a.ravel().tolist(), "dtype": str(a.dtype), "shape": list(a.shape)}


OPEN = """async (url) => {
  const { loadPort } = await import(url + 'port.js');
  window.loadPort = loadPort;
  const phases = [];
  window.port = await loadPort({ onProgress: (p) => phases.push(p.phase), onOutput: () => {} });
  return phases;
}"""

HELPERS = """() => {
window.b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
window.plain = (v) => {
  if (v && ArrayBuffer.isView(v.data) && Array.isArray(v.shape))
    return { shape: v.shape, dtype: v.dtype, data: Array.from(v.data, Number) };
  if (ArrayBuffer.isView(v)) return { bytes: Array.from(v) };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
window.caught = (p) => p.then((v) => ({ ok: plain(v) }),
  (e) => ({ name: e.name, message: e.message, traceback: e.pythonTraceback || '' }));
}"""


@pytest.fixture(scope="module")
def port_page(browser, library):
    folder, url, _ = library
    context, guard = guarded_context(browser)
    page = context.new_page()
    page.goto(url + "example.html")
    phases = page.evaluate(OPEN, url)
    assert phases[0] == "pyodide" and phases[-1] == "ready", phases
    page.evaluate(HELPERS)
    yield page
    context.close()
    assert not guard.attempts, guard.attempts


def test_images_arrays_and_json_give_what_cpython_gives(port_page, library):
    folder = library[0]
    got = port_page.evaluate(
        """async ([rgba, w, h, png]) => {
          const image = () => new ImageData(new Uint8ClampedArray(b64(rgba)), w, h);
          const canvas = document.createElement('canvas');
          Object.assign(canvas, { width: w, height: h });
          canvas.getContext('2d').putImageData(image(), 0, 0);
          const blob = new Blob([b64(png)], { type: 'image/png' });
          const f32 = { data: new Float32Array([1, 2.5, -3, 4, 5, 6.25]), shape: [2, 3] };
          return [
            plain(await port.blur_gray(image())),
            plain(await port.blur_gray(image(), { ksize: 3 })),
            plain(await port.call('blur_gray', canvas, 7)),
            plain(await port.boxes(blob, { threshold: 200 })),
            plain(await port.boxes(image())),
            plain(await port.summary(f32, { scale: 2 })),
            plain(await port.summary(new Int32Array([3, -7, 11]))),
            plain(await port.echo({ a: [1, 2.5, 'x', null, true], b: { c: 'ü' } })),
            plain(await port.echo(new Float64Array([0.1, 1e300]))),
            plain(await port.echo({ data: new BigInt64Array([2n ** 40n, -5n]), shape: [2, 1] })),
          ];
        }""", [base64.b64encode(RGBA.tobytes()).decode(), 64, 48, base64.b64encode(_png(PNG_RGB)).decode()])
    bgr, png_bgr = RGBA[..., [2, 1, 0]], PNG_RGB[..., ::-1]
    f32 = np.array([1, 2.5, -3, 4, 5, 6.25], np.float32).reshape(2, 3)
    want = cpython(folder, [
        ["blur_gray", [nd(bgr)], {}], ["blur_gray", [nd(bgr)], {"ksize": 3}], ["blur_gray", [nd(bgr), 7], {}],
        ["boxes", [nd(png_bgr)], {"threshold": 200}], ["boxes", [nd(bgr)], {}],
        ["summary", [nd(f32)], {"scale": 2}], ["summary", [nd(np.array([3, -7, 11], np.int32))], {}],
        ["echo", [{"a": [1, 2.5, "x", None, True], "b": {"c": "ü"}}], {}],
        ["echo", [nd(np.array([0.1, 1e300]))], {}], ["echo", [nd(np.array([[2 ** 40], [-5]], np.int64))], {}],
    ])
    assert got == want
    assert len(want[3]) == 1 and len(want[4]) == 2  # the boxes found are the drawn ones


def test_each_image_format_has_its_channels_in_order(port_page):
    got = port_page.evaluate("""async ([rgba, w, h]) => {
        const out = {};
        for (const f of ['bgr', 'rgb', 'rgba', 'bgra', 'hsv'])
          out[f] = await caught(port.callWith('echo', { args: [new ImageData(new Uint8ClampedArray(b64(rgba)), w, h)],
                                                        imageFormat: f }));
        return out;
    }""", [base64.b64encode(RGBA.tobytes()).decode(), 64, 48])
    for fmt, channels in {"bgr": [2, 1, 0], "rgb": [0, 1, 2], "rgba": [0, 1, 2, 3], "bgra": [2, 1, 0, 3]}.items():
        want = RGBA[..., channels]
        assert got[fmt]["ok"] == {"shape": list(want.shape), "dtype": "uint8", "data": want.ravel().tolist()}, fmt
    assert got["hsv"]["name"] == "ValueError" and "imageFormat must be one of bgr, rgb, rgba, bgra" in got["hsv"]["message"]


def test_a_python_exception_rejects_with_its_name_and_the_port_goes_on(port_page):
    got = port_page.evaluate("""async () => [
        await caught(port.fail('value')), await caught(port.fail('other')),
        await caught(port.call('echo', 1, 2, 3)), await caught(port.echo(41))]""")
    assert got[0]["name"] == "ValueError" and got[0]["message"] == "bad value: value"
    assert got[0]["traceback"].startswith("Traceback") and "raise ValueError" in got[0]["traceback"]
    assert got[1]["name"] == "KeyError" and got[1]["message"] == "'other'"
    assert got[2]["name"] == "TypeError" and "positional argument" in got[2]["message"]
    assert got[3] == {"ok": 41}


def test_bad_input_gets_a_clear_error_and_nothing_hangs(port_page):
    got = port_page.evaluate("""async () => [
        await caught(port.call('nope', 1)), await caught(port.echo(() => 1)), await caught(port.echo(Symbol('s'))),
        await caught(port.echo({ data: new Float32Array(5), shape: [2, 3] })),
        await caught(port.echo({ data: new Uint8Array(4), shape: [4], dtype: 'complex512' })),
        await caught(port.echo(new Blob(['not an image'], { type: 'image/png' }))),
        await caught(port.echo(new Blob(['plain bytes'], { type: 'text/plain' }))),
        await caught(port.echo(41))]""")
    assert got[0]["name"] == "TypeError" and "no function \"nope\" (it has: blur_gray, boxes, summary, fail, echo)" in got[0]["message"]
    assert got[1] == {"name": "TypeError", "message": "cannot pass a function to Python", "traceback": ""}
    assert got[2]["name"] == "TypeError" and "symbol" in got[2]["message"]
    assert got[3]["name"] == "ValueError" and "needs 24 bytes, its data has 20" in got[3]["message"]
    assert got[4]["name"] == "TypeError" and "complex512" in got[4]["message"]
    assert got[5]["name"] == "TypeError" and "cannot decode the image/png Blob" in got[5]["message"]
    assert got[6] == {"ok": {"bytes": list(b"plain bytes")}}
    assert got[7] == {"ok": 41}


def test_buffers_are_transferred_once_and_counted(port_page):
    got = port_page.evaluate("""async () => {
        const img = new ImageData(64, 48);
        await port.blur_gray(img);
        const moved = port.stats().last, detached = img.data.byteLength === 0;
        const keep = new ImageData(64, 48);
        await port.callWith('blur_gray', { args: [keep], copyInputs: true });
        return { moved, detached, kept: keep.data.byteLength, cloned: port.stats().last.bytesCloned,
                 totals: port.stats().totals, calls: port.stats().calls };
    }""")
    m = got["moved"]
    assert got["detached"] and got["kept"] == 64 * 48 * 4 and got["cloned"] == 64 * 48 * 4
    assert (m["bytesIn"], m["copiesIn"], m["bytesCloned"]) == (64 * 48 * 3, 1, 0)  # one copy into the heap (BGR)
    assert (m["bytesOut"], m["copiesOut"]) == (64 * 48, 1)  # one copy of the result out of it
    assert m["bridgeCopies"] >= 2 and m["bridgeBytes"] >= 64 * 48 * 3  # what the cv2 bridge copied
    assert 0 < m["pythonSeconds"] <= m["seconds"]
    assert got["calls"] >= 2 and got["totals"]["bytesIn"] >= 2 * 64 * 48 * 3


def test_calls_run_in_order_and_a_signal_cancels_a_queued_one(port_page):
    got = port_page.evaluate("""async () => {
        const ctl = new AbortController();
        const a = caught(port.echo(1));
        const b = caught(port.callWith('echo', { args: [2], signal: ctl.signal }));
        const c = caught(port.echo(3));
        ctl.abort();
        const pre = new AbortController(); pre.abort();
        const d = await caught(port.callWith('echo', { args: [4], signal: pre.signal }));
        return [await a, await b, await c, d];
    }""")
    assert got[0] == {"ok": 1} and got[2] == {"ok": 3}
    assert got[1]["name"] == "AbortError" and got[3]["name"] == "AbortError"


def test_a_closed_port_and_missing_files_reject_clearly(browser, library):
    _, url, site = library
    context, guard = guarded_context(browser)
    page = context.new_page()
    try:
        page.goto(url + "example.html")
        got = page.evaluate("""async ([url, site]) => {
            const { loadPort } = await import(url + 'port.js');
            const err = (p) => p.then(() => 'resolved', (e) => `${e.name}: ${e.message}`);
            const port = await loadPort({ onOutput: () => {} });
            port.close();
            return [await err(port.echo(1)),
                    await err(loadPort({ folder: site + 'nowhere/' })),
                    await err(loadPort({ baseUrl: site + 'no-site/', onOutput: () => {} }))];
        }""", [url, site])
    finally:
        context.close()
    assert not guard.attempts, guard.attempts
    assert got[0] == "InvalidStateError: this port is closed"
    assert got[1].startswith("NetworkError: cannot load") and "nowhere/port.json: HTTP 404" in got[1]
    assert "cannot load Pyodide from" in got[2] and "no-site/static/pyodide/pyodide.js" in got[2]


def test_the_example_page_runs_a_function_on_a_file(port_page, library, tmp_path):
    png = tmp_path / "in.png"
    png.write_bytes(_png(PNG_RGB))
    port_page.select_option("#fn", "blur_gray")
    port_page.set_input_files("#file", str(png))
    port_page.wait_for_function("['done', 'error'].includes(document.documentElement.dataset.portStatus)")
    shown = port_page.evaluate("() => [document.documentElement.dataset.portStatus, "
                               "document.getElementById('output').width, document.getElementById('output').height]")
    assert shown == ["done", 53, 37]


def test_npm_pack_makes_an_installable_package(library, tmp_path):
    folder = library[0]
    proc = subprocess.run(["npm", "pack", "--pack-destination", str(tmp_path)], cwd=folder, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    tgz = next(tmp_path.glob("*.tgz"))
    names = set(tarfile.open(tgz).getnames())
    assert {"package/port.js", "package/port-worker.js", "package/port_runtime.py", "package/port.json",
            "package/port.d.ts", "package/port_module.py", "package/package.json"} <= names
    pkg = json.loads((folder / "package.json").read_text())
    assert pkg["types"] == "port.d.ts" and pkg["type"] == "module"
    config = json.loads((folder / "port.json").read_text())
    assert [f["name"] for f in config["functions"]] == ["blur_gray", "boxes", "summary", "fail", "echo"]


def test_the_pp_ocrv4_port_as_a_library_reads_what_cpython_reads(browser, built_site, library, tmp_path):
    """The worked example: notebook 5 (content/en) exported as a library (its `ocr` cell is tagged
    portlab-library, its demo cells skip-library), called with an image file as a Blob."""
    from portinglab import paths

    root = library[0].parents[1]
    nb = paths.ROOT / "content/en/05-porting-pp-ocrv4.ipynb"
    proc = export(nb, root / "exports", "--library", "--base-url", "../../", "--drive", str(built_site / "files"),
                  "--name", "ocr_port")
    assert proc.returncode == 0, proc.stderr
    folder = root / "exports" / "ocr_port"
    assert [f["name"] for f in json.loads((folder / "port.json").read_text())["functions"]] == ["ocr"]
    sample = (folder / "ppocr" / "receipt.png").read_bytes()
    context, guard = guarded_context(browser)
    page = context.new_page()
    try:
        page.goto(library[2] + "exports/ocr_port/example.html")
        got = page.evaluate("""async ([url, png]) => {
            const { loadPort } = await import(url + 'port.js');
            const port = await loadPort({ onOutput: () => {} });
            const blob = new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], { type: 'image/png' });
            const result = await port.ocr(blob);
            port.close();
            return result.map(([box, text, score]) => [Array.from(box.data), box.shape, text, score]);
        }""", [library[2] + "exports/ocr_port/", base64.b64encode(sample).decode()])
    finally:
        context.close()
    assert not guard.attempts, guard.attempts
    code = ("import json, runpy\nns = runpy.run_path('port_module.py')\n"
            "r = ns['ocr'](ns['load_image']('ppocr/receipt.png'))\n"
            "print(json.dumps([[b.ravel().tolist(), list(b.shape), t, float(s)] for b, t, s in r]))")
    cpython = subprocess.run([str(PYTHON), "-c", code], cwd=folder, capture_output=True, text=True, timeout=300)
    assert cpython.returncode == 0, cpython.stderr
    want = json.loads(cpython.stdout.splitlines()[-1])
    assert [r[2] for r in got] == [r[2] for r in want] and len(want) >= 3  # the same texts, in order
    for g, w in zip(got, want):
        assert g[1] == w[1] == [4, 2]
        assert np.abs(np.array(g[0]) - np.array(w[0])).max() <= 2  # boxes within 2 px (the notebook's tolerance)
        assert abs(g[3] - w[3]) <= 1e-3  # onnxruntime-web vs onnxruntime: float32 sums in another order


def test_a_self_contained_library_needs_nothing_but_its_folder(browser, built_site, tmp_path):
    nb = write_notebook(tmp_path / "pipeline.ipynb", PIPELINE)
    proc = export(nb, tmp_path / "out", "--library", "--self-contained", "--site", str(built_site))
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "pipeline"
    assert (folder / "static/pyodide/pyodide.asm.wasm").is_file() and json.loads((folder / "port.json").read_text())["base_url"] == "./"
    server, url = serve_in_thread(folder, port=0)  # the folder alone: no site beside it
    context, guard = guarded_context(browser)
    page = context.new_page()
    try:
        page.goto(url + "example.html")
        got = page.evaluate("""async (url) => {
            const { loadPort } = await import(url + 'port.js');
            const port = await loadPort({ onOutput: () => {} });
            const r = await port.boxes(new ImageData(new Uint8ClampedArray(64 * 48 * 4).fill(255), 64, 48), { threshold: 100 });
            port.close();
            return r;
        }""", url)
    finally:
        context.close()
        server.shutdown()
    assert not guard.attempts, guard.attempts
    assert got == [[0, 0, 64, 48]]


def test_a_self_contained_library_with_its_service_worker_works_offline(browser, built_site, tmp_path):
    """loadPort({ serviceWorker: true }): port-sw.js keeps every file of the export; with the server gone, the page,
    Pyodide, the bridges and the module come from Cache Storage and the function still answers."""
    nb = write_notebook(tmp_path / "pipeline.ipynb", PIPELINE)
    assert export(nb, tmp_path / "out", "--library", "--self-contained", "--site", str(built_site)).returncode == 0
    folder = tmp_path / "out" / "pipeline"
    config = json.loads((folder / "port.json").read_text())
    assert "static/pyodide/pyodide.asm.wasm" in config["assets"] and len(config["version"]) == 16
    server, url = serve_in_thread(folder, port=0)
    context, guard = guarded_context(browser)
    call = """async (url) => {
        const { loadPort } = await import(url + 'port.js');
        const port = await loadPort({ serviceWorker: true, onOutput: () => {} });
        const r = await port.boxes(new ImageData(new Uint8ClampedArray(32 * 16 * 4).fill(255), 32, 16), { threshold: 100 });
        port.close();
        return [r, !!navigator.serviceWorker.controller];
    }"""
    try:
        page = context.new_page()
        page.goto(url + "example.html")
        assert page.evaluate(call, url) == [[[0, 0, 32, 16]], True]
        page.close()
        server.shutdown()  # offline from here
        page = context.new_page()
        page.goto(url + "example.html")
        assert page.evaluate(call, url) == [[[0, 0, 32, 16]], True]
    finally:
        context.close()
    assert not guard.attempts, guard.attempts
