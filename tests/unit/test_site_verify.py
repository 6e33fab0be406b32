"""The build side's site.py on a tiny synthetic site, in CPython (no jupyter lite build, no download).

Proves: verify_site accepts a complete site and names the first problem of each kind of broken one (not a
site, piplite's PyPI fallback, a nested config overriding pyodideUrl, the lock or a file it lists missing or
changed, the manifest or a file it lists missing or changed); write_manifest pins every self-hosted file;
the checkout's own jupyter-lite.json passes the kernel checks; the kernel wheel's top-level modules are
packages of the checkout; stage_vendor refuses a pinned file the npm package lacks; the site finder goes
into the stdlib zip as `sitecustomize.py`. (tests/cli/test_build.py verifies a real build.)
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from portinglab import paths
from portinglab.fetch import AssetError, Fetched
from portinglab.pins import NpmPin, load_pins
from portinglab.pyodide_dist import PyodideDist
from portinglab.site import (MANIFEST, SITE_FINDER, SiteError, add_site_finder, contents_args, kernel_settings,
                             kernel_top_level_modules, precompress, stage_vendor, verify_site, write_manifest)

TEXT = b"".join(b"row %d\n" % i for i in range(400))


def _config(url=paths.PYODIDE_URL, fallback=True, packages=("Pygments", "prompt_toolkit")) -> str:
    settings = {"pyodideUrl": url, "disablePyPIFallback": fallback, "loadPyodideOptions": {"packages": list(packages)}}
    return json.dumps({"jupyter-config-data": {"litePluginSettings": {paths.KERNEL_PLUGIN: settings}}})


def _make_site(root: Path) -> Path:
    site = root / "site"
    files = {"static/pyodide/pygments-2.0-py3-none-any.whl": b"pygments",
             "static/pyodide/prompt_toolkit-3.0-py3-none-any.whl": b"ptk",
             "static/pyodide/pyodide.js": TEXT, "static/vendor/lib/1.0/lib.js": TEXT,
             "pypi/all.json": b"{}", "files/models/m.onnx": b"onnx", "lab/index.html": TEXT}
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    lock = {"info": {"version": "0.27.7"}, "packages": {
        "pygments": {"file_name": "pygments-2.0-py3-none-any.whl", "sha256": hashlib.sha256(b"pygments").hexdigest()},
        "prompt-toolkit": {"file_name": "prompt_toolkit-3.0-py3-none-any.whl",
                           "sha256": hashlib.sha256(b"ptk").hexdigest()}}}
    (site / "static/pyodide/pyodide-lock.json").write_text(json.dumps(lock))
    (site / "jupyter-lite.json").write_text(_config())
    (site / "lab").mkdir(exist_ok=True)
    (site / "lab/jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": {"appName": "lab"}}))
    precompress(site)
    write_manifest(site, load_pins())
    return site


@pytest.fixture(scope="module")
def good_site(tmp_path_factory):
    return _make_site(tmp_path_factory.mktemp("good"))


@pytest.fixture
def broken(good_site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(good_site, copy, symlinks=True)
    return copy


def test_a_complete_site_verifies(good_site):
    summary = verify_site(good_site)
    manifest = json.loads((good_site / MANIFEST).read_text())
    assert summary == {"pyodideUrl": paths.PYODIDE_URL, "packages": 2, "files": len(manifest["files"])}
    pins = load_pins()
    assert manifest["pyodide"] == pins.pyodide_version and manifest["vendor"] == [v.spec for v in pins.vendor]
    listed = set(manifest["files"])
    assert {"static/pyodide/pyodide.js", "static/pyodide/pyodide.js.gz", "static/vendor/lib/1.0/lib.js",
            "pypi/all.json", "files/models/m.onnx", "static/pyodide/pyodide-lock.json"} <= listed
    assert "lab/index.html" not in listed  # JupyterLite's own files: not pinned assets
    for rel, sha in manifest["files"].items():
        assert hashlib.sha256((good_site / rel).read_bytes()).hexdigest() == sha


def _set(path: Path, text: str):
    path.write_text(text)


BREAKAGES = {
    "not a site": (lambda s: (s / "jupyter-lite.json").unlink(), "is not a built site (no jupyter-lite.json)"),
    "pypi fallback": (lambda s: _set(s / "jupyter-lite.json", _config(fallback=False)),
                      "piplite may fall back to pypi.org"),
    "nested override": (lambda s: _set(s / "lab/jupyter-lite.json", _config(url="https://cdn.example/pyodide.js")),
                        "overrides pyodideUrl with 'https://cdn.example/pyodide.js'"),
    "no lock": (lambda s: (s / "static/pyodide/pyodide-lock.json").unlink(), "pyodide-lock.json is missing"),
    "lock file missing": (lambda s: (s / "static/pyodide/pygments-2.0-py3-none-any.whl").unlink(),
                          "Pyodide lock lists pygments but"),
    "lock file changed": (lambda s: (s / "static/pyodide/prompt_toolkit-3.0-py3-none-any.whl").write_bytes(b"x"),
                          "sha256 mismatch for Pyodide package prompt-toolkit"),
    "no manifest": (lambda s: (s / MANIFEST).unlink(), "is missing: not a Porting Lab build"),
    "manifest file missing": (lambda s: (s / "files/models/m.onnx").unlink(), "m.onnx is missing"),
    "manifest file changed": (lambda s: (s / "static/vendor/lib/1.0/lib.js").write_bytes(b"patched"),
                              "sha256 mismatch for static/vendor/lib/1.0/lib.js"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_kind_of_broken_site_is_named(broken, breakage):
    breakit, message = BREAKAGES[breakage]
    breakit(broken)
    with pytest.raises((SiteError, AssetError)) as exc:
        verify_site(broken)
    assert message in str(exc.value)


def test_a_nested_config_that_agrees_is_fine(broken):
    _set(broken / "lab/jupyter-lite.json", _config())
    assert verify_site(broken)["packages"] == 2


def test_the_checkouts_config_passes_the_kernel_checks():
    settings = kernel_settings(paths.ROOT)  # pyodideUrl: written by `jupyter lite build --pyodide`
    assert settings.get("pyodideUrl") in (None, paths.PYODIDE_URL) and settings["disablePyPIFallback"] is True
    assert settings["loadPyodideOptions"]["packages"]


def test_the_kernel_wheels_top_level_modules_are_packages_here():
    modules = kernel_top_level_modules()
    assert set(modules) == {"portinglab_kernel", "onnxruntime", "cv2", "portinglab_export", "portinglab_scan",
                            "portinglab_parity"}
    for name in modules:
        found = [p for p in (paths.ROOT / "kernel/src" / name, paths.ROOT / "portable/src" / name)
                 if (p / "__init__.py").is_file()]
        assert len(found) == 1, name


def test_contents_args_keep_the_configs_contents(tmp_path):
    (tmp_path / "jupyter_lite_config.json").write_text(json.dumps({"LiteBuildConfig": {"contents": ["content"]}}))
    assert contents_args(tmp_path, tmp_path / "models") == (
        "--LiteBuildConfig.contents=content", f"--LiteBuildConfig.contents={tmp_path / 'models'}")
    (tmp_path / "jupyter_lite_config.json").write_text("{}")
    assert contents_args(tmp_path, Path("x")) == ("--LiteBuildConfig.contents=x",)


def test_a_pinned_file_the_npm_package_lacks_is_refused(tmp_path):
    tgz = tmp_path / "lib-1.0.0.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("package/dist/lib.js")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"js"))
        folder = tarfile.TarInfo("package/dist/folder")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    for missing in ("dist/lib.min.js", "dist/folder"):  # not in the package; not a file
        pin = NpmPin("lib@1.0.0", "", "", files=("dist/lib.js", missing))
        with pytest.raises(AssetError, match=f"lib@1.0.0 has no file {missing}"):
            stage_vendor(Fetched(Path(), Path(), (), ((pin, tgz),)), tmp_path / "site")


def test_the_site_finder_goes_into_the_stdlib_zip(tmp_path):
    root = tmp_path / "dist"
    root.mkdir()
    with zipfile.ZipFile(root / "python_stdlib.zip", "w") as z:
        z.writestr("os.py", "# os\n")
    add_site_finder(PyodideDist(root=root, lock={}))
    with zipfile.ZipFile(root / "python_stdlib.zip") as z:
        assert z.namelist() == ["os.py", "sitecustomize.py"]
        assert z.read("sitecustomize.py") == SITE_FINDER.read_bytes()
        compile(z.read("sitecustomize.py"), "sitecustomize.py", "exec")
