"""Assembling the site's Pyodide (src/portinglab/pyodide_dist.py) from a small fake core and package wheel.

Proves: package names are normalised as PEP 503 (`packaging`) normalises them; the lock keeps a package only
if its file is present and every dependency is kept, dropping orphans transitively with the reason; a package
file is used only when its sha256 is the official lock's (else the build stops naming both digests), files
not in the lock are ignored; the project's wheels join the lock with their sha256, imports and depends;
the output folder is recreated; the tarball has jupyterlite's `pyodide/` top folder.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import zipfile

import pytest
from packaging.utils import canonicalize_name

from portinglab.fetch import AssetError
from portinglab.pyodide_dist import ExtraWheel, assemble_pyodide, canonical, read_core, trim_lock, write_tarball
from _npm import npm_tarball


@pytest.mark.parametrize("name", ["prompt_toolkit", "Prompt-Toolkit", "zope.interface", "ruamel.yaml.clib", "PyYAML",
                                  "typing_extensions", "a__b--c..d", "Pillow", "scikit_image"])
def test_names_are_normalised_as_pep_503(name):
    assert canonical(name) == canonicalize_name(name)


def _entry(file, depends=()):
    return {"name": file.split("-")[0], "file_name": file, "depends": list(depends), "sha256": "x"}


def test_the_lock_keeps_what_is_present_and_drops_orphans_transitively():
    packages = {
        "numpy": _entry("numpy-2.0.whl"),
        "prompt-toolkit": _entry("prompt_toolkit-3.0.whl", ["wcwidth"]),
        "wcwidth": _entry("wcwidth-0.2.whl"),
        "ipython": _entry("ipython-8.0.whl", ["prompt_toolkit", "Pygments"]),
        "Pygments": _entry("pygments-2.0.whl"),
        "scipy": _entry("scipy-1.0.whl", ["numpy", "openblas"]),
        "openblas": _entry("openblas-0.3.zip"),
        "scikit-image": _entry("scikit_image-0.2.whl", ["scipy", "numpy"]),
        "uses-image": _entry("uses_image-1.whl", ["scikit_image"]),
    }
    present = {e["file_name"] for e in packages.values()} - {"openblas-0.3.zip"}
    kept, dropped = trim_lock(packages, present)
    assert set(kept) == {"numpy", "prompt-toolkit", "wcwidth", "ipython", "pygments"}
    assert dropped == {"openblas": "file not available", "scipy": "depends on missing openblas",
                       "scikit-image": "depends on missing scipy", "uses-image": "depends on missing scikit_image"}
    kept, dropped = trim_lock(packages, present - {"wcwidth-0.2.whl"})
    assert "ipython" not in kept and dropped["ipython"] == "depends on missing prompt_toolkit"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def release(tmp_path):
    """A fake Pyodide 0.27.7: the npm core (with its lock) and a PyPI wheel carrying package files."""
    files = {"numpy-2.0-cp312.whl": b"numpy", "pillow-10.0-cp312.whl": b"pillow", "scipy-1.0-cp312.whl": b"scipy"}
    lock = {"info": {"version": "0.27.7", "arch": "wasm32"}, "packages": {
        "numpy": {"name": "numpy", "file_name": "numpy-2.0-cp312.whl", "sha256": _sha(b"numpy"), "depends": []},
        "pillow": {"name": "Pillow", "file_name": "pillow-10.0-cp312.whl", "sha256": _sha(b"pillow"), "depends": []},
        "scipy": {"name": "scipy", "file_name": "scipy-1.0-cp312.whl", "sha256": _sha(b"scipy"),
                  "depends": ["numpy", "openblas"]},
        "openblas": {"name": "openblas", "file_name": "openblas-0.3.zip", "sha256": _sha(b"blas"), "depends": []},
    }}
    core = npm_tarball(tmp_path / "pyodide-0.27.7.tgz", {"pyodide.js": b"js", "pyodide.asm.wasm": b"\0asm",
                                                  "pyodide-lock.json": json.dumps(lock).encode(), "README.md": b"x"})
    whl = tmp_path / "carrier-1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as z:
        for name, data in files.items():
            z.writestr(f"carrier/assets/pyodide/{name}", data)
        z.writestr("carrier/assets/pyodide/pyodide.js", b"an older core: never used")
        z.writestr("carrier/assets/pyodide/nested/numpy-2.0-cp312.whl", b"not at the top")
        z.writestr("carrier/__init__.py", b"")
    extra = tmp_path / "portinglab_kernel-0.1.0-py3-none-any.whl"
    extra.write_bytes(b"ours")
    return {"core": core, "whl": whl, "extra": extra, "lock": lock}


def _assemble(release, dest, extras=None, version="0.27.7", whl=None):
    extras = extras if extras is not None else [
        ExtraWheel("portinglab-kernel", "0.1.0", release["extra"], ("portinglab_kernel", "cv2"), ("numpy", "Pillow"))]
    return assemble_pyodide(release["core"], ("pyodide.js", "pyodide.asm.wasm", "pyodide-lock.json"), version,
                            whl or release["whl"], "carrier/assets/pyodide/", extras, dest)


def test_a_distribution_of_verified_files_and_a_trimmed_lock(release, tmp_path):
    dest = tmp_path / "dist"
    dest.mkdir()
    (dest / "stale.txt").write_text("from an earlier build")
    dist = _assemble(release, dest)
    assert sorted(p.name for p in dest.iterdir()) == sorted([
        "pyodide.js", "pyodide.asm.wasm", "pyodide-lock.json", "numpy-2.0-cp312.whl", "pillow-10.0-cp312.whl",
        "scipy-1.0-cp312.whl", "portinglab_kernel-0.1.0-py3-none-any.whl"])
    assert (dest / "pyodide.js").read_bytes() == b"js"  # the npm core's, not the carrier's copy
    assert sorted(dist.used) == ["numpy-2.0-cp312.whl", "pillow-10.0-cp312.whl", "scipy-1.0-cp312.whl"]
    assert dist.ignored == ["pyodide.js"] and dist.dropped == {"openblas": "file not available",
                                                               "scipy": "depends on missing openblas"}
    lock = json.loads((dest / "pyodide-lock.json").read_text())
    assert lock == dist.lock and lock["info"] == release["lock"]["info"]
    assert list(lock["packages"]) == ["numpy", "pillow", "portinglab-kernel"]
    ours = lock["packages"]["portinglab-kernel"]
    assert ours["sha256"] == _sha(b"ours") and ours["imports"] == ["portinglab_kernel", "cv2"]
    assert ours["depends"] == ["numpy", "Pillow"] and ours["install_dir"] == "site"
    for entry in lock["packages"].values():
        assert _sha((dest / entry["file_name"]).read_bytes()) == entry["sha256"]


def test_a_package_file_that_is_not_the_official_one_stops_the_build(release, tmp_path):
    patched = tmp_path / "patched-1.0-py3-none-any.whl"
    with zipfile.ZipFile(release["whl"]) as src, zipfile.ZipFile(patched, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, b"pillow, patched" if info.filename.endswith("pillow-10.0-cp312.whl") else data)
    with pytest.raises(AssetError) as exc:
        _assemble(release, tmp_path / "dist", whl=patched)
    text = str(exc.value)
    assert "sha256 mismatch for Pyodide package file pillow-10.0-cp312.whl (official pyodide-lock.json of " \
           "Pyodide 0.27.7)" in text and f"expected: {_sha(b'pillow')}" in text


def test_what_the_build_refuses(release, tmp_path):
    with pytest.raises(AssetError, match="pyodide-0.27.7.tgz holds Pyodide 0.27.7, pinned 0.28.0"):
        _assemble(release, tmp_path / "a", version="0.28.0")
    scipy_user = ExtraWheel("needs-scipy", "1", release["extra"], ("x",), ("scipy",))
    with pytest.raises(AssetError, match=r"needs-scipy depends on \['scipy'\], not in the Pyodide distribution"):
        _assemble(release, tmp_path / "b", extras=[scipy_user])
    with pytest.raises(AssetError, match="pyodide-0.27.7.tgz has no package/python_stdlib.zip"):
        read_core(release["core"], ("pyodide.js", "python_stdlib.zip"))


def test_the_tarball_jupyterlite_takes(release, tmp_path):
    dist = _assemble(release, tmp_path / "dist")
    tarball = write_tarball(dist.root, tmp_path / "out" / "pyodide.tar.bz2")
    with tarfile.open(tarball, "r:bz2") as tar:
        names = tar.getnames()
        assert names == sorted(names) and all(n.startswith("pyodide/") for n in names)
        assert {n[len("pyodide/"):] for n in names} == {p.name for p in dist.root.iterdir()}
        assert tar.extractfile("pyodide/numpy-2.0-cp312.whl").read() == b"numpy"
    assert not list((tmp_path / "out").glob("*.tmp"))
