"""The kernel's preload image (kernelstart/preload.py) and the patched service worker (kernelstart/serviceworker.py),
in CPython: synthetic wheels and lock for the image, jupyterlite-core 0.6.4's own service worker for the patch.

Proves: the image holds exactly each pure wheel's files plus Pyodide's INSTALLER/PYODIDE_SOURCE records and its
data files copied under sys.prefix, in an order the worker can write (parents first); wheels with compiled parts
stay with Pyodide; a wheel
that does not match the lock, or two wheels writing one path differently, stop the build; the image is
reproducible. The service worker patch verifies the stock file, matches each anchor once and stays valid
JavaScript. The browser half (the same file tree as Pyodide's loadPackage, the fallback) is in
tests/site/test_kernel_start.py.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from portinglab.kernelstart import preload, serviceworker
from portinglab.kernelstart.preload import PreloadError, build_image, closure, read_image


def _wheel(directory: Path, name: str, files: dict[str, bytes]) -> dict:
    file_name = f"{name}-1.0-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
        wheel.writestr(f"{name}-1.0.dist-info/METADATA", f"Name: {name}\nVersion: 1.0\n")
    (directory / file_name).write_bytes(buffer.getvalue())
    return {"name": name, "file_name": file_name, "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
            "package_type": "package", "install_dir": "site", "depends": []}


def _lock(tmp_path: Path) -> dict:
    packages = {
        "app": _wheel(tmp_path, "app", {"app/__init__.py": b"import dep\n", "app/sub/data.txt": b"x" * 100}),
        "dep": _wheel(tmp_path, "dep", {"dep.py": b"VALUE = 1\n"}),
        "native": _wheel(tmp_path, "native", {"native/_core.cpython-312-wasm32-emscripten.so": b"\0asm"}),
        "datafiles": _wheel(tmp_path, "datafiles", {"datafiles-1.0.data/data/share/x": b"y"}),
    }
    packages["app"]["depends"] = ["dep", "native"]
    return {"packages": packages}


def test_closure_is_depth_first_and_names_an_unknown_package():
    lock = {"packages": {"a": {"depends": ["b-c"]}, "b-c": {"depends": ["a"]}, "d": {"depends": []}}}
    assert closure(lock, ["a", "D", "b_c"]) == ["a", "b-c", "d"]
    with pytest.raises(PreloadError, match="'nope'"):
        closure(lock, ["nope"])


def test_the_image_holds_each_pure_wheel_as_pyodide_unpacks_it(tmp_path):
    lock = _lock(tmp_path)
    image = build_image(tmp_path, lock, ["app", "datafiles"])
    assert image.packages == ["app", "dep", "datafiles"]
    assert image.load_packages == ["native"]  # compiled parts: Pyodide's own loader and dynamic linker
    header, files = read_image(image.data)
    assert header["packages"] == ["app", "datafiles", "dep"] and header["channel"] == "default channel"
    expected = {"/share/x": b"y"}  # a data file, also copied under sys.prefix as Pyodide's install_datafiles does
    for name in ("app", "dep", "datafiles"):
        with zipfile.ZipFile(tmp_path / lock["packages"][name]["file_name"]) as wheel:
            expected.update({n: wheel.read(n) for n in wheel.namelist()})
        expected[f"{name}-1.0.dist-info/INSTALLER"] = b"pyodide.loadPackage"
        expected[f"{name}-1.0.dist-info/PYODIDE_SOURCE"] = b"pyodide"
    assert files == expected
    assert image.files == len(expected)
    # every directory comes before what it holds: the worker writes them in header order
    seen = set()
    for path, size in header["files"]:
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        assert parent in ("", "/") or parent in seen, path
        if size < 0:
            seen.add(path)
    assert {"app", "app/sub", "app-1.0.dist-info", "/share"} <= seen


def test_loaded_packages_get_the_lock_name_and_key():
    """loadPackage checks a package's name in the lock (Pygments); Pyodide's import-name table and the kernel's
    site finder use its key (pygments): both are marked."""
    lock = {"packages": {"prompt-toolkit": {"name": "prompt_toolkit"}, "pygments": {"name": "Pygments"}, "six": {}}}
    assert preload.loaded_names(lock, ["pygments", "prompt-toolkit", "six"]) == [
        "Pygments", "prompt-toolkit", "prompt_toolkit", "pygments", "six"]


def test_the_image_is_reproducible(tmp_path):
    lock = _lock(tmp_path)
    assert build_image(tmp_path, lock, ["app"]).data == build_image(tmp_path, lock, ["app"]).data


def test_a_wheel_that_differs_from_the_lock_stops_the_build(tmp_path):
    lock = _lock(tmp_path)
    wheel = tmp_path / lock["packages"]["dep"]["file_name"]
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    with pytest.raises(PreloadError, match="sha256"):
        build_image(tmp_path, lock, ["app"])


def test_two_wheels_writing_one_path_differently_stop_the_build(tmp_path):
    lock = _lock(tmp_path)
    lock["packages"]["other"] = _wheel(tmp_path, "other", {"dep.py": b"VALUE = 2\n"})
    with pytest.raises(PreloadError, match="dep.py: written by both"):
        build_image(tmp_path, lock, ["dep", "other"])


def test_write_image_names_the_file_for_its_content(tmp_path):
    lock = _lock(tmp_path)
    (tmp_path / "pyodide-lock.json").write_text(__import__("json").dumps(lock))
    image, config = preload.write_image(tmp_path / "site", tmp_path, ["app"])
    written = tmp_path / "site" / preload.IMAGE_DIR / image.file_name()
    assert written.read_bytes() == image.data and image.sha256[:16] in written.name
    assert config["image"] == f"../portinglab/preload/{written.name}"
    assert config["integrity"] == "sha256-" + __import__("base64").b64encode(
        hashlib.sha256(image.data).digest()).decode()
    assert config["requested"] == ["app"] and config["loadPackages"] == ["native"]


# ---------------------------------------------------------------- the service worker

APP_TGZ = next(Path(sys.prefix).glob("lib/python3*/site-packages/jupyterlite_core/jupyterlite-app-*.tgz"), None)


@pytest.fixture
def stock_service_worker(tmp_path) -> Path:
    if APP_TGZ is None:
        pytest.skip("jupyterlite-core is not installed")
    with tarfile.open(APP_TGZ) as tgz:
        data = tgz.extractfile("package/service-worker.js").read()
    (tmp_path / "service-worker.js").write_bytes(data)
    return tmp_path


def test_the_service_worker_patch_is_verified_and_valid_javascript(stock_service_worker):
    site = stock_service_worker
    with pytest.raises(serviceworker.ServiceWorkerError, match="stock service worker"):
        serviceworker.check_site(site)
    serviceworker.patch_site(site)
    serviceworker.check_site(site)
    text = (site / "service-worker.js").read_text()
    assert text.startswith(serviceworker.MARK)
    assert "shouldDrop(t,a)||(n=plFetch(e))" in text and "maybeFromCache(e))" not in text.split("plFetch", 1)[0]
    subprocess.run(["node", "--check", str(site / "service-worker.js")], check=True, capture_output=True)
    # patched once: patching again is refused (the file is no longer the stock one)
    with pytest.raises(serviceworker.ServiceWorkerError, match="sha256"):
        serviceworker.patch_site(site)
