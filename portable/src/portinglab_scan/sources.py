"""The Python sources inside a PATH: a folder, a .py file, a notebook, a wheel, an sdist, a requirements file."""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


class ScanError(Exception):
    """A PATH the scanner cannot read (the message says why; the CLI prints it, no traceback)."""


@dataclass(frozen=True)
class Source:
    name: str  # where it is, for the report (path, or archive!member, or notebook#cell)
    text: str
    kind: str = "python"  # python | requirements


_MAGIC = re.compile(r"^\s*[%!]")


def notebook_code(text: str) -> str:
    """A notebook's code cells as one module (IPython magics and shell lines blanked, line numbers kept)."""
    nb = json.loads(text)
    lines = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        lines += ["" if _MAGIC.match(line) else line for line in src.splitlines()] + [""]
    return "\n".join(lines)


def _from_file(path: Path, name: str, data: bytes) -> list[Source]:
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        try:
            return [Source(name, notebook_code(text))]
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ScanError(f"{name}: not a notebook (invalid JSON: {exc})") from None
    if name.endswith(".py"):
        return [Source(name, text)]
    if re.search(r"(^|/)requirements[^/]*\.(txt|in)$", name):
        return [Source(name, text, "requirements")]
    return []


def read(path: Path) -> list[Source]:
    """Every source of PATH (raises ScanError for a path that does not exist or cannot be read)."""
    if not path.exists():
        raise ScanError(f"no such file or folder: {path}")
    if path.is_dir():
        out = []
        for f in sorted(path.rglob("*")):
            if f.is_file() and not any(p.startswith(".") or p in ("__pycache__", "node_modules") for p in f.parts):
                out += _from_file(f, str(f), f.read_bytes()) if f.suffix in (".py", ".ipynb", ".txt", ".in") else []
        return out
    name = str(path)
    if name.endswith(".whl") or name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as z:
                return [s for m in z.namelist() for s in _from_file(path, f"{name}!{m}", z.read(m))
                        if m.endswith((".py", ".ipynb"))]
        except zipfile.BadZipFile:
            raise ScanError(f"{path}: not a wheel (not a zip archive)") from None
    if name.endswith((".tar.gz", ".tgz")):
        try:
            with tarfile.open(path) as t:
                return [s for m in t.getmembers() if m.isfile() and m.name.endswith((".py", ".ipynb"))
                        for s in _from_file(path, f"{name}!{m.name}", t.extractfile(m).read())]
        except tarfile.TarError:
            raise ScanError(f"{path}: not an sdist (not a tar.gz archive)") from None
    found = _from_file(path, name, path.read_bytes())
    if not found:
        if path.suffix in (".txt", ".in"):
            return [Source(name, path.read_text(errors="replace"), "requirements")]
        raise ScanError(f"{path}: not something the scanner reads (a folder, .py, .ipynb, .whl, .tar.gz, "
                        "requirements .txt)")
    return found
