"""The hand-written layer over the generated bridge (generated.py): what generation cannot give.

Fused fast paths (one input, one output, two crossings: resize, cvtColor, ...; findContours with all
contours in one copy), boxPoints (opencv.js returns a plain JS array) and the runtime functions.
Each parses its arguments as opencv-python does, copies each input array once into the opencv.js
heap and each result once back, and deletes every Mat it made. docs/cv2-coverage.md lists them.
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .call import bool_, bridged, call, float_, int_, point_int, seq, session
from .errors import bad_argument
from .loader import _state, load
from .mats import contours as _contours
from .mats import unary as _unary_call


def _H():
    return _state.get("H") or load()[1]


def _unary(name, src, dst, *args, src_name="src"):
    return _unary_call(_H(), name, src, dst, *args, src_name=src_name)



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



@bridged
def rotate(src, rotateCode, dst=None):
    f = "rotate"
    return _unary(f, src, dst, int_(rotateCode, "rotateCode", f))[1]


@bridged
def flip(src, flipCode, dst=None):
    f = "flip"
    return _unary(f, src, dst, int_(flipCode, "flipCode", f))[1]



# ---------------------------------------------------------------- arithmetic, core

# ---------------------------------------------------------------- thresholds, filters, morphology

@bridged
def threshold(src, thresh, maxval, type, dst=None):  # noqa: A002 - opencv-python's name
    f = "threshold"
    ret, out = _unary(f, src, dst, float_(thresh, "thresh", f), float_(maxval, "maxval", f), int_(type, "type", f))
    return float(ret), out



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



@bridged
def Canny(image, threshold1, threshold2, edges=None, apertureSize=3, L2gradient=False):  # noqa: N803
    f = "Canny"
    return _unary(f, image, edges, float_(threshold1, "threshold1", f), float_(threshold2, "threshold2", f),
                  int_(apertureSize, "apertureSize", f), int(bool_(L2gradient, "L2gradient", f)),
                  src_name="image")[1]


@bridged
def equalizeHist(src, dst=None):
    return _unary("equalizeHist", src, dst)[1]



# ---------------------------------------------------------------- contours, shapes

@bridged
def findContours(image, mode, method, contours=None, hierarchy=None, offset=None):
    f = "findContours"
    ox, oy = point_int((0, 0) if offset is None else offset, "offset", f)
    return _contours(_H(), image, int_(mode, "mode", f), int_(method, "method", f), ox, oy)







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



# ---------------------------------------------------------------- drawing (in place)

# ---------------------------------------------------------------- runtime

@bridged
def setNumThreads(nthreads):
    """The threads build (a cross-origin isolated page): OpenCV's thread count, up to its pool of 4 (<= 0: one
    per core). Otherwise accepted and ignored: opencv.js runs single-threaded."""
    n = int_(nthreads, "nthreads", "setNumThreads")
    _H()
    if _state.get("build") == "simd-threads":
        from .loader import set_threads

        set_threads(_state["cv"], n)


@bridged
def getNumThreads():
    _H()
    if _state.get("build") == "simd-threads":
        return int(_state["cv"].getNumThreads())
    return 1


@bridged
def getBuildInformation():
    return str(_H().cv.getBuildInformation())


# ---------------------------------------------------------------- text metrics (not in opencv.js)

def _glyph_codes(data: bytes, face: int):
    """The font table codes OpenCV reads for each character of `data` (drawing.cpp's readCheck): ASCII as is,
    Cyrillic in FONT_HERSHEY_COMPLEX, anything else '?'."""
    i, n, q = 0, len(data), ord("?")
    while i < n:
        c, left, right = data[i], 32, 127
        if c >= 0x80 and face == C.FONT_HERSHEY_COMPLEX:
            nxt = data[i + 1] if i + 1 < n else 0
            if c == 0xD0 and 0x90 <= nxt <= 0xBF:
                i, c, left, right = i + 1, nxt - 17, 127, 175
            elif c == 0xD1 and 0x80 <= nxt <= 0x8F:
                i, c, left, right = i + 1, nxt + 47, 175, 191
            else:
                for lead in (0xC0, 0xE0, 0xF0, 0xF8, 0xFC):  # skip the rest of a UTF-8 sequence
                    if c >= lead and i + 1 < n and data[i + 1]:
                        i += 1
                c = q
        yield q if c >= right or c < left else c
        i += 1


@bridged
def getTextSize(text, fontFace, fontScale, thickness):
    """getTextSize(text, fontFace, fontScale, thickness) -> retval, baseLine: OpenCV's computation over its Hershey
    fonts' metrics (fonts.py, generated from drawing.cpp); opencv.js does not export it."""
    from .fonts import FACES, FONTS

    f = "getTextSize"
    if not isinstance(text, str):
        raise bad_argument(f, f"Can't convert object to 'str' for 'text' (got {type(text).__name__})")
    face, scale, thick = int_(fontFace, "fontFace", f), float_(fontScale, "fontScale", f), int_(thickness, "thickness", f)
    if face & 15 not in FACES:
        from .errors import error

        raise error("OpenCV(4.12.0) drawing.cpp: error: (-211:One of the arguments' values is out of range) "
                    "Unknown font type in function 'getFontData'\n", -211, "Unknown font type", "getFontData")
    base, cap, advance = FONTS[FACES[face & 15][1 if face & C.FONT_ITALIC else 0]]
    height = round((cap + base) * scale + (thick + 1) // 2)
    view_x = 0.0
    for c in _glyph_codes(text.encode("utf-8"), face):
        view_x += advance[c - 32] * scale
    return (round(view_x + thick), height), round(base * scale + thick * 0.5)
