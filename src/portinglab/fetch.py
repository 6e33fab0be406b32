"""Fetch pinned files through their registries (npm, PyPI) and verify them.

Every file is checked against its pin each time it is used, not only when it is
downloaded: a file changed in the cache stops the build as surely as a bad download.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .pins import ModelPin, NpmPin, Pins, WheelPin


class AssetError(RuntimeError):
    """A pinned asset is missing, cannot be fetched, or does not match its pin."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_mismatch(what: str, path: Path | str, expected: str, actual: str) -> AssetError:
    return AssetError(
        f"sha256 mismatch for {what}\n"
        f"  file:     {path}\n"
        f"  expected: {expected}\n"
        f"  actual:   {actual}\n"
        "The build stops: this file is not the one pinned. If it was tampered with or "
        "corrupted, delete it and fetch again (`./portlab fetch --refresh`); if you "
        "upgraded on purpose, update the pin in assets.toml."
    )


def verify_sha256(path: Path, expected: str, what: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise sha256_mismatch(what, path, expected, actual)


def verify_npm_integrity(path: Path, integrity: str, what: str) -> None:
    """Check the npm registry's `sha512-<base64>` integrity string too."""
    algo, _, b64 = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algo, path.read_bytes()).digest()).decode()
    if actual != b64:
        raise AssetError(
            f"npm integrity mismatch for {what}\n  file: {path}\n"
            f"  expected: {integrity}\n  actual:   {algo}-{actual}"
        )


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssetError(
            f"could not fetch: {' '.join(cmd)}\n{proc.stderr.strip()[-2000:]}"
        )
    return proc.stdout


def fetch_npm(pin: NpmPin, cache: Path, refresh: bool = False) -> Path:
    """The verified tarball of an npm package, via `npm pack` (the npm registry)."""
    dest = cache / "npm" / pin.tarball
    if refresh or not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            out = _run(
                ["npm", "pack", pin.spec, "--json", "--ignore-scripts", "--pack-destination", tmp],
                cwd=Path(tmp),
            )
            packed = json.loads(out)[0]["filename"]
            shutil.move(Path(tmp) / Path(packed).name, dest)
    verify_sha256(dest, pin.sha256, f"npm package {pin.spec}")
    verify_npm_integrity(dest, pin.integrity, f"npm package {pin.spec}")
    return dest


def fetch_wheel(pin: WheelPin, cache: Path, refresh: bool = False) -> Path:
    """The verified wheel of a PyPI requirement, via `pip download` (PyPI)."""
    dest = cache / "pypi" / pin.filename
    if refresh or not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            _run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "--dest", tmp, pin.requirement],
                cwd=Path(tmp),
            )
            got = Path(tmp) / pin.filename
            if not got.exists():
                raise AssetError(
                    f"pip download {pin.requirement} did not give {pin.filename}: "
                    f"{sorted(p.name for p in Path(tmp).iterdir())}"
                )
            shutil.move(got, dest)
    verify_sha256(dest, pin.sha256, f"PyPI wheel {pin.requirement}")
    return dest


def fetch_sdist(requirement: str, filename: str, sha256: str, cache: Path) -> Path:
    """A verified source distribution from PyPI's simple index (`pip download` would build it to read its metadata)."""
    import urllib.request

    dest = cache / "pypi" / filename
    if not dest.exists():
        name = requirement.split("==")[0]
        req = urllib.request.Request(f"https://pypi.org/simple/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                url = {f["filename"]: f["url"] for f in json.load(r)["files"]}[filename]
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(".part")
            with urllib.request.urlopen(url, timeout=600) as r, open(tmp, "wb") as f:
                shutil.copyfileobj(r, f)
            tmp.rename(dest)
        except (OSError, KeyError, ValueError) as exc:
            raise AssetError(f"could not fetch {filename} from PyPI: {exc}") from exc
    verify_sha256(dest, sha256, f"PyPI sdist {requirement}")
    return dest


@dataclass(frozen=True)
class Fetched:
    """Local, verified copies of every pinned asset."""

    pyodide_core: Path
    pyodide_packages: Path
    wheels: tuple[tuple[WheelPin, Path], ...]
    vendor: tuple[tuple[NpmPin, Path], ...]
    models: tuple[tuple[ModelPin, Path], ...] = ()


def fetch_all(pins: Pins, cache: Path, refresh: bool = False, log=print) -> Fetched:
    log(f"[fetch] pyodide core {pins.pyodide_core.spec}")
    core = fetch_npm(pins.pyodide_core, cache, refresh)
    log(f"[fetch] pyodide packages from {pins.pyodide_packages.requirement}")
    packages = fetch_wheel(pins.pyodide_packages, cache, refresh)
    wheels = []
    for pin in pins.wheels:
        log(f"[fetch] wheel {pin.requirement}")
        wheels.append((pin, fetch_wheel(pin, cache, refresh)))
    vendor = []
    for pin in pins.vendor:
        log(f"[fetch] vendor {pin.spec}")
        vendor.append((pin, fetch_npm(pin, cache, refresh)))
    models = []
    for pin in pins.models:
        log(f"[fetch] models from {pin.requirement}")
        models.append((pin, fetch_wheel(pin, cache, refresh)))
    return Fetched(core, packages, tuple(wheels), tuple(vendor), tuple(models))
