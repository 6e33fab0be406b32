"""Inputs and calls shared by the cv2 differential tests (CPython side and kernel side).

Each case is `name -> expression`, evaluated with `cv2`, `np` and the inputs of
`make_inputs()` in scope: once with opencv-python-headless 4.12.0.88 in CPython,
once with Porting Lab's cv2 in the browser kernel.
"""

from __future__ import annotations

import base64
import io
import pickle

import numpy as np


def make_inputs(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    odd = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    # a smooth image (edges, contours, blurs behave like on photos)
    yy, xx = np.mgrid[0:120, 0:160]
    smooth = np.dstack([(xx * 1.5) % 256, (yy * 2.0) % 256, ((xx + yy) * 0.8) % 256]).astype(np.uint8)
    gray = rng.integers(0, 256, (48, 64), dtype=np.uint8)
    sgray = smooth[:, :, 1].copy()
    mask = np.zeros((90, 120), np.uint8)
    mask[10:40, 10:50] = 255
    mask[50:80, 60:110] = 255
    mask[20:30, 70:90] = 255
    mask[60:70, 75:90] = 0  # a hole
    mask[5:8, 100:118] = 255
    f32 = rng.random((40, 30, 3), dtype=np.float32) * 10
    f64 = rng.random((24, 20), dtype=np.float64)
    u16 = rng.integers(0, 65536, (30, 40), dtype=np.uint16)
    i16 = rng.integers(-3000, 3000, (30, 40), dtype=np.int16)
    bgra = rng.integers(0, 256, (20, 24, 4), dtype=np.uint8)
    quad = np.float32([[3, 4], [50, 2], [55, 40], [5, 44]])
    rect_dst = np.float32([[0, 0], [60, 0], [60, 40], [0, 40]])
    poly = np.int32([[10, 10], [50, 15], [40, 45], [12, 38]])
    tri = np.int32([[[60, 5]], [[90, 30]], [[65, 40]]])
    cloud = rng.integers(0, 100, (40, 2)).astype(np.int32)
    fcloud = (rng.random((30, 2)) * 100).astype(np.float32)
    onnx_model = tiny_onnx_model()
    return {k: v for k, v in locals().items() if isinstance(v, np.ndarray)}


def tiny_onnx_model() -> np.ndarray:
    """A 3x3 convolution + ReLU as ONNX bytes (a uint8 array: it travels with the inputs), for cv2.dnn."""
    from onnx import TensorProto, helper

    w = (np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3) % 5 - 2) / 10
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["y"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 24, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 24, 32])],
        [helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.ravel())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    return np.frombuffer(model.SerializeToString(), np.uint8).copy()


def big() -> np.ndarray:
    """A 1080p BGR image, pseudo-random, the same on both sides without shipping it."""
    n = np.arange(1080 * 1920 * 3, dtype=np.uint32)
    return ((n * np.uint32(2654435761)) >> np.uint32(13)).astype(np.uint8).reshape(1080, 1920, 3)


K3 = "np.ones((3, 3), np.uint8)"

