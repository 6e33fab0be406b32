"""The first `import cv2` from inside a user's module vs the same import in a cell (issue 15).

In a cell, Pyodide's own loader sees `import cv2` in the cell's text and loads the kernel wheel before the
cell runs; from inside a module, the site finder (kernel/startup/sitecustomize.py) loads it when the import
runs. Each sample is a fresh kernel in a fresh page (own context, empty cache except the HTTP cache is cold
too), on the site served from loopback, in Debian's Chromium: the time from sending the cell to its reply.
Alternating: cell, module, cell, module, ...

    .venv/bin/python benchmarks/import_from_module.py --site _output [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402

from browser import BrowserKernel, guarded_context, launch  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import verify_site  # noqa: E402

MODULE = "import numpy as np\nimport cv2\n\n\ndef gray(a):\n    return cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)\n"
SETUP = f"import importlib\nopen('/tmp/usermod.py', 'w').write({MODULE!r})\nimportlib.invalidate_caches()\n"
CELLS = {"cell": "import numpy as np\nimport cv2\n", "module": "import sys\nsys.path.insert(0, '/tmp')\nimport usermod\n"}


def sample(browser, url: str, how: str) -> float:
    ctx, guard = guarded_context(browser)
    page = ctx.new_page()
    page.goto(url + "lab/index.html")
    kernel = BrowserKernel(page, timeout_ms=300_000)
    kernel.run(SETUP)  # names neither numpy nor cv2: loads nothing
    t0 = time.perf_counter()
    out = kernel.execute(CELLS[how])
    seconds = time.perf_counter() - t0
    assert out["error"] is None, out["error"]
    ctx.close()
    assert not guard.attempts, guard.attempts
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, required=True, help="a site built by ./portlab build")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    verify_site(args.site)
    server, url = serve_in_thread(args.site, port=0)
    times = {"cell": [], "module": []}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for _ in range(args.runs):
                for how in times:
                    times[how].append(sample(browser, url, how))
            browser.close()
    finally:
        server.shutdown()
    base = statistics.median(times["cell"])
    print(f"first `import numpy, cv2` in a fresh kernel, {args.runs} runs each (s)")
    for how, ts in times.items():
        med = statistics.median(ts)
        print(f"{how:<8} median {med:.2f}  min {min(ts):.2f}  max {max(ts):.2f}  ratio {med / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
