"""Files OpenCV opens by name (cascades, dnn models): opencv.js has its own file system, apart from Pyodide's.

A path argument (`CascadeClassifier(filename)`, `dnn.readNetFromONNX(onnxFile)`, ...) names a file of the
kernel's file system (the drive, a download, a file you wrote); before the call the bridge copies it,
once per version of the file, to the same absolute path in opencv.js's file system, and passes that path.
`cv2.data.haarcascades` names opencv-python's Haar cascades: the site ships them, and `import cv2` puts
them in the kernel's file system as lazy files (Emscripten's createLazyFile): the first read of one,
by OpenCV or by `open()`, fetches it (synchronously: the kernel is a worker); the others cost nothing.
"""

from __future__ import annotations

import os

import numpy as np

from .. import copies as _copies
from ..copies import record_counted

HAARCASCADES = "/usr/share/opencv4/haarcascades/"
_mirrored: dict[str, tuple] = {}


def install_haarcascades() -> None:
    """opencv-python's cascades at cv2.data.haarcascades, as lazy files of the kernel's file system."""
    import pyodide_js

    from ..site import vendor_url, vendored

    if os.path.isdir(HAARCASCADES):
        return
    os.makedirs(HAARCASCADES)
    for name in vendored().get("opencv-data", {}).get("files", ()):
        pyodide_js.FS.createLazyFile(HAARCASCADES, name, vendor_url("opencv-data", name), True, False)


def mirror(H, path: str, api: str) -> str:
    """The absolute path of `path`, copied into opencv.js's file system if it is a file of the kernel's."""
    full = os.path.abspath(path) if path else path
    if not full:
        return path
    if not os.path.isfile(full):
        return full
    st = os.stat(full)
    key = (st.st_size, st.st_mtime_ns)
    if _mirrored.get(full) != key:
        data = np.fromfile(full, np.uint8)
        ms = H.mirrorFile(full, data.__array_interface__["data"][0], data.nbytes)
        if _copies._detail and data.nbytes:
            record_counted("py->opencv", data.nbytes, api, None, (data.nbytes,), ms / 1000)
        _mirrored[full] = key
    return full
