"""The generated wrappers' runtime: opencv-python's call forms over bridge.js's generic `invoke`.

A `Function` holds the call forms (overloads) of one opencv-python function, as the generator wrote
them (generated.py). A call tries each form in order, as opencv-python does: bind the arguments to
its parameters, convert each with the converter of its kind (written once per kind, below), and
the first form that takes them all runs; if none does, cv2.error "Overload resolution failed" lists
why each was refused. Running a form is two crossings at most: `invoke` (copy the inputs in, call
opencv.js, describe the results into the result area) and, when there are Mats to bring back,
`collect` (copy each once into a new numpy array, or into the `dst` given, and free every Mat).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import copies as _copies
from ..copies import record_counted
from .errors import bad_argument, error, from_tagged
from .loader import _state, load, not_in_loaded_build
from .mats import DEPTH_OF, array_shape, as_mat_array, geometry, pointer
from .wire import ARG, COUNT_AT, EACH, FIELDS, HEADER, RES_NAMES, STATUS, STRUCT, STRUCT_WIDTH, STRUCTS, WIRE

MISSING = object()
_NUMBER = (int, float, np.integer, np.floating)


class Refused(Exception):
    """This call form does not take these arguments (the next one is tried)."""


# ---------------------------------------------------------------- converters, one per kind

def _int(v, name):
    if isinstance(v, (int, np.integer)):  # bool is an int
        return int(v)
    raise Refused(f"Argument '{name}' is required to be an integer")


def _float(v, name):
    if isinstance(v, _NUMBER) and not isinstance(v, np.bool_):
        return float(v)
    raise Refused(f"Argument '{name}' can't be treated as a number")


def _bool(v, name):
    if isinstance(v, (bool, int, np.integer, np.bool_)):
        return int(bool(v))
    raise Refused(f"Argument '{name}' is required to be a boolean")


def _str(v, name):
    if isinstance(v, str):
        return v
    raise Refused(f"Can't convert object to 'str' for '{name}'")


def _seq(v, name, n=None):
    if isinstance(v, np.ndarray):
        v = v.reshape(-1).tolist()
    if not isinstance(v, Sequence) or isinstance(v, (str, bytes)):
        raise Refused(f"Can't parse '{name}'. Input argument doesn't provide sequence protocol")
    if n is not None and len(v) != n:
        raise Refused(f"Can't parse '{name}'. Expected sequence length {n}, got {len(v)}")
    return v


def _ints(v, name, n):
    try:
        return [_int(x, name) for x in _seq(v, name, n)]
    except Refused as exc:
        raise Refused(f"Can't parse '{name}'. Sequence item has a wrong type ({exc})") from None


def _floats(v, name, n=None):
    try:
        return [_float(x, name) for x in _seq(v, name, n)]
    except Refused as exc:
        raise Refused(f"Can't parse '{name}'. Sequence item has a wrong type ({exc})") from None


def _scalar(v, name):
    if v is None:
        return [0.0, 0.0, 0.0, 0.0]
    if isinstance(v, _NUMBER):
        return [float(v), 0.0, 0.0, 0.0]
    vals = _floats(v, name)
    if len(vals) > 4:
        raise Refused(f"Scalar value for argument '{name}' is longer than 4")
    return vals + [0.0] * (4 - len(vals))


def _mat_fields(arr):
    if arr is None or arr.size == 0:
        return None
    rows, cols, typ = geometry(arr)
    return [pointer(arr), arr.nbytes, rows, cols, typ]


def _mat(v, name, keep):
    """A Mat argument: None -> an empty Mat; an ndarray (or a number / Scalar tuple) -> one copy in."""
    if v is None:
        return [ARG["none"]]
    try:
        arr = as_mat_array(v, name, "")
    except error:
        raise Refused(f"{name} is not a numpy array, neither a scalar") from None
    f = _mat_fields(arr)
    if f is None:
        return [ARG["none"]]
    keep.append(arr)
    return [ARG["mat"], *f]


def _mats(v, name, keep):
    if isinstance(v, np.ndarray):
        v = list(v) if v.ndim == 3 and v.shape[-1] == 2 and v.shape[1] != 1 else [v]
    if not isinstance(v, (list, tuple)):
        raise Refused(f"Can't parse '{name}'. Input argument doesn't provide sequence protocol")
    out = [ARG["mats"], len(v)]
    for i, a in enumerate(v):
        if not isinstance(a, np.ndarray):
            try:
                a = np.asarray(a)
            except Exception:
                raise Refused(f"Can't parse '{name}'. Sequence item with index {i} has a wrong type") from None
        if a.dtype == np.int64 or a.dtype == np.float16 and False:
            a = a.astype(np.int32)
        if a.dtype not in DEPTH_OF:
            raise Refused(f"Can't parse '{name}'. Sequence item with index {i} has a wrong type")
        a = np.ascontiguousarray(a)
        keep.append(a)
        f = _mat_fields(a) or [0, 0, 0, 0, DEPTH_OF[a.dtype]]
        out += f
    return out


def _numbers(v, name, conv):
    vals = _seq(v, name)
    return [len(vals), *(conv(x, name) for x in vals)]


def _pairs(v, name, width, conv):
    arr = np.asarray(v)
    if arr.size % width:
        raise Refused(f"Can't parse '{name}'. Expected items of {width} numbers")
    flat = arr.reshape(-1).tolist()
    return [len(flat) // width, *(conv(x, name) for x in flat)]


def _keypoint_fields(k):
    (x, y), size, angle, response, octave, class_id = k.pt, k.size, k.angle, k.response, k.octave, k.class_id
    return [float(x), float(y), float(size), float(angle), float(response), int(octave), int(class_id)]


def _dmatch_fields(m):
    return [int(m.queryIdx), int(m.trainIdx), int(m.imgIdx), float(m.distance)]


def _records(v, name, fields):
    """A sequence of KeyPoint / DMatch objects -> count, then each one's fields (None: none)."""
    if v is None:
        return [0]
    if not isinstance(v, (list, tuple)):
        raise Refused(f"Can't parse '{name}'. Input argument doesn't provide sequence protocol")
    out = [len(v)]
    try:
        for item in v:
            out += fields(item)
    except (AttributeError, TypeError, ValueError):
        raise Refused(f"Can't parse '{name}'. Sequence item has a wrong type") from None
    return out


