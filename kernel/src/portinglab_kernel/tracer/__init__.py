"""The copies tracer: every wasm<->JS copy a cell makes, reported to the lab per cell.

    import portinglab_kernel.tracer as tracer
    tracer.start()          # what the lab extension runs (silently) when a kernel starts
    tracer.set_enabled(False)

While on, it wraps Pyodide's conversion functions (see `_ffi`) and listens to the copies the
bridges report with `portinglab_kernel.copies.record_copy`. Each copy gets the line of the cell
that caused it (the innermost frame whose file is the cell's). After each cell, one report
(doc: docs/copies-inspector.md) goes to the front end on the comm target `COMM_TARGET`;
`reports()` keeps the last ones for tests and benchmarks.

The protocol with the lab (message layouts, comm target, defaults and limits, hint codes with their
parameters and English templates) is defined once, in `report.schema.json`: read here, and generated
into the extension's TypeScript by `./portlab contracts`. The state lives in one `Tracer` object per
kernel (`TRACER`); the module's functions are its methods.
"""

from __future__ import annotations

import json
import re
import sys
import time
from time import perf_counter
from collections import Counter, deque
from operator import itemgetter
from importlib import resources

from .. import copies as _copies
from ..copies import dtype_name
from . import _ffi


def schema() -> dict:
    """The protocol with the lab: the JSON Schema every message follows, with its constants (`x-portinglab`)."""
    return json.loads(resources.files(__package__).joinpath("report.schema.json").read_text("utf-8"))


PROTOCOL = schema()
_X = PROTOCOL["x-portinglab"]
_DEFS = PROTOCOL["$defs"]
SCHEMA_ID = _DEFS["state_message"]["properties"]["schema"]["const"]
SCHEMA_VERSION = _DEFS["state_message"]["properties"]["version"]["const"]
COMM_TARGET = _X["comm_target"]
#: copies itemized per cell by default, and at most (`set_rows`, the lab's setting "Copies listed per
#: cell"); the rest are counted in `totals` and `omitted`: itemizing, and the report's rows, are most of
#: what tracing costs (docs/copies-inspector.md, Overhead)
DEFAULT_ROWS = _DEFS["set_rows"]["properties"]["rows"]["default"]
ROWS_LIMIT = _DEFS["set_rows"]["properties"]["rows"]["maximum"]
LARGE_TO_JS = _X["large_to_js_bytes"]
LOOP_REPEATS = _X["loop_repeats"]
DOC = _X["doc"]
#: per hint code: its parameters, English template, doc anchor, lesson
HINTS = _DEFS["hint"]["properties"]["code"]["x-hints"]


def hint(code: str, line: int | None, /, **params) -> dict:
    """A hint as the protocol carries it: its code and parameters (the lab translates from those) and
    the English text made from its template (`%1`, `%2`, ...: the parameters in the template's order)."""
    spec = HINTS[code]
    values = [params[name] for name in spec["params"]]
    message = re.sub(r"%(\d+)", lambda m: str(values[int(m.group(1)) - 1]), spec["template"])
    return {"code": code, "params": params, "message": message, "line": line, "doc": f"{DOC}#{spec['anchor']}"}


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

    The first `max_rows` copies are itemized (`rows`); after them ``detail`` turns off, so
    bridges that count their own copies stop reporting them, and the others are only added up
    (`count`, `nbytes`, `seconds`), except conversions: they keep their place (`more_ffi`), which
    the loop hints count."""

    __slots__ = ("rows", "max_rows", "offset", "last", "ffi", "detail", "more_ffi", "count", "nbytes", "seconds")

    def __init__(self, max_rows: int = DEFAULT_ROWS):
        self.rows: list = []
        self.max_rows = max_rows
        self.offset = time.time() - perf_counter()  # perf_counter -> wall clock
        self.last = (None, -1)  # the place of the last copy
        self.ffi = False  # set by the conversions' wrappers: the hints look at those rows only
        self.detail = max_rows > 0
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
        if self.detail and len(rows) >= self.max_rows:
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

    def __init__(self, count, msg_id, max_rows: int = DEFAULT_ROWS):
        self.count, self.msg_id = count, msg_id
        self.loads_before = _site_loads()
        self.sink = _CellSink(max_rows)
        self.started = time.time()
        self.pyproxies = None  # the JS Array of the PyProxies made in the cell, on first need
        self.counted = _copies.read_counters()  # the bridges' own counts, at the start

    def proxies(self):
        """The cell's JS Array of PyProxies (made on first use: a cell that makes none costs no JS call)."""
        if self.pyproxies is None:
            import js

            self.pyproxies = js.Array.new()
        return self.pyproxies


_bytes_of, _seconds_of, _api_of, _code_of, _lasti_of = (
    itemgetter(1), itemgetter(5), itemgetter(2), itemgetter(7), itemgetter(8))


