"""The bridged functions: opencv-python's signatures and return values, computed by opencv.js.

Each function parses its arguments as opencv-python does, copies each input array
once into the opencv.js heap, runs the opencv.js function, copies each result once
back into a new numpy array, and deletes every Mat it made (see call.session).
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .call import bool_, bridged, call, call_mat, float_, int_, point_float, point_int, scalar, seq, session
from .errors import bad_argument
from .loader import _state, load
from .mats import as_mat_array, mat_back_into, mat_in, mat_out, to_mat_arg, vector_in, vector_out
from .mats import contours as _contours
from .mats import unary as _unary_call


def _generated(fn):
    return fn


def _H():
    return _state.get("H") or load()[1]


def _unary(name, src, dst, *args, src_name="src"):
    return _unary_call(_H(), name, src, dst, *args, src_name=src_name)

_S = lambda H, v, name, func: H.scalar(*scalar(v, name, func))  # noqa: E731
_MORPH_DEFAULT_BORDER = [float(np.finfo(np.float64).max)] * 4  # morphologyDefaultBorderValue()


def _size(H, v, name, func):
    w, h = seq(v, 2, name, func, int_)
    return H.size(w, h)


def _anchor(H, v, func):
    x, y = point_int((-1, -1) if v is None else v, "anchor", func)
    return H.point(x, y)


# ---------------------------------------------------------------- colour, geometry

@bridged
def cvtColor(src, code, dst=None, dstCn=0):
    f = "cvtColor"
    _, out = _unary(f, src, dst, int_(code, "code", f), int_(dstCn, "dstCn", f))
    return out


@bridged
def resize(src, dsize, dst=None, fx=0, fy=0, interpolation=C.INTER_LINEAR):
    f = "resize"
    w, h = seq((0, 0) if dsize is None else dsize, 2, "dsize", f, int_)
    _, out = _unary(f, src, dst, w, h, float_(fx, "fx", f), float_(fy, "fy", f),
                    int_(interpolation, "interpolation", f))
    return out


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def getPerspectiveTransform(src, dst, solveMethod=C.DECOMP_LU):
    f = "getPerspectiveTransform"
    with session(f) as H:
        a = as_mat_array(src, "src", f)
        b = as_mat_array(dst, "dst", f)
        m = call_mat(H, f, mat_in(H, _as_points(a), f), mat_in(H, _as_points(b), f),
                      int_(solveMethod, "solveMethod", f))
        return mat_out(H, m, f)


def _warp(f, src, M, dsize, dst, flags, borderMode, borderValue):
    """warpAffine and warpPerspective take the same arguments in the same order."""
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        m = to_mat_arg(H, M, "M", f)
        out = H.empty()
        call(H, f, s, out, m, _size(H, dsize, "dsize", f), int_(flags, "flags", f),
               int_(borderMode, "borderMode", f), _S(H, borderValue, "borderValue", f))
        return mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def warpPerspective(src, M, dsize, dst=None, flags=C.INTER_LINEAR, borderMode=C.BORDER_CONSTANT, borderValue=None):
    return _warp("warpPerspective", src, M, dsize, dst, flags, borderMode, borderValue)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def warpAffine(src, M, dsize, dst=None, flags=C.INTER_LINEAR, borderMode=C.BORDER_CONSTANT, borderValue=None):
    return _warp("warpAffine", src, M, dsize, dst, flags, borderMode, borderValue)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def getRotationMatrix2D(center, angle, scale):
    f = "getRotationMatrix2D"
    with session(f) as H:
        cx, cy = point_float(center, "center", f)
        m = call_mat(H, f, H.point(cx, cy), float_(angle, "angle", f), float_(scale, "scale", f))
        return mat_out(H, m, f)


@bridged
def rotate(src, rotateCode, dst=None):
    f = "rotate"
    return _unary(f, src, dst, int_(rotateCode, "rotateCode", f))[1]


@bridged
def flip(src, flipCode, dst=None):
    f = "flip"
    return _unary(f, src, dst, int_(flipCode, "flipCode", f))[1]


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def copyMakeBorder(src, top, bottom, left, right, borderType, dst=None, value=None):
    f = "copyMakeBorder"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        out = H.empty()
        call(H, f, s, out, int_(top, "top", f), int_(bottom, "bottom", f), int_(left, "left", f),
               int_(right, "right", f), int_(borderType, "borderType", f), _S(H, value, "value", f))
        return mat_out(H, out, f, dst)


# ---------------------------------------------------------------- arithmetic, core

def _binary(f, src1, src2, dst, mask, extra=()):
    with session(f) as H:
        a = to_mat_arg(H, src1, "src1", f)
        b = to_mat_arg(H, src2, "src2", f)
        mk = to_mat_arg(H, mask, "mask", f)
        out = H.empty()
        call(H, f, a, b, out, mk, *extra)
        return mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def bitwise_and(src1, src2, dst=None, mask=None):
    return _binary("bitwise_and", src1, src2, dst, mask)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def bitwise_or(src1, src2, dst=None, mask=None):
    return _binary("bitwise_or", src1, src2, dst, mask)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def bitwise_xor(src1, src2, dst=None, mask=None):
    return _binary("bitwise_xor", src1, src2, dst, mask)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def add(src1, src2, dst=None, mask=None, dtype=-1):
    return _binary("add", src1, src2, dst, mask, (int_(dtype, "dtype", "add"),))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def subtract(src1, src2, dst=None, mask=None, dtype=-1):
    return _binary("subtract", src1, src2, dst, mask, (int_(dtype, "dtype", "subtract"),))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def bitwise_not(src, dst=None, mask=None):
    f = "bitwise_not"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        out = H.empty()
        call(H, f, s, out, to_mat_arg(H, mask, "mask", f))
        return mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def addWeighted(src1, alpha, src2, beta, gamma, dst=None, dtype=-1):
    f = "addWeighted"
    with session(f) as H:
        a = to_mat_arg(H, src1, "src1", f)
        b = to_mat_arg(H, src2, "src2", f)
        out = H.empty()
        call(H, f, a, float_(alpha, "alpha", f), b, float_(beta, "beta", f), float_(gamma, "gamma", f), out,
               int_(dtype, "dtype", f))
        return mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def mean(src, mask=None):
    f = "mean"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        r = call(H, f, s, to_mat_arg(H, mask, "mask", f))
        return tuple(float(x) for x in r.to_py())


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def inRange(src, lowerb, upperb, dst=None):
    f = "inRange"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        lo = to_mat_arg(H, lowerb, "lowerb", f)
        hi = to_mat_arg(H, upperb, "upperb", f)
        out = H.empty()
        call(H, f, s, lo, hi, out)
        return mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def normalize(src, dst, alpha=1.0, beta=0.0, norm_type=C.NORM_L2, dtype=-1, mask=None):
    f = "normalize"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        out = H.empty()
        call(H, f, s, out, float_(alpha, "alpha", f), float_(beta, "beta", f), int_(norm_type, "norm_type", f),
               int_(dtype, "dtype", f), to_mat_arg(H, mask, "mask", f))
        return mat_out(H, out, f, dst if isinstance(dst, np.ndarray) else None)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def invert(src, dst=None, flags=C.DECOMP_LU):
    f = "invert"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        out = H.empty()
        r = call(H, f, s, out, int_(flags, "flags", f))
        return float(r), mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def split(m, mv=None):
    f = "split"
    with session(f) as H:
        s = to_mat_arg(H, m, "m", f)
        v = H.vector()
        call(H, f, s, v)
        return vector_out(H, v, f)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def merge(mv, dst=None):
    f = "merge"
    if not isinstance(mv, (list, tuple)):
        raise bad_argument(f, "Can't parse 'mv'. Input argument doesn't provide sequence protocol")
    with session(f) as H:
        v = H.vector()
        for i, a in enumerate(mv):
            v.push_back(to_mat_arg(H, a, f"mv[{i}]", f))
        out = H.empty()
        call(H, f, v, out)
        return mat_out(H, out, f, dst)


# ---------------------------------------------------------------- thresholds, filters, morphology

@bridged
def threshold(src, thresh, maxval, type, dst=None):  # noqa: A002 - opencv-python's name
    f = "threshold"
    ret, out = _unary(f, src, dst, float_(thresh, "thresh", f), float_(maxval, "maxval", f), int_(type, "type", f))
    return float(ret), out


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def adaptiveThreshold(src, maxValue, adaptiveMethod, thresholdType, blockSize, C, dst=None):  # noqa: N803
    f = "adaptiveThreshold"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        out = H.empty()
        call(H, f, s, out, float_(maxValue, "maxValue", f), int_(adaptiveMethod, "adaptiveMethod", f),
               int_(thresholdType, "thresholdType", f), int_(blockSize, "blockSize", f), float_(C, "C", f))
        return mat_out(H, out, f, dst)


@bridged
def GaussianBlur(src, ksize, sigmaX, dst=None, sigmaY=0, borderType=C.BORDER_DEFAULT):
    f = "GaussianBlur"
    w, h = seq(ksize, 2, "ksize", f, int_)
    return _unary(f, src, dst, w, h, float_(sigmaX, "sigmaX", f), float_(sigmaY, "sigmaY", f),
                  int_(borderType, "borderType", f))[1]


@bridged
def medianBlur(src, ksize, dst=None):
    f = "medianBlur"
    return _unary(f, src, dst, int_(ksize, "ksize", f))[1]


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def blur(src, ksize, dst=None, anchor=None, borderType=C.BORDER_DEFAULT):
    f = "blur"
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        out = H.empty()
        call(H, f, s, out, _size(H, ksize, "ksize", f), _anchor(H, anchor, f), int_(borderType, "borderType", f))
        return mat_out(H, out, f, dst)


@bridged
def Canny(image, threshold1, threshold2, edges=None, apertureSize=3, L2gradient=False):  # noqa: N803
    f = "Canny"
    return _unary(f, image, edges, float_(threshold1, "threshold1", f), float_(threshold2, "threshold2", f),
                  int_(apertureSize, "apertureSize", f), int(bool_(L2gradient, "L2gradient", f)),
                  src_name="image")[1]


def _morph(f, src, kernel, dst, anchor, iterations, borderType, borderValue, op=None):
    with session(f) as H:
        s = to_mat_arg(H, src, "src", f)
        k = to_mat_arg(H, kernel, "kernel", f)
        out = H.empty()
        bv = H.scalar(*_MORPH_DEFAULT_BORDER) if borderValue is None else _S(H, borderValue, "borderValue", f)
        head = (s, out) if op is None else (s, out, op)
        call(H, f, *head, k, _anchor(H, anchor, f), int_(iterations, "iterations", f),
               int_(borderType, "borderType", f), bv)
        return mat_out(H, out, f, dst)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def dilate(src, kernel, dst=None, anchor=None, iterations=1, borderType=C.BORDER_CONSTANT, borderValue=None):
    return _morph("dilate", src, kernel, dst, anchor, iterations, borderType, borderValue)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def erode(src, kernel, dst=None, anchor=None, iterations=1, borderType=C.BORDER_CONSTANT, borderValue=None):
    return _morph("erode", src, kernel, dst, anchor, iterations, borderType, borderValue)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def morphologyEx(src, op, kernel, dst=None, anchor=None, iterations=1, borderType=C.BORDER_CONSTANT,
                 borderValue=None):
    return _morph("morphologyEx", src, kernel, dst, anchor, iterations, borderType, borderValue,
                  op=int_(op, "op", "morphologyEx"))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def getStructuringElement(shape, ksize, anchor=None):
    f = "getStructuringElement"
    with session(f) as H:
        m = call_mat(H, f, int_(shape, "shape", f), _size(H, ksize, "ksize", f), _anchor(H, anchor, f))
        return mat_out(H, m, f)


@bridged
def equalizeHist(src, dst=None):
    return _unary("equalizeHist", src, dst)[1]


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def connectedComponentsWithStats(image, labels=None, stats=None, centroids=None, connectivity=8, ltype=C.CV_32S):
    f = "connectedComponentsWithStats"
    with session(f) as H:
        s = to_mat_arg(H, image, "image", f)
        lab, st, cen = H.empty(), H.empty(), H.empty()
        n = call(H, f, s, lab, st, cen, int_(connectivity, "connectivity", f), int_(ltype, "ltype", f))
        return int(n), mat_out(H, lab, f, labels), mat_out(H, st, f, stats), mat_out(H, cen, f, centroids)


# ---------------------------------------------------------------- contours, shapes

def _as_points(a):
    """(N,2) / (N,1,2) -> N x 1 two-channel, as opencv-python's checkVector(2) sees them."""
    if a is None or a.size == 0 or a.size % 2 or (a.ndim == 3 and a.shape[2] != 2) or (a.ndim == 2 and a.shape[1] != 2):
        return a
    return a.reshape(-1, 1, 2)


