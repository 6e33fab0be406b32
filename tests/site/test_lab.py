"""The built site in a real Chromium, with nothing able to leave the machine."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, cell_outputs, guarded_context, open_notebook, run_all_cells

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("notebook", ["en/01-welcome.ipynb", "zh/01-welcome.ipynb"])
def test_welcome_notebook_runs_numpy_pillow_and_a_widget(page, site_url, guard, notebook):
    open_notebook(page, site_url, notebook)
    run_all_cells(page)
    outputs = cell_outputs(page)
    assert outputs[0].startswith("3.12.7 emscripten wasm32"), outputs
    assert "numpy 2.0.2 66.0" in outputs[1]
    assert "Pillow 10.2.0 (160, 60)" in outputs[2]
    assert page.locator(".jp-OutputArea-output img").count() >= 1  # the PIL image rendered
    assert "ipywidgets 8.1.7" in outputs[3]
    slider = page.locator(".jupyter-widgets.widget-slider")
    slider.wait_for()
    assert "threshold" in slider.inner_text() and "7" in slider.inner_text()
    assert not any("Error" in out or "Traceback" in out for out in outputs), outputs
    # every lab extension's shared packages are satisfied by this JupyterLab
    assert not [m for m in page.console_messages if "Unsatisfied version" in m]
    assert "Pyodide contents will be synced with Jupyter Contents" in "\n".join(page.console_messages)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"welcome-{notebook.split('/')[0]}.png"), full_page=True)
    assert guard.attempts == []


def test_the_guard_sees_and_stops_requests_off_the_machine(page, site_url, guard):
    """The offline guard must be able to fail: a request to another host is caught."""
    page.goto(site_url + "lab/index.html")
    result = page.evaluate(
        "() => fetch('http://example.com/probe').then(() => 'reached', e => 'blocked: ' + e)"
    )
    assert result.startswith("blocked")
    assert guard.attempts == ["http://example.com/probe"]
    guard.attempts.clear()  # seen; the fixture would otherwise fail this test


def test_kernel_needs_no_install_cell_and_finds_the_vendored_libraries(kernel):
    out = kernel.json(
        "import json, numpy, PIL, ipywidgets, portinglab_kernel as plk\n"
        "print(json.dumps({'numpy': numpy.__version__, 'pil': PIL.__version__,"
        " 'widgets': ipywidgets.__version__, 'vendored': plk.vendored(),"
        " 'opencv': plk.vendor_url('@techstark/opencv-js', 'dist/opencv.js')}))"
    )
    assert out["numpy"] == "2.0.2" and out["pil"] == "10.2.0" and out["widgets"] == "8.1.7"
    assert out["vendored"]["onnxruntime-web"]["version"] == "1.30.0"
    assert out["opencv"].endswith("/static/vendor/@techstark/opencv-js/4.12.0-release.1/dist/opencv.js")
    assert out["opencv"].startswith("http://127.0.0.1:")


def test_vendored_opencv_js_and_onnxruntime_web_load_offline_in_the_kernel(kernel):
    """The kernel is a classic worker: importScripts works; both wasm runtimes start offline."""
    out = kernel.json(
        "import json, js\n"
        "import portinglab_kernel as plk\n"
        "js.importScripts(plk.vendor_url('@techstark/opencv-js', 'dist/opencv.js'))\n"
        "js.importScripts(plk.vendor_url('onnxruntime-web', 'dist/ort.wasm.min.js'))\n"
        "print(json.dumps({'cv': str(js.cv.typeof), 'ort': js.ort.env.versions.web}))"
    )
    assert out["ort"] == "1.30.0"
    # opencv.js compiles its embedded wasm asynchronously: wait for cv.Mat without awaiting
    # the Module itself (its non-standard then() makes `await` hang)
    info = kernel.json(
        "import asyncio, json, js\n"
        "for _ in range(1200):\n"
        "    if hasattr(js.cv, 'Mat'):\n"
        "        break\n"
        "    await asyncio.sleep(0.05)\n"
        "m = js.cv.Mat.zeros(3, 4, js.cv.CV_8UC1)\n"
        "shape = [m.rows, m.cols]\n"
        "m.delete()\n"
        "print(json.dumps({'shape': shape, 'build': 'OpenCV 4.12.0' in js.cv.getBuildInformation()}))"
    )
    assert info == {"shape": [3, 4], "build": True}


def test_the_lab_speaks_chinese(page, site_url):
    """Workshops in Chinese: the zh_CN language pack is built in (Settings > Language)."""
    page.goto(site_url + "lab/index.html")
    page.wait_for_selector("li.lm-MenuBar-item:has-text('File')")
    page.evaluate(
        """async () => {
          while (!window.jupyterapp) await new Promise(r => setTimeout(r, 50));
          await window.jupyterapp.restored;
          await window.jupyterapp.serviceManager.settings.save(
            '@jupyterlab/translation-extension:plugin', JSON.stringify({locale: 'zh_CN'}));
        }"""
    )
    page.reload()
    page.wait_for_selector("li.lm-MenuBar-item:has-text('文件')")
    assert page.locator("li.lm-MenuBar-item:has-text('内核')").count() == 1  # Kernel
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lab-zh_CN.png"))


def test_the_kernel_starts_from_shipped_bytecode_and_edited_sources_still_win(kernel):
    """The kernel imports the build's pycs (hash-based: Python's own would be timestamp-based,
    flags 0); a site-packages file edited in the kernel is recompiled, not shadowed by them."""
    out = kernel.json(
        "import importlib, importlib.util, json, sys, zipfile, IPython.core.interactiveshell as m\n"
        "flags = lambda b: int.from_bytes(b[4:8], 'little')\n"
        "shipped = flags(open(importlib.util.cache_from_source(m.__file__), 'rb').read())\n"
        "std = zipfile.ZipFile(sys.modules['asyncio'].__file__.split('.zip')[0] + '.zip')\n"
        "import six\n"
        "open(six.__file__, 'a').write('\\nPORTINGLAB_EDITED = 42\\n')\n"
        "importlib.reload(six)\n"
        "print(json.dumps({'site': shipped, 'stdlib': flags(std.read('asyncio/events.pyc')),"
        " 'edited': getattr(six, 'PORTINGLAB_EDITED', None)}))"
    )
    assert out == {"site": 0b11, "stdlib": 0b01, "edited": 42}


def test_piplite_installs_offline_and_never_falls_back_to_pypi(kernel):
    """`%pip install` works from the site's own wheels; an unknown package fails cleanly."""
    out = kernel.run("%pip install ipywidgets comm\nimport ipywidgets\nprint('ok', ipywidgets.__version__)")
    assert "ok 8.1.7" in out
    missing = kernel.execute("%pip install surely-not-a-package-in-this-site")
    assert "PiplitePyPIDisabled" in missing["error"]["ename"]
    assert missing["error"]["evalue"] == (
        "surely-not-a-package-in-this-site could not be installed: PyPI fallback is disabled")
    assert kernel.run("print(1 + 1)").strip() == "2"  # the kernel is still fine


