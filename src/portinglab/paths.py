"""Where things live in a checkout. Every path the build side uses starts here."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS_TOML = ROOT / "assets.toml"
CONTENT = ROOT / "content"
WHEELS = ROOT / "wheels"
KERNEL_PACKAGE = ROOT / "kernel"
#: downloaded registry files, verified against assets.toml before every use
CACHE = Path(os.environ.get("PORTINGLAB_CACHE", ROOT / ".cache" / "portinglab"))
#: the default output folder of `build` (what `serve` serves, what you deploy)
OUTPUT = ROOT / "_output"

#: paths inside a built site
PYODIDE_DIR = "static/pyodide"
VENDOR_DIR = "static/vendor"
VENDOR_MANIFEST = "static/vendor/manifest.json"
PYODIDE_URL = "./static/pyodide/pyodide.js"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"

#: files the build pre-compresses (`<file>.gz`) and the server answers gzip-encoded:
#: text and wasm compress well; JupyterLite's favicon.ico (320 KB, 53 KB gzipped); the wheels and
#: stdlib zip the build rewrote with stored entries (bytecode.py; official, deflated ones gain < 10 %
#: and get no .gz)
PRECOMPRESSED = frozenset({".js", ".mjs", ".wasm", ".json", ".css", ".html", ".svg", ".txt", ".ipynb", ".map", ".md",
                           ".ico", ".whl", ".zip"})
