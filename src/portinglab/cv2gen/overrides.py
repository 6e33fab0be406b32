"""The reviewed, hand-written layer: what generation cannot know.

Kept small on purpose; each entry says why. Everything else is derived from the inputs.
"""

from __future__ import annotations

import math
import re

#: names that opencv-python has and that the bridge leaves out on purpose, by group, with what to use instead
EXCLUDED_GROUPS: dict[str, tuple[str, ...]] = {
    "GUI (no windows in a browser kernel): show an image with IPython.display / PIL.Image.fromarray(img[..., ::-1])":
        ("imshow", "waitKey", "waitKeyEx", "pollKey", "namedWindow", "destroyWindow", "destroyAllWindows", "moveWindow",
         "resizeWindow", "setWindowProperty", "setWindowTitle", "getWindowProperty", "getWindowImageRect",
         "createTrackbar", "getTrackbarPos", "setTrackbarPos", "setTrackbarMax", "setTrackbarMin", "selectROI",
         "selectROIs", "setMouseCallback", "startWindowThread", "addText", "displayOverlay", "displayStatusBar",
         "createButton", "fontQt", "currentUIFramework", "setOpenGlContext", "setOpenGlDrawCallback", "updateWindow",
         "startLoop", "stopLoop", "imshow"),
    "video I/O (no cameras or files of video in the kernel): decode frames in the page (<video> + canvas) and pass arrays":
        ("VideoCapture", "VideoWriter", "VideoWriter_fourcc", "VideoCapture_waitAny", "videoio_registry"),
    "CUDA / OpenCL / OpenGL / IPP (none in WebAssembly)":
        ("cuda", "ocl", "ogl", "ipp", "UMat", "UMat_context", "UMat_queue", "setUseOpenCL", "useOpenCL",
         "haveOpenVX", "setUseOpenVX", "useOpenVX", "cuda_GpuMat", "cuda_Stream", "cuda_Event", "cuda_HostMem",
         "cuda_BufferPool", "cuda_DeviceInfo", "cuda_TargetArchs", "ogl_Buffer", "ogl_Texture2D", "ogl_Arrays"),
    "G-API (a graph runtime opencv.js does not build)": ("gapi",),
    "opencv.js makes it as a bare Algorithm, without BackgroundSubtractor's apply (measured: 'Expected instance "
    "of BackgroundSubtractorMOG2, got an instance of Algorithm'): use createBackgroundSubtractorMOG2":
        ("createBackgroundSubtractorKNN", "BackgroundSubtractorKNN"),
}

#: the codecs: opencv.js has none; the bridge implements them with Pillow (codecs.py), OpenCV's semantics
CODECS = ("imread", "imwrite", "imdecode", "imencode", "imreadmulti", "imcount", "haveImageReader", "haveImageWriter",
          "imwritemulti", "imreadanimation", "imwriteanimation", "imencodeanimation", "imdecodeanimation")

