"""Build opencv.js from OpenCV's source with wasm SIMD (and, optionally, threads).

Standard library only (CPython 3.11). The steps:

1. the opencv-python 4.12.0.88 sdist, fetched and verified by sha256 exactly as the cv2 generator does
   (assets.toml [cv2gen]), its `opencv/` folder unpacked once under .cache/portinglab/opencvjs/src-<sha16>/;
2. a white-list config written from OpenCV's own `platforms/js/opencv_js.config.py`, keeping only the
   requested modules' dictionaries (the rest of the text is OpenCV's, byte for byte);
3. OpenCV's `platforms/js/build_js.py --config_only` (cmake with Emscripten's toolchain file), then
   `make -j1 opencv.js`: what build_js.py's own build step runs, with ONE job instead of one per core;
   every compiler process runs under `nice -n 19` and with EMCC_CORES=1;
4. `bin/opencv.js` copied to the output folder with `opencv.js.json` (sha256, size, flags, emcc version,
   times).

The toolchain is Debian's `emscripten` package (3.1.6, checked against assets.toml [opencvjs]); its JS
optimizer needs Debian's `node-acorn` found through NODE_PATH=/usr/share/nodejs.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

from ..fetch import sha256_of
from ..paths import ASSETS_TOML, CACHE, ROOT

#: the modules OpenCV's own opencv_js.config.py white-lists, in its order (what the npm build has)
CONFIG_MODULES = ("core", "imgproc", "objdetect", "video", "dnn", "features2d", "photo", "calib3d")
#: every module build_js.py may turn on, with the modules each needs (OPTIONAL ones left out:
#: features2d and video build without them); flann has no JS bindings, only dependants
DEPENDS = {
    "core": (),
    "flann": ("core",),
    "imgproc": ("core",),
    "features2d": ("imgproc",),
    "calib3d": ("imgproc", "features2d", "flann"),
    "dnn": ("core", "imgproc"),
    "objdetect": ("core", "imgproc", "calib3d"),
    "photo": ("imgproc",),
    "video": ("imgproc",),
}
#: modules that build_js.py builds or that OpenCV builds by default, and that --modules may turn off
SWITCHABLE = ("flann", "features2d", "calib3d", "dnn", "objdetect", "photo", "video")

#: names Porting Lab adds to OpenCV's white-list, per module (each list says why, in the file)
WHITELIST_EXTRA = Path(__file__).with_name("whitelist_extra.toml")

#: changes to OpenCV's source before building, each (file, OpenCV's text, ours, why); the source folder is
#: named by their hash. Found by the differential tests against opencv-python (tests/kernel/test_cv2.py).
PATCHES = (
    ("modules/core/include/opencv2/core/hal/intrin_wasm.hpp",
     "    v128_t h = wasm_f32x4_splat(0.5);\n"
     "    return v_int32x4(wasm_i32x4_trunc_saturate_f32x4(wasm_f32x4_add(a.val, h)));",
     "    return v_int32x4(wasm_i32x4_trunc_saturate_f32x4(wasm_f32x4_nearest(a.val)));",
     "v_round(float32x4) computed trunc(x + 0.5): ties rounded up and negatives toward zero, where cvRound "
     "(and x86's cvtps2dq) rounds to nearest, ties to even; addWeighted, convertScaleAbs, divide, resize 16U, "
     "Laplacian, applyColorMap... differed from opencv-python by 1 in 1-30 % of pixels. f32x4.nearest is "
     "round-to-nearest-even."),
    ("modules/core/include/opencv2/core/hal/intrin_wasm.hpp",
     "OPENCV_HAL_IMPL_WASM_BIN_FUNC(v_float32x4, v_min, wasm_f32x4_min)\n"
     "OPENCV_HAL_IMPL_WASM_BIN_FUNC(v_float32x4, v_max, wasm_f32x4_max)\n"
     "OPENCV_HAL_IMPL_WASM_BIN_FUNC(v_float64x2, v_min, wasm_f64x2_min)\n"
     "OPENCV_HAL_IMPL_WASM_BIN_FUNC(v_float64x2, v_max, wasm_f64x2_max)",
     "inline v_float32x4 v_min(const v_float32x4& a, const v_float32x4& b) { return v_float32x4(wasm_f32x4_pmin(b.val, a.val)); }\n"
     "inline v_float32x4 v_max(const v_float32x4& a, const v_float32x4& b) { return v_float32x4(wasm_f32x4_pmax(b.val, a.val)); }\n"
     "inline v_float64x2 v_min(const v_float64x2& a, const v_float64x2& b) { return v_float64x2(wasm_f64x2_pmin(b.val, a.val)); }\n"
     "inline v_float64x2 v_max(const v_float64x2& a, const v_float64x2& b) { return v_float64x2(wasm_f64x2_pmax(b.val, a.val)); }",
     "float v_min/v_max used f32x4.min/max, which return NaN when either input is NaN; x86's minps/maxps "
     "(opencv-python) return the second operand, (a < b) ? a : b. pmin(b, a)/pmax(b, a) are exactly that: "
     "cv2.max with a NaN gave NaN where opencv-python gives the other value, and TonemapDrago's output was "
     "NaN everywhere for an image with black pixels."),
    ("modules/core/include/opencv2/core/hal/intrin_wasm.hpp",
     "#define OPENCV_HAL_IMPL_WASM_CHECK_SIGNS(_Tpvec, suffix, scalarType) \\\n"
     "inline int v_signmask(const _Tpvec& a) \\\n"
     "{ \\\n"
     "    _Tpvec::lane_type a_[_Tpvec::nlanes]; \\\n"
     "    wasm_v128_store(a_, a.val); \\\n"
     "    int mask = 0; \\\n"
     "    for (int i = 0; i < _Tpvec::nlanes; i++) \\\n"
     "        mask |= (reinterpret_int(a_[i]) < 0) << i; \\\n"
     "    return mask; \\\n"
     "} \\\n",
     "inline int v_wasm_signmask_i8x16(v128_t v) { return (int)wasm_i8x16_bitmask(v); }\n"
     "inline int v_wasm_signmask_i16x8(v128_t v) { return (int)wasm_i16x8_bitmask(v); }\n"
     "inline int v_wasm_signmask_i32x4(v128_t v) { return (int)wasm_i32x4_bitmask(v); }\n"
     "inline int v_wasm_signmask_f64x2(v128_t v) { return (int)wasm_i64x2_bitmask(v); }\n"
     "#define OPENCV_HAL_IMPL_WASM_CHECK_SIGNS(_Tpvec, suffix, scalarType) \\\n"
     "inline int v_signmask(const _Tpvec& a) \\\n"
     "{ return v_wasm_signmask_##suffix(a.val); } \\\n",
     "v_signmask stored the vector and tested its lanes one by one; wasm SIMD's bitmask instructions give the "
     "same sign bits in one (the same result). Canny's hysteresis finds edge pixels with it (v_scan_forward): "
     "Canny on a 1080p image ran 0.64x the npm build's speed before."),
)

#: added to build_js.py's Emscripten flags. stackSave/stackRestore: the build catches no C++ exception
#: (OpenCV's default), so an OpenCV error thrown out to JavaScript leaves the wasm stack pointer where the
#: throw was; the bridge puts it back after each error (bridge.js). Without it a few thousand errors
#: overflow the 5 MB stack into static data (measured: the 1,365th error broke the module).
LINK_FLAGS = "-s EXPORTED_RUNTIME_METHODS=stackSave,stackRestore"

EMSCRIPTEN_DIR = Path("/usr/share/emscripten")
NODE_PATH = "/usr/share/nodejs"  # Debian's node-acorn, for Emscripten's JS optimizer


class BuildError(RuntimeError):
    pass


def pins() -> tuple[dict, dict]:
    """([cv2gen] the sdist's pin, [opencvjs] the toolchain's pin) from assets.toml."""
    data = tomllib.loads(ASSETS_TOML.read_text(encoding="utf-8"))
    return data["cv2gen"], data["opencvjs"]


# ---------------------------------------------------------------------------- pure parts (tested)

def resolve_modules(requested: list[str] | tuple[str, ...]) -> list[str]:
    """The requested modules plus what they need, in DEPENDS' order; unknown names raise."""
    unknown = [m for m in requested if m not in DEPENDS]
    if unknown:
        raise BuildError(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(DEPENDS)}")
    need: set[str] = set()
    stack = list(requested)
    while stack:
        m = stack.pop()
        if m not in need:
            need.add(m)
            stack.extend(DEPENDS[m])
    return [m for m in DEPENDS if m in need]


