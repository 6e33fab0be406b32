"""Assemble an export: the script, the standalone page, the data files, a README; folder + zip.

Pure standard library: the lab's in-browser export runs this same code in the kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import library as _library
from . import page
from .script import ExportError, Script, notebook_to_script

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"  # `./portlab serve`
#: vendored JS the bridges need, by the module that loads it
#: (cv2: the site's wasm SIMD build where it has one, and the npm build for a browser without SIMD; not the
#: threads build, which needs a cross-origin isolated page)
BRIDGE_VENDOR = {"cv2": ["portinglab/opencv-js-simd", "@techstark/opencv-js"], "onnxruntime": ["onnxruntime-web"]}
PYODIDE_CORE = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
MAX_DATA_BYTES = 200 * 1024 * 1024


@dataclass
class Export:
    name: str
    folder: Path
    zip_path: Path
    script: Script
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)  # a library export's functions


def read_notebook(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        raise ExportError(f"{path} is empty (0 bytes): not a notebook")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path} is not a notebook (not JSON: {exc})") from None


def data_files(script: Script, nb_dir: Path, include: list[str], drive: Path | None = None) -> tuple[list[tuple[str, Path]], list[str]]:
    """The files to ship, `(path in the export, source)`: referenced ones that exist + `include`.

    A path is looked up beside the notebook, then in `drive` (what the lab's `/drive/` is)."""
    found, warnings, seen = [], [], set()
    for rel in list(script.paths) + list(include):
        p = PurePosixPath(rel.replace("\\", "/"))
        full = None
        for base in [nb_dir] + ([drive] if drive is not None else []):
            cand = (base / Path(*p.parts)).resolve() if p.parts else None
            if cand is not None and cand.exists():
                full, root = cand, base.resolve()
                break
        if full is None:
            if rel in include:
                raise ExportError(f"--include {rel}: no such file beside the notebook ({nb_dir})")
            continue
        if root not in full.parents:
            warnings.append(f"{rel} is outside the notebook's folder: not shipped (copy it beside the notebook)")
            continue
        targets = [full] if full.is_file() else sorted(q for q in full.rglob("*") if q.is_file())
        for t in targets:
            relp = t.relative_to(root).as_posix()
            if relp not in seen:
                seen.add(relp)
                found.append((relp, t))
    return found, warnings


def lock_packages(lock: dict, imports: list[str]) -> list[str]:
    """The Pyodide lock's packages (with dependencies) that the script's imports load."""
    pkgs = lock["packages"]
    by_import = {imp: name for name, p in pkgs.items() for imp in p.get("imports", [])}
    todo = [by_import[i] for i in imports if i in by_import]
    seen: set[str] = set()
    while todo:
        n = todo.pop()
        if n in seen or n not in pkgs:
            continue
        seen.add(n)
        todo.extend(pkgs[n].get("depends", []))
    return sorted(seen)


def copy_site_assets(site: Path, dest: Path, script: Script) -> list[str]:
    """--self-contained: copy Pyodide's core, the packages and vendored JS the script needs."""
    pyo = site / "static" / "pyodide"
    if not (pyo / "pyodide-lock.json").is_file():
        raise ExportError(f"{site} is not a built Porting Lab site (no static/pyodide/pyodide-lock.json)")
    lock = json.loads((pyo / "pyodide-lock.json").read_text())
    names = lock_packages(lock, script.imports)
    files = [f"static/pyodide/{f}" for f in PYODIDE_CORE]
    files += [f"static/pyodide/{lock['packages'][n]['file_name']}" for n in names]
    manifest = json.loads((site / "static/vendor/manifest.json").read_text())
    shipped = {}  # the export's own manifest lists only what it copies: the kernel picks among those
    for module, libs in BRIDGE_VENDOR.items():
        if module in script.imports:
            for lib in libs:
                if lib in manifest:
                    shipped[lib] = manifest[lib]
                    files += [manifest[lib]["base"] + f for f in manifest[lib]["files"]]
    (dest / "static/vendor").mkdir(parents=True, exist_ok=True)
    (dest / "static/vendor/manifest.json").write_text(json.dumps(shipped, indent=1), encoding="utf-8")
    files.append("static/vendor/manifest.json")
    for rel in files[:-1]:
        src = site / rel
        if not src.is_file():
            raise ExportError(f"{site}: {rel} is missing (rebuild the site)")
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return files


def export_notebook(
    notebook: Path | str,
    out_dir: Path | str,
    *,
    base_url: str | None = None,
    site: Path | str | None = None,
    include: list[str] = (),
    name: str | None = None,
    strict: bool = False,
    nb: dict | None = None,
    drive: Path | str | None = None,
    library: bool = False,
    functions: list[str] | None = None,
) -> Export:
    """Export `notebook` into `out_dir/<name>/` and `out_dir/<name>.zip`.

    `site`: a built site folder to copy the assets from (self-contained export; the page then
    loads everything from its own folder). Otherwise the page loads them from `base_url`.
    `nb`: the notebook's content when it is not (or not yet) saved at `notebook`.
    `drive`: the folder the lab's `/drive/` stands for (default: the site's `files/` with `site`).
    `library`: also export the notebook's functions as a JavaScript library (`port.js`, library.py), those named
    in `functions` or, by default, those of the cells tagged `portlab-library`, else every public one.
    """
    notebook = Path(notebook)
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest() if notebook.is_file() else None
    if nb is None:
        nb = read_notebook(notebook)
    script = notebook_to_script(nb, notebook.stem, strict=strict)
    name = name or script.name
    port_module = None
    if library or functions:  # the library's module; fail before writing anything when the functions are not there
        from .script import LIBRARY_SKIP_TAGS
        from .signatures import functions as _functions

        port_module = notebook_to_script(nb, notebook.stem, strict=strict, skip_tags=LIBRARY_SKIP_TAGS)
        _functions(port_module.source, functions, None if functions else _library.tagged_cells(nb))
    if drive is None and site is not None and (Path(site) / "files").is_dir():
        drive = Path(site) / "files"
    shipped, warnings = data_files(script, notebook.parent, list(include), Path(drive) if drive else None)
    files = [rel for rel, _ in shipped]
    warnings = script.warnings + warnings
    out_dir = Path(out_dir)
    folder = out_dir / name
    if folder.resolve() == notebook.parent.resolve() or folder.resolve() in notebook.resolve().parents:
        raise ExportError(f"{folder} holds the notebook: choose another output folder")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / f"{name}.py").write_text(script.source, encoding="utf-8")
    total = 0
    for rel, src in shipped:
        total += src.stat().st_size
        if total > MAX_DATA_BYTES:
            raise ExportError(f"the data files pass {MAX_DATA_BYTES >> 20} MB (at {rel}): ship them separately")
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, folder / rel)
    assets: list[str] = []
    if site is not None:
        assets = copy_site_assets(Path(site), folder, script)
        base, base_desc = "./", "this folder (self-contained: Pyodide, the packages and the bridges are copied in)"
        base_note = ""
    else:
        base = base_url or DEFAULT_BASE_URL
        base_desc = f"the Porting Lab site at `{base}`"
        base_note = ("\nThat site must be reachable from the page. For a page that needs nothing else, export with "
                     "`--self-contained --site <built site>`.\n")
    config = {
        "script": f"{name}.py", "worker": page.WORKER, "base_url": base, "files": files,
        "packages": [], "async_main": script.async_main, "notebook": notebook.name,
    }
    (folder / page.CONFIG).write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "index.html").write_text(page.index_html(f"{name}.py"), encoding="utf-8")
    (folder / page.LOADER).write_text(page.LOADER_JS, encoding="utf-8")
    (folder / page.WORKER).write_text(page.WORKER_JS, encoding="utf-8")
    exported = []
    if port_module is not None:
        exported = [f.name for f in _library.write_library(folder, port_module, nb, notebook.name, base, files, functions,
                                                                 assets)]
    listing = ", ".join(f"`{f}`" for f in files) if files else "(none)"
    (folder / "README.md").write_text(page.README.format(
        name=name, notebook=notebook.name, base_desc=base_desc, base_note=base_note,
        data_list=f" ({listing})" if files else "", files=listing + "\n")
        + (page.LIBRARY_README.format(name=name, functions=", ".join(f"`{f}`" for f in exported),
                                      first=exported[0]) if exported else ""), encoding="utf-8")
    zip_path = out_dir / f"{name}.zip"
    write_zip(folder, zip_path, name)
    if digest is not None and hashlib.sha256(notebook.read_bytes()).hexdigest() != digest:
        raise ExportError(f"{notebook} changed during the export (it was being saved?): export again")
    return Export(name=name, folder=folder, zip_path=zip_path, script=script, files=files, warnings=warnings,
                  functions=exported)


def write_zip(folder: Path, zip_path: Path, top: str) -> None:
    tmp = zip_path.with_name(zip_path.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                arc = posixpath.join(top, p.relative_to(folder).as_posix())
                zf.write(p, arc, compress_type=zipfile.ZIP_STORED if p.suffix in (".wasm", ".whl", ".zip") else zipfile.ZIP_DEFLATED)
    os.replace(tmp, zip_path)
