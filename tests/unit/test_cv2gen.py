"""The cv2 bridge's pure-Python parts, in CPython, no browser: the generator, wire.json, the namespace."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CV = ROOT / "kernel/src/portinglab_kernel/opencv"
IR = json.loads((ROOT / "src/portinglab/cv2gen/signatures.json").read_text())
WIRE = json.loads((CV / "wire.json").read_text())


def _module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_wire_kind_is_decoded_by_bridge_js():
    js = (CV / "bridge.js").read_text()
    decode = js[js.index("const DECODE = {"):js.index("const DECODERS")]
    decoded = set(re.findall(r"^\s{4}(\w+): ", decode, re.M))
    assert decoded == set(WIRE["args"]), (decoded ^ set(WIRE["args"]))
    for kind in WIRE["results"]:
        assert f"RES.{kind}" in js, f"bridge.js never writes result kind {kind}"


def test_every_ir_kind_is_on_the_wire():
    kinds = {a["kind"] for e in IR["functions"].values() for v in e.get("variants", ()) for a in v["args"]}
    assert kinds <= set(WIRE["args"]), kinds - set(WIRE["args"])
    structs = {v["ret"].split(":", 1)[1] for e in IR["functions"].values() for v in e.get("variants", ())
               if (v["ret"] or "").startswith("struct:")}
    assert structs <= set(WIRE["structs"])


def test_counts_meet_the_issue():
    c = IR["counts"]
    assert c["functions"] == 450 and c["constants"] == 1734
    assert c["functions_bridged"] / c["functions_in_js"] >= 0.95
    assert c["constants_js_differ"] == []  # where opencv.js has a constant, its value is opencv-python's


def test_constants_are_all_of_opencv_pythons():
    import cv2

    consts = _module("generated_constants", CV / "constants.py")
    ours = {n: v for n, v in vars(consts).items() if type(v) is int}
    theirs = {n: v for n, v in vars(cv2).items() if type(v) is int and not n.startswith("_")}
    assert ours == theirs
    assert consts.SUBMODULES["dnn"]["DNN_BACKEND_OPENCV"] == cv2.dnn.DNN_BACKEND_OPENCV
    assert "COLOR_BGR2YCrCb" in ours  # mixed case: once dropped by an isupper() filter


def test_call_forms_parse_like_opencv_pythons_docstrings():
    sys.path.insert(0, str(ROOT / "src"))
    from portinglab.cv2gen.pyapi import parse_form

    f = parse_form("resize(src, dsize[, dst[, fx[, fy[, interpolation]]]]) -> dst")
    assert f.params == ("src", "dsize", "dst", "fx", "fy", "interpolation") and f.required == 2
    assert f.returns == ("dst",)
    g = parse_form("minMaxLoc(src[, mask]) -> minVal, maxVal, minLoc, maxLoc")
    assert g.required == 1 and g.returns == ("minVal", "maxVal", "minLoc", "maxLoc")
    assert parse_form("setNumThreads(nthreads) -> None").returns == ()
    assert parse_form("createCLAHE([, clipLimit[, tileGridSize]]) -> retval").required == 0


@pytest.mark.parametrize("expr, value", [
    ("0", 0), ("1.5", 1.5), ("0.5f", 0.5), ("true", True), ("Mat()", None), ("noArray()", None),
    ("Point(-1,-1)", (-1, -1)), ("INTER_LINEAR", 1), ("cv::BORDER_DEFAULT", 4), ("BORDER_CONSTANT", 0),
    ("morphologyDefaultBorderValue()", (1.7976931348623157e308,) * 4), ("Scalar()", (0.0,) * 4),
])
def test_cpp_defaults(expr, value):
    sys.path.insert(0, str(ROOT / "src"))
    from portinglab.cv2gen.overrides import default_value

    assert default_value(expr, {"INTER_LINEAR": 1, "BORDER_DEFAULT": 4, "BORDER_CONSTANT": 0}) == value


def test_generated_forms_match_opencv_python():
    """Each generated call form is, character for character, one of opencv-python's own docstring lines."""
    import cv2

    for name, e in IR["functions"].items():
        if e["status"] != "bridged":
            continue
        obj = cv2
        for part in name.split("."):
            obj = getattr(obj, part)
        lines = {line.strip() for line in obj.__doc__.splitlines()}
        for v in e["variants"]:
            assert v["form"] in lines, (name, v["form"])
            outs = {a["name"] for a in v["args"] if a["kind"] in ("out", "io") or a["kind"].startswith("out_")}
            assert set(v["returns"]) - {"retval"} <= outs or v["spread"], (name, v["returns"])