def whitelist_extra(path: Path = WHITELIST_EXTRA) -> dict[str, dict[str, list[str]]]:
    """{module: {white-list key: [names added]}} from whitelist_extra.toml."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def whitelist_config(config_text: str, modules: list[str], extra: dict[str, dict[str, list[str]]] | None = None) -> str:
    """OpenCV's opencv_js.config.py trimmed to `modules`' dictionaries (exec'd by embindgen.py, which
    defines makeWhiteList), plus `extra`'s names appended to those modules' lists."""
    tree = ast.parse(config_text)
    segments: dict[str, str] = {}
    final = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name == "white_list":
                final = node
            elif isinstance(node.value, ast.Dict):
                segments[name] = ast.get_source_segment(config_text, node)
    if final is None or not (isinstance(final.value, ast.Call) and getattr(final.value.func, "id", "") == "makeWhiteList"):
        raise BuildError("opencv_js.config.py: no `white_list = makeWhiteList([...])` (OpenCV's format changed?)")
    listed = [e.id for e in final.value.args[0].elts]
    keep = [m for m in listed if m in modules]
    if not keep:
        raise BuildError(f"none of {modules} has a white-list in opencv_js.config.py (it lists {listed})")
    parts = ["# Generated by src/portinglab/opencvjs/build.py from OpenCV 4.12.0's platforms/js/opencv_js.config.py:",
             f"# only the white-lists of {', '.join(keep)}.", ""]
    parts += [segments[m] + "\n" for m in keep]
    added = [(m, key, names) for m in keep for key, names in (extra or {}).get(m, {}).items()]
    if added:
        parts.append("# Added by Porting Lab (src/portinglab/opencvjs/whitelist_extra.toml):")
        parts += [f"{m}.setdefault({key!r}, []).extend({names!r})" for m, key, names in added]
        parts.append("")
    parts.append(f"white_list = makeWhiteList([{', '.join(keep)}])\n")
    return "\n".join(parts)


def flavour(threads: bool, simd: bool = True) -> str:
    return ("simd" if simd else "nosimd") + ("-threads" if threads else "")


def tag(modules: list[str]) -> str:
    """A folder-name tag for a module set: `all` for OpenCV's own list, else the bound modules joined."""
    bound = [m for m in modules if m in CONFIG_MODULES]
    return "all" if set(bound) == set(CONFIG_MODULES) else "-".join(bound)