def _rrect(v, name):
    try:
        (cx, cy), (w, h), angle = v
    except (TypeError, ValueError):
        raise Refused(f"Can't parse '{name}'. Expected ((cx, cy), (width, height), angle)") from None
    return [_float(cx, name), _float(cy, name), _float(w, name), _float(h, name), _float(angle, name)]


def _term(v, name):
    try:
        t, n, eps = v
    except (TypeError, ValueError):
        raise Refused(f"Can't parse '{name}'. Expected (type, maxCount, epsilon)") from None
    return [_int(t, name), _int(n, name), _float(eps, name)]


def convert(kind: str, conv: str, v, name: str, keep: list) -> list:
    """The wire fields (kind code first) of one argument."""
    code = ARG[kind]
    if kind == "mat":
        return _mat(v, name, keep)
    if kind == "num":
        return [code, _int(v, name) if conv == "int" else _float(v, name)]
    if kind == "bool":
        return [code, _bool(v, name)]
    if kind == "enum":
        return [code, _int(v, name)]
    if kind == "str":
        if conv == "path":  # a file OpenCV opens: copied into opencv.js's file system first (files.py)
            from .files import mirror

            return [code, mirror(_state.get("H") or load()[1], _str(v, name), name)]
        return [code, _str(v, name)]
    if kind in ("size", "point"):
        return [code, *_ints(v, name, 2)]
    if kind == "point2f":
        return [code, *_floats(v, name, 2)]
    if kind == "scalar":
        return [code, *_scalar(v, name)]
    if kind == "rect":
        return [code, *_ints(v, name, 4)]
    if kind == "rrect":
        return [code, *_rrect(v, name)]
    if kind == "term":
        return [code, *_term(v, name)]
    if kind == "mats":
        return _mats(v, name, keep)
    if kind in ("array", "intvec", "floatvec", "doublevec"):
        return [code, *_numbers(v, name, _int if conv == "ints" or kind == "intvec" else _float)]
    if kind == "pointvec":
        return [code, *_pairs(v, name, 2, _int)]
    if kind == "point2fvec":
        return [code, *_pairs(v, name, 2, _float)]
    if kind == "rectvec":
        return [code, *_pairs(v, name, 4, _int)]
    if kind == "strvec":
        return [code, *_numbers(v, name, _str)]
    if kind == "obj":
        handle = getattr(v, "_handle", None)
        if handle is None:
            raise Refused(f"Expected a cv2 object for argument '{name}'")
        return [code, handle]
    if kind == "keypointvec":
        return [code, *_records(v, name, _keypoint_fields)]
    if kind == "dmatchvec":
        return [code, *_records(v, name, _dmatch_fields)]
    raise Refused(f"argument kind {kind!r} unknown")  # a generator/runtime mismatch: the unit tests catch it