# name -> expression. Where OpenCV differs across builds the tolerance is in TOLERANCE.
CASES: dict[str, str] = {
    # colour
    "cvtColor_gray": "cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)",
    # 64-bit integer arrays are taken as CV_32S, as opencv-python takes them (values cast as C casts them)
    "int64_arrays": "(cv2.add(np.arange(6, dtype=np.int64).reshape(2, 3), np.full((2, 3), 2**33 + 1, np.int64)), "
                    "cv2.fillPoly(np.zeros((12, 12), np.uint8), [np.array([[1, 1], [10, 1], [5, 9]], np.int64)], 255), "
                    "cv2.boundingRect(np.array([[2, 3], [7, 9]], np.int64)))",
    "cvtColor_rgb": "cv2.cvtColor(odd, cv2.COLOR_BGR2RGB)",
    "cvtColor_hsv": "cv2.cvtColor(smooth, cv2.COLOR_BGR2HSV)",
    "cvtColor_gray2bgr": "cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)",
    "cvtColor_bgra2bgr": "cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR)",
    "cvtColor_f32": "cv2.cvtColor(f32, cv2.COLOR_BGR2GRAY)",
    "cvtColor_lab": "cv2.cvtColor(smooth, cv2.COLOR_BGR2LAB)",
    # text metrics: not in opencv.js; computed from OpenCV's Hershey font tables (fonts.py)
    "getTextSize_simplex": "cv2.getTextSize('Hello, World!', cv2.FONT_HERSHEY_SIMPLEX, 0.8, 2)",
    "getTextSize_cyrillic": "cv2.getTextSize('Привет', cv2.FONT_HERSHEY_COMPLEX | cv2.FONT_ITALIC, 1.5, 1)",
    # resize
    "resize_linear": "cv2.resize(img, (37, 23))",
    "resize_nearest": "cv2.resize(odd, (100, 70), interpolation=cv2.INTER_NEAREST)",
    "resize_area": "cv2.resize(smooth, (40, 30), interpolation=cv2.INTER_AREA)",
    "resize_cubic": "cv2.resize(smooth, (211, 157), interpolation=cv2.INTER_CUBIC)",
    "resize_fx": "cv2.resize(gray, None, fx=0.5, fy=0.75)",
    "resize_f32": "cv2.resize(f32, (15, 20))",
    "resize_u16": "cv2.resize(u16, (80, 60))",
    "resize_1080p": "cv2.resize(big, (192, 108))",
    "resize_1080p_area": "cv2.resize(big, (192, 108), interpolation=cv2.INTER_AREA)",
    # arithmetic / core
    "bitwise_not": "cv2.bitwise_not(img)",
    "bitwise_and": "cv2.bitwise_and(img, img[::-1].copy())",
    "bitwise_and_mask": "cv2.bitwise_and(smooth[:90, :120], smooth[:90, :120], mask=mask)",
    "bitwise_or": "cv2.bitwise_or(gray, gray.T[:48, :48].repeat(2, 1)[:, :64].copy())",
    "add": "cv2.add(img, img[::-1].copy())",
    "subtract": "cv2.subtract(img, img[::-1].copy())",
    "subtract_i16": "cv2.subtract(i16, i16[::-1].copy())",
    "bitwise_xor": "cv2.bitwise_xor(gray, gray[::-1].copy())",
    "dst_argument": "(lambda d: (cv2.resize(img, (32, 24), dst=d) is d, d))(np.empty((24, 32, 3), np.uint8))",
    "add_scalar": "cv2.add(img, (10, 20, 30, 0))",
    "add_f32": "cv2.add(f32, f32)",
    "addWeighted": "cv2.addWeighted(img, 0.3, img[::-1].copy(), 0.7, 5)",
    "mean": "cv2.mean(img)",
    "mean_mask": "cv2.mean(smooth[:90, :120], mask=mask)",
    "split": "cv2.split(img)",
    "merge": "cv2.merge([gray, gray[::-1].copy(), gray])",
    "split_merge": "cv2.merge(cv2.split(odd))",
    "invert": "cv2.invert(np.array([[2., 1, 0], [1, 3, 1], [0, 1, 4]]))",
    "invert_svd": "cv2.invert(f64[:5, :5], flags=cv2.DECOMP_SVD)",
    "normalize_minmax": "cv2.normalize(f32, None, 0, 1, cv2.NORM_MINMAX)",
    "normalize_u8": "cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX)",
    "inRange": "cv2.inRange(smooth, (20, 30, 40), (200, 180, 160))",
    "inRange_gray": "cv2.inRange(gray, 50, 150)",
    "flip_h": "cv2.flip(img, 1)",
    "flip_v": "cv2.flip(odd, 0)",
    "flip_both": "cv2.flip(gray, -1)",
    "rotate_90": "cv2.rotate(odd, cv2.ROTATE_90_CLOCKWISE)",
    "rotate_180": "cv2.rotate(gray, cv2.ROTATE_180)",
    "rotate_270": "cv2.rotate(f32, cv2.ROTATE_90_COUNTERCLOCKWISE)",
    "copyMakeBorder_const": "cv2.copyMakeBorder(odd, 3, 4, 5, 6, cv2.BORDER_CONSTANT, value=(1, 2, 3))",
    "copyMakeBorder_replicate": "cv2.copyMakeBorder(gray, 2, 2, 2, 2, cv2.BORDER_REPLICATE)",
    "copyMakeBorder_reflect": "cv2.copyMakeBorder(img, 5, 0, 7, 1, cv2.BORDER_REFLECT_101)",
    # geometry
    "getPerspectiveTransform": "cv2.getPerspectiveTransform(quad, rect_dst)",
    "warpPerspective": "cv2.warpPerspective(smooth, cv2.getPerspectiveTransform(quad, rect_dst), (60, 40))",
    "warpPerspective_replicate_cubic": "cv2.warpPerspective(smooth, cv2.getPerspectiveTransform(quad, rect_dst),"
                                       " (60, 40), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)",
    "getRotationMatrix2D": "cv2.getRotationMatrix2D((30.5, 20.0), 33.0, 0.8)",
    "warpAffine": "cv2.warpAffine(smooth, cv2.getRotationMatrix2D((80, 60), 15, 1.0), (160, 120))",
    "warpAffine_nearest": "cv2.warpAffine(img, np.float64([[1, 0, 3], [0, 1, -2]]), (64, 48), "
                          "flags=cv2.INTER_NEAREST, borderValue=(9, 9, 9))",
    # thresholds, filters
    "threshold_binary": "cv2.threshold(gray, 127, 255, cv2.THRESH_BINARY)",
    "threshold_otsu": "cv2.threshold(sgray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)",
    "threshold_trunc_f32": "cv2.threshold(f32, 5.0, 0, cv2.THRESH_TRUNC)",
    "adaptiveThreshold_mean": "cv2.adaptiveThreshold(sgray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 11, 2)",
    "adaptiveThreshold_gauss": "cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, "
                               "cv2.THRESH_BINARY_INV, 7, 3)",
    "GaussianBlur": "cv2.GaussianBlur(img, (5, 5), 0)",
    "GaussianBlur_sigma": "cv2.GaussianBlur(smooth, (0, 0), 2.5)",
    "GaussianBlur_f32": "cv2.GaussianBlur(f32, (3, 3), 1.0)",
    "medianBlur": "cv2.medianBlur(img, 5)",
    "medianBlur_3": "cv2.medianBlur(gray, 3)",
    "blur": "cv2.blur(img, (3, 5))",
    "Canny": "cv2.Canny(smooth, 50, 150)",
    "Canny_L2": "cv2.Canny(sgray, 30, 90, L2gradient=True)",
    "equalizeHist": "cv2.equalizeHist(gray)",
    # morphology
    "dilate": f"cv2.dilate(mask, {K3})",
    "dilate_iter": f"cv2.dilate(img, {K3}, iterations=2)",
    "erode": f"cv2.erode(mask, {K3})",
    "erode_f32": f"cv2.erode(f32, {K3})",
    "morphologyEx_open": "cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))",
    "morphologyEx_gradient": f"cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, {K3})",
    "getStructuringElement_rect": "cv2.getStructuringElement(cv2.MORPH_RECT, (3, 5))",
    "getStructuringElement_ellipse": "cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))",
    "getStructuringElement_cross": "cv2.getStructuringElement(cv2.MORPH_CROSS, (5, 3))",
    "connectedComponentsWithStats": "cv2.connectedComponentsWithStats(mask)",
    "connectedComponentsWithStats_4": "cv2.connectedComponentsWithStats(mask, connectivity=4)",
    # contours and shapes
    "findContours_external": "cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)",
    "findContours_list_none": "cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)",
    "findContours_tree": "cv2.findContours(mask, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)",
    "findContours_ccomp": "cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)",
    "findContours_empty": "cv2.findContours(np.zeros((10, 10), np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)",
    "contourArea": "cv2.contourArea(poly)",
    "contourArea_oriented": "cv2.contourArea(tri, True)",
    "contourArea_f32": "cv2.contourArea(fcloud[:6])",
    "arcLength": "cv2.arcLength(poly, True)",
    "arcLength_open": "cv2.arcLength(fcloud, False)",
    "approxPolyDP": "cv2.approxPolyDP(cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0][0], 2.0, True)",
    "approxPolyDP_f32": "cv2.approxPolyDP(fcloud, 5.0, False)",
    "boundingRect": "cv2.boundingRect(poly)",
    "boundingRect_f32": "cv2.boundingRect(fcloud)",
    "boundingRect_mask": "cv2.boundingRect(mask)",
    "convexHull": "cv2.convexHull(cloud)",
    "convexHull_cw_idx": "cv2.convexHull(cloud, clockwise=True, returnPoints=False)",
    "convexHull_f32": "cv2.convexHull(fcloud)",
    "minAreaRect": "cv2.minAreaRect(poly)",
    "minAreaRect_f32": "cv2.minAreaRect(fcloud)",
    "boxPoints": "cv2.boxPoints(cv2.minAreaRect(poly))",
    "boxPoints_tuple": "cv2.boxPoints(((20.5, 10.0), (30.0, 12.0), 27.5))",
    # drawing (in place; the returned array is the image)
    "line": "cv2.line(img.copy(), (3, 4), (60, 40), (0, 0, 255), 2)",
    "line_aa": "cv2.line(img.copy(), (3, 40), (60, 4), (10, 200, 30), 1, cv2.LINE_AA)",
    "rectangle": "cv2.rectangle(img.copy(), (5, 5), (30, 20), (255, 0, 0), 2)",
    "rectangle_filled": "cv2.rectangle(gray.copy(), (5, 5), (30, 20), 200, -1)",
    "rectangle_rec": "cv2.rectangle(img.copy(), (5, 6, 20, 10), (0, 255, 0), 1)",
    "circle": "cv2.circle(img.copy(), (32, 24), 15, (0, 255, 255), 3)",
    "circle_filled_aa": "cv2.circle(smooth.copy(), (80, 60), 30, (255, 255, 255), -1, cv2.LINE_AA)",
    "fillPoly": "cv2.fillPoly(img.copy(), [poly], (255, 255, 0))",
    "fillPoly_two": "cv2.fillPoly(np.zeros((50, 100), np.uint8), [poly, tri], 255)",
    "polylines": "cv2.polylines(img.copy(), [poly], True, (0, 0, 255), 2)",
    "polylines_open": "cv2.polylines(smooth.copy(), [poly, tri], False, (9, 99, 199), 1, cv2.LINE_AA)",
    "putText": "cv2.putText(smooth.copy(), 'Porting Lab 4.12', (5, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 255), 2)",
    "putText_aa": "cv2.putText(gray.copy(), 'cv2', (2, 30), cv2.FONT_HERSHEY_COMPLEX, 1.0, 255, 1, cv2.LINE_AA)",
    "drawContours": "cv2.drawContours(np.zeros((90, 120, 3), np.uint8), "
                    "cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0], -1, (0, 255, 0), 2)",
    "drawContours_one_filled": "cv2.drawContours(np.zeros((90, 120), np.uint8), "
                               "cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0], 1, 128, -1)",
    # edge cases: 1x1, one row, constant images, blobs touching the border, HxWx1
    "edge_resize_1x1": "cv2.resize(img[:1, :1], (5, 3), interpolation=cv2.INTER_CUBIC)",
    "edge_resize_to_1x1": "cv2.resize(img, (1, 1), interpolation=cv2.INTER_AREA)",
    "edge_cvtColor_1x1": "cv2.cvtColor(img[:1, :1], cv2.COLOR_BGR2HSV)",
    "edge_blur_one_row": "cv2.GaussianBlur(gray[:1], (5, 5), 0)",
    "edge_otsu_constant": "cv2.threshold(np.full((10, 10), 7, np.uint8), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)",
    "edge_contours_border": "cv2.findContours(np.pad(np.ones((4, 4), np.uint8), ((0, 2), (0, 2))), cv2.RETR_CCOMP,"
                            " cv2.CHAIN_APPROX_NONE)",
    "edge_contours_full": "cv2.findContours(np.full((6, 7), 255, np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)",
    "edge_hxwx1": "cv2.medianBlur(gray[:, :, None].copy(), 3)",
    "edge_minAreaRect_one_point": "cv2.minAreaRect(np.int32([[3, 4]]))",
    "edge_mean_f64": "cv2.mean(f64)",
    # non-contiguous inputs are accepted, as in opencv-python
    "noncontig_resize": "cv2.resize(smooth[::2, ::3], (20, 15))",
    "noncontig_channel": "cv2.GaussianBlur(smooth[:, :, 1], (3, 3), 0)",
    "noncontig_cvt": "cv2.cvtColor(smooth[:, ::-1], cv2.COLOR_BGR2GRAY)",
    # codecs (Pillow in the kernel, OpenCV's codecs in CPython)
    "imencode_png_roundtrip": "cv2.imdecode(cv2.imencode('.png', img)[1], cv2.IMREAD_COLOR)",
    "imencode_png_gray": "cv2.imdecode(cv2.imencode('.png', gray)[1], cv2.IMREAD_UNCHANGED)",
    "imencode_png_bgra": "cv2.imdecode(cv2.imencode('.png', bgra)[1], cv2.IMREAD_UNCHANGED)",
    "imencode_png_u16": "cv2.imdecode(cv2.imencode('.png', u16)[1], cv2.IMREAD_UNCHANGED)",
    "imdecode_png_as_gray": "cv2.imdecode(cv2.imencode('.png', smooth)[1], cv2.IMREAD_GRAYSCALE)",
    "imencode_jpg_roundtrip": "cv2.imdecode(cv2.imencode('.jpg', smooth, [cv2.IMWRITE_JPEG_QUALITY, 90])[1], 1)",
    "imwrite_imread_png": "(cv2.imwrite('/tmp/_cv2_t.png', odd), cv2.imread('/tmp/_cv2_t.png'))[1]",
    "imread_gray": "(cv2.imwrite('/tmp/_cv2_g.png', smooth), cv2.imread('/tmp/_cv2_g.png', cv2.IMREAD_GRAYSCALE))[1]",
    "imread_missing": "cv2.imread('/tmp/definitely/not/here.png')",
    "imdecode_garbage": "cv2.imdecode(np.frombuffer(b'not an image at all', np.uint8), cv2.IMREAD_COLOR)",
    # cv2.dnn's non-maximum suppression (hand-written, dnn.py): a detector's boxes as YOLO post-processing gives them
    "nms_boxes": "cv2.dnn.NMSBoxes([(10, 10, 50, 50), (12, 12, 50, 50), (100, 100, 20, 20), (101, 99, 21, 20)], "
                 "[0.9, 0.8, 0.7, 0.95], 0.5, 0.4)",
    "nms_boxes_float_eta_topk": "cv2.dnn.NMSBoxes(fcloud.reshape(-1, 4) * [1, 1, 0.5, 0.5], "
                                "np.float32(fcloud[:15, 0] / 100), 0.1, 0.3, eta=0.9, top_k=4)",
    "nms_boxes_empty": "cv2.dnn.NMSBoxes([(0, 0, 5, 5)], [0.1], 0.5, 0.4)",
    "nms_boxes_batched": "cv2.dnn.NMSBoxesBatched([(10, 10, 50, 50), (12, 12, 50, 50), (100, 100, 20, 20)], "
                         "[0.9, 0.8, 0.7], [0, 1, 0], 0.5, 0.4)",
    "nms_boxes_rotated": "cv2.dnn.NMSBoxesRotated([((30, 30), (20, 10), 10), ((31, 30), (20, 10), 12), "
                         "((80, 80), (10, 10), 0), ((30.5, 29), (21, 9), 80)], [0.9, 0.8, 0.7, 0.85], 0.5, 0.3)",
}

