"""Which opencv.js the kernel loads, and that each build the site ships gives opencv-python's results.

The site ships Porting Lab's own builds (wasm SIMD; SIMD + threads for cross-origin isolated pages;
docs/opencv-js-build.md) and the npm build as the fallback where a browser lacks wasm SIMD. test_cv2.py
runs every case on the default build; here the whole cv2_cases.CASES list runs again on the threads build
(an isolated page) and on the npm fallback (forced with PORTINGLAB_OPENCVJS), against opencv-python, with
the same tolerances.
"""

from __future__ import annotations

import json

import pytest

import cv2_cases as cc
import cv2_generated_cases as gc
from browser import isolated_kernel

pytestmark = pytest.mark.browser

#: OpenCV errors in a row (each a C++ throw opencv.js does not catch), then a good call: more than
#: either build survived before the bridge put the wasm stack pointer back (1,365 and 14,891)
MANY_ERRORS = (
    "import cv2, json\n"
    "n = 0\n"
    "for i in range(16000):\n"
    "    try:\n"
    "        cv2.cvtColor(INPUTS['img'], cv2.COLOR_GRAY2BGR)\n"
    "    except cv2.error:\n"
    "        n += 1\n"
    "print(json.dumps([n, cv2.blur(INPUTS['img'], (3, 3)).shape]))"
)
RUN_CASES = "import cv2, cv2_cases\nprint(cv2_cases.dumps(cv2_cases.run_cases(cv2, cv2_cases.CASES, INPUTS)))"
#: a function the npm build does not export (whitelist_extra.toml adds it to ours)
SIMD_ONLY = "cv2.findNonZero(INPUTS['mask'][::7, ::9].copy())"


@pytest.fixture(scope="module")
def cpython_results():
    import cv2

    inputs = cc.make_inputs()
    inputs["big"] = cc.big()
    return cc.run_cases(cv2, cc.CASES, inputs)


def _same_as_cpython(kernel_results: dict, cpython_results: dict) -> list[str]:
    problems = []
    for name, ref in cpython_results.items():
        got = kernel_results[name]
        if got[0] != "ok":
            problems.append(f"{name}: kernel raised {got[1]}: {got[2][:300]}")
            continue
        diff = cc.compare(ref[1], got[1], cc.TOLERANCE.get(name) or gc.TOLERANCE.get(name, (0, 0)))
        if diff:
            problems.append(f"{name}: " + "; ".join(diff)[:300])
    return problems


def _load_info(kernel) -> dict:
    return kernel.json("import cv2, json\nprint(json.dumps(cv2.portinglab.load_info()))")


def test_the_default_build_is_porting_labs_simd_build(module_kernel):
    info = _load_info(module_kernel)
    assert info["build"] == "simd" and "/portinglab/opencv-js-simd/" in info["url"], info
    cc.ship(module_kernel)
    out = module_kernel.json(f"import cv2, json\nprint(json.dumps({SIMD_ONLY}.tolist()))")
    import cv2

    assert out == cv2.findNonZero(cc.make_inputs()["mask"][::7, ::9].copy()).tolist()
    assert module_kernel.json(MANY_ERRORS) == [16000, [48, 64, 3]]


def test_npm_fallback_gives_the_same_results_and_names_what_it_lacks(kernel, cpython_results):
    kernel.run("import os\nos.environ['PORTINGLAB_OPENCVJS'] = 'npm'")
    cc.ship(kernel)
    info = _load_info(kernel)
    assert info["build"] == "npm" and "@techstark/opencv-js" in info["url"], info
    results = cc.loads(kernel.run(RUN_CASES).strip().splitlines()[-1])
    assert not _same_as_cpython(results, cpython_results)
    out = kernel.execute(f"import cv2\ntry:\n    {SIMD_ONLY}\nexcept cv2.error as e:\n    print(e.code, e)")
    assert out["error"] is None, out["error"]
    assert out["stdout"].startswith("-213 ") and "not in the opencv.js this kernel loaded" in out["stdout"], out
    assert "PORTINGLAB_OPENCVJS chose it" in out["stdout"]
    assert kernel.run("print(cv2.blur(INPUTS['img'], (3, 3)).shape)").strip() == "(48, 64, 3)"  # kernel fine
    assert kernel.json(MANY_ERRORS) == [16000, [48, 64, 3]]


def test_an_unknown_build_name_is_a_clear_import_error(kernel):
    out = kernel.execute("import os\nos.environ['PORTINGLAB_OPENCVJS'] = 'fast'\nimport cv2")
    assert out["error"] is not None and "ImportError" in out["error"]["ename"], out["error"]
    assert "use one of simd-threads, simd, npm" in out["error"]["evalue"]


def test_isolated_page_loads_the_threads_build_where_shipped_with_the_same_results(browser, built_site, cpython_results):
    with isolated_kernel(browser, built_site) as kernel:
        cc.ship(kernel)
        info = _load_info(kernel)
        shipped = json.loads((built_site / "static/vendor/manifest.json").read_text())
        if "portinglab/opencv-js-simd-threads" in shipped:
            assert info["build"] == "simd-threads" and info["timing"].get("threads") is True, info
        else:  # a site without the threads build: the SIMD one, isolated or not
            assert info["build"] == "simd" and not info["timing"].get("threads"), info
        results = cc.loads(kernel.run(RUN_CASES).strip().splitlines()[-1])
        assert not _same_as_cpython(results, cpython_results)
        iso = kernel.json("import js, json\nprint(json.dumps(bool(js.crossOriginIsolated)))")
        assert iso is True
        if info["build"] == "simd-threads":  # OpenCV uses the pool: one thread per core, up to 4
            threads = kernel.json("import cv2, js, json\nn = cv2.getNumThreads(); cv2.setNumThreads(1)\n"
                                  "print(json.dumps([n, cv2.getNumThreads(), int(js.navigator.hardwareConcurrency)]))")
            assert threads[0] == min(4, threads[2]) and threads[1] == 1, threads
