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

notices: list[str] = []  # every one-line notice printed (tests read them)

#: onnxruntime's severities (0 verbose .. 4 fatal) as onnxruntime-web's `env.logLevel`
LOG_LEVELS = ("verbose", "info", "warning", "error", "fatal")


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


class JsError(Exception):
    """A JavaScript error (onnxruntime-web's), as `Name: message`; the bridge maps it."""


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


class Runtime:
    """onnxruntime-web in this kernel: what is loaded, made once and kept for the kernel's life (a kernel
    restart is a new worker, hence a new `Runtime`). One instance, `RUNTIME`; the module's functions are
    its methods."""

    def __init__(self):
        self.cpu = None  # the CPU bundle's `ort` namespace, once loaded
        self.webgpu = None  # the WebGPU bundle's, once loaded
        self.threads = 0  # the CPU bundle's thread pool (0: not loaded)
        self.memory_box = None  # the watcher of WebAssembly.instantiate: onnxruntime-web's memory
        self.adapter: bool | None = None  # a WebGPU adapter? (asked once)
        self.log_severity = 2  # onnxruntime.set_default_logger_severity (2: warning, onnxruntime's default)
        self._settle = None  # the JS function of `call_settled`

    def call_settled(self, obj, method: str, *args):
        """`obj[method](...args)` as a JS promise that never rejects: `{ok, value | error}`.

        The promise never reaches Python itself: a rejected JS promise handed to Python
        (run_sync, await) is also reported by the kernel's event loop as an unhandled error.
        """
        if self._settle is None:
            import js

            self._settle = js.Function.new(
                "obj", "method", "args",
                "return Promise.resolve().then(() => obj[method](...args))"
                ".then(value => ({ok: true, value}), error => ({ok: false, error}));")
        from ..copies import ffi

        return self._settle(obj, method, ffi("to_js")(list(args), create_pyproxies=False))

    def call_sync(self, obj, method: str, *args, what: str = "onnxruntime"):
        """`obj[method](...args)`'s promised value, synchronously (JSPI); JS errors raise JsError."""
        from pyodide.ffi import run_sync

        require_sync(what)
        return unwrap(run_sync(self.call_settled(obj, method, *args)))

    def ort_cpu(self, requested_threads: int = 0):
        """The `ort` namespace of the CPU bundle (loaded and configured on first use)."""
        if self.cpu is not None:
            return self.cpu
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
        self.capture_memory()
        env.wasm.wasmBinary = wasm
        self.cpu, self.threads = ort, n
        self._apply_log_level(ort)
        return ort

    def capture_memory(self):
        """Start watching WebAssembly.instantiate (before the first session is made)."""
        if self.memory_box is None:
            import js

            self.memory_box = js.Function.new(_CAPTURE_JS)()
        return self.memory_box

    def webgpu_adapter_available(self) -> bool:
        import js

        gpu = getattr(js.navigator, "gpu", None)
        if gpu is None:
            return False
        if self.adapter is None:
            try:
                self.adapter = self.call_sync(gpu, "requestAdapter", what="asking for a WebGPU adapter") is not None
            except Exception:
                self.adapter = False
        return self.adapter

    def ort_webgpu(self):
        """The `ort` namespace of the WebGPU bundle (loaded on first use)."""
        if self.webgpu is not None:
            return self.webgpu
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
        self.webgpu = ort
        self._apply_log_level(ort)
        return ort

    def set_log_severity(self, level: int) -> None:
        """onnxruntime.set_default_logger_severity: onnxruntime-web's `env.logLevel` now and for bundles loaded later."""
        level = int(level)
        if not 0 <= level < len(LOG_LEVELS):
            raise RuntimeError("severity >= 0 && severity <= 4 was false. Invalid logging severity. "
                               "0:Verbose, 1:Info, 2:Warning, 3:Error, 4:Fatal")  # onnxruntime's own error
        self.log_severity = level
        for ort in (self.cpu, self.webgpu):
            if ort is not None:
                self._apply_log_level(ort)

    def _apply_log_level(self, ort) -> None:
        ort.env.logLevel = LOG_LEVELS[self.log_severity]

    def heap_sizes(self) -> dict:
        """Sizes in bytes of the Pyodide heap and onnxruntime-web's wasm memory (for leak checks)."""
        import js
        import pyodide_js

        out = {"pyodide": int(pyodide_js._module.HEAPU8.buffer.byteLength)}
        box = self.memory_box
        if box is not None and box.memory is not None:
            out["ort"] = int(box.memory.buffer.byteLength)
        mem = getattr(js.performance, "memory", None)
        if mem is not None:
            out["js_used"] = int(mem.usedJSHeapSize)
        return out


RUNTIME = Runtime()
call_settled, call_sync = RUNTIME.call_settled, RUNTIME.call_sync
ort_cpu, ort_webgpu, capture_memory = RUNTIME.ort_cpu, RUNTIME.ort_webgpu, RUNTIME.capture_memory
webgpu_adapter_available, heap_sizes = RUNTIME.webgpu_adapter_available, RUNTIME.heap_sizes


def threads() -> int:
    """Threads of onnxruntime-web's CPU pool (0: not loaded yet)."""
    return RUNTIME.threads
