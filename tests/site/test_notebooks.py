"""Every teaching notebook in content/ runs top to bottom in the real lab, offline, English and Chinese."""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from browser import ALL_CELLS_RAN_JS, ARTIFACTS, cell_outputs, open_notebook
from browser import run_all_cells as run_all_cells_until
from portinglab import ocr_reference, paths

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(p.relative_to(paths.CONTENT).as_posix() for p in paths.CONTENT.glob("*/*.ipynb"))
ERROR = re.compile(r"Traceback|^\w*(Error|Exception): ", re.M)

#: what each notebook must print, beyond running with no error (by file name)
EXPECTED = {
    "01-welcome.ipynb": ["numpy 2.0.2 66.0", "ch_PP-OCRv4_det_infer.onnx"],
    "02-python-and-javascript.ipynb": ["42 int", "4 5.0", "det 736", "Float32Array 6", "JsProxy 2 10.9", "42", "proxy destroyed",
                                       "view, no copy: 1000000 bytes; numpy sees 255",
                                       "one copy, then numpy: 480 rows; 3 frames into one buffer", "once: 42"],
    "03-opencv-in-the-browser.ipynb": ["cv2 4.12.0", "cv2.threshold == np.where: ok", "bilateralFilter via opencv.js: (480, 640, 3) uint8"],
    "04-onnx-inference.ipynb": ["input  x", "run: (1, 2)", "run_async == run: ok", "released"],
    "06-keeping-data.ipynb": ["mounted /idb", "model cached into IndexedDB", "session from the cache"],
    "07-packaging.ipynb": ["ported_ocr-0.1.0-py3-none-any.whl", "installed 0.1.0", "area, length 12.0 14.0",
                           "# %% [cell 4]", "# %pip install opencv-python-headless", "my_port.zip",
                           "contours 1 area 1131.0", "exported script ran here: ok"],
    "05-porting-pp-ocrv4.ipynb": [
        "load: ok", "preprocess: ok", "detector input: ok", "detection: ok",
        "unclip without pyclipper/shapely: ok", "DB post-processing: ok", "crop and rotate: ok",
        "direction classifier: ok", "recognition + CTC: ok",
        "receipt.png: ok", "sign.png: ok", "tilted.png: ok", "upside_down.png: ok",
        "upside_down.png: 4 of 4 strips classified 180 and turned", "slider moved: boxes redrawn",
        "PortingLab端口实验室", "价格￥42.50数量3", "欢迎光临", "WELCOME123", "HelloWebAssembly", "你好，浏览器",
        "browser s", "CPython s", "THISSIDEUP", "请勿倒置",
    ],
}
#: notebook 5's exercises, each checked by `portinglab_kernel.exercises` (its summary line)
EXERCISES = ["normalize", "area_and_length", "ctc_decode"]
SUMMARY = re.compile(r"\[(\w+)\] (\d+)/(\d+) ([✓✗])")


