"""Runs inside the kernels (CPython's ipykernel and the site's Pyodide kernel): `portlab parity` sends this file's
text into both, then calls `snapshot()` after each cell; in the lab the kernel imports it (`changed()`, for the
per-cell badges). It describes the values a cell created or changed at top level, the same way everywhere
(`snapshot` as one JSON line after MARKER).

A value is described by kind: numbers, strings, bytes, None (as they are; bytes by length and sha256),
numpy scalars (with their dtype), ndarrays (dtype, shape, sha256 of the bytes, min / max / mean, and the array
itself, np.save'd, when it is at most ARRAY_BYTES), PIL images (as their pixel array), lists / tuples / dicts of
those (up to ITEMS items), and any other object by its type only (modules, functions, classes, sessions: not
compared). Names starting with `_` and the kernel's own names are left out.
"""

import base64
import hashlib
import io
import json
import math
import sys

MARKER = "@@portlab-parity@@"
ARRAY_BYTES = 16 * 1024 * 1024  # an array up to this size travels whole, to be compared elementwise
CELL_BYTES = 64 * 1024 * 1024  # ... and at most this much per cell (the rest: summaries only)
ITEMS = 1000
SKIP_TYPES = ("module", "function", "builtin_function_or_method", "type", "method")

_initial = None
_seen = {}
_budget = [CELL_BYTES]


def _ns():
    from IPython import get_ipython

    return get_ipython().user_ns


def install(existing: bool = True):
    """Leave out the kernel's own names (IPython's hidden ones) and, with `existing`, every name there is now."""
    global _initial
    from IPython import get_ipython

    shell = get_ipython()
    _initial = set(getattr(shell, "user_ns_hidden", {})) | (set(_ns()) if existing else set())


def _float(x):
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def _array(a, kind="ndarray", payload=True):
    import numpy as np

    a = np.asarray(a)
    d = {"kind": kind, "dtype": str(a.dtype), "shape": list(a.shape)}
    if a.dtype.hasobject:
        d["sha256"] = hashlib.sha256(repr(a.tolist()).encode()).hexdigest()
        return d
    data = np.ascontiguousarray(a)
    d["sha256"] = hashlib.sha256(data.tobytes()).hexdigest()
    if a.size and a.dtype.kind in "biuf":
        f = a.astype(np.float64) if a.dtype.kind != "f" else a
        with np.errstate(all="ignore"):
            d["min"], d["max"], d["mean"] = _float(np.nanmin(f)), _float(np.nanmax(f)), _float(np.nanmean(f))
    if payload and a.nbytes <= ARRAY_BYTES and a.nbytes <= _budget[0]:
        _budget[0] -= a.nbytes
        buf = io.BytesIO()
        np.save(buf, data, allow_pickle=False)
        d["npy"] = base64.b64encode(buf.getvalue()).decode("ascii")
    return d


def describe(v, depth=0, payload=True):
    """The description of one value (`payload`: with small arrays whole)."""
    t = type(v)
    name = f"{t.__module__}.{t.__qualname__}" if t.__module__ not in ("builtins", None) else t.__qualname__
    if v is None or isinstance(v, (bool, int, str)):
        return {"kind": "scalar", "type": name, "value": v}
    if isinstance(v, float):
        return {"kind": "scalar", "type": name, "value": _float(v)}
    if isinstance(v, complex):
        return {"kind": "scalar", "type": name, "value": [_float(v.real), _float(v.imag)]}
    if isinstance(v, (bytes, bytearray)):
        return {"kind": "bytes", "type": name, "len": len(v), "sha256": hashlib.sha256(bytes(v)).hexdigest()}
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(v, np.ndarray):
            return _array(v, payload=payload)
        if isinstance(v, np.generic):
            item = v.item()
            value = _float(item) if isinstance(item, float) else item if isinstance(item, (bool, int)) else repr(item)
            return {"kind": "scalar", "type": name, "dtype": str(v.dtype), "value": value}
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(v, pil.Image) and np is not None:
        d = _array(np.asarray(v), "image", payload)
        d["mode"] = v.mode
        return d
    if depth < 4 and isinstance(v, (list, tuple)) and len(v) <= ITEMS:
        return {"kind": "list" if isinstance(v, list) else "tuple", "type": name,
                "items": [describe(x, depth + 1, payload) for x in v]}
    if depth < 4 and isinstance(v, dict) and len(v) <= ITEMS and all(isinstance(k, (str, int)) for k in v):
        return {"kind": "dict", "type": name, "items": {str(k): describe(x, depth + 1, payload) for k, x in v.items()}}
    return {"kind": "object", "type": name}


def changed() -> dict:
    """{name: description} of the names created or changed since the last call."""
    _budget[0] = CELL_BYTES
    ns = _ns()
    out = {}
    for name in list(ns):
        if name.startswith("_") or (_initial is not None and name in _initial):
            continue
        v = ns[name]
        if type(v).__name__ in SKIP_TYPES:
            continue
        d = describe(v, payload=False)  # cheap enough for every name: hashes, no copies
        key = json.dumps(d, sort_keys=True, default=str) if d["kind"] != "object" else f"object:{id(v)}"
        if _seen.get(name) != key:
            _seen[name] = key
            out[name] = describe(v) if d["kind"] != "object" else d
    return out


def snapshot():
    """Print MARKER + `changed()` as JSON."""
    sys.stdout.write(MARKER + json.dumps(changed()) + "\n")
    sys.stdout.flush()


def versions():
    """The runtime and the versions of the packages the comparison is about (those imported)."""
    import platform

    out = {"python": platform.python_version(), "platform": sys.platform}
    for mod in ("numpy", "cv2", "onnxruntime", "PIL", "scipy"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = str(getattr(m, "__version__", "?"))
    sys.stdout.write(MARKER + json.dumps(out) + "\n")
    sys.stdout.flush()
