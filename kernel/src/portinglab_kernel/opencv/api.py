"""The public surface of `cv2`: generated functions, the hand-written layer, constants, sub-modules."""

from __future__ import annotations

import types

from . import codecs, constants, dnn, functions
from .errors import error
from .files import HAARCASCADES
from .generated import ALIASES, CLASSES, FUNCTIONS
from .invoke import make_class
from .loader import load, load_info
from .mats import from_mat, to_mat
from .structs import DMatch, KeyPoint

__version__ = "4.12.0"

#: the hand-written layer: fused fast paths, Pillow codecs, runtime functions (docs/cv2-coverage.md says why)
HAND_WRITTEN = {n: f for mod in (functions, codecs) for n, f in vars(mod).items() if getattr(f, "__bridged__", False)
                and not isinstance(f, type)}

TOP_LEVEL = {n: f for n, f in FUNCTIONS.items() if "." not in n}
TOP_LEVEL.update(HAND_WRITTEN)  # a hand-written function replaces the generated one of its name
#: hand-written functions of sub-modules ("dnn.NMSBoxes": opencv.js cannot take its argument type)
HAND_WRITTEN_SUB = {f"dnn.{n}": f for n, f in vars(dnn).items() if getattr(f, "__bridged__", False)}

def _classes() -> dict[str, type]:
    """The generated classes, each made after its bases (opencv-python's hierarchy)."""
    made: dict[str, type] = {}

    def make(name):
        if name not in made:
            bases, methods = CLASSES[name]
            for b in bases:
                if b in CLASSES:
                    make(b)
            made[name] = make_class(name, bases, methods)
        return made[name]
    for name in CLASSES:
        make(name)
    return made


BRIDGED_CLASSES = _classes()
BRIDGED_CLASSES.update(KeyPoint=KeyPoint, DMatch=DMatch)
BRIDGED = sorted(TOP_LEVEL) + sorted({n for n in FUNCTIONS if "." in n} | set(HAND_WRITTEN_SUB))

ESCAPE_HATCH = (
    "use the raw opencv.js module: `js_cv = cv2.portinglab.raw()`, with "
    "`m = cv2.portinglab.to_mat(arr)` (numpy -> new Mat, one copy; call m.delete()) and "
    "`arr = cv2.portinglab.from_mat(m)` (Mat -> numpy, one copy); see docs/cv2.md"
)


def raw():
    """The opencv.js module itself (`cv` in opencv.js's docs), loaded and ready."""
    return load()[0]


def missing(name: str, module: str = "cv2") -> AttributeError:
    return AttributeError(
        f"module {module!r} has no attribute {name!r}: Porting Lab's cv2 does not bridge it to opencv.js "
        f"(docs/cv2-coverage.md says why). To call it anyway, {ESCAPE_HATCH}")


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


def _submodule(name: str) -> types.ModuleType:
    mod = types.ModuleType(f"cv2.{name}", f"opencv-python's cv2.{name}, bridged to opencv.js where it has it.")
    mod.__dict__.update(constants.SUBMODULES.get(name, {}))
    mod.__dict__.update({n.split(".", 1)[1]: f for n, f in {**FUNCTIONS, **HAND_WRITTEN_SUB}.items()
                         if n.startswith(name + ".")})
    mod.__dict__.update({n.split(".", 1)[1]: c for n, c in BRIDGED_CLASSES.items() if n.startswith(name + ".")})

    def __getattr__(attr, _name=name):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise missing(attr, f"cv2.{_name}")
    mod.__getattr__ = __getattr__
    return mod


SUBMODULES = sorted({n.split(".", 1)[0] for n in [*FUNCTIONS, *CLASSES] if "." in n} | set(constants.SUBMODULES))


def namespace() -> dict:
    """Everything `cv2` exports."""
    ns = {n: v for n, v in vars(constants).items() if type(v) is int and not n.startswith("_")}
    ns.update(TOP_LEVEL)
    ns.update({n: c for n, c in BRIDGED_CLASSES.items() if "." not in n})
    ns.update({alias: BRIDGED_CLASSES[of] for alias, of in ALIASES.items()})
    ns.update({m: _submodule(m) for m in SUBMODULES})
    data = types.ModuleType("cv2.data", "opencv-python's cv2.data: where its Haar cascades are (fetched on first use).")
    data.haarcascades = HAARCASCADES
    ns.update(error=error, __version__=__version__, portinglab=_Portinglab(), data=data)
    return ns
