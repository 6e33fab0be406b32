"""What opencv.js really exports: its embind registry, read under Node by registry.js."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

HERE = Path(__file__).parent


def read(opencv_js: Path) -> dict:
    """{functions: {name: [[ret, arg...]]}, classes: {...}, constants: {name: int}} (see registry.js)."""
    proc = subprocess.run(["node", str(HERE / "registry.js"), str(opencv_js)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"reading opencv.js's registry failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)
