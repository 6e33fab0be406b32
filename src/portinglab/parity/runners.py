"""The two kernels a parity run drives, with one interface: `execute(code, silent=False) -> {stdout, stderr,
results, error, status}`.

- `NativeKernel`: CPython's ipykernel (the build environment's: opencv-python-headless, onnxruntime, numpy,
  Pillow), started with jupyter_client in a working folder that holds the notebook's data files.
- `BrowserKernel` (portinglab.browser): the built site's Pyodide kernel in Debian's Chromium, the network cut
  (every non-loopback request aborted); the data files are fetched from loopback into its working folder.

`run_cells` runs the prepared cells in one of them and describes, after each, what it printed and displayed
and the values it created or changed (capture.py, the same code on both sides).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from importlib import resources
from pathlib import Path
from urllib.parse import quote

#: the code both kernels run to describe a cell's values (sent as text: the native kernel has no portinglab_parity)
CAPTURE = resources.files("portinglab_parity").joinpath("capture.py").read_text(encoding="utf-8")
MARKER = "@@portlab-parity@@"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
INSTALL = ("import sys as _s, types as _t\n_m = _t.ModuleType('_portlab_parity')\n"
           f"exec({CAPTURE!r}, _m.__dict__)\n_s.modules['_portlab_parity'] = _m\ndel _s, _t, _m\n"
           "import _portlab_parity\n_portlab_parity.install()\n")


class ParityError(Exception):
    pass


class NativeKernel:
    """CPython's ipykernel, in `cwd`."""

    def __init__(self, cwd: Path, timeout: int = 600):
        from jupyter_client.manager import KernelManager

        self.timeout = timeout
        # IPC sockets in the working folder's parent: nothing on TCP, nothing left in `cwd`
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=str(cwd.parent / f".{cwd.name}-ipc"))
        self.km.start_kernel(cwd=str(cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=120)
        except RuntimeError:
            self.close()
            raise

    def execute(self, code: str, silent: bool = False) -> dict:
        out = {"stdout": "", "stderr": "", "results": [], "error": None}

        def hook(msg):
            t, c = msg["header"]["msg_type"], msg["content"]
            if t == "stream":
                out[c["name"]] += c["text"]
            elif t in ("execute_result", "display_data"):
                out["results"].append(c["data"])
            elif t == "error":
                out["error"] = {"ename": c["ename"], "evalue": c["evalue"], "traceback": c["traceback"]}

        reply = self.kc.execute_interactive(code, output_hook=hook, timeout=self.timeout, store_history=not silent,
                                            allow_stdin=False)
        out["status"] = reply["content"]["status"]
        return out

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


class BrowserSide:
    """The site's Pyodide kernel in Chromium (network cut), in a working folder with the data files."""

    def __init__(self, site: Path, files: list[tuple[str, Path]], work: Path, timeout: int = 600):
        from playwright.sync_api import sync_playwright

        from ..browser import BrowserKernel, guarded_context, launch
        from ..serve import serve_in_thread

        root = work / "served"
        shutil.copytree(site, root, copy_function=_link, ignore=shutil.ignore_patterns("*.gz"))
        for rel, src in files:
            dest = root / "parity-data" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            _link(src, dest)
        self.server, url = serve_in_thread(root, port=0)
        self.pw = sync_playwright().start()
        self.browser = launch(self.pw)
        self.context, self.guard = guarded_context(self.browser)
        page = self.context.new_page()
        page.goto(url + "lab/index.html")
        self.kernel = BrowserKernel(page, timeout_ms=timeout * 1000)
        fetch = ("import os\nfrom pyodide.http import pyfetch\n"
                 "os.makedirs('/home/pyodide/parity', exist_ok=True)\nos.chdir('/home/pyodide/parity')\n"
                 f"for _rel in {[rel for rel, _ in files]!r}:\n"
                 f"    _r = await pyfetch({url!r} + 'parity-data/' + __import__('urllib.parse').parse.quote(_rel))\n"
                 "    if not _r.ok:\n        raise OSError(f'{_rel}: HTTP {_r.status}')\n"
                 "    os.makedirs(os.path.dirname(_rel) or '.', exist_ok=True)\n"
                 "    open(_rel, 'wb').write(await _r.bytes())\n"
                 "del os, pyfetch\n")
        out = self.kernel.execute(fetch, silent=True)
        if out["error"]:
            raise ParityError(f"could not put the data files into the browser kernel: {out['error']['evalue']}")

    def execute(self, code: str, silent: bool = False) -> dict:
        return self.kernel.execute(code, silent=silent)

    def close(self) -> None:
        attempts = list(self.guard.attempts)
        self.context.close()
        self.browser.close()
        self.pw.stop()
        self.server.shutdown()
        if attempts:
            raise ParityError(f"the browser kernel tried to reach off the machine: {attempts}")


def _link(src, dst) -> None:
    try:
        Path(dst).hardlink_to(src)
    except OSError:
        shutil.copyfile(src, dst)


def _marked(out: dict) -> dict:
    for line in reversed(out["stdout"].splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    raise ParityError(f"no description came back: {out['error'] or out['stderr'][-500:]}")


def _mime_text(value) -> str:
    """A mime bundle's value as text: Jupyter's (a string, or lines), or the Pyodide kernel's bytes, which reach
    the page as an object of byte values by index (made base64 here, as Jupyter's wire format has it)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and all(k.isdigit() for k in value):
        import base64

        return base64.b64encode(bytes(value[str(i)] for i in range(len(value)))).decode("ascii")
    return "".join(value)


def clean_traceback(error: dict | None) -> dict | None:
    if not error:
        return None
    return {"ename": error["ename"], "evalue": error["evalue"],
            "traceback": ANSI.sub("", "\n".join(error.get("traceback") or []))}


def run_cells(kernel, cells, progress=lambda done, total: None) -> dict:
    """Run `cells` (prepare.Cell) in `kernel`; -> {"versions", "cells": {index: result}}."""
    out = kernel.execute(INSTALL, silent=True)
    if out["error"]:
        raise ParityError(f"could not set the kernel up: {out['error']['ename']}: {out['error']['evalue']}")
    results = {}
    todo = [c for c in cells if not c.skip]
    for n, cell in enumerate(todo, start=1):
        t0 = time.perf_counter()
        res = kernel.execute(cell.code)
        seconds = time.perf_counter() - t0
        snap = kernel.execute("_portlab_parity.snapshot()", silent=True)
        results[cell.index] = {
            "stdout": res["stdout"], "stderr": res["stderr"], "error": clean_traceback(res["error"]),
            "outputs": [{k: _mime_text(v) for k, v in r.items() if k in ("text/plain", "image/png")}
                        for r in res["results"]],
            "values": _marked(snap), "seconds": seconds}
        progress(n, len(todo))
    versions = _marked(kernel.execute("_portlab_parity.versions()", silent=True))
    return {"versions": versions, "cells": results}
