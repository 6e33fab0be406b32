"""1:1: the exported script prints the same in CPython and in the exported page (Chromium,
loopback only, the network cut by the `page` fixture's guard)."""

from __future__ import annotations

import re

import shutil

import pytest

from export_helpers import CV2_PIPELINE, export, hardlink_site, ort_notebook, run_cpython, run_page, write_notebook
from portinglab.serve import serve_in_thread

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def export_root(built_site, tmp_path_factory):
    """The site (hard links) with exports beside it, served from one loopback origin."""
    root = hardlink_site(built_site, tmp_path_factory.mktemp("export") / "root")
    server, url = serve_in_thread(root, port=0)
    yield root, url
    server.shutdown()


def same_output(page, folder, url, script):
    cpython = run_cpython(folder, script)
    result = run_page(page, url)
    assert result["status"] == "done", result
    assert result["stdout"] == cpython
    return result


def test_cv2_pipeline_page_matches_cpython(page, export_root, tmp_path):
    root, url = export_root
    nb = write_notebook(tmp_path / "cv2 pipeline.ipynb", CV2_PIPELINE)
    assert export(nb, root / "exports", "--base-url", url).returncode == 0
    r = same_output(page, root / "exports" / "cv2_pipeline", f"{url}exports/cv2_pipeline/index.html", "cv2_pipeline.py")
    assert "contours 2" in r["stdout"] and r["images"] == [[160, 120]]


def test_onnxruntime_page_matches_cpython(page, export_root, built_site, tmp_path):
    root, url = export_root
    nb = ort_notebook(tmp_path, built_site)
    proc = export(nb, root / "exports", "--base-url", url)
    assert proc.returncode == 0, proc.stderr
    folder = root / "exports" / "ort_cls"
    assert "async def main" in (folder / "ort_cls.py").read_text()  # top-level await
    r = same_output(page, folder, f"{url}exports/ort_cls/index.html", "ort_cls.py")
    assert r["stdout"].startswith("x tensor(float)\ncls (1, 2)")


def test_self_contained_page_needs_no_site(page, built_site, tmp_path):
    """--self-contained: the export folder alone is served; nothing comes from the site."""
    nb = ort_notebook(tmp_path, built_site, name="standalone.ipynb")
    proc = export(nb, tmp_path / "out", "--self-contained", "--site", str(built_site))
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "standalone"
    assert (folder / "static/pyodide/pyodide.asm.wasm").is_file()
    assert not (folder / "static/vendor/@techstark").exists()  # no cv2 import: opencv.js not copied
    server, url = serve_in_thread(folder, port=0)
    try:
        same_output(page, folder, f"{url}index.html", "standalone.py")
    finally:
        server.shutdown()


def test_ocr_walkthrough_page_matches_cpython(page, export_root, built_site):
    """The OCR walkthrough notebook (content/en/05*), exported with the site's files as /drive/."""
    root, url = export_root
    from portinglab import paths
    nbs = sorted((paths.ROOT / "content" / "en").glob("05*.ipynb"))
    if not nbs:
        pytest.skip("no OCR walkthrough notebook (content/en/05*) yet")
    proc = export(nbs[0], root / "exports", "--base-url", url, "--drive", str(built_site / "files"), "--name", "ocr")
    assert proc.returncode == 0, proc.stderr
    folder = root / "exports" / "ocr"
    missing = [f for f in ("ppocr/references.json",) if not (folder / f).exists()]
    if missing:
        pytest.skip(f"this site has no {missing} (the walkthrough's build-time data): cannot run it outside the lab")
    # The walkthrough prints diagnostics that must differ between runtimes (timings, the largest
    # difference to the stored references: 0.0002 in the browser, 0.0000 in native onnxruntime).
    # 1:1 is what it computes: every stage's verdict and every string it reads, in order.
    cpython = run_cpython(folder, "ocr.py")
    result = run_page(page, f"{url}exports/ocr/index.html")
    assert result["status"] == "done", result
    assert ocr_results(result["stdout"]) == ocr_results(cpython)
    assert len([r for r in ocr_results(cpython) if r[0].endswith(".png")]) == 4  # the full pipeline, 4 images


def ocr_results(stdout: str) -> list[tuple[str, list[str]]]:
    """(stage or image, the quoted strings on its line) for each `...: ok` verdict line."""
    rows = []
    for line in stdout.splitlines():
        head, sep, _ = line.partition(": ok")
        if sep or line.startswith("read after turning"):
            rows.append((head if sep else "read after turning", re.findall(r"'([^']*)'", line)))
    return rows
