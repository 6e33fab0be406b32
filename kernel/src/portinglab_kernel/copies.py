"""Record every copy of memory between the Pyodide heap, JS and other wasm heaps.

Bridges report their own transfers at the source; the copies inspector (and tests,
benchmarks) read them with `collect_copies`. Nothing is recorded, and no clock is read, while
nobody collects. The bridges' hot path is two lines around each copy:

    t = _copies._sinks and perf_counter()      # [] (falsy) when nobody listens: no clock read
    ...copy...
    t and record(direction, nbytes, api, dtype, shape, t)

`record` takes positional fields as they are (``dtype`` may be a numpy dtype, ``shape`` any
sequence, ``nbytes`` any integer): naming and converting is left to whoever reads them, once.
`record_copy` is the keyword form for other code (it validates and converts at once).
`set_enabled(False)` makes both no-ops.

A collector is a plain list (it gets `Copy` objects) or an object with
``add(direction, nbytes, api, dtype, shape, seconds, end, exact, source, depth)`` (the copies
tracer), where ``end`` is the `perf_counter` time the copy ended and ``depth`` the stack depth,
seen from ``add``, of the code that asked for the copy (-1: the same place as the previous copy).

Directions use fixed names so Python and the front end agree:
``py->js``, ``js->py``, ``py->opencv``, ``opencv->py``, ``py->ort``, ``ort->py``,
``js->opencv``, ``opencv->js``, ``js->ort``, ``ort->js``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from time import perf_counter

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


def _check(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown copy direction {direction!r}; expected one of {sorted(DIRECTIONS)}")


def as_copy(direction: str, nbytes, api: str, dtype, shape, seconds: float) -> Copy:
    """A `Copy` with its fields normalised (int bytes, dtype name, shape tuple)."""
    return Copy(direction, int(nbytes), api, dtype_name(dtype), tuple(shape) if shape is not None else None, seconds)


def record(direction: str, nbytes, api: str, dtype, shape, started, again: bool = False) -> None:
    """The bridges' fast report of one copy that began at ``perf_counter()`` time `started`
    (falsy: not timed, ``seconds`` is 0). Nothing is converted here. `again`: the copy comes from
    the same call, on the same line, as the one reported just before it (the tracer then skips
    looking the line up)."""
    end = perf_counter()
    if not _enabled:
        return
    if direction not in DIRECTIONS:
        _check(direction)
    seconds = end - started if started else 0.0
    for sink in _sinks:
        if sink.__class__ is list:
            sink.append(as_copy(direction, nbytes, api, dtype, shape, seconds))
        else:  # add <- record <- the bridge function: depth 2
            sink.add(direction, nbytes, api, dtype, shape, seconds, end, True, "bridge", -1 if again else 2)


def record_two(api: str, direction: str, nbytes, dtype, shape, started, middle,
               direction2: str, nbytes2, dtype2, shape2) -> None:
    """`record` for a call that made two copies, one after the other: the first from
    `started` to `middle` (``perf_counter()`` times), the second from `middle` to now (one
    clock read and one look-up of the line for both)."""
    end = perf_counter()
    if not _enabled:
        return
    if direction not in DIRECTIONS or direction2 not in DIRECTIONS:
        _check(direction)
        _check(direction2)
    for sink in _sinks:
        if sink.__class__ is list:
            sink.append(as_copy(direction, nbytes, api, dtype, shape, middle - started))
            sink.append(as_copy(direction2, nbytes2, api, dtype2, shape2, end - middle))
        else:
            sink.add(direction, nbytes, api, dtype, shape, middle - started, middle, True, "bridge", 2)
            sink.add(direction2, nbytes2, api, dtype2, shape2, end - middle, end, True, "bridge", -1)


def record_copy(direction: str, nbytes: int, api: str, *, dtype=None,
                shape: tuple[int, ...] | None = None, seconds: float = 0.0) -> None:
    """Report one copy to every active collector (no-op when off or nobody listens).

    `dtype`: a name (``"uint8"``) or a numpy dtype (named only when a collector reads it)."""
    if not (_enabled and _sinks):
        return
    _check(direction)
    nbytes = int(nbytes)
    if shape is not None and shape.__class__ is not tuple:
        shape = tuple(shape)
    end = perf_counter()
    for sink in _sinks:
        if sink.__class__ is list:
            sink.append(Copy(direction, nbytes, api, dtype_name(dtype), shape, seconds))
        else:
            sink.add(direction, nbytes, api, dtype, shape, seconds, end, True, "bridge", 2)


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
