"""The copies tracer: every wasm<->JS copy a cell makes, reported to the lab per cell.

    import portinglab_kernel.tracer as tracer
    tracer.start()          # what the lab extension runs (silently) when a kernel starts
    tracer.set_enabled(False)

While on, it wraps Pyodide's conversion functions (see `_ffi`) and listens to the copies the
bridges report with `portinglab_kernel.copies.record_copy`. Each copy gets the line of the cell
that caused it (the innermost frame whose file is the cell's). After each cell, one report
(schema: `report.schema.json`, doc: docs/copies-inspector.md) goes to the front end on the comm
target ``portinglab.copies``; `reports()` keeps the last ones for tests and benchmarks.
"""

from __future__ import annotations

import json
import sys
import time
from time import perf_counter
from collections import Counter, deque
from operator import itemgetter
from importlib import resources

from .. import copies as _copies
from ..copies import dtype_name
from . import _ffi

SCHEMA_ID = "portinglab.copies"
SCHEMA_VERSION = 2
COMM_TARGET = "portinglab.copies"
#: copies itemized per cell (rows; `set_rows`, the lab's setting "Copies listed per cell"); the
#: rest are counted in `totals` and `omitted`: itemizing, and the report's rows, are most of what
#: tracing costs (docs/copies-inspector.md, Overhead)
MAX_ROWS = 50
ROWS_LIMIT = 100_000
LARGE_TO_JS = 64 * 1024
LOOP_REPEATS = 10
DOC = "docs/copies-inspector.md"

_state = {"started": False, "enabled": False, "comm": None, "shell": None}
_reports: deque = deque(maxlen=50)


def schema() -> dict:
    """The JSON Schema every message sent to the front end follows."""
    return json.loads(resources.files(__package__).joinpath("report.schema.json").read_text("utf-8"))


CELL_FILE = "<ipython-input-"
#: the module name of code run in the notebook's namespace (cells, and functions they define)
NOTEBOOK_MODULE = "__main__"
_getframe = sys._getframe
_modname = _ffi.modname


def _slow_cell_frame(f):
    """The innermost frame, from `f` outwards, whose file is a cell's (None: none is)."""
    while f is not None and not f.f_code.co_filename.startswith(CELL_FILE):
        f = f.f_back
    return f


class _CellSink:
    """The collector of one cell (see `portinglab_kernel.copies`): one tuple per itemized copy,
    ``(direction, bytes, api, dtype, shape, seconds, end, code, lasti, exact, source, counted)``,
    as the reporter gave them (``dtype`` may be a numpy dtype, ``bytes`` any integer, ``end`` a
    `perf_counter` time), with ``code``/``lasti`` the code object and instruction offset of the
    innermost cell frame at the time of the copy (None/-1 when the call came from elsewhere).
    Nothing else happens per copy: lines, names, dicts, totals and hints are made once, by
    `_report`, when the cell ends.

    The first `MAX_ROWS` copies are itemized (`rows`); after them ``detail`` turns off, so
    bridges that count their own copies stop reporting them, and the others are only added up
    (`count`, `nbytes`, `seconds`), except conversions: they keep their place (`more_ffi`), which
    the loop hints count."""

    __slots__ = ("rows", "offset", "last", "ffi", "detail", "more_ffi", "count", "nbytes", "seconds")

    def __init__(self):
        self.rows: list = []
        self.offset = time.time() - perf_counter()  # perf_counter -> wall clock
        self.last = (None, -1)  # the place of the last copy
        self.ffi = False  # set by the conversions' wrappers: the hints look at those rows only
        self.detail = MAX_ROWS > 0
        self.more_ffi: list = []
        self.count = self.nbytes = 0
        self.seconds = 0.0

    def add(self, direction, nbytes, api, dtype, shape, seconds, end, exact, source, depth, counted=False):
        rows = self.rows
        if not self.detail:
            if counted:  # its counter has it
                return
            if source != "ffi":
                self.count += 1
                self.nbytes += nbytes
                self.seconds += seconds
                return
            rows = self.more_ffi
        if depth < 0:  # the same call as the last copy
            code, lasti = self.last
            rows.append((direction, nbytes, api, dtype, shape, seconds, end, code, lasti, exact, source, counted))
        else:
            # find the notebook's frame by module name, in C (walking f_back would make a frame
            # object per frame); then make only that frame's object
            m = _modname(depth)  # depth: seen from here (0 = add)
            while m is not None and m != NOTEBOOK_MODULE:
                depth += 1
                m = _modname(depth)
            f = _getframe(depth) if m is not None else None
            if f is not None and not f.f_code.co_filename.startswith(CELL_FILE):  # __main__, not a cell (%run)
                f = _slow_cell_frame(f)
            self.last = place = (f.f_code, f.f_lasti) if f is not None else (None, -1)
            rows.append((direction, nbytes, api, dtype, shape, seconds, end, place[0], place[1], exact, source,
                         counted))
        if self.detail and len(rows) >= MAX_ROWS:
            self.detail = False
            _copies.refresh()


