"""The cv2 bridge: opencv-python's API computed by opencv.js, inside the Pyodide kernel.

`import cv2` (kernel/src/cv2) re-exports `api.namespace()`. Internals, one concern
per module: loader (opencv.js, once per kernel), bridge.js (the JS half), mats
(numpy <-> Mat, one copy each way), call (sessions, argument parsing), errors
(cv2.error), functions (the bridged calls), codecs (Pillow), constants.
"""

from .api import BRIDGED, ESCAPE_HATCH, missing, namespace, raw
from .errors import error
from .mats import from_mat, to_mat

__all__ = ["BRIDGED", "ESCAPE_HATCH", "error", "from_mat", "missing", "namespace", "raw", "to_mat"]
