"""assets.toml as typed pins (src/portinglab/pins.py), in CPython, no download.

Proves: every table and optional key maps to its field (defaults only where the format allows them, a
missing required key is an error naming it); npm names, versions and tarball names are npm's own
(`npm pack` names); the checkout's pins agree with themselves as PyPI and npm define them (a wheel's
file name is its requirement's name and version by `packaging`; an integrity is a SHA-512 digest).
"""

from __future__ import annotations

import base64
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from portinglab import paths
from portinglab.pins import NpmPin, load_pins
from portinglab.purewheel import pinned

FULL = '''
[pyodide]
version = "0.27.7"
npm = "pyodide@0.27.7"
sha256 = "aa"
integrity = "sha512-bb"
core_files = ["pyodide.js", "pyodide-lock.json"]

[pyodide.packages]
pypi = "some-dist==1.0"
filename = "some_dist-1.0-py3-none-any.whl"
sha256 = "cc"
prefix = "some_dist/assets/pyodide/"

[[wheels]]
pypi = "comm==0.2.3"
filename = "comm-0.2.3-py3-none-any.whl"
sha256 = "dd"
imports = ["comm"]
depends = ["traitlets"]

[[wheels]]
pypi = "bare==1"
filename = "bare-1-py3-none-any.whl"
sha256 = "ee"

[[vendor]]
npm = "@scope/lib@2.0.0-rc.1"
sha256 = "ff"
integrity = "sha512-gg"
files = ["dist/lib.js", "LICENSE"]

[[models]]
pypi = "models==1.0"
filename = "models-1.0-py3-none-any.whl"
sha256 = "11"
license = "Apache-2.0"
dest = "models"
[models.files]
"models/b.onnx" = "22"
"models/a.onnx" = "33"
'''


def test_every_field_of_every_table(tmp_path):
    (tmp_path / "assets.toml").write_text(FULL)
    pins = load_pins(tmp_path / "assets.toml")
    assert pins.pyodide_version == "0.27.7"
    assert pins.pyodide_core == NpmPin("pyodide@0.27.7", "aa", "sha512-bb", ("pyodide.js", "pyodide-lock.json"))
    assert (pins.pyodide_packages.requirement, pins.pyodide_packages.filename, pins.pyodide_packages.prefix) == (
        "some-dist==1.0", "some_dist-1.0-py3-none-any.whl", "some_dist/assets/pyodide/")
    comm, bare = pins.wheels
    assert (comm.imports, comm.depends, comm.sha256) == (("comm",), ("traitlets",), "dd")
    assert (bare.imports, bare.depends, bare.prefix) == ((), (), "")
    (lib,) = pins.vendor
    assert (lib.name, lib.version, lib.files) == ("@scope/lib", "2.0.0-rc.1", ("dist/lib.js", "LICENSE"))
    (model,) = pins.models
    assert model.files == (("models/b.onnx", "22"), ("models/a.onnx", "33")) and model.source == ""
    assert (model.dest, model.license) == ("models", "Apache-2.0")


def test_optional_tables_may_be_absent(tmp_path):
    (tmp_path / "assets.toml").write_text(FULL.split("[[wheels]]")[0])
    pins = load_pins(tmp_path / "assets.toml")
    assert pins.wheels == pins.vendor == pins.models == ()


@pytest.mark.parametrize("key", ["version", "npm", "sha256", "integrity", "filename", "pypi", "dest", "license"])
def test_a_missing_required_key_is_an_error_not_a_default(tmp_path, key):
    lines = FULL.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
    (tmp_path / "assets.toml").write_text("\n".join(lines[:first] + lines[first + 1:]))
    with pytest.raises(KeyError, match=key):
        load_pins(tmp_path / "assets.toml")


@pytest.mark.parametrize("spec, name, version, tarball", [
    ("pyodide@0.27.7", "pyodide", "0.27.7", "pyodide-0.27.7.tgz"),
    ("onnxruntime-web@1.30.0", "onnxruntime-web", "1.30.0", "onnxruntime-web-1.30.0.tgz"),
    ("@techstark/opencv-js@4.12.0-release.1", "@techstark/opencv-js", "4.12.0-release.1",
     "techstark-opencv-js-4.12.0-release.1.tgz"),
    ("@a/b@1.0.0+build.5", "@a/b", "1.0.0+build.5", "a-b-1.0.0+build.5.tgz"),
])
def test_npm_names_versions_and_tarballs_are_npms(spec, name, version, tarball):
    pin = NpmPin(spec, "", "")
    assert (pin.name, pin.version, pin.tarball) == (name, version, tarball)


def test_the_checkouts_pins_are_consistent_by_pypis_and_npms_rules():
    pins = load_pins()
    assert load_pins(paths.ASSETS_TOML) == pins
    for pin in [pins.pyodide_packages, *pins.wheels, *pins.models]:
        req = Requirement(pin.requirement)
        (version,) = [s.version for s in req.specifier]
        name, wheel_version, _, tags = parse_wheel_filename(pin.filename)
        assert name == canonicalize_name(req.name) and str(wheel_version) == version, pin.filename
        assert all(t.platform == "any" for t in tags), pin.filename  # pure Python: runs in Pyodide
    for pin in [pins.pyodide_core, *pins.vendor]:
        algo, _, digest = pin.integrity.partition("-")
        assert algo == "sha512" and len(base64.b64decode(digest, validate=True)) == 64, pin.spec
        assert pin.files and len(set(pin.files)) == len(pin.files), pin.spec
    for model in pins.models:
        assert len({sha for _, sha in model.files}) == len(model.files)
        assert (paths.ROOT / "src/portinglab/licenses" / f"{model.license}.txt").is_file()
    for sdist in pinned(paths.ASSETS_TOML):
        name, version = parse_sdist_filename(sdist["filename"])
        req = Requirement(sdist["pypi"])
        assert name == canonicalize_name(req.name) and str(version) == next(iter(req.specifier)).version
        assert sdist["packages"] and len(sdist["sha256"]) == 64
    raw = tomllib.loads(paths.ASSETS_TOML.read_text())
    assert pins.pyodide_core.files == tuple(raw["pyodide"]["core_files"])