def _line_of(code, lasti: int) -> int | None:
    """The source line of the instruction at byte offset `lasti` of `code`."""
    if code is None:
        return None
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line
    return None


def _site_loads() -> dict:
    """What the site finder (kernel/startup/sitecustomize.py) has loaded so far: name -> (package, seconds)."""
    finder = getattr(sys.modules.get("sitecustomize"), "SiteFinder", None)
    return dict(finder.loaded) if finder is not None else {}


class _Cell:
    __slots__ = ("count", "msg_id", "sink", "started", "pyproxies", "counted", "loads_before")

    def __init__(self, count, msg_id):
        self.count, self.msg_id = count, msg_id
        self.loads_before = _site_loads()
        self.sink = _CellSink()
        self.started = time.time()
        self.pyproxies = None  # the JS Array of the PyProxies made in the cell, on first need
        self.counted = _copies.read_counters()  # the bridges' own counts, at the start

    def proxies(self):
        """The cell's JS Array of PyProxies (made on first use: a cell that makes none costs no JS call)."""
        if self.pyproxies is None:
            import js

            self.pyproxies = js.Array.new()
        return self.pyproxies


_current: list = []


def _pre_run_cell(info=None):
    if not _state["enabled"]:
        return
    _ffi.patch_types()  # JsProxy subtypes created since the last cell
    while _current:  # a cell whose end we did not see
        _post_run_cell()
    shell = _state["shell"]
    parent = getattr(getattr(shell, "kernel", None), "_parent_header", None)
    try:
        msg_id = parent["header"]["msg_id"]
    except Exception:
        msg_id = None
    cell = _Cell(getattr(shell, "execution_count", None), msg_id if isinstance(msg_id, str) else None)
    _current.append(cell)
    _copies.add_sink(cell.sink)
    _ffi.State.cell = cell


_count_alive = None  # the JS function, compiled once


def _alive(pyproxies) -> int:
    global _count_alive
    if pyproxies is None or not pyproxies.length:
        return 0
    if _count_alive is None:
        from pyodide.code import run_js

        _count_alive = run_js("(a) => a.filter(p => { try { p.type; return true } catch (e) { return false } }).length")
    return int(_count_alive(pyproxies))


_bytes_of, _seconds_of, _api_of, _code_of, _lasti_of = (
    itemgetter(1), itemgetter(5), itemgetter(2), itemgetter(7), itemgetter(8))


