"""The kernel's `cv2` surface against opencv-python, in CPython: what `import cv2` exports (api.py, constants.py),
the value classes (structs.py), cv2.error and the reading of OpenCV's messages (errors.py), the Hershey font
tables (fonts.py) and the copying of files OpenCV opens by name (files.py).

Proves: every name the bridge exports is opencv-python's, with its value (constants of cv2 and of its
sub-modules) and its class hierarchy; a name it lacks is an AttributeError naming the escape hatch;
KeyPoint / DMatch hold what opencv-python's hold; an OpenCV error message (taken from opencv-python's
own errors) gives cv2.error the same code, err, func, file and line; opencv-python's argument-error text
is reproduced character for character.
"""

from __future__ import annotations

import ctypes
import os
import types

import numpy as np
import pytest

from _kernel import kernel_cases, real_cv2 as cv2
from portinglab_kernel.opencv import api, constants, errors, files, fonts, structs
from portinglab_kernel.opencv.generated import ALIASES, CLASSES, FUNCTIONS

NS = api.namespace()
cv2_cases, _ = kernel_cases()


def _real(dotted: str):
    obj = cv2
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------- the namespace

def test_every_exported_name_is_opencv_pythons():
    ours_only = {"portinglab"}  # the bridge's own helpers (documented: cv2.portinglab.raw() ...)
    missing = [n for n in NS if n not in ours_only and not hasattr(cv2, n)]
    assert not missing, missing
    assert NS["__version__"] == cv2.__version__ == "4.12.0"
    assert NS["error"] is errors.error and issubclass(errors.error, Exception)
    assert NS["data"].haarcascades == files.HAARCASCADES and NS["data"].haarcascades.endswith("/")


def test_constants_of_cv2_and_its_submodules_are_opencv_pythons():
    ints = {n: v for n, v in NS.items() if type(v) is int}
    assert len(ints) == 1734 and all(getattr(cv2, n) == v for n, v in ints.items())
    checked = 0
    for sub, consts in constants.SUBMODULES.items():
        mod = NS[sub]
        for name, value in consts.items():
            assert getattr(mod, name) == value == getattr(_real(sub), name), (sub, name)
            checked += 1
    assert checked == sum(len(c) for c in constants.SUBMODULES.values()) >= 500


def test_functions_are_exported_where_opencv_python_has_them():
    assert set(api.BRIDGED) == set(api.TOP_LEVEL) | {n for n in FUNCTIONS if "." in n} | set(api.HAND_WRITTEN_SUB)
    for name in api.BRIDGED:
        ours = NS[name] if "." not in name else getattr(NS[name.split(".")[0]], name.split(".", 1)[1])
        assert callable(ours) and getattr(ours, "__bridged__", False), name
        assert callable(_real(name)), name
        assert ours.__name__ == name.rsplit(".", 1)[-1]
    for name, fn in api.HAND_WRITTEN.items():  # a hand-written function replaces the generated one
        assert NS[name] is fn and hasattr(cv2, name)


def test_classes_have_opencv_pythons_names_and_hierarchy():
    for name, cls in api.BRIDGED_CLASSES.items():
        real = _real(name)
        assert cls.__name__ == real.__name__ == name.rsplit(".", 1)[-1]
        ours = [c.__name__ for c in cls.__mro__ if c.__name__ not in ("CvObject", "object")]
        theirs = [c.__name__ for c in real.__mro__ if c is not object]
        assert ours == [n for n in theirs if n in ours] and ours[0] == theirs[0], (name, ours, theirs)
        if name in CLASSES:
            assert set(CLASSES[name][1]) - {"__init__"} <= set(dir(real)), name
    for alias, of in ALIASES.items():
        assert NS[alias] is api.BRIDGED_CLASSES[of] and getattr(cv2, alias) is _real(of)
    assert NS["ORB"].__module__ == "cv2" and NS["aruco"].ArucoDetector.__module__ == "cv2.aruco"


def test_what_is_not_bridged_is_an_attribute_error_naming_the_escape_hatch():
    aruco = NS["aruco"]
    with pytest.raises(AttributeError) as exc:
        aruco.noSuchThing
    assert "module 'cv2.aruco' has no attribute 'noSuchThing'" in str(exc.value)
    assert "cv2.portinglab.raw()" in str(exc.value) and "docs/cv2-coverage.md" in str(exc.value)
    with pytest.raises(AttributeError) as dunder:
        aruco.__wrapped__  # dunders: the plain error (copy, pickle, inspect probe them)
    assert str(dunder.value) == "__wrapped__"
    assert "module 'cv2' has no attribute 'imshow'" in str(api.missing("imshow"))
    assert sorted(api.SUBMODULES) == sorted({n.split(".")[0] for n in [*FUNCTIONS, *CLASSES] if "." in n}
                                            | set(constants.SUBMODULES))


