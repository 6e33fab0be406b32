"""What the site says of a name: from the cv2 generator's IR, the onnxruntime bridge, the site's Pyodide lock,
and the site finder's hints (one source each: nothing here is a second copy of them)."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from functools import cached_property
from pathlib import Path

COVERAGE = "docs/cv2-coverage.md"


class CheckoutFiles:
    """Where the scanner's knowledge is in a checkout (`./portlab scan`: `root`), the site's lock in a built site."""

    def __init__(self, root: Path, site: Path):
        self.root, self.kernel, self.site = root, root / "kernel", site

    def ir(self) -> str:
        return (self.root / "src/portinglab/cv2gen/signatures.json").read_text(encoding="utf-8")

    def cv2_constants(self) -> str:
        return (self.kernel / "src/portinglab_kernel/opencv/constants.py").read_text(encoding="utf-8")

    def onnxruntime(self) -> str:
        return (self.kernel / "src/onnxruntime/__init__.py").read_text(encoding="utf-8")

    def hints(self) -> dict:
        spec = importlib.util.spec_from_file_location("_sitefinder", self.kernel / "startup/sitecustomize.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)  # its install() does nothing outside Pyodide
        return mod.HINTS

    def shipped(self) -> dict[str, str]:
        lock_path = self.site / "static/pyodide/pyodide-lock.json"
        if not lock_path.exists():
            from .sources import ScanError

            raise ScanError(f"no built site at {self.site}: run `./portlab build` first (or pass --site DIR)")
        lock = json.loads(lock_path.read_text(encoding="utf-8"))["packages"]
        return {imp: name for name, entry in lock.items() for imp in entry.get("imports", [])}


class KernelFiles:
    """The same knowledge inside the kernel (`%portlab scan`): shipped in the kernel wheel and Pyodide's lock."""

    def ir(self) -> str:
        from importlib import resources

        return resources.files(__package__).joinpath("signatures.json").read_text(encoding="utf-8")

    def cv2_constants(self) -> str:
        from importlib import resources

        return resources.files("portinglab_kernel.opencv").joinpath("constants.py").read_text(encoding="utf-8")

    def onnxruntime(self) -> str:
        return Path(importlib.util.find_spec("onnxruntime").origin).read_text(encoding="utf-8")

    def hints(self) -> dict:
        import sitecustomize

        return sitecustomize.HINTS

    def shipped(self) -> dict[str, str]:
        import pyodide_js

        return dict(pyodide_js._api._import_name_to_package_name.to_py())


class Knowledge:
    def __init__(self, files):
        self.files = files

    @cached_property
    def ir(self) -> dict:
        return json.loads(self.files.ir())

    @cached_property
    def cv2_constants(self) -> set[str]:
        text = self.files.cv2_constants()
        top = set(re.findall(r"^([A-Za-z_]\w*) = -?\d+$", text, re.M))
        current, names = None, set()
        for line in text.splitlines():
            m = re.match(r"^    '(\w+)': \{", line)
            if m:
                current = m.group(1)
            m = re.match(r"^        '(\w+)': -?\d+,", line)
            if m and current:
                names.add(f"{current}.{m.group(1)}")  # sub-module constants: dnn.DNN_BACKEND_OPENCV
        return top | names

    @cached_property
    def ort_names(self) -> set[str]:
        tree = ast.parse(self.files.onnxruntime())
        names = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                names |= {a.asname or a.name for a in node.names}
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        return {n for n in names if not n.startswith("_")} | {"capi"}

    @cached_property
    def shipped(self) -> dict[str, str]:
        """import name -> package, for everything the site's Pyodide lock ships."""
        return self.files.shipped()

    @cached_property
    def hints(self) -> dict[str, str]:
        return self.files.hints()

    def cv2_status(self, name: str) -> tuple[str, str]:
        """('bridged' | 'not available' | 'excluded' | 'unknown', why)."""
        F, C = self.ir["functions"], self.ir["classes"]
        if name in ("error", "__version__", "data", "data.haarcascades", "KeyPoint", "DMatch") or name.startswith(("portinglab", "__version__")) \
                or name in self.cv2_constants:
            return "bridged", ""
        base = name
        while base:
            if base in F:
                e = F[base]
                if e["status"] in ("bridged", "hand-written", "codec"):
                    return "bridged", ""
                return ("excluded" if e["status"] == "excluded" else "not available"), e.get("reason", e["status"])
            if base in C:
                e = C[e["of"]] if (e := C[base])["status"] == "alias" else C[base]
                if e["status"] == "bridged":
                    method = name[len(base) + 1:]
                    if method and method not in e.get("methods", {}) and method in e.get("not_bridged", {}):
                        return "not available", f"{base}.{method}: {e['not_bridged'][method]}"
                    return "bridged", ""
                return ("excluded" if e["status"] == "excluded" else "not available"), e.get("reason", e["status"])
            base = base.rpartition(".")[0]
        top = name.split(".")[0]
        if top in ("dnn", "aruco", "barcode", "segmentation", "fisheye") and "." not in name:
            return "bridged", "sub-module"
        return "unknown", "not a name of opencv-python 4.12 (an OpenCV 2/3 or contrib name?)"

    def ort_status(self, name: str) -> tuple[str, str]:
        top = name.split(".")[0]
        if top in self.ort_names:
            return "bridged", ""
        return "not available", "not in Porting Lab's onnxruntime (docs/onnxruntime.md)"

    def import_status(self, module: str, own: set[str]) -> tuple[str, str]:
        if module in ("cv2", "onnxruntime"):
            return "bridged", ""
        if module in own:
            return "own", "the project's own module"
        if module in ("js", "pyodide", "pyodide_js", "micropip", "piplite", "pyodide_kernel"):
            return "pyodide", "Pyodide's own (browser only)"
        if module in sys.stdlib_module_names:
            return "stdlib", ""
        if module in self.shipped:
            return "shipped", f"in the site (package {self.shipped[module]}), loads on first import"
        if module in self.hints:
            return "not available", self.hints[module]
        return "not available", "not in the site: vendor its pure-Python wheel (micropip/piplite) if it has one"
