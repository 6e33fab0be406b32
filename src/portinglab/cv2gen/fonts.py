"""The Hershey fonts' metrics, read from OpenCV's own sources (imgproc/src/drawing.cpp, hershey_fonts.cpp).

opencv.js does not export cv::getTextSize, which text-box code needs (cvzone.putTextRect, imutils); it only
reads each font's base and cap lines and each glyph's advance (the first two letters of its Hershey string).
The generator writes those numbers to the kernel's fonts.py; functions.getTextSize is OpenCV's loop over them.
"""

from __future__ import annotations

import re
from pathlib import Path

#: fontFace & 15 -> (the array of drawing.cpp, its italic variant)
FACES = {
    0: ("HersheySimplex", "HersheySimplex"), 1: ("HersheyPlain", "HersheyPlainItalic"),
    2: ("HersheyDuplex", "HersheyDuplex"), 3: ("HersheyComplex", "HersheyComplexItalic"),
    4: ("HersheyTriplex", "HersheyTriplexItalic"), 5: ("HersheyComplexSmall", "HersheyComplexSmallItalic"),
    6: ("HersheyScriptSimplex", "HersheyScriptSimplex"), 7: ("HersheyScriptComplex", "HersheyScriptComplex"),
}


def _glyphs(text: str) -> list[str]:
    body = text[text.index("g_HersheyGlyphs[] = {"):]
    body = body[:body.index("};")]
    return [bytes(s, "ascii").decode("unicode_escape") for s in re.findall(r'"((?:[^"\\]|\\.)*)"', body)]


def read(opencv: Path) -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """{array name: (base line, cap line, advance of each code from ' ')}."""
    src = opencv / "modules/imgproc/src"
    drawing = (src / "drawing.cpp").read_text(encoding="utf-8")
    glyphs = _glyphs((src / "hershey_fonts.cpp").read_text(encoding="utf-8"))
    fonts = {}
    for name, body in re.findall(r"static const int (Hershey\w+)\[\] = \{(.*?)\};", drawing, re.S):
        first, _, rest = body.partition(",\n")
        m = re.match(r"\s*\((\d+) \+ (\d+)\*16\)", first)
        base, cap = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        idx = [int(x) for x in re.findall(r"\d+", rest)]
        fonts[name] = (base, cap, tuple(ord(glyphs[i][1]) - ord(glyphs[i][0]) for i in idx))
    missing = {n for pair in FACES.values() for n in pair} - set(fonts)
    if missing:
        raise ValueError(f"drawing.cpp lacks the font arrays {sorted(missing)}")
    return fonts


def fonts_py(fonts: dict, header: str) -> str:
    lines = ['"""The Hershey fonts\' metrics for cv2.getTextSize (functions.py), from OpenCV 4.12.0\'s drawing.cpp.',
             "", header, '"""', "", "# fontFace & 15 -> (regular, italic) array name",
             f"FACES = {FACES!r}", "", "# array -> (base line, cap line, advance of each code from ' ')", "FONTS = {"]
    for name, (base, cap, adv) in sorted(fonts.items()):
        lines.append(f"    {name!r}: ({base}, {cap}, {adv!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"