# Where opencv.js (wasm, no SIMD dispatch) and opencv-python (x86 SIMD) differ; every
# other case is bit-exact. name -> (max absolute difference, max fraction of elements that differ)
TOLERANCE: dict[str, tuple[float, float]] = {
    # measured (2026-11, Chromium 156): max 1 in 3.2% of bytes
    "resize_cubic": (1, 0.05),
    # measured: max 1 in 0.27% (float blend, then rounding: x86 SIMD vs wasm scalar)
    "addWeighted": (1, 0.01),
    # float32 results: measured max 9.5e-7 (1 ulp at values ~10)
    "cvtColor_f32": (1e-5, 1.0),
    "resize_f32": (1e-5, 1.0),
    "GaussianBlur_f32": (1e-5, 1.0),
    # measured max 6e-8 (values in [0, 1])
    "normalize_minmax": (1e-6, 1.0),
    # OpenCV converts inside libpng, we from RGB: measured max 1 in 0.14%
    "imdecode_png_as_gray": (1, 0.01),
    "imread_gray": (1, 0.01),
    # JPEG: Pillow's and OpenCV's libjpeg builds differ: measured max 4 in 23%
    "imencode_jpg_roundtrip": (8, 1.0),
}


def dumps(obj) -> str:
    return base64.b64encode(pickle.dumps(obj, protocol=4)).decode()


