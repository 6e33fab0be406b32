"""The porting-readiness scanner (portable/src/portinglab_scan), in CPython: no browser, no built site needed."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "portable/src")]

from portinglab_scan import scan  # noqa: E402
from portinglab_scan.sources import ScanError  # noqa: E402
from portinglab_scan.status import CheckoutFiles  # noqa: E402

CODE = '''
import cv2 as cv
import numpy as np
import onnxruntime as ort
import threading, subprocess, requests
from cv2 import resize
from scipy.spatial import distance
import torch
from . import helpers

def f(img):
    a = np.array([1, 2, 3])
    b = img.astype(int)
    cv.imshow("w", img)
    s = ort.InferenceSession("/home/me/model.onnx")
    cv.dnn.readNetFromONNX("m.onnx")
    cv.Stitcher_create()
    x = cv.COLOR_BGR2YCrCb
    return resize(img, (2, 2)), cv.matchTemplate(img, img, cv.TM_CCOEFF), np.int_
'''


@pytest.fixture
def site(tmp_path) -> CheckoutFiles:
    """This checkout with a site whose Pyodide lock ships numpy and scipy (all the scanner reads of a site)."""
    lock = {"packages": {"numpy": {"imports": ["numpy"]}, "scipy": {"imports": ["scipy"]}}}
    (tmp_path / "site/static/pyodide").mkdir(parents=True)
    (tmp_path / "site/static/pyodide/pyodide-lock.json").write_text(json.dumps(lock))
    return CheckoutFiles(ROOT, tmp_path / "site")


def _status(rep, name):
    return {c["name"]: c["status"] for c in rep.calls}[name]


def test_a_module(tmp_path, site):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/mod.py").write_text(CODE)
    rep = scan(tmp_path / "pkg", site)
    assert _status(rep, "resize") == "bridged" and _status(rep, "matchTemplate") == "bridged"  # through aliases
    assert _status(rep, "dnn.readNetFromONNX") == "bridged" and _status(rep, "COLOR_BGR2YCrCb") == "bridged"
    assert _status(rep, "imshow") == "excluded" and _status(rep, "Stitcher_create") == "not available"
    assert _status(rep, "InferenceSession") == "bridged"
    imports = {i["module"]: i["status"] for i in rep.imports}
    assert imports["numpy"] == "shipped" and imports["scipy"] == "shipped" and imports["cv2"] == "bridged"
    assert imports["torch"] == "not available" and imports["threading"] == "stdlib"
    torch = next(i for i in rep.imports if i["module"] == "torch")
    assert "ONNX" in torch["why"]  # the site finder's hint, one source
    traps = {(t["code"], t["text"]) for t in rep.traps}
    assert {c for c, _ in traps} == {"threads", "subprocess", "sockets", "gui", "int-width", "absolute-path"}
    assert ("int-width", ".astype(int)") in traps and ("int-width", "numpy.int_") in traps
    assert "of 9 cv2/onnxruntime uses supported" in rep.summary and "torch" in rep.summary


def test_json_is_machine_readable(tmp_path, site):
    (tmp_path / "a.py").write_text("import cv2\ncv2.resize\n")
    data = json.loads(scan(tmp_path / "a.py", site).as_json())
    assert data["calls"][0]["name"] == "resize" and data["summary"].startswith("1 of 1")


def test_a_notebook_a_wheel_and_requirements(tmp_path, site):
    nb = {"cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "import cv2\n", "cv2.Sobel\n"]},
                    {"cell_type": "markdown", "source": "import torch"}], "metadata": {}, "nbformat": 4,
          "nbformat_minor": 5}
    (tmp_path / "n.ipynb").write_text(json.dumps(nb))
    assert [c["name"] for c in scan(tmp_path / "n.ipynb", site).calls] == ["Sobel"]
    with zipfile.ZipFile(tmp_path / "w-1.0-py3-none-any.whl", "w") as z:
        z.writestr("w/__init__.py", "import cv2\ncv2.VideoCapture(0)\n")
    rep = scan(tmp_path / "w-1.0-py3-none-any.whl", site)
    assert rep.calls[0]["status"] == "excluded"
    (tmp_path / "requirements.txt").write_text("opencv-python>=4\nnumpy\ntorch==2.1  # model\n")
    rep = scan(tmp_path / "requirements.txt", site)
    assert {i["module"]: i["status"] for i in rep.imports} == {"cv2": "bridged", "numpy": "shipped",
                                                               "torch": "not available"}


def test_bad_paths_and_unparsable_files(tmp_path, site):
    with pytest.raises(ScanError, match="no such file or folder"):
        scan(tmp_path / "missing", site)
    (tmp_path / "broken.py").write_text("def f(:\n")
    rep = scan(tmp_path / "broken.py", site)
    assert rep.unparsable == [{"source": str(tmp_path / "broken.py"), "error": "cannot parse: invalid syntax (line 1)"}]
    (tmp_path / "x.ipynb").write_text("{not json")
    with pytest.raises(ScanError, match="not a notebook"):
        scan(tmp_path / "x.ipynb", site)
    with pytest.raises(ScanError, match="no built site"):
        (tmp_path / "ok.py").write_text("import numpy\n")
        scan(tmp_path / "ok.py", CheckoutFiles(ROOT, tmp_path / "nowhere"))


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "portinglab", "scan", str(tmp_path / "missing")],
                          capture_output=True, text=True, env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'portable/src'}", "PATH": ""})
    assert proc.returncode == 2 and proc.stderr.startswith("portlab scan: no such file or folder")
    assert "Traceback" not in proc.stderr
