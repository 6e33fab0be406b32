"""`portlab parity` (src/portinglab/parity): one notebook run in CPython's ipykernel (twice) and in the built
site's Pyodide kernel in Chromium with the network cut, compared cell by cell; the CLI, its JSON and HTML,
its exit status, and the pytest plugin (`pytest --portlab-parity`)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from browser import SAVE_NOTEBOOK_JS, open_notebook, run_all_cells
from export_helpers import PYTHON, ROOT, write_notebook
from portinglab.serve import serve_in_thread

pytestmark = pytest.mark.browser

CELLS = [
    "import numpy as np\nimport cv2\nprint('start')",                                              # 1 exact
    "a = np.array([1, 2, 3])\nb = a * 2\nb",                                                     # 2 int64 vs int32
    "img = np.zeros((40, 60, 3), np.uint8)\ncv2.circle(img, (30, 20), 10, (0, 255, 0), -1)\n"
    "blur = cv2.GaussianBlur(img, (5, 5), 0)\nprint(int(blur.sum()))",                            # 3 exact (cv2)
    "import random\nr = random.random()",                                                        # 4 not comparable
    "import js\nw = 1",                                                                          # 5 fails natively
    ("x = np.array([1.0, 2.0]) + (1e-5 if 'js' in globals() else 0.0)", {"parity": {"rtol": 1e-3, "reason": "demo"}}),  # 6 close
    "y = np.linspace(0, 1, 5).astype(np.float32) + (0.5 if 'js' in globals() else 0.0)",        # 7 differs (floats)
    ("raise ValueError('boom')", {}),                                                           # 8 both raise
    ("z = 1  # PARITY-SKIP", {}),                                                               # 9 skipped
    "d = {'k': [1, 2.5, 'x'], 'n': None}\nt = (1, 'a')\n%pip install nothing",                  # 10 exact
]


def _notebook(path):
    cells = []
    for i, c in enumerate(CELLS):
        src, meta = (c, {}) if isinstance(c, str) else c
        cells.append({"cell_type": "code", "source": src, "metadata": meta, "outputs": [], "execution_count": None})
    return write_notebook(path, [{**c} for c in cells])


def parity(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'portable/src'}"}
    return subprocess.run([str(PYTHON), "-m", "portinglab", "parity", *args], capture_output=True, text=True,
                          env=env, timeout=600, cwd=cwd)


@pytest.fixture(scope="module")
def run(built_site, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parity")
    nb = _notebook(tmp / "demo.ipynb")
    proc = parity(str(nb), "--site", str(built_site), "-o", str(tmp / "out"))
    return proc, json.loads((tmp / "out/demo.parity.json").read_text()), tmp


def test_each_cell_gets_its_verdict_with_the_cause(run):
    proc, rep, _ = run
    assert proc.returncode == 1, proc.stderr  # cells differ: the run fails
    by = {c["index"]: c for c in rep["cells"]}
    status = {i: c["status"] for i, c in by.items()}
    assert status == {1: "exact", 2: "differs", 3: "exact", 4: "not-comparable", 5: "fails", 6: "close",
                      7: "differs", 8: "exact", 9: "skipped", 10: "exact"}, status
    a = next(f for f in by[2]["findings"] if f["what"] == "value a")
    assert a["data"]["dtype"] == ["int64", "int32"] and a["data"]["wasm32"] and "np.int64" in a["detail"]
    assert "fails in CPython only: ModuleNotFoundError" in by[5]["findings"][0]["detail"]
    assert by[5]["native"]["error"]["traceback"] and by[5]["browser"]["error"] is None
    x = next(f for f in by[6]["findings"] if f["what"] == "value x")
    assert x["status"] == "close" and x["data"]["max_abs"] == pytest.approx(1e-5) and by[6]["reason"] == "demo"
    y = next(f for f in by[7]["findings"] if f["what"] == "value y")
    assert y["data"]["share"] == 1.0 and y["data"]["first"] == [0] and "over rtol 0.0001" in y["detail"]
    assert by[8]["findings"][0]["detail"] == "both raise ValueError"
    assert "CPython itself gives another result" in next(f for f in by[4]["findings"] if f["what"] == "value r")["detail"]
    assert by[10]["changes"] == ["commented out: %pip install nothing"]
    assert rep["summary"] == {"exact": 4, "close": 1, "not-comparable": 1, "differs": 2, "fails": 1, "skipped": 1}
    assert rep["runtimes"]["browser"]["platform"] == "emscripten" and rep["runtimes"]["cpython"]["platform"] == "linux"
    assert "demo.ipynb: FAILED" in proc.stdout and "cell 2 ✗ differs: value a: dtype int64" in proc.stdout


def test_the_html_report_shows_the_cells_side_by_side(run, page):
    _, _, tmp = run
    server, url = serve_in_thread(tmp / "out", port=0)
    try:
        page.goto(url + "demo.parity.html")
        _check_html(page)
    finally:
        server.shutdown()


def _check_html(page):
    assert page.locator(".cell").count() == len(CELLS)
    assert page.locator("#cell-2.differs").count() == 1 and page.locator("#cell-6.close").count() == 1
    assert "numpy's default integer is 32-bit on wasm32" in page.locator("#cell-2").inner_text()
    assert page.locator("#cell-5 .sides").count() == 1  # the native traceback beside the browser's run


def test_a_passing_notebook_exits_0_and_the_reference_needs_no_browser(built_site, tmp_path):
    nb = write_notebook(tmp_path / "ok.ipynb", ["import numpy as np\nv = np.arange(4, dtype=np.int64) * 3",
                                                "import cv2\ng = cv2.cvtColor(np.full((4, 4, 3), 200, np.uint8), "
                                                "cv2.COLOR_BGR2GRAY)"])
    proc = parity(str(nb), "--site", str(built_site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok.ipynb: passed (✓ 2 exact)" in proc.stdout
    ref = parity(str(nb), "--reference-only", "-o", str(tmp_path / "ref"), "--site", str(tmp_path / "no-site"))
    assert ref.returncode == 0, ref.stderr
    data = json.loads((tmp_path / "ref/ok.parity.json").read_text())
    assert data["schema"] == "portinglab.parity-reference/1" and data["runtime"]["platform"] == "linux"
    assert data["cells"][0]["values"]["v"]["dtype"] == "int64" and data["cells"][0]["unstable"] == []
    bad = parity(str(nb), "--site", str(tmp_path / "no-site"))
    assert bad.returncode == 2 and "no built site" in bad.stderr


def test_the_pytest_plugin_makes_one_test_per_cell(built_site, tmp_path):
    nb = _notebook(tmp_path / "demo.ipynb")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'portable/src'}"}
    proc = subprocess.run([str(PYTHON), "-m", "pytest", "--portlab-parity", nb.name, f"--portlab-site={built_site.resolve()}",
                           "-p", "no:cacheprovider", "-rA", "-q"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=600)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "3 failed, 6 passed, 1 skipped" in out, out[-2000:]
    for n in (2, 5, 7):
        assert f"FAILED demo.ipynb::cell {n}" in out
    assert "PASSED demo.ipynb::cell 6" in out and "SKIPPED [1]" in out and "skipped (cell marked)" in out
    assert "- value a: dtype int64 in CPython, int32 in the browser" in out


SAVE_FILE_JS = """
async ([path, text]) => {
  await window.jupyterapp.serviceManager.contents.save(path, {type: 'file', format: 'text', content: text});
}
"""

BADGES_JS = """
() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(c => {
  const b = c.querySelector('.jp-PortingLabCopies-badge');
  return b ? [b.dataset.parity || null, b.textContent, b.title] : null;
})
"""


def test_the_lab_badges_each_cell_against_the_notebooks_reference(page, site_url, tmp_path):
    """NB.parity.json beside a notebook (here from --reference-only, no browser) gives its cells, as they run in
    the lab, a badge: the same verdict as the CLI's; a cell edited since the reference says so."""
    cells = ["import numpy as np\nv = np.arange(3, dtype=np.int64) * 2", "w = np.array([1, 2])", "z = 5"]
    nb = write_notebook(tmp_path / "badges.ipynb", cells)
    ref = parity(str(nb), "--reference-only", "-o", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    reference = (tmp_path / "ref/badges.parity.json").read_text()
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, ["badges.ipynb", cells])
    page.evaluate(SAVE_FILE_JS, ["badges.parity.json", reference])
    open_notebook(page, site_url, "badges.ipynb")
    page.evaluate("(s) => window.jupyterapp.shell.currentWidget.content.widgets[2].model.sharedModel.setSource(s)",
                  "z = 6")
    run_all_cells(page)
    page.wait_for_function("() => document.querySelectorAll('.jp-PortingLabCopies-badge[data-parity]').length === 3",
                           timeout=60_000)
    badges = page.evaluate(BADGES_JS)
    assert [b[0] for b in badges] == ["exact", "differs", "edited"], badges
    assert badges[0][1].endswith("CPython ✓") and "CPython ✗" in badges[1][1]
    assert "dtype int64 in CPython, int32 in the browser" in badges[1][2] and "32-bit on wasm32" in badges[1][2]
    assert "not the one the reference was made from" in badges[2][2]


@pytest.mark.parametrize("notebook", ["en/01-welcome", "en/03-opencv-in-the-browser", "zh/04-onnx-inference", "en/05-porting-pp-ocrv4",
                                      "en/07-packaging"])
def test_teaching_notebooks_pass_parity(built_site, tmp_path, notebook):
    """Each difference a teaching notebook has is recorded in its cells' metadata with its reason (docs/parity.md);
    the rest is exact or close (all 14 pass: docs/parity.md)."""
    proc = parity(str(ROOT / "content" / f"{notebook}.ipynb"), "--site", str(built_site), "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    rep = json.loads(next(tmp_path.glob("*.parity.json")).read_text())
    assert rep["passed"] and rep["summary"]["exact"] >= 1
    assert all(c.get("skip") or c["status"] in ("exact", "close", "not-comparable") for c in rep["cells"])