def test_after_a_visit_the_lab_works_with_the_server_gone(browser, built_site):
    """Workshop Wi-Fi drops, the teacher's laptop sleeps: a second visit still runs Python.

    The service worker's cache (enableServiceWorkerCache) keeps what a visit loads through
    it; the first visit's own page scripts load before it takes control, so they are cached
    from the second visit on (a real browser also has them in its HTTP cache, as they are
    served immutable; Playwright's routing turns the HTTP cache off, so this test cannot).
    """
    from browser import BrowserKernel
    from portinglab.serve import serve_in_thread

    server, url = serve_in_thread(built_site, port=0)
    context, guard = guarded_context(browser)
    page = context.new_page()
    try:
        page.goto(url + "lab/index.html")
        kernel = BrowserKernel(page)
        assert kernel.run("import numpy; print(numpy.__version__)").strip() == "2.0.2"
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.reload()  # second visit, through the service worker
        kernel = BrowserKernel(page)
        assert kernel.run("import numpy; print(numpy.__version__)").strip() == "2.0.2"
        server.shutdown()
        server.server_close()
        page.reload()
        kernel = BrowserKernel(page)
        assert kernel.run("import numpy; print(int(numpy.arange(4).sum()))").strip() == "6"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "offline-second-visit.png"))
    finally:
        context.close()
        server.server_close()
    assert guard.attempts == []