def build_js_command(python: str, build_js: Path, build_dir: Path, config: Path, modules: list[str], *,
                     threads: bool, simd: bool = True, emscripten_dir: Path = EMSCRIPTEN_DIR) -> list[str]:
    """OpenCV's build_js.py, configure step only (the build step is `make_command`)."""
    cmd = [python, str(build_js), str(build_dir), "--build_wasm", "--config_only",
           f"--emscripten_dir={emscripten_dir}", f"--config={config}"]
    if simd:
        cmd.append("--simd")
    if threads:
        cmd.append("--threads")
    cmd.append(f"--build_flags={LINK_FLAGS}")
    # build_js.py turns these on (or OpenCV does by default): off unless wanted; cmake keeps the last -D
    for m in SWITCHABLE:
        if m not in modules:
            cmd.append(f"--cmake_option=-DBUILD_opencv_{m}=OFF")
    # tests, perf tests and examples are configured by build_js.py but not needed for opencv.js
    cmd += ["--cmake_option=-DBUILD_TESTS=OFF", "--cmake_option=-DBUILD_PERF_TESTS=OFF",
            "--cmake_option=-DBUILD_EXAMPLES=OFF"]
    return cmd


def make_command(jobs: int = 1) -> list[str]:
    """build_js.py's `make -j <cpu count> opencv.js`, with `jobs` jobs (one: the machine is shared)."""
    return ["make", f"-j{jobs}", "opencv.js"]


def niced(cmd: list[str]) -> list[str]:
    return ["nice", "-n", "19", *cmd]


def build_env(base: dict[str, str] | None = None, emscripten_dir: Path = EMSCRIPTEN_DIR) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["EMSCRIPTEN"] = str(emscripten_dir)
    env.pop("EMSDK", None)  # build_js.py would prefer $EMSDK/upstream/emscripten
    env["NODE_PATH"] = NODE_PATH + (os.pathsep + env["NODE_PATH"] if env.get("NODE_PATH") else "")
    env["EMCC_CORES"] = "1"  # emcc's own parallelism (system libraries, link-time steps)
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    return env


def patches_tag(patches=PATCHES) -> str:
    import hashlib

    return hashlib.sha256(json.dumps([p[:3] for p in patches]).encode()).hexdigest()[:8]