def loads(text: str):
    return pickle.loads(base64.b64decode(text))


def npz_b64(arrays: dict[str, np.ndarray]) -> str:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return base64.b64encode(buf.getvalue()).decode()


def run_cases(cv2, cases: dict[str, str], inputs: dict) -> dict:
    """Evaluate each case: name -> ("ok", value) or ("err", exception type name, message)."""
    out = {}
    for name, expr in cases.items():
        scope = {"cv2": cv2, "np": np, **{k: v.copy() for k, v in inputs.items()}}
        try:
            out[name] = ("ok", eval(expr, scope))  # noqa: S307 - test expressions
        except Exception as exc:  # noqa: BLE001
            out[name] = ("err", type(exc).__name__, str(exc))
    return out


def ship(kernel, extra: dict | None = None) -> None:
    """Make this module importable in the kernel as `cv2_cases`, and load the same inputs there as INPUTS."""
    from pathlib import Path

    src = Path(__file__).read_text()
    inputs = {**make_inputs(), **(extra or {})}
    kernel.run(
        "import sys, types, io, base64\n"
        "_m = types.ModuleType('cv2_cases')\n"
        f"exec(compile({src!r}, 'cv2_cases.py', 'exec'), _m.__dict__)\n"
        "sys.modules['cv2_cases'] = _m\n"
        "import numpy as np\n"
        f"INPUTS = dict(np.load(io.BytesIO(base64.b64decode({npz_b64(inputs)!r}))))\n"
        "INPUTS['big'] = _m.big()\n"
    )


