"""opencv-python-headless 4.12.0.88's surface: names (its stubs), call forms (its docstrings), constants.

The call forms come from the docstrings opencv-python's own generator (gen2.py) writes for each
overload, e.g. `resize(src, dsize[, dst[, fx[, fy[, interpolation]]]]) -> dst`: the Python argument
order, which are optional, and what is returned, in order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

_FORM = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)\((?P<args>.*)\)\s*->\s*(?P<ret>.*)$")


@dataclass(frozen=True)
class Form:
    """One call form of an opencv-python function (one overload)."""

    params: tuple[str, ...]
    required: int
    returns: tuple[str, ...]  # "retval" and output names, in order; () for None
    text: str


def parse_form(line: str) -> Form | None:
    m = _FORM.match(line.strip())
    if not m:
        return None
    args = m["args"].replace("[", ",").replace("]", "")
    names = [a.strip() for a in args.split(",") if a.strip()]
    first_opt = m["args"].find("[")
    req = len([a for a in m["args"][:first_opt].split(",") if a.strip()]) if first_opt >= 0 else len(names)
    ret = m["ret"].strip()
    returns = () if ret == "None" else tuple(r.strip() for r in ret.split(","))
    return Form(tuple(names), req, returns, line.strip())


def forms(obj) -> list[Form]:
    out = []
    for line in (getattr(obj, "__doc__", None) or "").splitlines():
        f = parse_form(line)
        if f:
            out.append(f)
    return out


@dataclass(frozen=True)
class Surface:
    functions: dict[str, list[Form]]  # "resize", "dnn.blobFromImage"
    classes: dict[str, dict[str, list[Form]]]  # "CLAHE" -> {"apply": [...], "__init__": [...]}, also "dnn.Net"
    bases: dict[str, list[str]]  # "ORB" -> ["Feature2D", "Algorithm"]: opencv-python's class hierarchy
    constants: dict[str, int]  # "INTER_LINEAR", "dnn.DNN_BACKEND_OPENCV"
    submodules: tuple[str, ...]
    stub_functions: frozenset[str]
    stub_classes: frozenset[str]


SUBMODULES = ("dnn", "aruco", "barcode", "segmentation", "fisheye", "ml", "flann", "detail", "ipp", "ocl", "ogl",
              "parallel", "samples", "utils", "videoio_registry", "cuda", "gapi", "Error")


def _stub_names(stubs: Path) -> tuple[frozenset[str], frozenset[str]]:
    tree = ast.parse(stubs.read_text(encoding="utf-8"))
    funcs, classes = set(), set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            funcs.add(node.name)
        elif isinstance(node, ast.ClassDef):
            classes.add(node.name)
    return frozenset(funcs), frozenset(classes)


def _ctor_forms(stubs: Path, submodules) -> dict[str, list[Form]]:
    """Constructors' call forms, from the stubs' `__init__` overloads (the classes' docstrings have none)."""
    out: dict[str, list[Form]] = {}
    files = [("", stubs)] + [(m + ".", stubs.parent / m / "__init__.pyi") for m in submodules]
    for prefix, path in files:
        if not path.exists():
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.ClassDef):
                continue
            for f in node.body:
                if isinstance(f, ast.FunctionDef) and f.name == "__init__":
                    a = f.args
                    names = [x.arg for x in a.args[1:]]
                    required = len(names) - len(a.defaults)
                    shown = ", ".join(names[:required]) + "".join(f"[, {n}" for n in names[required:]) \
                        + "]" * (len(names) - required)
                    text = f"{node.name}({shown.lstrip(', ') if required == 0 else shown}) -> <{node.name} object>"
                    out.setdefault(prefix + node.name, []).append(Form(tuple(names), required, ("retval",), text))
    return out


def _qualname(cls) -> str:
    mod = cls.__module__
    return cls.__name__ if mod == "cv2" else f"{mod[4:]}.{cls.__name__}"


def read(stubs: Path) -> Surface:
    import cv2

    stub_funcs, stub_classes = _stub_names(stubs)
    functions: dict[str, list[Form]] = {}
    classes: dict[str, dict[str, list[Form]]] = {}
    bases: dict[str, list[str]] = {}
    constants: dict[str, int] = {}

    def visit(mod, prefix: str) -> None:
        for name in sorted(vars(mod)):
            if name.startswith("_"):
                continue
            v = getattr(mod, name)
            q = prefix + name
            if type(v) is int:
                constants[q] = v
            elif isinstance(v, type):
                if issubclass(v, BaseException):
                    continue
                methods = {}
                for mname, mv in sorted(vars(v).items()):
                    if not mname.startswith("_") and callable(mv) or isinstance(mv, (staticmethod, classmethod)):
                        f = forms(getattr(v, mname, None))
                        if f:
                            methods[mname] = f
                classes[q] = methods
                bases[q] = [_qualname(b) for b in v.__mro__[1:] if b is not object]
            elif callable(v) and type(v).__name__ == "builtin_function_or_method":
                functions[q] = forms(v)

    visit(cv2, "")
    subs = []
    for sub in SUBMODULES:
        m = getattr(cv2, sub, None)
        if m is not None and type(m).__name__ == "module":
            subs.append(sub)
            visit(m, sub + ".")
    for name, ctor in _ctor_forms(stubs, subs).items():
        if name in classes:
            classes[name]["__init__"] = ctor
    return Surface(functions, classes, bases, constants, tuple(subs), stub_funcs, stub_classes)
