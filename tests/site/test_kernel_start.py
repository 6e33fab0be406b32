"""The kernel's early start (issue 17, src/portinglab/kernelstart/) in Chromium on the built site.

The page starts the kernel's worker (Pyodide, packages, `import pyodide_kernel`) as it opens; the notebook's
kernel takes it. Proves: that kernel is a full JupyterLite kernel (its notebook's folder in the drive, cv2,
onnxruntime, numpy, ipywidgets, files written by Python seen by the lab, piplite); a restart takes the spare
worker prewarmed after the first kernel (a fresh namespace), a kernel with no spare left starts normally in its
own worker; and a prewarm that failed (its first pyodide.js request refused)
falls back to the stock start in the same worker, still a working kernel; a worker whose script did not load is
never handed to a kernel; a second visit (the service worker registered again) still mounts the drive, the
patched service worker answered none of the page's files while the server answers, and copied them into its
offline cache in the background (kernelstart/serviceworker.py). The preload image
(kernelstart/preload.py) writes the same site-packages tree, file for file, as Pyodide's own loadPackage of the
kernel's preload list, and marks the same packages as loaded; a corrupt image (its integrity check fails) loads those
packages the stock way and the kernel is whole. The kernel's memory snapshot (kernelstart/snapshot.js): made on a
first visit, the next visits' kernels start from it (sqlite3 and ssl real again where the kernel's import bound them,
the random generator renewed, the drive and the notebook's folder, cv2, onnxruntime, widgets, piplite); a corrupt
snapshot (its checksum) or one Pyodide refuses (another build's id) is removed and the kernel starts the stock way;
a snapshot that could not be made (its script refused) stores nothing and sets no flag.
"""

from __future__ import annotations

import json

import pytest

from browser import WITHIN_JS, BrowserKernel, open_notebook

pytestmark = pytest.mark.browser

#: registers the kernel of the notebook open in the lab's main area for BrowserKernel
NOTEBOOK_KERNEL_JS = """
async (ms) => window.__within(ms, 'the notebook kernel', (async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  window.__portinglabKernels = window.__portinglabKernels || {};
  window.__portinglabKernels[kernel.id] = kernel;
  return kernel.id;
})())
"""

STATE = ("import js, json, os\n"
         "ks = getattr(js, 'portinglabKernelStart', None)\n"
         "pre = getattr(js, 'portinglabPreloadStatus', None)\n"
         "print(json.dumps({'start': ks.to_py() if ks else None, 'preload': pre.to_py() if pre else None,"
         " 'cwd': os.getcwd()}))")


def notebook_kernel(page) -> BrowserKernel:
    page.evaluate(WITHIN_JS)
    return BrowserKernel(page, start_js=NOTEBOOK_KERNEL_JS)


def assert_whole_kernel(page, kernel) -> None:
    """cv2, onnxruntime, numpy, piplite set up as the stock start does, the drive, a widget."""
    out = kernel.json(
        "import cv2, onnxruntime, numpy, ipywidgets, piplite, sys\n"
        "img = numpy.zeros((8, 8, 3), numpy.uint8); img[2:6, 2:6] = 255\n"
        "gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)\n"
        "open('kernel-start-probe.txt', 'w').write('written in the kernel')\n"
        "print(json.dumps({'cv2': cv2.__version__, 'ort': onnxruntime.__version__, 'sum': int(gray.sum()),"
        " 'pypi': piplite.piplite._PIPLITE_DISABLE_PYPI, 'urls': len(piplite.piplite._PIPLITE_URLS),"
        " 'ipython': type(get_ipython()).__name__}))"
    )
    assert out["cv2"].startswith("4.12") and out["ort"] == "1.30.0" and out["sum"] == 16 * 255
    assert out["pypi"] is True and out["urls"] >= 1  # piplite set up as the stock start does
    assert out["ipython"] == "Interpreter"
    # the file Python wrote is in the lab's contents (the drive is mounted)
    saved = page.evaluate("async () => (await window.jupyterapp.serviceManager.contents.get("
                          "'en/kernel-start-probe.txt', {content: true})).content")
    assert saved == "written in the kernel"
    # a widget renders from this kernel
    kernel.run("w = ipywidgets.IntSlider(value=3, description='probe'); display(w)")
    assert kernel.run("import time; time.sleep(0.2); print(w.value)").strip() == "3"


