"""`./portlab build-opencvjs`'s pure parts (src/portinglab/opencvjs/build.py), in CPython, no compiler:
module closure, the trimmed white-list config, build_js.py's and make's command lines, the environment."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from portinglab.opencvjs import build as b  # noqa: E402

#: a stand-in with OpenCV's opencv_js.config.py's shape (module dicts, then makeWhiteList)
CONFIG = '''# Classes and methods whitelist

core = {
    '': ['absdiff', 'add'],
    'Algorithm': [],
}

imgproc = {
    '': ['cvtColor', 'GaussianBlur'],
    'CLAHE': ['apply'],
}

video = {'': ['meanShift']}

calib3d = {'': ['Rodrigues']}

white_list = makeWhiteList([core, imgproc, video, calib3d])

# namespace_prefix_override['dnn'] = ''
'''


def _exec_config(text: str) -> list:
    """What embindgen.py does with a .py config: exec it with makeWhiteList defined."""
    scope = {"makeWhiteList": lambda mods: mods}
    exec(text, scope)
    return scope["white_list"]


def test_resolve_modules_adds_dependencies_in_a_stable_order():
    assert b.resolve_modules(["imgproc"]) == ["core", "imgproc"]
    assert b.resolve_modules(["imgproc", "core"]) == ["core", "imgproc"]
    assert b.resolve_modules(["objdetect"]) == ["core", "flann", "imgproc", "features2d", "calib3d", "objdetect"]
    full = b.resolve_modules(list(b.CONFIG_MODULES))
    assert set(b.CONFIG_MODULES) <= set(full) and "flann" in full


def test_resolve_modules_rejects_unknown_names():
    with pytest.raises(b.BuildError, match="highgui"):
        b.resolve_modules(["core", "highgui"])


def test_whitelist_config_keeps_only_the_requested_modules_text():
    text = b.whitelist_config(CONFIG, ["core", "imgproc"])
    assert "white_list = makeWhiteList([core, imgproc])" in text
    assert "meanShift" not in text and "Rodrigues" not in text
    # each kept dict is OpenCV's own text, byte for byte
    assert "imgproc = {\n    '': ['cvtColor', 'GaussianBlur'],\n    'CLAHE': ['apply'],\n}" in text
    core, imgproc = _exec_config(text)
    assert core[""] == ["absdiff", "add"] and imgproc["CLAHE"] == ["apply"]


def test_whitelist_config_keeps_opencvs_order_and_skips_modules_without_bindings():
    text = b.whitelist_config(CONFIG, ["calib3d", "flann", "core", "video", "imgproc"])
    assert "white_list = makeWhiteList([core, imgproc, video, calib3d])" in text
    ast.parse(text)


def test_whitelist_config_refuses_an_unknown_format_or_an_empty_selection():
    with pytest.raises(b.BuildError, match="makeWhiteList"):
        b.whitelist_config("core = {'': []}\n", ["core"])
    with pytest.raises(b.BuildError, match="none of"):
        b.whitelist_config(CONFIG, ["dnn"])


def test_whitelist_config_reads_opencvs_real_config_when_unpacked():
    cached = sorted((b.CACHE / "opencvjs").glob("src-*/opencv/platforms/js/opencv_js.config.py"))
    if not cached:
        pytest.skip("the OpenCV source is not unpacked (./portlab build-opencvjs does it)")
    real = cached[0].read_text(encoding="utf-8")
    assert _exec_config(b.whitelist_config(real, list(b.CONFIG_MODULES))) == _exec_config(real)
    assert len(_exec_config(b.whitelist_config(real, ["core", "imgproc"]))) == 2


def test_build_js_command_simd_by_default_other_modules_off():
    cmd = b.build_js_command("py", Path("build_js.py"), Path("bd"), Path("cfg.py"), ["core", "imgproc"],
                             threads=False)
    assert cmd[:5] == ["py", "build_js.py", "bd", "--build_wasm", "--config_only"]
    assert "--simd" in cmd and "--threads" not in cmd
    assert "--config=cfg.py" in cmd and "--emscripten_dir=/usr/share/emscripten" in cmd
    off = {c.split("BUILD_opencv_")[1].split("=")[0] for c in cmd if c.endswith("=OFF") and "BUILD_opencv_" in c}
    assert off == set(b.SWITCHABLE)
    assert "--cmake_option=-DBUILD_TESTS=OFF" in cmd
    # build_js.py reads `--cmake_option=-D...` as one argument each
    assert all(c.startswith("--cmake_option=-D") for c in cmd if "-D" in c)


def test_build_js_command_threads_and_full_modules():
    mods = b.resolve_modules(list(b.CONFIG_MODULES))
    cmd = b.build_js_command("py", Path("b.py"), Path("bd"), Path("c.py"), mods, threads=True)
    assert "--simd" in cmd and "--threads" in cmd
    assert not any("BUILD_opencv_" in c for c in cmd)
    assert "--simd" not in b.build_js_command("py", Path("b.py"), Path("bd"), Path("c.py"), mods,
                                               threads=False, simd=False)


def test_make_runs_one_job_niced():
    assert b.make_command() == ["make", "-j1", "opencv.js"]
    assert b.niced(b.make_command())[:3] == ["nice", "-n", "19"]


def test_build_env_points_at_debians_toolchain_and_limits_parallelism():
    env = b.build_env({"PATH": "/usr/bin", "EMSDK": "/opt/emsdk", "MAKEFLAGS": "-j8", "NODE_PATH": "/x"})
    assert env["EMSCRIPTEN"] == "/usr/share/emscripten" and "EMSDK" not in env
    assert env["NODE_PATH"].split(":") == ["/usr/share/nodejs", "/x"]
    assert env["EMCC_CORES"] == "1" and "MAKEFLAGS" not in env


def test_flavour_tag_and_emcc_version():
    assert b.flavour(False) == "simd" and b.flavour(True) == "simd-threads"
    assert b.tag(b.resolve_modules(["imgproc"])) == "core-imgproc"
    assert b.tag(b.resolve_modules(list(b.CONFIG_MODULES))) == "all"
    line = "emcc (Emscripten gcc/clang-like replacement + linker emulating GNU ld) 3.1.6 ()\nCopyright"
    assert b.parse_emcc_version(line) == "3.1.6"
    with pytest.raises(b.BuildError):
        b.parse_emcc_version("clang version 14")


def test_the_toolchain_pin_is_in_assets_toml():
    sdist, pin = b.pins()
    assert pin["emscripten"] == "3.1.6" and sdist["filename"] == "opencv-python-4.12.0.88.tar.gz"


def test_whitelist_extra_is_appended_to_the_kept_modules_only():
    extra = {"core": {"": ["findNonZero"]}, "features2d": {"SIFT": ["create"]}, "video": {"": ["x"]}}
    text = b.whitelist_config(CONFIG, ["core", "imgproc"], extra)
    core, imgproc = _exec_config(text)
    assert core[""] == ["absdiff", "add", "findNonZero"]  # OpenCV's names first, ours after
    assert "SIFT" not in text and "'x'" not in text  # modules not built: nothing of theirs


def test_the_projects_whitelist_extra_names_known_modules_and_no_duplicates():
    extra = b.whitelist_extra()
    assert set(extra) <= set(b.CONFIG_MODULES)
    for module, keys in extra.items():
        for key, names in keys.items():
            assert len(names) == len(set(names)), (module, key)
    assert "NMSBoxes" in extra["dnn"][""] and extra["features2d"]["SIFT"] == ["create", "getDefaultName"]


def test_a_rebuild_is_compared_file_by_file_with_the_sites_pin():
    pin = {"files": {"opencv_js.js": "a" * 64, "opencv_js.worker.js": "b" * 64}}
    assert b.compare_with_pin({"opencv.js": "c" * 64, "opencv_js.js": "a" * 64, "opencv_js.worker.js": "b" * 64}, pin) == []
    differ = b.compare_with_pin({"opencv_js.js": "a" * 64, "opencv_js.worker.js": "d" * 64}, pin)
    assert len(differ) == 1 and differ[0].startswith("opencv_js.worker.js: pinned bbbb")
    assert "pins no build" in b.compare_with_pin({}, None)[0]


def test_install_copies_the_sites_files_and_prints_the_pin(tmp_path, monkeypatch):
    import tomllib

    out = tmp_path / "dist"
    out.mkdir()
    for f in ("opencv.js", "opencv.js.json", "opencv_js.config.py", "opencv_js.worker.js"):
        (out / f).write_text(f)
    (out / "opencv_js.js").write_text('var wasmBinaryFile;wasmBinaryFile="data:application/octet-stream;base64,AGFzbQ==";')
    monkeypatch.setattr(b, "ROOT", tmp_path)
    entry = tomllib.loads(b.install(out, "simd-threads"))["opencvjs"]["site"][0]
    assert entry["name"] == "portinglab/opencv-js-simd-threads" and entry["dir"] == "opencvjs/simd-threads"
    assert entry["requires"] == ["wasm-simd", "cross-origin-isolated"]
    assert set(entry["files"]) == {"opencv_js.js", "opencv_js.wasm", "opencv_js.worker.js"}
    assert entry["files"]["opencv_js.js"] == b.sha256_of(tmp_path / "opencvjs/simd-threads/opencv_js.js")
    assert (tmp_path / "opencvjs/simd-threads/opencv_js.wasm").read_bytes() == b"\0asm"
    assert (tmp_path / "opencvjs/simd-threads/opencv_js.js").read_text() == 'var wasmBinaryFile;wasmBinaryFile="opencv_js.wasm";'


def test_split_wasm_needs_exactly_one_embedded_module():
    js, wasm = b.split_wasm('a;wasmBinaryFile="data:application/octet-stream;base64,AGFzbQEAAAA=";b')
    assert js == 'a;wasmBinaryFile="opencv_js.wasm";b' and wasm == b"\0asm\x01\0\0\0"
    with pytest.raises(b.BuildError, match="found 0"):
        b.split_wasm("no wasm here")


def test_every_build_the_site_pins_is_committed_and_matches():
    from portinglab.site import opencvjs_site_pins

    for pin in opencvjs_site_pins():
        for f, sha in pin["files"].items():
            assert b.sha256_of(ROOT / pin["dir"] / f) == sha, (pin["name"], f)
