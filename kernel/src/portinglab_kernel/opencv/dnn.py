"""cv2.dnn's non-maximum suppression, hand-written: OpenCV's own NMSFast_ (modules/dnn/src/nms.inl.hpp, nms.cpp).

opencv.js exports NMSBoxes only over std::vector<Rect2d>, a type its embind registry does not register, so
no call can reach it (docs/cv2-coverage.md). Detector post-processing (YOLO and the like) calls it on every
frame, so it is written here, step for step as OpenCV does it and in OpenCV's number types: scores,
thresholds and overlaps in float32, areas in double, a stable sort by score. NMSBoxesRotated measures
overlaps with the bridged rotatedRectangleIntersection and contourArea (computed by opencv.js). The
differential tests hold the results to opencv-python's, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .call import bridged
from .errors import error

_EPS = np.finfo(np.float64).eps
_F32 = np.float32


# opencv-python parses these functions' arguments with one overload, so a wrong argument is a TypeError with
# its text (not the cv2.error of an overload resolution); raised from helpers so @bridged passes them through

def _sequence(v, name: str) -> list:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if not isinstance(v, Sequence) or isinstance(v, (str, bytes)):
        raise TypeError(f"Can't parse '{name}'. Input argument doesn't provide sequence protocol")
    return list(v)


def _number(v, kind: type, name: str):
    if kind is int and not isinstance(v, (int, np.integer)):
        raise TypeError(f"Argument '{name}' is required to be an integer")
    if kind is float and not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"Argument '{name}' can't be treated as a float")
    return kind(v)


def _items(v, name: str, width: int, kind: type = float) -> list:
    out = []
    for i, item in enumerate(_sequence(v, name)):
        try:
            if width:
                item = _sequence(item, name)
                if len(item) != width:
                    raise TypeError
                out.append([_number(x, kind, name) for x in item])
            else:
                out.append(_number(item, kind, name))
        except TypeError:
            raise TypeError(f"Can't parse '{name}'. Sequence item with index {i} has a wrong type") from None
    return out


def _assert(ok: bool, expr: str, f: str) -> None:
    if not ok:
        raise error(f"OpenCV(4.12.0) /io/opencv/modules/dnn/src/nms.cpp: error: (-215:Assertion failed) {expr} "
                    f"in function '{f}'\n", -215, expr, f)


def _rect_overlap(a, b) -> np.float32:
    """1.f - (float)jaccardDistance(a, b) for Rect2d (core/types.hpp)."""
    area_a, area_b = a[2] * a[3], b[2] * b[3]
    if area_a + area_b <= _EPS:
        return _F32(1.0)
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    w = min(a[0] + a[2], b[0] + b[2]) - x1
    h = min(a[1] + a[3], b[1] + b[3]) - y1
    inter = w * h if w > 0 and h > 0 else 0.0
    return _F32(1.0) - _F32(1.0 - inter / (area_a + area_b - inter))


def _nms(boxes, scores, score_threshold, nms_threshold, eta, top_k, overlap):
    """NMSFast_: the kept indices (np.int32), or () as opencv-python returns an empty result."""
    threshold = _F32(score_threshold)
    order = [i for i, s in enumerate(scores) if s > threshold]
    order.sort(key=lambda i: -scores[i])  # stable, like std::stable_sort with SortScorePairDescend
    if 0 < top_k < len(order):
        order = order[:top_k]
    adaptive, eta = _F32(nms_threshold), _F32(eta)
    kept: list[int] = []
    for idx in order:
        keep = all(overlap(boxes[idx], boxes[k]) <= adaptive for k in kept)
        if keep:
            kept.append(idx)
            if eta < 1 and adaptive > 0.5:
                adaptive = _F32(adaptive * eta)
    return np.array(kept, np.int32) if kept else ()


def _parse(f, boxes, scores, score_threshold, nms_threshold, eta, top_k, class_ids=None):
    """The numbers as OpenCV takes them (class ids too, given any), parsed in opencv-python's argument order,
    and nms.cpp's CV_Assert_N (NMSBoxesBatched checks no score threshold). -> (vals, st, nt, eta, top_k), ids"""
    vals = [_F32(s) for s in _items(scores, "scores", 0)]
    ids = None if class_ids is None else _items(class_ids, "class_ids", 0, int)
    st, nt = _number(score_threshold, float, "score_threshold"), _number(nms_threshold, float, "nms_threshold")
    eta, top_k = _number(eta, float, "eta"), _number(top_k, int, "top_k")
    _assert(len(boxes) == len(vals), "bboxes.size() == scores.size()", f)
    if ids is None:
        _assert(_F32(st) >= 0, "score_threshold >= 0", f)
    else:
        _assert(len(vals) == len(ids), "scores.size() == class_ids.size()", f)
    _assert(_F32(nt) >= 0, "nms_threshold >= 0", f)
    _assert(_F32(eta) > 0, "eta > 0", f)
    return (vals, st, nt, eta, top_k), ids


