"""Load opencv.js into the kernel, once, on first `import cv2`.

The kernel is a classic Web Worker, so all of it can be synchronous: load_sync.js
fetches opencv.js with a synchronous XHR and compiles its embedded wasm with
`new WebAssembly.Module` (allowed in workers), and `import cv2` returns a ready
module without suspending the cell (see load_sync.js for why not run_sync). When
the load takes more than a second the user sees progress on stderr: a line before
the compile when it is likely slow, and a line when it is ready.

opencv.js's Module has a non-standard `then` that makes `await cv` hang; it is
deleted once the runtime is up.

Which opencv.js: Porting Lab's own builds (wasm SIMD, more of OpenCV's functions;
docs/opencv-js-build.md) where the site ships them and the browser runs wasm SIMD:
SIMD + threads where the page is cross-origin isolated (`./portlab serve --isolated`),
else SIMD; else the npm build (@techstark/opencv-js). The environment variable
PORTINGLAB_OPENCVJS=simd-threads|simd|npm, set before the first `import cv2`, forces one.
"""

from __future__ import annotations

import json
import os
import sys
import time
from importlib import resources

_state: dict = {}

PROGRESS_AFTER_S = 1.0
TIMEOUT_S = 120.0

#: the opencv.js builds a site may ship, best first: (vendor manifest name, the file the kernel loads)
BUILDS = {
    "simd-threads": ("portinglab/opencv-js-simd-threads", "opencv_js.js"),
    "simd": ("portinglab/opencv-js-simd", "opencv.js"),
    "npm": ("@techstark/opencv-js", "dist/opencv.js"),
}
LABELS = {"simd-threads": "wasm SIMD + threads build", "simd": "wasm SIMD build", "npm": "npm build"}
#: the smallest module using a wasm SIMD instruction (wasm-feature-detect's): validates where SIMD runs
_SIMD_PROBE = bytes([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0,
                     253, 15, 253, 98, 11])


def wasm_simd() -> bool:
    import js
    from pyodide.ffi import to_js

    return bool(js.WebAssembly.validate(to_js(_SIMD_PROBE)))


def choose_build(shipped: dict, forced: str | None, simd: bool, isolated: bool = False) -> str:
    """A key of BUILDS: the build to load, given the site's vendor manifest, PORTINGLAB_OPENCVJS, whether
    the browser runs wasm SIMD and whether the page is cross-origin isolated (threads need
    SharedArrayBuffer)."""
    if forced:
        if forced not in BUILDS:
            raise ImportError(f"PORTINGLAB_OPENCVJS={forced!r}: use one of {', '.join(BUILDS)}")
        if BUILDS[forced][0] not in shipped:
            raise ImportError(f"PORTINGLAB_OPENCVJS={forced!r}: this site does not ship {BUILDS[forced][0]}")
        if forced == "simd-threads" and not isolated:
            raise ImportError("PORTINGLAB_OPENCVJS='simd-threads': the page is not cross-origin isolated "
                              "(serve it with ./portlab serve --isolated)")
        return forced
    runnable = {"simd-threads": simd and isolated, "simd": simd, "npm": True}
    for build, (name, _) in BUILDS.items():
        if name in shipped and runnable[build]:
            return build
    return "npm"


def _sleep(ms: int) -> None:
    import js
    from pyodide.ffi import create_once_callable, run_sync

    run_sync(js.Promise.new(create_once_callable(
        lambda resolve, reject: js.setTimeout(create_once_callable(lambda: resolve(0)), ms))))


