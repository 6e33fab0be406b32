"""Record every copy of memory between the Pyodide heap, JS and other wasm heaps.

Bridges report their own transfers at the source; the copies inspector (and tests,
benchmarks) read them with `collect_copies`. Nothing is recorded, and no clock is read, while
nobody collects. The bridges' hot path is two lines around each copy:

    t = _copies._sinks and perf_counter()      # [] (falsy) when nobody listens: no clock read
    ...copy...
    t and record(direction, nbytes, api, dtype, shape, t)

A bridge whose copies are made in its own JS can count them there instead (`new_counter`:
count, bytes, milliseconds, read once per cell by the tracer) and then calls `record_counted`
only while a collector wants each copy itemized (`_detail`): the tracer itemizes a cell's first
`tracer.Tracer.rows` copies; the rest then cost the Python side nothing (their totals come from the
counter).

`record` takes positional fields as they are (``dtype`` may be a numpy dtype, ``shape`` any
sequence, ``nbytes`` any integer): naming and converting is left to whoever reads them, once.
`record_copy` is the keyword form for other code (it validates and converts at once).
`set_enabled(False)` makes all of them no-ops.

A collector is a plain list (it gets `Copy` objects, every copy itemized) or an object with
``add(direction, nbytes, api, dtype, shape, seconds, end, exact, source, depth, counted)`` and a
``detail`` attribute (the copies tracer), where ``end`` is the `perf_counter` time the copy
ended, ``depth`` the stack depth, seen from ``add``, of the code that asked for the copy (-1: the
same place as the previous copy) and ``counted`` whether a registered counter counted it too.
Collectors are added and removed with `add_sink` / `remove_sink`.

Directions use fixed names so Python and the front end agree, defined once in the protocol
(`tracer/report.schema.json`, `copy.direction`): ``py->js``, ``js->py``, ``py->opencv``, ``opencv->py``,
``py->ort``, ``ort->py``, ``js->opencv``, ``opencv->js``, ``js->ort``, ``ort->js``.
"""

from __future__ import annotations

import json
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from time import perf_counter

#: the contract with the lab, and with the bridges' JS for the counters' layout (tracer/report.schema.json)
_PROTOCOL = json.loads(resources.files(__package__).joinpath("tracer/report.schema.json").read_text("utf-8"))

DIRECTIONS = frozenset(_PROTOCOL["$defs"]["copy"]["properties"]["direction"]["enum"])


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
#: some collector wants each copy itemized now (counting bridges skip `record_counted` otherwise)
_detail = False
_counters: list = []  # the bridges' own counters (see `Counter`)


def set_enabled(on: bool) -> None:
    """Turn recording on or off for the whole kernel."""
    global _enabled
    _enabled = bool(on)
    refresh()


def enabled() -> bool:
    return _enabled


def add_sink(sink) -> None:
    """Start collecting into `sink` (a list, or an object with ``add`` and ``detail``)."""
    _sinks.append(sink)
    refresh()


def remove_sink(sink) -> None:
    """Stop collecting into `sink` (no error if it is not collecting)."""
    try:
        _sinks.remove(sink)
    except ValueError:
        pass
    refresh()


def refresh() -> None:
    """Recompute who wants what after a collector came, went, or has itemized enough: `_detail`,
    and the counters' flags (a counter counts only while someone collects)."""
    global _detail
    _detail = bool(_enabled and any(s.__class__ is list or s.detail for s in _sinks))
    on = 1.0 if _enabled and _sinks else 0.0
    for c in _counters:
        c.cells[Counter.ON], c.cells[Counter.DETAIL] = on, float(_detail)


#: past a cell's itemized copies, counting bridges time only copies of at least this many bytes
TIMED_FROM_BYTES = _PROTOCOL["x-portinglab"]["timed_from_bytes"]
#: the layout of a `Counter`'s float64 slots, as the bridges' JS reads them too
COUNTER_SLOTS = tuple(_PROTOCOL["x-portinglab"]["counter_slots"])


