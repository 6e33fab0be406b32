"""Parity: does a port compute what the original computes? (`./portlab parity NB.ipynb`, docs/parity.md)

The same notebook runs in CPython (a real ipykernel, twice: what differs between two native runs is not
comparable) and in the built site's Pyodide kernel in Chromium with the network cut; per cell, what it printed,
displayed and left in its top-level variables is compared: exact, close (within tolerance), differs, fails on
one side only, not comparable. The differences are explained (dtype, shape, max |diff|, first index, the wasm32
rule behind it, both tracebacks). Output: NB.parity.json, NB.parity.html, an exit status.

    prepare.py  the cells to run, their code and tolerances (cell metadata `parity`, nbval-style comments)
    capture.py  runs inside both kernels: the values a cell created or changed, described the same way
    runners.py  the two kernels (jupyter_client; Playwright + the site), run_cells
    compare.py  the comparison of one cell's two runs, with explanations
    report.py   JSON and HTML
    pytest_plugin.py  `pytest --portlab-parity NB.ipynb`: one test per cell
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from .compare import (Finding, RANK, compare_outputs, compare_text, compare_values, exception_name,
                      site_notices_removed, worst)
from .prepare import Cell, prepare
from .runners import BrowserSide, NativeKernel, ParityError, run_cells

__all__ = ["ParityError", "run_parity", "compare_cell"]


def _data_files(nb: dict, notebook: Path, drive: Path | None) -> list[tuple[str, Path]]:
    """The files the code names by relative path (or /drive/...), as the export finds them."""
    from portinglab_export.bundle import data_files
    from portinglab_export.script import notebook_to_script

    files, _ = data_files(notebook_to_script(nb, notebook.stem), notebook.parent, [], drive)
    return files


def _native(cells, files, work: Path, label: str, log) -> dict:
    cwd = work / label
    cwd.mkdir(parents=True)
    for rel, src in files:
        (cwd / rel).parent.mkdir(parents=True, exist_ok=True)
        (cwd / rel).write_bytes(src.read_bytes())
    kernel = NativeKernel(cwd)
    try:
        return run_cells(kernel, cells, lambda d, t: log(f"[parity] {label}: cell {d}/{t}"))
    finally:
        kernel.close()


def compare_cell(cell: Cell, native: dict | None, browser: dict | None, again: dict | None,
                 rtol: float | None = None, atol: float | None = None) -> dict:
    """One cell's verdict from its native run, its browser run and a second native run (`again`)."""
    rtol = cell.rtol if cell.rtol is not None else rtol
    atol = cell.atol if cell.atol is not None else atol
    base = {"index": cell.index, "id": cell.id, "sha256": cell.sha256, "source": cell.source,
            "changes": cell.changes, "reason": cell.reason}
    if cell.skip:
        return {**base, "status": "skipped", "skip": cell.skip, "findings": []}
    findings: list[Finding] = []
    ne, be = native["error"], browser["error"]
    if ne or be:
        nn, bn = (exception_name(e["ename"]) if e else None for e in (ne, be))
        if nn == bn:
            findings.append(Finding("error", "exact", f"both raise {nn}"))
        elif ne and be:
            findings.append(Finding("error", "differs", f"{nn}: {ne['evalue']} in CPython, {bn}: {be['evalue']} in the "
                                                        "browser", {"native": ne, "browser": be}))
        else:
            e = ne or be
            findings.append(Finding("error", "fails", f"fails in {'CPython' if ne else 'the browser'} only: "
                                                      f"{exception_name(e['ename'])}: {e['evalue']}",
                                    {"native": ne, "browser": be}))
    unstable = _unstable(native, again)
    for stream in ("stdout", "stderr"):
        if stream not in cell.ignore:
            theirs = site_notices_removed(browser[stream]) if stream == "stderr" else browser[stream]
            f = compare_text(stream, native[stream], theirs)
            findings.append(_stable(f, stream in unstable))
    if "outputs" not in cell.ignore:
        for f in compare_outputs(native["outputs"], browser["outputs"], rtol, atol):
            findings.append(_stable(f, "outputs" in unstable))
    nv, bv = native["values"], browser["values"]
    for name in sorted(set(nv) | set(bv)):
        if name in cell.ignore:
            continue
        if name not in bv or name not in nv:
            if not (ne or be):  # after an error, values on one side only are its consequence
                side = "CPython" if name in nv else "the browser"
                findings.append(_stable(Finding(f"value {name}", "differs", f"set in {side} only"), name in unstable))
            continue
        findings.append(_stable(compare_values(name, nv[name], bv[name], rtol, atol), name in unstable))
    statuses = [f.status for f in findings]
    status = worst(s for s in statuses if s != "not-comparable")  # "exact" when there is nothing else
    if status == "exact" and "not-comparable" in statuses:
        status = "not-comparable"
    return {**base, "status": status, "findings": [f.__dict__ for f in findings],
            "native": _side(native), "browser": _side(browser)}


