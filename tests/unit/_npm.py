"""A stand-in npm package tarball (files under `package/`, as `npm pack` writes them), for the build-side tests."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path


def npm_tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path