def _hints(ffi: list, line, proxies_alive: int) -> list[dict]:
    """Hints from the raw rows of a cell's conversions (`line(code, lasti)`: cached line look-up)."""
    hints = []
    if not ffi:
        return hints if not proxies_alive else [_proxies_hint(proxies_alive)]
    for r in ffi:
        if r[2] == "to_js" and r[9] and r[1] >= LARGE_TO_JS:
            hints.append(hint("to_js-large-buffer", line(r[7], r[8])))
            break
    codes = dict(zip(map(id, map(_code_of, ffi)), map(_code_of, ffi)))
    repeats = Counter()  # counted in C: a loop of conversions can be long
    for (api, key, lasti), n in Counter(zip(map(_api_of, ffi), map(id, map(_code_of, ffi)),
                                            map(_lasti_of, ffi))).items():
        if codes[key] is not None:
            repeats[(api, line(codes[key], lasti))] += n
    for (api, ln), n in repeats.items():
        if n >= LOOP_REPEATS and ln is not None:
            hints.append(hint("conversion-in-loop", ln, api=api, count=n, line=ln))
    if proxies_alive:
        hints.append(_proxies_hint(proxies_alive))
    return hints


def _proxies_hint(alive: int) -> dict:
    return hint("proxies-alive", None, alive=alive)


def _report(cell: _Cell, counted: list, count_alive=lambda pyproxies: 0) -> dict:
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
    alive = count_alive(cell.pyproxies)
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


