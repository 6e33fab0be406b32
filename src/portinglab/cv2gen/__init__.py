"""The cv2 bridge's generator: opencv-python's API over opencv.js, derived, not hand-picked.

As OpenCV builds its own bindings (modules/python/src2: hdr_parser.py reads the headers into one
neutral description; gen2.py writes wrappers from it), one written-down IR feeds every output:

    sources.py    the pinned inputs: the opencv-python 4.12.0.88 sdist (OpenCV's headers and
                  hdr_parser.py), opencv-python-headless 4.12.0.88 (its stubs, docstrings, constants),
                  the vendored opencv.js
    headers.py    OpenCV's headers through OpenCV's own hdr_parser: C++ order, types, in/out, defaults
    pyapi.py      opencv-python's surface: names, call forms (its docstrings), constants
    registry.py   what opencv.js really exports (registry.js reads its embind registry under Node)
    ir.py         the join: every name of opencv-python with its status, and how a bridged one is called
    overrides.py  the small reviewed layer generation cannot know (C++ default values, exclusions and why)
    fonts.py      the Hershey fonts' metrics from OpenCV's drawing.cpp (cv2.getTextSize, not in opencv.js)
    emit.py       writes signatures.json (the IR), the kernel's generated.py and constants.py, and
                  docs/cv2-coverage.md

`python -m portinglab cv2gen` writes them; `--check` (run by every build) fails when regenerating
gives a different result.
"""

from __future__ import annotations


def generate(check: bool = False, log=print) -> list:
    """Regenerate every output; with check, only compare. -> the paths that differ (check) or were written."""
    from . import emit, fonts, headers, ir, pyapi, registry, sources

    inp = sources.inputs()
    surface = pyapi.read(inp.stubs)
    decls = headers.parse(inp.opencv)
    reg = registry.read(inp.opencv_js)
    reg["label"] = inp.opencv_js_label
    fallback = registry.read(inp.opencv_js_fallback) if inp.opencv_js_fallback else None
    data = ir.finish(ir.build(surface, decls, reg), surface, reg, fallback)
    files = emit.render(data, surface.constants, fonts.read(inp.opencv))
    c = data["counts"]
    log(f"[cv2gen] functions: {c['functions']} in opencv-python, {c['functions_in_js']} in opencv.js, "
        f"{c['functions_bridged']} bridged ({c['functions_bridged_pct']:.1f} %, {c.get('functions_simd_only', 0)} of them "
        f"not in the npm fallback); classes: {c['classes']} / "
        f"{c['classes_in_js']} / {c['classes_bridged']}; constants: {c['constants']}")
    differ = emit.write_or_check(files, check)
    if check and differ:
        from ..fetch import AssetError

        raise AssetError("the generated cv2 files differ from what the generator gives now: "
                         + ", ".join(str(p) for p in differ) + "\nRun `./portlab cv2gen` and commit the result.")
    return differ if check else list(emit.OUTPUTS.values())