@bridged
def NMSBoxes(bboxes, scores, score_threshold, nms_threshold, eta=1.0, top_k=0):
    """NMSBoxes(bboxes, scores, score_threshold, nms_threshold[, eta[, top_k]]) -> indices"""
    boxes = _items(bboxes, "bboxes", 4)
    args, _ = _parse("NMSBoxes", boxes, scores, score_threshold, nms_threshold, eta, top_k)
    return _nms(boxes, *args, _rect_overlap)


@bridged
def NMSBoxesBatched(bboxes, scores, class_ids, score_threshold, nms_threshold, eta=1.0, top_k=0):
    """NMSBoxesBatched(bboxes, scores, class_ids, score_threshold, nms_threshold[, eta[, top_k]]) -> indices"""
    boxes = _items(bboxes, "bboxes", 4)
    args, ids = _parse("NMSBoxesBatched", boxes, scores, score_threshold, nms_threshold, eta, top_k, class_ids)
    # each class moved out of the others' reach (NMSBoxesBatchedImpl)
    max_coord = 0.0
    for x, y, w, h in boxes:
        max_coord = max(x, max_coord, y, x + w, y + h)
    shifted = [(x + c * (max_coord + 1), y + c * (max_coord + 1), w, h) for (x, y, w, h), c in zip(boxes, ids)]
    return _nms(shifted, *args, _rect_overlap)


@bridged
def NMSBoxesRotated(bboxes, scores, score_threshold, nms_threshold, eta=1.0, top_k=0):
    """NMSBoxesRotated(bboxes, scores, score_threshold, nms_threshold[, eta[, top_k]]) -> indices"""
    from . import constants as C
    from .api import TOP_LEVEL

    rects = []
    for i, r in enumerate(_sequence(bboxes, "bboxes")):
        try:
            (cx, cy), (w, h), a = r
            rects.append(((float(_F32(cx)), float(_F32(cy))), (float(_F32(w)), float(_F32(h))), float(_F32(a))))
        except (TypeError, ValueError):
            raise TypeError(f"Can't parse 'bboxes'. Sequence item with index {i} has a wrong type") from None
    args, _ = _parse("NMSBoxesRotated", rects, scores, score_threshold, nms_threshold, eta, top_k)
    intersection, contour_area = TOP_LEVEL["rotatedRectangleIntersection"], TOP_LEVEL["contourArea"]

    def rotated_iou(a, b) -> np.float32:  # rotatedRectIOU (nms.cpp)
        res, inter = intersection(a, b)
        if inter is None or len(inter) == 0 or res == C.INTERSECT_NONE:
            return _F32(0.0)
        if res == C.INTERSECT_FULL:
            return _F32(1.0)
        area = _F32(contour_area(inter))
        return area / (_F32(_F32(a[1][0]) * _F32(a[1][1])) + _F32(_F32(b[1][0]) * _F32(b[1][1])) - area)

    return _nms(rects, *args, rotated_iou)
