"""The built site: self-hosted Pyodide, offline piplite, vendored libraries, clean rebuilds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile

import pytest

from portinglab import paths
from portinglab.fetch import AssetError, sha256_of
from portinglab.site import SiteError, build_site, kernel_settings, verify_site


def _lite_json(site, rel="jupyter-lite.json"):
    return json.loads((site / rel).read_text())


def test_kernel_points_at_the_self_hosted_pyodide(built_site):
    settings = kernel_settings(built_site)
    assert settings["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert (built_site / "static/pyodide/pyodide.js").exists()
    assert settings["disablePyPIFallback"] is True
    assert all(url.startswith("./") for url in settings["pipliteUrls"]), settings["pipliteUrls"]


def test_no_config_of_the_site_names_another_host(built_site):
    for config in built_site.rglob("jupyter-lite.json"):
        text = config.read_text()
        # no absolute URL at all: every path the site's configuration names is relative
        assert "://" not in text, config


def test_the_lock_lists_exactly_the_files_present(built_site):
    folder = built_site / "static/pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text())["packages"]
    listed = {entry["file_name"] for entry in lock.values()}
    present = {p.name for p in folder.iterdir() if p.suffix != ".gz"} - {
        "pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
        "python_stdlib.zip", "pyodide-lock.json", "package.json",
    }
    assert listed == present
    for entry in lock.values():
        assert sha256_of(folder / entry["file_name"]) == entry["sha256"]
    # what the kernel needs to start, what users import, what we add
    for name in ("micropip", "ipython", "jedi", "ssl", "sqlite3", "numpy", "pillow",
                 "comm", "ipywidgets", "portinglab-kernel"):
        assert name in lock, name
    assert lock["ipywidgets"]["imports"] == ["ipywidgets"]


def test_piplite_serves_the_kernel_wheels(built_site):
    index = json.loads((built_site / "pypi/all.json").read_text())
    assert {"comm", "ipywidgets", "portinglab-kernel"} <= set(index)


def test_vendored_libraries_are_the_pinned_npm_files(built_site, fetched):
    manifest = json.loads((built_site / "static/vendor/manifest.json").read_text())
    for pin, tgz in fetched.vendor:
        entry = manifest[pin.name]
        assert entry["version"] == pin.version
        with tarfile.open(tgz) as tar:
            for file in pin.files:
                served = built_site / entry["base"] / file
                assert served.read_bytes() == tar.extractfile(f"package/{file}").read()
    assert "opencv.js" in str(manifest["@techstark/opencv-js"]["files"])
    assert "dist/ort-wasm-simd-threaded.wasm" in manifest["onnxruntime-web"]["files"]


def test_verify_passes_on_the_build(built_site):
    summary = verify_site(built_site)
    assert summary["pyodideUrl"] == "./static/pyodide/pyodide.js" and summary["files"] > 50


@pytest.fixture
def site_copy(built_site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy, symlinks=True)
    return copy


def test_verify_catches_a_site_that_lost_its_pyodide_url(site_copy):
    """What an incremental `jupyter lite build` can do: the kernel would go to a CDN."""
    config = _lite_json(site_copy)
    del config["jupyter-config-data"]["litePluginSettings"][paths.KERNEL_PLUGIN]["pyodideUrl"]
    (site_copy / "jupyter-lite.json").write_text(json.dumps(config))
    with pytest.raises(SiteError, match="pyodideUrl is None, not the self-hosted"):
        verify_site(site_copy)


def test_verify_catches_a_tampered_file_in_the_output(site_copy):
    target = next((site_copy / "static/vendor").rglob("opencv.js"))
    target.write_bytes(target.read_bytes()[:-1] + b";")
    with pytest.raises(AssetError, match="sha256 mismatch for static/vendor/.*opencv.js"):
        verify_site(site_copy)


def test_serve_refuses_a_broken_site(site_copy):
    (site_copy / "static/pyodide/pyodide-lock.json").unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "portinglab", "serve", "--no-build", "--output", str(site_copy), "--port", "0"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": str(paths.ROOT / "src")},
    )
    assert proc.returncode == 2 and "pyodide-lock.json is missing" in proc.stderr


def test_a_rebuild_keeps_the_self_hosted_pyodide(built_site, tmp_path):
    """A second build over an existing output is clean: pyodideUrl survives, output verifies."""
    out = tmp_path / "_output"
    shutil.copytree(built_site, out, symlinks=True)
    (out / "stale-file-from-an-old-build.txt").write_text("x")
    build_site(out, log=lambda *_: None)
    assert kernel_settings(out)["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert not (out / "stale-file-from-an-old-build.txt").exists()
    verify_site(out)


def test_the_kernel_bootstrap_is_preloaded_from_the_lock(built_site):
    """The worker skips its one-by-one piplite installs for packages preloaded by loadPyodide."""
    preload = kernel_settings(built_site)["loadPyodideOptions"]["packages"]
    lock = json.loads((built_site / "static/pyodide/pyodide-lock.json").read_text())["packages"]
    assert {"piplite", "pyodide-kernel", "ipykernel", "comm", "ipython", "micropip"} <= set(lock)
    assert {"micropip", "piplite", "pyodide_kernel", "comm", "ipython"} <= set(preload)


def test_verify_catches_a_preloaded_package_missing_from_the_lock(site_copy):
    config = _lite_json(site_copy)
    settings = config["jupyter-config-data"]["litePluginSettings"][paths.KERNEL_PLUGIN]
    settings["loadPyodideOptions"]["packages"].append("not-in-the-lock")
    (site_copy / "jupyter-lite.json").write_text(json.dumps(config))
    with pytest.raises(SiteError, match="not-in-the-lock"):
        verify_site(site_copy)


def test_verify_catches_a_compressed_copy_that_is_not_its_original(site_copy):
    import gzip

    wasm = site_copy / "static/pyodide/pyodide.asm.wasm"
    (site_copy / "static/pyodide/pyodide.asm.wasm.gz").write_bytes(gzip.compress(wasm.read_bytes()[:-1]))
    with pytest.raises((SiteError, AssetError)):
        verify_site(site_copy)


#: CPython 3.12's bytecode magic number (Pyodide 0.27.7 is CPython 3.12.7)
PY312_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"


def _pyc_matches(pyc: bytes, source: bytes, checked: bool) -> bool:
    """A PEP 552 hash-based pyc of CPython 3.12 compiled from exactly `source`."""
    import _imp

    flags = int.from_bytes(pyc[4:8], "little")
    return (pyc[:4] == PY312_MAGIC and flags == (0b11 if checked else 0b01)
            and pyc[8:16] == _imp.source_hash(int.from_bytes(PY312_MAGIC, "little"), source))


def test_the_kernel_start_ships_bytecode_of_its_own_sources(built_site, fetched, pins):
    """pycs compiled by the site's Pyodide for what a kernel start imports: unchecked in the
    read-only stdlib zip, checked in the wheels; the wheels are otherwise the official files."""
    import zipfile

    folder = built_site / "static/pyodide"
    with zipfile.ZipFile(folder / "python_stdlib.zip") as std:
        names = set(std.namelist())
        pycs = sorted(n for n in names if n.endswith(".pyc"))
        for must in ("asyncio/events.pyc", "json/decoder.pyc", "typing.pyc"):
            assert must in names, must
        assert len(pycs) > 100
        for name in pycs:
            assert _pyc_matches(std.read(name), std.read(name[:-1]), checked=False), name
    lock = json.loads((folder / "pyodide-lock.json").read_text())["packages"]
    official = {}
    with zipfile.ZipFile(fetched.pyodide_packages) as packages:
        for name in ("ipython", "traitlets", "numpy"):
            file = lock[name]["file_name"]
            official[file] = packages.read(pins.pyodide_packages.prefix + file)
    for file, original in official.items():
        with zipfile.ZipFile(folder / file) as ours, zipfile.ZipFile(__import__("io").BytesIO(original)) as theirs:
            added = set(ours.namelist()) - set(theirs.namelist())
            assert added and all("/__pycache__/" in n and n.endswith(".cpython-312.pyc") for n in added), file
            for name in theirs.namelist():
                if not name.endswith(".dist-info/RECORD"):
                    assert ours.read(name) == theirs.read(name), (file, name)
            record = ours.read(next(n for n in ours.namelist() if n.endswith(".dist-info/RECORD"))).decode()
            for pyc in added:
                assert f"{pyc},,\n" in record
                source = pyc.replace("__pycache__/", "").replace(".cpython-312.pyc", ".py")
                assert _pyc_matches(ours.read(pyc), ours.read(source), checked=True), (file, pyc)
    assert "IPython/core/__pycache__/interactiveshell.cpython-312.pyc" in zipfile.ZipFile(
        folder / lock["ipython"]["file_name"]).namelist()


def test_rewritten_archives_are_stored_and_served_as_one_gzip_stream(built_site):
    """Pure-Python archives the bytecode step rewrote keep stored entries and get a .gz (smaller than
    entry-by-entry deflate); archives with shared libraries keep deflate and get no .gz."""
    import gzip
    import io
    import zipfile

    folder = built_site / "static/pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text())["packages"]
    for file in ("python_stdlib.zip", lock["ipython"]["file_name"], lock["jedi"]["file_name"]):
        with zipfile.ZipFile(folder / file) as zf:
            assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}, file
            deflated = io.BytesIO()
            with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as out:
                for info in zf.infolist():
                    out.writestr(info.filename, zf.read(info))
        gz = (folder / (file + ".gz")).read_bytes()
        assert gzip.decompress(gz) == (folder / file).read_bytes()
        assert len(gz) < len(deflated.getvalue()), file
    numpy = folder / lock["numpy"]["file_name"]
    with zipfile.ZipFile(numpy) as zf:
        assert {i.compress_type for i in zf.infolist() if i.filename.endswith(".so")} == {zipfile.ZIP_DEFLATED}
        assert "numpy/__pycache__/__init__.cpython-312.pyc" in zf.namelist()
    assert not numpy.with_name(numpy.name + ".gz").exists()


def test_without_node_the_build_says_what_it_needs(built_site, tmp_path, monkeypatch):
    """Compiling the start-up bytecode runs the site's Pyodide in Node: no Node, a clear error."""
    from portinglab.bytecode import BytecodeError, compile_startup

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BytecodeError, match="node"):
        compile_startup(built_site / "static/pyodide", ["micropip"], tmp_path)
