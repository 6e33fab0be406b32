"""The public surface of `cv2`: bridged functions, constants, the escape hatch."""

from __future__ import annotations

from . import codecs, constants, functions
from .errors import error
from .loader import load, load_info
from .mats import from_mat, to_mat

__version__ = "4.12.0"

BRIDGED = sorted(
    [n for n, f in vars(functions).items() if getattr(f, "__bridged__", False)]
    + [n for n, f in vars(codecs).items() if getattr(f, "__bridged__", False)]
)

ESCAPE_HATCH = (
    "use the raw opencv.js module: `js_cv = cv2.portinglab.raw()`, with "
    "`m = cv2.portinglab.to_mat(arr)` (numpy -> new Mat, one copy; call m.delete()) and "
    "`arr = cv2.portinglab.from_mat(m)` (Mat -> numpy, one copy); see docs/cv2.md"
)


def raw():
    """The opencv.js module itself (`cv` in opencv.js's docs), loaded and ready."""
    return load()[0]


def missing(name: str) -> AttributeError:
    return AttributeError(
        f"module 'cv2' has no attribute {name!r}: Porting Lab's cv2 does not bridge it to opencv.js. "
        f"To call it anyway, {ESCAPE_HATCH}")


class _Portinglab:
    """`cv2.portinglab`: the bridge's own helpers (not part of opencv-python)."""

    raw = staticmethod(raw)
    to_mat = staticmethod(to_mat)
    from_mat = staticmethod(from_mat)
    load_info = staticmethod(load_info)
    BRIDGED = BRIDGED

    @staticmethod
    def heap_bytes() -> int:
        """Size of opencv.js's wasm heap, in bytes."""
        return int(load()[1].heapBytes())


def namespace() -> dict:
    """Everything `cv2` exports."""
    ns = {n: getattr(constants, n) for n in dir(constants) if n.isupper()}
    ns.update({n: getattr(functions, n, None) or getattr(codecs, n) for n in BRIDGED})
    ns.update(error=error, __version__=__version__, portinglab=_Portinglab())
    return ns
