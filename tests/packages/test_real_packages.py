"""Real open-source packages, installed unmodified, run the same in the browser kernel as in CPython.

The packages and calls are tests/packages/real_packages.py (pinned in assets.toml `[[test_packages]]`). Each
call's outcome (equal / within tolerance / a documented gap) must be the one recorded in EXPECTED, which also
writes docs/real-packages.md: a gap that starts to pass fails here until it is recorded as fixed.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kernel"))
import cv2_cases as cc  # noqa: E402
import real_packages as rp  # noqa: E402

from portinglab import paths  # noqa: E402
from portinglab.fetch import fetch_sdist, fetch_wheel  # noqa: E402
from portinglab.pins import WheelPin  # noqa: E402
from portinglab.purewheel import pure_wheel  # noqa: E402

pytestmark = pytest.mark.browser
CALLS = {f"{pkg} {name}": (pkg, expr) for pkg, calls in rp.CALLS.items() for name, expr in calls.items()}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> list[Path]:
    """The pinned packages as wheels (an sdist-only one is built with pip, as a user's install would)."""
    out = tmp_path_factory.mktemp("wheels")
    found = []
    for pin in rp.pins():
        if pin["filename"].endswith(".whl"):
            found.append(fetch_wheel(WheelPin(pin["pypi"], pin["filename"], pin["sha256"]), paths.CACHE))
            continue
        sdist = fetch_sdist(pin["pypi"], pin["filename"], pin["sha256"], paths.CACHE)
        found.append(pure_wheel(sdist, out))
    assert len(found) == len(rp.pins())
    return found


def _inputs() -> dict:
    import cv2

    return {**cc.make_inputs(), **rp.extra_inputs(cv2, np)}


RUN = '''
def run_packages(cv2, np, imports, calls, inputs):
    out = {}
    for key, (pkg, expr) in calls.items():
        scope = {"cv2": cv2, "np": np, **{k: v.copy() for k, v in inputs.items()}}
        try:
            exec(imports[pkg], scope)
            out[key] = ("ok", eval(expr, scope))
        except Exception as exc:
            out[key] = ("err", type(exc).__name__, str(exc)[:500])
    return out
'''


@pytest.fixture(scope="module")
def cpython_results(wheels, tmp_path_factory):
    import cv2

    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--disable-pip-version-check",
                    "--target", str(target), *map(str, wheels)], check=True, stdin=subprocess.DEVNULL)
    sys.path.insert(0, str(target))
    try:
        ns: dict = {}
        exec(RUN, ns)
        return ns["run_packages"](cv2, np, rp.IMPORTS, CALLS, _inputs())
    finally:
        sys.path.remove(str(target))


@pytest.fixture(scope="module")
def kernel_results(module_kernel, wheels):
    k = module_kernel
    k.run("import os\nos.makedirs('/tmp/wheels', exist_ok=True)")
    for whl in wheels:  # written in the kernel's file system, installed unmodified, no dependencies resolved
        k.run(f"import base64\nopen('/tmp/wheels/{whl.name}', 'wb').write(base64.b64decode("
              f"{base64.b64encode(whl.read_bytes()).decode()!r}))")
    k.run("import micropip\n" + "".join(f"await micropip.install('emfs:/tmp/wheels/{w.name}', deps=False)\n"
                                         for w in wheels))
    cc.ship(k, rp.extra_inputs(__import__("cv2"), np))
    out = k.run(RUN + "import cv2, numpy as np, cv2_cases\n"
                f"print(cv2_cases.dumps(run_packages(cv2, np, {rp.IMPORTS!r}, {CALLS!r}, INPUTS)))")
    return cc.loads(out.strip().splitlines()[-1])


def outcome(key: str, ref, got) -> str:
    if ref[0] == "err":
        return "equal" if got[0] == "err" and got[1] == ref[1] else f"differs: CPython raised {ref[1]}, ours {got[:2]}"
    if got[0] == "err":
        return f"gap: {got[1]}: {got[2]}"
    if not cc.compare(ref[1], got[1]):
        return "equal"
    problems = cc.compare(ref[1], got[1], rp.TOLERANCE.get(key, (0, 0)))
    return "tolerance" if key in rp.TOLERANCE and not problems else "differs: " + "; ".join(problems)[:800]


@pytest.mark.parametrize("key", list(CALLS))
def test_real_package_call(key, cpython_results, kernel_results):
    ref, got = cpython_results[key], kernel_results[key]
    result = outcome(key, ref, got)
    expected = rp.EXPECTED[key]
    if expected.startswith("gap"):
        assert result.startswith("gap"), f"{key} now gives {result!r}: record it as fixed in real_packages.EXPECTED"
        assert rp.GAP_SIGN[key] in result, f"{key} fails, but not for its documented reason: {result}"
    else:
        assert result == expected, f"{key}: {CALLS[key][1]}\n{result}"


def test_the_docs_table_is_current():
    assert (paths.ROOT / "docs/real-packages.md").read_text(encoding="utf-8") == rp.markdown()
