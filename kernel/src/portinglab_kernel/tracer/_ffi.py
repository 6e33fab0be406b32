"""Wrappers around Pyodide's conversion functions (module attribute / type patching).

What is patched (only while tracing is on; `unpatch` restores the originals):
- `pyodide.ffi.to_js`, `pyodide.ffi.create_proxy` (module attributes), and any name in the
  notebook's namespace that is bound to the original (`from pyodide.ffi import to_js` run before
  tracing started);
- the methods `to_py`, `to_bytes`, `to_memoryview`, `to_string`, `assign`, `assign_to` of every
  JsProxy *subtype* (Pyodide makes one heap type per combination of JS type flags; the common ones
  are created at start, the rest are picked up before each cell).
Calls made from the bridges' own modules are not recorded here: the bridges report their copies
at the source with `record_copy`.
"""

from __future__ import annotations

import sys
from time import perf_counter

from ..copies import record_copy

#: modules that report their own copies (no double counting)
BRIDGE_PREFIXES = ("cv2", "onnxruntime", "portinglab_kernel")
METHODS = {  # name -> direction
    "to_py": "js->py", "to_bytes": "js->py", "to_memoryview": "js->py", "to_string": "js->py",
    "assign": "py->js", "assign_to": "js->py",
}
TYPED = {
    "Int8Array": "int8", "Uint8Array": "uint8", "Uint8ClampedArray": "uint8", "Int16Array": "int16",
    "Uint16Array": "uint16", "Int32Array": "int32", "Uint32Array": "uint32", "Float32Array": "float32",
    "Float64Array": "float64", "BigInt64Array": "int64", "BigUint64Array": "uint64", "ArrayBuffer": "uint8",
    "DataView": "uint8",
}


class State:
    """What the patches share with the tracer (set by the tracer)."""

    pending_inexact = False  # the next record is an estimate
    pyproxies = None  # a JS Array collecting the PyProxies created during the current cell


_orig: dict = {}  # (owner, name) -> original
_patched_types: set = set()


def _from_bridge(depth: int = 2) -> bool:
    name = sys._getframe(depth).f_globals.get("__name__", "")
    return name.startswith(BRIDGE_PREFIXES)


def _record(direction, nbytes, api, dtype, shape, seconds, exact=True):
    State.pending_inexact = not exact
    try:
        record_copy(direction, nbytes, api, dtype=dtype, shape=shape, seconds=seconds)
    finally:
        State.pending_inexact = False


def _buffer_info(obj):
    """(bytes, dtype, shape, exact) of a Python object handed to to_js / assign."""
    if isinstance(obj, (bytes, bytearray)):
        return len(obj), "uint8", (len(obj),), True
    if isinstance(obj, str):
        return len(obj.encode("utf-8", "surrogatepass")), "str", None, False
    try:
        mv = memoryview(obj)
    except TypeError:
        try:
            n = len(obj)
        except TypeError:
            return 0, None, None, False
        return 8 * n, None, (n,), False  # a container: element count, bytes estimated
    dtype = getattr(obj, "dtype", None)
    return mv.nbytes, str(dtype) if dtype is not None else mv.format, tuple(mv.shape or ()), True


def _js_info(proxy):
    """(bytes, dtype, shape, exact) of a JS buffer or array behind a JsProxy."""
    try:
        nbytes = proxy.byteLength
    except Exception:
        nbytes = None
    if isinstance(nbytes, int):
        try:
            kind = proxy.constructor.name
        except Exception:
            kind = ""
        length = getattr(proxy, "length", None)
        return nbytes, TYPED.get(kind), ((length,) if isinstance(length, int) else (nbytes,)), True
    length = getattr(proxy, "length", None)
    if isinstance(length, int):
        return 8 * length, None, (length,), False
    return 0, None, None, False


