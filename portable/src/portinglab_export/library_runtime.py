"""The Python half of a library export's worker (`port-worker.js`): shipped into the export as
`port_runtime.py` and run in the worker's Pyodide, never imported on the build side.

The worker hands each call's arguments over as JS values in which arrays, images and bytes are marked
objects (`{portlabKind: "ndarray" | "image" | "bytes", data, ...}`); they enter the Pyodide heap with one
copy each (counted). Results go back as JS values: ndarrays as `{data: TypedArray, shape, dtype}` (one copy
out of the heap each, counted), numpy scalars as numbers, tuples as arrays, bytes as Uint8Array.
"""

from __future__ import annotations

import inspect
import sys
import time
import traceback

#: numpy dtypes a result may carry, by name, as the page gets them (bool as uint8 bytes, dtype "bool")
RESULT_DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64",
                 "bool")
#: image layouts a page may ask for: the channels of the decoded RGBA, in order
IMAGE_FORMATS = {"bgr": (2, 1, 0), "rgb": (0, 1, 2), "rgba": (0, 1, 2, 3), "bgra": (2, 1, 0, 3)}


class Port:
    """The exported functions of one script, and what each call copied."""

    def __init__(self, namespace: dict, names: list[str]):
        missing = [n for n in names if not callable(namespace.get(n))]
        if missing:
            raise RuntimeError(f"the script did not define {', '.join(missing)} when it ran")
        self.functions = {n: namespace[n] for n in names}
        self.stats: dict = {}

    # -- page -> Python
    def _in(self, value, fmt: str):
        from pyodide.ffi import JsArray, JsProxy

        if not isinstance(value, JsProxy):
            return value
        kind = value.portlabKind if value.typeof == "object" and "portlabKind" in value.object_keys() else None
        if kind == "ndarray":
            return self._array(value.data, list(value.shape), str(value.dtype))
        if kind == "image":
            import js
            import numpy as np

            h, w = int(value.height), int(value.width)
            if fmt not in IMAGE_FORMATS:
                raise ValueError(f"imageFormat must be one of {', '.join(IMAGE_FORMATS)}, not {fmt!r}")
            if int(value.data.byteLength) != h * w * 4:
                raise ValueError(f"an RGBA image of {w}×{h} needs {h * w * 4} bytes, its data has {int(value.data.byteLength)}")
            order = IMAGE_FORMATS[fmt]
            out = np.empty((h, w, len(order)), np.uint8)
            # the one copy into the Pyodide heap, channels reordered on the way (port-worker.js: one pass;
            # a numpy reorder after a plain copy costs three times as long)
            js.portlabPixels(value.data, out.__array_interface__["data"][0], len(order), *order, *(0,) * (4 - len(order)))
            self._count("in", out.nbytes)
            return out
        if kind == "bytes":
            data = value.data.to_bytes()
            self._count("in", len(data))
            return data
        if isinstance(value, JsArray):
            return [self._in(v, fmt) for v in value]
        if value.typeof == "object":
            return {str(k): self._in(v, fmt) for k, v in value.object_entries()}
        raise TypeError(f"cannot pass a JavaScript {value.typeof} to Python")

    def _array(self, data, shape: list[int], dtype: str):
        import numpy as np

        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"unknown dtype {dtype!r}") from None
        count = 1
        for n in shape:
            count *= n
        if count * dt.itemsize != int(data.byteLength):
            raise ValueError(f"an array of shape {tuple(shape)} and dtype {dtype} needs {count * dt.itemsize} bytes, "
                             f"its data has {int(data.byteLength)}")
        buf = data.to_bytes() if dt == np.bool_ else data.to_py()  # the one copy into the Pyodide heap
        self._count("in", int(data.byteLength))
        return np.frombuffer(buf, dtype=dt).reshape(shape)

    # -- Python -> page
    def _out(self, value):
        import numpy as np
        from pyodide.ffi import to_js

        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.ndarray):
            a = value
            if a.dtype.name not in RESULT_DTYPES:
                if a.dtype.kind == "f":
                    a = a.astype(np.float32 if a.dtype.itemsize <= 4 else np.float64)
                else:
                    raise TypeError(f"cannot return an array of dtype {a.dtype} to JavaScript")
            name = a.dtype.name
            flat = np.ascontiguousarray(a.view(np.uint8) if name == "bool" else a).reshape(-1)
            data = to_js(flat)  # the one copy out of the Pyodide heap
            self._count("out", int(flat.nbytes))
            return {"portlabKind": "ndarray", "data": data, "shape": list(a.shape), "dtype": name}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = to_js(bytes(value))
            self._count("out", len(value))
            return {"portlabKind": "bytes", "data": data}
        if isinstance(value, (list, tuple)):
            return [self._out(v) for v in value]
        if isinstance(value, dict):
            return {str(k): self._out(v) for k, v in value.items()}
        raise TypeError(f"cannot return a {type(value).__module__}.{type(value).__qualname__} to JavaScript "
                        "(return numbers, strings, lists, dicts, bytes or numpy arrays)")

    def _count(self, way: str, nbytes: int) -> None:
        self.stats[f"bytes_{way}"] += nbytes
        self.stats[f"copies_{way}"] += 1

    async def call(self, name: str, args, kwargs, fmt: str = "bgr"):
        """Run `name(*args, **kwargs)`; -> a JS object: `{value, stats}` or `{error: {name, message, traceback}}`."""
        from pyodide.ffi import to_js
        import js

        self.stats = {"bytes_in": 0, "copies_in": 0, "bytes_out": 0, "copies_out": 0, "python_seconds": 0.0,
                      "bridge_copies": 0, "bridge_bytes": 0}
        copies = sys.modules.get("portinglab_kernel.copies")  # the bridges' counters, when a bridge is loaded
        try:
            fn = self.functions[name]
            py_args = [self._in(a, fmt) for a in args]
            py_kwargs = {str(k): self._in(v, fmt) for k, v in kwargs.object_entries()} if kwargs else {}
            collected = []
            if copies is not None:
                copies.add_sink(collected)
            try:
                t0 = time.perf_counter()
                result = fn(*py_args, **py_kwargs)
                if inspect.isawaitable(result):
                    result = await result
                self.stats["python_seconds"] = time.perf_counter() - t0
            finally:
                if copies is not None:
                    copies.remove_sink(collected)
            self.stats["bridge_copies"] = len(collected)
            self.stats["bridge_bytes"] = sum(c.bytes for c in collected)
            out = {"value": self._out(result), "stats": self.stats}
        except Exception as exc:  # every error goes back to the page as a rejection
            out = {"error": {"name": type(exc).__name__, "message": str(exc),
                             "traceback": "".join(traceback.format_exception(exc))}}
        return to_js(out, dict_converter=js.Object.fromEntries, create_pyproxies=False)

    async def direct(self, name: str, args, kwargs, repeat: int, fmt: str = "bgr") -> float:
        """Seconds per call of the function itself, arguments converted once (the benchmark's baseline).
        A coroutine like `call`, so that a bridge may wait for onnxruntime-web synchronously in it."""
        fn = self.functions[name]
        self.stats = {"bytes_in": 0, "copies_in": 0, "bytes_out": 0, "copies_out": 0}
        py_args = [self._in(a, fmt) for a in args]
        py_kwargs = {str(k): self._in(v, fmt) for k, v in kwargs.object_entries()} if kwargs else {}
        t0 = time.perf_counter()
        for _ in range(repeat):
            result = fn(*py_args, **py_kwargs)
            if inspect.isawaitable(result):
                await result
        return (time.perf_counter() - t0) / repeat
