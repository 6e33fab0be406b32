"""The library export's pure-Python parts (portable/src/portinglab_export: signatures.py, library.py), in CPython:
which functions a notebook exports, their TypeScript types, the files a library export writes."""

from __future__ import annotations

import json

import pytest

from portinglab_export import ExportError, export_notebook
from portinglab_export.signatures import declarations, functions, method_signatures, ts_type

SOURCE = '''# %% [cell 1]
import numpy as np

# %% [cell 2]
def detect(image: np.ndarray, threshold: float = 0.3, *, max_boxes: int = 10) -> list[dict[str, float]]:
    """Find the boxes.

    Returns one dict per box."""
    return []

def _private(x):
    return x

# %% [cell 3]
async def later(a, /, b=2, *rest: int, **opts) -> tuple[int, str]:
    return 1, "x"

def ocr(img: "np.ndarray | None", lang: Literal["en", "zh"] = "en") -> Optional[str]:
    return None
'''


def test_public_top_level_functions_with_their_cells_and_docs():
    fs = functions(SOURCE)
    assert [(f.name, f.cell, f.is_async) for f in fs] == [("detect", 2, False), ("later", 3, True), ("ocr", 3, False)]
    detect = fs[0]
    assert detect.doc.startswith("Find the boxes.") and detect.returns == "list[dict[str, float]]"
    assert [(p.name, p.kind, p.annotation, p.default, p.required) for p in detect.params] == [
        ("image", "either", "np.ndarray", None, True), ("threshold", "either", "float", "0.3", False),
        ("max_boxes", "keyword", "int", "10", False)]
    assert [p.kind for p in fs[1].params] == ["positional", "either", "var_positional", "var_keyword"]
    assert [f.name for f in functions(SOURCE, cells={3})] == ["later", "ocr"]
    assert [f.name for f in functions(SOURCE, ["ocr", "_private"])] == ["ocr", "_private"]


def test_a_missing_or_reserved_function_is_a_clear_error():
    with pytest.raises(ExportError, match=r"no top-level function nope in the notebook \(it defines: _private, detect"):
        functions(SOURCE, ["nope"])
    with pytest.raises(ExportError, match="no public top-level function"):
        functions("x = 1\n")
    with pytest.raises(ExportError, match="'close' clashes with the port's own API"):
        functions("def close():\n    pass\n")


def test_async_script_functions_defined_in_main_are_found():
    src = "async def main():\n    global f\n    def f(x: int) -> int:\n        return x\n    await g()\n"
    assert [f.name for f in functions(src)] == ["f"]


@pytest.mark.parametrize("annotation, direction, ts", [
    (None, "in", "PortInput"), (None, "out", "PortValue"), ("int", "in", "number"), ("float", "out", "number"),
    ("str", "in", "string"), ("bool", "out", "boolean"), ("None", "out", "null"),
    ("np.ndarray", "in", "ArrayInput"), ("np.ndarray", "out", "NDArray"), ("NDArray[np.uint8]", "out", "NDArray"),
    ("cv2.typing.MatLike", "in", "ArrayInput"), ("bytes", "in", "BytesInput"), ("bytes", "out", "Uint8Array"),
    ("list[int]", "out", "number[]"), ("List[str | None]", "out", "(string | null)[]"),
    ("tuple[int, str]", "out", "[number, string]"), ("tuple[int, ...]", "out", "number[]"),
    ("dict[str, float]", "out", "Record<string, number>"), ("Optional[np.ndarray]", "in", "ArrayInput | null"),
    ("Union[int, str]", "in", "number | string"), ("Literal['en', 'zh']", "in", '"en" | "zh"'),
    ("'np.ndarray | None'", "out", "NDArray | null"), ("SomeClass", "out", "PortValue"), ("Image.Image", "in", "PortInput"),
    ("not valid (", "in", "PortInput"),
])
def test_python_annotations_as_typescript(annotation, direction, ts):
    assert ts_type(annotation, direction) == ts


def test_overloads_let_the_trailing_object_name_the_optional_arguments():
    detect = functions(SOURCE)[0]
    assert method_signatures(detect) == [
        "detect(image: ArrayInput, keywords?: { threshold?: number; max_boxes?: number }): Promise<Record<string, number>[]>",
        "detect(image: ArrayInput, threshold: number, keywords?: { max_boxes?: number }): Promise<Record<string, number>[]>"]
    later = functions(SOURCE)[1]
    assert method_signatures(later) == ["later(a: PortInput, b: PortInput, ...rest: number[]): Promise<[number, string]>"]
    d = declarations(functions(SOURCE), "mod", "nb.ipynb")
    assert 'export type FunctionName = "detect" | "later" | "ocr";' in d and " * Find the boxes." in d
    assert " * @param threshold (optional, default 0.3) Python: float" in d


def _notebook(tmp_path, cells):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
          "cells": [{"cell_type": "code", "metadata": {"tags": tags}, "source": src, "outputs": [], "execution_count": None}
                    for src, tags in cells]}
    path = tmp_path / "my pipeline.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_a_library_export_writes_its_files_and_the_tagged_functions(tmp_path):
    nb = _notebook(tmp_path, [("import numpy as np", []), ("def a(x):\n    return x", ["portlab-library"]),
                              ("def b(y):\n    return y", []), ("print('demo', a(1))", ["skip-library"])])
    result = export_notebook(nb, tmp_path / "out", library=True)
    folder = result.folder
    assert result.functions == ["a"]
    for f in ("port.js", "port-worker.js", "port_runtime.py", "port.json", "port.d.ts", "package.json", "example.html",
              "port_module.py", "my_pipeline.py", "index.html"):
        assert (folder / f).is_file(), f
    config = json.loads((folder / "port.json").read_text())
    assert config["script"] == "port_module.py" and [f["name"] for f in config["functions"]] == ["a"]
    pkg = json.loads((folder / "package.json").read_text())
    assert pkg["name"] == "my-pipeline" and pkg["types"] == "port.d.ts" and "port_runtime.py" in pkg["files"]
    assert "port.a(" in (folder / "README.md").read_text()
    # the library's module leaves out the demo cell; the script keeps it
    assert "demo" not in (folder / "port_module.py").read_text() and "demo" in (folder / "my_pipeline.py").read_text()
    assert export_notebook(nb, tmp_path / "out2", functions=["b"]).functions == ["b"]
    with pytest.raises(ExportError, match="no top-level function c"):
        export_notebook(nb, tmp_path / "out3", functions=["c"])
    assert not (tmp_path / "out3").exists()  # nothing written