def _io(v, name, keep):
    """An array drawn on in place (InputOutputArray): it must be a writable array a Mat can mirror."""
    if not isinstance(v, np.ndarray):
        raise Refused(f"{name} is not a numpy array, neither a scalar")
    if not v.flags.c_contiguous or not v.flags.writeable:
        raise Refused(f"Layout of the output array {name} is incompatible with cv::Mat"
                      + ("" if v.flags.writeable else " (the array is read-only)"))
    if v.dtype not in DEPTH_OF:
        raise Refused(f"{name} data type = {v.dtype} is not supported")
    keep.append(v)
    f = _mat_fields(v)
    return [ARG["io"], *(f or [0, 0, 0, 0, DEPTH_OF[v.dtype]])]


# ---------------------------------------------------------------- results, one shaper per struct

def _struct_value(name: str, f: list):
    if name == "RotatedRect":
        return (f[0], f[1]), (f[2], f[3]), f[4]
    if name == "MinMaxLoc":
        return f[0], f[1], (int(f[2]), int(f[3])), (int(f[4]), int(f[5]))
    if name == "Circle":
        return (f[0], f[1]), f[2]
    if name == "Moments":
        return dict(zip(WIRE["structs"]["Moments"]["fields"], f))
    if name == "TermCriteria":
        return int(f[0]), int(f[1]), f[2]
    if STRUCTS_PY[name] == "ints":
        return tuple(int(x) for x in f)
    return tuple(f)


STRUCTS_PY = {k: v["py"] for k, v in WIRE["structs"].items()}


def _records_classes():
    from .structs import DMatch, KeyPoint

    return {"KeyPoint": lambda x, y, size, angle, response, octave, class_id: KeyPoint(
                x, y, size, angle, response, int(octave), int(class_id)),
            "DMatch": lambda q, t, i, d: DMatch(int(q), int(t), int(i), d)}


RECORDS = _records_classes()
_VEC_DTYPE = {"out_intvec": np.int32, "out_floatvec": np.float32, "out_doublevec": np.float64,
              "vec:IntVector": np.int32, "vec:FloatVector": np.float32, "vec:DoubleVector": np.float64}
_STRUCTS_DTYPE = {"Rect": np.int32, "Point": np.int32, "Point2f": np.float32}