def test_the_portinglab_helpers():
    p = NS["portinglab"]
    assert p.BRIDGED is api.BRIDGED and {"raw", "to_mat", "from_mat", "load_info", "heap_bytes"} <= set(dir(p))


def test_an_object_without_an_opencv_js_constructor_says_how_to_make_one():
    cls = api.BRIDGED_CLASSES["ORB"]  # opencv-python: ORB_create(...); ORB() itself makes an empty object
    assert cls._ctor is None
    with pytest.raises(TypeError, match="cv2.ORB: opencv.js has no constructor for it; make one with a cv2 factory"):
        cls()


def test_a_bridged_object_frees_its_opencv_js_object_once():
    from portinglab_kernel.opencv import invoke

    handle = types.SimpleNamespace(deleted=0)
    handle.delete = lambda: setattr(handle, "deleted", handle.deleted + 1)
    obj = invoke.wrap("ORB", handle)
    assert type(obj).__name__ == "ORB" and "(closed)" not in repr(obj)
    with obj:
        pass
    obj.close()
    del obj
    assert handle.deleted == 1
    assert type(invoke.wrap("aruco_Dictionary", handle)) is api.BRIDGED_CLASSES["aruco.Dictionary"]
    assert type(invoke.wrap("NoSuchClass", handle)) is invoke.CvObject


# ---------------------------------------------------------------- KeyPoint, DMatch

KEYPOINT_ARGS = [(), (1.5, 2.5, 3.0), (1, 2, 3, 45.5), (1, 2, 3, 45, 0.25), (1, 2, 3, 45, 0.25, 2),
                 (1, 2, 3, 45, 0.25, 2, 7), (np.float32(1.5), np.float64(2), 3, -1.0, 0.0, -1, np.int32(9))]


@pytest.mark.parametrize("args", KEYPOINT_ARGS, ids=str)
def test_keypoint_is_opencv_pythons(args):
    real, ours = cv2.KeyPoint(*args), structs.KeyPoint(*args)
    for attr in ("pt", "size", "angle", "response", "octave", "class_id"):
        assert getattr(ours, attr) == getattr(real, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(real, attr)), attr
    assert type(ours.pt[0]) is float and repr(ours).startswith("< cv2.KeyPoint pt=")
    assert structs.KeyPoint(x=1, y=2, size=3).pt == cv2.KeyPoint(x=1, y=2, size=3).pt


def test_keypoint_is_more_lenient_than_opencv_pythons():
    """Taken by ours, refused by opencv-python's parser (x and y without size; an int64 coordinate)."""
    for args in [(1.5, 2.5), (1.5, np.int64(2), 3)]:
        with pytest.raises(cv2.error, match="Overload resolution failed"):
            cv2.KeyPoint(*args)
        assert structs.KeyPoint(*args).pt == (1.5, 2.0 if len(args) == 3 else 2.5)


@pytest.mark.parametrize("args", [(), (1, 2, 0.5), (1, 2, 3, 0.75), (np.int32(4), 5, np.float32(0.5))], ids=str)
def test_dmatch_is_opencv_pythons(args):
    real, ours = cv2.DMatch(*args), structs.DMatch(*args)
    for attr in ("queryIdx", "trainIdx", "imgIdx", "distance"):
        assert getattr(ours, attr) == getattr(real, attr) and type(getattr(ours, attr)) is type(getattr(real, attr))


@pytest.mark.parametrize("make, args", [("DMatch", (1, 2)), ("DMatch", (1, 2, 3, 4, 5)), ("KeyPoint", tuple(range(8)))])
def test_wrong_arities_are_refused_as_by_opencv_python(make, args):
    with pytest.raises(cv2.error, match="Overload resolution failed|takes at most"):
        getattr(cv2, make)(*args)
    with pytest.raises(TypeError):  # ours: a TypeError (opencv-python: cv2.error); both refuse
        getattr(structs, make)(*args)


