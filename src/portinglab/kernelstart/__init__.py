"""The kernel's early start: Porting Lab's build of jupyterlite-pyodide-kernel 0.6.1's worker.

A stock JupyterLite creates the kernel's worker only once the notebook's session asks for a kernel (~3 s
after the page opens), and the worker then spends ~5 s of CPU loading Pyodide, its packages and the kernel.
The build patches the pinned labextension (each file verified by sha256 before it is touched) so that:

* `static/portinglab/kernel-prewarm.js`, loaded by `lab/` and `notebooks/index.html` before JupyterLab,
  creates the kernel's worker at once and has it load Pyodide, the preloaded packages and `pyodide_kernel`
  while JupyterLab starts;
* the kernel class's `initWorker` (chunk 592) takes that worker for the first kernel the page creates
  (only when its options are the ones the prewarm used), otherwise creates one as before: a worker is
  only ever one kernel's, so the notebook's session and any other cannot race for it;
* the kernel plugin (chunk 154) waits for the service worker's registration before it decides whether to
  mount the drive (a second visit re-registers it while the prewarm's requests go through it);
* the comlink worker (chunk 352) gets a subclass of its kernel (`worker-patch.js`) whose `initialize`
  does only the per-kernel part after a prewarm (drive, folder, piplite settings) and falls back to the
  stock start if the prewarm failed.

The worker's `initRuntime` also takes the preload's pure-Python packages from one image the build unpacks
(`preload.py`, `preload.js`), and the site's service worker is patched to leave files to the browser's caches while
the server answers (`serviceworker.py`).

The kernel's memory snapshot (`snapshot.js`, `snapshot_state.py`): 25 s after a page's first kernel started, if
its worker found no snapshot for this build, the page has a worker of its own make one (Pyodide, the image,
`piplite` and `pyodide_kernel` imported with the side-module stdlib modules deferred) and store it in Cache
Storage under a key naming the build (`snapshot_config`). Later kernels (a returning visit, a restart's spare)
start Pyodide from it, load the side modules and the image again and resume; any failure removes it and starts
the stock way in the same worker.

Patched chunks get new content-hashed names (and the federated extension's `remoteEntry` with them), so a
host caching hashed files forever never mixes the stock and the patched code.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from . import preload

HERE = Path(__file__).resolve().parent
EXTENSION = "extensions/@jupyterlite/pyodide-kernel-extension"
VERSION = "0.6.1"
#: the stock files this build patches, as jupyterlite-pyodide-kernel 0.6.1's wheel ships them
#: (requirements.lock pins the wheel by hash; these pin the files inside it)
STOCK = {
    "remoteEntry": ("static/remoteEntry.3745c44cbbd62cec9a73.js",
                    "58e3a0998c9d69079d3e0278b9cc58d320fba9082796db1c10e919969c085dc5"),
    "kernel": ("static/592.dfd0b9431bfb4edbbcd2.js",
               "cd94b8412d0f48a1b01f4f718b16e8d0b03fabd5c1b8bbf020de2848c6a1f452"),
    "worker": ("static/352.cc74f63a8f779ace30b6.js",
               "5c3267772b9644b7f904fd213f6e34313a72cc21cce268c412b474ecea012db6"),
    "plugin": ("static/154.9daf5d5cf7ea7d049dcd.js",
               "ce42f401ff77c41c540909690c3b430deadae7ec24863de5e09d4acec37d5704"),
}
#: each patch replaces exactly one occurrence
WORKER_ANCHOR = "Fd=new ms;$t(Fd)}"
KERNEL_ANCHOR = "new Worker(new URL(n.p+n.u(352),n.b),{type:void 0})"
KERNEL_PATCH = ("(globalThis.__portinglabTakeWorker&&globalThis.__portinglabTakeWorker(e)||"
                + KERNEL_ANCHOR + ")")
# The kernel plugin mounts the drive only if the service worker is registered when the kernel is created. On a
# second visit JupyterLite re-registers its service worker (it stores its version only once a page is controlled)
# and the prewarm's requests go through that worker, so a kernel created as soon as the lab is restored could find
# no registration yet and start without the drive: wait for it (5 s at most, as a failed registration rejects).
PLUGIN_ANCHOR = "l=!(!(null==i?void 0:i.enabled)&&!crossOriginIsolated)"
PLUGIN_PATCH = ("__plSW=await(i&&i.ready?Promise.race([i.ready.catch(()=>{}),new Promise(r=>setTimeout(r,5e3))]):null),"
                + PLUGIN_ANCHOR)
PREWARM_JS = "static/portinglab/kernel-prewarm.js"
PRELOAD_JS = "static/portinglab/preload.js"
SNAPSHOT_JS = "static/portinglab/snapshot.js"
#: where a browser stores the kernel's snapshot (Cache Storage; never on the server), relative to the kernel's
#: Pyodide URL; the file name is the snapshot's key
WORKER_SNAPSHOT_DIR = "../portinglab/kernel-snapshot/"
PYODIDE_DIR = "static/pyodide"
#: the apps whose pages start a kernel
APPS = ("lab", "notebooks")
SCRIPT_TAG = '<script src="../static/portinglab/kernel-prewarm.js"></script>'
SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")


class KernelStartError(RuntimeError):
    pass


@dataclass
class Patched:
    worker: str  # the patched worker chunk, relative to the site
    kernel: str
    remote_entry: str


def _hash20(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def replace_once(text: str, old: str, new: str, where: str, times: int = 1) -> str:
    count = text.count(old)
    if count != times:
        raise KernelStartError(f"{where}: expected the patch's anchor {old!r} {times} time(s), found it {count}")
    return text.replace(old, new)


def patched_worker(stock: str, preload: dict | None = None) -> str:
    """`preload`: the configuration of the preload image (preload.write_image), or None for none."""
    body = replace_once((HERE / "worker-patch.js").read_text(encoding="utf-8"), "__PORTINGLAB_PRELOAD__",
                        json.dumps(preload, sort_keys=True), "worker-patch.js")
    # the patch ends the worker module's function (its closing brace is the anchor's last character)
    return SOURCE_MAP.sub("\n", replace_once(stock, WORKER_ANCHOR, "\n" + body + "}", "worker chunk 352"))


def patched_kernel(stock: str) -> str:
    return SOURCE_MAP.sub("\n", replace_once(stock, KERNEL_ANCHOR, KERNEL_PATCH, "kernel chunk 592"))


def patched_plugin(stock: str) -> str:
    return SOURCE_MAP.sub("\n", replace_once(stock, PLUGIN_ANCHOR, PLUGIN_PATCH, "plugin chunk 154"))


def snapshot_config(preload_config: dict, lock_bytes: bytes) -> dict:
    """The worker's configuration of the kernel's memory snapshot (snapshot.js, snapshot_state.py). Its key names
    everything a stored snapshot depends on: a browser restores only a snapshot made by this very build."""
    python = (HERE / "snapshot_state.py").read_text(encoding="utf-8")
    digest = hashlib.sha256()
    for part in (json.dumps(preload_config, sort_keys=True).encode(), lock_bytes, python.encode(),
                 (HERE / "snapshot.js").read_bytes(), (HERE / "worker-patch.js").read_bytes()):
        digest.update(hashlib.sha256(part).digest())
    key = digest.hexdigest()[:16]
    return {"key": key, "url": f"{WORKER_SNAPSHOT_DIR}{key}.bin", "python": python}


def prewarm_script(worker: str, packages: list[str], snapshot: dict | None = None) -> str:
    config = {"worker": worker, "pyodideUrl": paths.PYODIDE_URL,
              "loadPyodideOptions": {"packages": packages},
              # the page only needs the key: it keeps it as "this browser made a snapshot of this build"
              "snapshot": snapshot["key"] if snapshot else None}
    text = (HERE / "kernel-prewarm.js").read_text(encoding="utf-8")
    return replace_once(text, "__PORTINGLAB_PREWARM_CONFIG__", json.dumps(config), "kernel-prewarm.js")


def inject_script(html: str, where: str) -> str:
    """The prewarm script goes first in <head>: it runs before JupyterLab's own scripts are even fetched."""
    return replace_once(html, "<head>", "<head>\n    " + SCRIPT_TAG, where)


