"""Parity: does a port compute what the original computes? (`./portlab parity NB.ipynb`, docs/parity.md)

The same notebook runs in CPython (a real ipykernel, twice: what differs between two native runs is not
comparable) and in the built site's Pyodide kernel in Chromium with the network cut; per cell, what it printed,
displayed and left in its top-level variables is compared: exact, close (within tolerance), differs, fails on
one side only, not comparable. The differences are explained (dtype, shape, max |diff|, first index, the wasm32
rule behind it, both tracebacks). Output: NB.parity.json, NB.parity.html, an exit status.

    runners.py  the two kernels (jupyter_client; Playwright + the site), run_cells
    report.py   JSON and HTML
and, shared with the kernel (portable/src/portinglab_parity, also in the kernel wheel: the lab's badges):
    prepare.py  the cells to run, their code and tolerances (cell metadata `parity`, nbval-style comments)
    capture.py  runs inside both kernels: the values a cell created or changed, described the same way
    compare.py  the comparison of one cell's two runs, with explanations
    pytest_plugin.py  `pytest --portlab-parity NB.ipynb`: one test per cell
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from portinglab_parity.compare import RANK, compare_cell
from portinglab_parity.prepare import Cell, prepare

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
