"""Parity's pure-Python parts (src/portinglab/parity), in CPython, no kernel: which cells run as what code,
how two descriptions of a value compare and what the difference is called, the report, and capture.py's
descriptions (the code both kernels run), here in CPython."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from PIL import Image

from portinglab.parity import compare_cell
from portinglab_parity.compare import (compare_arrays, compare_text, compare_values, exception_name, heat_map,
                                       site_notices_removed)
from portinglab_parity.prepare import prepare
from portinglab.parity.report import report, text_summary, to_html
from portinglab.parity.runners import CAPTURE

spec = importlib.util.spec_from_loader("_capture", loader=None)
capture = importlib.util.module_from_spec(spec)
exec(CAPTURE, capture.__dict__)


def desc(v):
    return json.loads(json.dumps(capture.describe(v)))


def nb(*cells):
    return {"cells": [{"cell_type": "code", "source": s, "metadata": m} for s, m in cells] +
                     [{"cell_type": "markdown", "source": "# title", "metadata": {}}]}


def test_cells_to_run_with_their_marks_tolerances_and_changes():
    cells = prepare(nb(("import numpy as np\n%pip install cv2\n!ls", {}),
                       ("# PARITY-SKIP\nx = 1", {}), ("# NBVAL_IGNORE_OUTPUT\nprint(time.time())", {}),
                       ("y = open('/drive/data/a.txt').read()", {"parity": {"rtol": 0.1, "reason": "why"}}),
                       ("z = 2", {"parity": {"skip": "browser-only: js"}}),
                       ("if True:\n    !echo hi\nw = 3", {})), only=None)
    assert [c.index for c in cells] == [1, 2, 3, 4, 5, 6]
    assert cells[0].code == "import numpy as np\n# %pip install cv2\n# !ls" and len(cells[0].changes) == 2
    assert cells[1].skip == "skipped (cell marked)" and cells[4].skip == "browser-only: js"
    assert cells[2].ignore == ["stdout", "stderr", "outputs"]
    assert cells[3].code == "y = open('data/a.txt').read()" and (cells[3].rtol, cells[3].reason) == (0.1, "why")
    assert cells[5].code == "if True:\n    pass  # !echo hi\nw = 3"
    assert [c.skip for c in prepare(nb(("a = 1", {}), ("b = 2", {})), only={2})] == ["not in --only", None]


def test_integers_must_be_equal_and_the_difference_is_located():
    n = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = n.copy()
    b[1, 2] += 3
    f = compare_arrays("value v", n, b)
    assert f.status == "differs" and f.data["first"] == [1, 2] and f.data["max_abs"] == 3
    assert f.data["share"] == pytest.approx(1 / 12) and "integers must be equal" in f.detail
    assert compare_arrays("v", n, n.copy()).status == "exact"
    assert compare_arrays("v", n, n.reshape(4, 3)).status == "differs"


def test_floats_are_close_within_their_dtypes_tolerance_nan_equals_nan():
    n = np.array([1.0, np.nan, 3.0], np.float32)
    assert compare_arrays("v", n, n + np.float32([5e-5, 0, 0])).status == "close"
    assert compare_arrays("v", n, n + np.float32([1e-2, 0, 0])).status == "differs"
    assert compare_arrays("v", n.astype(np.float64), n.astype(np.float64) + [1e-6, 0, 0]).status == "differs"
    assert compare_arrays("v", n, n + np.float32([1e-2, 0, 0]), rtol=0.1).status == "close"
    assert compare_arrays("v", n, n.copy()).status == "exact"


def test_dtypes_explained_by_the_wasm32_rules():
    f = compare_values("a", desc(np.array([1, 2], np.int64)), desc(np.array([1, 2], np.int32)))
    assert f.status == "differs" and f.data["wasm32"] and "32-bit on wasm32" in f.detail
    g = compare_values("s", desc(np.int64(3)), desc(np.int32(3)))
    assert g.status == "differs" and "32-bit on wasm32" in g.detail
    h = compare_values("f", desc(np.float64(0.5)), desc(np.float64(0.5 + 1e-12)))
    assert h.status == "close"


def test_nested_values_name_the_item_that_differs():
    n = {"boxes": [np.array([1, 2], np.int64), "a"], "score": 0.5}
    b = {"boxes": [np.array([1, 9], np.int64), "a"], "score": 0.5}
    f = compare_values("r", desc(n), desc(b))
    assert f.status == "differs" and f.detail.startswith("value r['boxes'][0]: max |diff| 7")
    assert compare_values("r", desc(n), desc(n)).status == "exact"
    assert compare_values("t", desc((1, 2)), desc([1, 2])).status == "differs"
    assert compare_values("k", desc({"a": 1}), desc({"b": 1})).status == "differs"
    assert compare_values("o", desc(object()), desc(object())).status == "exact"  # objects: by type


def test_images_compare_as_pixels_with_a_heat_map():
    a = np.zeros((8, 8, 3), np.uint8)
    b = a.copy()
    b[2, 3] = 9
    f = compare_values("img", desc(Image.fromarray(a)), desc(Image.fromarray(b)))
    assert f.status == "differs" and f.data["first"] == [2, 3, 0] and f.data["heat"]
    assert heat_map(a, a) is None


def test_large_arrays_travel_as_summaries():
    big = np.zeros(capture.ARRAY_BYTES // 8 + 1, np.float64)
    d = desc(big)
    assert "npy" not in d and d["shape"] == [big.size] and d["min"] == 0.0
    other = desc(big + 1)
    f = compare_values("big", d, other)
    assert f.status == "differs" and "too large to compare elementwise" in f.detail


def test_text_site_notices_and_exception_names():
    assert compare_text("stdout", "a\nb\n", "a\nc\n").detail == "line 2: 'b' in CPython, 'c' in the browser"
    assert site_notices_removed("cv2: loading opencv.js (10 MB, compiled once per kernel) ...\nmine\n"
                                "onnxruntime: 1 thread: the page is not cross-origin isolated\n"
                                "\ronnxruntime-web wasm: 3.0 of 12.0 MB") == "mine\n"
    assert exception_name("<class 'ValueError'>") == "ValueError" == exception_name("builtins.ValueError")


def _run(stdout="", error=None, values=None, outputs=()):
    return {"stdout": stdout, "stderr": "", "error": error, "values": values or {}, "outputs": list(outputs),
            "seconds": 0.1}


def test_a_cells_verdict_and_the_report():
    cells = prepare(nb(("x = 1", {}), ("import js", {}), ("r = random()", {}), ("s = 1", {"parity": {"skip": "no"}})))
    err = {"ename": "ModuleNotFoundError", "evalue": "No module named 'js'", "traceback": "Traceback ..."}
    one = compare_cell(cells[0], _run(values={"x": desc(1)}), _run(values={"x": desc(1)}), _run(values={"x": desc(1)}))
    two = compare_cell(cells[1], _run(error=err), _run(), _run(error=err))
    three = compare_cell(cells[2], _run(values={"r": desc(0.1)}), _run(values={"r": desc(0.7)}),
                         _run(values={"r": desc(0.4)}))
    four = compare_cell(cells[3], None, None, None)
    assert [v["status"] for v in (one, two, three, four)] == ["exact", "fails", "not-comparable", "skipped"]
    rep = report(__import__("pathlib").Path("n.ipynb"), [one, two, three, four], {"platform": "linux"},
                 {"platform": "emscripten"}, None, None, 0.0)
    assert rep["passed"] is False and rep["summary"]["fails"] == 1
    assert "cell 2 ⚠ fails: error: fails in CPython only: ModuleNotFoundError" in text_summary(rep)
    assert "id='cell-3'" in to_html(rep)


def test_capture_describes_the_kinds_the_same_way_everywhere():
    assert desc(None) == {"kind": "scalar", "type": "NoneType", "value": None}
    assert desc(float("nan"))["value"] == "nan"
    assert desc(b"ab")["len"] == 2 and desc(np.float32(2.5)) == {"kind": "scalar", "type": "numpy.float32",
                                                                 "dtype": "float32", "value": 2.5}
    d = desc(np.array([[1, 2], [3, 4]], np.uint8))
    assert (d["dtype"], d["shape"], d["min"], d["max"], d["mean"]) == ("uint8", [2, 2], 1.0, 4.0, 2.5)
    assert desc(list(range(capture.ITEMS + 1)))["kind"] == "object"  # too long: by type only
