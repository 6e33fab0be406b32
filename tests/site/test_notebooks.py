"""Every teaching notebook in content/ runs top to bottom in the real lab, offline, English and Chinese."""

from __future__ import annotations

import json
import re

import pytest

from browser import cell_outputs, open_notebook, run_all_cells
from conftest import ARTIFACTS
from portinglab import paths

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(p.relative_to(paths.CONTENT).as_posix() for p in paths.CONTENT.glob("*/*.ipynb"))
ERROR = re.compile(r"Traceback|^\w*(Error|Exception): ", re.M)

#: what each notebook must print, beyond running with no error (by file name)
EXPECTED = {
    "01-welcome.ipynb": ["numpy 2.0.2 66.0", "ch_PP-OCRv4_det_infer.onnx"],
    "02-python-and-javascript.ipynb": ["42 int", "4 5.0", "det 736", "Float32Array 6", "JsProxy 2 10.9", "42", "proxy destroyed"],
    "03-opencv-in-the-browser.ipynb": ["cv2 4.12.0", "cv2.threshold == np.where: ok", "bilateralFilter via opencv.js: (480, 640, 3) uint8"],
    "04-onnx-inference.ipynb": ["input  x", "run: (1, 2)", "run_async == run: ok", "released"],
    "06-keeping-data.ipynb": ["mounted /idb", "model cached into IndexedDB", "session from the cache"],
    "07-packaging.ipynb": ["ported_ocr-0.1.0-py3-none-any.whl", "installed 0.1.0", "area, length 12.0 14.0"],
    "05-porting-pp-ocrv4.ipynb": [
        "load: ok", "preprocess: ok", "detector input: ok", "detection: ok",
        "unclip without pyclipper/shapely: ok", "DB post-processing: ok", "crop and rotate: ok",
        "direction classifier: ok", "recognition + CTC: ok",
        "receipt.png: ok", "sign.png: ok", "tilted.png: ok",
        "PortingLab端口实验室", "价格￥42.50数量3", "欢迎光临", "WELCOME123", "HelloWebAssembly", "你好，浏览器",
        "browser s", "CPython s",
    ],
}


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
    run_all_cells(page, timeout_ms=420_000)
    outputs = cell_outputs(page)
    text = "\n".join(outputs)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"notebook-{notebook.replace('/', '-')}.png"), full_page=True)
    errors = [o for o in outputs if ERROR.search(o)]
    assert not errors, errors
    name = notebook.split("/", 1)[1]
    for expected in EXPECTED.get(name, []):
        assert expected in text, f"{notebook}: {expected!r} not in the outputs:\n{text[-4000:]}"
    if name == "05-porting-pp-ocrv4.ipynb":
        refs = json.loads((built_site / "files" / "ppocr" / "references.json").read_text(encoding="utf-8"))
        for entry in refs["images"].values():
            for t in entry["texts"]:
                assert repr(t) in text or t in text, t
    assert guard.attempts == []


def test_a_model_cached_in_indexeddb_survives_a_page_reload(page, site_url, guard):
    """Notebook 6 run twice with a reload between: the second run reads the model from IndexedDB."""
    for run, expected in enumerate(["model cached into IndexedDB", "model loaded from IndexedDB"]):
        open_notebook(page, site_url, "en/06-keeping-data.ipynb")
        run_all_cells(page)
        text = "\n".join(cell_outputs(page))
        assert expected in text, (run, text)
        assert not ERROR.search(text), text
    assert guard.attempts == []