class Tracer:
    """The tracer of one kernel: started once (`start`: hooks into IPython, opens the comm), switched on
    and off (`set_enabled`), stopped (`stop`: every hook and patch removed, the comm closed)."""

    def __init__(self):
        self.started = False
        self.enabled = False
        self.comm = None
        self.shell = None
        self.rows = DEFAULT_ROWS
        self.sent: deque = deque(maxlen=50)  # the last messages, as sent (tests, benchmarks)
        self.current: list[_Cell] = []  # the cell running (a list: a cell whose end was not seen is closed)
        self._count_alive = None  # the JS function counting live PyProxies, compiled once
        self._run_cell_async = None  # IPython's, while ours wraps it
        self.parity = None  # the notebook's parity reference (portinglab_parity.lab.Reference), from the lab

    # -- cells
    def pre_run_cell(self, info=None):
        if not self.enabled:
            return
        _ffi.patch_types()  # JsProxy subtypes created since the last cell
        while self.current:  # a cell whose end we did not see
            self.post_run_cell()
        parent = getattr(getattr(self.shell, "kernel", None), "_parent_header", None)
        try:
            msg_id = parent["header"]["msg_id"]
        except Exception:
            msg_id = None
        cell = _Cell(getattr(self.shell, "execution_count", None), msg_id if isinstance(msg_id, str) else None,
                     self.rows)
        self.current.append(cell)
        _copies.add_sink(cell.sink)
        _ffi.State.cell = cell

    def post_run_cell(self):
        if not self.current:
            return
        cell = self.current.pop()
        counted = _copies.read_counters()  # before the collector goes: counters stop with the last one
        _copies.remove_sink(cell.sink)
        _ffi.State.cell = None
        if not self.enabled:
            return
        report = _report(cell, counted, self._alive)
        # a cell that copied nothing and made no proxy has nothing to show: not sent (most cells
        # are such; the message would cost each of them a JSON encoding and a trip to the page)
        self.send(report, bool(report["totals"]["count"] or report["proxies"]["created"] or report["hints"]
                               or "loads" in report))

    def _alive(self, pyproxies) -> int:
        if pyproxies is None or not pyproxies.length:
            return 0
        if self._count_alive is None:
            from pyodide.code import run_js

            self._count_alive = run_js("(a) => a.filter(p => { try { p.type; return true } catch (e) { return false } }).length")
        return int(self._count_alive(pyproxies))

    # -- the comm
    def send(self, msg: dict, to_lab=True) -> None:
        self.sent.append(msg)
        if self.comm is not None and to_lab:
            if msg["type"] == "cell":  # its JSON text: one string to hand over (schema: cell_json)
                msg = {"schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "cell", "json": json.dumps(msg)}
            try:
                self.comm.send(msg)
            except Exception:
                pass

    def state_message(self) -> dict:
        return {"schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "state", "enabled": self.enabled}

    def on_comm_msg(self, msg):
        data = msg.get("content", {}).get("data", {})
        if data.get("type") == "set_enabled":
            self.set_enabled(bool(data.get("enabled")))
        elif data.get("type") == "set_rows":
            self.set_rows(data.get("rows"))
        elif data.get("type") == "set_parity":
            self.set_parity(data.get("path"))

    # -- settings
    def set_rows(self, rows: int) -> None:
        """How many copies each cell itemizes (from the next cell on); 0 lists none (totals only)."""
        if isinstance(rows, bool) or not isinstance(rows, int) or not 0 <= rows <= ROWS_LIMIT:
            raise ValueError(f"rows must be an integer from 0 to {ROWS_LIMIT}, not {rows!r}")
        self.rows = rows

    def set_enabled(self, on: bool) -> None:
        """Tracing on or off. Off removes every patch and listener: nothing left to cost."""
        on = bool(on)
        ns = getattr(self.shell, "user_ns", None)
        if on and not self.enabled:
            _ffi.patch(ns)
        elif not on and self.enabled:
            _ffi.unpatch(ns)
            while self.current:  # a cell switching tracing off: drop its collector
                _copies.remove_sink(self.current.pop().sink)
            _ffi.State.cell = None
        self.enabled = on
        self.send(self.state_message())

    # -- parity with CPython (docs/parity.md): each cell the lab runs, against the notebook's reference
    def set_parity(self, path: str | None) -> None:
        """Check each cell that runs from now on against the reference at `path` (None: stop); the answer
        (`parity_state`) says which reference, or why it could not be read."""
        self.parity, error = None, None
        if path:
            try:
                from portinglab_parity.lab import Reference

                self.parity = Reference.load(path)
            except Exception as exc:  # a bad file must not break the kernel: the lab is told
                error = f"{type(exc).__name__}: {exc}"
        self.send({"schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "parity_state",
                   "path": path if self.parity is not None else None, "error": error})

    def _check_parity(self, source: str, result) -> None:
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        try:
            verdict = self.parity.check(source, error)
        except Exception as exc:  # never in the user's way: say so on the badge
            verdict = {"status": "skipped", "detail": f"the check failed: {type(exc).__name__}: {exc}"}
        count = getattr(result, "execution_count", None)
        self.send({"schema": SCHEMA_ID, "version": SCHEMA_VERSION, "type": "parity",
                   "execution_count": count if isinstance(count, int) else None, **verdict})

    # -- lifecycle
    def start(self, enabled: bool = True, comm: bool = True, rows: int | None = None) -> None:
        """Hook into the IPython shell (once) and open the comm to the lab; tracing on unless told;
        `rows`: copies itemized per cell (`set_rows`)."""
        from IPython import get_ipython

        if rows is not None:
            self.set_rows(rows)
        shell = get_ipython()
        if not self.started and shell is not None:
            self.shell = shell
            shell.events.register("pre_run_cell", self.pre_run_cell)
            # the Pyodide kernel awaits `run_cell_async` itself for cells with top-level await,
            # and IPython fires `post_run_cell` only from `run_cell`: end the cell here instead
            orig = self._run_cell_async = shell.run_cell_async

            async def run_cell_async(*args, **kwargs):
                result = None
                try:
                    result = await orig(*args, **kwargs)
                    return result
                finally:
                    self.post_run_cell()
                    # a cell the user ran (not the lab's silent requests), checked against the reference
                    if self.parity is not None:  # only while the lab gave a reference: nothing per cell otherwise
                        store = kwargs.get("store_history", args[1] if len(args) > 1 else False)
                        silent = kwargs.get("silent", args[2] if len(args) > 2 else False)
                        if store and not silent:
                            self._check_parity(args[0] if args else kwargs.get("raw_cell", ""), result)

            shell.run_cell_async = run_cell_async
            self.started = True
        if comm and self.comm is None:
            try:
                from comm import create_comm

                c = create_comm(target_name=COMM_TARGET, data=self.state_message())
                c.on_msg(self.on_comm_msg)
                self.comm = c
            except Exception:
                self.comm = None
        self.set_enabled(enabled)

    def stop(self) -> None:
        """Undo `start`: tracing off (patches removed), IPython's hooks given back, the comm closed."""
        self.set_enabled(False)
        if self.started and self.shell is not None:
            self.shell.events.unregister("pre_run_cell", self.pre_run_cell)
            self.shell.run_cell_async = self._run_cell_async
            self._run_cell_async = None
            self.started = False
        if self.comm is not None:
            try:
                self.comm.close()
            except Exception:
                pass
            self.comm = None

    def bootstrap(self, enabled: bool = True, rows: int | None = None) -> None:
        """What the lab extension runs, silently, in each new kernel: `start()`, then give back the
        execution count this request used (the Pyodide kernel counts even silent requests), so
        the user's first cell is still [1]."""
        from IPython import get_ipython

        shell = get_ipython()
        self.start(enabled, rows=rows)
        from ..magics import register

        register(shell)  # %portlab scan
        if shell is not None:
            def rewind(result=None):
                shell.events.unregister("post_run_cell", rewind)
                shell.execution_count -= 1

            shell.events.register("post_run_cell", rewind)


TRACER = Tracer()
start, stop, bootstrap = TRACER.start, TRACER.stop, TRACER.bootstrap
set_enabled, set_rows = TRACER.set_enabled, TRACER.set_rows


def enabled() -> bool:
    return TRACER.enabled


def reports() -> list[dict]:
    """The last messages sent (newest last), as sent."""
    return list(TRACER.sent)