def compare(ref, got, tolerance: tuple[float, float] = (0, 0)) -> list[str]:
    """Differences between two results (nested tuples/lists of arrays and numbers): arrays element-wise within
    `tolerance` = (max absolute difference, share of elements that may differ when that max is >= 1)."""
    import math

    tol_abs, tol_frac = tolerance
    problems = []
    ref_items, got_items = flatten(ref), flatten(got)
    if [p for p, _ in ref_items] != [p for p, _ in got_items]:
        return [f"structure differs: {[p for p, _ in ref_items][:8]} vs {[p for p, _ in got_items][:8]}"]
    for (path, r), (_, g) in zip(ref_items, got_items):
        if isinstance(r, np.ndarray):
            if not isinstance(g, np.ndarray):
                problems.append(f"{path}: ndarray expected, got {type(g).__name__}")
            elif r.shape != g.shape or r.dtype != g.dtype:
                problems.append(f"{path}: {r.dtype}{r.shape} expected, got {g.dtype}{g.shape}")
            else:
                rf, gf = r.astype(np.float64), g.astype(np.float64)
                with np.errstate(invalid="ignore"):  # NaN where both have it (or the same inf) is equal,
                    same = (rf == gf) | (np.isnan(rf) & np.isnan(gf))  # NaN on one side only differs
                    d = np.where(same, 0.0, np.abs(rf - gf))
                d[np.isnan(d)] = np.inf
                frac = float(np.count_nonzero(d)) / max(d.size, 1)
                if d.size and (d.max() > tol_abs or (tol_abs >= 1 and frac > tol_frac)):
                    problems.append(f"{path}: max diff {d.max()} (tol {tol_abs}), {frac:.2%} differ (tol {tol_frac:.0%})")
        elif isinstance(r, float):
            if not isinstance(g, float) or not math.isclose(r, g, rel_tol=1e-12, abs_tol=max(tol_abs, 1e-12)):
                problems.append(f"{path}: {r!r} expected, got {g!r}")
        elif type(r) is not type(g) or r != g:
            problems.append(f"{path}: {r!r} ({type(r).__name__}) expected, got {g!r} ({type(g).__name__})")
    return problems


