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


def test_an_import_inside_a_module_loads_the_modules_other_imports_in_one_batch(finder, monkeypatch, tmp_path):
    """`import fake_a` in a file of the drive: it and the file's other shipped, unloaded imports load at once."""
    import ast

    finder.state["jspi"] = True
    code = types.ModuleType("pyodide.code")  # Pyodide's find_imports: the top-level names a source imports
    code.find_imports = lambda src: sorted({(a.name if isinstance(n, ast.Import) else n.module).split(".")[0]
                                            for n in ast.walk(ast.parse(src)) if isinstance(n, (ast.Import, ast.ImportFrom))
                                            for a in (n.names if isinstance(n, ast.Import) else [n])})
    monkeypatch.setitem(sys.modules, "pyodide.code", code)
    lock = {"numpy": "numpy", "plab_fake_a": "fake-a", "plab_fake_b": "fake-b", "js": "never-asked"}
    sys.modules["pyodide_js"]._api._import_name_to_package_name.get = lock.get
    site_packages = tmp_path / "site-packages"
    site_packages.mkdir()
    loads = []

    def load(packages):  # Pyodide's loadPackage: the packages appear in site-packages
        loads.append(list(packages))
        for package in packages:
            name = "plab_" + package.replace("-", "_")
            (site_packages / name).mkdir()
            (site_packages / name / "__init__.py").write_text(f"NAME = {name!r}\n")
            (site_packages / name / "sub.py").write_text("")
        return 0.25

    monkeypatch.setattr(finder, "_load", load)
    (tmp_path / "plab_user_mod.py").write_text("import os\nimport numpy\nimport js\nimport plab_fake_a\n"
                                               "from plab_fake_b import sub\nimport plab_fake_a as again\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), str(site_packages), *sys.path])
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, finder.SiteFinder])
    monkeypatch.setitem(sys.modules, "js", types.ModuleType("js"))
    try:
        import plab_user_mod
    finally:
        for name in ("plab_user_mod", "plab_fake_a", "plab_fake_b", "plab_fake_b.sub"):
            sys.modules.pop(name, None)
    assert loads == [["fake-a", "fake-b"]]  # one batch; numpy is loaded already; js is Pyodide's own
    assert plab_user_mod.plab_fake_a.NAME == "plab_fake_a" and plab_user_mod.sub.__name__ == "plab_fake_b.sub"
    assert finder.SiteFinder.loaded["plab_fake_a"] == ("fake-a", 0.25) and "plab_fake_b" not in finder.SiteFinder.loaded
    assert finder.SiteFinder.loading == set()


def test_the_finder_never_recurses_and_waits_for_pyodides_api(finder):
    finder.SiteFinder.loading.add("cv2")
    try:
        assert finder.SiteFinder.find_spec("cv2") is None  # being loaded: its own import inside the load
    finally:
        finder.SiteFinder.loading.discard("cv2")

    def not_up(name):
        raise AttributeError("_import_name_to_package_name")

    sys.modules["pyodide_js"]._api._import_name_to_package_name.get = not_up
    assert finder.SiteFinder.find_spec("torch") is None  # interpreter start: not even the hints yet


def test_every_hint_names_what_to_use_instead(finder):
    for name, hint in finder.HINTS.items():
        with pytest.raises(ModuleNotFoundError) as exc:
            finder.SiteFinder.find_spec(name)
        assert str(exc.value) == f"No module named {name!r}: {hint}" and exc.value.name == name
        assert "`" in hint or "cv2" in hint or "numpy" in hint or "PIL" in hint, hint