#: C++ default expressions hdr_parser gives that are not plain numbers or constant names
_DEFAULTS = {
    "Mat()": None, "noArray()": None, "cv::noArray()": None, "Mat": None, "cv::Mat()": None,
    "Point()": (0, 0), "Point(-1,-1)": (-1, -1), "Point(-1, -1)": (-1, -1), "cv::Point()": (0, 0),
    "Point2f()": (0.0, 0.0), "Size()": (0, 0), "cv::Size()": (0, 0), "Size(-1,-1)": (-1, -1), "Size(8, 8)": (8, 8),
    "Scalar()": (0.0, 0.0, 0.0, 0.0), "Scalar::all(0)": (0.0, 0.0, 0.0, 0.0), "Scalar(1)": (1.0, 0.0, 0.0, 0.0),
    "Scalar(0)": (0.0, 0.0, 0.0, 0.0), "Scalar::all(1)": (1.0, 1.0, 1.0, 1.0),
    "morphologyDefaultBorderValue()": (1.7976931348623157e308,) * 4,  # Scalar::all(DBL_MAX)
    "String()": "", "std::string()": "", "\"\"": "",
    "std::vector<int>()": (), "std::vector<float>()": (), "std::vector<Mat>()": (),
    "Rect()": (0, 0, 0, 0),
    "DBL_MAX": 1.7976931348623157e308, "-DBL_MAX": -1.7976931348623157e308, "FLT_MAX": 3.4028234663852886e38,
    "DBL_EPSILON": 2.220446049250313e-16, "FLT_EPSILON": 1.1920928955078125e-07,
    "INT_MAX": 2**31 - 1, "INT_MIN": -(2**31), "CV_PI": math.pi, "CV_PI*0.5": math.pi * 0.5,
    "TermCriteria(TermCriteria::MAX_ITER+TermCriteria::EPS, 5, 1)": (3, 5, 1.0),
    "TermCriteria(TermCriteria::COUNT+TermCriteria::EPS, 30, 0.01)": (3, 30, 0.01),
    "TermCriteria(TermCriteria::COUNT + TermCriteria::EPS, 30, 0.01)": (3, 30, 0.01),
    "TermCriteria(TermCriteria::COUNT+TermCriteria::EPS, 20, 0.03)": (3, 20, 0.03),
    "TermCriteria(TermCriteria::COUNT + TermCriteria::EPS, 30, DBL_EPSILON)": (3, 30, 2.220446049250313e-16),
    "TermCriteria(TermCriteria::COUNT+TermCriteria::EPS, 30, DBL_EPSILON)": (3, 30, 2.220446049250313e-16),
    "TermCriteria(TermCriteria::COUNT + TermCriteria::EPS, 50, 0.001)": (3, 50, 0.001),
    "TermCriteria(TermCriteria::COUNT+TermCriteria::EPS, 50, 0.001)": (3, 50, 0.001),
    "TermCriteria(TermCriteria::MAX_ITER + TermCriteria::EPS, 5, 1)": (3, 5, 1.0),
}

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[fFlLuU]*$")


class UnknownDefault(Exception):
    pass


def default_value(expr: str, constants: dict[str, int]):
    """A C++ default expression as the value the bridge sends for it (None: an empty Mat)."""
    e = expr.strip()
    if e in _DEFAULTS:
        return _DEFAULTS[e]
    if e in ("true", "false"):
        return e == "true"
    if _NUMBER.match(e):
        t = e.rstrip("fFlLuU")
        return float(t) if any(c in t for c in ".eE") else int(t)
    if e.startswith("(") and e.endswith(")"):
        return default_value(e[1:-1], constants)
    # cv::BORDER_DEFAULT, ORB::HARRIS_SCORE, HOGDescriptor::DEFAULT_NLEVELS, INTER_LINEAR | WARP_...
    if "|" in e or "+" in e:
        parts = re.split(r"[|+]", e)
        try:
            vals = [default_value(p, constants) for p in parts]
            if all(isinstance(v, int) for v in vals):
                return sum(vals) if "+" in e else _or(vals)
        except UnknownDefault:
            pass
    m = re.fullmatch(r"(?:cv::)?(?:\w+::)*(\w+)\(\)", e)
    if m and m.group(1)[0].isupper() and m.group(1) not in ("Mat", "Scalar", "Size", "Point", "Rect"):
        return {"new": m.group(1)}  # an object made with its default constructor (aruco::DetectorParameters())
    m = re.fullmatch(r"(?:cv::)?Scalar\(([^()]*)\)", e) or re.fullmatch(r"(?:cv::)?Size\(([^()]*)\)", e)
    if m:
        vals = [default_value(x, constants) for x in m.group(1).split(",")]
        return tuple(float(v) for v in vals) + (0.0,) * (4 - len(vals)) if e.lstrip("cv:").startswith("Scalar") \
            else tuple(vals)
    m = re.fullmatch(r"(?:cv::)?Scalar::all\(([^()]*)\)", e)
    if m:
        return (float(default_value(m.group(1), constants)),) * 4
    name = e.split("::")[-1].strip()
    qualified = e.replace("cv::", "").replace("::", "_")
    for key in (qualified, name):
        if key in constants:
            return constants[key]
    raise UnknownDefault(expr)


def _or(vals):
    out = 0
    for v in vals:
        out |= v
    return out