def flatten(value, path="r"):
    """Nested tuples/lists of arrays and numbers -> [(path, leaf)]."""
    if isinstance(value, (tuple, list)):
        items = [(f"{path}[len]", len(value))]
        for i, v in enumerate(value):
            items += flatten(v, f"{path}[{i}]")
        return items
    return [(path, value)]


# Bad input: each must raise in CPython's opencv-python; ours must raise the same
# exception type (cv2.error or TypeError) with a message a user can act on.
BAD_CASES: dict[str, str] = {
    "resize_none": "cv2.resize(None, (2, 2))",
    "resize_dsize_len3": "cv2.resize(img, (2, 2, 3))",
    "resize_str_src": "cv2.resize('abc', (2, 2))",
    "resize_unknown_kw": "cv2.resize(img, (2, 2), foo=1)",
    "resize_missing_dsize": "cv2.resize(img)",
    "resize_0size": "cv2.resize(np.zeros((0, 5), np.uint8), (2, 2))",
    "resize_bool_dtype": "cv2.resize(np.zeros((3, 3), bool), (2, 2))",
    "resize_zero_dsize_no_scale": "cv2.resize(img, (0, 0))",
    "resize_dsize_not_seq": "cv2.resize(img, 5)",
    "resize_4d": "cv2.resize(np.zeros((2, 2, 2, 2), np.uint8), (3, 3))",
    "cvtColor_2_channels": "cv2.cvtColor(img[:, :, :2].copy(), cv2.COLOR_BGR2GRAY)",
    "cvtColor_bad_code": "cv2.cvtColor(img, 9999)",
    "cvtColor_gray_as_bgr": "cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)",
    "cvtColor_none": "cv2.cvtColor(None, cv2.COLOR_BGR2GRAY)",
    "cvtColor_code_str": "cv2.cvtColor(img, 'gray')",
    "rectangle_noncontiguous_img": "cv2.rectangle(img[:, ::2], (1, 1), (3, 3), (255, 0, 0))",
    "rectangle_pt_len3": "cv2.rectangle(img, (1, 1, 1), (3, 3), (255, 0, 0))",
    "line_readonly_img": "cv2.line(np.frombuffer(bytes(300), np.uint8).reshape(10, 10, 3), (0, 0), (5, 5), (1, 2, 3))",
    "circle_color_str": "cv2.circle(img.copy(), (5, 5), 3, 'red')",
    "putText_text_int": "cv2.putText(img.copy(), 123, (5, 5), 0, 1.0, (1, 2, 3))",
    "GaussianBlur_even_ksize": "cv2.GaussianBlur(img, (4, 4), 0)",
    "medianBlur_even_ksize": "cv2.medianBlur(img, 4)",
    "medianBlur_float_ksize": "cv2.medianBlur(img, 3.0)",
    "threshold_otsu_on_color": "cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)",
    "adaptiveThreshold_color": "cv2.adaptiveThreshold(img, 255, 0, 0, 11, 2)",
    "adaptiveThreshold_even_block": "cv2.adaptiveThreshold(gray, 255, 0, 0, 4, 2)",
    "Canny_aperture_4": "cv2.Canny(gray, 10, 20, apertureSize=4)",
    "findContours_color": "cv2.findContours(img, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)",
    "findContours_bad_mode": "cv2.findContours(mask, 99, cv2.CHAIN_APPROX_SIMPLE)",
    "contourArea_float64": "cv2.contourArea(np.float64([[0, 0], [1, 0], [1, 1]]))",
    "getPerspectiveTransform_3_points": "cv2.getPerspectiveTransform(quad[:3], rect_dst[:3])",
    "warpAffine_3x3": "cv2.warpAffine(img, np.eye(3), (10, 10))",
    "bitwise_and_size_mismatch": "cv2.bitwise_and(img, odd)",
    "add_type_mismatch": "cv2.add(gray, gray.astype(np.float32))",
    "merge_size_mismatch": "cv2.merge([gray, gray[:10].copy()])",
    "merge_not_seq": "cv2.merge(5)",
    "morphologyEx_bad_op": f"cv2.morphologyEx(mask, 99, {K3})",
    "copyMakeBorder_negative": "cv2.copyMakeBorder(img, -1, 0, 0, 0, cv2.BORDER_CONSTANT)",
    "flip_code_str": "cv2.flip(img, 'x')",
    "inRange_bounds_size": "cv2.inRange(img, gray, gray)",
    "imencode_unknown_ext": "cv2.imencode('.xyz', img)",
    "imencode_empty": "cv2.imencode('.png', np.zeros((0, 0), np.uint8))",
    "fillPoly_float_points": "cv2.fillPoly(img.copy(), [poly.astype(np.float32)], (1, 2, 3))",
    "invert_non_square": "cv2.invert(np.zeros((2, 3)))",
    "connectedComponents_color": "cv2.connectedComponentsWithStats(img)",
    "equalizeHist_color": "cv2.equalizeHist(img)",
    "equalizeHist_float": "cv2.equalizeHist(f32[:, :, 0].copy())",
    "warpPerspective_dsize_float": "cv2.warpPerspective(img, np.eye(3), (10.5, 10))",
    "boundingRect_str": "cv2.boundingRect('points')",
    "threshold_missing_type": "cv2.threshold(gray, 127, 255)",
    # generated functions and classes
    "matchTemplate_templ_str": "cv2.matchTemplate(img, 'x', cv2.TM_CCOEFF)",
    "matchTemplate_depth_mismatch": "cv2.matchTemplate(gray, f32[:5, :5, 0].copy(), cv2.TM_CCOEFF)",
    "Sobel_missing_dx": "cv2.Sobel(gray, cv2.CV_16S)",
    "Sobel_bad_ksize": "cv2.Sobel(gray, cv2.CV_16S, 1, 0, ksize=4)",
    "LUT_short_table": "cv2.LUT(img, np.zeros(10, np.uint8))",
    "absdiff_size_mismatch": "cv2.absdiff(img, odd)",
    "minMaxLoc_color": "cv2.minMaxLoc(img)",
    "calcHist_channels_str": "cv2.calcHist([gray], 'x', None, [16], [0, 256])",
    "HoughLinesP_color": "cv2.HoughLinesP(img, 1, 0.01, 10)",
    "moments_str": "cv2.moments('x')",
    "Laplacian_unknown_kw": "cv2.Laplacian(gray, cv2.CV_16S, foo=3)",
    "createCLAHE_clip_str": "cv2.createCLAHE(clipLimit='a')",
    "CLAHE_apply_color": "cv2.createCLAHE().apply(img)",
    "ORB_create_nfeatures_str": "cv2.ORB_create('many')",
    "getOptimalDFTSize_str": "cv2.getOptimalDFTSize('x')",
    "BFMatcher_match_type_mismatch": "cv2.BFMatcher(cv2.NORM_HAMMING).match(np.zeros((3, 32), np.uint8), "
                                     "np.zeros((3, 32), np.float32))",
    "CascadeClassifier_detect_empty": "cv2.CascadeClassifier().detectMultiScale(gray)",
    "dnn_readNetFromONNX_garbage": "(lambda p: (open(p, 'wb').write(b'not a model'), cv2.dnn.readNetFromONNX(p)))('/tmp/bad.onnx')",
    "rectangle_rec_len3": "cv2.rectangle(img.copy(), (1, 2, 3), (255, 0, 0))",
}