def load(progress=None) -> tuple:
    """(cv, H): the opencv.js module and the bridge's JS helpers; loads them on first call."""
    if "H" in _state:
        return _state["cv"], _state["H"]
    import js
    import pyodide_js

    from ..site import vendor_url, vendored

    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    shown = False

    build = choose_build(vendored(), os.environ.get("PORTINGLAB_OPENCVJS"), wasm_simd(),
                         bool(getattr(js, "crossOriginIsolated", False)))
    url = vendor_url(*BUILDS[build])
    timing = {}
    if not (hasattr(js, "cv") and hasattr(js.cv, "Mat")):
        if not _state.get("warned"):
            say(f"cv2: loading opencv.js ({LABELS[build]}, compiled once per kernel) ...")
            _state["warned"] = shown = True
        source = resources.files(__package__).joinpath("load_sync.js").read_text(encoding="utf-8")
        try:
            timing = js.eval(source)(url).to_py()
        except Exception as exc:  # another opencv.js build: its own asynchronous start, waited for below
            say(f"cv2: synchronous load failed ({exc}); falling back to importScripts")
            timing = {"fallback": str(exc)}
            if not hasattr(js, "cv"):
                js.importScripts(url)
    while not hasattr(js.cv, "Mat"):  # only if the synchronous path could not finish it
        if time.perf_counter() - t0 > TIMEOUT_S:
            raise ImportError(f"opencv.js did not start within {TIMEOUT_S:.0f} s ({url})")
        _sleep(10)
    if hasattr(js.cv, "then"):
        js.Reflect.deleteProperty(js.cv, "then")
    cv = js.cv
    if build == "simd-threads":  # OpenCV starts with getNumberOfCPUs() threads, 1 in a worker: use the pool
        set_threads(cv, 0)
    source = resources.files(__package__).joinpath("bridge.js").read_text(encoding="utf-8")
    from ..copies import COUNTER_SLOTS, new_counter

    counter = new_counter()  # bridge.js counts its copies itself (see mats.py)
    from .wire import WIRE_TEXT, ResultArea

    H = js.eval(source)(cv, pyodide_js._module, counter.address, js.JSON.parse(WIRE_TEXT),
                        js.JSON.parse(json.dumps(COUNTER_SLOTS)))
    area = ResultArea(H)  # where bridge.js describes a generic call's results (invoke.py)
    from .files import install_haarcascades

    install_haarcascades()
    _state.update(counter=counter, cv=cv, H=H, area=area, url=url, build=build, seconds=time.perf_counter() - t0, timing=timing)
    if shown and _state["seconds"] > PROGRESS_AFTER_S:
        say(f"cv2: opencv.js ready in {_state['seconds']:.1f} s")
    return cv, H


#: the threads build's pool of workers (PTHREAD_POOL_SIZE in build_js.py's flags)
POOL_SIZE = 4


def set_threads(cv, n: int) -> int:
    """OpenCV's thread count in the threads build: n <= 0 means one per core, up to the pool; -> the count."""
    import js

    cores = int(getattr(js.navigator, "hardwareConcurrency", 1) or 1)
    n = min(POOL_SIZE, cores if n <= 0 else n)
    cv.setNumThreads(n)
    return n


def load_info() -> dict:
    """How the loading went: build ("simd" or "npm"), url, seconds (empty before the first load)."""
    return {k: v for k, v in _state.items() if k in ("build", "url", "seconds", "timing")}


def not_in_loaded_build(js_name: str, func: str):
    """cv2.error (not implemented) when the opencv.js this kernel loaded lacks `js_name` ("name",
    "new:Class" or "Class.method"), which the site's other build has; else None. Read only after a
    call failed, so calls pay nothing for it."""
    cv = _state.get("cv")
    if cv is None or _state.get("build") != "npm":  # the bridge is generated from the SIMD build's registry
        return None
    name = js_name[4:] if js_name.startswith("new:") else js_name.split(".", 1)[0]
    if hasattr(cv, name):
        return None
    from .errors import error

    why = "PORTINGLAB_OPENCVJS chose it" if os.environ.get("PORTINGLAB_OPENCVJS") else "this browser runs no wasm SIMD"
    return error(f"OpenCV(4.12.0) :-1: error: (-213:The function/feature is not implemented) {func} is not in "
                 f"the opencv.js this kernel loaded ({BUILDS['npm'][0]}: {why}); Porting Lab's wasm SIMD "
                 f"build has it in function '{func}'\n", -213, "", func)