def _hints(ffi: list, line, proxies_alive: int) -> list[dict]:
    """Hints from the raw rows of a cell's conversions (`line(code, lasti)`: cached line look-up)."""
    hints = []
    if not ffi:
        return hints if not proxies_alive else [_proxies_hint(proxies_alive)]
    for r in ffi:
        if r[2] == "to_js" and r[9] and r[1] >= LARGE_TO_JS:
            hints.append({"code": "to_js-large-buffer", "line": line(r[7], r[8]), "doc": DOC + "#zero-copy",
                          "message": "to_js copies the whole buffer into a new typed array. For a read-only view "
                                     "with no copy, pass create_proxy(array) to JS and call getBuffer() there "
                                     "(release() it after), or keep the data on one side."})
            break
    codes = dict(zip(map(id, map(_code_of, ffi)), map(_code_of, ffi)))
    repeats = Counter()  # counted in C: a loop of conversions can be long
    for (api, key, lasti), n in Counter(zip(map(_api_of, ffi), map(id, map(_code_of, ffi)),
                                            map(_lasti_of, ffi))).items():
        if codes[key] is not None:
            repeats[(api, line(codes[key], lasti))] += n
    for (api, ln), n in repeats.items():
        if n >= LOOP_REPEATS and ln is not None:
            hints.append({"code": "conversion-in-loop", "line": ln, "doc": DOC + "#loops",
                          "message": f"{api} ran {n} times on line {ln}: convert once outside the loop, or "
                                     "assign_to() into one preallocated buffer."})
    if proxies_alive:
        hints.append(_proxies_hint(proxies_alive))
    return hints


def _proxies_hint(alive: int) -> dict:
    return {"code": "proxies-alive", "line": None, "doc": DOC + "#proxies",
            "message": f"{alive} PyProxy object(s) created in this cell are still alive: "
                       "call .destroy() when JS no longer needs them (or use create_once_callable)."}


def _report(cell: _Cell, counted: list) -> dict:
    """The cell's message (schema `report.schema.json`) from its raw rows, its sums of the copies
    not itemized and the bridges' counters (`counted`: as `copies.read_counters()` now):
    everything the recording left for later (lines, dtype names, ints, lists, wall-clock times,
    totals, hints)."""
    sink = cell.sink
    raw = sink.rows
    offset = sink.offset
    lines: dict = {}  # (id(code), lasti) -> line, resolved once each

    def line(code, lasti):
        key = (id(code), lasti)
        ln = lines.get(key, lines)
        if ln is lines:
            ln = lines[key] = _line_of(code, lasti)
        return ln

    rows = [{"direction": r[0], "bytes": int(r[1]), "api": r[2], "dtype": dtype_name(r[3]),
             "shape": list(r[4]) if r[4] is not None else None, "seconds": r[5],
             "at": offset + r[6], "line": line(r[7], r[8]), "exact": r[9], "source": r[10]}
            for r in raw]
    # totals: what the Python side saw (itemized rows not counted by a bridge, conversions past the
    # rows, sums of the rest) plus what the bridges counted themselves since the cell started
    own = [r for r in raw if not r[11]] + sink.more_ffi
    count = len(own) + sink.count
    nbytes = int(sum(map(_bytes_of, own))) + int(sink.nbytes)
    seconds = float(sum(map(_seconds_of, own))) + sink.seconds
    untimed = 0
    for i, (n, b, s, u) in enumerate(counted):
        n0, b0, s0, u0 = cell.counted[i] if i < len(cell.counted) else (0, 0, 0.0, 0)  # registered during the cell
        count, nbytes, seconds, untimed = count + n - n0, nbytes + b - b0, seconds + s - s0, untimed + u - u0
    created = int(cell.pyproxies.length) if cell.pyproxies is not None else 0
    alive = _alive(cell.pyproxies)
    ffi = [r for r in raw if r[10] == "ffi"] + sink.more_ffi if sink.ffi else []  # the hints' subject
    return {
        "schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "cell",
        "execution_count": cell.count, "msg_id": cell.msg_id,
        "started": cell.started, "enabled": True,
        "copies": rows, "omitted": max(0, count - len(rows)),
        "totals": {"count": count, "bytes": nbytes, "seconds": max(0.0, seconds), "untimed": untimed},
        "proxies": {"created": created, "alive": alive},
        "hints": _hints(ffi, line, alive),
        **({"loads": loads} if (loads := [{"module": m, "package": p, "seconds": sec}
                                          for m, (p, sec) in _site_loads().items() if m not in cell.loads_before])
           else {}),
    }


