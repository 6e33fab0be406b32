"""Page open -> kernel idle -> first cell output: Porting Lab vs a vanilla JupyterLite.

Both sites use the same self-hosted Pyodide 0.27.7 (official npm core, the same
verified package files); the vanilla one has nothing else: only the Pyodide
kernel's own labextension, and the `comm` wheel its kernel cannot start without.
Each load is timed in the page (performance.now(), origin = navigation start) in
Debian's Chromium, served from loopback by the project's server, network cut.

    ./portlab bench [--runs N] [--reuse]

Prints medians and ratios (Porting Lab / vanilla), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from browser import CHROMIUM, CHROMIUM_ARGS, NOTEBOOK_KERNEL_IDLE_JS  # noqa: E402
from portinglab import paths  # noqa: E402
from portinglab.fetch import fetch_all  # noqa: E402
from portinglab.pins import load_pins  # noqa: E402
from portinglab.pyodide_dist import assemble_pyodide, write_tarball  # noqa: E402
from portinglab.serve import serve_in_thread  # noqa: E402
from portinglab.site import build_site, run_jupyter_lite_build, verify_site  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
FIRST_CELL = "import numpy\nprint(numpy.__version__)"
#: issue 8's goal: Porting Lab's first cell imports its bridges too (`--lab-cell bridges`)
LAB_CELLS = {"numpy": FIRST_CELL, "bridges": "import cv2, onnxruntime, numpy\nprint(numpy.__version__)"}

# Timed in the page: wait for the notebook's kernel to be idle, then run the first cell.
MEASURE_JS = """
async (code) => {
  const kernel = await window.__notebookKernelIdle();
  const idle = performance.now();
  const output = await new Promise((resolve, reject) => {
    const future = kernel.requestExecute({code});
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === 'stream') resolve(performance.now());
      if (msg.header.msg_type === 'error') reject(new Error(msg.content.evalue));
    };
  });
  return {idle, output};
}
"""


# Kernel restart, timed in the page once the visit is RESTART_AT_S old (both sites alike; Porting Lab has
# its spare worker prewarmed by then): restart the notebook's kernel -> idle -> the first cell's output.
RESTART_AT_S = 30
RESTART_JS = """
async ([code, atMs]) => {
  while (performance.now() < atMs) await new Promise(r => setTimeout(r, 100));
  const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
  const t0 = performance.now();
  await ctx.restartKernel();
  let kernel;
  while (!(kernel = ctx.session?.kernel) || kernel.status !== 'idle') await new Promise(r => setTimeout(r, 10));
  const idle = performance.now() - t0;
  const output = await new Promise((resolve, reject) => {
    const future = kernel.requestExecute({code});
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === 'stream') resolve(performance.now() - t0);
      if (msg.header.msg_type === 'error') reject(new Error(msg.content.evalue));
    };
  });
  return {idle, output};
}
"""


def wheel_from_lock(requirement: str, dest: Path) -> Path:
    """A wheel pinned in requirements.lock (hash-checked by pip)."""
    name = requirement.split("==")[0]
    lock = (ROOT / "requirements.lock").read_text().replace("\\\n", " ").splitlines()
    line = next(l for l in lock if l.lower().startswith(requirement.lower()))
    pinned = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    pinned.write(line + "\n")
    pinned.close()
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
                    "-r", pinned.name, "-d", str(dest)], check=True, stdin=subprocess.DEVNULL)
    return next(dest.glob(f"{name.replace('-', '_')}-*.whl"))


def build_vanilla(out: Path) -> Path:
    """A plain JupyterLite: same Pyodide, the Pyodide kernel, comm, one notebook."""
    pins = load_pins()
    fetched = fetch_all(pins, paths.CACHE, log=lambda *_: None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dist = assemble_pyodide(fetched.pyodide_core, pins.pyodide_core.files, pins.pyodide_version,
                                fetched.pyodide_packages, pins.pyodide_packages.prefix, [], work / "pyodide")
        tarball = write_tarball(dist.root, work / "pyodide.tar.bz2")
        lite = work / "lite"
        (lite / "content").mkdir(parents=True)
        (lite / "pypi").mkdir()
        comm = next(path for pin, path in fetched.wheels if pin.requirement.startswith("comm=="))
        (lite / "pypi" / comm.name).write_bytes(comm.read_bytes())
        (lite / "content" / "bench.ipynb").write_text(json.dumps(notebook(FIRST_CELL)))
        (lite / "jupyter-lite.json").write_text(json.dumps({
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"exposeAppInBrowser": True, "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {"disablePyPIFallback": True}}},
        }))
        kernel_ext = wheel_from_lock("jupyterlite-pyodide-kernel==", work)
        run_jupyter_lite_build(lite, out, tarball, work, extra_args=(
            "--contents", str(lite / "content"), "--ignore-sys-prefix",
            f"--LiteBuildConfig.federated_extensions={kernel_ext}",
        ), log=lambda *_: None)
    return out


def notebook(code: str) -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": code}],
            "metadata": {"kernelspec": {"name": "python", "display_name": "Python (Pyodide)"}},
            "nbformat": 4, "nbformat_minor": 5}


def settle(server, quiet_s: float = 3.0, limit_s: float = 60.0) -> None:
    """Wait until the server has answered nothing for `quiet_s` (loads a cell started in the
    background, e.g. the bridges' opencv.js, belong to the visit that started them)."""
    deadline = time.monotonic() + limit_s
    last, since = server.responses, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.2)
        if server.responses != last:
            last, since = server.responses, time.monotonic()


