"""An sdist packed as the wheel pip would install (src/portinglab/purewheel.py), in CPython.

Proves: the wheel holds the packages' Python files unchanged (nothing else of the sdist), the sdist's PKG-INFO as
its METADATA and a RECORD whose hashes and sizes are the files' (PEP 376/427, checked with hashlib and read by
`pkginfo`); Python imports the packages straight from it; the same sdist gives the same bytes every time; the
packages are found in a `src/`-style package_dir or named explicitly.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pkginfo
import pytest

from portinglab import paths
from portinglab.purewheel import pinned, pure_wheel

PKG_INFO = b"Metadata-Version: 2.1\nName: Tiny-Pkg\nVersion: 1.2.3\nSummary: tiny\nRequires-Python: >=3.8\n"


def _sdist(tmp_path, files: dict[str, bytes], name="Tiny-Pkg-1.2.3") -> Path:
    path = tmp_path / f"{name}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, data in {"PKG-INFO": PKG_INFO, **files}.items():
            info = tarfile.TarInfo(f"{name}/{rel}")
            info.size, info.mtime = len(data), 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
        tar.addfile(tarfile.TarInfo(f"{name}/empty_dir"))  # not a file: ignored
    return path


FILES = {
    "src/tiny/__init__.py": b"from .core import answer\n",
    "src/tiny/core.py": b"def answer():\n    return 42\n",
    "src/tiny/sub/__init__.py": b"",
    "src/tiny/sub/deep.py": b"VALUE = 'deep'\n",
    "src/tiny/data.json": b"{}",          # not Python: not in the wheel
    "src/other/__init__.py": b"NAME = 'other'\n",
    "src/notpkg/helper.py": b"x = 1\n",   # no __init__.py: not a package
    "src/top_module.py": b"x = 1\n",      # a module, not a package
    "tests/test_tiny.py": b"assert True\n",
    "setup.py": b"raise SystemExit('never run')\n",
}


def _record(whl) -> dict[str, tuple[str, str]]:
    with zipfile.ZipFile(whl) as z:
        dist = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        return {row[0]: (row[1], row[2]) for row in csv.reader(io.StringIO(z.read(dist).decode()))}


def test_the_wheel_holds_the_packages_metadata_and_a_true_record(tmp_path):
    whl = pure_wheel(_sdist(tmp_path, FILES), tmp_path, package_dir="src")
    assert whl.name == "Tiny-Pkg-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        assert names == sorted(names[:-1]) + ["Tiny-Pkg-1.2.3.dist-info/RECORD"]
        assert set(names) == {"other/__init__.py", "tiny/__init__.py", "tiny/core.py", "tiny/sub/__init__.py",
                              "tiny/sub/deep.py", "Tiny-Pkg-1.2.3.dist-info/METADATA",
                              "Tiny-Pkg-1.2.3.dist-info/WHEEL", "Tiny-Pkg-1.2.3.dist-info/RECORD"}
        for name in names:
            info = z.getinfo(name)
            assert info.date_time == (1980, 1, 1, 0, 0, 0) and info.compress_type == zipfile.ZIP_DEFLATED
        assert z.read("tiny/core.py") == FILES["src/tiny/core.py"]
        assert z.read("Tiny-Pkg-1.2.3.dist-info/METADATA") == PKG_INFO
        wheel_meta = z.read("Tiny-Pkg-1.2.3.dist-info/WHEEL").decode()
        assert "Root-Is-Purelib: true" in wheel_meta and "Tag: py3-none-any" in wheel_meta
        record = _record(whl)
        assert set(record) == set(names) and record["Tiny-Pkg-1.2.3.dist-info/RECORD"] == ("", "")
        for name in names[:-1]:
            data = z.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert record[name] == (f"sha256={digest}", str(len(data))), name
    meta = pkginfo.Wheel(str(whl))
    assert (meta.name, meta.version, meta.requires_python) == ("Tiny-Pkg", "1.2.3", ">=3.8")


def test_python_imports_the_packages_from_the_wheel(tmp_path, monkeypatch):
    whl = pure_wheel(_sdist(tmp_path, FILES), tmp_path, package_dir="src/")
    monkeypatch.syspath_prepend(str(whl))
    try:
        import tiny
        from tiny.sub import deep

        assert tiny.answer() == 42 and deep.VALUE == "deep" and tiny.__file__.startswith(str(whl))
    finally:
        for name in ("tiny", "tiny.core", "tiny.sub", "tiny.sub.deep"):
            sys.modules.pop(name, None)


def test_the_same_sdist_gives_the_same_bytes(tmp_path):
    sdist = _sdist(tmp_path, FILES)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = pure_wheel(sdist, tmp_path / "a", package_dir="src")
    second = pure_wheel(sdist, tmp_path / "b", package_dir="src")
    assert first.read_bytes() == second.read_bytes()


def test_packages_at_the_root_or_named(tmp_path):
    flat = {"yaml/__init__.py": b"X = 1\n", "yaml/reader.py": b"", "_yaml/__init__.py": b"", "lib/ignored.py": b""}
    whl = pure_wheel(_sdist(tmp_path, flat, "PyYAML-6.0.3"), tmp_path)
    with zipfile.ZipFile(whl) as z:
        assert whl.name == "PyYAML-6.0.3-py3-none-any.whl"
        assert [n for n in z.namelist() if not n.startswith("PyYAML")] == ["_yaml/__init__.py", "yaml/__init__.py",
                                                                            "yaml/reader.py"]
    named = pure_wheel(_sdist(tmp_path, flat, "PyYAML-6.0.3"), tmp_path, packages=["yaml"])
    with zipfile.ZipFile(named) as z:
        assert [n for n in z.namelist() if not n.startswith("PyYAML")] == ["yaml/__init__.py", "yaml/reader.py"]


def test_the_pinned_sdists_name_their_packages(tmp_path):
    pins = pinned(paths.ASSETS_TOML)
    assert pins and all({"pypi", "filename", "sha256", "packages"} <= set(p) for p in pins)
    (tmp_path / "assets.toml").write_text("[pyodide]\nversion = '1'\n")
    assert pinned(tmp_path / "assets.toml") == []


@pytest.mark.parametrize("missing", ["PKG-INFO"])
def test_an_sdist_without_metadata_is_refused(tmp_path, missing):
    path = tmp_path / "x-1.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("x-1/x/__init__.py")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(KeyError, match=missing):
        pure_wheel(path, tmp_path)
