"""ONNX backend test cases through `import onnxruntime` in the browser vs native onnxruntime.

The node test data ships with the `onnx` package (models plus input/output .pb files).
Every case native onnxruntime 1.30 can load is a candidate; the subset here is the small
ones (by size, all op types), run in bulk: one zip written into the kernel, one cell runs
them all and returns a JSON summary. Expected outputs are compared with the backend
tests' tolerances (rtol 1e-3, atol 1e-7). Counts are reported next to native's.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as cort
import pytest
from onnx import numpy_helper

from portinglab import paths

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
SUITES = ("node", "simple", "pytorch-operator", "pytorch-converted")
MAX_CASE_BYTES = 48_000
RTOL, ATOL = 1e-3, 1e-7
REPORT = paths.ROOT / "test-artifacts" / "onnx-conformance.json"


def _load_pb(path: Path):
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return t


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    if want.dtype.kind in "fc":
        return bool(np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True))
    return bool(np.array_equal(got, want))


def _cases():
    """(name, model bytes, {input: array}, [expected arrays]) of small tensor-only cases."""
    for suite in SUITES:
        for case in sorted((DATA / suite).iterdir()):
            model_file = case / "model.onnx"
            sets = sorted(case.glob("test_data_set_0"))
            if not model_file.exists() or not sets:
                continue
            files = [model_file, *sets[0].glob("*.pb")]
            if sum(f.stat().st_size for f in files) > MAX_CASE_BYTES:
                continue
            model = onnx.load_model_from_string(model_file.read_bytes())
            if any(not vi.type.HasField("tensor_type") for vi in [*model.graph.input, *model.graph.output]):
                continue  # sequences, maps, optionals: not tensors
            init = {i.name for i in model.graph.initializer}
            ins = [vi.name for vi in model.graph.input if vi.name not in init]
            try:
                inputs = {n: numpy_helper.to_array(_load_pb(sets[0] / f"input_{i}.pb")) for i, n in enumerate(ins)}
                outputs = [numpy_helper.to_array(_load_pb(sets[0] / f"output_{i}.pb"))
                           for i in range(len(model.graph.output))]
            except Exception:
                continue
            if any(a.dtype.kind not in "fiub" and a.dtype != object for a in [*inputs.values(), *outputs]):
                continue
            if any(a.dtype.kind == "f" and a.dtype.itemsize < 2 for a in [*inputs.values(), *outputs]):
                continue  # float8 etc.: no numpy dtype on the kernel side
            if any(a.dtype.name not in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                         "uint16", "uint32", "uint64", "bool", "object")
                   for a in [*inputs.values(), *outputs]):
                continue
            yield f"{suite}/{case.name}", model_file.read_bytes(), inputs, outputs


def _native(model: bytes, inputs, outputs) -> str:
    try:
        s = cort.InferenceSession(model, providers=["CPUExecutionProvider"])
    except Exception:
        return "unsupported"
    try:
        got = s.run(None, inputs)
    except Exception:
        return "error"
    return "pass" if len(got) == len(outputs) and all(_close(g, w) for g, w in zip(got, outputs)) else "fail"


@pytest.fixture(scope="module")
def subset():
    """The cases native onnxruntime loads, with its verdict, packed as one zip."""
    cort.set_default_logger_severity(4)
    native, buf = {}, io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, model, inputs, outputs in _cases():
            verdict = _native(model, inputs, outputs)
            if verdict == "unsupported":  # e.g. IR / opset newer than onnxruntime 1.30
                continue
            native[name] = verdict
            zf.writestr(f"{name}/model.onnx", model)
            arrays = io.BytesIO()
            np.savez(arrays, **{f"in:{k}": v for k, v in inputs.items()},
                     **{f"out:{i}": v for i, v in enumerate(outputs)})
            zf.writestr(f"{name}/data.npz", arrays.getvalue())
    return native, buf.getvalue()


KERNEL_RUNNER = """
import io, json, time, zipfile, warnings, numpy as np, onnxruntime as ort
RTOL, ATOL = {rtol!r}, {atol!r}
def close(got, want):
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    if want.dtype.kind in 'fc':
        return bool(np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True))
    return bool(np.array_equal(got, want))
zf = zipfile.ZipFile(io.BytesIO(bytes(conformance_zip)))
names = sorted({{n.rsplit('/', 1)[0] for n in zf.namelist()}})
res, started = {{}}, time.time()
for name in names:
    d = np.load(io.BytesIO(zf.read(name + '/data.npz')), allow_pickle=True)
    inputs = {{k[3:]: d[k] for k in d.files if k.startswith('in:')}}
    outputs = [d[f'out:{{i}}'] for i in range(sum(k.startswith('out:') for k in d.files))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            s = ort.InferenceSession(zf.read(name + '/model.onnx'))
    except Exception as e:
        res[name] = ['unsupported', type(e).__name__ + ': ' + str(e)[:200]]
        continue
    try:
        got = s.run(None, inputs)
        ok = len(got) == len(outputs) and all(close(g, w) for g, w in zip(got, outputs))
        res[name] = ['pass' if ok else 'fail', '' if ok else repr([(g.dtype, g.shape) for g in got])[:200]]
    except Exception as e:
        res[name] = ['error', type(e).__name__ + ': ' + str(e)[:200]]
    finally:
        s.release()
print(json.dumps({{'res': res, 'seconds': time.time() - started}}))
"""


def test_onnx_backend_node_cases_match_native(module_kernel, subset):
    native, blob = subset
    assert len(native) >= 300, len(native)
    ops = {n.split("/")[1].removeprefix("test_").split("_")[0] for n in native}
    assert len(ops) >= 100, len(ops)
    # the zip goes over in chunks of base64 (a few MB per message)
    text = base64.b64encode(blob).decode()
    module_kernel.run("conformance_zip = bytearray()")
    step = 4_000_000
    for i in range(0, len(text), step):
        module_kernel.run(f"import base64\nconformance_zip += base64.b64decode({text[i:i + step]!r})")
    out = module_kernel.json(KERNEL_RUNNER.format(rtol=RTOL, atol=ATOL))
    res = out["res"]
    assert set(res) == set(native)
    counts = {
        side: {v: sum(1 for r in verdicts.values() if r == v) for v in ("pass", "fail", "error", "unsupported")}
        for side, verdicts in (("native", native), ("browser", {k: v[0] for k, v in res.items()}))
    }
    regressions = {k: res[k] for k in native if native[k] == "pass" and res[k][0] != "pass"}
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"cases": len(native), "op_types": len(ops), "counts": counts,
                                  "seconds_in_browser": out["seconds"], "browser_not_native": regressions,
                                  "browser": res, "native": native}, indent=1, ensure_ascii=False))
    print(f"\nONNX backend cases: {len(native)} ({len(ops)} op types); native {counts['native']}; "
          f"browser {counts['browser']}; {out['seconds']:.1f} s in the browser")
    # onnxruntime-web is onnxruntime's own CPU kernels compiled to wasm: what native
    # passes, the bridge passes, but for a few recorded differences
    assert len(regressions) <= max(3, len(native) // 100), regressions
    assert counts["browser"]["pass"] >= counts["native"]["pass"] - len(regressions)