def test_struct_fields_are_the_wire_ones():
    import json

    from _kernel import KERNEL

    wire = json.loads((KERNEL / "opencv/wire.json").read_text())["structs"]
    assert [f.split(".")[0] for f in wire["KeyPoint"]["fields"]][1:] == ["pt", *structs.KeyPoint.__slots__[1:]]
    assert wire["DMatch"]["fields"] == list(structs.DMatch.__slots__)
    assert set(structs.KeyPoint.__slots__) <= set(dir(cv2.KeyPoint))
    assert set(structs.DMatch.__slots__) == {n for n in dir(cv2.DMatch) if not n.startswith("_")}
    assert structs.FLT_MAX == cv2.DMatch().distance


# ---------------------------------------------------------------- cv2.error from OpenCV's messages

def _opencv_python_errors() -> list[tuple[str, dict]]:
    """The messages of OpenCV's own errors in opencv-python (not its argument parsing), with the attributes
    of each cv2.error read at once (opencv-python sets them on the class: the next error replaces them)."""
    inputs = cv2_cases.make_inputs()
    found = []
    for expr in [*cv2_cases.BAD_CASES.values(),
                 "cv2.cvtColor(np.zeros((3, 3, 2), np.uint8), cv2.COLOR_BGR2GRAY)",
                 "cv2.add(np.zeros((3, 3), np.uint8), np.zeros((4, 4), np.uint8))",
                 "cv2.warpAffine(img, np.eye(3), (10, 10))"]:
        scope = {"cv2": cv2, "np": np, **{k: v.copy() for k, v in inputs.items()}}
        try:
            eval(expr, scope)  # noqa: S307
        except cv2.error as exc:
            if exc.file:
                found.append((str(exc), {a: getattr(exc, a) for a in ("code", "err", "func", "file", "line", "msg")}))
        except Exception:  # noqa: BLE001, S110 - TypeErrors of argument parsing: not OpenCV's messages
            pass
    return found


def test_an_opencv_message_gives_cv2_error_opencv_pythons_attributes():
    real_errors = _opencv_python_errors()
    assert len(real_errors) >= 20
    multiline = 0
    for text, real in real_errors:
        ours = errors.from_opencv_message(text)
        assert isinstance(ours, errors.error) and str(ours) == text
        assert {a: getattr(ours, a) for a in real} == real, text
        multiline += "\n>" in real["msg"]
    assert multiline >= 2  # CV_Check's form: the error's lines after "in function '...'"


def test_opencv_js_tags_become_cv2_errors():
    text, real = _opencv_python_errors()[0]
    ours = errors.from_tagged("@@cv@@" + text.strip(), "resize")
    assert (ours.code, ours.func, ours.err, ours.line) == (real["code"], real["func"], real["err"], real["line"])
    bind = errors.from_tagged("@@bind@@ Cannot pass 'x' as a Mat ", "blur")
    assert bind.code == -5 and "opencv.js rejected an argument: Cannot pass 'x' as a Mat\n" in bind.msg
    other = errors.from_tagged("@@js@@ TypeError: boom", "blur")
    assert other.code == -2 and other.func == "blur" and "opencv.js failed: TypeError: boom in function 'blur'" in str(other)
    assert errors.from_opencv_message("not OpenCV's").code == -2

    class JsException(Exception):
        pass

    got = errors.from_js(JsException("Error: @@cv@@" + text.strip()), "resize")
    assert isinstance(got, errors.error) and got.code == real["code"]
    plain = ValueError("no tag")
    assert errors.from_js(plain, "resize") is plain


@pytest.mark.parametrize("call, problems", [
    ("cv2.blur('x', (3, 3))", ["src is not a numpy array, neither a scalar", "Expected Ptr<cv::UMat> for argument 'src'"]),
    ("cv2.resize(img, (1, 2, 3))", ["Can't parse 'dsize'. Expected sequence length 2, got 3",
                                    "Can't parse 'dsize'. Expected sequence length 2, got 3"]),
])
def test_argument_errors_read_as_opencv_pythons(call, problems):
    inputs = cv2_cases.make_inputs()
    with pytest.raises(cv2.error) as real:
        eval(call, {"cv2": cv2, "np": np, **inputs})  # noqa: S307
    func = call[4:call.index("(")]
    ours = errors.bad_argument(func, *problems)
    assert str(ours) == str(real.value)
    assert (ours.code, ours.func, ours.file, ours.line) == (real.value.code, real.value.func, real.value.file,
                                                          real.value.line)


# ---------------------------------------------------------------- Hershey fonts

