"""The kernel's early start (issue 17, src/portinglab/kernelstart/) in Chromium on the built site.

The page starts the kernel's worker (Pyodide, packages, `import pyodide_kernel`) as it opens; the notebook's
kernel takes it. Proves: that kernel is a full JupyterLite kernel (its notebook's folder in the drive, cv2,
onnxruntime, numpy, ipywidgets, files written by Python seen by the lab, piplite); a restart takes the spare
worker prewarmed after the first kernel (a fresh namespace), a kernel with no spare left starts normally in its
own worker; and a prewarm that failed (its first pyodide.js request refused)
falls back to the stock start in the same worker, still a working kernel; a worker whose script did not load is
never handed to a kernel; a second visit (the service worker registered again) still mounts the drive.
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
         "print(json.dumps({'start': ks.to_py() if ks else None, 'cwd': os.getcwd()}))")


def notebook_kernel(page) -> BrowserKernel:
    page.evaluate(WITHIN_JS)
    return BrowserKernel(page, start_js=NOTEBOOK_KERNEL_JS)


def test_the_notebook_kernel_is_the_prewarmed_worker_and_a_full_kernel(page, site_url, guard):
    open_notebook(page, site_url, "en/01-welcome.ipynb")
    assert page.evaluate("window.portinglabKernelStart") == {"started": True, "taken": True, "reason": "", "spares": 0,
                                                             "takes": 1}
    kernel = notebook_kernel(page)
    state = kernel.json(STATE)
    assert state["start"]["prewarmed"] is True and state["start"]["seconds"] > 0
    assert state["cwd"] == "/drive/en"  # the notebook's folder, as the stock start chdirs
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
    for visit in (1, 2):
        page.goto(site_url + "lab/index.html")
        kernel = BrowserKernel(page)
        state = kernel.json(STATE)
        assert state["start"]["prewarmed"] is True and state["cwd"] == "/drive", (visit, state)
    assert "Pyodide contents will NOT be synced" not in "\n".join(page.console_messages)
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