def _side(run: dict) -> dict:
    return {"stdout": run["stdout"], "stderr": run["stderr"], "error": run["error"], "seconds": run["seconds"],
            "outputs": run["outputs"]}


def _stable(f: Finding, unstable: bool) -> Finding:
    if unstable and f.status != "exact":
        return Finding(f.what, "not-comparable", "CPython itself gives another result on a second run "
                                                 f"(unseeded random, time, ...): {f.detail}", f.data)
    return f


def _unstable(a: dict, b: dict | None) -> set[str]:
    """What differs between two native runs of the cell: streams, outputs, value names."""
    if b is None:
        return set()
    out = {s for s in ("stdout", "stderr") if a[s] != b[s]}
    if a["outputs"] != b["outputs"]:
        out.add("outputs")
    for name in set(a["values"]) | set(b["values"]):
        x, y = a["values"].get(name), b["values"].get(name)
        if x is None or y is None or compare_values(name, x, y, 0.0, 0.0).status != "exact":
            out.add(name)
    return out


def run_parity(notebook: Path, out: Path | None = None, site: Path | None = None, *, rtol: float | None = None,
               atol: float | None = None, only: set[int] | None = None, reference_only: bool = False,
               drive: Path | None = None, log=lambda msg: print(msg, file=sys.stderr)) -> dict:
    """Run `notebook` on both sides (or only natively, `reference_only`) and write NB.parity.json (+ .html)
    into `out` (default: beside the notebook). -> the report (report.py)."""
    from . import report as _report

    notebook = Path(notebook)
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = prepare(nb, only)
    files = _data_files(nb, notebook, drive)
    out = Path(out) if out else notebook.parent
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="portlab-parity-") as tmp:
        work = Path(tmp)
        native = _native(cells, files, work, "CPython", log)
        again = _native(cells, files, work, "CPython (again)", log)
        if reference_only:
            rep = _report.reference(notebook, cells, native, again, started)
        else:
            if site is None or not (site / "static/pyodide/pyodide-lock.json").is_file():
                raise ParityError(f"no built site at {site}: run `./portlab build` first (or pass --site DIR)")
            side = BrowserSide(site, files, work)
            try:
                browser = run_cells(side, cells, lambda d, t: log(f"[parity] browser: cell {d}/{t}"))
            finally:
                side.close()
            verdicts = [compare_cell(c, native["cells"].get(c.index), browser["cells"].get(c.index),
                                     again["cells"].get(c.index), rtol, atol) for c in cells]
            rep = _report.report(notebook, verdicts, native["versions"], browser["versions"], rtol, atol, started)
    _report.write(rep, out / f"{notebook.stem}.parity.json", None if reference_only else out / f"{notebook.stem}.parity.html")
    return rep


__all__ += ["Cell", "RANK", "prepare"]
