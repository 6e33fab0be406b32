"""Shared by the export tests: fixture notebooks, running an export in CPython and in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
MODELS = "ch_ppocr_mobile_v2.0_cls_infer.onnx", "ch_PP-OCRv4_det_infer.onnx"


def write_notebook(path: Path, cells: list, metadata: dict | None = None) -> Path:
    """cells: source strings, or (source, tags) / dicts for other cell types."""
    out = []
    for i, c in enumerate(cells):
        if isinstance(c, dict):
            cell = {"metadata": {}, "id": f"c{i}", **c}
        else:
            src, tags = (c, []) if isinstance(c, str) else c
            cell = {"cell_type": "code", "metadata": {"tags": tags} if tags else {}, "source": src,
                    "outputs": [], "execution_count": None, "id": f"c{i}"}
        out.append(cell)
    nb = {"nbformat": 4, "nbformat_minor": 5, "cells": out,
          "metadata": metadata or {"kernelspec": {"name": "python", "language": "python", "display_name": "Python (Pyodide)"}}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


CV2_PIPELINE = [
    "%matplotlib inline\nimport cv2\nimport numpy as np\nprint(cv2.__version__.split('.')[0])",
    "img = np.zeros((120, 160, 3), np.uint8)\n"
    "cv2.rectangle(img, (20, 30), (90, 100), (0, 200, 255), -1)\n"
    "cv2.circle(img, (120, 60), 25, (255, 255, 255), -1)\n"
    "gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)\n"
    "_, bw = cv2.threshold(gray, 50, 255, cv2.THRESH_BINARY)\n"
    "contours, _ = cv2.findContours(bw, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)\n"
    "boxes = sorted(cv2.boundingRect(c) for c in contours)\n"
    "print('contours', len(contours), boxes)",
    "small = cv2.resize(gray, (40, 30), interpolation=cv2.INTER_AREA)\n"
    "blur = cv2.GaussianBlur(small, (5, 5), 0)\n"
    "print('resize', small.shape, int(small.sum()), 'blur', int(blur.sum()))\n"
    "ok, png = cv2.imencode('.png', img)\nprint('png ok', ok)",
    ("print('this cell is not exported')", ["skip-export"]),
    "!ls -la\n%time edges = cv2.Canny(gray, 50, 150)\nprint('edges', int((edges > 0).sum()))",
    "from PIL import Image\nImage.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))",
    "gray.mean()",
]

ORT_CLS = [
    "%pip install onnxruntime\nimport numpy as np\nimport onnxruntime as ort",
    "sess = ort.InferenceSession('models/ch_ppocr_mobile_v2.0_cls_infer.onnx')\n"
    "inp = sess.get_inputs()[0]\nprint(inp.name, inp.type)",
    "x = (np.arange(3 * 48 * 192, dtype=np.float32).reshape(1, 3, 48, 192) % 255) / 255.0\n"
    "(prob,) = sess.run(None, {inp.name: x})\n"
    "print('cls', prob.shape, prob.argmax(axis=1).tolist(), np.round(prob, 3).tolist())",
    "import asyncio\nawait asyncio.sleep(0)\n"
    "det = ort.InferenceSession('models/ch_PP-OCRv4_det_infer.onnx')\n"
    "img = np.zeros((1, 3, 64, 96), np.float32); img[:, :, 20:40, 10:80] = 1.0\n"
    "(m,) = det.run(None, {det.get_inputs()[0].name: img})\n"
    "print('det', m.shape, int((m > 0.3).sum()) > 0)",
]


def ort_notebook(folder: Path, site: Path, name: str = "ort cls.ipynb") -> Path:
    """The onnxruntime fixture notebook, with the site's models beside it under models/."""
    (folder / "models").mkdir(parents=True, exist_ok=True)
    for m in MODELS:
        shutil.copyfile(site / "files" / "models" / m, folder / "models" / m)
    return write_notebook(folder / name, ORT_CLS)


def export(notebook: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'portable/src'}"}
    return subprocess.run([str(PYTHON), "-m", "portinglab", "export", str(notebook), "-o", str(out), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def run_cpython(folder: Path, script: str) -> str:
    proc = subprocess.run([str(PYTHON), script], cwd=folder, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run_page(page, url: str, timeout_ms: int = 240_000) -> dict:
    """Open an exported index.html; wait for it to finish; what it printed and showed."""
    page.goto(url)
    page.wait_for_function("['done', 'error'].includes(document.documentElement.dataset.portlabStatus)",
                           timeout=timeout_ms)
    return page.evaluate("""() => ({
      status: document.documentElement.dataset.portlabStatus,
      text: document.getElementById('portlab-status').textContent,
      stdout: [...document.querySelectorAll('#portlab-output pre.stdout')].map(p => p.textContent).join(''),
      stderr: [...document.querySelectorAll('#portlab-output pre.stderr')].map(p => p.textContent).join(''),
      images: [...document.querySelectorAll('#portlab-output img')].map(i => [i.naturalWidth, i.naturalHeight]),
    })""")


def hardlink_site(site: Path, dest: Path) -> Path:
    """A copy of the built site (hard links: instant) to serve an export beside, same origin."""
    shutil.copytree(site, dest, copy_function=os.link, ignore=shutil.ignore_patterns("*.gz"))
    return dest
