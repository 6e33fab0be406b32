"""cv2.getTextSize (not in opencv.js): the kernel's pure-Python version equals opencv-python's, in CPython."""

from __future__ import annotations

from _kernel import real_cv2 as cv2  # opencv-python; kernel/src appended after it (tests/unit/_kernel.py)
from portinglab_kernel.opencv import functions

TEXTS = ["Hi", "Hello, World!", "0123456789", "~`!@#$%^&*()_+{}|:\"<>?", "Привет мир", "naïve café ß", "中文", "",
         " ", "a\tb", "Ёё", "\x7f", "😀x"]


def test_every_font_scale_thickness_and_text():
    cases = [(t, face, scale, th) for face in [*range(8), *(16 | f for f in range(8))]
             for scale in (0.3, 0.45, 1.0, 1.7, 2.25, 3) for th in (1, 2, 5) for t in TEXTS]
    differ = [c for c in cases if cv2.getTextSize(*c) != functions.getTextSize(*c)]
    assert not differ and len(cases) == 16 * 6 * 3 * len(TEXTS)


def test_an_unknown_font_raises_as_opencv_python():
    for call in (cv2.getTextSize, functions.getTextSize):
        try:
            call("x", 9, 1.0, 1)
        except cv2.error as exc:
            assert exc.code == -211
        except Exception as exc:  # ours raises its own cv2.error class (the kernel's)
            assert type(exc).__name__ == "error" and exc.code == -211


def test_every_glyph_of_every_font_alone():
    """Each advance of fonts.py's tables (every ASCII glyph; Cyrillic in FONT_HERSHEY_COMPLEX), one at a time."""
    glyphs = [chr(c) for c in range(32, 127)] + [chr(c) for c in range(0x410, 0x450)] + ["é", "\u4e2d"]
    faces = [*range(8), *(16 | f for f in range(8))]
    differ = [(g, f) for f in faces for g in glyphs
              if cv2.getTextSize(g, f, 1.0, 1) != functions.getTextSize(g, f, 1.0, 1)]
    assert not differ, differ[:10]
