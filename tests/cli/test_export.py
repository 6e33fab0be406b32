"""`portlab export` in CPython: the conversions, bad input, the zip; the script runs in CPython."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from export_helpers import CV2_PIPELINE, PYTHON, ROOT, export, run_cpython, write_notebook
from portinglab_export import ExportError, export_notebook, notebook_to_script, safe_name


def nb_of(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": []} for c in cells]}


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_cv2_notebook_exports_and_runs(tmp_path):
    nb = write_notebook(tmp_path / "cv2 pipeline.ipynb", CV2_PIPELINE)
    before = sha(nb)
    proc = export(nb, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "`!ls -la` commented out" in proc.stderr
    folder = tmp_path / "out" / "cv2_pipeline"
    script = (folder / "cv2_pipeline.py").read_text()
    assert "import cv2" in script and "this cell is not exported" not in script
    assert "# %matplotlib inline" in script and "# !ls -la" in script
    assert "edges = cv2.Canny(gray, 50, 150)  # portlab export: was %time" in script
    assert "async def main" not in script  # no top-level await: a plain script
    out = run_cpython(folder, "cv2_pipeline.py")
    assert out.splitlines()[:2] == ["4", "contours 2 [(20, 30, 71, 71), (95, 35, 51, 51)]"]
    assert "[image 160x120 RGB]" in out and out.rstrip().endswith(")")  # np.float64(...) shown like a cell
    with zipfile.ZipFile(tmp_path / "out" / "cv2_pipeline.zip") as zf:
        names = set(zf.namelist())
    assert {"cv2_pipeline/cv2_pipeline.py", "cv2_pipeline/index.html", "cv2_pipeline/portlab-loader.js",
            "cv2_pipeline/portlab-worker.js", "cv2_pipeline/portlab-export.json", "cv2_pipeline/README.md"} <= names
    assert sha(nb) == before


def test_top_level_await_runs_as_script(tmp_path):
    s = notebook_to_script(nb_of("import asyncio\nx = 1", "await asyncio.sleep(0)\ny = x + 1\ndef f():\n    return y\n",
                                 "t = '''a\nb'''\nprint(f(), t)"), "a")
    assert s.async_main and "global" in s.source
    assert "    t = '''a\nb'''" in s.source  # the string's own lines are not indented
    (tmp_path / "a.py").write_text(s.source)
    assert run_cpython(tmp_path, "a.py") == "2 a\nb\n"


def test_magics_and_shell(tmp_path):
    s = notebook_to_script(nb_of(
        "%pip install numpy\nimport piplite\nawait piplite.install('x')\n%env MODE=fast\nimport os\nprint(os.environ['MODE'])",
        "files = !ls\nfor i in range(1):\n    !echo hi\n    %unknownmagic 3\nprint('loop ok')",
        "%%bash\necho hi", "%%writefile data.txt\nhello", "print(open('data.txt').read())", "%%time\nprint('timed')",
        "%%nonsense\nfoo", "len?", "1 + 1;"), "m")
    assert not s.async_main  # the piplite await is commented out
    text = "\n".join(s.warnings)
    for needle in ("`files = !ls`", "`!echo hi`", "unknown magic `%unknownmagic`", "%%bash", "%%nonsense"):
        assert needle in text
    (tmp_path / "m.py").write_text(s.source)
    assert run_cpython(tmp_path, "m.py") == "fast\nloop ok\nhello\n\ntimed\n"
    with pytest.raises(ExportError, match="strict"):
        notebook_to_script(nb_of("!ls"), "m", strict=True)


def test_syntax_error_names_the_cell(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", ["print(1)", "def f(:\n    pass"])
    before = sha(nb)
    proc = export(nb, tmp_path / "out")
    assert proc.returncode == 1
    assert "cell 2, line 1: SyntaxError" in proc.stderr and "skip-export" in proc.stderr
    assert sha(nb) == before and not (tmp_path / "out" / "bad").exists()


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"), (b"{not json", "not JSON"), (b'{"a": 1}', "no `cells`"),
    (json.dumps({"nbformat": 4, "cells": [], "metadata": {"kernelspec": {"language": "R"}}}).encode(), "R notebook"),
])
def test_not_a_notebook(tmp_path, content, message):
    nb = tmp_path / "x.ipynb"
    nb.write_bytes(content)
    proc = export(nb, tmp_path / "out")
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr
    assert nb.read_bytes() == content


def test_empty_and_non_code_cells(tmp_path):
    nb = write_notebook(tmp_path / "empty.ipynb", [{"cell_type": "markdown", "source": "# hi"},
                                                  {"cell_type": "raw", "source": "raw"}, ""])
    r = export_notebook(nb, tmp_path / "out")
    assert "no code to export" in " ".join(r.warnings)
    assert run_cpython(r.folder, "empty.py") == ""


def test_names_with_spaces_and_non_ascii(tmp_path):
    assert safe_name("my notebook (v2)") == "my_notebook_v2"
    assert safe_name("Café déjà") == "Cafe_deja"
    assert safe_name("识别") == "notebook" and safe_name("05-识别 ocr") == "nb_05_ocr"
    nb = write_notebook(tmp_path / "图像 处理 é.ipynb", ["print('ok')"])
    proc = export(nb, tmp_path / "out dir")
    assert proc.returncode == 0, proc.stderr
    assert run_cpython(tmp_path / "out dir" / "e", "e.py") == "ok\n"


def test_huge_outputs_are_ignored(tmp_path):
    big = "x" * (100 * 1024 * 1024)
    nb = tmp_path / "big.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "source": "print('small')", "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": big}]}]}))
    before = sha(nb)
    r = export_notebook(nb, tmp_path / "out")
    assert (r.folder / "big.py").stat().st_size < 10_000 and r.zip_path.stat().st_size < 100_000
    assert sha(nb) == before


def test_data_files_referenced_and_included(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text("A")
    (tmp_path / "extra.bin").write_bytes(b"\0")
    nb = write_notebook(tmp_path / "d.ipynb", ["print(open('data/a.txt').read(), open('/drive/data/a.txt').read())"])
    r = export_notebook(nb, tmp_path / "out", include=["extra.bin"])
    assert r.files == ["data/a.txt", "extra.bin"]
    assert run_cpython(r.folder, "d.py") == "A A\n"
    with pytest.raises(ExportError, match="no such file"):
        export_notebook(nb, tmp_path / "out", include=["missing.txt"])


def test_nbconvert_exporter(tmp_path):
    nb = write_notebook(tmp_path / "n.ipynb", ["%matplotlib inline\nprint('nb')"])
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([str(PYTHON), "-m", "nbconvert", "--to", "portinglab.nbconvert_exporter.PortedScriptExporter",
                           str(nb), "--output-dir", str(tmp_path / "nbc")], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    script = (tmp_path / "nbc" / "n.py").read_text()
    assert script == notebook_to_script(json.loads(nb.read_text()), "n").source
    assert (tmp_path / "nbc" / "index.html").is_file() and (tmp_path / "nbc" / "portlab-worker.js").is_file()


def test_nbconvert_to_ported_script_entry_point(tmp_path):
    """`jupyter nbconvert --to ported-script`: the entry point of the root pyproject.toml, which
    `./portlab` installs (editable) into .venv; no PYTHONPATH needed."""
    nb = write_notebook(tmp_path / "my nb.ipynb", ["%matplotlib inline\nimport numpy as np\nprint(np.arange(3).sum())", "x = 2\nx * 21"])
    jupyter = PYTHON.parent / "jupyter"
    proc = subprocess.run([str(jupyter), "nbconvert", "--to", "ported-script", str(nb), "--output-dir", str(tmp_path / "nbc")],
                          capture_output=True, text=True, env={"PATH": f"{PYTHON.parent}:/usr/bin:/bin"}, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    script = (tmp_path / "nbc" / "my nb.py").read_text()
    assert script == notebook_to_script(json.loads(nb.read_text()), "my nb").source
    assert "# %matplotlib inline" in script
    for f in ("index.html", "portlab-loader.js", "portlab-worker.js", "portlab-export.json"):
        assert (tmp_path / "nbc" / f).is_file(), f
    out = subprocess.run([str(PYTHON), "my nb.py"], cwd=tmp_path / "nbc", capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout == "3\n42\n", out.stderr
