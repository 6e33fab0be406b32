"""Load opencv.js into the kernel, once, on first `import cv2`.

The kernel is a classic Web Worker, so all of it can be synchronous: load_sync.js
fetches opencv.js with a synchronous XHR and compiles its embedded wasm with
`new WebAssembly.Module` (allowed in workers), and `import cv2` returns a ready
module without suspending the cell (see load_sync.js for why not run_sync). When
the load takes more than a second the user sees progress on stderr: a line before
the compile when it is likely slow, and a line when it is ready.

opencv.js's Module has a non-standard `then` that makes `await cv` hang; it is
deleted once the runtime is up.
"""

from __future__ import annotations

import json

import sys
import time
from importlib import resources

_state: dict = {}

PROGRESS_AFTER_S = 1.0
TIMEOUT_S = 120.0


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

    from ..site import vendor_url

    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    shown = False

    url = vendor_url("@techstark/opencv-js", "dist/opencv.js")
    timing = {}
    if not (hasattr(js, "cv") and hasattr(js.cv, "Mat")):
        if not _state.get("warned"):
            say("cv2: loading opencv.js (10 MB, compiled once per kernel) ...")
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
    source = resources.files(__package__).joinpath("bridge.js").read_text(encoding="utf-8")
    from ..copies import COUNTER_SLOTS, new_counter

    counter = new_counter()  # bridge.js counts its copies itself (see mats.py)
    from .wire import WIRE_TEXT, ResultArea

    H = js.eval(source)(cv, pyodide_js._module, counter.address, js.JSON.parse(WIRE_TEXT),
                        js.JSON.parse(json.dumps(COUNTER_SLOTS)))
    area = ResultArea(H)  # where bridge.js describes a generic call's results (invoke.py)
    from .files import install_haarcascades

    install_haarcascades()
    _state.update(counter=counter, cv=cv, H=H, area=area, url=url, seconds=time.perf_counter() - t0, timing=timing)
    if shown and _state["seconds"] > PROGRESS_AFTER_S:
        say(f"cv2: opencv.js ready in {_state['seconds']:.1f} s")
    return cv, H


def load_info() -> dict:
    """How the loading went: url, seconds (empty before the first load)."""
    return {k: v for k, v in _state.items() if k in ("url", "seconds", "timing")}
