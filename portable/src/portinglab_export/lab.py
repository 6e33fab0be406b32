"""The lab's File → Save and Export Notebook As → Ported script: the same export, in the kernel.

Standard library only: the package runs both in CPython (`portlab export`) and in the kernel, whose
wheel ships it as it is (`portable/src/`, one copy of the code; `kernel/pyproject.toml`). The lab's front end
(`extension/src/export.ts`) sends the notebook's current JSON and its path under the lab's
contents; this writes the export into a temporary folder of the kernel's file system, reads the
data files from `/drive/` (the lab's contents) and prints the zip as base64 in one JSON line
after `MARKER`. Nothing is left behind in the kernel's namespace or on `/drive/`.

The contract with the front end (entry point, marker, the result's fields) is `lab.schema.json`, read
here and generated into the extension's TypeScript (`./portlab contracts`).
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
from importlib import resources
from pathlib import Path, PurePosixPath

from .bundle import export_notebook
from .script import ExportError

CONTRACT = json.loads(resources.files(__package__).joinpath("lab.schema.json").read_text("utf-8"))
MARKER = CONTRACT["x-portinglab"]["marker"]
DRIVE = "/drive"


def _site_url() -> str | None:
    try:  # inside Pyodide: the site the kernel was loaded from
        from portinglab_kernel.site import site_url
        return site_url()
    except Exception:
        return None


def export_zip(nb_json: str, path: str, *, base_url: str | None = None, drive: str = DRIVE,
               name: str | None = None, library: bool = False) -> dict:
    """Export the notebook (`nb_json`, saved or not at `drive/path`) to a zip, as a dict:
    `{"name", "zip_name", "zip" (base64), "size", "files", "warnings", "base_url"}` or `{"error"}`."""
    rel = PurePosixPath(path.lstrip("/"))
    if ".." in rel.parts:
        return {"error": f"{path}: not a path under the lab's contents"}
    notebook = Path(drive) / rel if rel.parts else Path(drive) / "notebook.ipynb"
    base = base_url or _site_url()
    try:
        nb = json.loads(nb_json)
        if not isinstance(nb, dict):
            raise ExportError("the notebook's content is not a JSON object")
        with tempfile.TemporaryDirectory(prefix="portlab-export-") as tmp:
            result = export_notebook(notebook, Path(tmp) / "out", base_url=base, nb=nb, name=name,
                                     drive=Path(drive) if Path(drive).is_dir() else None, library=library)
            data = result.zip_path.read_bytes()
    except ExportError as exc:
        return {"error": str(exc)}
    except json.JSONDecodeError as exc:
        return {"error": f"the notebook's content is not JSON: {exc}"}
    return {"name": result.name, "zip_name": result.zip_path.name, "zip": base64.b64encode(data).decode("ascii"),
            "size": len(data), "files": result.files, "warnings": result.warnings, "base_url": base,
            "functions": result.functions}


def run(nb_json: str, path: str, base_url: str | None = None, library: bool = False) -> None:
    """What the lab executes: the result as one line `MARKER{json}` on stdout (`library`: also the JS library)."""
    try:
        out = export_zip(nb_json, path, base_url=base_url, library=library)
    except Exception as exc:  # a bug, not bad input: say so rather than hang the front end
        out = {"error": f"the export failed: {type(exc).__name__}: {exc}"}
    sys.stdout.write(MARKER + json.dumps(out) + "\n")
    sys.stdout.flush()