def test_the_notebook_kernel_is_the_prewarmed_worker_and_a_full_kernel(page, site_url, guard):
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    start = page.evaluate("window.portinglabKernelStart")
    assert start == {"started": True, "taken": True, "reason": "", "spares": 0, "takes": 1,
                     "snapshot": {"restored": False, "reason": "no snapshot stored"}, "snapshotMade": None}
    kernel = notebook_kernel(page)
    state = kernel.json(STATE)
    assert state["start"]["prewarmed"] is True and state["start"]["seconds"] > 0
    assert state["cwd"] == "/drive/en"  # the notebook's folder, as the stock start chdirs
    # the pure-Python preload came from the image (kernelstart/preload.py), not from ~20 wheels
    assert state["preload"]["image"] is True and state["preload"]["packages"] >= 15, state["preload"]
    assert state["preload"]["files"] > 2000
    assert_whole_kernel(page, kernel)
    assert guard.attempts == []


def test_a_restart_takes_the_spare_and_a_kernel_with_none_left_starts_normally(page, site_url, guard):
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    kernel = notebook_kernel(page)
    assert kernel.json(STATE)["start"]["prewarmed"] is True
    kernel.run("before_restart = 1")
    # the spare is prewarmed some seconds after the first kernel took its worker
    page.wait_for_function("() => window.portinglabKernelStart.spares === 1", timeout=60_000)
    seconds = page.evaluate("""async () => {
      const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
      const t0 = performance.now();
      await ctx.restartKernel();
      while (ctx.session?.kernel?.status !== 'idle') await new Promise(r => setTimeout(r, 10));
      return (performance.now() - t0) / 1000;
    }""")
    restarted = notebook_kernel(page)
    state = restarted.json(STATE)
    assert state["start"]["prewarmed"] is True, state  # the spare
    assert state["cwd"] == "/drive/en"
    assert restarted.run("import numpy; print(numpy.arange(4).sum())").strip() == "6"
    assert restarted.run("print('before_restart' in globals())").strip() == "False"  # a fresh namespace
    assert seconds < 30
    # another kernel at once: no spare is ready (the next comes later), so its own worker, the stock start
    other = BrowserKernel(page)
    assert other.json(STATE)["start"] is None
    assert page.evaluate("window.portinglabKernelStart.takes") == 2
    assert guard.attempts == []


def test_a_failed_prewarm_falls_back_to_a_normal_start(page, site_url, guard):
    refused = []

    def refuse_first(route):
        if not refused:
            refused.append(route.request.url)
            return route.fulfill(status=503, body="unavailable")
        return route.fallback()  # to the context's off-machine guard

    page.route("**/static/pyodide/pyodide.js", refuse_first)
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    assert refused and page.evaluate("window.portinglabKernelStart.taken") is True
    kernel = notebook_kernel(page)
    state = kernel.json(STATE)
    assert state["start"]["prewarmed"] is False and "pyodide.js" in state["start"]["error"]
    assert state["cwd"] == "/drive/en"
    out = kernel.json("import numpy, ipywidgets; print(json.dumps([numpy.__version__, ipywidgets.__version__]))")
    assert out == ["2.0.2", "8.1.7"]
    assert guard.attempts == []


def test_a_second_visit_mounts_the_drive_although_the_service_worker_is_registered_again(page, site_url, guard):
    """A second visit re-registers JupyterLite's service worker while the prewarm's requests go through it; a
    kernel created as soon as the lab is restored must still get the drive (kernel plugin patch)."""
    responses = []
    for visit in (1, 2):
        if visit == 2:
            page.on("response", lambda r: responses.append((r.url, r.from_service_worker)))
        page.goto(site_url + "lab/index.html")
        kernel = BrowserKernel(page)
        state = kernel.json(STATE)
        assert state["start"]["prewarmed"] is True and state["cwd"] == "/drive", (visit, state)
    assert "Pyodide contents will NOT be synced" not in "\n".join(page.console_messages)
    # the page is controlled by the (patched) service worker, which answered none of its files while the server
    # answers (kernelstart/serviceworker.py): the browser's own caches serve them, V8's code cache included ...
    assert page.evaluate("!!navigator.serviceWorker.controller")
    # (the page itself, a navigation, is the one it answers: network first, the offline copy if that fails)
    assert len(responses) > 20 and [url for url, from_sw in responses if from_sw] == [site_url + "lab/index.html"]
    # ... and copied them into the offline cache in the background (tests/site/test_lab.py: the server gone)
    cached = page.wait_for_function("""async () => {
      const keys = (await (await caches.open('precache')).keys()).map(r => r.url);
      return keys.some(u => u.endsWith('/static/pyodide/pyodide.asm.wasm')) && keys.some(u => u.includes('.pack'))
        && keys.some(u => u.includes('/build/')) && keys;
    }""", timeout=60_000).json_value()
    assert any(u.split("?")[0].endswith("/lab/index.html") for u in cached)
    assert guard.attempts == []


