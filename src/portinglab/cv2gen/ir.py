"""The join: opencv-python's surface x OpenCV's headers x opencv.js's registry -> the IR.

For each opencv-python name: its status (bridged / not in opencv.js / excluded, and why) and, when
bridged, each call form (overload) with everything a wrapper needs: the opencv.js function, its
arguments in JS order with their converter kind (wire.json), direction and C++ default, which
opencv.js arities exist, and how the results map to opencv-python's return value.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import overrides
from .headers import Arg, Decl
from .pyapi import Form, Surface

WIRE = Path(__file__).resolve().parents[3] / "kernel/src/portinglab_kernel/opencv/wire.json"

INT_TYPES = {"int", "long", "short", "unsigned long", "unsigned char", "unsigned short", "char", "unsigned int",
             "signed char", "long long", "unsigned long long"}
FLOAT_TYPES = {"double", "float"}
#: string arguments that name a file OpenCV opens (the bridge copies it into opencv.js's file system first)
PATH_ARGS = {"filename", "model", "config", "onnxFile", "prototxt", "caffeModel", "cfgFile", "darknetModel",
             "weights", "modelPath", "configPath"}
HDR_INT = {"int", "size_t", "uchar", "char", "int64", "uint64", "int64_t", "uint8_t", "uint32_t", "int32_t", "unsigned",
           "short", "ushort", "schar"}
HDR_FLOAT = {"double", "float"}
MAT_HDR = {"Mat", "UMat", "cuda_GpuMat", "Mat_", "Mat*"}
# registry vector type -> (input kind, output kind, python converter)
VECTORS = {
    "IntVector": ("intvec", "out_intvec", "ints"), "FloatVector": ("floatvec", "out_floatvec", "floats"),
    "DoubleVector": ("doublevec", "out_doublevec", "doubles"), "PointVector": ("pointvec", "out_pointvec", "points"),
    "Point2fVector": ("point2fvec", "out_point2fvec", "points2f"), "RectVector": ("rectvec", "out_rectvec", "rects"),
    "StringVector": ("strvec", "out_strvec", "strs"), "MatVector": ("mats", "out_mats", "mats"),
    "KeyPointVector": ("keypointvec", "out_keypointvec", "keypoints"),
    "DMatchVector": ("dmatchvec", "out_dmatchvec", "dmatches"),
    "DMatchVectorVector": (None, "out_dmatchvecvec", "dmatches"),
}
STRUCT_ARGS = {"Size": "size", "Point": "point", "Point2f": "point2f", "Scalar": "scalar", "Rect": "rect",
               "RotatedRect": "rrect", "TermCriteria": "term"}
HDR_VEC_OF = {"vector_int": "ints", "vector_float": "floats", "vector_double": "doubles", "vector_Point": "points",
              "vector_Point2f": "points2f", "vector_Rect": "rects", "vector_String": "strs", "vector_string": "strs",
              "vector_Mat": "mats"}


def wire() -> dict:
    return json.loads(WIRE.read_text(encoding="utf-8"))


def _is_mat(a: Arg) -> bool:
    return a.type in MAT_HDR


def _big_out(a: Arg) -> bool:
    """An output opencv-python takes as an optional argument (gen2's isbig: Mat and vector_Mat)."""
    return (a.out or a.inout) and (a.type in MAT_HDR or a.type == "vector_Mat")


def arg_kind(a: Arg, reg: str, enums: set[str], classes: dict = {}) -> tuple[str, str] | None:  # noqa: B006
    """(wire kind, python converter) for an argument of C++ type `a.type` that opencv.js takes as `reg`."""
    io = "io" if a.inout else "o" if a.out else "i"
    if reg == "Mat" and (_is_mat(a) or a.type.startswith("vector_")):
        return {"i": ("mat", "mat"), "o": ("out", "out"), "io": ("io", "io")}[io]
    if reg in VECTORS and (io == "i" or a.type.startswith("vector_")):
        kin, kout, conv = VECTORS[reg]
        if io == "i":
            return (kin, conv) if kin else None
        if io == "o":
            return kout, "out"
        return None
    if io != "i":
        return None
    if reg in STRUCT_ARGS and a.type in (reg, reg + "2i", "Size2i", "Point2i") or (reg == "Point2f" and a.type == "Point2f"):
        return STRUCT_ARGS[reg], STRUCT_ARGS[reg]
    if reg == "Scalar" and a.type == "Scalar":
        return "scalar", "scalar"
    if reg == "bool" and a.type == "bool":
        return "bool", "bool"
    if reg == "std::string" and a.type in ("String", "string", "c_string", "std::string"):
        return "str", "path" if a.name in PATH_ARGS else "str"
    if reg in INT_TYPES and (a.type in HDR_INT or a.type not in HDR_FLOAT and a.type[:1].isupper()):
        return "num", "int"  # ints and enums opencv.js takes as int
    if reg in FLOAT_TYPES and a.type in HDR_FLOAT | HDR_INT:
        return "num", "float"
    if reg in enums and a.type not in HDR_FLOAT:
        return "enum", "int"
    if reg == "emscripten::val" and a.type in ("vector_int", "vector_float", "vector_double"):
        return "array", HDR_VEC_OF[a.type]
    if reg in classes and (a.type == reg or a.type.startswith("Ptr_") or a.type.replace("_", "") == reg.replace("_", "")
                           or a.type.split("_")[-1] == reg.split("_")[-1]):
        return "obj", "obj"
    return None


def ret_kind(reg: str, structs: dict, classes: dict = {}, enums: set = frozenset()) -> str | None:  # noqa: B006
    if reg == "void":
        return None
    if reg in INT_TYPES:
        return "int"
    if reg in FLOAT_TYPES:
        return "float"
    if reg == "bool":
        return "bool"
    if reg == "std::string":
        return "str"
    if reg == "Mat":
        return "mat"
    if reg in structs:
        return "struct:" + reg
    if reg in VECTORS:
        return "vec:" + reg
    if reg in classes:
        return "obj:" + classes[reg]
    if reg in enums:
        return "int"  # an embind enum value: bridge.js returns its number
    return "unsupported:" + reg


def match_decl(form: Form, decls: list[Decl]) -> Decl | None:
    for d in decls:
        names = {a.name for a in d.args}
        inputs = {a.name for a in d.args if not a.out or a.inout}
        if set(form.params) <= names and inputs <= set(form.params) and set(form.returns) - {"retval"} <= names:
            return d
    return None


def primitive_decl(form: Form, fams) -> Decl | None:
    """A declaration from opencv.js's own signature, when the headers the generator reads lack one (e.g.
    utils/logger.hpp's setLogLevel) and every argument is a plain number: nothing to guess."""
    prim = {"int": "int", "double": "double", "float": "float", "bool": "bool"}
    for fam, sigs in fams:
        for sig in sigs:
            if len(sig) - 1 == len(form.params) == form.required and all(t in prim for t in sig[1:]) \
                    and (sig[0] == "void") == (form.returns == ()) \
                    and (sig[0] in prim or sig[0] == "void" or fam.startswith("new:")):
                args = tuple(Arg(prim[t], n, "", False, False) for t, n in zip(sig[1:], form.params))
                return Decl(form.text.split("(")[0], "", sig[0], args)
    return None


def _family(registry_functions: dict, names: list[str]) -> list[tuple[str, list[list[str]]]]:
    fams = []
    for base in names:
        for suffix in [""] + [str(i) for i in range(1, 6)]:
            if base + suffix in registry_functions:
                fams.append((base + suffix, registry_functions[base + suffix]))
    return fams


def build_variant(form: Form, decl: Decl, fams, ctx) -> dict | str:
    """One call form as the IR describes it, or the reason it cannot be bridged."""
    collapsed = [a for a in decl.args if (a.out and not a.inout) and not _big_out(a) and a.name in form.returns]
    layouts = [list(decl.args)]
    if collapsed:
        layouts.append([a for a in decl.args if a not in collapsed])
    reasons = []
    for jsname, sigs in fams:
        for layout in layouts:
            full = [s for s in sigs if len(s) - 1 == len(layout)]
            for sig in full:
                kinds = [arg_kind(a, t, ctx["enums"], ctx["classes"]) for a, t in zip(layout, sig[1:])]
                if None in kinds:
                    bad = [f"{a.name}: {a.type} vs opencv.js {t}" for a, t, k in zip(layout, sig[1:], kinds) if k is None]
                    reasons.append(f"{jsname}: " + ", ".join(bad))
                    continue
                rk = ret_kind(sig[0], ctx["structs"], ctx["classes"], ctx["enums"])
                if rk and rk.startswith("unsupported:"):
                    reasons.append(f"{jsname} returns {sig[0]}")
                    continue
                spread = layout is not layouts[0]
                if spread and not (rk or "").startswith("struct:"):
                    reasons.append(f"{jsname}: outputs {[a.name for a in collapsed]} not returned by opencv.js")
                    continue
                # arities: every overload of the family that is a prefix of the full signature
                arities = sorted(len(s) - 1 for s in sigs if s[1:] == sig[1:len(s)] and s[0] == sig[0])
                args = []
                for a, (kind, conv) in zip(layout, kinds):
                    default = None
                    has_default = bool(a.default) or kind.startswith("out") or kind == "none"
                    if a.default and kind not in ("out", "io") and not kind.startswith("out_"):
                        try:
                            default = overrides.default_value(a.default, ctx["constants"])
                        except overrides.UnknownDefault:
                            default = {"unknown": a.default}
                    args.append({"name": a.name, "kind": kind, "conv": conv, "default": default,
                                 "optional": has_default, "cpp": a.default or None})
                return {
                    "form": form.text, "params": list(form.params), "required": form.required,
                    "returns": list(form.returns), "js": jsname, "args": args, "arities": arities,
                    "ret": rk, "spread": spread,
                }
    return "; ".join(dict.fromkeys(reasons)) or "no opencv.js function of that name"


def js_names(py: str) -> list[str]:
    if "." in py:
        mod, name = py.rsplit(".", 1)
        return [name, f"{mod}_{name}"]
    return [py]


def _enums(registry: dict, w: dict) -> set[str]:
    """embind enum types: every registered type name that is no class, vector, struct or Mat (AlgorithmHint, ...)."""
    sigs = [s for f in registry["functions"].values() for s in f]
    for c in registry["classes"].values():
        sigs += c["constructors"] + [s for m in c["methods"].values() for s in m] + [s for m in c["static"].values() for s in m]
    names = {t for s in sigs for t in s if t}
    return {t for t in names if t[0].isupper() and t not in STRUCT_ARGS and t not in VECTORS and t not in w["structs"]
            and t not in registry["classes"] and t not in ("Mat", "Point3f", "Rect2f", "Circle", "MinMaxLoc", "Moments",
                                                             "Range", "Exception", "KeyPoint", "DMatch")}


def bridge_forms(forms: list[Form], cands: list[Decl], fams, ctx) -> tuple[list[dict], list[str]]:
    """The call forms that map onto opencv.js (IR variants), and why the others do not."""
    variants, why = [], []
    for f in forms:
        d = match_decl(f, cands) or primitive_decl(f, fams)
        if d is None:
            why.append(f"{f.text}: no C++ declaration matches")
            continue
        v = build_variant(f, d, fams, ctx)
        if isinstance(v, str):
            why.append(f"{f.text}: {v}")
        else:
            variants.append(v)
    return variants, why


def _entry(entry: dict, variants: list[dict], why: list[str]) -> dict:
    if variants:
        entry.update(status="bridged", variants=variants)
        if why:
            entry["partial"] = why
    else:
        entry.update(status="signature differs", reason=" | ".join(why))
    return entry


def js_class(py: str, registry: dict) -> str | None:
    """opencv.js's name of an opencv-python class: dnn.Net -> dnn_Net, aruco.ArucoDetector -> aruco_ArucoDetector."""
    name = py.replace(".", "_")
    return name if name in registry["classes"] else None


def ctor_family(js: str, registry: dict) -> list:
    """opencv.js's constructors of a class, as a function family returning the class."""
    sigs = registry["classes"].get(js, {}).get("constructors", [])
    return [(f"new:{js}", [[js, *sig] for sig in sigs])] if sigs else []


def method_family(py_class: str, method: str, surface: Surface, registry: dict) -> list:
    """opencv.js's overloads of a method, looked up along opencv-python's class hierarchy."""
    fams = []
    for cls in [py_class, *surface.bases.get(py_class, [])]:
        js = js_class(cls, registry)
        if not js:
            continue
        methods = registry["classes"][js]["methods"]
        for suffix in [""] + [str(i) for i in range(1, 6)]:
            if method + suffix in methods:
                fams.append((f"{js}.{method + suffix}", [s for s in methods[method + suffix]]))
        if fams:
            break
    return fams


def class_decls(py_class: str, method: str, surface: Surface, by_name: dict) -> list[Decl]:
    for cls in [py_class, *surface.bases.get(py_class, [])]:
        if f"{cls}.{method}" in by_name:
            return by_name[f"{cls}.{method}"]
    return []


def build(surface: Surface, decls: list[Decl], registry: dict) -> dict:
    w = wire()
    py_of_js = {}
    for q in surface.classes:
        js = js_class(q, registry)
        if js and (js not in py_of_js or "." in q):
            py_of_js[js] = q
    ctx = {"structs": w["structs"], "constants": surface.constants, "classes": py_of_js,
           "enums": _enums(registry, w)}
    by_name: dict[str, list[Decl]] = {}
    for d in decls:
        by_name.setdefault(d.name, []).append(d)
    excluded = {n: why for why, names in overrides.EXCLUDED_GROUPS.items() for n in names}
    functions = {}
    for py, forms in sorted(surface.functions.items()):
        entry: dict = {"forms": [f.text for f in forms]}
        top = py.split(".")[0]
        cands = by_name.get(py, []) or by_name.get(py.replace("_", ".", 1), [])  # ORB_create -> ORB.create
        fams = _family(registry["functions"], js_names(py))
        if not fams:  # a factory: opencv.js makes the object with the class's constructor (createCLAHE -> new CLAHE)
            for d in cands:
                if d.ret.startswith("Ptr_") and js_class(d.ret[4:].replace("_", ".", 1), registry):
                    fams = ctor_family(js_class(d.ret[4:].replace("_", ".", 1), registry), registry)
                elif d.ret.startswith("Ptr_") and d.ret[4:] in registry["classes"]:
                    fams = ctor_family(d.ret[4:], registry)
        if py in overrides.CODECS:
            entry.update(status="codec", reason="opencv.js has no codecs: Pillow, with OpenCV's semantics (codecs.py)")
        elif py in excluded or top in excluded:
            entry.update(status="excluded", reason=excluded.get(py) or excluded[top])
        elif not fams:
            entry.update(status="not in opencv.js", reason=f"{registry.get('label', 'opencv.js')} does not export it")
        else:
            _entry(entry, *bridge_forms(forms, cands, fams, ctx))
        functions[py] = entry
    classes = {}
    for q, methods in sorted(surface.classes.items()):
        js = js_class(q, registry)
        entry = {"js": js, "bases": surface.bases.get(q, [])}
        if "_" in q and "." not in q and q.replace("_", ".", 1) in surface.classes:
            entry.update(status="alias", of=q.replace("_", ".", 1))
        elif q in excluded or q.split(".")[0] in excluded or q.split("_")[0] in ("cuda", "ocl", "ogl"):
            entry.update(status="excluded", reason=excluded.get(q) or excluded.get(q.split(".")[0]) or "CUDA / OpenCL / OpenGL")
        elif not js:
            entry.update(status="not in opencv.js", reason=f"{registry.get('label', 'opencv.js')} does not build it")
        else:
            entry["methods"], entry["not_bridged"] = {}, {}
            for m, forms in methods.items():
                if m == "__init__":
                    fams = ctor_family(js, registry)
                    cands = by_name.get(f"{q}.{q.rsplit('.', 1)[-1]}", [])
                else:
                    fams = method_family(q, m, surface, registry)
                    cands = class_decls(q, m, surface, by_name)
                    if not fams and cands and cands[0].static and cands[0].ret.startswith("Ptr_"):
                        fams = ctor_family(js, registry)  # ORB.create -> new ORB
                if not fams:
                    entry["not_bridged"][m] = "not in opencv.js"
                    continue
                variants, why = bridge_forms(forms, cands, fams, ctx)
                if variants:
                    static = m == "__init__" or (cands and cands[0].static)
                    for v in variants:
                        v["self"] = not static
                    entry["methods"][m] = variants
                else:
                    entry["not_bridged"][m] = " | ".join(why)
            entry["status"] = "bridged" if entry["methods"] else "signature differs"
        classes[q] = entry
    return {"functions": functions, "classes": classes}


#: bridged by the hand-written layer (kernel/src/portinglab_kernel/opencv/functions.py), each for a reason
HAND_WRITTEN = {
    "resize": "fused fast path (two crossings)", "cvtColor": "fused fast path", "GaussianBlur": "fused fast path",
    "medianBlur": "fused fast path", "Canny": "fused fast path", "flip": "fused fast path", "rotate": "fused fast path",
    "equalizeHist": "fused fast path", "threshold": "fused fast path",
    "findContours": "fused: all contours copied out in one copy",
    "boxPoints": "opencv.js returns a JS array of points (emscripten::val)",
    "setNumThreads": "the threads build's thread count (an isolated page); elsewhere accepted and ignored",
    "getNumThreads": "the threads build's thread count; 1 elsewhere",
    "getBuildInformation": "opencv.js's",
    "getTextSize": "not in opencv.js: OpenCV's own loop over the Hershey fonts' metrics, read from its drawing.cpp",
    **{f"dnn.{n}": "OpenCV's NMSFast_ in Python (opencv.js binds it over std::vector<Rect2d>, a type it does not "
                   "register, so no call reaches it)" for n in ("NMSBoxes", "NMSBoxesBatched")},
    "dnn.NMSBoxesRotated": "OpenCV's NMSFast_ in Python, overlaps by the bridged rotatedRectangleIntersection and "
                           "contourArea (opencv.js cannot take std::vector<RotatedRect>)",
}


def in_registry(js: str, registry: dict) -> bool:
    """Whether an opencv.js build exports a variant's `js` ("name", "new:Class", "Class.method")."""
    if js.startswith("new:"):
        return js[4:] in registry["classes"]
    name, _, method = js.partition(".")
    if not method:
        return name in registry["functions"]
    c = registry["classes"].get(name)
    return bool(c) and (method in c["methods"] or method in c["static"])


def mark_fallback(ir: dict, fallback: dict) -> None:
    """`fallback: False` on the bridged functions and class methods the npm build (loaded where a browser
    lacks wasm SIMD) does not export: there they raise cv2.error (not implemented)."""
    for e in ir["functions"].values():
        if e.get("status") == "bridged" and not any(in_registry(v["js"], fallback) for v in e["variants"]):
            e["fallback"] = False
    for e in ir["classes"].values():
        for m, variants in e.get("methods", {}).items():
            if not any(in_registry(v["js"], fallback) for v in variants):
                e.setdefault("fallback_missing", []).append(m)


def finish(ir: dict, surface: Surface, registry: dict, fallback: dict | None = None) -> dict:
    """Hand-written names, classes' status, counts; with `fallback` (the npm build's registry), what it lacks."""
    F = ir["functions"]
    for name, why in HAND_WRITTEN.items():
        if name in F:
            F[name]["status"] = "hand-written"
            F[name]["reason"] = why
            F[name].pop("variants", None)
    ir["opencv_js"] = registry.get("label", "opencv.js")
    if fallback is not None:
        mark_fallback(ir, fallback)
    classes = ir["classes"]
    top = {k: v for k, v in F.items() if "." not in k}
    top_classes = {k: (classes[v["of"]] if v["status"] == "alias" else v) for k, v in classes.items() if "." not in k}
    in_js = [k for k, v in top.items() if v["status"] in ("bridged", "signature differs")
             or (v["status"] == "hand-written" and "not in opencv.js" not in v["reason"])]
    bridged = [k for k in in_js if top[k]["status"] in ("bridged", "hand-written")]
    ir["counts"] = {
        "functions": len(top), "functions_in_js": len(in_js), "functions_bridged": len(bridged),
        "functions_bridged_pct": 100.0 * len(bridged) / max(len(in_js), 1),
        "functions_simd_only": len([k for k in bridged if top[k].get("fallback") is False]),
        "codecs": len([k for k, v in top.items() if v["status"] == "codec"]),
        "classes": len(top_classes), "classes_in_js": len([c for c in top_classes.values() if c["js"]]),
        "classes_bridged": len([c for c in top_classes.values() if c["status"] == "bridged"]),
        "constants": len([k for k in surface.constants if "." not in k]),
        "sub_constants": len([k for k in surface.constants if "." in k]),
        "constants_in_js": len([k for k in surface.constants if "." not in k and k in registry["constants"]]),
        "constants_js_differ": sorted(k for k in surface.constants if "." not in k and k in registry["constants"]
                                      and (registry["constants"][k] - surface.constants[k]) % 2**32),
        # the same 32 bits, read signed by opencv.js and unsigned by opencv-python (Mat_MAGIC_MASK, ...)
        "constants_js_signed": sorted(k for k in surface.constants if "." not in k and k in registry["constants"]
                                      and registry["constants"][k] != surface.constants[k]),
    }
    return ir