class Variant:
    """One call form of a function (one line of opencv-python's docstring), as generated."""

    __slots__ = ("func", "js", "params", "required", "args", "arities", "ret", "returns", "spread", "form",
                 "index", "ret_struct", "outs", "method", "results")

    def __init__(self, func, js, form, params, required, args, arities, ret, returns, spread=False, method=False):
        self.method = method  # an instance method: opencv.js's object goes first
        self.func, self.js, self.form = func, js, form
        self.params, self.required, self.args = tuple(params), required, tuple(args)
        self.arities, self.ret, self.returns, self.spread = tuple(arities), ret, tuple(returns), spread
        self.index = {p: i for i, p in enumerate(self.params)}
        r = ret or ""
        if r.startswith("struct:"):
            self.ret_struct = STRUCT.get(r[7:], -1)
        elif r == "vec:StringVector":
            self.ret_struct = -2  # bridge.js: a vector of strings
        else:  # vec:RectVector -> Rect, ...; vectors of numbers: -1
            self.ret_struct = STRUCT.get(r[4:-6], -1) if r.startswith("vec:") else -1
        self.outs = [a for a in self.args if a[1] in ("out", "io") or a[1].startswith("out_")]
        # what the results are, in the order bridge.js describes them (made once, used by every call)
        self.results = ([("retval", self.ret)] if self.ret is not None else []) + [(a[0], a[1]) for a in self.outs]

    def bind(self, args: tuple, kwargs: dict) -> dict:
        if len(args) > len(self.params):
            raise Refused(f"{self.func}() takes at most {len(self.params)} arguments ({len(args)} given)")
        bound = dict(zip(self.params, args))
        for k, v in kwargs.items():
            if k not in self.index:
                raise Refused(f"'{k}' is an invalid keyword argument for {self.func}()")
            if k in bound:
                raise Refused(f"Argument given by name ('{k}') and position ({self.index[k] + 1})")
            bound[k] = v
        for i, p in enumerate(self.params[:self.required]):
            if p not in bound:
                raise Refused(f"{self.func}() missing required argument '{p}' (pos {i + 1})")
        return bound

    def pack(self, bound: dict, keep: list) -> tuple[int, list]:
        """(JS arity, flat wire arguments)."""
        last = 0
        for i, (name, kind, conv, default, optional) in enumerate(self.args):
            if name in bound or not optional or kind in ("out", "io") or kind.startswith("out_"):
                last = i + 1
        k = next((a for a in self.arities if a >= last), None)
        if k is None:
            raise Refused(f"opencv.js's {self.js} takes at most {self.arities[-1]} arguments")
        flat = []
        for name, kind, conv, default, optional in self.args[:k]:
            v = bound.get(name, MISSING)
            if kind == "out" or kind.startswith("out_"):
                flat.append(ARG[kind])
                continue
            if kind == "io":  # None or not given: opencv-python makes a new array (as for an output)
                flat += [ARG["out"]] if v is MISSING or v is None else _io(v, name, keep)
                continue
            if v is MISSING or (v is None and kind not in ("mat", "mats", "scalar")):  # None: an empty Mat / Scalar()
                if isinstance(default, dict) and "new" in default:  # an object default: DetectorParameters()
                    v = default_object(default["new"])
                    keep.append(v)
                elif isinstance(default, dict):
                    raise Refused(f"{name}: its default ({default['unknown']}) is not known to the bridge; pass it")
                else:
                    v = default
                if v is None and kind not in ("mat", "mats", "scalar"):
                    raise Refused(f"Argument '{name}' is required")
            flat += convert(kind, conv, v, name, keep)
        return k, flat

    def run(self, H, k: int, flat: list, bound: dict, obj=None):
        area = _state["area"]
        if self.method:
            handle = getattr(obj, "_handle", None)
            if handle is None:
                raise error(f"OpenCV(4.12.0) :-1: error: (-2:Unspecified error) the cv2 object was closed "
                            f"in function '{self.func}'\n", -2, "", self.func)
            flat = [ARG["obj"], handle, *flat]
            k += 1
        H.invoke(self.js, k, self.ret_struct, *flat)
        status, _, needed = area.buf[:3].tolist()
        if status == STATUS["grow"]:
            area.grow(int(needed) * 2)
            status = area.buf[0]
        if status != STATUS["ok"]:
            missing = not_in_loaded_build(self.js, self.func)
            if missing is not None:
                raise missing
            text = str(H.message())
            tag = {STATUS["cv"]: "@@cv@@", STATUS["bind"]: "@@bind@@"}.get(int(status), "@@js@@")
            raise from_tagged(tag + text, self.func)
        return self._results(H, area.buf, bound)

    def _results(self, H, area, bound):
        # one read of the area into a list (indexing a list is much cheaper than numpy scalars)
        buf = area[:int(area[2])].tolist()
        n_items, held, n_copies = int(buf[1]), int(buf[3]), int(buf[4])
        pos = HEADER
        items = []
        for _ in range(n_items):
            kind = RES_NAMES[int(buf[pos])]
            pos += 1
            if kind == "struct":
                s = int(buf[pos])
                w = STRUCT_WIDTH[s]
                items.append(("struct", STRUCTS[s], buf[pos + 1:pos + 1 + w]))
                pos += 1 + w
            elif kind == "structs":
                s, n = int(buf[pos]), int(buf[pos + 1])
                w = STRUCT_WIDTH[s]
                items.append(("structs", STRUCTS[s], area[pos + 2:pos + 2 + n * w].reshape(n, w)))
                pos += 2 + n * w
            elif kind == "structvecs":
                s, n = int(buf[pos]), int(buf[pos + 1])
                w = STRUCT_WIDTH[s]
                pos += 2
                inner = []
                for _ in range(n):
                    m = int(buf[pos])
                    inner.append(area[pos + 1:pos + 1 + m * w].reshape(m, w))
                    pos += 1 + m * w
                items.append(("structvecs", STRUCTS[s], inner))
            else:
                nf = FIELDS[kind]
                fields = buf[pos:pos + nf]
                pos += nf
                each = ()
                if EACH[kind]:
                    cnt = int(fields[COUNT_AT[kind]])
                    each = buf[pos:pos + cnt * EACH[kind]]
                    pos += cnt * EACH[kind]
                items.append((kind, fields, each))
        in_ms = buf[pos:pos + n_copies]
        kinds = {it[0] for it in items}
        strings = list(H.strings().to_py()) if "str" in kinds or "strs" in kinds else None
        objects = H.objects() if "obj" in kinds else None
        # allocate the arrays the pending Mats are copied into (in the order bridge.js described them)
        targets, ptrs, values = [], [], []
        out_args = self.results
        if self.ret is None:
            items = items[1:]  # bridge.js describes the return value first, void included
        for (name, kind), item in zip(out_args, items):
            values.append(self._prepare(name, kind, item, bound, targets, ptrs, strings, objects))
        if held:
            if ptrs or targets:
                H.collect(*ptrs)
            else:
                H.collect()
        if _copies._detail:
            self._record(bound, in_ms, targets, area)
        out = dict(zip([n for n, _ in out_args], values))
        for name, kind, fill, _ in targets:
            if fill is not None:
                out[name] = fill()
        if self.spread:
            vals = out["retval"]
            return vals if len(self.returns) > 1 else vals[0]
        res = tuple(out[r] for r in self.returns)
        return res[0] if len(res) == 1 else (res if res else None)

    def _prepare(self, name, kind, item, bound, targets, ptrs, strings, objects):
        rk = item[0]
        if rk == "none":
            return None
        if rk == "num":
            v = item[1][0]
            r = self.ret or ""
            if name == "retval":
                return int(v) if r == "int" else bool(v) if r == "bool" else float(v)
            return v
        if rk == "str":
            return strings[int(item[1][0])]
        if rk == "strs":
            return tuple(strings[int(i)] for i in item[2])
        if rk == "obj":
            return wrap((self.ret or "obj:").split(":", 1)[1], objects[int(item[1][0])])
        if rk == "struct":
            return _struct_value(item[1], item[2])
        if rk in ("structs", "nums") and not len(item[2]):
            return ()  # opencv-python gives an empty vector as an empty tuple
        if rk in ("structs", "structvecs") and item[1] in RECORDS:
            make = RECORDS[item[1]]
            if rk == "structvecs":
                return tuple(tuple(make(*row) for row in rows.tolist()) for rows in item[2])
            return tuple(make(*row) for row in item[2].tolist())
        if rk == "structs":
            dt = _STRUCTS_DTYPE.get(item[1], np.float64)
            return np.ascontiguousarray(item[2], dtype=dt)
        if rk == "nums":
            dt = _VEC_DTYPE.get(kind if name != "retval" else self.ret, np.float64)
            return np.array(item[2], dt)
        if rk == "mat":
            rows, cols, typ, nbytes = (int(x) for x in item[1])
            if not nbytes:
                ptrs.append(0)
                targets.append((name, kind, None, None))
                return None
            shape, dtype = array_shape(rows, cols, typ)
            given = bound.get(name)
            if (isinstance(given, np.ndarray) and given.shape == shape and given.dtype == dtype
                    and given.flags.c_contiguous and given.flags.writeable):
                out = given  # opencv-python writes into a matching dst / the image drawn on
            else:
                out = np.empty(shape, dtype)
            ptrs.append(pointer(out))
            targets.append((name, kind, None, out))
            return out
        if rk == "matnd":
            typ, nbytes = int(item[1][0]), int(item[1][1])
            _, dtype = array_shape(1, 1, typ)
            cn = (typ >> 3) + 1
            shape = tuple(int(d) for d in item[2]) + ((cn,) if cn > 1 else ())
            out = np.empty(shape, dtype)
            ptrs.append(pointer(out))
            targets.append((name, kind, None, out))
            return out
        if rk == "mats":
            metas = [item[2][i:i + 4] for i in range(0, len(item[2]), 4)]
            total = int(sum(m[3] for m in metas))
            buf = np.empty(total, np.uint8)
            ptrs.append(pointer(buf))

            def split(buf=buf, metas=metas):
                arrays, off = [], 0
                for rows, cols, typ, nb in metas:
                    shape, dtype = array_shape(int(rows), int(cols), int(typ))
                    arrays.append(buf[off:off + int(nb)].view(dtype).reshape(shape))
                    off += int(nb)
                return tuple(arrays)
            targets.append((name, kind, split, buf))
            return None
        raise error(f"unexpected result {rk!r} in {self.func}")

    def _record(self, bound, in_ms, targets, buf):
        """Itemize this call's copies for the copies tracer (only while it wants them)."""
        ms = iter(in_ms)
        for name, kind, *_ in self.args:
            v = bound.get(name)
            if kind in ("mat", "io") and isinstance(v, np.ndarray) and v.size:
                record_counted("py->opencv", v.nbytes, self.func, v.dtype, v.shape, next(ms, 0.0) / 1000)
        for j, (name, kind, fill, arr) in enumerate(targets):
            if arr is not None and arr.nbytes:
                dtype, shape = (None, (arr.nbytes,)) if fill is not None else (arr.dtype, arr.shape)
                record_counted("opencv->py", arr.nbytes, self.func, dtype, shape, float(buf[j]) / 1000)