def test_a_worker_script_that_failed_to_load_is_never_handed_to_a_kernel(page, site_url, guard):
    refused = []

    def refuse_first(route):
        if not refused:
            refused.append(route.request.url)
            return route.fulfill(status=404, body="not found")
        return route.fallback()

    page.route("**/pyodide-kernel-extension/static/352.*.js", refuse_first)
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    start = page.evaluate("window.portinglabKernelStart")
    assert refused and start["taken"] is False and "failed to load" in start["reason"], start
    kernel = notebook_kernel(page)
    state = kernel.json(STATE)
    assert state["start"] is None and state["cwd"] == "/drive/en"  # the stock start, in its own worker
    assert guard.attempts == []


# Pyodide with the kernel's preload, in a plain worker, two ways: `stock` as loadPyodide({packages}) loads it, `image`
# as the kernel's worker does (compiled packages by Pyodide, the rest from the image by preload.js). Returns the
# site-packages tree ({path: sha256}, directories as null) and loadedPackages.
PRELOAD_WORKER = r"""
onmessage = async (ev) => { try {
  const {base, mode, config} = ev.data;
  importScripts(base + 'static/pyodide/pyodide.js');
  const pyodideUrl = base + 'static/pyodide/pyodide.js';
  const py = await loadPyodide({indexURL: base + 'static/pyodide/',
                                packages: mode === 'stock' ? config.requested : config.loadPackages});
  if (mode === 'image') {
    importScripts(base + 'static/portinglab/preload.js');
    const packed = await portinglabPreload.fetchImage(new URL(config.image, pyodideUrl).href, config.integrity);
    await portinglabPreload.install(py, packed);
  }
  const tree = py.runPython(`
import hashlib, json, os, sys
sp = next(p for p in sys.path if p.endswith('site-packages'))
tree = {}
# site-packages, and where wheels' data files go (sys.prefix/share: IPython's man page)
for top in (sp, os.path.join(sys.prefix, 'share')):
    for root, dirs, files in os.walk(top):
        for d in dirs:
            tree[os.path.join(root, d) + '/'] = None
        for f in files:
            path = os.path.join(root, f)
            tree[path] = hashlib.sha256(open(path, 'rb').read()).hexdigest()
json.dumps(tree)
`);
  postMessage({tree: JSON.parse(tree), loaded: Object.fromEntries(Object.entries(py.loadedPackages))});
} catch (e) { postMessage({error: String(e)}); } };
"""

RUN_PRELOAD_WORKER_JS = """
async ([source, base, mode, config]) => new Promise((resolve) => {
  const worker = new Worker(URL.createObjectURL(new Blob([source], {type: 'text/javascript'})));
  worker.onmessage = (ev) => { resolve(ev.data); worker.terminate(); };
  worker.postMessage({base, mode, config});
})
"""


def preload_config(site) -> dict:
    """The image's configuration as the build wrote it into the kernel's worker."""
    from portinglab.kernelstart import PREWARM_JS

    script = (site / PREWARM_JS).read_text(encoding="utf-8")
    worker = (site / json.loads(script.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])["worker"]).read_text()
    return json.loads(worker.split("function __portinglabPreloadConfig(){return ", 1)[1].split(";}\n", 1)[0])


