"""The copies tracer in the site's real Pyodide kernel (Chromium): exact bytes, directions,
cell lines, proxies, hints, on/off; every message it sends validates against its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).parents[2] / "kernel/src/portinglab_kernel/tracer/report.schema.json")
                    .read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
ROWS = SCHEMA["$defs"]["set_rows"]["properties"]["rows"]["default"]  # copies itemized per cell by default
VERSION = SCHEMA["$defs"]["state_message"]["properties"]["version"]["const"]

LAST_REPORT = """
import json, portinglab_kernel.tracer as _t
print(json.dumps([r for r in _t.reports() if r["type"] == "cell"][-1]))
"""
ALL_MESSAGES = "import json, portinglab_kernel.tracer as _t\nprint(json.dumps(_t.reports()))"


@pytest.fixture(scope="module")
def traced(module_kernel):
    module_kernel.run("import portinglab_kernel.tracer as tracer\ntracer.start(comm=False)\n"
                      "import numpy as np, js\nfrom pyodide.ffi import to_js, create_proxy")
    return module_kernel


def last_report(kernel) -> dict:
    report = kernel.json(LAST_REPORT)
    VALIDATOR.validate(report)
    return report


def test_to_js_of_a_1mib_float32_array(traced):
    traced.run("a = np.zeros(262144, np.float32)\n\nx = to_js(a)\n")
    report = last_report(traced)
    assert [(c["direction"], c["bytes"], c["api"], c["dtype"], c["shape"], c["line"], c["exact"])
            for c in report["copies"]] == [("py->js", 1048576, "to_js", "float32", [262144], 3, True)]
    assert report["totals"]["bytes"] == 1048576 and report["totals"]["count"] == 1
    assert [h["code"] for h in report["hints"]] == ["to_js-large-buffer"]


def test_to_py_and_friends_of_a_uint8array(traced):
    traced.run("u = js.Uint8Array.new(1000)\nm = u.to_py()\nb = u.to_bytes()\nv = u.to_memoryview()\n"
               "buf = bytearray(1000)\nu.assign_to(buf)\nu.assign(bytes(1000))")
    report = last_report(traced)
    rows = [(c["direction"], c["bytes"], c["api"], c["dtype"], c["line"]) for c in report["copies"]]
    assert rows == [("js->py", 1000, "to_py", "uint8", 2), ("js->py", 1000, "to_bytes", "uint8", 3),
                    ("js->py", 1000, "to_memoryview", "uint8", 4), ("js->py", 1000, "assign_to", "uint8", 6),
                    ("py->js", 1000, "assign", "uint8", 7)]


def test_conversion_in_a_loop_and_proxies_alive(traced):
    traced.run("f = js.Float32Array.new(4)\nfor i in range(12):\n    f.to_py()\n"
               "keep = create_proxy(lambda: 1)\ngone = create_proxy(lambda: 2)\ngone.destroy()")
    report = last_report(traced)
    assert report["totals"] == {**report["totals"], "count": 12, "bytes": 12 * 16}
    assert {c["line"] for c in report["copies"]} == {3}
    assert report["proxies"] == {"created": 2, "alive": 1}
    assert {h["code"]: h["params"] for h in report["hints"]} == {
        "conversion-in-loop": {"api": "to_py", "count": 12, "line": 3}, "proxies-alive": {"alive": 1}}


def test_names_imported_before_tracing_are_rebound(traced):
    assert traced.run("import pyodide.ffi\nprint(to_js is pyodide.ffi.to_js, hasattr(to_js, '__wrapped__'))") \
        == "True True\n"


def test_switching_off_removes_every_patch(traced):
    traced.run("tracer.set_enabled(False)")
    out = traced.run("import pyodide.ffi, _pyodide_core\n"
                     "print(pyodide.ffi.to_js is _pyodide_core.to_js, to_js is _pyodide_core.to_js,\n"
                     "      hasattr(type(js.Uint8Array.new(1)).to_py, '__wrapped__'))\n"
                     "y = to_js(np.zeros(10, np.float32))")
    assert out == "True True False\n"
    messages = traced.json(ALL_MESSAGES)
    assert messages[-1] == {"schema": "portinglab.copies", "version": VERSION, "type": "state", "enabled": False}
    assert not any(m["type"] == "cell" and any(c["bytes"] == 40 for c in m["copies"]) for m in messages)
    traced.run("tracer.set_enabled(True)")


def test_cv2_resize_1080p(traced):
    try:
        traced.run("import cv2")
    except AssertionError as e:
        pytest.skip(f"the cv2 bridge does not import here: {e}")
    traced.run("img = np.zeros((1080, 1920, 3), np.uint8)\nsmall = cv2.resize(img, (960, 540))")
    report = last_report(traced)
    by_dir = {}
    for c in report["copies"]:
        by_dir.setdefault(c["direction"], []).append(c["bytes"])
        assert c["source"] == "bridge" and c["line"] == 2
    assert 1920 * 1080 * 3 in by_dir["py->opencv"]
    assert 960 * 540 * 3 in by_dir["opencv->py"]


def test_every_message_validates(traced):
    messages = traced.json(ALL_MESSAGES)
    assert messages
    for m in messages:
        VALIDATOR.validate(m)


def _det_session(kernel):
    """`sess`: the PP-OCRv4 detection model in an InferenceSession (skip if the bridge cannot)."""
    try:
        kernel.run("import onnxruntime as ort\n"
                   "sess = ort.InferenceSession('/drive/models/ch_PP-OCRv4_det_infer.onnx')")
    except AssertionError as e:
        pytest.skip(f"the onnxruntime bridge or its model is not available here: {e}")


def test_inference_session_run(traced):
    _det_session(traced)
    traced.run("inp = np.zeros((1, 3, 64, 64), np.float32)\nout = sess.run(None, {sess.get_inputs()[0].name: inp})")
    report = last_report(traced)
    assert report["copies"], "InferenceSession.run reported no copies"
    assert all(c["source"] == "bridge" and c["line"] == 2 for c in report["copies"])
    assert any(c["bytes"] == 1 * 3 * 64 * 64 * 4 and c["direction"] in ("py->ort", "py->js", "js->ort")
               for c in report["copies"])
    assert any(c["direction"] in ("ort->py", "js->py", "ort->js") for c in report["copies"])
    assert {c["dtype"] for c in report["copies"]} == {"float32"}  # numpy dtypes, named when the cell ends
    assert report["totals"]["bytes"] == sum(c["bytes"] for c in report["copies"])


def test_rows_beyond_the_cap_count_in_totals(traced):
    assert traced.run("print(tracer.TRACER.rows)") == f"{ROWS}\n"
    traced.run("f = js.Float32Array.new(4)\nfor i in range(250):\n    f.to_py()")
    report = last_report(traced)
    assert len(report["copies"]) == ROWS and report["omitted"] == 250 - ROWS
    assert report["totals"]["count"] == 250 and report["totals"]["bytes"] == 250 * 16
    assert {(c["line"], c["dtype"], tuple(c["shape"])) for c in report["copies"]} == {(3, "float32", (4,))}
    # conversions past the rows keep their line: the loop hint counts all of them
    assert [(h["code"], h["line"]) for h in report["hints"]] == [("conversion-in-loop", 3)]
    assert report["hints"][0]["params"] == {"api": "to_py", "count": 250, "line": 3}
    assert report["hints"][0]["message"].startswith("to_py ran 250 times on line 3: ")


def test_collect_copies_beside_the_tracer_gets_named_dtypes(traced):
    out = traced.json("import json\nfrom portinglab_kernel import collect_copies\n"
                      "with collect_copies() as got:\n"
                      "    y = to_js(np.zeros(8, np.float64))\n"
                      "    js.Int16Array.new(3).to_py()\n"
                      "print(json.dumps([[c.direction, c.bytes, c.api, c.dtype, list(c.shape)] for c in got]))")
    assert out == [["py->js", 64, "to_js", "float64", [8]], ["js->py", 6, "to_py", "int16", [3]]]
    report = last_report(traced)
    assert [(c["bytes"], c["dtype"], c["line"]) for c in report["copies"]] == [(64, "float64", 4), (6, "int16", 5)]


# ---------------------------------------------------------------- deferred formatting
# Recording keeps raw fields (numpy dtypes, shape tuples, code object + instruction offset);
# names, lines, ints and totals are made when the cell ends: these check they come out exact.

def _cv2(kernel):
    try:
        kernel.run("import cv2")
    except AssertionError as e:
        pytest.skip(f"the cv2 bridge does not import here: {e}")


def test_bridged_copies_get_their_own_lines_bytes_and_names(traced):
    _cv2(traced)
    traced.run("def shrink(img):\n"
               "    return cv2.resize(img, (4, 2))\n"
               "a = np.zeros((6, 8, 3), np.uint8)\n"
               "b = cv2.resize(a, (4, 3))\n"
               "c = shrink(np.ones((5, 7), np.float32))\n"
               "g = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)")
    report = last_report(traced)
    rows = [(c["direction"], c["bytes"], c["api"], c["dtype"], c["shape"], c["line"]) for c in report["copies"]]
    assert rows == [("py->opencv", 144, "resize", "uint8", [6, 8, 3], 4),
                    ("opencv->py", 36, "resize", "uint8", [3, 4, 3], 4),
                    ("py->opencv", 140, "resize", "float32", [5, 7], 2),
                    ("opencv->py", 32, "resize", "float32", [2, 4], 2),
                    ("py->opencv", 144, "cvtColor", "uint8", [6, 8, 3], 6),
                    ("opencv->py", 48, "cvtColor", "uint8", [6, 8], 6)]
    assert report["totals"]["count"] == 6 and report["totals"]["bytes"] == 144 + 36 + 140 + 32 + 144 + 48
    assert all(c["source"] == "bridge" and c["exact"] and c["seconds"] >= 0 for c in report["copies"])
    assert all(report["started"] - 1 <= c["at"] <= report["started"] + 60 for c in report["copies"])


def test_bridged_loop_beyond_the_cap_totals_exact(traced):
    _cv2(traced)
    traced.run("a = np.zeros((10, 10), np.uint16)\n"
               "for i in range(130):\n"
               "    cv2.resize(a, (5, 4))")
    report = last_report(traced)
    assert report["totals"]["count"] == 260 and report["omitted"] == 260 - ROWS and len(report["copies"]) == ROWS
    assert report["totals"]["bytes"] == 130 * (200 + 40)
    assert {(c["line"], c["dtype"]) for c in report["copies"]} == {(3, "uint16")}
    assert report["hints"] == []  # bridged calls are not conversions
    # past the rows, bridge.js counted the copies; copies this small are not timed
    assert report["totals"]["untimed"] == 260 - ROWS


def test_bridged_loop_past_the_rows_costs_python_nothing(traced):
    # past the itemized rows the cv2 bridge's Python half reports nothing (bridge.js counts);
    # large copies are still timed there, so the cell's time covers them
    _cv2(traced)
    out = traced.json("import json\nfrom portinglab_kernel.opencv import mats\n"
                      "calls, orig = [], mats.record_two\n"
                      "def spy(*a):\n"
                      "    calls.append(a[0])\n"
                      "    return orig(*a)\n"
                      "mats.record_two = spy\n"
                      "try:\n"
                      "    a = np.zeros((512, 512, 3), np.uint8)\n"
                      "    for i in range(40):\n"
                      "        cv2.resize(a, (400, 400))\n"
                      "finally:\n"
                      "    mats.record_two = orig\n"
                      "print(json.dumps(len(calls)))")
    assert out == ROWS // 2  # two copies per call: one report per call while itemizing, then none
    report = last_report(traced)
    assert report["totals"]["count"] == 80 and report["totals"]["bytes"] == 40 * (512 * 512 * 3 + 400 * 400 * 3)
    assert report["totals"]["untimed"] == 0  # every copy >= 256 KiB: timed
    assert report["totals"]["seconds"] >= sum(c["seconds"] for c in report["copies"])


def test_inference_session_loop_past_the_rows(traced):
    _det_session(traced)
    traced.run("inp = np.zeros((1, 3, 32, 32), np.float32)\n"
               "for i in range(20):\n"
               "    out = sess.run(None, {sess.get_inputs()[0].name: inp})")
    report = last_report(traced)
    per_run = [c for c in report["copies"] if c["line"] == 3]
    assert len(report["copies"]) == ROWS and per_run == report["copies"]
    n = len({(c["direction"], c["bytes"]) for c in per_run})  # copies per run
    assert report["totals"]["count"] == 20 * n
    one_run = sum(c["bytes"] for c in report["copies"][:n])
    assert report["totals"]["bytes"] == 20 * one_run


def test_copies_from_a_function_of_an_earlier_cell(traced):
    traced.run("def convert_twice(x):\n"
               "    first = to_js(x)\n"
               "    return to_js(x[:2])")
    traced.run("y = 1\nconvert_twice(np.zeros(4, np.float64))")
    report = last_report(traced)
    assert [(c["bytes"], c["line"], c["dtype"]) for c in report["copies"]] == [(32, 2, "float64"), (16, 3, "float64")]


def test_notebook_code_that_is_not_a_cell_reports_the_cells_line(traced):
    # code run in the notebook's namespace from another "file" (as %run does): the line is the cell's
    traced.run("z = 0\nexec(compile('q = to_js(np.zeros(3, np.int32))', '/tmp/not_a_cell.py', 'exec'))")
    report = last_report(traced)
    assert [(c["bytes"], c["line"], c["dtype"], c["shape"]) for c in report["copies"]] == [(12, 2, "int32", [3])]


def test_collect_copies_gets_normalised_copies_from_the_bridges(traced):
    _cv2(traced)
    out = traced.json("import json\nfrom portinglab_kernel import collect_copies\n"
                      "with collect_copies() as got:\n"
                      "    cv2.resize(np.zeros((4, 6), np.float64), (3, 2))\n"
                      "print(json.dumps([[c.direction, c.bytes, type(c.bytes).__name__, c.dtype, type(c.shape).__name__,\n"
                      "                   list(c.shape), c.seconds >= 0] for c in got]))")
    assert out == [["py->opencv", 192, "int", "float64", "tuple", [4, 6], True],
                   ["opencv->py", 48, "int", "float64", "tuple", [2, 3], True]]
    assert [(c["bytes"], c["line"]) for c in last_report(traced)["copies"]] == [(192, 4), (48, 4)]


def test_a_cell_without_copies_or_proxies(traced):
    traced.run("x = 1 + 1")
    report = last_report(traced)
    assert report["copies"] == [] and report["totals"] == {"count": 0, "bytes": 0, "seconds": 0.0, "untimed": 0}
    assert report["proxies"] == {"created": 0, "alive": 0} and report["hints"] == []


def test_rows_per_cell_is_a_setting(traced):
    # the lab sends {"type": "set_rows"} on its comm (the setting "Copies listed per cell")
    try:
        traced.run("tracer.TRACER.on_comm_msg({'content': {'data': {'type': 'set_rows', 'rows': 3}}})")
        traced.run("for i in range(5):\n    js.Uint8Array.new(4).to_py()")
        report = last_report(traced)
        assert len(report["copies"]) == 3 and report["omitted"] == 2 and report["totals"]["count"] == 5
        traced.run("tracer.set_rows(0)")
        traced.run("js.Uint8Array.new(4).to_py()")
        report = last_report(traced)
        assert report["copies"] == [] and report["omitted"] == 1 and report["totals"]["bytes"] == 4
        err = traced.execute("tracer.set_rows(-1)")["error"]
        assert "ValueError" in err["ename"] and "0 to 100000" in err["evalue"]
    finally:
        traced.run(f"tracer.set_rows({ROWS})")


def test_only_cells_with_something_to_show_go_to_the_lab(traced):
    # every cell's report is kept in the kernel; only those with copies, proxies or hints are sent
    # a report travels as its JSON text (schema: cell_json), which decodes to the report kept
    traced.run("class _Comm:\n"
               "    sent = []\n"
               "    def send(self, msg):\n"
               "        self.sent.append(msg)\n"
               "tracer.TRACER.comm = _Comm()")
    traced.run("y = 2 * 21")
    traced.run("z = to_js(np.zeros(3, np.float32))")
    sent, kept = traced.json("import json\nsent = _Comm.sent[:]\ntracer.TRACER.comm = None\n"
                             "print(json.dumps([sent, tracer.reports()[-3:]]))")
    assert len(sent) == 1  # only the to_js cell
    VALIDATOR.validate(sent[0])
    assert set(sent[0]) == {"schema", "version", "type", "json"} and sent[0]["type"] == "cell"
    report = json.loads(sent[0]["json"])
    VALIDATOR.validate(report)
    assert report == kept[-1] and report["execution_count"] == kept[-2]["execution_count"] + 1


def test_off_the_bridges_report_nothing(traced):
    _cv2(traced)
    out = traced.run("from portinglab_kernel import copies as _c\n"
                     "tracer.set_enabled(False)\n"
                     "print(len(_c._sinks))\n"
                     "cv2.resize(np.zeros((8, 9), np.uint8), (4, 4))\n"
                     "tracer.set_enabled(True)")
    assert out == "0\n"
    messages = traced.json(ALL_MESSAGES)
    assert not any(m["type"] == "cell" and any(c["bytes"] == 72 for c in m["copies"]) for m in messages)
