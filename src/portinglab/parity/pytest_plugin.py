"""`pytest --portlab-parity NB.ipynb [--portlab-site DIR]`: a notebook's parity as tests, one per code cell, the
way nbval (`pytest --nbval`) makes one per cell: a cell passes when it is exact, close, not comparable or
skipped, and fails with the difference explained when it differs or fails on one side only. Cells to skip:
metadata `parity: {skip: "why"}`, or `# PARITY-SKIP` / nbval's `# NBVAL_SKIP` in their first lines.

Registered as the pytest plugin `portinglab-parity` (entry point `pytest11`, root pyproject.toml), so it is
there wherever `portinglab` is installed; it does nothing unless `--portlab-parity` is given. The notebook runs
once per file (both sides), when its first cell's test runs; NB.parity.json / .html go to `--portlab-parity-out`
(default: beside the notebook).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("portlab-parity", "Porting Lab parity: CPython vs the browser, per notebook cell")
    group.addoption("--portlab-parity", action="store_true", help="collect .ipynb files as parity tests")
    group.addoption("--portlab-site", default=None, help="the built Porting Lab site (default: ./_output)")
    group.addoption("--portlab-parity-out", default=None, help="folder for NB.parity.json / .html")
    group.addoption("--portlab-rtol", type=float, default=None, help="float tolerance, relative")
    group.addoption("--portlab-atol", type=float, default=None, help="float tolerance, absolute")


def pytest_collect_file(parent, file_path):
    if parent.config.getoption("portlab_parity") and file_path.suffix == ".ipynb" \
            and ".ipynb_checkpoints" not in file_path.parts:
        return ParityNotebook.from_parent(parent, path=file_path, name=file_path.name)
    return None


class ParityNotebook(pytest.File):
    _report: dict | None = None
    _error: Exception | None = None

    def collect(self):
        from portinglab_parity.prepare import prepare

        nb = json.loads(self.path.read_text(encoding="utf-8"))
        for cell in prepare(nb):
            yield ParityCell.from_parent(self, name=f"cell {cell.index}", cell=cell)

    def verdicts(self) -> dict[int, dict]:
        if self._report is None and self._error is None:
            from . import run_parity

            cfg = self.config
            site = Path(cfg.getoption("portlab_site") or "_output")
            out = cfg.getoption("portlab_parity_out")
            try:
                self._report = run_parity(self.path, Path(out) if out else None, site,
                                          rtol=cfg.getoption("portlab_rtol"), atol=cfg.getoption("portlab_atol"),
                                          drive=site / "files" if (site / "files").is_dir() else None)
            except Exception as exc:  # every cell's test says why, rather than one crash
                self._error = exc
        if self._error is not None:
            raise self._error
        return {c["index"]: c for c in self._report["cells"]}


class ParityDifference(Exception):
    pass


class ParityCell(pytest.Item):
    def __init__(self, *, cell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell

    def runtest(self):
        if self.cell.skip:
            pytest.skip(self.cell.skip)
        verdict = self.parent.verdicts()[self.cell.index]
        if verdict["status"] in ("differs", "fails"):
            raise ParityDifference(verdict)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ParityDifference):
            v = excinfo.value.args[0]
            lines = [f"cell {v['index']}: {v['status']}", *("  " + line for line in v["source"].splitlines()[:8])]
            for f in v["findings"]:
                if f["status"] in ("differs", "fails"):
                    lines.append(f"- {f['what']}: {f['detail']}")
            for side in ("native", "browser"):
                err = v.get(side, {}).get("error")
                if err:
                    lines.append(f"{'CPython' if side == 'native' else 'browser'} traceback:\n{err['traceback']}")
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.cell.index - 1, f"{self.path.name}::cell {self.cell.index}"