def test_the_preload_image_writes_the_tree_pyodides_loadpackage_writes(page, site_url, built_site, guard):
    config = preload_config(built_site)
    assert config["loadPackages"] and set(config["loadPackages"]) <= {"ssl", "openssl", "sqlite3"}
    page.goto(site_url + "static/portinglab/preload.js")
    stock, image = (page.evaluate(RUN_PRELOAD_WORKER_JS, [PRELOAD_WORKER, site_url, mode, config])
                    for mode in ("stock", "image"))
    assert "error" not in stock and "error" not in image, (stock.get("error"), image.get("error"))
    assert len(stock["tree"]) > 3000 and any(p.endswith("/share/man/man1/ipython.1") for p in stock["tree"])
    missing = sorted(set(stock["tree"]) - set(image["tree"]))
    extra = sorted(set(image["tree"]) - set(stock["tree"]))
    differ = sorted(p for p in stock["tree"] if p in image["tree"] and stock["tree"][p] != image["tree"][p])
    assert (missing, extra, differ) == ([], [], [])
    # loadPackage marks each package under its name in the lock (stock Pyodide may add other spellings, from a
    # dist-info scan that races the installs); the image marks that name and the lock's key
    lock = json.loads((built_site / "static/pyodide/pyodide-lock.json").read_text())["packages"]
    names = {lock[key]["name"] for key in config["packages"]} | {lock[key]["name"] for key in config["loadPackages"]}
    assert names <= set(stock["loaded"]) and names <= set(image["loaded"])
    assert set(config["packages"]) <= set(image["loaded"])  # the keys, for the site finder
    assert set(image["loaded"].values()) == set(stock["loaded"].values()) == {"default channel"}
    assert guard.attempts == []


