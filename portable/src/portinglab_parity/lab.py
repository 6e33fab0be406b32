"""Parity in the lab: a notebook's reference (`NB.parity.json`, written by `portlab parity`, with or without
`--reference-only`) checked against each of its cells as it runs in the browser's kernel. The verdict is the
same comparison as the CLI's (compare.compare_cell) on the values and the exception of the cell; the lab shows
it as a badge on the cell. A cell whose source is not the one the reference was made from is "edited".
"""

from __future__ import annotations

import json
from pathlib import Path

from . import capture
from .compare import compare_cell, exception_name
from .prepare import Cell, source_hash

SCHEMAS = ("portinglab.parity-reference/1", "portinglab.parity/1")
#: in the kernel only the values and the exception are compared (streams and rich outputs are the lab's)
NOT_SEEN = ["stdout", "stderr", "outputs"]


class ReferenceError(ValueError):
    pass


class Reference:
    """CPython's results for a notebook, by the sha256 of each cell's source."""

    def __init__(self, data: dict, path: str = ""):
        if data.get("schema") not in SCHEMAS:
            raise ReferenceError(f"{path}: not a parity reference (schema {data.get('schema')!r}; expected one of {SCHEMAS})")
        self.path = path
        self.notebook = data.get("notebook")
        self.cells: dict[str, dict] = {}
        for c in data["cells"]:
            native = c if "values" in c else c.get("native")
            self.cells[c["sha256"]] = {**c, "run": native}
        capture.install(existing=False)
        capture.changed()  # what is there now is not the next cell's doing

    @classmethod
    def load(cls, path: str) -> "Reference":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ReferenceError(f"{path}: {exc}") from None
        return cls(data, path)

    def check(self, source: str, error: BaseException | None) -> dict:
        """The verdict on the cell that just ran (`source`), from the values it changed and its exception."""
        values = capture.changed()
        ref = self.cells.get(source_hash(source))
        if ref is None:
            return {"status": "edited", "detail": "this cell is not the one the reference was made from: "
                                                  "run `portlab parity` again to compare it"}
        if ref.get("skip"):
            return {"status": "skipped", "detail": ref["skip"]}
        native = ref["run"]
        if native is None:
            return {"status": "skipped", "detail": "the reference has no run of this cell"}
        cell = Cell(ref["index"], ref.get("id"), source, source, ref["sha256"], rtol=ref.get("rtol"),
                    atol=ref.get("atol"), ignore=NOT_SEEN + list(ref.get("ignore") or []), reason=ref.get("reason"))
        err = None if error is None else {"ename": exception_name(type(error).__name__), "evalue": str(error),
                                          "traceback": ""}
        browser = {"stdout": "", "stderr": "", "outputs": [], "error": err, "values": values}
        unstable = set(ref.get("unstable") or [])
        if "findings" in ref:  # a full report: what was not comparable then is not now
            unstable |= {f["what"].removeprefix("value ") for f in ref["findings"] if f["status"] == "not-comparable"}
        verdict = compare_cell(cell, native, browser, None, unstable_names=unstable)
        shown = [f for f in verdict["findings"] if f["status"] == verdict["status"] and f["status"] != "exact"]
        detail = "; ".join(f"{f['what']}: {f['detail']}" for f in shown[:3])
        if ref.get("reason"):
            detail = (detail + "; " if detail else "") + f"accepted: {ref['reason']}"
        return {"status": verdict["status"], "detail": detail}
