"""The start-up bytecode step's pure parts (src/portinglab/bytecode.py), in CPython, without Node or Pyodide.

Proves: rewrite_zip copies every entry unchanged (names, times, contents), stores pure-Python archives and keeps
deflate where shared libraries are, adds the new entries at a fixed time and appends them to the wheel's RECORD;
CPython's own zipimport then runs an added hash-based pyc instead of compiling the source (what the build
relies on for the stdlib zip); add_startup_bytecode places each pyc in the wheel that holds its source and gives
the lock the rewritten wheels' sha256, and refuses pycs that would not be reproducible; the script run inside
Pyodide is valid Python.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

import pytest

from portinglab import bytecode
from portinglab.bytecode import BytecodeError, add_startup_bytecode, rewrite_zip
from portinglab.pyodide_dist import LOCK, PyodideDist


def _zip(path, entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for i, (name, data) in enumerate(entries.items()):
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 2, 3, 4, 2 * i)), data, compression)
    return path


def _pyc(source: str, checked: bool) -> bytes:
    data = source.encode()
    return _code_to_hash_pyc(compile(data, "m.py", "exec"), importlib.util.source_hash(data), checked=checked)


def test_a_pure_python_wheel_gets_stored_entries_and_a_longer_record(tmp_path):
    entries = {"pkg/__init__.py": b"X = 1\n" * 100, "pkg/data.txt": b"text", "pkg-1.0.dist-info/RECORD": b"pkg/__init__.py,sha256=x,600\n"}
    whl = _zip(tmp_path / "pkg-1.0-py3-none-any.whl", entries)
    before = {i.filename: i.date_time for i in zipfile.ZipFile(whl).infolist()}
    add = {"pkg/__pycache__/__init__.cpython-312.pyc": b"pyc-2", "pkg/__pycache__/a.cpython-312.pyc": b"pyc-1"}
    rewrite_zip(whl, add, record="pkg-1.0.dist-info/RECORD")
    with zipfile.ZipFile(whl) as z:
        assert z.namelist() == [*entries, *sorted(add)]
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED, info.filename
            assert info.date_time == before.get(info.filename, (1980, 1, 1, 0, 0, 0))
        assert z.read("pkg/__init__.py") == entries["pkg/__init__.py"] and z.read("pkg/data.txt") == b"text"
        assert z.read("pkg-1.0.dist-info/RECORD").decode() == (
            "pkg/__init__.py,sha256=x,600\npkg/__pycache__/__init__.cpython-312.pyc,,\npkg/__pycache__/a.cpython-312.pyc,,\n")
        assert z.testzip() is None
    assert not list(tmp_path.glob("*.tmp"))


def test_an_archive_with_shared_libraries_keeps_deflate(tmp_path):
    entries = {"np/__init__.py": b"", "np/core.so": b"\x7fELF" + b"\0" * 500, "np/old.txt": b"stored"}
    whl = tmp_path / "np-1.0-cp312-cp312-emscripten_wasm32.whl"
    with zipfile.ZipFile(whl, "w") as z:
        z.writestr(zipfile.ZipInfo("np/__init__.py"), b"", zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("np/core.so"), entries["np/core.so"], zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("np/old.txt"), b"stored", zipfile.ZIP_STORED)
    rewrite_zip(whl, {"np/__pycache__/__init__.cpython-312.pyc": b"pyc"})
    with zipfile.ZipFile(whl) as z:
        kinds = {i.filename: i.compress_type for i in z.infolist()}
    assert kinds == {"np/__init__.py": zipfile.ZIP_DEFLATED, "np/core.so": zipfile.ZIP_DEFLATED,
                     "np/old.txt": zipfile.ZIP_STORED, "np/__pycache__/__init__.cpython-312.pyc": zipfile.ZIP_DEFLATED}


def test_the_same_input_gives_the_same_bytes(tmp_path):
    outputs = []
    for name in ("a.zip", "b.zip"):
        path = _zip(tmp_path / name, {"m.py": b"x = 1\n", "n.py": b"y = 2\n"})
        rewrite_zip(path, {"m.pyc": b"1", "n.pyc": b"2"})
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def test_zipimport_runs_the_added_pyc_not_the_source(tmp_path, monkeypatch):
    """As in Pyodide's python_stdlib.zip: `<module>.pyc` beside the `.py`, hash-based, unchecked."""
    stdlib = _zip(tmp_path / "stdlib_like.zip", {"plab_zip_mod.py": b"WHERE = 'source'\n"})
    rewrite_zip(stdlib, {"plab_zip_mod.pyc": _pyc("WHERE = 'bytecode'\n", checked=False)})
    monkeypatch.syspath_prepend(str(stdlib))
    try:
        import plab_zip_mod

        assert plab_zip_mod.WHERE == "bytecode"
    finally:
        sys.modules.pop("plab_zip_mod", None)