def _points(H, value, name, f):
    """A point set (Nx2, Nx1x2) as one Mat (N rows, 2 channels); opencv.js checks the dtype."""
    return mat_in(H, _as_points(as_mat_array(value, name, f)), f)


@bridged
def findContours(image, mode, method, contours=None, hierarchy=None, offset=None):
    f = "findContours"
    ox, oy = point_int((0, 0) if offset is None else offset, "offset", f)
    return _contours(_H(), image, int_(mode, "mode", f), int_(method, "method", f), ox, oy)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def contourArea(contour, oriented=False):
    f = "contourArea"
    with session(f) as H:
        return float(call(H, f, _points(H, contour, "contour", f), bool_(oriented, "oriented", f)))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def arcLength(curve, closed):
    f = "arcLength"
    with session(f) as H:
        return float(call(H, f, _points(H, curve, "curve", f), bool_(closed, "closed", f)))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def approxPolyDP(curve, epsilon, closed, approxCurve=None):
    f = "approxPolyDP"
    with session(f) as H:
        out = H.empty()
        call(H, f, _points(H, curve, "curve", f), out, float_(epsilon, "epsilon", f), bool_(closed, "closed", f))
        return mat_out(H, out, f, approxCurve)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def boundingRect(array):
    f = "boundingRect"
    with session(f) as H:
        a = as_mat_array(array, "array", f)
        if a is not None and a.ndim == 2 and a.dtype == np.uint8 or (a is not None and a.ndim == 2 and a.shape[1] != 2):
            m = mat_in(H, a, f)  # a mask: bounding box of its non-zero pixels
        else:
            m = _points(H, array, "array", f)
        return tuple(int(x) for x in H.rect(call(H, f, m)).to_py())


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def minAreaRect(points):
    f = "minAreaRect"
    with session(f) as H:
        cx, cy, w, h, a = H.rotatedRect(call(H, f, _points(H, points, "points", f))).to_py()
        return (float(cx), float(cy)), (float(w), float(h)), float(a)


