"""The kernel's imread / imwrite / imdecode / imencode (codecs.py, Pillow) against opencv-python's, in CPython.

Proves: what either side encodes, the other decodes to the same pixels (lossless formats: exactly; JPEG within
docs/cv2.md's tolerance), in OpenCV's channel order and dtypes for every IMREAD flag the bridge supports
(colour, grayscale, unchanged: alpha, 16 bits), EXIF orientation applied or ignored as OpenCV does, and bad
input refused with opencv-python's error codes.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from _kernel import real_cv2 as cv2
from portinglab_kernel.opencv import codecs
from portinglab_kernel.opencv.errors import error as our_error

RNG = np.random.default_rng(11)
IMAGES = {
    "bgr": RNG.integers(0, 256, (21, 34, 3), dtype=np.uint8),
    "gray": RNG.integers(0, 256, (17, 9), dtype=np.uint8),
    "bgra": RNG.integers(0, 256, (12, 15, 4), dtype=np.uint8),
    "gray16": RNG.integers(0, 65536, (13, 11), dtype=np.uint16),
    "gray1": RNG.integers(0, 256, (8, 6, 1), dtype=np.uint8),
}
FLAGS = {"color": cv2.IMREAD_COLOR, "gray": cv2.IMREAD_GRAYSCALE, "unchanged": cv2.IMREAD_UNCHANGED}
LOSSLESS = {".png": ("bgr", "gray", "bgra", "gray16", "gray1"), ".bmp": ("bgr", "gray"), ".tiff": ("bgr", "gray"),
            ".ppm": ("bgr",), ".pgm": ("gray",), ".webp": ("bgr",)}


def _assert_close(ours, real, tol=0, share=0.0):
    assert ours.shape == real.shape and ours.dtype == real.dtype, (ours.shape, ours.dtype, real.shape, real.dtype)
    diff = np.abs(ours.astype(np.int64) - real.astype(np.int64))
    assert diff.max(initial=0) <= tol and np.count_nonzero(diff) <= share * diff.size, (diff.max(), np.count_nonzero(diff))


@pytest.mark.parametrize("ext, name", [(e, n) for e, names in LOSSLESS.items() for n in names])
def test_lossless_formats_round_trip_between_the_two(ext, name):
    img = IMAGES[name]
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if ext == ".webp" else None  # > 100: lossless, as OpenCV
    ok, ours = codecs.imencode(ext, img, params)
    assert ok and ours.dtype == np.uint8 and ours.ndim == 1
    ok, theirs = cv2.imencode(ext, img, params or [])
    expected = img if img.ndim == 2 or img.shape[2] != 1 else img[:, :, 0]
    for flag_name, flag in FLAGS.items():
        if flag_name == "gray" and img.ndim == 3 and img.shape[2] >= 3:
            continue  # colour -> gray in the decoder: within a tolerance (the next test)
        from_ours = cv2.imdecode(ours, flag)
        from_theirs = codecs.imdecode(theirs, flag)
        assert from_theirs is not None and from_ours is not None
        _assert_close(from_theirs, cv2.imdecode(theirs, flag))  # our decoder == opencv-python's, same bytes
        _assert_close(codecs.imdecode(ours, flag), from_ours)
        if flag == cv2.IMREAD_UNCHANGED:
            _assert_close(from_ours, expected)  # what we wrote is the image, bit for bit


def test_gray_decoding_of_colour_is_within_the_documented_tolerance():
    """docs/cv2.md: PNG read with IMREAD_GRAYSCALE (Pillow + BT.601 vs libpng) <= 1 in <= 1%."""
    yy, xx = np.mgrid[0:120, 0:160]
    smooth = np.dstack([(xx * 1.5) % 256, (yy * 2.0) % 256, ((xx + yy) * 0.8) % 256]).astype(np.uint8)
    for img in (smooth, IMAGES["bgr"], IMAGES["bgra"]):
        data = cv2.imencode(".png", img)[1]
        _assert_close(codecs.imdecode(data, cv2.IMREAD_GRAYSCALE), cv2.imdecode(data, cv2.IMREAD_GRAYSCALE), 1, 0.01)


def test_jpeg_within_the_documented_tolerance():
    yy, xx = np.mgrid[0:48, 0:64]
    img = np.dstack([xx * 4, yy * 5, (xx + yy) * 2]).astype(np.uint8)
    theirs = cv2.imencode(".jpg", img)[1]
    for flag in (cv2.IMREAD_COLOR, cv2.IMREAD_GRAYSCALE, cv2.IMREAD_UNCHANGED):
        _assert_close(codecs.imdecode(theirs, flag), cv2.imdecode(theirs, flag), 8, 1.0)
    ours = codecs.imencode(".jpg", img)[1]
    _assert_close(cv2.imdecode(ours, cv2.IMREAD_COLOR), img, 12, 1.0)  # quality 95 by default, as OpenCV
    small = codecs.imencode(".jpeg", img, [cv2.IMWRITE_JPEG_QUALITY, 10])[1]
    assert small.size < ours.size
    bgra = codecs.imencode(".jpg", IMAGES["bgra"])[1]  # JPEG has no alpha: dropped, as OpenCV
    assert cv2.imdecode(bgra, cv2.IMREAD_UNCHANGED).shape == (12, 15, 3)


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_orientation_is_applied_unless_ignored(orientation):
    img = IMAGES["bgr"]
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(img[:, :, ::-1].copy()).save(buf, "JPEG", quality=100, exif=exif.tobytes())
    data = np.frombuffer(buf.getvalue(), np.uint8)
    for flag in (cv2.IMREAD_COLOR, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION, cv2.IMREAD_UNCHANGED,
                 cv2.IMREAD_GRAYSCALE):
        ours, theirs = codecs.imdecode(data, flag), cv2.imdecode(data, flag)
        _assert_close(ours, theirs, 8, 1.0)


def test_imwrite_then_imread_across_the_two(tmp_path, capfd):
    for ext in (".png", ".bmp", ".tif"):
        path = tmp_path / f"ours{ext}"
        assert codecs.imwrite(str(path), IMAGES["bgr"]) is True
        _assert_close(cv2.imread(str(path)), IMAGES["bgr"])
        assert cv2.imwrite(str(tmp_path / f"theirs{ext}"), IMAGES["bgr"])
        _assert_close(codecs.imread(tmp_path / f"theirs{ext}"), IMAGES["bgr"])  # a path-like object too
    assert codecs.imread(str(tmp_path / "missing.png")) is None and cv2.imread(str(tmp_path / "missing.png")) is None
    assert "can't open/read file: check file path/integrity" in capfd.readouterr().err
    (tmp_path / "garbage.png").write_bytes(b"not an image")
    assert codecs.imread(str(tmp_path / "garbage.png")) is None and cv2.imread(str(tmp_path / "garbage.png")) is None


@pytest.mark.parametrize("call", [
    lambda m: m.imencode(".xyz", IMAGES["bgr"]),
    lambda m: m.imencode(".png", np.zeros((0, 0), np.uint8)),
    lambda m: m.imencode(".png", IMAGES["bgr"][:, :, :2].copy()),
    lambda m: m.imdecode(np.zeros(0, np.uint8), cv2.IMREAD_COLOR),
    lambda m: m.imread(123),
    lambda m: m.imwrite(123, IMAGES["bgr"]),
    lambda m: m.imencode(5, IMAGES["bgr"]),
    lambda m: m.imdecode(np.zeros(3, np.uint8), "color"),
    lambda m: m.imencode(".png"),
], ids=["unknown ext", "empty image", "2 channels", "empty buffer", "filename int", "imwrite filename int",
        "ext int", "flags str", "missing img"])
def test_bad_input_is_refused_with_opencv_pythons_code(call):
    with pytest.raises(cv2.error) as real:
        call(cv2)
    real_code = real.value.code
    with pytest.raises(our_error) as ours:
        call(codecs)
    assert ours.value.code == real_code


def test_what_cannot_be_decoded_is_none():
    for data in (np.frombuffer(b"garbage", np.uint8), np.frombuffer(b"\x89PNG\r\n\x1a\n....", np.uint8)):
        assert codecs.imdecode(data, cv2.IMREAD_COLOR) is None and cv2.imdecode(data, cv2.IMREAD_COLOR) is None


def test_non_uint8_images_are_written_as_opencv_python_writes_them():
    """Float and signed images: saturated to uint8, rounded half to even (opencv-python: its fallback to CV_8U)."""
    for img in (np.float64([[0.4, 1.6, 300.0], [-5, 127.5, 254.5]]), np.int8([[-3, 0, 5], [127, -128, 1]]),
                np.float32(RNG.random((5, 7, 3)) * 300 - 20)):
        ours = cv2.imdecode(codecs.imencode(".png", img)[1], cv2.IMREAD_UNCHANGED)
        theirs = cv2.imdecode(cv2.imencode(".png", img)[1], cv2.IMREAD_UNCHANGED)
        _assert_close(ours, theirs)
