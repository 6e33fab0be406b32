"""OpenCV 4.12.0's headers, read by OpenCV's own header parser (hdr_parser.py from the pinned sdist).

Gives each wrapped function (CV_EXPORTS_W) its C++ signature: arguments in C++ order with their
types, names, default values and in/out flags; the order opencv.js (embind) takes them in.
"""

from __future__ import annotations

import importlib.util
import keyword
import io
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from .sources import MODULES

_SKIP = ("cuda", "ocl", "opencl", "hal", "legacy", "detail", "utils", "private", "inl", "types_c", "_c.h",
         "cvstd", "fast_math", "simd", "vsx", "neon", "sse", "ovx", "va_intel", "directx", "async", "bindings_utils",
         "shape_utils", "all_layers", "layer.details", "quantization", "softfloat", "cv_cpu", "hpp.in")


@dataclass(frozen=True)
class Arg:
    type: str  # hdr_parser's type name: Mat, vector_Mat, Size, int, String, Ptr_CLAHE, ...
    name: str
    default: str  # C++ default expression, "" when required
    out: bool  # an output (/O) ...
    inout: bool  # ... or both (/IO)


@dataclass(frozen=True)
class Decl:
    name: str  # Python-style qualified name: "resize", "dnn.blobFromImage", "CLAHE.apply"
    cname: str  # hdr_parser's: "cv.resize", "cv.dnn.blobFromImage", "cv.CLAHE.apply"
    ret: str
    args: tuple[Arg, ...]
    static: bool = False
    is_class: bool = False


def header_files(opencv: Path) -> list[Path]:
    files = []
    for m in MODULES:
        inc = opencv / "modules" / m / "include" / "opencv2"
        for f in [inc / f"{m}.hpp", *sorted((inc / m).glob("*.hpp")), *sorted((inc / m).glob("*/*.hpp"))]:
            rel = str(f.relative_to(inc))
            if f.exists() and not any(s in rel for s in _SKIP):
                files.append(f)
    return files


def _parser(opencv: Path):
    spec = importlib.util.spec_from_file_location("hdr_parser", opencv / "modules/python/src2/hdr_parser.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # what OpenCV's CMake passes it for this version (modules/python/bindings/CMakeLists.txt)
    defs = {"CV_VERSION_MAJOR": 4, "CV_VERSION_MINOR": 12, "CV_VERSION_REVISION": 0}
    return mod.CppHeaderParser(generate_umat_decls=False, generate_gpumat_decls=False, preprocessor_definitions=defs)


def _pyname(cname: str) -> str:
    """cv.dnn.blobFromImage -> dnn.blobFromImage; cv.CLAHE.apply -> CLAHE.apply."""
    parts = cname.split(".")
    if parts and parts[0] == "cv":
        parts = parts[1:]
    return ".".join(parts)


def parse(opencv: Path) -> list[Decl]:
    parser = _parser(opencv)
    decls: list[Decl] = []
    skipped: list[str] = []
    for f in header_files(opencv):
        try:
            with redirect_stdout(io.StringIO()):  # hdr_parser prints progress
                raw = parser.parse(str(f))
        except ValueError:  # an internal header hdr_parser cannot read (OpenCV's bindings skip it too)
            skipped.append(f.name)
            continue
        for d in raw:
            name = d[0]
            if name.startswith("class ") or name.startswith("struct "):
                cname = name.split(" ", 1)[1]
                decls.append(Decl(_pyname(cname), cname, "", (), is_class=True))
                continue
            if name.startswith(("const ", "enum ")):
                continue
            # a Python keyword as a name gets "_" appended, as opencv-python's gen2.py does (from -> from_)
            args = tuple(Arg(a[0], a[1] + "_" if keyword.iskeyword(a[1]) else a[1], a[2], "/O" in a[3], "/IO" in a[3])
                         for a in d[3])
            pyname = _pyname(name)
            alias = next((m[1:] for m in d[2] if m.startswith("=")), None)  # CV_EXPORTS_AS / CV_WRAP_AS
            if alias:
                pyname = pyname.rsplit(".", 1)[0] + "." + alias if "." in pyname else alias
            decls.append(Decl(pyname, name, d[1], args, static="/S" in d[2]))
    return decls
