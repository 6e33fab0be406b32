"""Would a Pyodide 0.27.7 memory snapshot make the kernel's start faster in the browser? (issue 17)

Measures, in Debian's Chromium on a built site (served from loopback, HTTP cache warm after the first run),
the kernel worker's bootstrap two ways, alternated:

* plain: `loadPyodide({packages: <the site's preload>})`, `import piplite.piplite`, `import pyodide_kernel`
  (what the kernel's worker does);
* snapshot: the same after `loadPyodide({_loadSnapshot})` of a snapshot taken in another worker after what a
  snapshot can hold: Python initialised, the pure-Python wheels of traitlets, jedi (+parso), pygments,
  prompt_toolkit (+wcwidth) written into site-packages through the file system (a `loadPackage` leaves
  JS references the snapshot refuses: "Unexpected hiwire entry") and imported, with the stdlib modules they use.

After a restore the preload still has to be loaded: the in-memory file system (site-packages) and the side
modules (ssl + openssl, sqlite3, which IPython imports at import time) are not in a snapshot, so
`loadPackage` re-fetches, unpacks and links them and IPython/ipykernel are imported then.

    .venv/bin/python benchmarks/snapshot_restore.py [--site _output] [--runs 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from browser import launch  # noqa: E402
from portinglab import paths  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import kernel_settings  # noqa: E402

#: what the snapshot holds besides Python itself (pure wheels, no side module among their dependencies)
SNAPSHOT_PACKAGES = ("traitlets", "jedi", "pygments", "prompt-toolkit", "wcwidth")
SNAPSHOT_IMPORTS = ("traitlets, jedi, pygments, prompt_toolkit, asyncio, json, inspect, ast, typing, dataclasses, "
                    "logging, pygments.lexers.python")

MAKER = r"""
onmessage = async (ev) => { try {
  const {base, files, imports} = ev.data, t0 = performance.now();
  importScripts(base + 'static/pyodide/pyodide.js');
  const py = await loadPyodide({indexURL: base + 'static/pyodide/', _makeSnapshot: true});
  py.FS.mkdirTree('/tmp/wheels');
  for (const f of files)
    py.FS.writeFile('/tmp/wheels/' + f, new Uint8Array(await (await fetch(base + 'static/pyodide/' + f)).arrayBuffer()));
  py.runPython(`
import os, sys, zipfile, importlib
sp = next(p for p in sys.path if p.endswith('site-packages'))
for f in os.listdir('/tmp/wheels'):
    zipfile.ZipFile('/tmp/wheels/' + f).extractall(sp)
    os.remove('/tmp/wheels/' + f)
importlib.invalidate_caches()
import ${imports}
`);
  const snap = py.makeMemorySnapshot();
  postMessage({snap, seconds: (performance.now() - t0) / 1000}, [snap.buffer]);
} catch (e) { postMessage({error: String(e)}); } };
"""

BOOT = r"""
onmessage = async (ev) => { try {
  const {base, packages, snap} = ev.data, t0 = performance.now();
  importScripts(base + 'static/pyodide/pyodide.js');
  const options = {indexURL: base + 'static/pyodide/', packages};
  if (snap) options._loadSnapshot = snap;
  const py = await loadPyodide(options);
  const loaded = performance.now();
  await py.runPythonAsync('import piplite.piplite');
  await py.runPythonAsync('import pyodide_kernel');
  const check = py.runPython('import sys, os, jedi; f"{len(sys.modules)} {os.path.exists(jedi.__file__)}"');
  postMessage({loaded: (loaded - t0) / 1000, total: (performance.now() - t0) / 1000, check});
} catch (e) { postMessage({error: String(e)}); } };
"""

RUN_JS = """async ([src, msg, keep]) => {
  if (msg.useSnap) msg.snap = window.__snap.slice();
  const w = new Worker(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));
  const r = await new Promise(res => { w.onmessage = e => res(e.data); w.onerror = e => res({error: e.message});
                                      w.postMessage(msg); });
  w.terminate();
  if (keep && r.snap) { window.__snap = r.snap; r.size = r.snap.length; delete r.snap; }
  return r;
}"""


def closure(lock: dict, names) -> list[str]:
    out, todo = [], list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.append(name)
            todo += lock[name]["depends"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=paths.OUTPUT)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    lock = json.loads((args.site / paths.PYODIDE_DIR / "pyodide-lock.json").read_text())["packages"]
    names = closure(lock, SNAPSHOT_PACKAGES)
    if any(lock[n].get("shared_library") or lock[n]["package_type"] != "package" for n in names):
        raise SystemExit(f"not all pure packages: {names}")
    files = [lock[n]["file_name"] for n in names]
    preload = kernel_settings(args.site)["loadPyodideOptions"]["packages"]
    server, url = serve_in_thread(args.site, port=0)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context().new_page()
        page.goto(url + "portinglab-manifest.json")  # any same-origin page: the workers are blobs
        made = page.evaluate(RUN_JS, [MAKER, {"base": url, "files": files, "imports": SNAPSHOT_IMPORTS}, True])
        if "error" in made:
            raise SystemExit(f"snapshot failed: {made['error']}")
        rows = {"plain": [], "snapshot": []}
        for run in range(2 * args.runs):
            kind = ("plain", "snapshot")[run % 2]
            got = page.evaluate(RUN_JS, [BOOT, {"base": url, "packages": preload, "useSnap": kind == "snapshot"},
                                         False])
            if "error" in got:
                raise SystemExit(f"{kind} start failed: {got['error']}")
            rows[kind].append(got)
        browser.close()
    server.shutdown()
    print(f"snapshot: {made['size'] / 1e6:.1f} MB, taken in {made['seconds']:.2f} s ({', '.join(names)})")
    for kind, got in rows.items():
        every = ", ".join("%.2f" % g["total"] for g in got)
        print(f"{kind:9} loadPyodide {statistics.median(g['loaded'] for g in got):.2f} s, "
              f"to pyodide_kernel imported {statistics.median(g['total'] for g in got):.2f} s "
              f"(median of {len(got)}; all: {every}); modules, jedi file: {got[0]['check']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
