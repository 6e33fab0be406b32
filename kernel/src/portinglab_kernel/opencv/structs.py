"""cv2.KeyPoint and cv2.DMatch: the value classes opencv-python returns from feature detectors and matchers.

Plain Python objects with opencv-python's constructors and attributes; the bridge converts them to
and from opencv.js's KeyPoint / DMatch records (wire.json's `keypointvec`, `dmatchvec`).
"""

from __future__ import annotations

FLT_MAX = 3.4028234663852886e38


class KeyPoint:
    """cv2.KeyPoint([x, y, size[, angle[, response[, octave[, class_id]]]]])"""

    __slots__ = ("pt", "size", "angle", "response", "octave", "class_id")

    def __init__(self, x: float = 0.0, y: float = 0.0, size: float = 0.0, angle: float = -1.0, response: float = 0.0,
                 octave: int = 0, class_id: int = -1):
        self.pt = (float(x), float(y))
        self.size, self.angle, self.response = float(size), float(angle), float(response)
        self.octave, self.class_id = int(octave), int(class_id)

    def __repr__(self):
        return f"< cv2.KeyPoint pt={self.pt} size={self.size:g} angle={self.angle:g} response={self.response:g} >"


class DMatch:
    """cv2.DMatch([queryIdx, trainIdx[, imgIdx], distance])"""

    __slots__ = ("queryIdx", "trainIdx", "imgIdx", "distance")

    def __init__(self, *args):
        if len(args) == 3:
            q, t, d = args
            i = -1
        elif len(args) == 4:
            q, t, i, d = args
        elif not args:
            q, t, i, d = -1, -1, -1, FLT_MAX
        else:
            raise TypeError("DMatch() takes (), (queryIdx, trainIdx, distance) or (queryIdx, trainIdx, imgIdx, distance)")
        self.queryIdx, self.trainIdx, self.imgIdx, self.distance = int(q), int(t), int(i), float(d)

    def __repr__(self):
        return f"< cv2.DMatch queryIdx={self.queryIdx} trainIdx={self.trainIdx} distance={self.distance:g} >"
