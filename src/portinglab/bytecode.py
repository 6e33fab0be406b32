"""Bytecode for what a kernel start imports, compiled at build time by the site's own Pyodide.

Pyodide 0.27.7 ships sources only (`python_stdlib.zip` and the package wheels hold no
`.pyc`), so every kernel start, first visit or not, compiles the ~700 modules that
IPython, ipykernel and the stdlib under them import (pycs written to the in-memory file
system die with the page). The build runs the distribution's own Pyodide in Node, imports
what the kernel worker imports at start plus a first cell's imports, and compiles each
imported module with that same interpreter (CPython 3.12.7, its magic number). The pycs
are hash-based (PEP 552), so no mtime is involved:

* stdlib modules: `<module>.pyc` beside the `.py` in `python_stdlib.zip`, unchecked
  (the zip is read-only);
* package modules: `__pycache__/<module>.cpython-312.pyc` in their wheel, *checked*: an
  import hashes the source first, so a site-packages file edited in the kernel still wins.

Sources stay, so tracebacks and `inspect` show code as before. The rewritten wheels get
new sha256s in the site's lock; everything else in them is byte for byte the original.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .fetch import sha256_of
from .pyodide_dist import LOCK, PyodideDist

STDLIB_ZIP = "python_stdlib.zip"
#: the kernel worker's own start (jupyterlite-pyodide-kernel 0.6.1, worker.js) and the
#: first cells of the notebooks; an import that fails in Node (a bridge reaching for the
#: page) still leaves compiled whatever it imported before failing
STARTUP_IMPORTS = ("piplite.piplite", "pyodide_kernel", "numpy", "cv2", "onnxruntime", "ipywidgets")
#: lock packages loaded in Node besides the kernel's preload, for the imports above
EXTRA_PACKAGES = ("numpy", "portinglab-kernel", "ipywidgets")
#: fixed zip entry time: the same sources give the same files
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Runs inside Pyodide (Node) after the packages are loaded.
COMPILE_SCRIPT = """
import importlib, importlib.util, json, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

for name in {imports!r}:
    try:
        importlib.import_module(name)
    except Exception as e:  # a bridge may need the browser; keep what it imported
        print(f"[bytecode] import {{name}}: {{type(e).__name__}}: {{e}}")
site = importlib.import_module("pyodide._package_loader").SITE_PACKAGES.as_posix() + "/"
stdlib = next(p for p in sys.path if p.endswith(".zip")) + "/"
index = {{"cache_tag": sys.implementation.cache_tag, "hash_randomization": sys.flags.hash_randomization,
         "no_debug_ranges": next(compile("x", "<t>", "eval").co_positions())[2] is None,
         "stdlib": {{}}, "site": {{}}}}
with zipfile.ZipFile(stdlib[:-1]) as std, zipfile.ZipFile("/bytecode.zip", "w") as out:
    for module in sorted(sys.modules.values(), key=lambda m: m.__name__):
        path = getattr(module, "__file__", None) or ""
        if not path.endswith(".py"):
            continue
        if path.startswith(stdlib):
            kind, rel = "stdlib", path[len(stdlib):]
            source, pyc = std.read(rel), rel + "c"
        elif path.startswith(site):
            kind, rel = "site", path[len(site):]
            source, pyc = open(path, "rb").read(), importlib.util.cache_from_source(rel)
        else:
            continue
        code = compile(source, path, "exec", dont_inherit=True)
        data = _code_to_hash_pyc(code, importlib.util.source_hash(source), checked=kind == "site")
        out.writestr(f"{{kind}}/{{pyc}}", data)
        index[kind][rel] = pyc
    out.writestr("index.json", json.dumps(index))
