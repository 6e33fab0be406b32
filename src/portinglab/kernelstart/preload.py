"""The kernel's preload as one file system image: what `loadPyodide({packages})` would unpack, unpacked once.

The kernel's worker asks Pyodide to load ~20 pure-Python wheels (IPython, jedi, prompt_toolkit, ...: 3,200
files) at every start. Pyodide 0.27.7 unpacks each wheel in Python (`shutil.unpack_archive` inside wasm) and
fetches each one separately. The build unpacks them here instead, in CPython, into one gzip-compressed image
(`static/portinglab/preload/site-packages.<sha>.pack`) that `preload.js` writes straight into the in-memory
file system with `FS.writeFile`, while Pyodide itself starts; the packages with compiled parts (ssl, sqlite3,
openssl) are still loaded by Pyodide, whose dynamic linker they need.

The image holds exactly what Pyodide's `unpack_buffer` would write for each wheel (its files, plus the
`INSTALLER` and `PYODIDE_SOURCE` records in the wheel's .dist-info) and the worker marks the packages as loaded
with Pyodide's own channel name; tests/site/test_kernel_start.py compares the two file trees in Chromium.
Every wheel is checked against the sha256 in the site's pyodide-lock.json before it is read.

Layout (little-endian): u32 header length, the header (JSON: the packages, then `[path, size]` per file,
directories as size -1; paths relative to site-packages, or absolute for data files), then the files' bytes in header order; all gzip-compressed (mtime 0: reproducible).
The `.pack` suffix keeps hosts from serving it with a Content-Encoding of their own choosing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..pyodide_dist import LOCK, canonical

FORMAT = 1
SITE_PACKAGES = "/lib/python3.12/site-packages"
#: Pyodide's sys.prefix, where a wheel's data files go (paths starting with "/" in the image are absolute)
PREFIX = "/"
#: what Pyodide 0.27.7's loadPackage records (load-package.ts: installer, source; loadedPackages' channel)
INSTALLER = "pyodide.loadPackage"
SOURCE = "pyodide"
CHANNEL = "default channel"
IMAGE_DIR = "static/portinglab/preload"
#: the image's folder as the worker names it: relative to the kernel's Pyodide URL (<root>/static/pyodide/pyodide.js)
WORKER_IMAGE_DIR = "../portinglab/preload/"


class PreloadError(RuntimeError):
    pass


@dataclass(frozen=True)
class Image:
    data: bytes  # the .pack file (gzip)
    packages: list[str]  # in the image, as the lock names them
    load_packages: list[str]  # still loaded by Pyodide (compiled parts), in dependency order
    files: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def file_name(self) -> str:
        return f"site-packages.{self.sha256[:16]}.pack"


def closure(lock: dict, requested: list[str]) -> list[str]:
    """The requested packages and their dependencies, depth first, as the lock names them."""
    packages = lock["packages"]
    order: list[str] = []

    def walk(name: str) -> None:
        key = canonical(name)
        if key not in packages:
            raise PreloadError(f"{name!r} is not in the site's pyodide-lock.json")
        if key in order:
            return
        order.append(key)
        for dep in packages[key].get("depends", []):
            walk(dep)

    for name in requested:
        walk(name)
    return order


def is_pure(entry: dict, wheel: zipfile.ZipFile) -> bool:
    """A wheel whose whole install is files: no compiled code for the dynamic linker."""
    return (entry.get("package_type", "package") == "package" and entry.get("install_dir", "site") == "site"
            and entry["file_name"].endswith(".whl")
            and not any(n.endswith(".so") or ".so." in n for n in wheel.namelist()))


def _dist_info(wheel: zipfile.ZipFile, file_name: str) -> str:
    """The wheel's top-level .dist-info directory (what Pyodide's `wheel_dist_info_dir` finds)."""
    tops = {n.split("/", 1)[0] for n in wheel.namelist() if n.split("/", 1)[0].endswith(".dist-info")}
    if len(tops) != 1:
        raise PreloadError(f"{file_name}: expected one .dist-info directory, found {sorted(tops)}")
    return tops.pop()


def _data_dir(wheel: zipfile.ZipFile, file_name: str) -> str | None:
    """The wheel's `<name>-<version>.data` directory, as Pyodide's `wheel_data_file_dir` accepts it."""
    tops = sorted({n.split("/", 1)[0] for n in wheel.namelist() if n.split("/", 1)[0].endswith(".data")})
    if not tops:
        return None
    return tops[0] if canonical(tops[0]).startswith(canonical(file_name.split("-", 1)[0])) else None


def loaded_names(lock: dict, packages: list[str]) -> list[str]:
    """The keys to mark in `loadedPackages`: each package's name in the lock (Pygments), which loadPackage checks,
    and its key in the lock (pygments), which Pyodide's import-name table and the kernel's site finder use."""
    return sorted({n for key in packages for n in (lock["packages"][key].get("name", key), key)})


def build_image(pyodide_dir: Path, lock: dict, requested: list[str]) -> Image:
    """Unpack the pure wheels among `requested` and their dependencies (verified against `lock`) into one image."""
    entries: dict[str, int] = {}  # path -> size (-1: a directory)
    blobs: dict[str, bytes] = {}
    owner: dict[str, str] = {}
    packages, load = [], []
    for name in closure(lock, requested):
        entry = lock["packages"][name]
        path = pyodide_dir / entry["file_name"]
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise PreloadError(f"{path}: sha256 differs from the site's pyodide-lock.json")
        with zipfile.ZipFile(path) as wheel:
            if not is_pure(entry, wheel):
                load.append(name)
                continue
            packages.append(name)
            files = {}
            for info in wheel.infolist():
                target = info.filename.rstrip("/")
                if info.is_dir():
                    files[target] = None
                else:
                    files[target] = wheel.read(info)
            dist_info = _dist_info(wheel, entry["file_name"])
            files[f"{dist_info}/INSTALLER"] = INSTALLER.encode()
            files[f"{dist_info}/PYODIDE_SOURCE"] = SOURCE.encode()
            # Pyodide's install_datafiles: `<name>.data/data/*` is also copied under sys.prefix (IPython's man page)
            data_dir = _data_dir(wheel, entry["file_name"])
            if data_dir:
                scheme = f"{data_dir}/data/"
                for target, content in list(files.items()):
                    if target.startswith(scheme) and content is not None:
                        files[PREFIX + target[len(scheme):]] = content
        for target, content in files.items():
            parts = target.split("/")
            for i in range(1, len(parts)):  # parent directories, as extraction creates them
                if "/".join(parts[:i]):  # not the root of an absolute path
                    entries.setdefault("/".join(parts[:i]), -1)
            if content is None:
                entries.setdefault(target, -1)
                continue
            if target in blobs and blobs[target] != content:
                raise PreloadError(f"{target}: written by both {owner[target]} and {name} with different contents")
            entries[target] = len(content)
            blobs[target], owner[target] = content, name
    header = json.dumps({
        "format": FORMAT, "sitePackages": SITE_PACKAGES, "channel": CHANNEL,
        "packages": loaded_names(lock, packages), "files": [[p, s] for p, s in entries.items()],
    }, separators=(",", ":")).encode()
    body = struct.pack("<I", len(header)) + header + b"".join(blobs[p] for p, s in entries.items() if s >= 0)
    return Image(gzip.compress(body, 9, mtime=0), packages, load, sum(1 for s in entries.values() if s >= 0))


def read_image(data: bytes) -> tuple[dict, dict[str, bytes]]:
    """(header, {path: bytes}) of an image: what the worker's preload.js reads, for tests and checks."""
    body = gzip.decompress(data)
    (length,) = struct.unpack_from("<I", body)
    header = json.loads(body[4:4 + length])
    offset, files = 4 + length, {}
    for path, size in header["files"]:
        if size >= 0:
            files[path] = body[offset:offset + size]
            offset += size
    if offset != len(body):
        raise PreloadError(f"the image has {len(body) - offset} bytes its header does not account for")
    return header, files


def write_image(site: Path, pyodide_dir: Path, requested: list[str]) -> tuple[Image, dict]:
    """Write the image into `site` and return it with the worker's configuration for it."""
    lock = json.loads((pyodide_dir / LOCK).read_text(encoding="utf-8"))
    image = build_image(pyodide_dir, lock, requested)
    out = site / IMAGE_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / image.file_name()).write_bytes(image.data)
    config = {
        "image": WORKER_IMAGE_DIR + image.file_name(),
        "integrity": "sha256-" + base64.b64encode(hashlib.sha256(image.data).digest()).decode(),
        "requested": list(requested),
        "loadPackages": image.load_packages,
        "packages": image.packages,
    }
    return image, config
