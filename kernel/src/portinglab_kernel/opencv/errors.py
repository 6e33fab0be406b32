"""`cv2.error`, and turning opencv.js's thrown values into it.

opencv.js throws a bare number (a pointer to a C++ cv::Exception); the JS half of
the bridge reads OpenCV's own message through `cv.exceptionFromPtr` and tags it.
"""

from __future__ import annotations

import re

# "OpenCV(4.12.0) /path/resize.cpp:4208: error: (-215:Assertion failed) !ssize.empty() in function 'resize'"
# (an error name may hold parentheses: "(-206:Bad flag (parameter or structure field))"), or, where the error
# text has several lines (CV_Check*: wrong channel counts ...), the text after the function:
# "OpenCV(4.12.0) /path/x.hpp:92: error: (-15:Bad number of channels) in function 'f'\n> Invalid number of ..."
_CV_MESSAGE = re.compile(
    r"OpenCV\([^)]*\) (?P<file>.*?):(?P<line>-?\d+): error: \((?P<code>-?\d+):(?P<errname>.*?)\) "
    r"(?:in function '(?P<lfunc>[^']*)'\n(?P<lines>.*)|(?P<err>.*?) in function '(?P<func>[^']*)')", re.S)


class error(Exception):  # noqa: N801 - the name opencv-python uses
    """OpenCV's error, as opencv-python raises it (`cv2.error`).

    Attributes as in opencv-python: code, err, func, file, line, msg.
    """

    def __init__(self, msg: str, code: int = -2, err: str = "", func: str = "", file: str = "", line: int = -1):
        super().__init__(msg)
        self.msg, self.code, self.err, self.func, self.file, self.line = msg, code, err, func, file, line


def from_opencv_message(msg: str) -> error:
    m = _CV_MESSAGE.search(msg)
    if not m:
        return error(msg)
    if m["lfunc"] is not None:
        return error(msg, int(m["code"]), m["lines"], m["lfunc"], m["file"], int(m["line"]))
    return error(msg, int(m["code"]), m["err"], m["func"], m["file"], int(m["line"]))


def bad_argument(func: str, *problems: str) -> error:
    """opencv-python's argument-parsing error (code -5), naming what is wrong."""
    text = "".join(f">  - {p}\n" for p in problems)
    msg = f"OpenCV(4.12.0) :-1: error: (-5:Bad argument) in function '{func}'\n> Overload resolution failed:\n{text}"
    return error(msg, -5, "", func, "", -1)


def from_tagged(text: str, func: str) -> error:
    """A tagged error string returned by the JS half -> cv2.error."""
    if text.startswith("@@cv@@"):
        return from_opencv_message(text[6:].strip() + "\n")
    if text.startswith("@@bind@@"):
        return bad_argument(func, "opencv.js rejected an argument: " + text[8:].strip())
    return error(f"OpenCV(4.12.0) :-1: error: (-2:Unspecified error) opencv.js failed: {text[6:].strip()} "
                 f"in function '{func}'\n", -2, "", func)


def from_js(exc: BaseException, func: str) -> BaseException:
    """A JsException thrown by the JS half -> cv2.error (other exceptions pass through)."""
    text = str(exc)
    # JsException's str is "Error: <message>"; bridge.js tags its messages with @@kind@@
    if "@@" in text:
        return from_tagged(text[text.index("@@"):], func)
    return exc
