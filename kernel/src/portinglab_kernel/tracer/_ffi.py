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

from .. import copies as _copies
from ..copies import DIRECTIONS, as_copy

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

    #: the tracer's current cell: ``cell.proxies()`` is the JS Array collecting the PyProxies
    #: made during it (made on first use)
    cell = None


_orig: dict = {}  # (owner, name) -> original
_wrappers: dict = {}  # (owner, name) -> the wrapper made once for that original (no re-wrapping)
_patched_types: set = set()
#: memoryview formats -> dtype names (what a typed array's to_py / to_memoryview gives)
FORMATS = {"b": "int8", "B": "uint8", "h": "int16", "H": "uint16", "i": "int32", "I": "uint32",
           "l": "int32", "L": "uint32", "q": "int64", "Q": "uint64", "e": "float16", "f": "float32",
           "d": "float64"}


def _modname_of_globals(depth: int = 0) -> str | None:
    """`sys._getframemodulename` before Python 3.12 (makes frame objects: slower)."""
    try:
        return sys._getframe(depth + 1).f_globals.get("__name__")
    except ValueError:  # past the stack's end
        return None


#: modname(depth): the module of the function `depth` frames up from the caller, found in C
#: (Python >= 3.12: no frame object is made); None past the stack's end
modname = getattr(sys, "_getframemodulename", None) or _modname_of_globals


def _emit(direction, nbytes, api, dtype, shape, seconds, end, exact):
    """Hand one copy made by a conversion to every collector: the copies tracer's cell sink gets
    the raw fields (`add`: it finds the cell's line from the wrapper's caller, 3 frames up from
    it) and is told it has conversions (`ffi`); plain lists (`collect_copies`) a `Copy`."""
    for sink in _copies._sinks:
        if sink.__class__ is list:
            if direction in DIRECTIONS:
                sink.append(as_copy(direction, nbytes, api, dtype, shape, seconds))
        else:
            sink.ffi = True
            sink.add(direction, nbytes, api, dtype, shape, seconds, end, exact, "ffi", 3)


# ------------------------------------------------------------------ sizes, cached per type
# (bytes, dtype, shape, exact) of a Python object handed to to_js / assign / assign_to; the
# function that reads them is chosen once per type. dtype may be a numpy dtype (named later).

def _info_bytes(obj):
    n = len(obj)
    return n, "uint8", (n,), True


def _info_str(obj):
    return len(obj.encode("utf-8", "surrogatepass")), "str", None, False


def _info_ndarray(obj):
    return obj.nbytes, obj.dtype, obj.shape, True


def _info_memoryview(obj):
    return obj.nbytes, FORMATS.get(obj.format, obj.format), obj.shape, True


def _info_other(obj):
    try:
        mv = memoryview(obj)
    except TypeError:
        try:
            n = len(obj)
        except TypeError:
            return 0, None, None, False
        return 8 * n, None, (n,), False  # a container: element count, bytes estimated
    dtype = getattr(obj, "dtype", None)
    return mv.nbytes, dtype if dtype is not None else mv.format, tuple(mv.shape or ()), True


_INFO: dict = {bytes: _info_bytes, bytearray: _info_bytes, str: _info_str, memoryview: _info_memoryview}


def _info_for(cls):
    info = _INFO.get(cls)
    if info is None:
        np = sys.modules.get("numpy")
        if issubclass(cls, (bytes, bytearray)):
            info = _info_bytes
        elif issubclass(cls, str):
            info = _info_str
        elif np is not None and issubclass(cls, np.ndarray):
            info = _info_ndarray
        else:
            info = _info_other
        if np is not None or cls.__module__ != "numpy":  # numpy classes only once numpy is in
            _INFO[cls] = info
    return info


def _buffer_info(obj):
    """(bytes, dtype, shape, exact) of a Python object handed to to_js / assign."""
    return _info_for(obj.__class__)(obj)


def _js_info(proxy):
    """(bytes, dtype, shape, exact) of a JS buffer or array behind a JsProxy (reads JS: slower)."""
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


# ------------------------------------------------------------------ the wrappers
# Each first checks, as cheaply as it can, whether anything listens and who called; then times
# the original and reads the size from what it returned where it can (no calls into JS).

