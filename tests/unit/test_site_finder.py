"""kernel/startup/sitecustomize.py (imports from anywhere) in CPython, with Pyodide's API stood in for."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "kernel/startup/sitecustomize.py"


@pytest.fixture
def finder(monkeypatch):
    """The module, with a site lock of {numpy, cv2 -> portinglab-kernel} and numpy already loaded."""
    loaded = types.SimpleNamespace(numpy="default channel")
    lock = {"numpy": "numpy", "cv2": "portinglab-kernel", "scipy": "scipy"}
    api = types.SimpleNamespace(_import_name_to_package_name=types.SimpleNamespace(get=lock.get))
    monkeypatch.setitem(sys.modules, "pyodide_js", types.SimpleNamespace(_api=api, loadedPackages=loaded))
    ffi = types.ModuleType("pyodide.ffi")
    ffi.can_run_sync = lambda: state["jspi"]
    monkeypatch.setitem(sys.modules, "pyodide", types.ModuleType("pyodide"))
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    state = {"jspi": False}
    spec = importlib.util.spec_from_file_location("sitecustomize_under_test", SOURCE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # install() does nothing outside Pyodide (sys.platform)
    assert mod.SiteFinder not in sys.meta_path
    mod.state = state
    return mod


def test_a_name_the_site_does_not_ship_is_left_to_the_normal_error(finder):
    assert finder.SiteFinder.find_spec("definitely_not_shipped") is None


def test_a_known_package_gets_a_hint(finder):
    with pytest.raises(ModuleNotFoundError, match="ONNX") as exc:
        finder.SiteFinder.find_spec("torch")
    assert exc.value.name == "torch"


def test_only_top_level_names_and_never_pyodides_own(finder):
    assert finder.SiteFinder.find_spec("cv2.dnn", path=["/somewhere"]) is None
    assert finder.SiteFinder.find_spec("pyodide_js") is None


def test_a_loaded_package_is_not_loaded_again(finder):
    assert finder.SiteFinder.find_spec("numpy") is None


def test_without_jspi_the_error_says_how_to_load_it(finder):
    with pytest.raises(ModuleNotFoundError) as exc:
        finder.SiteFinder.find_spec("cv2")
    msg = str(exc.value)
    assert "portinglab-kernel" in msg and "import cv2" in msg and "loadPackage" in msg


def test_with_jspi_it_loads_then_finds(finder, monkeypatch, tmp_path):
    finder.state["jspi"] = True
    (tmp_path / "scipy").mkdir()
    (tmp_path / "scipy" / "__init__.py").write_text("")
    loads = []
    monkeypatch.setattr(finder, "_load", lambda packages: loads.append(packages) or 0.01)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    spec = finder.SiteFinder.find_spec("scipy")
    assert loads == [["scipy"]] and spec is not None and spec.origin.startswith(str(tmp_path))
    assert finder.SiteFinder.loaded["scipy"] == ("scipy", 0.01)