@bridged
def boxPoints(box, points=None):
    f = "boxPoints"
    try:
        (cx, cy), (w, h), angle = box
    except (TypeError, ValueError):
        raise bad_argument(f, "Can't parse 'box'. Expected ((cx, cy), (width, height), angle)") from None
    with session(f) as H:
        pts = call(H, f, H.rr(float_(cx, "box", f), float_(cy, "box", f), float_(w, "box", f), float_(h, "box", f),
                             float_(angle, "box", f)))
        out = np.array(H.flatPoints(pts).to_py(), np.float32).reshape(4, 2)  # float32 values: exact
        if isinstance(points, np.ndarray) and points.shape == (4, 2) and points.dtype == np.float32:
            points[...] = out
            return points
        return out


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def convexHull(points, hull=None, clockwise=False, returnPoints=True):
    f = "convexHull"
    with session(f) as H:
        out = H.empty()
        call(H, f, _points(H, points, "points", f), out, bool_(clockwise, "clockwise", f),
               bool_(returnPoints, "returnPoints", f))
        return mat_out(H, out, f, hull)


# ---------------------------------------------------------------- drawing (in place)

def _drawable(img, f):
    """The image to draw on: must be a writable numpy array whose memory a Mat can mirror."""
    if not isinstance(img, np.ndarray):
        raise bad_argument(f, "img is not a numpy array, neither a scalar", "Expected Ptr<cv::UMat> for argument 'img'")
    if not img.flags.c_contiguous or not img.flags.writeable:
        raise bad_argument(f, "Layout of the output array img is incompatible with cv::Mat"
                           + ("" if img.flags.writeable else " (the array is read-only)"),
                           "Expected Ptr<cv::UMat> for argument 'img'")
    return as_mat_array(img, "img", f)


