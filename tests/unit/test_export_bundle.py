"""Assembling an export (portable/src/portinglab_export: bundle.py, lab.py, page.py) beyond tests/cli/test_export.py.

Proves: the Pyodide packages a script needs are its imports' lock packages with their dependencies; the data
files shipped are those referenced or included, beside the notebook or in the lab's drive, folders whole,
never outside; a self-contained export copies exactly Pyodide's core, those packages and the bridges' vendored
files from a built site; the zip stores what is already compressed; the export refuses to write over the
notebook or past the data limit; the lab's command returns what lab.schema.json describes (a zip of the
same files, or one error) behind its marker line; the page's title is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import jsonschema
import pytest

from portinglab_export import ExportError, bundle, export_notebook, lab, notebook_to_script, page


def nb_of(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "source": c, "outputs": [], "metadata": {}} for c in cells]}


def _notebook(folder, cells, name="nb.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(nb_of(*cells)))
    return folder / name


LOCK = {"packages": {
    "numpy": {"imports": ["numpy"], "depends": [], "file_name": "numpy-2.0.whl"},
    "pillow": {"imports": ["PIL"], "depends": [], "file_name": "pillow-10.whl"},
    "portinglab-kernel": {"imports": ["portinglab_kernel", "cv2", "onnxruntime"], "depends": ["numpy", "pillow"],
                          "file_name": "portinglab_kernel-0.1.0-py3-none-any.whl"},
    "scipy": {"imports": ["scipy"], "depends": ["numpy", "openblas"], "file_name": "scipy-1.0.whl"},
    "openblas": {"imports": [], "depends": [], "file_name": "openblas.zip"},
    "a": {"imports": ["a"], "depends": ["b"], "file_name": "a.whl"},
    "b": {"imports": ["b"], "depends": ["a", "not-in-lock"], "file_name": "b.whl"},
}}


@pytest.mark.parametrize("imports, packages", [
    (["cv2"], ["numpy", "pillow", "portinglab-kernel"]),
    (["scipy", "os", "json"], ["numpy", "openblas", "scipy"]),
    (["a"], ["a", "b"]),  # a cycle, and a dependency the lock lacks: no error, no loop
    (["nothing_shipped"], []),
])
def test_a_script_needs_its_imports_packages_and_their_dependencies(imports, packages):
    assert bundle.lock_packages(LOCK, imports) == packages


def test_data_files_referenced_beside_the_notebook_or_in_the_drive(tmp_path):
    nb_dir, drive = tmp_path / "notebooks", tmp_path / "drive"
    (nb_dir / "data/sub").mkdir(parents=True)
    (nb_dir / "data/a.csv").write_text("a")
    (nb_dir / "data/sub/b.csv").write_text("b")
    (drive / "models").mkdir(parents=True)
    (drive / "models/m.onnx").write_bytes(b"onnx")
    (tmp_path / "secret.txt").write_text("outside")
    script = notebook_to_script(nb_of("open('data/')\nopen('data/a.csv')\nopen('models/m.onnx')\n"
                                      "open('../secret.txt')\nopen('missing.txt')"), "n")
    found, warnings = bundle.data_files(script, nb_dir, ["data/a.csv"], drive)
    assert [rel for rel, _ in found] == ["data/a.csv", "data/sub/b.csv", "models/m.onnx"]  # each once
    assert dict(found)["models/m.onnx"] == (drive / "models/m.onnx").resolve()
    assert warnings == ["../secret.txt is outside the notebook's folder: not shipped (copy it beside the notebook)"]
    with pytest.raises(ExportError, match=r"--include other.bin: no such file beside the notebook"):
        bundle.data_files(script, nb_dir, ["other.bin"], drive)


@pytest.fixture
def built_site(tmp_path):
    """The parts of a built site a self-contained export copies (files hold their own names)."""
    site = tmp_path / "site"
    pyo = site / "static/pyodide"
    pyo.mkdir(parents=True)
    for name in [*bundle.PYODIDE_CORE[:-1], *(p["file_name"] for p in LOCK["packages"].values())]:
        (pyo / name).write_text(name)
    (pyo / "pyodide-lock.json").write_text(json.dumps(LOCK))
    manifest = {"@techstark/opencv-js": {"base": "static/vendor/ocv/4/", "files": ["dist/opencv.js"]},
                "portinglab/opencv-js-simd": {"base": "static/vendor/simd/4/", "files": ["opencv.js", "opencv_js.wasm"]},
                "portinglab/opencv-js-simd-threads": {"base": "static/vendor/thr/4/", "files": ["opencv_js.js"]},
                "onnxruntime-web": {"base": "static/vendor/ort/1/", "files": ["dist/ort.wasm.min.js", "dist/a.wasm"]}}
    for lib in manifest.values():
        for f in lib["files"]:
            (site / lib["base"] / f).parent.mkdir(parents=True, exist_ok=True)
            (site / lib["base"] / f).write_text(f)
    (site / "static/vendor/manifest.json").write_text(json.dumps(manifest))
    (site / "files/data").mkdir(parents=True)
    (site / "files/data/in_drive.txt").write_text("from the drive")
    return site


def test_a_self_contained_export_copies_what_the_script_needs(tmp_path, built_site):
    nb = _notebook(tmp_path / "work", ["import cv2\nprint(open('data/in_drive.txt').read())"])
    result = export_notebook(nb, tmp_path / "out", site=built_site)
    copied = sorted(p.relative_to(result.folder).as_posix() for p in result.folder.rglob("*") if p.is_file()
                    and p.relative_to(result.folder).parts[0] == "static")
    assert copied == sorted([f"static/pyodide/{f}" for f in bundle.PYODIDE_CORE]
                            + ["static/pyodide/numpy-2.0.whl", "static/pyodide/pillow-10.whl",
                               "static/pyodide/portinglab_kernel-0.1.0-py3-none-any.whl",
                               "static/vendor/manifest.json", "static/vendor/ocv/4/dist/opencv.js",
                               "static/vendor/simd/4/opencv.js", "static/vendor/simd/4/opencv_js.wasm"])
    # the export's manifest lists what it copied: its kernel never picks the threads build it does not have
    assert set(json.loads((result.folder / "static/vendor/manifest.json").read_text())) == {
        "@techstark/opencv-js", "portinglab/opencv-js-simd"}
    assert result.files == ["data/in_drive.txt"]  # the site's files/ is the drive
    config = json.loads((result.folder / page.CONFIG).read_text())
    assert config["base_url"] == "./" and config["files"] == ["data/in_drive.txt"] and config["script"] == "nb.py"
    (built_site / "static/pyodide/numpy-2.0.whl").unlink()
    with pytest.raises(ExportError, match="static/pyodide/numpy-2.0.whl is missing"):
        export_notebook(nb, tmp_path / "out2", site=built_site)
    with pytest.raises(ExportError, match="is not a built Porting Lab site"):
        export_notebook(nb, tmp_path / "out3", site=tmp_path / "work")


def test_the_zip_stores_what_is_already_compressed(tmp_path):
    folder = tmp_path / "exp"
    (folder / "static").mkdir(parents=True)
    for name in ("a.py", "static/p.wasm", "static/w.whl", "static/s.zip", "README.md"):
        (folder / name).write_bytes(b"x" * 2000)
    bundle.write_zip(folder, tmp_path / "exp.zip", "top")
    with zipfile.ZipFile(tmp_path / "exp.zip") as z:
        kinds = {i.filename: i.compress_type for i in z.infolist()}
    assert kinds == {"top/README.md": zipfile.ZIP_DEFLATED, "top/a.py": zipfile.ZIP_DEFLATED,
                     "top/static/p.wasm": zipfile.ZIP_STORED, "top/static/s.zip": zipfile.ZIP_STORED,
                     "top/static/w.whl": zipfile.ZIP_STORED}
    assert not (tmp_path / "exp.zip.part").exists()


def test_the_export_refuses_to_write_over_the_notebook_or_past_the_data_limit(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "proj", ["print(open('big.bin', 'rb').read()[:1])"])
    with pytest.raises(ExportError, match="holds the notebook: choose another output folder"):
        export_notebook(nb, tmp_path, name="proj")
    (tmp_path / "proj/big.bin").write_bytes(b"x" * 2048)
    monkeypatch.setattr(bundle, "MAX_DATA_BYTES", 1024)
    with pytest.raises(ExportError, match=r"the data files pass 0 MB \(at big.bin\): ship them separately"):
        export_notebook(nb, tmp_path / "out")


def test_the_lab_command_returns_the_contracts_result(tmp_path, capsys):
    drive = tmp_path / "drive"
    (drive / "sub/data").mkdir(parents=True)
    (drive / "sub/data/x.txt").write_text("x")
    nb_json = json.dumps(nb_of("print(open('data/x.txt').read())\n'/drive/sub/data/x.txt'"))
    out = lab.export_zip(nb_json, "sub/My Notebook.ipynb", base_url="http://lab.example/", drive=str(drive))
    jsonschema.validate(out, lab.CONTRACT)
    assert (out["name"], out["zip_name"], out["base_url"]) == ("My_Notebook", "My_Notebook.zip", "http://lab.example/")
    assert out["files"] == ["data/x.txt", "sub/data/x.txt"]  # beside the notebook; /drive/... from the drive root
    data = base64.b64decode(out["zip"])
    assert len(data) == out["size"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        assert {"My_Notebook/My_Notebook.py", "My_Notebook/index.html", "My_Notebook/data/x.txt"} <= names
        assert z.read("My_Notebook/data/x.txt") == b"x"
    assert not (drive / "sub/My_Notebook").exists()  # nothing left on the drive
    for bad, message in [("{not json", "the notebook's content is not JSON"),
                         ("[1]", "the notebook's content is not a JSON object"),
                         (json.dumps(nb_of("def f(:")), "SyntaxError")]:
        out = lab.export_zip(bad, "n.ipynb", drive=str(drive))
        jsonschema.validate(out, lab.CONTRACT)
        assert list(out) == ["error"] and message in out["error"]
    assert lab.export_zip(nb_json, "../../etc/n.ipynb", drive=str(drive)) == {
        "error": "../../etc/n.ipynb: not a path under the lab's contents"}
    lab.run(nb_json, "n.ipynb", base_url="http://x/")
    line = capsys.readouterr().out
    assert line.startswith(lab.MARKER) and line.endswith("\n") and line.count("\n") == 1
    jsonschema.validate(json.loads(line[len(lab.MARKER):]), lab.CONTRACT)


def test_the_pages_title_is_escaped():
    html = page.index_html("<script>alert('x')</script> & co")
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in html
    assert f'<script src="{page.LOADER}"></script>' in html and f'config: "{page.CONFIG}"' in html
