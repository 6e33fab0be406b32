"""Porting Lab: every package the site ships imports from anywhere, with no install cell.

The build adds this file to Pyodide's standard library (python_stdlib.zip), so Python runs it when the
kernel starts. Pyodide loads a package only when a cell's *text* imports it (loadPackagesFromImports): the
same import inside a module, a wheel installed with piplite, code in the drive, importlib.import_module or
__import__ found nothing. `SiteFinder`, last on sys.meta_path, is asked only when no other finder found a
top-level module: if the site's Pyodide lock ships it (numpy, PIL, scipy, ..., cv2 and onnxruntime in
Porting Lab's kernel wheel), it loads the package and its dependencies from the site, synchronously
(JSPI: `pyodide.ffi.run_sync`), and lets the path finder find it. Where the browser cannot suspend (no
JSPI, or not inside a cell) the ImportError says how to load it. A name the site does not ship gets the
normal ModuleNotFoundError, with a hint when it is a known package with a replacement (`HINTS`).
"""

from __future__ import annotations

import sys
import time

#: import names the site does not ship, and what to use instead
HINTS = {
    "torch": "PyTorch has no build for this browser kernel: export the model to ONNX and run it with `onnxruntime` "
             "(bridged to onnxruntime-web)",
    "torchvision": "export the model to ONNX and run it with `onnxruntime`; its transforms have cv2/numpy equivalents",
    "tensorflow": "TensorFlow has no build for this browser kernel: convert the model to ONNX (tf2onnx) and use "
                  "`onnxruntime`",
    "paddle": "PaddlePaddle has no build for this browser kernel: convert the model to ONNX (paddle2onnx) and use "
              "`onnxruntime` (notebook 5 ports PP-OCRv4 this way)",
    "paddleocr": "PaddleOCR needs PaddlePaddle: notebook 5 ports its PP-OCRv4 pipeline to `onnxruntime` + `cv2`",
    "onnxruntime_gpu": "use `onnxruntime` (bridged to onnxruntime-web; WebGPU where the browser has it)",
    "skimage": "scikit-image is not shipped: most of its filters, transforms and measures have cv2 equivalents "
               "(docs/cv2-coverage.md)",
    "pyclipper": "pyclipper is not shipped: for DBNet's unclip, offset the box with numpy (notebook 5 shows how) or "
                 "cv2.approxPolyDP / cv2.minAreaRect",
    "shapely": "shapely is not shipped: polygon area, perimeter and hulls have cv2 equivalents (cv2.contourArea, "
               "cv2.arcLength, cv2.convexHull)",
    "requests": "there are no network sockets in the browser kernel: use `pyodide.http.pyfetch` (same-site files) or "
                "files in the drive",
    "imageio": "use cv2.imread / cv2.imwrite or PIL.Image (shipped)",
    "albumentations": "not shipped; its geometric and colour transforms map to cv2 functions (docs/cv2-coverage.md)",
}


def _lock_package(name: str) -> str | None:
    import pyodide_js

    return pyodide_js._api._import_name_to_package_name.get(name)


def _loaded(package: str) -> bool:
    import pyodide_js

    return hasattr(pyodide_js.loadedPackages, package)


def _load(packages: list[str]) -> float:
    """Load `packages` (and what they depend on) from the site's lock in one batch, synchronously; -> seconds."""
    import js
    import pyodide_js
    from pyodide.ffi import run_sync, to_js

    t0 = time.perf_counter()
    quiet = to_js({"messageCallback": lambda _msg: None}, dict_converter=js.Object.fromEntries)
    run_sync(pyodide_js.loadPackage(to_js(packages), quiet))
    return time.perf_counter() - t0


def _importer_imports() -> list[str]:
    """The top-level imports of the module whose import statement is running (as Pyodide reads a cell's): loaded
    in the same batch, they cost one round of fetching instead of one per import."""
    f = sys._getframe(2)
    while f is not None and ("importlib" in f.f_code.co_filename or f.f_code.co_filename.startswith("<frozen")):
        f = f.f_back
    path = f.f_globals.get("__file__") if f is not None else None
    if not path or not path.endswith(".py"):
        return []
    try:
        from pyodide.code import find_imports

        with open(path, encoding="utf-8") as src:
            return list(find_imports(src.read()))
    except (OSError, SyntaxError, UnicodeDecodeError, ImportError):
        return []


#: modules Pyodide provides itself (the finder's own look-ups import them)
_PYODIDE_OWN = frozenset({"js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "pyodide_kernel"})


class SiteFinder:
    """Loads a package of the site's Pyodide lock on its first import, from wherever it is imported."""

    loading: set[str] = set()
    #: what was loaded this way: import name -> (package, seconds); the copies inspector's cell timing reads it
    loaded: dict[str, tuple[str, float]] = {}

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if path is not None or fullname in cls.loading or fullname in _PYODIDE_OWN:
            return None  # only top-level names; never recursively; never Pyodide's own modules
        try:
            package = _lock_package(fullname)
        except Exception:  # noqa: BLE001 - Pyodide's API not up yet (interpreter start)
            return None
        if package is None:
            hint = HINTS.get(fullname)
            if hint:
                raise ModuleNotFoundError(f"No module named {fullname!r}: {hint}", name=fullname)
            return None
        if _loaded(package):
            return None  # loaded, yet no finder finds the name: the normal ModuleNotFoundError
        from pyodide.ffi import can_run_sync

        if not can_run_sync():
            raise ModuleNotFoundError(
                f"No module named {fullname!r} yet: the site ships it (package {package!r}), but this browser "
                "cannot load it from inside a module here (no JSPI, or not inside a cell). Load it first: put "
                f"`import {fullname}` in a cell, or run `await pyodide_js.loadPackage({package!r})`.", name=fullname)
        cls.loading.add(fullname)
        try:
            batch = [package]
            for name in _importer_imports():
                other = _lock_package(name) if name not in _PYODIDE_OWN else None
                if other and other not in batch and not _loaded(other):
                    batch.append(other)
            print(f"{fullname}: loading {', '.join(batch)} (and what they need) from the site ...",
                  file=sys.stderr, flush=True)
            seconds = _load(batch)
            cls.loaded[fullname] = (package, seconds)
            if seconds > 1.0:
                print(f"{fullname}: loaded in {seconds:.1f} s", file=sys.stderr, flush=True)
        finally:
            cls.loading.discard(fullname)
        import importlib
        from importlib.machinery import PathFinder

        importlib.invalidate_caches()
        return PathFinder.find_spec(fullname, path)


def install() -> None:
    if sys.platform == "emscripten" and SiteFinder not in sys.meta_path:
        sys.meta_path.append(SiteFinder)


install()
