"""Record every copy of memory between the Pyodide heap, JS and other wasm heaps.

Bridges report their own transfers at the source with `record_copy`; the copies
inspector (and tests, benchmarks) read them with `collect_copies`. Nothing is recorded
while nobody collects (the bridges guard their calls with ``_sinks and record_copy(...)``), and
`set_enabled(False)` makes it a no-op. A collector is a plain list (it gets `Copy` objects) or an
object with ``add(direction, nbytes, api, dtype, shape, seconds)`` (the copies tracer: it gets the
fields as they are, with ``dtype`` possibly a numpy dtype, and names it later).

Directions use fixed names so Python and the front end agree:
``py->js``, ``js->py``, ``py->opencv``, ``opencv->py``, ``py->ort``, ``ort->py``,
``js->opencv``, ``opencv->js``, ``js->ort``, ``ort->js``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

DIRECTIONS = frozenset({
    "py->js", "js->py", "py->opencv", "opencv->py", "py->ort", "ort->py",
    "js->opencv", "opencv->js", "js->ort", "ort->js",
})


@dataclass(frozen=True)
class Copy:
    """One copy: where it went, how many bytes, what made it."""

    direction: str
    bytes: int
    api: str
    dtype: str | None = None
    shape: tuple[int, ...] | None = None
    seconds: float = 0.0
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["shape"] = list(self.shape) if self.shape is not None else None
        return d


_enabled = True
_sinks: list = []  # collectors: lists (of Copy) or objects with add(...)


def set_enabled(on: bool) -> None:
    """Turn recording on or off for the whole kernel."""
    global _enabled
    _enabled = bool(on)


def enabled() -> bool:
    return _enabled


def dtype_name(dtype) -> str | None:
    """The name of a dtype given as a string or a numpy dtype (``str(np.dtype)`` is slow: cached)."""
    if dtype is None or dtype.__class__ is str:
        return dtype
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


_DTYPE_NAMES: dict = {}


def record_copy(direction: str, nbytes: int, api: str, *, dtype=None,
                shape: tuple[int, ...] | None = None, seconds: float = 0.0) -> None:
    """Report one copy to every active collector (no-op when off or nobody listens).

    `dtype`: a name (``"uint8"``) or a numpy dtype (named only when a collector reads it)."""
    if not (_enabled and _sinks):
        return
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown copy direction {direction!r}; expected one of {sorted(DIRECTIONS)}")
    nbytes = int(nbytes)
    if shape is not None and shape.__class__ is not tuple:
        shape = tuple(shape)
    for sink in _sinks:
        if sink.__class__ is list:
            sink.append(Copy(direction, nbytes, api, dtype_name(dtype), shape, seconds))
        else:
            sink.add(direction, nbytes, api, dtype, shape, seconds)


@contextmanager
def collect_copies() -> Iterator[list[Copy]]:
    """Collect the copies made inside the `with` block.

    >>> with collect_copies() as copies:  # doctest: +SKIP
    ...     cv2.resize(img, (192, 108))
    >>> [(c.direction, c.bytes) for c in copies]  # doctest: +SKIP
    [('py->opencv', 6220800), ('opencv->py', 62208)]
    """
    sink: list[Copy] = []
    _sinks.append(sink)
    try:
        yield sink
    finally:
        _sinks.remove(sink)
