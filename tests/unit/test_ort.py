"""The kernel's onnxruntime bridge, its parts that need no browser, against the real onnxruntime (and onnx).

Proves: the error classes are onnxruntime's (names, module, status codes; the text of errors onnxruntime
raises maps back to the same class and text); modelproto.py reads a model's metadata as onnx and
onnxruntime read it (and gives {} for bytes that are not a model); tensors.py's type tables are
onnxruntime's and onnx's; InferenceSession's input checks raise onnxruntime's exceptions with its
messages; SessionOptions / RunOptions / enums / providers hold onnxruntime's defaults; the kernel's
`onnxruntime` package exports onnxruntime's names.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from _kernel import KERNEL_SRC, load, real_ort as ort
from portinglab_kernel.ort import errors, modelproto, session, tensors

CPU = ["CPUExecutionProvider"]
REAL_ERROR = re.compile(r"\[ONNXRuntimeError\] : (\d+) : (\w+) : (.*)", re.S)


def _model(inputs, outputs, nodes, **meta):
    graph = helper.make_graph(nodes, meta.pop("graph_name", "g"), inputs, outputs,
                              doc_string=meta.pop("graph_doc", ""), initializer=meta.pop("initializer", None))
    opsets = meta.pop("opsets", [helper.make_opsetid("", 13)])
    props = meta.pop("props", {})
    model = helper.make_model(graph, opset_imports=opsets, ir_version=meta.pop("ir_version", 8), **meta)
    helper.set_model_props(model, props)
    return model


def add_model() -> onnx.ModelProto:
    """z = x + y, x of shape [2, N], y of shape [2, 1], float."""
    return _model([helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, "N"]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 1])],
                  [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, "N"])],
                  [helper.make_node("Add", ["x", "y"], ["z"])])


# ---------------------------------------------------------------- errors

def test_the_error_classes_are_onnxruntimes():
    from onnxruntime.capi import onnxruntime_pybind11_state as real

    real_names = {n for n in dir(real) if isinstance(getattr(real, n), type) and issubclass(getattr(real, n), Exception)}
    ours = {c.__name__ for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)}
    assert ours == real_names
    for name in ours:
        assert getattr(errors, name).__module__ == "onnxruntime.capi.onnxruntime_pybind11_state"
    assert {cls.__name__ for _, cls in errors.CODES.values()} == real_names - {"DeviceReset"}
    assert [code for code in errors.CODES] == list(range(1, 15))


def _real_errors():
    """(exception, the call) that the real onnxruntime raises, each with its status code in the text."""
    b = add_model().SerializeToString()
    s = ort.InferenceSession(b, providers=CPU)
    x, y = np.ones((2, 3), np.float32), np.ones((2, 1), np.float32)
    calls = [lambda: ort.InferenceSession("/no/such/model.onnx", providers=CPU),
             lambda: ort.InferenceSession(b"garbage", providers=CPU),
             lambda: ort.InferenceSession(b"", providers=CPU),
             lambda: s.run(None, {"x": x, "y": y, "q": x}),
             lambda: s.run(["nope"], {"x": x, "y": y}),
             lambda: s.run(None, {"x": x.astype(np.float64), "y": y}),
             lambda: s.run(None, {"x": x[None], "y": y}),
             lambda: s.run(None, {"x": x, "y": np.ones((3, 1), np.float32)})]
    found = []
    for call in calls:
        try:
            call()
        except Exception as exc:  # noqa: BLE001
            found.append(exc)
    return found


def test_onnxruntime_errors_map_back_to_their_class_and_text():
    found = _real_errors()
    assert len(found) == 8
    for real in found:
        code, name, message = REAL_ERROR.match(str(real)).groups()
        ours = errors.ort_error(int(code), message)
        assert type(ours).__name__ == type(real).__name__ and str(ours) == str(real)
        assert errors.CODES[int(code)][0] == name
        # as onnxruntime-web reports it, thrown through Pyodide as a JsException
        web = errors.from_js(RuntimeError(f"Error: failed to call OrtRun(). ERROR_CODE: {code}, "
                                          f"ERROR_MESSAGE: {message}"))
        assert type(web).__name__ == type(real).__name__ and str(web) == str(real)
    assert type(errors.from_js(TypeError("TypeError: something else"))).__name__ == "Fail"
    assert str(errors.from_js(ValueError("RangeError: x"), default_code=2)).endswith(": 2 : INVALID_ARGUMENT : x")
    assert type(errors.ort_error(99, "?")).__name__ == "Fail"


# ---------------------------------------------------------------- modelproto

def _metadata_models():
    yield add_model()
    yield _model([helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                 [helper.make_node("Mul", ["x", "w"], ["y"])],
                 graph_name="ocr-rec", graph_doc="a graph description ü", producer_name="paddle2onnx",
                 producer_version="1.0", domain="ai.porting.lab", model_version=7, doc_string="described\nmodel",
                 props={"character": "a\nb\n中文", "shape": "[3, 48, 320]", "": "empty key"},
                 opsets=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                 initializer=[helper.make_tensor("w", TensorProto.FLOAT, [1 << 16],
                                                 np.arange(1 << 16, dtype=np.float32))])
    yield _model([], [helper.make_tensor_value_info("c", TensorProto.INT64, [])],
                 [helper.make_node("Constant", [], ["c"], value_int=3)], model_version=(1 << 63) - 1, ir_version=3)


@pytest.mark.parametrize("model", list(_metadata_models()), ids=["add", "paddle-like", "defaults"])
def test_model_metadata_is_what_onnx_and_onnxruntime_read(model):
    data = model.SerializeToString()
    meta = modelproto.model_metadata(data)
    parsed = onnx.load_from_string(data)
    assert meta["ir_version"] == parsed.ir_version and meta["producer_name"] == parsed.producer_name
    assert meta["domain"] == parsed.domain and meta["description"] == parsed.doc_string
    assert meta["graph_name"] == parsed.graph.name and meta["graph_description"] == parsed.graph.doc_string
    assert meta["opsets"] == {o.domain: o.version for o in parsed.opset_import}
    assert meta["custom_metadata_map"] == {p.key: p.value for p in parsed.metadata_props}
    real = ort.InferenceSession(data, providers=CPU).get_modelmeta()
    ours = session.ModelMetadata(meta)
    for attr in ("producer_name", "graph_name", "domain", "description", "graph_description", "version",
                 "custom_metadata_map"):
        assert getattr(ours, attr) == getattr(real, attr), attr


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def test_unknown_fields_of_every_wire_type_are_skipped_as_onnx_skips_them():
    base = add_model().SerializeToString()
    extra = (_varint(100 << 3 | 1) + (12345).to_bytes(8, "little")       # fixed64
             + _varint(101 << 3 | 5) + (678).to_bytes(4, "little")        # fixed32
             + _varint(102 << 3 | 0) + _varint(1 << 40)                   # varint
             + _varint(103 << 3 | 2) + _varint(3) + b"abc")               # length-delimited
    data = extra + base + extra
    assert onnx.load_from_string(data).graph.name == "g"
    assert modelproto.model_metadata(data) == modelproto.model_metadata(base) != {}
    fields = list(modelproto.fields(memoryview(extra)))
    assert [(n, wt) for n, wt, _ in fields] == [(100, 1), (101, 5), (102, 0), (103, 2)]
    assert fields[0][2] == 12345 and fields[1][2] == 678 and fields[2][2] == 1 << 40 and bytes(fields[3][2]) == b"abc"


@pytest.mark.parametrize("data", [b"\x0b", b"\x12\x05ab", b"\x0f" + b"\0" * 8, b"\x12"], ids=["group", "truncated string",
                                                                                           "wire type 7", "no length"])
def test_bytes_that_are_not_a_model_give_no_metadata(data):
    with pytest.raises(Exception):  # noqa: B017 - onnx: DecodeError
        onnx.load_from_string(data)
    assert modelproto.model_metadata(data) == {}


# ---------------------------------------------------------------- tensors: type tables

ELEM = {"float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE, "float16": TensorProto.FLOAT16,
        "int8": TensorProto.INT8, "uint8": TensorProto.UINT8, "int16": TensorProto.INT16, "uint16": TensorProto.UINT16,
        "int32": TensorProto.INT32, "uint32": TensorProto.UINT32, "int64": TensorProto.INT64,
        "uint64": TensorProto.UINT64, "bool": TensorProto.BOOL, "string": TensorProto.STRING}


def test_type_tables_are_onnxruntimes_and_onnxs():
    assert set(tensors.ORT_TYPES) == set(ELEM)
    inputs = [helper.make_tensor_value_info(f"in_{t}", e, [2]) for t, e in ELEM.items()]
    outputs = [helper.make_tensor_value_info(f"out_{t}", e, [2]) for t, e in ELEM.items()]
    nodes = [helper.make_node("Identity", [f"in_{t}"], [f"out_{t}"]) for t in ELEM]
    s = ort.InferenceSession(_model(inputs, outputs, nodes).SerializeToString(), providers=CPU)
    real_types = {a.name[3:]: a.type for a in s.get_inputs()}
    for name, (dtype, onnx_type, _view) in tensors.ORT_TYPES.items():
        assert tensors.ONNX_TYPE[name] == onnx_type == real_types[name]
        assert np.dtype(dtype) == helper.tensor_dtype_to_np_dtype(ELEM[name]) or name == "string"
        if name != "string":
            assert tensors.NUMPY_TO_ORT[np.dtype(dtype)] == name
    feeds = {f"in_{t}": np.array(["a", "b"] if t == "string" else [1, 0], dtype=tensors.ORT_TYPES[t][0]) for t in ELEM}
    outs = s.run(None, feeds)  # the dtypes the tables give are the ones onnxruntime takes and returns
    for (name, arr), out in zip(feeds.items(), outs):
        assert out.dtype == arr.dtype and tensors.onnx_type_of(out) == real_types[name[3:]]


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.uint8, np.bool_, np.float16, np.int64, np.str_, np.bytes_,
                                   np.object_])
def test_the_type_an_array_reports_is_the_one_onnxruntime_reports(dtype):
    s = ort.InferenceSession(add_model().SerializeToString(), providers=CPU)
    x = np.array([[1, 0, 1], [0, 1, 1]]).astype(dtype)
    with pytest.raises(Exception) as real:
        s.run(None, {"x": x, "y": np.ones((2, 1), np.float32)})
    actual = re.search(r"Actual: \((tensor\(\w+\))\)", str(real.value)).group(1)
    assert tensors.onnx_type_of(x) == actual


def test_borrowed_js_objects_are_all_released_once():
    log = []

    class Js:
        def __init__(self, name, fail=False):
            self.name, self.fail = name, fail

        def dispose(self):
            log.append(("dispose", self.name))
            if self.fail:
                raise RuntimeError("already disposed")

        def release(self):
            log.append(("release", self.name))

        def destroy(self):
            log.append(("destroy", self.name))

    held = tensors.Borrowed()
    held.tensors += [Js("t1", fail=True), Js("t2")]
    held.buffers.append(Js("b"))
    held.proxies.append(Js("p"))
    held.release()
    held.release()
    assert log == [("dispose", "t1"), ("dispose", "t2"), ("release", "b"), ("destroy", "p")]


# ---------------------------------------------------------------- InferenceSession's checks, options, providers

def _session_of(real) -> session.InferenceSession:
    """Our session over the inputs and outputs the real one describes (the part of it that needs no browser)."""
    s = object.__new__(session.InferenceSession)
    s._sess, s._pending = object(), None
    s._inputs = [session.NodeArg(a.name, a.type, a.shape) for a in real.get_inputs()]
    s._outputs = [session.NodeArg(a.name, a.type, a.shape) for a in real.get_outputs()]
    s._input_by_name = {a.name: a for a in s._inputs}
    return s


X, Y = np.ones((2, 3), np.float32), np.ones((2, 1), np.float32)
FEEDS = {
    "unknown input": (None, {"x": X, "y": Y, "q": X}),
    "missing input": (None, {"x": X}),
    "double for float": (None, {"x": X.astype(np.float64), "y": Y}),
    "int for float": (None, {"x": X.astype(np.int32), "y": Y}),
    "rank": (None, {"x": X[None], "y": Y}),
    "dims": (None, {"x": X, "y": np.ones((3, 1), np.float32)}),
    "two dims": (None, {"x": X, "y": np.ones((3, 2), np.float32)}),
    "output name": (["nope"], {"x": X, "y": Y}),
    "output not str": ([1], {"x": X, "y": Y}),
    "a string": (None, {"x": "abc", "y": Y}),
    "an int": (None, {"x": 5, "y": Y}),
    "None": (None, {"x": None, "y": Y}),
    "not a mapping": (None, [X, Y]),
    "a list": (None, {"x": [[1, 2, 3], [4, 5, 6]], "y": Y}),
    "free dimension": (["z"], {"x": np.ones((2, 7), np.float32), "y": Y}),
    "non-contiguous": (None, {"x": np.ones((2, 6), np.float32)[:, ::2], "y": Y}),
}


@pytest.mark.parametrize("case", list(FEEDS))
def test_inputs_are_checked_as_onnxruntime_checks_them(case):
    names, feed = FEEDS[case]
    real = ort.InferenceSession(add_model().SerializeToString(), providers=CPU)
    ours = _session_of(real)
    try:
        real.run(names, feed)
        real_exc = None
    except Exception as exc:  # noqa: BLE001
        real_exc = exc
    try:
        _, out_names, feeds = ours._prepare(names, feed, tensors.Borrowed())
        ours_exc = None
    except Exception as exc:  # noqa: BLE001
        ours_exc = exc
    finally:
        ours._sess = None
    if real_exc is None:
        assert ours_exc is None, ours_exc
        assert out_names == [a.name for a in real.get_outputs()] if names is None else names
        for name, (arr, type_) in feeds.items():
            assert arr.flags.c_contiguous and type_ == tensors.NUMPY_TO_ORT[arr.dtype]
            assert np.array_equal(arr, np.asarray(feed[name], np.float32))
        return
    assert type(ours_exc).__name__ == type(real_exc).__name__, (ours_exc, real_exc)
    if case in ("a string", "an int", "None", "output not str"):  # same class; onnxruntime's own longer text
        return
    assert str(ours_exc) == str(real_exc)


def test_a_model_that_cannot_be_read_fails_as_in_onnxruntime(tmp_path):
    for source in (str(tmp_path / "missing.onnx"), str(tmp_path)):
        with pytest.raises(Exception) as real:
            ort.InferenceSession(source, providers=CPU)
        with pytest.raises(Exception) as ours:
            session._load_bytes(source)
        assert type(ours.value).__name__ == type(real.value).__name__ and str(ours.value) == str(real.value)
    with pytest.raises(TypeError, match="Unable to load from type"):
        session._load_bytes(123)
    assert session._load_bytes(bytearray(b"ab")) == (b"ab", "bytes")
    (tmp_path / "m.onnx").write_bytes(b"xyz")
    assert session._load_bytes(tmp_path / "m.onnx") == (b"xyz", str(tmp_path / "m.onnx"))


def test_enums_and_providers_are_onnxruntimes():
    for ours, theirs in [(session.GraphOptimizationLevel, ort.GraphOptimizationLevel),
                         (session.ExecutionMode, ort.ExecutionMode), (session.ExecutionOrder, ort.ExecutionOrder)]:
        assert {m.name: int(m) for m in ours} == {n: int(v) for n, v in theirs.__members__.items()}
    assert session.get_all_providers() == ort.get_all_providers()
    assert session.get_device() == ort.get_device() == "CPU"
    assert session.get_available_providers() == ["CPUExecutionProvider"]  # no browser here: no WebGPU


def test_session_and_run_options_hold_onnxruntimes_defaults():
    for ours, theirs in [(session.SessionOptions(), ort.SessionOptions()), (session.RunOptions(), ort.RunOptions())]:
        public = [n for n in vars(ours) if not n.startswith("_")]
        assert public and all(hasattr(theirs, n) for n in public)
        for name in public:
            if name == "log_severity_level":  # onnxruntime's -1 ("the default": warning) as the level itself
                assert getattr(theirs, name) == -1 and getattr(ours, name) == 2
                continue
            value = getattr(theirs, name)
            assert getattr(ours, name) == (int(value) if hasattr(value, "__int__") and not isinstance(value, bool)
                                           else value), name
    so, real_so = session.SessionOptions(), ort.SessionOptions()
    for options in (so, real_so):
        options.add_session_config_entry("session.use_env_allocators", "1")
        assert options.get_session_config_entry("session.use_env_allocators") == "1"
    ro, real_ro = session.RunOptions(), ort.RunOptions()
    for ours, theirs, get in [(so, real_so, "get_session_config_entry"), (ro, real_ro, "get_run_config_entry")]:
        with pytest.raises(RuntimeError) as real:
            getattr(theirs, get)("no.such.key")
        with pytest.raises(RuntimeError) as mine:
            getattr(ours, get)("no.such.key")
        assert str(mine.value) == str(real.value)


def test_providers_are_chosen_as_onnxruntime_chooses_them(capsys):
    assert session._normalize_providers(None, None) == ["CPUExecutionProvider"]
    assert session._normalize_providers([("CPUExecutionProvider", {})], None) == ["CPUExecutionProvider"]
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        assert session._normalize_providers(["CUDAExecutionProvider"], None) == ["CPUExecutionProvider"]
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        real = ort.InferenceSession(add_model().SerializeToString(), providers=["CUDAExecutionProvider"])
    assert real.get_providers() == ["CPUExecutionProvider"]
    pattern = r"Specified provider 'CUDAExecutionProvider' is not in available provider names\.Available providers: '.*'"
    assert re.fullmatch(pattern, str(ours[0].message)) and re.fullmatch(pattern, str(theirs[0].message))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert session._normalize_providers(["NoSuchProvider"], None) == ["CPUExecutionProvider"]
    assert "EP Error Unknown Provider Type: NoSuchProvider" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Only string values for a provider name are supported"):
        session._normalize_providers([1], None)


def test_node_args_and_shapes_read_as_onnxruntime_gives_them():
    real = ort.InferenceSession(add_model().SerializeToString(), providers=CPU)
    for arg in real.get_inputs() + real.get_outputs():
        ours = session.NodeArg(arg.name, arg.type, arg.shape)
        assert repr(ours) == str(arg)
    # onnxruntime-web's shapes: symbolic names, -1 (sometimes as 2**32 - 1), unknown: as onnxruntime's
    assert session._shape([2, "N", "", -1, 2**32 - 1, 3.0, None]) == [2, "N", None, None, None, 3, None]


def test_the_kernels_onnxruntime_package_has_onnxruntimes_names():
    pkg = load("kernel_onnxruntime", KERNEL_SRC / "onnxruntime" / "__init__.py")
    names = {n for n in vars(pkg) if not n.startswith("_")} - {"capi", "onnxruntime_pybind11_state"}
    assert names <= set(dir(ort)), names - set(dir(ort))
    assert pkg.__version__ == pkg.version == pkg.get_version_string() == ort.__version__ == "1.30.0"
    state = pkg.capi.onnxruntime_pybind11_state
    for name in ("Fail", "InvalidArgument", "NoSuchFile", "InvalidProtobuf", "NotImplemented", "EPFail"):
        assert getattr(state, name) is getattr(errors, name)
    assert pkg.InferenceSession is session.InferenceSession and pkg.SessionOptions is session.SessionOptions
