"""The generator's pinned inputs, fetched through their registries and verified before each use."""

from __future__ import annotations

import shutil
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..fetch import AssetError, fetch_sdist, sha256_of, verify_sha256
from ..paths import ASSETS_TOML, CACHE

#: what the generator reads from the sdist (OpenCV's headers of the modules opencv.js builds, and
#: OpenCV's header parser); nothing else is extracted
MODULES = ("core", "imgproc", "features2d", "objdetect", "dnn", "video", "calib3d", "photo")


@dataclass(frozen=True)
class Inputs:
    opencv: Path  # the sdist's `opencv/` folder (headers + modules/python/src2/hdr_parser.py)
    stubs: Path  # opencv-python-headless's cv2/__init__.pyi
    opencv_js: Path  # the opencv.js the bridge is generated for: the site's own SIMD build where it ships one
    opencv_js_label: str  # how the coverage table names it
    opencv_js_fallback: Path | None  # the npm build the kernel loads where wasm SIMD is missing


def _pin() -> dict:
    return tomllib.loads(ASSETS_TOML.read_text(encoding="utf-8"))["cv2gen"]


def _extract(sdist: Path, cache: Path, sha: str) -> Path:
    """OpenCV's headers and hdr_parser.py, once per sdist (the folder is named by its sha256)."""
    root = cache / "cv2gen" / f"{sha[:16]}-2"  # -2: the Hershey font sources too
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        wanted = tuple(f"opencv/modules/{m}/include/" for m in MODULES) + (
            "opencv/modules/python/src2/hdr_parser.py",
            # the Hershey fonts' metrics, for cv2.getTextSize (fonts.py): opencv.js does not export it
            "opencv/modules/imgproc/src/drawing.cpp", "opencv/modules/imgproc/src/hershey_fonts.cpp")
        with tarfile.open(sdist) as tar:
            members = []
            for m in tar.getmembers():
                rel = m.name.split("/", 1)[-1]
                if m.isfile() and rel.startswith(wanted):
                    m.name = rel
                    members.append(m)
            tar.extractall(root, members=members, filter="data")
        done.touch()
    return root / "opencv"


def stubs_path() -> Path:
    import cv2

    if cv2.__version__ != "4.12.0":
        raise AssetError(f"the generator reads opencv-python-headless 4.12.0.88, found cv2 {cv2.__version__}")
    return Path(cv2.__file__).parent / "__init__.pyi"


def opencv_js_built() -> Path | None:
    """The site's own opencv.js (assets.toml [[opencvjs.site]], committed under opencvjs/), verified; None
    when the site ships none."""
    from ..paths import ROOT

    builds = tomllib.loads(ASSETS_TOML.read_text(encoding="utf-8")).get("opencvjs", {}).get("site", [])
    if not builds:
        return None
    b = builds[0]
    path = ROOT / b["dir"] / "opencv.js"
    verify_sha256(path, b["files"]["opencv.js"], f"{b['name']} opencv.js")
    return path


def opencv_js(cache: Path = CACHE) -> Path:
    """dist/opencv.js of the pinned, verified npm tarball (fetched like every vendored file)."""
    from ..fetch import fetch_npm
    from ..pins import load_pins

    pin = next(p for p in load_pins().vendor if p.name == "@techstark/opencv-js")
    tgz = fetch_npm(pin, cache)
    dest = cache / "cv2gen" / f"opencv-js-{sha256_of(tgz)[:16]}.js"
    if not dest.exists():
        with tarfile.open(tgz) as tar:
            data = tar.extractfile("package/dist/opencv.js").read()
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return dest


def inputs(cache: Path = CACHE) -> Inputs:
    pin = _pin()
    sdist = fetch_sdist(pin["pypi"], pin["filename"], pin["sha256"], cache)
    stubs = stubs_path()
    verify_sha256(stubs, pin["stubs_sha256"], "opencv-python-headless 4.12.0.88's stubs (cv2/__init__.pyi)")
    npm = opencv_js(cache)
    built = opencv_js_built()
    if built is None:
        return Inputs(_extract(sdist, cache, pin["sha256"]), stubs, npm, "opencv.js 4.12 (@techstark/opencv-js)", None)
    return Inputs(_extract(sdist, cache, pin["sha256"]), stubs, built, "Porting Lab's opencv.js 4.12 (wasm SIMD build)",
                  npm)


def opencv_data() -> tuple[str, str, list[Path]]:
    """("opencv-data", version, the verified Haar cascade files of opencv-python-headless's cv2/data)."""
    pins = _pin()["data"]
    folder = stubs_path().parent / "data"
    files = []
    for name, sha in sorted(pins.items()):
        verify_sha256(folder / name, sha, f"opencv-python-headless 4.12.0.88's cv2/data/{name}")
        files.append(folder / name)
    return "opencv-data", "4.12.0.88", files
