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


def await_sync(promise, what: str):
    """The value of a JS promise, synchronously (needs JSPI)."""
    from pyodide.ffi import run_sync

    if not can_run_sync():
        raise RuntimeError(
            f"{what} needs to wait for onnxruntime-web synchronously, which this browser cannot do here "
            "(no JavaScript Promise Integration, or not called from a cell). Use the awaitable form instead:\n"
            "    outputs = await session.run_async(None, feeds)"
        )
    return run_sync(promise)


def _dist_url(file: str) -> str:
    from ..site import vendor_url

    return vendor_url(PACKAGE, file)


def _fetch_wasm(url: str, label: str):
    """The wasm file as an ArrayBuffer, with progress on stderr if it takes over a second."""
    import js

    started = time.monotonic()
    resp = await_sync(js.fetch(url), f"loading {label}")
    if not resp.ok:
        raise RuntimeError(f"could not load {url}: HTTP {resp.status}")
    total = int(resp.headers.get("content-length") or 0)
    reader = resp.body.getReader()
    chunks, got, shown = [], 0, False
    while True:
        part = await_sync(reader.read(), f"loading {label}")
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
            _state["adapter"] = await_sync(gpu.requestAdapter(), "asking for a WebGPU adapter") is not None
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