def _post_run_cell():
    if not _current:
        return
    cell = _current.pop()
    counted = _copies.read_counters()  # before the collector goes: counters stop with the last one
    _copies.remove_sink(cell.sink)
    _ffi.State.cell = None
    if not _state["enabled"]:
        return
    report = _report(cell, counted)
    # a cell that copied nothing and made no proxy has nothing to show: not sent (most cells
    # are such; the message would cost each of them a JSON encoding and a trip to the page)
    _send(report, report["totals"]["count"] or report["proxies"]["created"] or report["hints"] or "loads" in report)


def _send(msg: dict, to_lab=True) -> None:
    _reports.append(msg)
    comm = _state["comm"]
    if comm is not None and to_lab:
        if msg["type"] == "cell":  # its JSON text: one string to hand over (schema: cell_json)
            msg = {"schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "cell", "json": json.dumps(msg)}
        try:
            comm.send(msg)
        except Exception:
            pass


def _state_message() -> dict:
    return {"schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "state", "enabled": _state["enabled"]}


def _on_comm_msg(msg):
    data = msg.get("content", {}).get("data", {})
    if data.get("type") == "set_enabled":
        set_enabled(bool(data.get("enabled")))
    elif data.get("type") == "set_rows":
        set_rows(data.get("rows"))


def set_rows(rows: int) -> None:
    """How many copies each cell itemizes (from the next cell on); 0 lists none (totals only)."""
    global MAX_ROWS
    if isinstance(rows, bool) or not isinstance(rows, int) or not 0 <= rows <= ROWS_LIMIT:
        raise ValueError(f"rows must be an integer from 0 to {ROWS_LIMIT}, not {rows!r}")
    MAX_ROWS = rows


def set_enabled(on: bool) -> None:
    """Tracing on or off. Off removes every patch and listener: nothing left to cost."""
    on = bool(on)
    shell = _state["shell"]
    ns = getattr(shell, "user_ns", None)
    if on and not _state["enabled"]:
        _ffi.patch(ns)
    elif not on and _state["enabled"]:
        _ffi.unpatch(ns)
        while _current:  # a cell switching tracing off: drop its collector
            _copies.remove_sink(_current.pop().sink)
        _ffi.State.cell = None
    _state["enabled"] = on
    _send(_state_message())


def enabled() -> bool:
    return _state["enabled"]


def reports() -> list[dict]:
    """The last messages sent (newest last), as sent."""
    return list(_reports)


def start(enabled: bool = True, comm: bool = True, rows: int | None = None) -> None:
    """Hook into the IPython shell (once) and open the comm to the lab; tracing on unless told;
    `rows`: copies itemized per cell (`set_rows`)."""
    from IPython import get_ipython

    if rows is not None:
        set_rows(rows)
    shell = get_ipython()
    if not _state["started"] and shell is not None:
        _state["shell"] = shell
        shell.events.register("pre_run_cell", _pre_run_cell)
        # the Pyodide kernel awaits `run_cell_async` itself for cells with top-level await,
        # and IPython fires `post_run_cell` only from `run_cell`: end the cell here instead
        orig = shell.run_cell_async

        async def run_cell_async(*args, **kwargs):
            try:
                return await orig(*args, **kwargs)
            finally:
                _post_run_cell()

        shell.run_cell_async = run_cell_async
        _state["started"] = True
    if comm and _state["comm"] is None:
        try:
            from comm import create_comm

            c = create_comm(target_name=COMM_TARGET, data=_state_message())
            c.on_msg(_on_comm_msg)
            _state["comm"] = c
        except Exception:
            _state["comm"] = None
    set_enabled(enabled)


def bootstrap(enabled: bool = True, rows: int | None = None) -> None:
    """What the lab extension runs, silently, in each new kernel: `start()`, then give back the
    execution count this request used (the Pyodide kernel counts even silent requests), so
    the user's first cell is still [1]."""
    from IPython import get_ipython

    shell = get_ipython()
    start(enabled, rows=rows)
    from ..magics import register

    register(shell)  # %portlab scan
    if shell is not None:
        def rewind(result=None):
            shell.events.unregister("post_run_cell", rewind)
            shell.execution_count -= 1

        shell.events.register("post_run_cell", rewind)