def apply_patches(root: Path, patches=PATCHES) -> None:
    """Apply PATCHES to an unpacked OpenCV tree; each original text must occur exactly once."""
    for rel, old, new, _why in patches:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise BuildError(f"patch for {rel}: OpenCV's text found {text.count(old)} times, expected once")
        path.write_text(text.replace(old, new), encoding="utf-8")


def parse_emcc_version(text: str) -> str:
    m = re.search(r"emcc \(Emscripten[^)]*\) (\d+\.\d+\.\d+)", text)
    if not m:
        raise BuildError(f"cannot read emcc's version from: {text.splitlines()[0] if text else '(nothing)'}")
    return m.group(1)


# ---------------------------------------------------------------------------- the build

def toolchain(pin: dict) -> dict:
    """emcc's version (must be assets.toml [opencvjs] emscripten) and Debian's package version."""
    if not shutil.which("emcc"):
        raise BuildError("emcc not found: apt-get install emscripten node-acorn (Debian's "
                         f"emscripten {pin['emscripten']}, see docs/opencv-js-build.md)")
    out = subprocess.run(["emcc", "--version"], capture_output=True, text=True, env=build_env()).stdout
    version = parse_emcc_version(out)
    if version != pin["emscripten"]:
        raise BuildError(f"emcc {version} found, assets.toml [opencvjs] pins emscripten {pin['emscripten']}")
    deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "emscripten"], capture_output=True, text=True)
    if deb.returncode == 0 and deb.stdout.strip() != pin["debian_package"]:
        raise BuildError(f"Debian's emscripten {deb.stdout.strip()} is installed, assets.toml [opencvjs] pins "
                         f"{pin['debian_package']}")
    acorn = Path(NODE_PATH) / "acorn"
    if not acorn.exists():
        raise BuildError(f"{acorn} missing: apt-get install node-acorn (Emscripten's JS optimizer imports acorn)")
    return {"emcc": version, "emcc_version_line": out.splitlines()[0],
            "debian_package": deb.stdout.strip() if deb.returncode == 0 else None}


def unpack_source(cache: Path = CACHE) -> tuple[Path, str]:
    """OpenCV's source tree from the verified sdist, unpacked once (folder named by its sha256)."""
    from ..cv2gen import sources
    from ..fetch import fetch_sdist

    pin = sources._pin()
    sdist = fetch_sdist(pin["pypi"], pin["filename"], pin["sha256"], cache)  # verified on each use
    # one folder per sdist, so CMake's build folders stay valid when PATCHES change (it names its source)
    root = cache / "opencvjs" / f"src-{pin['sha256'][:16]}"
    done = root / ".complete"
    if not done.exists() or done.read_text() != patches_tag():
        # unpacked and patched beside, then swapped in: two builds started together never see half a tree
        tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(sdist) as tar:
            members = []
            for m in tar.getmembers():
                rel = m.name.split("/", 1)[-1]
                if rel.startswith("opencv/") and (m.isfile() or m.isdir()):
                    m.name = rel
                    members.append(m)
            tar.extractall(tmp, members=members, filter="data")
        apply_patches(tmp / "opencv")
        (tmp / ".complete").write_text(patches_tag())
        if done.exists() and done.read_text() == patches_tag():  # another build finished first
            shutil.rmtree(tmp)
        else:
            shutil.rmtree(root, ignore_errors=True)
            tmp.rename(root)
    return root / "opencv", pin["sha256"]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    t0 = time.monotonic()
    with open(log, "a", encoding="utf-8") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        raise BuildError(f"{' '.join(cmd[:6])} ... exited {rc}; the end of {log}:\n" + "\n".join(tail))
    return time.monotonic() - t0


