"""Porting-readiness scanner: `./portlab scan PATH` (docs/scan.md).

From the code (AST, never by running it), for a folder, a .py file, a notebook, a wheel, an sdist or a
requirements file: every import and every cv2.* / onnxruntime.* name used, each with its status in this
site, and the wasm32 traps it sees.

    sources.py  what to read: Python sources out of each kind of PATH
    analyze.py  one file's imports, cv2 / onnxruntime names (through aliases) and traps
    status.py   what the site says of a name: bridged (cv2 IR, onnxruntime bridge), shipped, not available
    report.py   the findings together: summary, text, JSON
"""

from __future__ import annotations

from .report import Report, scan

__all__ = ["Report", "scan"]