def load_exercises():
    """The kernel's exercises module, loaded in CPython on its own (pure Python + numpy)."""
    path = paths.ROOT / "kernel" / "src" / "portinglab_kernel" / "exercises.py"
    spec = importlib.util.spec_from_file_location("portinglab_exercises", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# a cell that printed a traceback: stop waiting for the rest (they would wait the whole timeout)
CELLS_RAN_OR_ERROR_JS = """
() => {
  const ran = (%s)();
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  let failed = false;
  for (let i = 0; i < cells.length; i++)
    for (const o of cells.get(i).outputs?.toJSON() ?? [])
      failed ||= o.output_type === 'error' || (o.name === 'stderr' && /Traceback|\\w+(Error|Exception): /.test([].concat(o.text).join('')));
  return ran || failed;
}
""" % ALL_CELLS_RAN_JS.strip()


def run_all_cells(page, timeout_ms: int = 180_000) -> None:
    """Run > Run All Cells and wait until every code cell has run, or one shows a traceback."""
    run_all_cells_until(page, timeout_ms, until=CELLS_RAN_OR_ERROR_JS)


# the notebook renders only the cells near its viewport: bring a cell (by its code) there
SCROLL_TO_CELL_JS = """
async (needle) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const i = nb.widgets.findIndex(c => c.model.sharedModel.getSource().includes(needle));
  nb.activeCellIndex = i;
  await nb.scrollToItem(i, 'center');
}
"""

WIDGETS_SETTLED_JS = """
() => {
  const text = document.querySelector('.jp-Notebook').textContent;
  return text.includes('slider moved:') && text.includes('box_thresh 0.80)');
}
"""

FILL_EXERCISES_JS = """
(solutions) => {
  const panel = window.jupyterapp.shell.currentWidget;
  let filled = 0;
  for (const cell of panel.content.widgets) {
    const name = (cell.model.getMetadata('portinglab') || {}).exercise;
    if (name && solutions[name]) { cell.model.sharedModel.setSource(solutions[name]); filled++; }
  }
  return filled;
}
"""


def code_cells(path: str) -> list[str]:
    nb = json.loads((paths.CONTENT / path).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_notebook_has_an_english_and_a_chinese_version_with_the_same_code():
    en = {p.split("/", 1)[1] for p in NOTEBOOKS if p.startswith("en/")}
    zh = {p.split("/", 1)[1] for p in NOTEBOOKS if p.startswith("zh/")}
    assert en == zh and en, (en, zh)
    for name in sorted(en):
        assert code_cells(f"en/{name}") == code_cells(f"zh/{name}"), name


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_top_to_bottom_offline(page, site_url, guard, built_site, notebook):
    open_notebook(page, site_url, notebook)
    name = notebook.split("/", 1)[1]
    if name == "05-porting-pp-ocrv4.ipynb":
        # a participant who solved the exercises: each stub cell gets the shipped solution
        solutions = {k: v.strip() for k, v in load_exercises().SOLUTIONS.items()}
        assert page.evaluate(FILL_EXERCISES_JS, solutions) == len(EXERCISES)
    run_all_cells(page, timeout_ms=420_000)
    if name == "05-porting-pp-ocrv4.ipynb":
        # widget views update after their cell has finished: wait for the moved slider's redraw
        page.wait_for_function(WIDGETS_SETTLED_JS, timeout=60_000)
    outputs = cell_outputs(page)
    # innerText is empty for cells the notebook has not laid out (off screen): add textContent
    text = "\n".join(outputs + page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell .jp-OutputArea", "areas => areas.map(a => a.textContent)"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"notebook-{notebook.replace('/', '-')}.png"), full_page=True)
    errors = [o for o in outputs if ERROR.search(o)]
    assert not errors, errors
    for expected in EXPECTED.get(name, []):
        assert expected in text, f"{notebook}: {expected!r} not in the outputs:\n{text[-4000:]}"
    if name == "05-porting-pp-ocrv4.ipynb":
        refs = json.loads((built_site / "files" / "ppocr" / "references.json").read_text(encoding="utf-8"))
        for entry in refs["images"].values():
            for t in entry["texts"]:
                assert repr(t) in text or t in text, t
        # every self-check ran and passed, in the notebook's language
        found = {m[0]: m for m in SUMMARY.findall(text)}
        assert sorted(found) == sorted(EXERCISES), found
        assert all(n == total and mark == "✓" for _, n, total, mark in found.values()), found
        assert "✗" not in text
        assert ("全部正确" if notebook.startswith("zh/") else "all right!") in text
        # the sliders were drawn as widgets
        assert page.locator(".jp-OutputArea .widget-slider").count() >= 2
        # ... and the rendered view followed the slider moved from a cell (4 boxes -> 3)
        assert "3 boxes (thresh 0.30, box_thresh 0.80)" in text
        # a user's own image, uploaded through the FileUpload widget (its <input type=file> is
        # not in the DOM: the button clicks it, and the browser's file chooser takes the file)
        page.evaluate(SCROLL_TO_CELL_JS, "widgets.FileUpload(")
        button = page.locator(".jp-OutputArea .widget-upload")
        with page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(str(ocr_reference.SAMPLES / "sign.png"))
        label = page.locator(".jp-OutputArea .widget-label", has_text="sign.png:")
        label.wait_for(timeout=60_000)
        assert "['欢迎光临', 'WELCOME123']" in label.inner_text(), label.inner_text()
        # a slider dragged in the UI, as a participant would: box_thresh 0.80 -> lower, the 4th box returns
        page.evaluate(SCROLL_TO_CELL_JS, "widgets.FloatSlider(")
        handle = page.locator(".jp-OutputArea .widget-slider", has_text="box_thresh").locator(".noUi-handle")
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 - 20, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        page.locator(".jp-OutputArea .widget-label", has_text=re.compile(r"^4 boxes \(thresh 0\.30, box_thresh 0\.[67]")).wait_for(timeout=60_000)
    assert guard.attempts == []


def test_the_exercise_checks_explain_what_is_wrong():
    """The self-checks in CPython: the solutions pass; typical mistakes get a ✗ with a fix, in en and zh."""
    import numpy as np

    ex = load_exercises()
    ns = {"np": np}
    for name, (fn, check) in ex.EXERCISES.items():
        exec(ex.SOLUTIONS[name], ns)
        for lang in ("en", "zh"):
            report = check(ns[fn], lang=lang)
            assert report.passed and "✗" not in str(report), str(report)
    wrong = ex.check_normalize(lambda img: img.astype(np.float64) / 255, lang="en")
    assert not wrong.passed
    assert "dtype is float64 — the model wants float32: use .astype(np.float32)" in str(wrong)
    assert ".transpose(2, 0, 1)" in str(wrong) and "subtract 0.5" in str(wrong)

    def stub(img):
        raise NotImplementedError

    assert "还没有写" in str(ex.check_normalize(stub, lang="zh"))
    open_perimeter = ex.check_area_and_length(
        lambda p: (0.5 * abs(np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1))),
                   np.linalg.norm(np.diff(p, axis=0), axis=1).sum()), lang="en")
    assert "misses the closing edge" in str(open_perimeter)

    def merged_after_blanks(probs, chars):
        out = []
        for p in probs:
            idx = [i for i in p.argmax(1) if i != 0]
            out.append(("".join(chars[i] for k, i in enumerate(idx) if k == 0 or i != idx[k - 1]), 0.0))
        return out

    assert "merge repeats *before* dropping blanks" in str(ex.check_ctc_decode(merged_after_blanks, lang="en"))


def test_the_sample_images_are_made_by_the_committed_script(tmp_path):
    """`python -m portinglab.ocr_reference samples` regenerates the committed PNGs byte for byte."""
    if not (p := ocr_reference.FONT) or not __import__("os").path.exists(p):
        pytest.skip("WenQuanYi Zen Hei is not installed")
    made = ocr_reference.make_samples(tmp_path)
    assert [m.name for m in made] == [p.name for p in ocr_reference.sample_images()]
    assert any(spec[-1] == 180 for spec in ocr_reference.SAMPLE_SPECS)  # one upside down
    for m in made:
        assert m.read_bytes() == (ocr_reference.SAMPLES / m.name).read_bytes(), m.name


def test_a_model_cached_in_indexeddb_survives_a_page_reload(page, site_url, guard):
    """Notebook 6 run twice with a reload between: the second run reads the model from IndexedDB."""
    for run, expected in enumerate(["model cached into IndexedDB", "model loaded from IndexedDB"]):
        open_notebook(page, site_url, "en/06-keeping-data.ipynb")
        run_all_cells(page)
        text = "\n".join(cell_outputs(page))
        assert expected in text, (run, text)
        assert not ERROR.search(text), text
    assert guard.attempts == []