class Function:
    """An opencv-python function: its call forms, tried in order (as opencv-python resolves overloads)."""

    __bridged__ = True

    def __init__(self, name: str, variants: list[Variant]):
        self.__name__ = self.__qualname__ = name.rsplit(".", 1)[-1]
        self.variants = variants
        # opencv-python raises a TypeError for arguments its one overload refuses, and cv2.error "Overload
        # resolution failed" where there are several: a form with an array argument has a UMat twin
        self.overloaded = len(variants) > 1 or any(a[1] in ("mat", "io", "out", "mats") for a in variants[0].args)
        self.__doc__ = "\n".join(v.form for v in variants) + "\n\nBridged to opencv.js (generated; see docs/cv2-coverage.md)."

    def __repr__(self):
        return f"<built-in function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        return self.call(None, args, kwargs)

    def call(self, obj, args, kwargs):
        H = _state.get("H") or load()[1]
        refused = []
        for v in self.variants:
            keep: list = []
            try:
                bound = v.bind(args, kwargs)
                k, flat = v.pack(bound, keep)
            except Refused as exc:
                refused.append(str(exc))
                continue
            return v.run(H, k, flat, bound, obj)
        if not self.overloaded:
            raise TypeError(refused[0])
        raise bad_argument(self.__name__, *refused)


