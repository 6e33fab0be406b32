"""What every bridged function shares: loading, argument parsing, errors, cleanup.

`session(func)` yields the JS helpers; on leaving it every Mat/MatVector the call
created is deleted (also when it raises) and opencv.js's errors become cv2.error.
`bridged` turns a call with wrong arguments (missing, unknown keyword) into the
cv2.error opencv-python raises for it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np

from .errors import bad_argument, from_js, from_tagged
from .loader import _state, load


@contextmanager
def session(func: str):
    H = _state.get("H") or load()[1]
    try:
        yield H
    except Exception as exc:  # JsException from the JS half -> cv2.error
        if type(exc).__name__ == "JsException":
            raise from_js(exc, func) from None
        raise
    finally:
        H.release()


def call(H, name: str, *args):
    """cv[name](*args) in opencv.js; its errors (returned tagged by bridge.js) raise cv2.error."""
    r = H.call(name, *args)
    if r.__class__ is str and r.startswith("@@"):
        raise from_tagged(r, name)
    return r


def bridged(fn):
    """Wrap a bridged function: argument-binding TypeErrors become opencv-python's cv2.error."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TypeError as exc:
            if exc.__traceback__ is not None and exc.__traceback__.tb_next is None:
                raise bad_argument(name, str(exc).replace(f"{fn.__qualname__}()", f"{name}()")) from None
            raise

    wrapper.__bridged__ = True
    return wrapper


# ---------------------------------------------------------------- argument parsing, as opencv-python

def int_(v, name: str, func: str) -> int:
    if isinstance(v, (int, np.integer)):  # bool is an int
        return int(v)
    raise bad_argument(func, f"Argument '{name}' is required to be an integer (got {type(v).__name__})")


def float_(v, name: str, func: str) -> float:
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    raise bad_argument(func, f"Argument '{name}' can't be treated as a number (got {type(v).__name__})")


def bool_(v, name: str, func: str) -> bool:
    if isinstance(v, (bool, int, np.integer, np.bool_)):
        return bool(v)
    raise bad_argument(func, f"Argument '{name}' is required to be a boolean (got {type(v).__name__})")


def seq(v, n: int, name: str, func: str, conv=int_) -> list:
    if v.__class__ is tuple and len(v) == n and conv is int_ and all(x.__class__ is int for x in v):
        return v  # the common case, fast
    if isinstance(v, np.ndarray):
        v = v.reshape(-1).tolist()
    if not isinstance(v, Sequence) or isinstance(v, (str, bytes)):
        raise bad_argument(func, f"Can't parse '{name}'. Input argument doesn't provide sequence protocol")
    if len(v) != n:
        raise bad_argument(func, f"Can't parse '{name}'. Expected sequence length {n}, got {len(v)}")
    out = []
    for i, item in enumerate(v):
        try:
            out.append(conv(item, name, func))
        except Exception:
            raise bad_argument(func, f"Can't parse '{name}'. Sequence item with index {i} has a wrong type") from None
    return out


def point_int(v, name: str, func: str) -> list[int]:
    """A cv::Point: 2 integers (opencv-python also takes integral floats? no: ints)."""
    return seq(v, 2, name, func, int_)