def _wrap_to_js(orig):
    def to_js(obj, *args, **kwargs):
        if _from_bridge():
            return orig(obj, *args, **kwargs)
        nbytes, dtype, shape, exact = _buffer_info(obj)
        if not exact and State.pyproxies is not None and "pyproxies" not in kwargs and len(args) < 3:
            kwargs["pyproxies"] = State.pyproxies  # count the PyProxies it creates (not for buffers)
        t0 = perf_counter()
        result = orig(obj, *args, **kwargs)
        dt = perf_counter() - t0
        if not exact:
            jsb, _, _, jexact = _js_info(result) if hasattr(result, "typeof") else (0, 0, 0, False)
            if jexact:
                nbytes, exact = jsb, True
        _record("py->js", nbytes, "to_js", dtype, shape, dt, exact)
        return result

    to_js.__wrapped__ = orig
    to_js.__doc__ = orig.__doc__
    return to_js


def _wrap_create_proxy(orig):
    def create_proxy(obj, *args, **kwargs):
        proxy = orig(obj, *args, **kwargs)
        if State.pyproxies is not None and not _from_bridge():
            State.pyproxies.push(proxy)
        return proxy

    create_proxy.__wrapped__ = orig
    create_proxy.__doc__ = orig.__doc__
    return create_proxy


def _wrap_method(name, orig, direction):
    if name == "assign":
        def method(self, rhs, /):
            if _from_bridge():
                return orig(self, rhs)
            t0 = perf_counter()
            orig(self, rhs)
            dt = perf_counter() - t0
            nbytes, dtype, shape, exact = _buffer_info(rhs)
            _record(direction, nbytes, name, dtype, shape, dt, exact)
    else:
        def method(self, *args, **kwargs):
            if _from_bridge():
                return orig(self, *args, **kwargs)
            t0 = perf_counter()
            result = orig(self, *args, **kwargs)
            dt = perf_counter() - t0
            nbytes, dtype, shape, exact = _js_info(self)
            _record(direction, nbytes, name, dtype, shape, dt, exact)
            return result

    method.__name__ = name
    method.__wrapped__ = orig
    method.__doc__ = orig.__doc__
    return method


def jsproxy_base():
    import js

    return type(js.Object.new()).__mro__[1]  # the static pyodide.ffi.JsProxy


def warm_types() -> None:
    """Create the JsProxy subtypes of common JS objects now, so they are patched from the start."""
    import js

    for make in (lambda: js.Uint8Array.new(0), lambda: js.Float32Array.new(0), lambda: js.ArrayBuffer.new(0),
                 lambda: js.Array.new(), lambda: js.Object.new(), lambda: js.Map.new(),
                 lambda: js.DataView.new(js.ArrayBuffer.new(0))):
        try:
            make()
        except Exception:
            pass


def patch_types() -> int:
    """Patch the conversion methods of JsProxy subtypes not patched yet; returns how many."""
    n = 0
    for T in jsproxy_base().__subclasses__():
        if T in _patched_types:
            continue
        _patched_types.add(T)
        for name, direction in METHODS.items():
            orig = T.__dict__.get(name)
            if orig is None:
                continue
            _orig[(T, name)] = orig
            setattr(T, name, _wrap_method(name, orig, direction))
        n += 1
    return n


def patch(user_ns: dict | None = None) -> None:
    import pyodide.ffi as ffi

    if ("ffi", "to_js") not in _orig:
        for name, wrap in (("to_js", _wrap_to_js), ("create_proxy", _wrap_create_proxy)):
            orig = getattr(ffi, name)
            _orig[("ffi", name)] = orig
            setattr(ffi, name, wrap(orig))
    if user_ns is not None:  # names imported into the notebook before tracing started
        for key, value in list(user_ns.items()):
            for name in ("to_js", "create_proxy"):
                if value is _orig[("ffi", name)]:
                    user_ns[key] = getattr(ffi, name)
    warm_types()
    patch_types()


def unpatch(user_ns: dict | None = None) -> None:
    import pyodide.ffi as ffi

    for (owner, name), orig in list(_orig.items()):
        if owner == "ffi":
            wrapper = getattr(ffi, name)
            setattr(ffi, name, orig)
            if user_ns is not None:
                for key, value in list(user_ns.items()):
                    if value is wrapper:
                        user_ns[key] = orig
        else:
            setattr(owner, name, orig)
    _orig.clear()
    _patched_types.clear()
