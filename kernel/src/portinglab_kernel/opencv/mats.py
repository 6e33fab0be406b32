"""numpy <-> cv.Mat, one copy each way, straight between the two wasm heaps.

An input array is read from a view of the Pyodide heap at its data pointer and
copied once into a new Mat's data on the opencv.js heap (no `to_js` intermediate);
a result is copied once from the Mat's data into a fresh numpy array. bridge.js times
and counts every copy while someone collects them (in a `copies.Counter` it shares with
this half); the Python half itemizes a copy (`record_counted`, with bridge.js's time) only
while a collector wants it (`copies._detail`), so past a cell's first rows a bridged call
costs the Python side nothing more.
"""

from __future__ import annotations

import numpy as np

from .. import copies as _copies
from ..copies import record_counted, record_two
from .errors import bad_argument, from_tagged
from .loader import _state, load


def _counter() -> _copies.Counter:
    """bridge.js's counts of its copies (made with it, by `load`)."""
    return _state["counter"]

CN_MAX = 512
DEPTH_OF = {
    np.dtype(np.uint8): 0, np.dtype(np.int8): 1, np.dtype(np.uint16): 2, np.dtype(np.int16): 3,
    np.dtype(np.int32): 4, np.dtype(np.float32): 5, np.dtype(np.float64): 6, np.dtype(np.float16): 7,
}
DTYPE_OF = {d: t for t, d in DEPTH_OF.items()}


def mat_type(depth: int, channels: int) -> int:
    return depth + ((channels - 1) << 3)


def pointer(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


def as_mat_array(value, name: str, func: str) -> np.ndarray | None:
    """What opencv-python accepts for a Mat argument, as a C-contiguous array (None: empty Mat).

    Non-contiguous views are accepted (copied contiguous on the Python heap first, as
    opencv-python does); numbers become a 4x1 float64 Scalar, as in opencv-python.
    """
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, int, float, np.number)) and not isinstance(value, (np.bool_,)):
        return np.array([float(value), 0, 0, 0], np.float64).reshape(4, 1)
    elif isinstance(value, (tuple, list)) and value and all(isinstance(v, (int, float, np.number)) for v in value):
        arr = np.asarray(value, dtype=np.float64).reshape(-1, 1)  # a Scalar-like tuple
    else:
        raise bad_argument(func, f"{name} is not a numpy array, neither a scalar",
                           f"Expected Ptr<cv::UMat> for argument '{name}'")
    if arr.dtype in (np.int64, np.uint64):
        # opencv-python takes 64-bit integers as CV_32S, each value cast as C casts it (2**40 -> 0); numpy's
        # astype wraps the same way
        arr = arr.astype(np.int32)
    if arr.dtype not in DEPTH_OF:
        raise bad_argument(func, f"{name} data type = {arr.dtype} is not supported "
                           "(use uint8, int8, uint16, int16, int32, float32, float64 or float16)")
    if arr.ndim > 3 or (arr.ndim == 3 and arr.shape[2] > CN_MAX):
        raise bad_argument(func, f"{name} has {arr.ndim} dimensions {arr.shape}; "
                           f"expected HxW or HxWxC with C <= {CN_MAX}")
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return arr


def geometry(arr: np.ndarray) -> tuple[int, int, int]:
    """(rows, cols, cv type) opencv-python gives an array: HxW, HxWxC, N -> Nx1."""
    depth = DEPTH_OF[arr.dtype]
    if arr.ndim == 3:
        return arr.shape[0], arr.shape[1], mat_type(depth, arr.shape[2])
    if arr.ndim == 2:
        return arr.shape[0], arr.shape[1], depth
    if arr.ndim == 1:
        return arr.shape[0], 1, depth
    return 1, 1, depth  # 0-d


def mat_in(H, arr: np.ndarray | None, api: str, owned: bool = False):
    """A new Mat holding a copy of `arr` (tracked for release unless `owned`)."""
    if arr is None or arr.size == 0:
        return H.empty()
    rows, cols, typ = geometry(arr)
    m = H.matIn(pointer(arr), arr.nbytes, rows, cols, typ, owned)
    if _copies._detail:
        record_counted("py->opencv", arr.nbytes, api, arr.dtype, arr.shape, _counter().last_seconds)
    return m


def array_shape(rows: int, cols: int, typ: int) -> tuple[tuple[int, ...], np.dtype]:
    depth, cn = typ & 7, (typ >> 3) + 1
    shape = (rows, cols) if cn == 1 else (rows, cols, cn)
    return shape, DTYPE_OF[depth]


