"""imread / imwrite / imdecode / imencode with OpenCV's semantics, through Pillow.

opencv.js has no codecs. Pillow (a Pyodide package the kernel wheel depends on) decodes
and encodes; the results follow OpenCV: BGR(A) channel order, `imread` returns
None for a missing or undecodable file, IMREAD_GRAYSCALE gives HxW, IMREAD_UNCHANGED
keeps alpha and 16-bit depth, EXIF orientation is applied unless
IMREAD_IGNORE_ORIENTATION. No copies into opencv.js are involved.
"""

from __future__ import annotations

import io
import os
import sys

import numpy as np

from . import constants as C
from .call import bridged, int_
from .errors import bad_argument, error

_FORMATS = {
    ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".bmp": "BMP", ".dib": "BMP",
    ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF", ".ppm": "PPM", ".pgm": "PPM", ".pbm": "PPM", ".pnm": "PPM",
}


def _pil():
    # Pillow is a dependency of the kernel wheel in the site's lock: importing cv2
    # loads it (no run_sync here: see loader.py)
    from PIL import Image, ImageOps

    return Image, ImageOps


def _decode(data: bytes, flags: int) -> np.ndarray | None:
    Image, ImageOps = _pil()
    try:
        im = Image.open(io.BytesIO(data))
        if im.format == "JPEG" and flags == C.IMREAD_GRAYSCALE:
            im.draft("L", im.size)  # libjpeg's own grayscale decode, as OpenCV's
        im.load()
    except Exception:
        return None
    if flags != C.IMREAD_UNCHANGED and not (flags >= 0 and flags & C.IMREAD_IGNORE_ORIENTATION):
        im = ImageOps.exif_transpose(im)
    if flags == C.IMREAD_UNCHANGED:
        if im.mode in ("I;16", "I;16B", "I;16L"):
            return np.asarray(im, dtype=np.uint16)
        if im.mode == "I":
            return np.asarray(im).astype(np.uint16)
        if im.mode in ("L", "1"):
            return np.asarray(im.convert("L"))
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            return np.ascontiguousarray(np.asarray(im.convert("RGBA"))[:, :, [2, 1, 0, 3]])
        return np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1])
    if flags == C.IMREAD_GRAYSCALE:
        if im.mode in ("I;16", "I;16B", "I;16L", "I"):
            im = Image.fromarray((np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8))
        if im.mode == "L":
            return np.asarray(im).copy()
        rgb = np.asarray(im.convert("RGB"), dtype=np.uint32)
        # BT.601 weights in 14-bit fixed point, truncated: within 1 of OpenCV's decoders
        # (which convert inside libpng / libjpeg) for >99% of pixels
        gray = (rgb[..., 0] * 4899 + rgb[..., 1] * 9617 + rgb[..., 2] * 1868) >> 14
        return gray.astype(np.uint8)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = Image.fromarray((np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8))
    return np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1])


def _to_pil(img: np.ndarray, func: str):
    Image, _ = _pil()
    if not isinstance(img, np.ndarray):
        raise bad_argument(func, "img is not a numpy array, neither a scalar")
    if img.size == 0:
        raise error(f"OpenCV(4.12.0) :-1: error: (-215:Assertion failed) !_img.empty() in function '{func}'\n",
                    -215, "", func)
    a = img
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim == 2:
        if a.dtype == np.uint16:
            return Image.fromarray(np.ascontiguousarray(a), mode="I;16")
        if a.dtype != np.uint8:
            a = np.clip(np.rint(a), 0, 255).astype(np.uint8)
        return Image.fromarray(np.ascontiguousarray(a), mode="L")
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise error(f"OpenCV(4.12.0) :-1: error: (-215:Assertion failed) image has {a.shape} : expected HxW, "
                    f"HxWx1, HxWx3 (BGR) or HxWx4 (BGRA) in function '{func}'\n", -215, "", func)
    if a.dtype != np.uint8:
        a = np.clip(np.rint(a), 0, 255).astype(np.uint8)
    if a.shape[2] == 3:
        return Image.fromarray(np.ascontiguousarray(a[:, :, ::-1]), mode="RGB")
    return Image.fromarray(np.ascontiguousarray(a[:, :, [2, 1, 0, 3]]), mode="RGBA")


def _params(params) -> dict:
    if params is None:
        return {}
    p = list(params)
    return {int(p[i]): int(p[i + 1]) for i in range(0, len(p) - 1, 2)}


def _encode(ext: str, img, params, func: str) -> bytes:
    fmt = _FORMATS.get(ext.lower())
    if fmt is None:
        raise error(f"OpenCV(4.12.0) :-1: error: (-2:Unspecified error) could not find encoder for the "
                    f"specified extension '{ext}' in function '{func}'\n", -2, "", func)
    im = _to_pil(img, func)
    opts = _params(params)
    kw = {}
    if fmt == "JPEG":
        kw["quality"] = opts.get(C.IMWRITE_JPEG_QUALITY, 95)
        if im.mode == "RGBA":
            im = im.convert("RGB")
    elif fmt == "PNG":
        kw["compress_level"] = opts.get(C.IMWRITE_PNG_COMPRESSION, 1)
    elif fmt == "WEBP":
        q = opts.get(C.IMWRITE_WEBP_QUALITY, 100)
        kw.update(quality=min(q, 100), lossless=q > 100)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


@bridged
def imread(filename, flags=C.IMREAD_COLOR):
    if not isinstance(filename, (str, os.PathLike)):
        raise bad_argument("imread", "Can't convert object to 'str' for 'filename'")
    flags = int_(flags, "flags", "imread")
    try:
        with open(filename, "rb") as fh:
            data = fh.read()
    except OSError:
        print(f"[ WARN:0] global loadsave.cpp imread_('{os.fspath(filename)}'): can't open/read file: "
              "check file path/integrity", file=sys.stderr)
        return None
    return _decode(data, flags)


@bridged
def imdecode(buf, flags):
    flags = int_(flags, "flags", "imdecode")
    if not isinstance(buf, (np.ndarray, bytes, bytearray, memoryview)):
        raise bad_argument("imdecode", "buf is not a numpy array, neither a scalar")
    data = np.ascontiguousarray(buf).tobytes() if isinstance(buf, np.ndarray) else bytes(buf)
    if not data:
        raise error("OpenCV(4.12.0) :-1: error: (-215:Assertion failed) !buf.empty() in function 'imdecode_'\n",
                    -215, "", "imdecode_")
    return _decode(data, flags)


@bridged
def imwrite(filename, img, params=None):
    if not isinstance(filename, (str, os.PathLike)):
        raise bad_argument("imwrite", "Can't convert object to 'str' for 'filename'")
    data = _encode(os.path.splitext(os.fspath(filename))[1], img, params, "imwrite")
    with open(filename, "wb") as fh:
        fh.write(data)
    return True


@bridged
def imencode(ext, img, params=None):
    if not isinstance(ext, str):
        raise bad_argument("imencode", "Can't convert object to 'str' for 'ext'")
    data = _encode(ext, img, params, "imencode")
    return True, np.frombuffer(data, np.uint8).copy()