def test_every_bridged_function_has_a_differential_case():
    sys.path.insert(0, str(ROOT / "tests/kernel"))
    import cv2_generated_cases as gc

    cases = gc.cases()
    for name, e in IR["functions"].items():
        if e["status"] == "bridged":
            assert f"gen:{name}" in cases or f"gen:{name.rsplit('.', 1)[-1]}" in cases, name


def test_the_generated_module_compiles():
    import ast

    tree = ast.parse((CV / "generated.py").read_text())
    assert any(isinstance(n, ast.Assign) and n.targets[0].id == "FUNCTIONS" for n in tree.body)


def test_the_generated_files_say_so():
    for path in (CV / "generated.py", CV / "constants.py", ROOT / "docs/cv2-coverage.md"):
        assert "Do not edit" in path.read_text()[:600], path


def test_check_reports_a_generated_file_that_differs(tmp_path, monkeypatch):
    """The build's check (`generate(check=True)`) fails on a hand-edited generated file and writes nothing."""
    sys.path.insert(0, str(ROOT / "src"))
    from portinglab.cv2gen import emit

    edited = tmp_path / "generated.py"
    edited.write_text("# hand-edited\n")
    monkeypatch.setitem(emit.OUTPUTS, "functions", edited)
    assert emit.write_or_check({"functions": "# generated\n"}, check=True) == [edited]
    assert edited.read_text() == "# hand-edited\n"
    assert emit.write_or_check({"functions": "# hand-edited\n"}, check=True) == []


def test_the_generated_files_are_what_emit_writes_from_the_committed_ir():
    """emit.py (and cv2gen/fonts.py's writer) reproduce, byte for byte, every committed output from the committed IR,
    opencv-python's constants and the font metrics (the build's check also re-derives the IR from the pinned sources)."""
    sys.path.insert(0, str(ROOT / "src"))
    import cv2

    from portinglab.cv2gen import emit
    from portinglab.cv2gen.fonts import FACES

    fonts = _module("generated_fonts", CV / "fonts.py")
    consts = _module("generated_constants", CV / "constants.py")
    constants = {n: v for n, v in vars(cv2).items() if type(v) is int and not n.startswith("_")}
    constants.update({f"{m}.{n}": getattr(getattr(cv2, m), n) for m, names in consts.SUBMODULES.items() for n in names})
    files = emit.render(IR, constants, fonts.FONTS)
    assert set(files) == set(emit.OUTPUTS)
    for key, text in files.items():
        assert emit.OUTPUTS[key].read_text(encoding="utf-8") == text, key
    assert fonts.FACES == FACES


def test_names_the_npm_fallback_lacks_are_marked():
    from portinglab.cv2gen import ir as irmod

    fallback = {"functions": {"blur": []}, "classes": {"ORB": {"methods": {"detect": []}, "static": {}}}}
    assert irmod.in_registry("blur", fallback) and not irmod.in_registry("findNonZero", fallback)
    assert irmod.in_registry("new:ORB", fallback) and not irmod.in_registry("new:SIFT", fallback)
    assert irmod.in_registry("ORB.detect", fallback) and not irmod.in_registry("ORB.compute", fallback)
    data = {"functions": {"blur": {"status": "bridged", "variants": [{"js": "blur"}]},
                          "findNonZero": {"status": "bridged", "variants": [{"js": "findNonZero"}]},
                          "imread": {"status": "codec"}},
            "classes": {"ORB": {"methods": {"detect": [{"js": "ORB.detect"}], "compute": [{"js": "ORB.compute"}]}}}}
    irmod.mark_fallback(data, fallback)
    assert data["functions"]["findNonZero"]["fallback"] is False and "fallback" not in data["functions"]["blur"]
    assert data["classes"]["ORB"]["fallback_missing"] == ["compute"]