def test_a_corrupt_preload_image_falls_back_to_pyodides_loader(page, site_url, guard):
    corrupted = []

    def corrupt(route):
        corrupted.append(route.request.url)
        response = route.fetch()
        body = bytearray(response.body())
        body[len(body) // 2] ^= 0xFF
        route.fulfill(response=response, body=bytes(body))

    page.route("**/static/portinglab/preload/*.pack", corrupt)
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    kernel = notebook_kernel(page)
    state = kernel.json(STATE)
    assert corrupted and state["start"]["prewarmed"] is True
    assert state["preload"]["image"] is False and state["preload"]["reason"], state["preload"]
    out = kernel.json("import IPython, jedi, micropip\n"
                      "print(json.dumps([IPython.__version__, jedi.__version__, type(get_ipython()).__name__]))")
    assert out == ["8.23.0", "0.19.1", "Interpreter"]
    assert guard.attempts == []


# The kernel's memory snapshot (kernelstart/snapshot.js, snapshot_state.py): made on a first visit (here at once; the
# page asks for it 25 s after the first kernel started), restored by the next visits' kernels.
SNAPSHOT_STATE = ("import js, json, random, sqlite3, ssl, sys\n"
                  "import IPython.core.history as history\n"
                  "db = sqlite3.connect(':memory:'); db.execute('create table t (x)'); db.execute('insert into t values (7)')\n"
                  "print(json.dumps({'row': db.execute('select x from t').fetchone()[0], 'ssl': ssl.OPENSSL_VERSION,"
                  " 'history_sqlite3': history.sqlite3 is sqlite3,"
                  " 'deferred': [n for n, m in sys.modules.items() if type(m).__name__ == 'Deferred'],"
                  " 'random': random.random(), 'empties': sys.path.count(''), 'cwd': __import__('os').getcwd()}))")

# changes the one stored snapshot: `bytes` flips a byte (the checksum no longer matches), `build` changes Pyodide's
# build id in its header and stores it again with a valid checksum (Pyodide itself refuses it)
CHANGE_SNAPSHOT_JS = """
async (how) => {
  const S = window.portinglabSnapshot, cache = await caches.open(S.CACHE), keys = await cache.keys();
  if (keys.length !== 1) throw new Error('expected one stored snapshot, found ' + keys.length);
  const response = await cache.match(keys[0]);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (how === 'bytes') {
    bytes[bytes.length >> 1] ^= 0xff;
    await cache.put(keys[0], new Response(bytes, {headers: response.headers}));
  } else {
    bytes[20] ^= 0xff;
    await S.store(keys[0].url, bytes);
  }
  return keys[0].url;
}
"""
STORED_SNAPSHOTS_JS = "async () => (await (await caches.open('portinglab-kernel-snapshot')).keys()).map(r => r.url)"


def make_snapshot(page) -> dict:
    made = page.evaluate("window.__portinglabMakeSnapshot()")
    assert "error" not in made, made
    return made


def test_a_second_visit_starts_the_kernel_from_the_snapshot_the_first_made(page, site_url, built_site, guard):
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    kernel = notebook_kernel(page)
    assert kernel.json(STATE)["start"]["snapshot"] == {"restored": False, "reason": "no snapshot stored"}
    made = make_snapshot(page)
    assert made["bytes"] > 20e6 and "sqlite3" in made["bound"], made
    stored = page.evaluate(STORED_SNAPSHOTS_JS)
    key = json.loads((built_site / "static/portinglab/kernel-prewarm.js").read_text().split("var CONFIG = ", 1)[1]
                     .split(";\n", 1)[0])["snapshot"]
    assert stored == [f"{site_url}static/portinglab/kernel-snapshot/{key}.bin"]
    draws = []
    for _visit in (2, 3):
        open_notebook(page, site_url, "en/01-welcome.ipynb")
        kernel = notebook_kernel(page)
        state = kernel.json(STATE)
        snapshot = state["start"]["snapshot"]
        assert state["start"]["prewarmed"] is True and snapshot["restored"] is True, state
        assert snapshot["rebound"] == made["bound"]
        assert page.evaluate("window.portinglabKernelStart.snapshot.restored") is True
        out = kernel.json(SNAPSHOT_STATE)
        # the deferred modules are the real ones again, wherever the kernel's import bound them
        assert out["row"] == 7 and out["ssl"].startswith("OpenSSL") and out["history_sqlite3"] is True
        assert out["deferred"] == [] and out["empties"] == 1 and out["cwd"] == "/drive/en"
        draws.append(out["random"])
    assert draws[0] != draws[1]  # each restore renews the generator the snapshot holds
    assert_whole_kernel(page, kernel)
    assert "Traceback" not in kernel.run("get_ipython().run_line_magic('who', '')")
    assert guard.attempts == []


@pytest.mark.parametrize("how, reason", [("bytes", "corrupt"), ("build", "build id mismatch")])
def test_a_corrupt_or_refused_snapshot_falls_back_to_a_clean_start(page, site_url, guard, how, reason):
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    make_snapshot(page)
    page.add_script_tag(url=site_url + "static/portinglab/snapshot.js")
    page.evaluate(CHANGE_SNAPSHOT_JS, how)
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    kernel = notebook_kernel(page)
    state = kernel.json(STATE)
    snapshot = state["start"]["snapshot"]
    assert state["start"]["prewarmed"] is True and snapshot["restored"] is False, state
    assert reason in snapshot["reason"].lower(), snapshot
    # a snapshot Pyodide refused failed after the worker had started restoring it: the stock start in that worker
    assert snapshot.get("failed", False) is (how == "build")
    assert page.evaluate(STORED_SNAPSHOTS_JS) == []  # removed: the page makes a new one later
    out = kernel.json(SNAPSHOT_STATE)
    assert out["row"] == 7 and out["deferred"] == [] and out["cwd"] == "/drive/en"
    assert kernel.run("import numpy; print(numpy.arange(5).sum())").strip() == "10"
    assert guard.attempts == []


def test_a_snapshot_that_could_not_be_made_leaves_the_next_visit_a_stock_start(page, site_url, guard):
    # on the context: the snapshot's worker may fetch through the service worker, which a page's routes do not see
    page.context.route("**/static/portinglab/snapshot.js", lambda route: route.fulfill(status=404, body="not found"))
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    made = page.evaluate("window.__portinglabMakeSnapshot()")
    assert "error" in made and made == page.evaluate("window.portinglabKernelStart.snapshotMade"), made
    assert page.evaluate("localStorage.getItem('portinglab-kernel-snapshot')") is None
    assert page.evaluate(STORED_SNAPSHOTS_JS) == []
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    kernel = notebook_kernel(page)
    assert kernel.json(STATE)["start"]["snapshot"] == {"restored": False, "reason": "no snapshot stored"}
    assert kernel.run("import numpy; print(numpy.arange(3).sum())").strip() == "3"
    assert guard.attempts == []