def _dist(tmp_path, wheels: dict[str, dict[str, bytes]], install_dir="site") -> PyodideDist:
    root = tmp_path / "dist"
    root.mkdir()
    _zip(root / bytecode.STDLIB_ZIP, {"os.py": b"# os\n", "json/__init__.py": b"# json\n"})
    packages = {}
    for file, entries in wheels.items():
        _zip(root / file, entries)
        name = file.split("-")[0]
        packages[name] = {"name": name, "file_name": file, "sha256": hashlib.sha256((root / file).read_bytes()).hexdigest(),
                          "install_dir": install_dir if name != "plain" else "site"}
    packages["data"] = {"name": "data", "file_name": "data-1.0.zip", "sha256": "x", "install_dir": "dynlib"}
    lock = {"info": {"version": "0.27.7"}, "packages": packages}
    (root / LOCK).write_text(json.dumps(lock))
    return PyodideDist(root=root, lock=lock)


def _compiled(tmp_path, index_extra=None, stdlib=None, site=None):
    """What compile_startup returns: a zip of pycs and its index.json (made here by CPython)."""
    out = tmp_path / "bytecode.zip"
    stdlib = stdlib if stdlib is not None else {"os.py": "os.pyc", "json/__init__.py": "json/__init__.pyc"}
    site = site if site is not None else {"ipykernel/__init__.py": "ipykernel/__pycache__/__init__.cpython-312.pyc"}
    with zipfile.ZipFile(out, "w") as z:
        for src, pyc in stdlib.items():
            z.writestr(f"stdlib/{pyc}", _pyc(f"# {src}\n", checked=False))
        for src, pyc in site.items():
            z.writestr(f"site/{pyc}", _pyc(f"# {src}\n", checked=True))
        z.writestr("index.json", json.dumps({"cache_tag": "cpython-312", "hash_randomization": 0,
                                             "no_debug_ranges": True, "stdlib": stdlib, "site": site,
                                             **(index_extra or {})}))
    return out


def test_each_pyc_goes_into_the_wheel_of_its_source_and_the_lock_follows(tmp_path, monkeypatch):
    dist = _dist(tmp_path, {
        "ipykernel-6.0-py3-none-any.whl": {"ipykernel/__init__.py": b"# ipykernel/__init__.py\n",
                                           "ipykernel-6.0.dist-info/RECORD": b"ipykernel/__init__.py,,\n"},
        "plain-1.0-py3-none-any.whl": {"plain/__init__.py": b"# not imported at start\n"},
    })
    untouched = (dist.root / "plain-1.0-py3-none-any.whl").read_bytes()
    monkeypatch.setattr(bytecode, "compile_startup", lambda root, preload, work: _compiled(tmp_path))
    logged = []
    result = add_startup_bytecode(dist, ["ipykernel"], log=logged.append)
    assert (result.stdlib, result.site, result.wheels) == (2, 1, ["ipykernel-6.0-py3-none-any.whl"])
    with zipfile.ZipFile(dist.root / bytecode.STDLIB_ZIP) as z:
        assert sorted(z.namelist()) == ["json/__init__.py", "json/__init__.pyc", "os.py", "os.pyc"]
    whl = dist.root / "ipykernel-6.0-py3-none-any.whl"
    with zipfile.ZipFile(whl) as z:
        pyc = z.read("ipykernel/__pycache__/__init__.cpython-312.pyc")
        assert int.from_bytes(pyc[4:8], "little") == 0b11  # hash-based, checked: an edited source still wins
        assert pyc[8:16] == importlib.util.source_hash(z.read("ipykernel/__init__.py"))
        assert z.read("ipykernel-6.0.dist-info/RECORD").decode().endswith(
            "ipykernel/__pycache__/__init__.cpython-312.pyc,,\n")
    lock = json.loads((dist.root / LOCK).read_text())
    assert lock["packages"]["ipykernel"]["sha256"] == hashlib.sha256(whl.read_bytes()).hexdigest()
    assert (dist.root / "plain-1.0-py3-none-any.whl").read_bytes() == untouched
    assert logged == ["[bytecode] 2 stdlib and 1 package modules compiled by Pyodide (cpython-312); 1 wheels rewritten"]


@pytest.mark.parametrize("flags, message", [
    ({"hash_randomization": 1}, "PYTHONHASHSEED=0 did not reach Pyodide"),
    ({"no_debug_ranges": False}, "PYTHONNODEBUGRANGES=1 did not reach Pyodide"),
])
def test_pycs_that_would_not_be_reproducible_are_refused(tmp_path, monkeypatch, flags, message):
    dist = _dist(tmp_path, {})
    before = (dist.root / bytecode.STDLIB_ZIP).read_bytes()
    monkeypatch.setattr(bytecode, "compile_startup", lambda root, preload, work: _compiled(tmp_path, flags))
    with pytest.raises(BytecodeError, match=message):
        add_startup_bytecode(dist, [], log=lambda *_: None)
    assert (dist.root / bytecode.STDLIB_ZIP).read_bytes() == before


def test_the_script_run_in_pyodide_is_valid_python():
    script = bytecode.COMPILE_SCRIPT.format(imports=bytecode.STARTUP_IMPORTS)
    compile(script, "<bytecode>", "exec")
    assert f"for name in {bytecode.STARTUP_IMPORTS!r}:" in script and 'out.writestr("index.json"' in script