def _draw(f, img, fill):
    """Copy img in, let `fill(H, mat)` draw, copy it back into img; returns img (as opencv-python)."""
    arr = _drawable(img, f)
    with session(f) as H:
        m = mat_in(H, arr, f)
        fill(H, m)
        if arr.size:
            mat_back_into(H, m, arr, f)
        return img


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def line(img, pt1, pt2, color, thickness=1, lineType=C.LINE_8, shift=0):
    f = "line"
    p1, p2, c = point_int(pt1, "pt1", f), point_int(pt2, "pt2", f), scalar(color, "color", f)
    args = (int_(thickness, "thickness", f), int_(lineType, "lineType", f), int_(shift, "shift", f))
    return _draw(f, img, lambda H, m: call(H, f, m, H.point(*p1), H.point(*p2), H.scalar(*c), *args))


def _rectangle_rec(img, rec, color, thickness=1, lineType=C.LINE_8, shift=0):
    x, y, w, h = seq(rec, 4, "rec", "rectangle", int_)
    sh = 1 << int_(shift, "shift", "rectangle")
    return _rectangle_pts(img, (x, y), (x + w - sh, y + h - sh), color, thickness, lineType, shift)


def _rectangle_pts(img, pt1, pt2, color, thickness=1, lineType=C.LINE_8, shift=0):
    f = "rectangle"
    p1, p2, c = point_int(pt1, "pt1", f), point_int(pt2, "pt2", f), scalar(color, "color", f)
    args = (int_(thickness, "thickness", f), int_(lineType, "lineType", f), int_(shift, "shift", f))
    return _draw(f, img, lambda H, m: call(H, f, m, H.point(*p1), H.point(*p2), H.scalar(*c), *args))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def rectangle(img, *args, **kwargs):
    """rectangle(img, pt1, pt2, color[, thickness[, lineType[, shift]]]) or rectangle(img, rec, color, ...)."""
    first = args[0] if args else kwargs.get("rec", kwargs.get("pt1"))
    if "rec" in kwargs or (isinstance(first, (tuple, list, np.ndarray)) and len(first) == 4):
        try:
            return _rectangle_rec(img, *args, **kwargs)
        except TypeError as exc:
            if exc.__traceback__.tb_next is None:
                raise bad_argument("rectangle", str(exc).replace("_rectangle_rec()", "rectangle()")) from None
            raise
    try:
        return _rectangle_pts(img, *args, **kwargs)
    except TypeError as exc:
        if exc.__traceback__.tb_next is None:
            raise bad_argument("rectangle", str(exc).replace("_rectangle_pts()", "rectangle()")) from None
        raise


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def circle(img, center, radius, color, thickness=1, lineType=C.LINE_8, shift=0):
    f = "circle"
    p, c = point_int(center, "center", f), scalar(color, "color", f)
    r = int_(radius, "radius", f)
    rest = (int_(thickness, "thickness", f), int_(lineType, "lineType", f), int_(shift, "shift", f))
    return _draw(f, img, lambda H, m: call(H, f, m, H.point(*p), r, H.scalar(*c), *rest))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def fillPoly(img, pts, color, lineType=C.LINE_8, shift=0, offset=None):
    f = "fillPoly"
    c = scalar(color, "color", f)
    ox, oy = point_int((0, 0) if offset is None else offset, "offset", f)
    lt, sh = int_(lineType, "lineType", f), int_(shift, "shift", f)
    return _draw(f, img, lambda H, m: call(H, f, m, vector_in(H, pts, "pts", f), H.scalar(*c), lt, sh,
                                             H.point(ox, oy)))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def polylines(img, pts, isClosed, color, thickness=1, lineType=C.LINE_8, shift=0):
    f = "polylines"
    c = scalar(color, "color", f)
    closed = bool_(isClosed, "isClosed", f)
    rest = (int_(thickness, "thickness", f), int_(lineType, "lineType", f), int_(shift, "shift", f))
    return _draw(f, img, lambda H, m: call(H, f, m, vector_in(H, pts, "pts", f), closed, H.scalar(*c), *rest))


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def drawContours(image, contours, contourIdx, color, thickness=1, lineType=C.LINE_8, hierarchy=None,
                 maxLevel=2**31 - 1, offset=None):
    f = "drawContours"
    c = scalar(color, "color", f)
    idx = int_(contourIdx, "contourIdx", f)
    ox, oy = point_int((0, 0) if offset is None else offset, "offset", f)
    rest = (int_(thickness, "thickness", f), int_(lineType, "lineType", f))
    ml = int_(maxLevel, "maxLevel", f)
    if not isinstance(image, np.ndarray):
        raise bad_argument(f, "image is not a numpy array, neither a scalar")

    def draw(H, m):
        v = vector_in(H, contours, "contours", f)
        h = to_mat_arg(H, hierarchy, "hierarchy", f)
        call(H, f, m, v, idx, H.scalar(*c), *rest, h, ml, H.point(ox, oy))
    return _draw(f, image, draw)


@_generated  # superseded by the generated wrapper (generated.py); kept until removed
def putText(img, text, org, fontFace, fontScale, color, thickness=1, lineType=C.LINE_8, bottomLeftOrigin=False):
    f = "putText"
    if not isinstance(text, str):
        raise bad_argument(f, f"Can't convert object to 'str' for 'text' (got {type(text).__name__})")
    p, c = point_int(org, "org", f), scalar(color, "color", f)
    args = (int_(fontFace, "fontFace", f), float_(fontScale, "fontScale", f))
    rest = (int_(thickness, "thickness", f), int_(lineType, "lineType", f), bool_(bottomLeftOrigin, "bottomLeftOrigin", f))
    return _draw(f, img, lambda H, m: call(H, f, m, text, H.point(*p), *args, H.scalar(*c), *rest))


# ---------------------------------------------------------------- runtime

@bridged
def setNumThreads(nthreads):
    """Accepted and ignored: opencv.js runs single-threaded in the kernel's worker."""
    int_(nthreads, "nthreads", "setNumThreads")


@bridged
def getNumThreads():
    return 1


@bridged
def getBuildInformation():
    return str(_H().cv.getBuildInformation())
