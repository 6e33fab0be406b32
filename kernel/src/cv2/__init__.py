"""opencv-python's API in the Porting Lab kernel, computed by opencv.js.

Loads opencv.js on first import (progress on stderr when it takes over a second).
Bridged functions, constants and `cv2.error` follow opencv-python 4.12; anything not
bridged raises an AttributeError naming the escape hatch (`cv2.portinglab.raw()`).
See docs/cv2.md.
"""

from portinglab_kernel.opencv import loader as _loader
from portinglab_kernel.opencv.api import missing as _missing
from portinglab_kernel.opencv.api import namespace as _namespace

globals().update(_namespace())
_loader.load()


def __getattr__(name):
    raise _missing(name)


def __dir__():
    return sorted(n for n in globals() if not n.startswith("_"))
