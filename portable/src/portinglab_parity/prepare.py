"""Which cells a parity run compares, as what code, with which tolerance (pure Python, no kernel).

Both kernels are IPython, so a cell runs as it is, magics included, with three changes made the same on both
sides (and reported): installs (`%pip`, `!pip`, `piplite` / `micropip`) and other shell lines are commented
out (the environments are what they are: CPython's venv, the site's Pyodide lock), and `'/drive/...'` paths
(the lab's contents) become relative to the working folder, which holds the data files on both sides.

Per cell, in its metadata (`parity`) or as nbval-style comments in its first lines:
- `{"skip": "why"}` or `# PARITY-SKIP`: not run on either side (nbval's `# NBVAL_SKIP` is honoured too);
- `{"rtol": R, "atol": A}`: float tolerance for this cell;
- `{"ignore": ["stdout", "stderr", "outputs", "x"]}` or `# PARITY-IGNORE-OUTPUT`: not compared (names are values);
- `{"reason": "..."}`: why an accepted difference is accepted (shown in the report).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

SKIP_MARKS = ("# PARITY-SKIP", "# NBVAL_SKIP")
IGNORE_OUTPUT_MARKS = ("# PARITY-IGNORE-OUTPUT", "# NBVAL_IGNORE_OUTPUT")
_INSTALL = re.compile(r"^\s*(%(pip|conda|mamba|micropip)\b|!|(await\s+)?(piplite|micropip)\.install\b|"
                      r"import\s+(piplite|micropip)\s*$)")
_DRIVE = re.compile(r"""(?<=['"])/drive/""")


@dataclass
class Cell:
    index: int  # 1-based, over all the notebook's cells (as the lab numbers them)
    id: str | None
    source: str
    code: str  # what runs, on both sides
    sha256: str  # of the source: a reference made from another version of the cell says so
    skip: str | None = None
    rtol: float | None = None
    atol: float | None = None
    ignore: list[str] = field(default_factory=list)
    reason: str | None = None
    changes: list[str] = field(default_factory=list)


def source_hash(source: str) -> str:
    """A cell's identity in a reference: its source, spaces at its ends and line endings aside (the kernel may
    get the text with a newline added)."""
    return hashlib.sha256(source.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()[:16]


def prepare(nb: dict, only: set[int] | None = None) -> list[Cell]:
    cells = []
    for index, c in enumerate(nb.get("cells", []), start=1):
        if c.get("cell_type") != "code":
            continue
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        meta = (c.get("metadata") or {}).get("parity") or {}
        head = "\n".join(src.splitlines()[:3])
        cell = Cell(index, c.get("id"), src, src, source_hash(src), rtol=meta.get("rtol"), atol=meta.get("atol"),
                    ignore=list(meta.get("ignore", [])), reason=meta.get("reason"))
        if meta.get("skip") or any(m in head for m in SKIP_MARKS):
            cell.skip = str(meta.get("skip")) if meta.get("skip") not in (None, True) else "skipped (cell marked)"
        elif only is not None and index not in only:
            cell.skip = "not in --only"
        if any(m in head for m in IGNORE_OUTPUT_MARKS):
            cell.ignore += ["stdout", "stderr", "outputs"]
        lines = []
        for line in src.split("\n"):
            if _INSTALL.match(line):
                cell.changes.append(f"commented out: {line.strip()}")
                indent = line[: len(line) - len(line.lstrip())]
                line = f"{indent}pass  # {line.lstrip()}" if indent else f"# {line}"
            lines.append(line)
        code = "\n".join(lines)
        if _DRIVE.search(code):
            code = _DRIVE.sub("", code)
            cell.changes.append("'/drive/...' paths made relative to the working folder")
        cell.code = code
        cells.append(cell)
    return cells