def read_verified(path: Path, sha256: str, what: str, error: type[Exception] = KernelStartError) -> str:
    """The text of a stock file (`what` ships it), checked by sha256 before anything patches it."""
    if not path.exists():
        raise error(f"{path} is missing: not {what}")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise error(f"{path}: sha256 {actual}, expected {sha256} ({what})")
    return data.decode("utf-8")


def _stock(ext: Path, key: str) -> str:
    rel, sha = STOCK[key]
    return read_verified(ext / rel, sha, f"jupyterlite-pyodide-kernel {VERSION}'s labextension")


def _rehash(ext: Path, rel: str, text: str) -> str:
    """Write `text` as `rel` renamed for its content (`<chunk>.<hash20>.js`), remove the stock file."""
    old = ext / rel
    stem = old.name.split(".")[0]
    new = old.with_name(f"{stem}.{_hash20(text.encode())}.js")
    new.write_text(text, encoding="utf-8")
    old.unlink()
    for extra in (old.with_name(old.name + ".LICENSE.txt"),):
        if extra.exists():
            extra.rename(new.with_name(new.name + ".LICENSE.txt"))
    return new.relative_to(ext).as_posix()


def patch_site(site: Path) -> Patched:
    """Patch the built `site` in place (before precompression and the manifest)."""
    ext = site / EXTENSION
    version = json.loads((ext / "package.json").read_text(encoding="utf-8")).get("version")
    if version != VERSION:
        raise KernelStartError(f"{ext}: jupyterlite-pyodide-kernel {version}, this patch is for {VERSION}")
    # every stock file verified and patched in memory before anything is written
    remote = _stock(ext, "remoteEntry")
    packages = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"][
        "litePluginSettings"][paths.KERNEL_PLUGIN]["loadPyodideOptions"]["packages"]
    preload_config = None
    if (site / PYODIDE_DIR / preload.LOCK).exists():
        _image, preload_config = preload.write_image(site, site / PYODIDE_DIR, packages)
        preload_config["snapshot"] = snapshot_config(preload_config, (site / PYODIDE_DIR / preload.LOCK).read_bytes())
        for name, rel in (("preload.js", PRELOAD_JS), ("snapshot.js", SNAPSHOT_JS)):
            (site / rel).write_text((HERE / name).read_text(encoding="utf-8"), encoding="utf-8")
    patches = {"worker": lambda stock: patched_worker(stock, preload_config), "kernel": patched_kernel,
               "plugin": patched_plugin}
    texts = {key: patch(_stock(ext, key)) for key, patch in patches.items()}
    renamed = {key: _rehash(ext, STOCK[key][0], text) for key, text in texts.items()}
    worker, kernel = renamed["worker"], renamed["kernel"]
    # webpack finds chunk N at N.<hash>.js?v=<hash> through remoteEntry's two tables
    for key, rel in renamed.items():
        stem, old_hash = Path(STOCK[key][0]).name.split(".")[:2]
        remote = replace_once(remote, f'{stem}:"{old_hash}"', f'{stem}:"{rel.split(".")[1]}"', "remoteEntry", 2)
    old_entry = STOCK["remoteEntry"][0]
    entry = _rehash(ext, old_entry, SOURCE_MAP.sub("\n", remote))
    for config in [site / "jupyter-lite.json", ext / "package.json"]:
        text = config.read_text(encoding="utf-8")
        config.write_text(replace_once(text, f'"{old_entry}"', f'"{entry}"', str(config)), encoding="utf-8")
    script = site / PREWARM_JS
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(prewarm_script(f"{EXTENSION}/{worker}", packages,
                                     preload_config and preload_config["snapshot"]), encoding="utf-8")
    for app in APPS:
        page = site / app / "index.html"
        page.write_text(inject_script(page.read_text(encoding="utf-8"), str(page)), encoding="utf-8")
    return Patched(f"{EXTENSION}/{worker}", f"{EXTENSION}/{kernel}", f"{EXTENSION}/{entry}")


