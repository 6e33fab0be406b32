"""The kernel side (kernel/src) importable in CPython, next to the real opencv-python and onnxruntime.

kernel/src holds packages named `cv2` and `onnxruntime` (the bridges) that would shadow the real ones,
so it must never go first on sys.path. This module imports the real ones first, then *appends*
kernel/src: `import cv2` stays opencv-python(-headless) and `import onnxruntime` the CPU wheel, while
`portinglab_kernel.*` (which imports `js` / `pyodide` only inside functions) comes from the checkout.
Every unit test that needs kernel code imports it after `import _kernel` (or `from _kernel import ...`).

`load(name, path)` loads one file (or a package's `__init__.py`) under another module name, for the
kernel's own `onnxruntime` package and `startup/sitecustomize.py`, which cannot be imported by their names.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cv2 as real_cv2  # noqa: F401 - opencv-python-headless, imported before kernel/src is on sys.path
import onnxruntime as real_ort  # noqa: F401 - onnxruntime (CPU), likewise

ROOT = Path(__file__).resolve().parents[2]
KERNEL_SRC = ROOT / "kernel" / "src"
KERNEL = KERNEL_SRC / "portinglab_kernel"

if str(KERNEL_SRC) not in sys.path:
    sys.path.append(str(KERNEL_SRC))

# the names resolve to the real packages, not to kernel/src's bridges of the same names
assert KERNEL_SRC not in Path(real_cv2.__file__).parents, real_cv2.__file__
assert KERNEL_SRC not in Path(real_ort.__file__).parents, real_ort.__file__


def kernel_cases():
    """tests/kernel's cv2 differential cases (`cv2_cases`, `cv2_generated_cases`), which the browser tier runs
    against opencv.js: here their arguments and opencv-python's results feed the bridge's Python half."""
    cases = str(ROOT / "tests" / "kernel")
    if cases not in sys.path:
        sys.path.append(cases)
    import cv2_cases
    import cv2_generated_cases

    return cv2_cases, cv2_generated_cases


def load(name: str, path: Path):
    """The module (or package, given its `__init__.py`) at `path`, imported as `name`."""
    package = path.name == "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)] if package else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