def test_the_font_tables_are_opencv_pythons_faces():
    hershey = {getattr(cv2, n): n for n in dir(cv2) if n.startswith("FONT_HERSHEY_")}
    assert sorted(fonts.FACES) == sorted(hershey) == list(range(8))
    for face, (regular, italic) in fonts.FACES.items():
        assert regular in fonts.FONTS and italic in fonts.FONTS
        base, cap, advance = fonts.FONTS[regular]
        assert len(advance) >= 95 and all(type(a) is int and a > 0 for a in advance)
        # the cap height + base line is the text height opencv-python gives at scale 1, thickness 1
        (_, height), baseline = cv2.getTextSize("x", face, 1.0, 1)
        assert height == cap + base + 1 and baseline == round(base + 0.5)  # cvRound: half to even, as round()
    assert len(fonts.FONTS["HersheyComplex"][2]) > 95  # Cyrillic in FONT_HERSHEY_COMPLEX
    assert cv2.FONT_ITALIC == 16


# ---------------------------------------------------------------- files OpenCV opens by name

class MirroringBridge:
    """bridge.js's mirrorFile: records what it was given to copy (reading the bytes at the address)."""

    def __init__(self):
        self.copies = []

    def mirrorFile(self, path, ptr, nbytes):  # noqa: N802 - bridge.js's name
        self.copies.append((path, ctypes.string_at(ptr, nbytes)))
        return 0.5


def test_a_file_is_copied_for_opencv_js_once_per_version(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(files, "_mirrored", {})
    (tmp_path / "cascade.xml").write_bytes(b"<opencv_storage/>")
    H = MirroringBridge()
    assert files.mirror(H, "cascade.xml", "CascadeClassifier") == str(tmp_path / "cascade.xml")
    assert files.mirror(H, str(tmp_path / "cascade.xml"), "CascadeClassifier") == str(tmp_path / "cascade.xml")
    assert H.copies == [(str(tmp_path / "cascade.xml"), b"<opencv_storage/>")]
    (tmp_path / "cascade.xml").write_bytes(b"<opencv_storage>changed</opencv_storage>")
    os.utime(tmp_path / "cascade.xml", ns=(1, 1))
    files.mirror(H, "cascade.xml", "CascadeClassifier")
    assert H.copies[-1][1] == b"<opencv_storage>changed</opencv_storage>" and len(H.copies) == 2
    # not a file of the kernel's: passed on as its absolute path (opencv.js's own files, or OpenCV's error)
    assert files.mirror(H, "missing.onnx", "dnn.readNet") == str(tmp_path / "missing.onnx")
    assert files.mirror(H, "", "dnn.readNet") == "" and len(H.copies) == 2


# ---------------------------------------------------------------------------- which opencv.js loads (loader.py)

def test_the_simd_build_is_chosen_where_shipped_and_runnable():
    from portinglab_kernel.opencv.loader import BUILDS, choose_build

    both = {BUILDS["simd"][0]: {}, BUILDS["npm"][0]: {}}
    npm_only = {BUILDS["npm"][0]: {}}
    assert choose_build(both, None, simd=True) == "simd"
    assert choose_build(both, None, simd=False) == "npm"  # a browser without wasm SIMD
    assert choose_build(npm_only, None, simd=True) == "npm"  # a site without Porting Lab's build
    assert choose_build(both, "npm", simd=True) == "npm"
    assert choose_build(both, "simd", simd=False) == "simd"  # forced: the user asked for it
    with pytest.raises(ImportError, match="does not ship portinglab/opencv-js-simd"):
        choose_build(npm_only, "simd", simd=True)
    with pytest.raises(ImportError, match="use one of simd-threads, simd, npm"):
        choose_build(both, "fast", simd=True)
    three = {**both, BUILDS["simd-threads"][0]: {}}
    assert choose_build(three, None, simd=True, isolated=True) == "simd-threads"
    assert choose_build(three, None, simd=True, isolated=False) == "simd"  # no SharedArrayBuffer
    assert choose_build(three, None, simd=False, isolated=True) == "npm"
    with pytest.raises(ImportError, match="not cross-origin isolated"):
        choose_build(three, "simd-threads", simd=True, isolated=False)


def test_the_simd_probe_is_a_wasm_module_with_a_v128_instruction():
    from portinglab_kernel.opencv.loader import _SIMD_PROBE

    assert _SIMD_PROBE[:8] == b"\0asm\x01\0\0\0"
    assert b"\xfd" in _SIMD_PROBE  # the SIMD opcode prefix
