"""The kernel's early-start patch (src/portinglab/kernelstart/) on a synthetic site holding the real
jupyterlite-pyodide-kernel 0.6.1 labextension of the build environment, in CPython (no jupyter lite build).

Proves: the stock files are verified by sha256 before anything is written, and a changed one stops the
build; each patch anchor must match exactly once; the patched chunks are valid JavaScript (Node parses them),
renamed for their content, and remoteEntry, jupyter-lite.json and the extension's package.json point to the
new names; the prewarm script carries the worker's path and the site's preload list and is loaded first by
the lab's and notebooks' pages; patching is deterministic.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portinglab import kernelstart, paths
from portinglab.kernelstart import EXTENSION, KernelStartError, check_site, patch_site, replace_once

STOCK_EXT = Path(sys.prefix) / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension"
PACKAGES = ["micropip", "piplite", "pyodide_kernel"]


def _site(root: Path) -> Path:
    site = root / "site"
    shutil.copytree(STOCK_EXT, site / EXTENSION, ignore=shutil.ignore_patterns("*.map"))
    entry = kernelstart.STOCK["remoteEntry"][0]
    (site / "jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": {
        "federated_extensions": [{"name": "@jupyterlite/pyodide-kernel-extension", "load": entry,
                                  "extension": "./extension"}],
        "litePluginSettings": {paths.KERNEL_PLUGIN: {"loadPyodideOptions": {"packages": PACKAGES}}}}}, indent=2))
    for app in kernelstart.APPS:
        (site / app).mkdir()
        (site / app / "index.html").write_text("<!DOCTYPE html>\n<html>\n  <head>\n    <title>x</title>\n"
                                               "  </head>\n</html>\n")
    return site


pytestmark = pytest.mark.skipif(not STOCK_EXT.exists(), reason="jupyterlite-pyodide-kernel not installed")


def test_patch_renames_rewires_and_stays_valid_javascript(tmp_path):
    site = _site(tmp_path)
    patched = patch_site(site)
    static = site / EXTENSION / "static"
    for key, (rel, _sha) in kernelstart.STOCK.items():
        assert not (site / EXTENSION / rel).exists(), f"stock {key} left behind"
    for rel in (patched.worker, patched.kernel, patched.remote_entry):
        assert (site / rel).exists()
        subprocess.run(["node", "--check", str(site / rel)], check=True, capture_output=True)
    worker = (site / patched.worker).read_text()
    assert "__portinglabKernel(ms)" in worker and "sourceMappingURL" not in worker
    assert "__portinglabTakeWorker(e)" in (site / patched.kernel).read_text()
    plugin = next(static.glob("154.*.js"))
    assert plugin.name != Path(kernelstart.STOCK["plugin"][0]).name and "__plSW=await" in plugin.read_text()
    subprocess.run(["node", "--check", str(plugin)], check=True, capture_output=True)
    remote = (site / patched.remote_entry).read_text()
    for rel in (patched.worker, patched.kernel, plugin.relative_to(site).as_posix()):
        stem, digest = Path(rel).name.split(".")[:2]
        assert remote.count(f'{stem}:"{digest}"') == 2
    entry = Path(patched.remote_entry).relative_to(EXTENSION).as_posix()
    assert json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"][
        "federated_extensions"][0]["load"] == entry
    assert f'"{entry}"' in (site / EXTENSION / "package.json").read_text()
    assert len(list(static.glob("352.*.js.LICENSE.txt"))) == 1
    script = (site / kernelstart.PREWARM_JS).read_text()
    config = json.loads(script.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    # no Pyodide distribution in this site: no preload image, so no kernel snapshot either
    assert config == {"worker": patched.worker, "pyodideUrl": paths.PYODIDE_URL,
                      "loadPyodideOptions": {"packages": PACKAGES}, "snapshot": None}
    subprocess.run(["node", "--check", str(site / kernelstart.PREWARM_JS)], check=True, capture_output=True)
    for app in kernelstart.APPS:
        head = (site / app / "index.html").read_text().split("<head>", 1)[1].lstrip()
        assert head.startswith(kernelstart.SCRIPT_TAG)


def test_patching_is_deterministic(tmp_path):
    a = patch_site(_site(tmp_path / "a"))
    b = patch_site(_site(tmp_path / "b"))
    assert a == b


def test_a_changed_stock_file_stops_the_build_before_anything_is_written(tmp_path):
    site = _site(tmp_path)
    kernel = site / EXTENSION / kernelstart.STOCK["kernel"][0]
    kernel.write_text(kernel.read_text() + "\n// changed\n")
    with pytest.raises(KernelStartError, match="sha256"):
        patch_site(site)
    assert all((site / EXTENSION / rel).exists() for rel, _ in kernelstart.STOCK.values())
    assert not (site / kernelstart.PREWARM_JS).exists()


def test_another_kernel_version_is_refused(tmp_path):
    site = _site(tmp_path)
    pkg = site / EXTENSION / "package.json"
    pkg.write_text(pkg.read_text().replace('"version": "0.6.1"', '"version": "0.6.2"', 1))
    with pytest.raises(KernelStartError, match="0.6.2"):
        patch_site(site)


def test_an_anchor_must_match_exactly_once():
    assert replace_once("a-b", "-", "+", "x") == "a+b"
    with pytest.raises(KernelStartError, match="found it 0"):
        replace_once("ab", "-", "+", "x")
    with pytest.raises(KernelStartError, match="found it 2"):
        replace_once("a-b-", "-", "+", "x")


def test_check_site_names_what_a_copy_lacks(tmp_path):
    site = _site(tmp_path)
    with pytest.raises(KernelStartError, match="kernel-prewarm.js is missing"):
        check_site(site)
    patched = patch_site(site)
    check_site(site)
    (site / patched.worker).unlink()
    with pytest.raises(KernelStartError, match="which is missing"):
        check_site(site)
