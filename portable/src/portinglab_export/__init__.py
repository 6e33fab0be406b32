"""Export a ported notebook: one script for CPython and a standalone page (docs/export.md)."""

from .bundle import DEFAULT_BASE_URL, Export, export_notebook, read_notebook
from .script import ExportError, Script, notebook_to_script, safe_name

__all__ = ["DEFAULT_BASE_URL", "Export", "ExportError", "Script", "export_notebook", "notebook_to_script",
           "read_notebook", "safe_name"]
