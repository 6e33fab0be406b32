"""Load the vendored onnxruntime-web into the kernel's worker, once, and configure it.

- `ort.wasm.min.js` (CPU, wasm backend) is loaded with `importScripts`; its wasm is
  fetched here (with progress when it takes over a second) and handed over as
  `env.wasm.wasmBinary`, so nothing else is downloaded.
- Threads: several when the page is cross-origin isolated, else one, with a notice.
- `WebGpuExecutionProvider`: `ort.webgpu.min.js` (a separate bundle) when the worker
  has a WebGPU adapter.
"""

from __future__ import annotations

import sys
import time

PACKAGE = "onnxruntime-web"
CPU_BUNDLE = "dist/ort.wasm.min.js"
WEBGPU_BUNDLE = "dist/ort.webgpu.min.js"
CPU_WASM = "dist/ort-wasm-simd-threaded.wasm"
WEBGPU_WASM = "dist/ort-wasm-simd-threaded.asyncify.wasm"
#: default upper bound on threads when cross-origin isolated (onnxruntime-web's own cap is 4)
MAX_THREADS = 4

_state: dict = {}
notices: list[str] = []  # every one-line notice printed (tests read them)


def notice(text: str) -> None:
    """One line on stderr, shown once per kernel."""
    if text in notices:
        return
    notices.append(text)
    print(text, file=sys.stderr)


def can_run_sync() -> bool:
    try:
        from pyodide.ffi import can_run_sync as crs
    except ImportError:  # Pyodide < 0.27
        return False
    return bool(crs())


def call_settled(obj, method: str, *args):
    """`obj[method](...args)` as a JS promise that never rejects: `{ok, value | error}`.

    The promise never reaches Python itself: a rejected JS promise handed to Python
    (run_sync, await) is also reported by the kernel's event loop as an unhandled error.
    """
    if "settle" not in _state:
        import js

        _state["settle"] = js.Function.new(
            "obj", "method", "args",
            "return Promise.resolve().then(() => obj[method](...args))"
            ".then(value => ({ok: true, value}), error => ({ok: false, error}));")
    from ..copies import ffi

    return _state["settle"](obj, method, ffi("to_js")(list(args), create_pyproxies=False))


def unwrap(settled):
    """The value of a settled call, or its error raised as JsError."""
    if settled.ok:
        return settled.value
    err = settled.error
    raise JsError(f"{getattr(err, 'name', 'Error')}: {getattr(err, 'message', err)}")


def require_sync(what: str) -> None:
    if not can_run_sync():
        raise RuntimeError(
            f"{what} needs to wait for onnxruntime-web synchronously, which this browser cannot do here "
            "(no JavaScript Promise Integration, or not called from a cell). Use the awaitable form instead:\n"
            "    outputs = await session.run_async(None, feeds)"
        )


def call_sync(obj, method: str, *args, what: str = "onnxruntime"):
    """`obj[method](...args)`'s promised value, synchronously (JSPI); JS errors raise JsError."""
    from pyodide.ffi import run_sync

    require_sync(what)
    return unwrap(run_sync(call_settled(obj, method, *args)))


class JsError(Exception):
    """A JavaScript error (onnxruntime-web's), as `Name: message`; the bridge maps it."""


def _settle():
    """A JS function turning a promise into one that never rejects: {ok, value | error}
    (a rejection awaited with run_sync is also reported as unhandled by the event loop)."""
    if "settle" not in _state:
        import js

        _state["settle"] = js.Function.new(
            "p", "return Promise.resolve(p).then(value => ({ok: true, value}), error => ({ok: false, error}));")
    return _state["settle"]


def _dist_url(file: str) -> str:
    from ..site import vendor_url

    return vendor_url(PACKAGE, file)