"""


class BytecodeError(RuntimeError):
    """Compiling the start-up bytecode failed (Node missing, Pyodide failed in Node)."""


@dataclass
class Bytecode:
    stdlib: int
    site: int
    wheels: list[str]


def compile_startup(dist_root: Path, preload: list[str], work: Path) -> Path:
    """Run the distribution's Pyodide in Node; returns the zip of pycs and its `index.json`."""
    node = shutil.which("node")
    if node is None:
        raise BytecodeError("node (Node.js 20) is needed to compile the kernel's start-up bytecode")
    request = work / "bytecode-request.json"
    request.write_text(json.dumps({
        "packages": [*preload, *EXTRA_PACKAGES],
        "script": COMPILE_SCRIPT.format(imports=STARTUP_IMPORTS),
    }))
    out = work / "bytecode.zip"
    proc = subprocess.run([node, str(Path(__file__).with_name("bytecode.mjs")), str(dist_root.resolve()),
                           str(request), str(out)], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=600)
    if proc.returncode != 0 or not out.exists():
        # Node echoes the minified source line of a JS error: leave such lines out
        stderr = "\n".join(line if len(line) < 1000 else line[:120] + " ..." for line in proc.stderr.splitlines())
        raise BytecodeError(f"compiling the start-up bytecode in Pyodide failed:\n{proc.stdout[-2000:]}\n"
                            f"{stderr[-3000:]}")
    return out


def rewrite_zip(path: Path, add: dict[str, bytes], record: str | None = None) -> None:
    """Copy `path` entry by entry (contents unchanged), adding `add`; append the new names to `record`.

    Pure-Python archives get *stored* entries, not deflated ones: the build gzips the whole file
    and the server sends it `Content-Encoding: gzip`; one stream compresses better than entry by
    entry (1.8 MB less for what a kernel start loads) and the browser, not Pyodide, inflates it.
    Archives with shared libraries keep deflate (gzip would gain 2 % and a host that does not send
    the .gz would serve them 3.4x larger)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
        binary = any(name.endswith(".so") or ".so." in name for name in src.namelist())
        how = zipfile.ZIP_DEFLATED if binary else zipfile.ZIP_STORED
        for info in src.infolist():
            data = src.read(info)
            if info.filename == record:
                data = data + "".join(f"{name},,\n" for name in sorted(add)).encode()
            dst.writestr(info, data, compress_type=info.compress_type if binary else how)
        for name in sorted(add):
            dst.writestr(zipfile.ZipInfo(name, ZIP_TIME), add[name], compress_type=how)
    tmp.replace(path)


def add_startup_bytecode(dist: PyodideDist, preload: list[str], log=print) -> Bytecode:
    """Compile the start-up modules and put their pycs into `dist` (stdlib zip, wheels, lock)."""
    with tempfile.TemporaryDirectory(prefix="bytecode-") as tmp:
        with zipfile.ZipFile(compile_startup(dist.root, preload, Path(tmp))) as zf:
            index = json.loads(zf.read("index.json"))
            if index["hash_randomization"]:
                raise BytecodeError("PYTHONHASHSEED=0 did not reach Pyodide: the pycs would not be reproducible")
            if not index["no_debug_ranges"]:
                raise BytecodeError("PYTHONNODEBUGRANGES=1 did not reach Pyodide: the pycs would carry column tables")
            stdlib = {pyc: zf.read(f"stdlib/{pyc}") for pyc in index["stdlib"].values()}
            site = {src: (pyc, zf.read(f"site/{pyc}")) for src, pyc in index["site"].items()}

    rewrite_zip(dist.root / STDLIB_ZIP, stdlib)
    wheels, placed = [], 0
    for entry in dist.lock["packages"].values():
        wheel = dist.root / entry["file_name"]
        if wheel.suffix != ".whl" or entry.get("install_dir", "site") != "site":
            continue
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
        add = {site[n][0]: site[n][1] for n in names if n in site}
        if not add:
            continue
        record = next((n for n in names if n.endswith(".dist-info/RECORD") and n.count("/") == 1), None)
        rewrite_zip(wheel, add, record)
        placed += len(add)
        entry["sha256"] = sha256_of(wheel)
        wheels.append(wheel.name)
    (dist.root / LOCK).write_text(json.dumps(dist.lock, indent=1, sort_keys=True), encoding="utf-8")
    log(f"[bytecode] {len(stdlib)} stdlib and {placed} package modules compiled by Pyodide "
        f"({index['cache_tag']}); {len(wheels)} wheels rewritten")
    return Bytecode(stdlib=len(stdlib), site=placed, wheels=sorted(wheels))