class Method(Function):
    """A method of a bridged class: bound to the instance whose opencv.js object it calls."""

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        return BoundMethod(self, obj)


class BoundMethod:
    __slots__ = ("__func__", "__self__")

    def __init__(self, func: Method, obj):
        self.__func__, self.__self__ = func, obj

    def __call__(self, *args, **kwargs):
        return self.__func__.call(self.__self__, args, kwargs)

    def __repr__(self):
        return f"<built-in method {self.__func__.__name__} of cv2.{type(self.__self__).__name__} object>"


# ---------------------------------------------------------------- classes

class CvObject:
    """A bridged OpenCV object: it owns its opencv.js object and deletes it on `close()`, on leaving a
    `with` block, or when Python collects it, so loops leak nothing."""

    _ctor: Function | None = None
    _handle = None

    def __init__(self, *args, **kwargs):
        cls = type(self)
        if cls._ctor is None:
            raise TypeError(f"cv2.{cls.__name__}: opencv.js has no constructor for it; make one with a cv2 factory "
                            "(e.g. cv2.ORB_create) - see docs/cv2-coverage.md")
        made = cls._ctor(*args, **kwargs)
        self._handle, made._handle = made._handle, None

    def close(self) -> None:
        """Delete the opencv.js object now (the Python object is then unusable)."""
        h, self._handle = self._handle, None
        if h is not None:
            try:
                h.delete()
            except Exception:  # noqa: BLE001 - already deleted on the JS side
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def __repr__(self):
        return f"< cv2.{type(self).__name__} {hex(id(self))}{'' if self._handle is not None else ' (closed)'}>"


