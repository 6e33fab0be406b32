"""A pure-Python sdist as the wheel pip would install: its packages' Python files unchanged, plus metadata.

For packages PyPI has only as an sdist or as binary wheels (PyYAML without libyaml), and for the real-package
suite's sdist-only package: no build backend runs, so no unpinned build tools are fetched. Reproducible: sorted
entries, fixed times.
"""

from __future__ import annotations

import base64
import hashlib
import tarfile
import tomllib
import zipfile
from pathlib import Path

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def pure_wheel(sdist: Path, out: Path, packages: list[str] | None = None, package_dir: str = "") -> Path:
    """Pack `packages` (default: every top-level package of the sdist's `package_dir`) into `out`/<name>-<ver>-py3-none-any.whl."""
    prefix = f"{package_dir.strip('/')}/" if package_dir else ""
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if m.isfile() and "/" in m.name}
        if packages is None:
            packages = sorted({n[len(prefix):].split("/")[0] for n in members
                               if n.startswith(prefix) and n[len(prefix):].count("/") == 1
                               and n.endswith("/__init__.py")})
        name, version = sdist.name.removesuffix(".tar.gz").rsplit("-", 1)
        dist = f"{name}-{version}.dist-info"
        files = {rel[len(prefix):]: tar.extractfile(m).read() for rel, m in sorted(members.items())
                 if rel.startswith(prefix) and rel[len(prefix):].split("/")[0] in packages and rel.endswith(".py")}
        files[f"{dist}/METADATA"] = tar.extractfile(members["PKG-INFO"]).read()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: portinglab-purewheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                     for n, d in sorted(files.items())) + f"{dist}/RECORD,,\n"
    whl = out / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in sorted(files.items()):
            z.writestr(zipfile.ZipInfo(n, ZIP_TIME), d, zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo(f"{dist}/RECORD", ZIP_TIME), record, zipfile.ZIP_DEFLATED)
    return whl


def pinned(assets_toml: Path) -> list[dict]:
    """assets.toml's `[[pure_sdists]]`."""
    return tomllib.loads(assets_toml.read_text(encoding="utf-8")).get("pure_sdists", [])