def measure(playwright, server, url: str, code: str, runs: int) -> dict[str, list[float]]:
    """`runs` cold loads (a fresh browser profile: empty caches, no service worker), each followed
    by one warm load (same profile, second visit). Bytes and responses are counted by
    the server: the page's own resource timing misses what the kernel's worker loads.

    A profile on disk, as a user's browser has (not an incognito context): Chromium keeps V8's code cache (compiled
    JavaScript and WebAssembly) only there, and a warm visit is what a returning user gets."""
    samples = {k: [] for k in ("cold_idle", "cold_output", "warm_idle", "warm_output",
                               "cold_mb", "cold_requests", "warm_mb", "warm_requests",
                               "restart_idle", "restart_output", "snapshot_mb", "snapshot_make_s",
                               "warm_restored", "storage_mb")}
    for _ in range(runs):
        # no request routing here: Playwright's routing turns the HTTP cache off, which a
        # warm visit needs; Chromium's proxy (a closed loopback port) still keeps every
        # request on the machine
        profile = tempfile.TemporaryDirectory(prefix="startup-profile-")
        context = playwright.chromium.launch_persistent_context(
            profile.name, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = context.new_page()
        page.set_default_timeout(300_000)
        for visit in ("cold", "warm"):
            before = (server.bytes_sent, server.responses)
            page.goto(url)
            page.evaluate(NOTEBOOK_KERNEL_IDLE_JS)
            result = page.evaluate(MEASURE_JS, code)
            settle(server)  # what the first cell started in the background (opencv.js) counts too
            result["bytes"] = server.bytes_sent - before[0]
            result["requests"] = server.responses - before[1]
            samples[f"{visit}_idle"].append(result["idle"] / 1000)
            samples[f"{visit}_output"].append(result["output"] / 1000)
            samples[f"{visit}_mb"].append(result["bytes"] / 1e6)
            samples[f"{visit}_requests"].append(result["requests"])
            if visit == "cold" and page.evaluate("typeof window.__portinglabMakeSnapshot === 'function'"):
                # a first visit that lasts: the page makes the kernel's snapshot 25 s after its first kernel
                # started (kernelstart/snapshot.js); asked for here at once, and waited for
                made = page.evaluate("window.__portinglabMakeSnapshot()")
                if "error" in made:
                    raise SystemExit(f"the kernel snapshot was not made: {made['error']}")
                samples["snapshot_mb"].append(made["bytes"] / 1e6)
                samples["snapshot_make_s"].append(made["seconds"])
            if visit == "warm":
                snapshot = page.evaluate("(window.portinglabKernelStart || {}).snapshot || null")
                samples["warm_restored"].append(1 if snapshot and snapshot.get("restored") else 0)
                restart = page.evaluate(RESTART_JS, [code, RESTART_AT_S * 1000])
                samples["restart_idle"].append(restart["idle"] / 1000)
                samples["restart_output"].append(restart["output"] / 1000)
                # what the site keeps in this browser: the offline cache, and the kernel's snapshot
                samples["storage_mb"].append(page.evaluate("navigator.storage.estimate()")["usage"] / 1e6)
        context.close()
        profile.cleanup()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="reuse sites built by an earlier run")
    parser.add_argument("--lab-cell", choices=sorted(LAB_CELLS), default="numpy",
                        help="Porting Lab's first cell (vanilla always runs `import numpy`)")
    args = parser.parse_args()

    lab_site, vanilla_site = RESULTS / "portinglab-site", RESULTS / "vanilla-site"
    if not (args.reuse and lab_site.exists()):
        build_site(lab_site, log=lambda *_: None)
    verify_site(lab_site)
    if not (args.reuse and vanilla_site.exists()):
        build_vanilla(vanilla_site)
    lab_cell = LAB_CELLS[args.lab_cell]
    # the cell is sent to the notebook's kernel by the harness; the notebook opened is any small one
    from playwright.sync_api import sync_playwright

    lab_server, lab_url = serve_in_thread(lab_site, port=0)
    vanilla_server, vanilla_url = serve_in_thread(vanilla_site, port=0)
    rows = {}
    sites = [("vanilla", vanilla_server, f"{vanilla_url}lab/index.html?path=bench.ipynb", FIRST_CELL),
             ("portinglab", lab_server, f"{lab_url}lab/index.html?path=en/01-welcome.ipynb", lab_cell)]
    with sync_playwright() as p:
        # one run of each site in turn, so that the machine's load, which drifts on a shared VM, weighs on both
        for _ in range(args.runs):
            for name, server, url, code in sites:
                for key, values in measure(p, server, url, code, 1).items():
                    rows.setdefault(name, {}).setdefault(key, []).extend(values)
    lab_server.shutdown()
    vanilla_server.shutdown()

    print(f"\nStartup, median of {args.runs} loads each; {platform.node()}, {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores; Chromium {CHROMIUM_VERSION()}")
    print(f"{'metric':32} {'Porting Lab':>12} {'vanilla':>12} {'ratio':>7}")
    labels = {
        "cold_idle": "cold: page open -> kernel idle, s",
        "cold_output": "cold: page open -> 1st output, s",
        "warm_idle": "warm: page open -> kernel idle, s",
        "warm_output": "warm: page open -> 1st output, s",
        "cold_mb": "cold: MB served",
        "cold_requests": "cold: requests served",
        "warm_mb": "warm: MB served",
        "warm_requests": "warm: requests served",
        "restart_idle": "restart -> kernel idle, s",
        "restart_output": "restart -> 1st output, s",
        "warm_restored": "warm: kernel from snapshot (0/1)",
        "snapshot_mb": "snapshot stored, MB",
        "snapshot_make_s": "snapshot made in, s",
        "storage_mb": "browser storage used, MB",
    }
    summary = {}
    for key, label in labels.items():
        lab = statistics.median(rows["portinglab"][key]) if rows["portinglab"][key] else 0.0
        van = statistics.median(rows["vanilla"][key]) if rows["vanilla"][key] else 0.0
        summary[key] = {"portinglab": lab, "vanilla": van, "ratio": lab / van if van else None}
        ratio = f"{lab / van:7.2f}" if van else f"{'-':>7}"
        print(f"{label:32} {lab:12.2f} {van:12.2f} {ratio}")
    # issue 8's goal: a second visit in at most half the time of the first
    warm_cold = {name: statistics.median(rows[name]["warm_output"]) / statistics.median(rows[name]["cold_output"])
                 for name in rows}
    summary["warm_over_cold_output"] = warm_cold
    print(f"{'warm / cold, 1st output':32} {warm_cold['portinglab']:12.2f} {warm_cold['vanilla']:12.2f}")
    print("first cells: Porting Lab", repr(lab_cell), "| vanilla", repr(FIRST_CELL))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps({"runs": args.runs, "samples": rows, "medians": summary}, indent=1))
    return 0


def CHROMIUM_VERSION() -> str:
    return subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