def build(*, threads: bool = False, simd: bool = True, modules: list[str] | None = None,
          output: Path | None = None, cache: Path = CACHE, jobs: int = 1, extra: bool = True) -> dict:
    sdist_pin, pin = pins()
    tool = toolchain(pin)
    modules = resolve_modules(modules or list(CONFIG_MODULES))
    name = f"{flavour(threads, simd)}-{tag(modules)}" + ("" if extra else "-opencv-list")
    src, sdist_sha = unpack_source(cache)
    work = cache / "opencvjs"
    build_dir = work / f"build-{name}"
    build_dir.mkdir(parents=True, exist_ok=True)
    output = Path(output) if output else work / "dist" / name
    config = build_dir / "opencv_js.config.py"
    config.write_text(whitelist_config((src / "platforms/js/opencv_js.config.py").read_text(encoding="utf-8"),
                                       modules, whitelist_extra() if extra else None), encoding="utf-8")
    log = build_dir / "build.log"
    log.write_text("", encoding="utf-8")
    env = build_env()
    configure = build_js_command(sys.executable, src / "platforms/js/build_js.py", build_dir, config, modules,
                                 threads=threads, simd=simd)
    print(f"[opencvjs] {name}: configure (log: {log})", flush=True)
    t_config = _run(niced(configure), build_dir, env, log)
    print(f"[opencvjs] {name}: make -j{jobs} opencv.js, niced ({t_config:.0f} s configure)", flush=True)
    t_make = _run(niced(make_command(jobs)), build_dir, env, log)
    built = build_dir / "bin" / "opencv.js"
    if not built.exists():
        raise BuildError(f"{built} was not written (see {log})")
    output.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, output / "opencv.js")
    # a pthreads build needs Emscripten's worker script beside it (3.1.6 writes it separately), and its
    # workers must load Emscripten's own output, opencv_js.js (Module.mainScriptUrlOrBlob): the UMD wrapper
    # of opencv.js does not define the `cv` factory a worker calls
    other_files = sorted(p.name for p in (build_dir / "bin").glob("*.worker.js"))
    if threads:
        other_files.append("opencv_js.js")
    for name in other_files:
        shutil.copyfile(build_dir / "bin" / name, output / name)
    info = {
        "file": "opencv.js",
        "sha256": sha256_of(output / "opencv.js"),
        "size": (output / "opencv.js").stat().st_size,
        "opencv": "4.12.0",
        "source": {"sdist": sdist_pin["filename"], "sha256": sdist_sha,
                   "patches": [{"file": f, "why": why} for f, _, _, why in PATCHES]},
        "modules": modules,
        "simd": simd,
        "threads": threads,
        "other_files": {name: {"sha256": sha256_of(output / name), "size": (output / name).stat().st_size}
                        for name in other_files},
        "whitelist_sha256": sha256_of(config),
        "whitelist_extra": extra,
        "configure_command": configure[1:],
        "make_command": make_command(jobs),
        "toolchain": tool,
        "seconds": {"configure": round(t_config, 1), "make": round(t_make, 1),
                    "total": round(t_config + t_make, 1)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    info_out = dict(info, output=str(output))
    shutil.copyfile(config, output / "opencv_js.config.py")
    (output / "opencv.js.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"[opencvjs] {output / 'opencv.js'}: {info['size']:,} bytes, sha256 {info['sha256'][:16]}..., "
          f"{info['seconds']['total']:.0f} s", flush=True)
    return info_out


#: what the site ships of each flavour (the full white-list build): vendor name, folder in the repository,
#: the files the kernel and its workers load
SITE_FILES = {
    "simd": ("portinglab/opencv-js-simd", "opencvjs/simd", ("opencv.js", "opencv_js.wasm")),
    "simd-threads": ("portinglab/opencv-js-simd-threads", "opencvjs/simd-threads",
                     ("opencv_js.js", "opencv_js.wasm", "opencv_js.worker.js")),
}
#: the wasm a build embeds (Emscripten's SINGLE_FILE, which OpenCV's build keeps) and where it goes instead
EMBEDDED_WASM = re.compile(r'wasmBinaryFile="data:application/octet-stream;base64,([A-Za-z0-9+/=]+)"')
WASM_FILE = "opencv_js.wasm"


def split_wasm(js: str) -> tuple[str, bytes]:
    """(the script with its wasm named as a file beside it, the wasm's bytes). The site ships them apart:
    gzip packs raw wasm to 3.4 MB where its base64 text packs to 4.9 MB, and the kernel skips decoding
    base64 and parsing a 15 MB string. Emscripten's glue resolves the name with locateFile, so the script
    stays usable on its own (the .wasm beside it, as any Emscripten build)."""
    import base64

    found = list(EMBEDDED_WASM.finditer(js))
    if len(found) != 1:
        raise BuildError(f"expected one embedded wasm in the script, found {len(found)}")
    m = found[0]
    return js[:m.start()] + f'wasmBinaryFile="{WASM_FILE}"' + js[m.end():], base64.b64decode(m.group(1))


def site_files(output: Path, flavour_name: str) -> dict[str, bytes]:
    """A build's files as the site ships them: the script the kernel loads split from its wasm."""
    _, _, files = SITE_FILES[flavour_name]
    script = files[0]
    js, wasm = split_wasm((output / script).read_text(encoding="utf-8"))
    out = {script: js.encode("utf-8"), WASM_FILE: wasm}
    for f in files[2:]:
        out[f] = (output / f).read_bytes()
    return out


def site_pin(flavour_name: str) -> dict | None:
    """assets.toml's [[opencvjs.site]] entry of a flavour, if the site ships it."""
    name = SITE_FILES[flavour_name][0]
    builds = tomllib.loads(ASSETS_TOML.read_text(encoding="utf-8")).get("opencvjs", {}).get("site", [])
    return next((b for b in builds if b["name"] == name), None)


def compare_with_pin(built: dict[str, str], pin: dict | None) -> list[str]:
    """Differences between a build's {file: sha256} and the site's pin (empty: the rebuild reproduces it)."""
    if pin is None:
        return ["the site pins no build of this flavour (assets.toml [[opencvjs.site]])"]
    return [f"{f}: pinned {sha[:16]}..., rebuilt {built.get(f, 'missing')[:16]}..."
            for f, sha in pin["files"].items() if built.get(f) != sha]


def install(output: Path, flavour_name: str) -> str:
    """Copy a full build's files into the repository folder the site reads; -> the TOML entry to pin."""
    name, folder, files = SITE_FILES[flavour_name]
    dest = ROOT / folder
    dest.mkdir(parents=True, exist_ok=True)
    for f, data in site_files(output, flavour_name).items():
        (dest / f).write_bytes(data)
    for f in ("opencv.js.json", "opencv_js.config.py"):
        shutil.copyfile(output / f, dest / f)
    lines = ["[[opencvjs.site]]", f'name = "{name}"', 'version = "4.12.0"', f'dir = "{folder}"',
             f'requires = {json.dumps(["wasm-simd"] + (["cross-origin-isolated"] if "threads" in flavour_name else []))}',
             "[opencvjs.site.files]"] + [f'"{f}" = "{sha256_of(dest / f)}"' for f in files]
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", action="store_true", help="SIMD + threads (pthreads; the page must be isolated)")
    p.add_argument("--no-simd", dest="simd", action="store_false", help=argparse.SUPPRESS)
    p.add_argument("--modules", default=",".join(CONFIG_MODULES),
                   help="comma-separated OpenCV modules to bind (default: OpenCV's own opencv_js.config.py list)")
    p.add_argument("--opencv-list-only", dest="extra", action="store_false",
                   help="OpenCV's white-list alone, without whitelist_extra.toml's additions")
    p.add_argument("-j", "--jobs", type=int, default=1,
                   help="make's jobs (default 1; every job runs under nice -n 19)")
    p.add_argument("--check", action="store_true",
                   help="after building, compare with the files the site pins (assets.toml [[opencvjs.site]]): "
                        "exit 1 unless the rebuild reproduces them byte for byte")
    p.add_argument("--install", action="store_true",
                   help="copy the build into opencvjs/<flavour>/ for the site and print the assets.toml entry to pin")
    p.add_argument("-o", "--output", default=None,
                   help="where opencv.js and opencv.js.json go (default .cache/portinglab/opencvjs/dist/<flavour>)")


def run(args) -> int:
    try:
        info = build(threads=args.threads, simd=args.simd,
                     modules=[m.strip() for m in args.modules.split(",") if m.strip()],
                     output=Path(args.output) if args.output else None, jobs=args.jobs, extra=args.extra)
    except BuildError as exc:
        print(f"portlab build-opencvjs: {exc}", file=sys.stderr)
        return 1
    name = flavour(args.threads, args.simd)
    output = Path(info["output"])
    if args.check or args.install:
        if name not in SITE_FILES or info["modules"] != resolve_modules(list(CONFIG_MODULES)) or not args.extra:
            print("portlab build-opencvjs: the site ships only full (default modules, with whitelist_extra.toml) "
                  "simd and simd-threads builds", file=sys.stderr)
            return 1
    if args.check:
        import hashlib

        built = {f: hashlib.sha256(data).hexdigest() for f, data in site_files(output, name).items()}
        differ = compare_with_pin(built, site_pin(name))
        for line in differ:
            print(f"portlab build-opencvjs --check: {line}", file=sys.stderr)
        if differ:
            return 1
        print(f"[opencvjs] {name}: the rebuild reproduces the pinned files byte for byte")
    if args.install:
        print(f"[opencvjs] installed into {SITE_FILES[name][1]}/; pin it in assets.toml:\n" + install(output, name))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="build-opencvjs", description=__doc__.splitlines()[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
