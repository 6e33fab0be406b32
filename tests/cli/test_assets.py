"""Pins, fetching and the assembled Pyodide distribution: any mismatch stops the build."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from portinglab import paths
from portinglab.fetch import AssetError, fetch_npm, fetch_wheel, sha256_of
from portinglab.pyodide_dist import assemble_pyodide, canonical, read_core, trim_lock

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_every_external_asset_is_pinned_by_version_and_hash(pins):
    npm = [pins.pyodide_core, *pins.vendor]
    wheels = [pins.pyodide_packages, *pins.wheels]
    for pin in npm:
        assert re.fullmatch(r"@?[\w./-]+@\d[\w.-]*", pin.spec), pin.spec
        assert HEX64.match(pin.sha256) and pin.integrity.startswith("sha512-"), pin.spec
    for pin in wheels:
        assert "==" in pin.requirement and HEX64.match(pin.sha256), pin.requirement
    assert pins.pyodide_core.spec == f"pyodide@{pins.pyodide_version}" == "pyodide@0.27.7"


def test_fetched_files_match_their_pins(pins, fetched):
    assert sha256_of(fetched.pyodide_core) == pins.pyodide_core.sha256
    assert sha256_of(fetched.pyodide_packages) == pins.pyodide_packages.sha256
    for pin, path in (*fetched.wheels, *fetched.vendor):
        assert sha256_of(path) == pin.sha256


def _tamper(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _tampered_copy(path, cache, kind):
    """A copy of a verified cached file, one byte changed, in another cache."""
    cached = cache / kind / path.name
    cached.parent.mkdir()
    shutil.copyfile(path, cached)
    _tamper(cached)
    return cached


def test_a_tampered_npm_tarball_in_the_cache_is_refused(pins, fetched, tmp_path):
    pin, path = fetched.vendor[0]
    cached = _tampered_copy(path, tmp_path, "npm")
    with pytest.raises(AssetError, match="sha256 mismatch") as info:
        fetch_npm(pin, tmp_path)
    assert pin.spec in str(info.value) and str(cached) in str(info.value)


def test_a_tampered_wheel_in_the_cache_is_refused(pins, fetched, tmp_path):
    pin, path = fetched.wheels[0]
    _tampered_copy(path, tmp_path, "pypi")
    with pytest.raises(AssetError, match=f"sha256 mismatch for PyPI wheel {re.escape(pin.requirement)}"):
        fetch_wheel(pin, tmp_path)


def _official_lock(fetched) -> dict:
    return json.loads(read_core(fetched.pyodide_core, ("pyodide-lock.json",))["pyodide-lock.json"])


def test_lock_trimming_normalises_names_and_drops_orphans(fetched):
    packages = _official_lock(fetched)["packages"]
    files = {v["file_name"] for v in packages.values()}
    kept, dropped = trim_lock(packages, files)
    assert len(kept) == len(packages) and not dropped
    # ipython depends on "prompt_toolkit"; the lock's key is "prompt-toolkit"
    assert "prompt_toolkit" in packages["ipython"]["depends"] and "prompt-toolkit" in packages
    without = files - {packages["prompt-toolkit"]["file_name"]}
    kept, dropped = trim_lock(packages, without)
    assert "ipython" not in kept and "prompt_toolkit" in dropped["ipython"]
    assert canonical("Prompt_Toolkit") == "prompt-toolkit"


def _dist(pins, fetched, packages_whl, dest, version=None):
    return assemble_pyodide(
        fetched.pyodide_core, pins.pyodide_core.files, version or pins.pyodide_version,
        packages_whl, pins.pyodide_packages.prefix, [], dest,
    )


def test_assembled_distribution_holds_only_files_of_the_official_lock(pins, fetched, tmp_path):
    dist = _dist(pins, fetched, fetched.pyodide_packages, tmp_path / "pyodide")
    official = _official_lock(fetched)["packages"]
    assert len(dist.used) == 38
    lock = json.loads((tmp_path / "pyodide" / "pyodide-lock.json").read_text())
    for name, entry in lock["packages"].items():
        assert official[name]["sha256"] == entry["sha256"] == sha256_of(tmp_path / "pyodide" / entry["file_name"])
    for core in ("pyodide.js", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert (tmp_path / "pyodide" / core).exists()
    # the packages wheel's own core copies and its trimmed lock are never used
    assert {"pyodide.asm.wasm", "pyodide-lock.json", "manifest.json"} <= set(dist.ignored)
    assert {"numpy", "pillow", "ipython", "micropip"} <= set(lock["packages"])


def test_a_package_file_that_differs_from_the_official_lock_stops_the_build(pins, fetched, tmp_path):
    prefix = pins.pyodide_packages.prefix
    victim = f"{prefix}six-1.16.0-py2.py3-none-any.whl"
    tampered = tmp_path / "packages.whl"
    with zipfile.ZipFile(fetched.pyodide_packages) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + b"\0" if info.filename == victim else data)
    with pytest.raises(AssetError) as info:
        _dist(pins, fetched, tampered, tmp_path / "pyodide")
    message = str(info.value)
    assert "sha256 mismatch" in message and "six-1.16.0-py2.py3-none-any.whl" in message
    assert "official pyodide-lock.json" in message


def test_a_core_of_another_pyodide_version_is_refused(pins, fetched, tmp_path):
    with pytest.raises(AssetError, match="holds Pyodide 0.27.7, pinned 0.27.6"):
        _dist(pins, fetched, fetched.pyodide_packages, tmp_path / "pyodide", version="0.27.6")


def test_cli_build_with_a_tampered_asset_fails_clearly_and_keeps_the_old_site(fetched, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(paths.CACHE / "npm", cache / "npm")
    shutil.copytree(paths.CACHE / "pypi", cache / "pypi")
    opencv = next((cache / "npm").glob("techstark-opencv-js-*.tgz"))
    _tamper(opencv)
    out = tmp_path / "site"
    out.mkdir()
    (out / "keep.txt").write_text("a site built earlier")
    proc = subprocess.run(
        [sys.executable, "-m", "portinglab", "build", "--output", str(out)],
        env={**__import__("os").environ, "PORTINGLAB_CACHE": str(cache), "PYTHONPATH": str(paths.ROOT / "src")},
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "sha256 mismatch for npm package @techstark/opencv-js@4.12.0-release.1" in proc.stderr
    assert str(opencv) in proc.stderr
    assert (out / "keep.txt").read_text() == "a site built earlier"