def _fetch_wasm(url: str, label: str):
    """The wasm file as an ArrayBuffer, with progress on stderr if it takes over a second."""
    import js

    started = time.monotonic()
    resp = call_sync(js, "fetch", url, what=f"loading {label}")
    if not resp.ok:
        raise RuntimeError(f"could not load {url}: HTTP {resp.status}")
    total = int(resp.headers.get("content-length") or 0)
    reader = resp.body.getReader()
    chunks, got, shown = [], 0, False
    while True:
        part = call_sync(reader, "read", what=f"loading {label}")
        if part.done:
            break
        chunks.append(part.value)
        got += part.value.length
        if time.monotonic() - started > 1.0:
            shown = True
            of = f" of {total / 1e6:.1f}" if total else ""
            print(f"\r{label}: {got / 1e6:.1f}{of} MB", end="", file=sys.stderr, flush=True)
    buf = js.Uint8Array.new(got)
    pos = 0
    for c in chunks:
        buf.set(c, pos)
        pos += c.length
    if shown:
        print(f"\r{label}: {got / 1e6:.1f} MB in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return buf.buffer


#: wraps WebAssembly.instantiate to remember onnxruntime-web's memory (for heap reports)
_CAPTURE_JS = """
const orig = WebAssembly.instantiate;
const box = {memory: null, restore() { WebAssembly.instantiate = orig; }};
WebAssembly.instantiate = async function (src, imports) {
  const res = await orig.call(WebAssembly, src, imports);
  const inst = res.instance || res;
  for (const v of Object.values(inst.exports || {})) if (v instanceof WebAssembly.Memory) box.memory = v;
  if (!box.memory && imports) for (const ns of Object.values(imports))
    for (const v of Object.values(ns || {})) if (v instanceof WebAssembly.Memory) box.memory = v;
  return res;
};
return box;
"""


def threads_wanted(requested: int = 0) -> int:
    import js

    isolated = bool(getattr(js, "crossOriginIsolated", False))
    cores = int(getattr(js.navigator, "hardwareConcurrency", 1) or 1)
    if not isolated:
        return 1
    return max(1, requested or min(MAX_THREADS, cores))


def ort_cpu(requested_threads: int = 0):
    """The `ort` namespace of the CPU bundle (loaded and configured on first use)."""
    if "cpu" in _state:
        return _state["cpu"]
    import js

    before = getattr(js, "ort", None)
    js.importScripts(_dist_url(CPU_BUNDLE))
    ort = js.ort
    if before is not None and before is not ort:  # keep another bundle's global as it was
        js.ort = before
    env = ort.env
    env.wasm.wasmPaths = _dist_url(CPU_BUNDLE).rsplit("/", 1)[0] + "/"
    env.wasm.proxy = False
    isolated = bool(getattr(js, "crossOriginIsolated", False))
    n = threads_wanted(requested_threads)
    env.wasm.numThreads = n
    if isolated:
        notice(f"onnxruntime (onnxruntime-web {ort.env.versions.web}, wasm): {n} threads "
               "(the page is cross-origin isolated)")
    else:
        notice("onnxruntime: 1 thread: the page is not cross-origin isolated "
               "(serve it with `./portlab serve --isolated` for multi-threaded inference)")
    wasm = _fetch_wasm(_dist_url(CPU_WASM), "onnxruntime-web wasm")
    capture_memory()
    env.wasm.wasmBinary = wasm
    _state["cpu"] = ort
    _state["threads"] = n
    return ort


def capture_memory():
    """Start watching WebAssembly.instantiate (before the first session is made)."""
    import js

    if "box" not in _state:
        _state["box"] = js.Function.new(_CAPTURE_JS)()
    return _state["box"]


def webgpu_adapter_available() -> bool:
    import js

    gpu = getattr(js.navigator, "gpu", None)
    if gpu is None:
        return False
    if "adapter" not in _state:
        try:
            _state["adapter"] = call_sync(gpu, "requestAdapter", what="asking for a WebGPU adapter") is not None
        except Exception:
            _state["adapter"] = False
    return _state["adapter"]


def ort_webgpu():
    """The `ort` namespace of the WebGPU bundle (loaded on first use)."""
    if "webgpu" in _state:
        return _state["webgpu"]
    import js

    before = getattr(js, "ort", None)
    js.importScripts(_dist_url(WEBGPU_BUNDLE))
    ort = js.ort
    if before is not None:
        js.ort = before
    ort.env.wasm.wasmPaths = _dist_url(WEBGPU_BUNDLE).rsplit("/", 1)[0] + "/"
    ort.env.wasm.proxy = False
    ort.env.wasm.numThreads = threads_wanted()
    ort.env.wasm.wasmBinary = _fetch_wasm(_dist_url(WEBGPU_WASM), "onnxruntime-web (WebGPU) wasm")
    _state["webgpu"] = ort
    return ort


def heap_sizes() -> dict:
    """Sizes in bytes of the Pyodide heap and onnxruntime-web's wasm memory (for leak checks)."""
    import js
    import pyodide_js

    out = {"pyodide": int(pyodide_js._module.HEAPU8.buffer.byteLength)}
    box = _state.get("box")
    if box is not None and box.memory is not None:
        out["ort"] = int(box.memory.buffer.byteLength)
    mem = getattr(js.performance, "memory", None)
    if mem is not None:
        out["js_used"] = int(mem.usedJSHeapSize)
    return out


def threads() -> int:
    return _state.get("threads", 0)
