"""cv2.dnn's hand-written non-maximum suppression (portinglab_kernel/opencv/dnn.py) against opencv-python's own,
in CPython: random detections (int and float boxes, tied and thresholded scores, eta < 1, top_k, several
classes), each result equal to opencv-python's, and bad input refused with its exception type."""

from __future__ import annotations

import numpy as np
import pytest

from _kernel import real_cv2 as cv2
from portinglab_kernel.opencv import dnn
from portinglab_kernel.opencv.errors import error as bridge_error


def _detections(rng, n, floats):
    xy = rng.integers(0, 200, (n, 2))
    wh = rng.integers(1, 80, (n, 2))
    boxes = np.hstack([xy, wh]).astype(np.float64)
    if floats:
        boxes += rng.random((n, 4)) * 0.99
    scores = np.round(rng.random(n), 1 if n % 2 else 6)  # rounding to 0.1 makes ties
    return [tuple(b) if floats else tuple(int(v) for v in b) for b in boxes], [float(s) for s in scores]


def _same(ours, theirs):
    if isinstance(theirs, tuple):  # opencv-python returns () when nothing is kept
        return ours == ()
    return isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


@pytest.mark.parametrize("seed", range(40))
def test_nms_boxes_equals_opencv_pythons(seed):
    rng = np.random.default_rng(seed)
    boxes, scores = _detections(rng, int(rng.integers(0, 60)), floats=seed % 2 == 1)
    for st, nt, eta, top_k in ((0.3, 0.4, 1.0, 0), (0.0, 0.5, 0.9, 0), (0.5, 0.2, 1.0, 5), (0.1, 0.7, 0.8, 3)):
        theirs = cv2.dnn.NMSBoxes(boxes, scores, st, nt, eta=eta, top_k=top_k)
        ours = dnn.NMSBoxes(boxes, scores, st, nt, eta=eta, top_k=top_k)
        assert _same(ours, theirs), (seed, st, nt, eta, top_k, ours, theirs)


@pytest.mark.parametrize("seed", range(20))
def test_nms_boxes_batched_equals_opencv_pythons(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 50))
    boxes, scores = _detections(rng, n, floats=seed % 2 == 0)
    ids = [int(c) for c in rng.integers(0, 4, n)]
    theirs = cv2.dnn.NMSBoxesBatched(boxes, scores, ids, 0.2, 0.45)
    assert _same(dnn.NMSBoxesBatched(boxes, scores, ids, 0.2, 0.45), theirs)


def test_arrays_are_taken_like_sequences():
    boxes = np.float32([[10, 10, 50, 50], [12, 12, 50, 50], [100, 100, 20, 20]])
    scores = np.float32([0.9, 0.8, 0.7])
    assert _same(dnn.NMSBoxes(boxes, scores, 0.5, 0.4), cv2.dnn.NMSBoxes(boxes, scores, 0.5, 0.4))


@pytest.mark.parametrize("args", [
    ([(0, 0, 10, 10)], [0.5, 0.6], 0.1, 0.4),  # sizes differ
    ([(0, 0, 10, 10)], [0.5], -0.1, 0.4),  # negative score threshold
    ([(0, 0, 10, 10)], [0.5], 0.1, -0.4),
    ([(0, 0, 10)], [0.5], 0.1, 0.4),  # a box of three numbers
    (5, [0.5], 0.1, 0.4),
    ([(0, 0, 10, 10)], [0.5], "x", 0.4),
    ([(0, 0, 10, 10)], ["a"], 0.1, 0.4),
    ([(0, 0, 10, "a")], [0.5], 0.1, 0.4),
])
def test_bad_input_raises_what_opencv_python_raises(args):
    with pytest.raises(Exception) as theirs:
        cv2.dnn.NMSBoxes(*args)
    with pytest.raises(Exception) as ours:
        dnn.NMSBoxes(*args)
    assert (type(theirs.value) is cv2.error) == (type(ours.value) is bridge_error), (theirs.value, ours.value)
    assert str(theirs.value) == str(ours.value) or type(theirs.value) is cv2.error
    if type(theirs.value) is cv2.error:
        assert theirs.value.code == ours.value.code