class Counter:
    """The counts a bridge keeps of the copies it makes in its own JS: 8 float64s in the
    Pyodide heap (`address`), which that JS reads and writes directly (`py.HEAPF64`), so
    neither switching it nor reading it is a call across. Slots: ``on`` (count while 1, set
    by `refresh`), ``detail`` (time every copy: the collectors itemize them; else only copies
    of at least ``timed_from`` bytes), ``count``, ``bytes``, ``ms``, ``untimed`` (copies
    counted but not timed), ``last`` (milliseconds of the last timed copy), ``timed_from``.
    Copies it counts are reported, while itemized, with `record_counted`."""

    ON, DETAIL, COUNT, BYTES, MS, UNTIMED, LAST, TIMED_FROM = map(COUNTER_SLOTS.index, (
        "on", "detail", "count", "bytes", "ms", "untimed", "last", "timed_from"))

    def __init__(self, timed_from: int = TIMED_FROM_BYTES):
        self.cells = array("d", [0.0] * len(COUNTER_SLOTS))  # fixed size: never moves
        self.cells[self.TIMED_FROM] = timed_from

    @property
    def address(self) -> int:
        """Byte address of the slots in the Pyodide heap (8-aligned)."""
        return self.cells.buffer_info()[0]

    @property
    def last_seconds(self) -> float:
        return self.cells[self.LAST] / 1000.0

    def read(self) -> tuple[int, int, float, int]:
        """(count, bytes, seconds, untimed) since it was made."""
        c = self.cells
        return int(c[self.COUNT]), int(c[self.BYTES]), c[self.MS] / 1000.0, int(c[self.UNTIMED])


def new_counter() -> Counter:
    """A `Counter` for a bridge, registered: the copies tracer reads it once per cell."""
    c = Counter()
    _counters.append(c)
    refresh()
    return c


def read_counters() -> list[tuple[int, int, float, int]]:
    """(count, bytes, seconds, untimed) of every counter, in the order they were made."""
    return [c.read() for c in _counters]


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


def tally(count: int, nbytes: int, seconds: float = 0.0) -> None:
    """Add copies to the collectors' sums without itemizing them: for use only while not
    `_detail` (no list collects then, and the tracer's cell has itemized its rows)."""
    if not _enabled:
        return
    for sink in _sinks:
        sink.count += count
        sink.nbytes += nbytes
        sink.seconds += seconds


def record_counted(direction: str, nbytes, api: str, dtype, shape, seconds: float, again: bool = False) -> None:
    """`record` for a copy a registered counter counted too, timed by the bridge itself
    (`seconds`); called only while `_detail`: the collectors itemize it, the totals take it from
    the counter."""
    end = perf_counter()
    if not _enabled:
        return
    if direction not in DIRECTIONS:
        _check(direction)
    for sink in _sinks:
        if sink.__class__ is list:
            sink.append(as_copy(direction, nbytes, api, dtype, shape, seconds))
        else:
            sink.add(direction, nbytes, api, dtype, shape, seconds, end, True, "bridge", -1 if again else 2, True)


def record_two(api: str, direction: str, nbytes, dtype, shape, seconds: float,
               direction2: str, nbytes2, dtype2, shape2, seconds2: float) -> None:
    """`record_counted` for a call that made two copies, one after the other (one clock read
    and one look-up of the line for both)."""
    end = perf_counter()
    if not _enabled:
        return
    if direction not in DIRECTIONS or direction2 not in DIRECTIONS:
        _check(direction)
        _check(direction2)
    for sink in _sinks:
        if sink.__class__ is list:
            sink.append(as_copy(direction, nbytes, api, dtype, shape, seconds))
            sink.append(as_copy(direction2, nbytes2, api, dtype2, shape2, seconds2))
        else:
            sink.add(direction, nbytes, api, dtype, shape, seconds, end - seconds2, True, "bridge", 2, True)
            sink.add(direction2, nbytes2, api, dtype2, shape2, seconds2, end, True, "bridge", -1, True)


def unwrapped(fn):
    """The Pyodide function a tracer wrapper stands for (`fn` itself if it is none): bridges call
    conversions directly, as they report their own copies."""
    return getattr(fn, "__portinglab_wraps__", fn)


def ffi(name: str):
    """Pyodide's own ``pyodide.ffi.<name>`` (not the tracer's wrapper of it)."""
    fn = _ffi_originals.get(name)
    if fn is None:  # the originals never change: looked up once
        import pyodide.ffi

        fn = _ffi_originals[name] = unwrapped(getattr(pyodide.ffi, name))
    return fn


_ffi_originals: dict = {}


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
    add_sink(sink)
    try:
        yield sink
    finally:
        remove_sink(sink)