def _wrap_to_js(orig):
    def to_js(obj, *args, **kwargs):
        if not (_copies._sinks and _copies._enabled) or (modname(1) or "").startswith(BRIDGE_PREFIXES):
            return orig(obj, *args, **kwargs)
        cls = obj.__class__
        nbytes, dtype, shape, exact = (_INFO.get(cls) or _info_for(cls))(obj)
        if not exact and State.cell is not None and "pyproxies" not in kwargs and len(args) < 3:
            kwargs["pyproxies"] = State.cell.proxies()  # count the PyProxies it creates (not for buffers)
        t0 = perf_counter()
        result = orig(obj, *args, **kwargs)
        end = perf_counter()
        if not exact:
            jsb, _, _, jexact = _js_info(result) if hasattr(result, "typeof") else (0, 0, 0, False)
            if jexact:
                nbytes, exact = jsb, True
        _emit("py->js", nbytes, "to_js", dtype, shape, end - t0, end, exact)
        return result

    to_js.__wrapped__ = orig
    to_js.__portinglab_wraps__ = orig  # what `copies.unwrapped` gives the bridges
    to_js.__doc__ = orig.__doc__
    return to_js


def _wrap_create_proxy(orig):
    def create_proxy(obj, *args, **kwargs):
        proxy = orig(obj, *args, **kwargs)
        if State.cell is not None and not (modname(1) or "").startswith(BRIDGE_PREFIXES):
            State.cell.proxies().push(proxy)
        return proxy

    create_proxy.__wrapped__ = orig
    create_proxy.__portinglab_wraps__ = orig  # what `copies.unwrapped` gives the bridges
    create_proxy.__doc__ = orig.__doc__
    return create_proxy


def _wrap_method(name, orig, direction):
    if name in ("assign", "assign_to"):  # the size is the Python buffer's
        def method(self, buf, /):
            if not (_copies._sinks and _copies._enabled) or (modname(1) or "").startswith(BRIDGE_PREFIXES):
                return orig(self, buf)
            t0 = perf_counter()
            result = orig(self, buf)
            end = perf_counter()
            cls = buf.__class__
            nbytes, dtype, shape, exact = (_INFO.get(cls) or _info_for(cls))(buf)
            _emit(direction, nbytes, name, dtype, shape, end - t0, end, exact)
            return result
    else:  # to_py, to_bytes, to_memoryview, to_string: the size of what came back
        def method(self, *args, **kwargs):
            if not (_copies._sinks and _copies._enabled) or (modname(1) or "").startswith(BRIDGE_PREFIXES):
                return orig(self, *args, **kwargs)
            if args or kwargs:
                t0 = perf_counter()
                result = orig(self, *args, **kwargs)
            else:  # the common call: no re-packing of arguments
                t0 = perf_counter()
                result = orig(self)
            end = perf_counter()
            cls = result.__class__
            if cls is memoryview:  # a typed array, ArrayBuffer or DataView
                _emit(direction, result.nbytes, name, FORMATS.get(result.format), result.shape, end - t0, end, True)
            elif cls is bytes:
                n = len(result)
                _emit(direction, n, name, "uint8", (n,), end - t0, end, True)
            else:
                nbytes, dtype, shape, exact = _js_info(self)
                _emit(direction, nbytes, name, dtype, shape, end - t0, end, exact)
            return result

    method.__name__ = name
    method.__wrapped__ = orig
    method.__portinglab_wraps__ = orig  # what `copies.unwrapped` gives the bridges
    method.__doc__ = orig.__doc__
    return method


def _wrapper(key, make, *args):
    w = _wrappers.get(key)
    if w is None or w.__wrapped__ is not args[-1]:
        w = _wrappers[key] = make(*args)
    return w


_base: list = []


def jsproxy_base():
    """The static pyodide.ffi.JsProxy type (found once: it costs a call into JS)."""
    if not _base:
        import js

        _base.append(type(js.Object.new()).__mro__[1])
    return _base[0]


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
    subtypes = jsproxy_base().__subclasses__()
    if len(subtypes) == len(_patched_types):  # none new (Pyodide keeps every subtype it made)
        return 0
    n = 0
    for T in subtypes:
        if T in _patched_types:
            continue
        _patched_types.add(T)
        for name, direction in METHODS.items():
            orig = T.__dict__.get(name)
            if orig is None:
                continue
            _orig[(T, name)] = orig
            setattr(T, name, _wrapper((T, name), _wrap_method, name, orig, direction))
        n += 1
    return n


def patch(user_ns: dict | None = None) -> None:
    import pyodide.ffi as ffi

    if ("ffi", "to_js") not in _orig:
        for name, wrap in (("to_js", _wrap_to_js), ("create_proxy", _wrap_create_proxy)):
            orig = getattr(ffi, name)
            _orig[("ffi", name)] = orig
            setattr(ffi, name, _wrapper(("ffi", name), wrap, orig))
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
