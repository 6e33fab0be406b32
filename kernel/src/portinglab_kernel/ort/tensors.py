"""numpy arrays <-> onnxruntime-web tensors, with every copy counted.

Input: the ort.Tensor is a typed-array *view* of the numpy array's memory in the
Pyodide heap (a PyBuffer, no copy); onnxruntime-web copies it into its own heap
when it runs: one copy, ``py->ort``.
Output: onnxruntime-web copies each result out of its heap into a fresh typed array
(``ort->js``, its API has no other way), and the bridge copies those bytes straight
into the numpy array it returns (``js->py``). Two copies, neither avoidable.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np

from .. import copies as _copies
from ..copies import ffi, record, tally, unwrapped

#: onnxruntime-web tensor type -> (numpy dtype, onnx type string, PyBuffer view type)
ORT_TYPES = {
    "float32": (np.float32, "tensor(float)", "f32"),
    "float64": (np.float64, "tensor(double)", "f64"),
    "float16": (np.float16, "tensor(float16)", "u16"),
    "int8": (np.int8, "tensor(int8)", "i8"),
    "uint8": (np.uint8, "tensor(uint8)", "u8"),
    "int16": (np.int16, "tensor(int16)", "i16"),
    "uint16": (np.uint16, "tensor(uint16)", "u16"),
    "int32": (np.int32, "tensor(int32)", "i32"),
    "uint32": (np.uint32, "tensor(uint32)", "u32"),
    "int64": (np.int64, "tensor(int64)", "i64"),
    "uint64": (np.uint64, "tensor(uint64)", "u64"),
    "bool": (np.bool_, "tensor(bool)", "u8"),
    "string": (np.object_, "tensor(string)", None),
}
NUMPY_TO_ORT = {np.dtype(v[0]): k for k, v in ORT_TYPES.items() if k != "string"}
ONNX_TYPE = {k: v[1] for k, v in ORT_TYPES.items()}
#: onnx type strings CPython reports for numpy dtypes it is fed (error messages)
NUMPY_TO_ONNX = {np.dtype(v[0]): v[1] for k, v in ORT_TYPES.items() if k != "string"}


def onnx_type_of(arr: np.ndarray) -> str:
    if arr.dtype.kind in "OUS":
        return "tensor(string)"
    return NUMPY_TO_ONNX.get(arr.dtype, f"tensor({arr.dtype})")


class Borrowed:
    """JS objects made for one run; `release()` frees them all."""

    def __init__(self):
        self.buffers, self.tensors, self.proxies = [], [], []

    def release(self):
        for t in self.tensors:
            try:
                t.dispose()
            except Exception:
                pass
        for b in self.buffers:
            b.release()
        for p in self.proxies:
            p.destroy()
        self.buffers.clear()
        self.tensors.clear()
        self.proxies.clear()


def to_ort(ort, name: str, arr: np.ndarray, type_: str, held: Borrowed, api: str):
    """An ort.Tensor over `arr` (already of the right dtype); no copy for numeric data."""
    import js

    to_js, create_proxy = ffi("to_js"), ffi("create_proxy")  # not the tracer's wrappers: counted here
    dims = to_js([int(d) for d in arr.shape])
    if type_ == "string":
        started = _copies._sinks and perf_counter()
        flat = [str(s) if not isinstance(s, bytes) else s.decode() for s in arr.reshape(-1).tolist()]
        data = to_js(flat)
        if started:
            nbytes = sum(len(s.encode()) for s in flat)
            record("py->js", nbytes, api, "str", arr.shape, started)
            record("js->ort", nbytes, api, "str", arr.shape, 0)
    else:
        view = ORT_TYPES[type_][2]
        if arr.size == 0:
            data = getattr(js, {"f32": "Float32Array", "f64": "Float64Array", "u16": "Uint16Array", "i8": "Int8Array",
                                "u8": "Uint8Array", "i16": "Int16Array", "i32": "Int32Array", "u32": "Uint32Array",
                                "i64": "BigInt64Array", "u64": "BigUint64Array"}[view]).new(0)
        else:
            px = create_proxy(arr)
            held.proxies.append(px)
            buf = px.getBuffer(view)
            held.buffers.append(buf)
            data = buf.data
        # onnxruntime-web copies the view into its own heap inside run()
        if _copies._detail:
            record("py->ort", arr.nbytes, api, arr.dtype, arr.shape, 0)
        elif _copies._sinks:  # past the cell's rows: summed only
            tally(1, arr.nbytes)
    tensor = ort.Tensor.new(type_, data, dims)
    held.tensors.append(tensor)
    return tensor


_helpers: dict = {}


def _bytes_view():
    """JS: a tensor's data as a Uint8Array over the same memory (strings: the array itself)."""
    if "bytes" not in _helpers:
        import js

        _helpers["bytes"] = js.Function.new(
            "t", "const d = t.data; return ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : d;")
    return _helpers["bytes"]


def from_ort(tensor, api: str) -> np.ndarray:
    """A numpy array with the tensor's data: one copy, straight into numpy's memory."""
    import js

    type_ = str(tensor.type)
    dims = tuple(int(d) for d in tensor.dims)
    # a bytes view made in JS: Pyodide 0.27 cannot even proxy a Float16Array
    data = _bytes_view()(tensor)
    if type_ == "string":
        started = _copies._sinks and perf_counter()
        out = np.array(list(unwrapped(type(data).to_py)(data)), dtype=object).reshape(dims)
        if started:
            nbytes = sum(len(s.encode()) for s in out.reshape(-1))
            record("ort->js", nbytes, api, "str", dims, 0)
            record("js->py", nbytes, api, "str", dims, started)
        return out
    if type_ not in ORT_TYPES:
        raise TypeError(f"onnxruntime-web returned a tensor of type {type_}, which has no numpy equivalent here")
    dtype = np.dtype(ORT_TYPES[type_][0])
    out = np.empty(dims, dtype)
    # onnxruntime-web made `data` by copying out of its heap
    started = _copies._sinks and perf_counter()
    if out.nbytes:
        unwrapped(type(data).assign_to)(data, out.reshape(-1).view(np.uint8))
    if started:
        if _copies._detail:
            record("ort->js", out.nbytes, api, dtype, dims, 0)
            out.nbytes and record("js->py", out.nbytes, api, dtype, dims, started, True)
        else:  # past the cell's rows: summed only (both copies, the second timed)
            tally(2 if out.nbytes else 1, 2 * out.nbytes, perf_counter() - started)
    return out