CLASSES: dict[str, type] = {}


def default_object(cpp_class: str):
    """A new object of the bridged class a C++ default names (`DetectorParameters()`), made with no arguments."""
    cls = next((c for n, c in CLASSES.items() if n.rsplit(".", 1)[-1] == cpp_class), None)
    if cls is None:
        raise Refused(f"its default ({cpp_class}()) is not bridged; pass it")
    return cls()


def wrap(name: str, handle):
    """An opencv.js object returned by a call, as an instance of its bridged class (name: opencv-python's)."""
    cls = CLASSES.get(name) or CLASSES.get(name.replace("_", ".", 1)) or CvObject
    obj = object.__new__(cls)
    obj._handle = handle
    return obj


def make_class(name: str, bases: tuple[str, ...], methods: dict[str, list[Variant]]) -> type:
    """A Python class mirroring opencv-python's, its methods over opencv.js's object (bases made first)."""
    base = next((CLASSES[b] for b in bases if b in CLASSES), CvObject)
    ns: dict = {"__module__": "cv2" if "." not in name else "cv2." + name.split(".")[0]}
    ctor = None
    for m, variants in methods.items():
        if m == "__init__":
            ctor = Function(name.rsplit(".", 1)[-1], variants)
        elif variants[0].method:
            ns[m] = Method(m, variants)
        else:
            ns[m] = staticmethod(Function(m, variants))
    cls = type(name.rsplit(".", 1)[-1], (base,), ns)
    if ctor is not None:
        cls._ctor = ctor
    cls.__qualname__ = name.rsplit(".", 1)[-1]
    CLASSES[name] = cls
    return cls