def mat_out(H, m, api: str, dst: np.ndarray | None = None):
    """The Mat's data as a new numpy array (one copy); None for an empty Mat, as opencv-python."""
    rows, cols, typ, nbytes = H.meta(m).to_py()
    if nbytes == 0:
        return None
    shape, dtype = array_shape(rows, cols, typ)
    if (dst is not None and dst.shape == shape and dst.dtype == dtype and dst.flags.c_contiguous
            and dst.flags.writeable):
        out = dst  # opencv-python writes into a matching dst and returns it
    else:
        out = np.empty(shape, dtype)
    ms = H.matOut(m, pointer(out), nbytes)
    if _copies._detail:
        record_counted("opencv->py", nbytes, api, dtype, shape, ms / 1000)
    return out


# ---------------------------------------------------------------- escape hatch

def to_mat(arr: np.ndarray):
    """A new opencv.js Mat holding a copy of `arr` (one copy). You own it: call `.delete()`."""
    _, H = load()
    a = as_mat_array(arr, "arr", "to_mat")
    if a is None or a.size == 0:
        return H.cv.Mat.new()
    return mat_in(H, a, "to_mat", owned=True)


def from_mat(mat) -> np.ndarray | None:
    """A numpy copy of an opencv.js Mat (one copy); the Mat is left as it is."""
    _, H = load()
    if not mat.isContinuous():
        mat = mat.clone()
        try:
            return mat_out(H, mat, "from_mat")
        finally:
            mat.delete()
    return mat_out(H, mat, "from_mat")


# ---------------------------------------------------------------- fused calls (two crossings)

def unary(H, name: str, src, dst, *args, src_name: str = "src"):
    """One input array, one output array: bridge.js's `unary` + `finish`.

    Returns (retval text, result array). Copies: one in, one out, as the generic path.
    """
    arr = as_mat_array(src, src_name, name)
    if arr is None or arr.size == 0:
        ptr, nbytes, rows, cols, typ = 0, 0, 0, 0, 0
    else:
        rows, cols, typ = geometry(arr)
        ptr, nbytes = pointer(arr), arr.nbytes
    r = H.unary(name, ptr, nbytes, rows, cols, typ, *args)
    if r.startswith("@@"):
        raise from_tagged(r, name)
    try:
        orows, ocols, otyp, onbytes, ms_in, ret = r.split(",")
        onbytes = int(onbytes)
        if not onbytes:
            H.finish(0, 0)
            if _copies._detail and nbytes:
                record_counted("py->opencv", nbytes, name, arr.dtype, arr.shape, float(ms_in) / 1000)
            return ret, None
        shape, dtype = array_shape(int(orows), int(ocols), int(otyp))
        if (dst is not None and isinstance(dst, np.ndarray) and dst.shape == shape and dst.dtype == dtype
                and dst.flags.c_contiguous and dst.flags.writeable):
            out = dst
        else:
            out = np.empty(shape, dtype)
        ms_out = H.finish(pointer(out), onbytes)
        if _copies._detail:  # else bridge.js counted them: nothing to do here
            if nbytes:
                record_two(name, "py->opencv", nbytes, arr.dtype, arr.shape, float(ms_in) / 1000,
                           "opencv->py", onbytes, dtype, shape, ms_out / 1000)
            else:
                record_counted("opencv->py", onbytes, name, dtype, shape, ms_out / 1000)
        return ret, out
    except BaseException:
        H.release()
        raise


def contours(H, image, mode: int, method: int, ox: int, oy: int):
    """findContours: bridge.js's `contours` + `finishContours` (all contours in one copy)."""
    name = "findContours"
    arr = as_mat_array(image, "image", name)
    if arr is None or arr.size == 0:
        ptr, nbytes, rows, cols, typ = 0, 0, 0, 0, 0
    else:
        rows, cols, typ = geometry(arr)
        ptr, nbytes = pointer(arr), arr.nbytes
    r = H.contours(ptr, nbytes, rows, cols, typ, mode, method, ox, oy)
    if r.startswith("@@"):
        raise from_tagged(r, name)
    try:
        if nbytes and _copies._detail:
            record_counted("py->opencv", nbytes, name, arr.dtype, arr.shape, _counter().last_seconds)
        n, total, hrows, hcols = (int(x) for x in r.split(","))
        points = np.empty((total, 1, 2), np.int32)
        counts = np.empty(max(n, 1), np.int32)
        hier = np.empty((hrows, hcols, 4), np.int32) if hrows else None
        ms, ms_hier = H.finishContours(pointer(points), pointer(counts), pointer(hier) if hier is not None else 0,
                                       hier.nbytes if hier is not None else 0).split(",")
        if _copies._detail:
            if points.nbytes:
                record_counted("opencv->py", points.nbytes, name, "int32", points.shape, float(ms) / 1000, bool(nbytes))
            if hier is not None:
                record_counted("opencv->py", hier.nbytes, name, "int32", hier.shape, float(ms_hier) / 1000, True)
        ends = np.cumsum(counts[:n]).tolist()
        starts = [0] + ends[:-1]
        return tuple(points[a:b] for a, b in zip(starts, ends)), hier
    except BaseException:
        H.release()
        raise