def check_site(site: Path) -> None:
    """A built or deployed copy: each app page loads the prewarm script, whose worker and the chunks it pairs
    with are there (a missing worker script would only cost the early start, but says the copy is incomplete)."""
    if not (site / EXTENSION).exists():
        return  # no Pyodide kernel extension (a stand-in site of the unit tests): nothing to start early
    script = site / PREWARM_JS
    if not script.exists():
        raise KernelStartError(f"{script} is missing")
    config = json.loads(script.read_text(encoding="utf-8").split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    if not (site / config["worker"]).exists():
        raise KernelStartError(f"{script} names the kernel worker {config['worker']}, which is missing")
    for app in APPS:
        page = site / app / "index.html"
        if SCRIPT_TAG not in page.read_text(encoding="utf-8"):
            raise KernelStartError(f"{page} does not load {PREWARM_JS}")
    worker = (site / config["worker"]).read_text(encoding="utf-8")
    images = sorted((site / preload.IMAGE_DIR).glob("site-packages.*.pack"))
    if not images:
        return  # a site without a Pyodide distribution of its own (unit tests): the worker loads no image
    if len(images) != 1 or preload.WORKER_IMAGE_DIR + images[0].name not in worker:
        raise KernelStartError(f"the kernel worker does not name the preload image {[p.name for p in images]}")
    if hashlib.sha256(images[0].read_bytes()).hexdigest()[:16] != images[0].name.split(".")[1]:
        raise KernelStartError(f"{images[0]} does not match the sha256 in its name")
    for rel in (PRELOAD_JS, SNAPSHOT_JS):
        if not (site / rel).exists():
            raise KernelStartError(f"{site / rel} is missing")
    if config.get("snapshot") and f'{WORKER_SNAPSHOT_DIR}{config["snapshot"]}.bin' not in worker:
        raise KernelStartError(f"{script} and the kernel worker name different kernel snapshots")
