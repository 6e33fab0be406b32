"""Imports from anywhere: a package in the drive and an installed wheel import the site's packages (numpy, PIL,
cv2, onnxruntime, scipy) from inside their own modules, in a fresh kernel, offline (kernel/startup/sitecustomize.py).

The cells that run them name only the user's package: Pyodide's own loader (which reads a cell's imports) has
nothing to load; the finder loads the rest as the package's modules import it.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from browser import BrowserKernel

pytestmark = pytest.mark.browser

MODULES = {
    "__init__.py": "from .imaging import edges\nfrom .infer import providers, smooth\n",
    "imaging.py": ("import numpy as np\nimport cv2\nfrom PIL import Image\n\n\ndef edges(h, w):\n"
                   "    img = np.zeros((h, w), np.uint8)\n    img[h // 4:, w // 4:] = 255\n"
                   "    return int(cv2.Canny(img, 50, 150).sum()), Image.fromarray(img).size\n"),
    "infer.py": ("import importlib\n\n\ndef providers():\n    return importlib.import_module('onnxruntime')"
                 ".get_available_providers()\n\n\ndef smooth():\n    nd = __import__('scipy.ndimage', fromlist=['x'])\n"
                 "    return float(nd.uniform_filter([0.0, 3.0, 0.0], 3)[1])\n"),
}


def _wheel() -> bytes:
    """A pure-Python wheel whose module imports cv2, numpy and PIL."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("thirdparty_thumbs/__init__.py",
                   "import cv2\nimport numpy\nimport PIL.Image\n\n\ndef thumb(h, w):\n"
                   "    a = numpy.full((h, w, 3), 200, numpy.uint8)\n"
                   "    return cv2.resize(a, (w // 2, h // 2)).shape, PIL.Image.fromarray(a).mode\n")
        z.writestr("thirdparty_thumbs-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: thirdparty-thumbs\nVersion: 1.0\n")
        z.writestr("thirdparty_thumbs-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr("thirdparty_thumbs-1.0.dist-info/RECORD", "")
    return buf.getvalue()


def test_a_package_in_the_drive_imports_the_sites_packages_from_its_modules(page, site_url):
    page.goto(site_url + "lab/index.html")
    writer = BrowserKernel(page)
    writer.run("import os\nos.makedirs('userpkg', exist_ok=True)\n"
               f"for name, text in {MODULES!r}.items():\n    open(os.path.join('userpkg', name), 'w').write(text)\n")
    # a fresh kernel: nothing but what the kernel starts with is loaded
    page.goto(site_url + "lab/index.html")
    kernel = BrowserKernel(page)
    out = kernel.execute(
        "import sys, json\n"
        "before = sorted(m for m in ('numpy', 'cv2', 'PIL', 'onnxruntime', 'scipy') if m in sys.modules)\n"
        "import userpkg\n"
        "print(json.dumps({'before': before, 'edges': userpkg.edges(40, 60), 'providers': userpkg.providers(),\n"
        "                  'smooth': userpkg.smooth()}))")
    assert out["error"] is None, out["error"]
    got = json.loads(out["stdout"].strip().splitlines()[-1])
    assert got["before"] == []
    assert got["edges"] == [18870, [60, 40]] and "CPUExecutionProvider" in got["providers"]
    assert got["smooth"] == 1.0
    # the user sees what is loaded, as for a cell's `import cv2`
    assert "numpy: loading numpy" in out["stderr"] and "cv2: loading opencv.js" in out["stderr"]


def test_an_installed_wheel_imports_the_sites_packages(kernel):
    whl = base64.b64encode(_wheel()).decode()
    out = kernel.execute(
        "import base64, sys, json, micropip\n"
        f"open('/tmp/thirdparty_thumbs-1.0-py3-none-any.whl', 'wb').write(base64.b64decode({whl!r}))\n"
        "await micropip.install('emfs:/tmp/thirdparty_thumbs-1.0-py3-none-any.whl', deps=False)\n"
        "before = 'numpy' in sys.modules or 'cv2' in sys.modules\n"
        "import thirdparty_thumbs\n"
        "print(json.dumps([before, thirdparty_thumbs.thumb(40, 60)]))")
    assert out["error"] is None, out["error"]
    assert json.loads(out["stdout"].strip().splitlines()[-1]) == [False, [[20, 30, 3], "RGB"]]


def test_a_name_the_site_does_not_ship_keeps_the_normal_error(kernel):
    out = kernel.json(
        "import json, importlib\nres = []\n"
        "for name in ('torch', 'not_a_real_package_xyz'):\n"
        "    try:\n        importlib.import_module(name)\n        res.append(None)\n"
        "    except ModuleNotFoundError as e:\n        res.append([type(e).__name__, e.name, str(e)])\n"
        "print(json.dumps(res))")
    assert out[0][:2] == ["ModuleNotFoundError", "torch"] and "ONNX" in out[0][2]
    assert out[1] == ["ModuleNotFoundError", "not_a_real_package_xyz", "No module named 'not_a_real_package_xyz'"]


def test_portlab_scan_in_the_kernel(kernel):
    """The scanner's report inside the lab: `%portlab scan` on a folder of the drive."""
    kernel.run("import os\nos.makedirs('scanme', exist_ok=True)\n"
               "open('scanme/m.py', 'w').write('import cv2, torch, threading\\ncv2.imshow\\ncv2.resize\\n')")
    out = kernel.execute("%load_ext portinglab_kernel.magics\n%portlab scan scanme")
    assert out["error"] is None, out["error"]
    text = out["stdout"]
    assert "1 of 2 cv2/onnxruntime uses supported; 1 import(s) not available: torch" in text
    assert "threads" in text and "ONNX" in text
    bad = kernel.execute("%portlab scan no/such/folder")
    assert bad["error"] is None and "%portlab scan: no such file or folder" in bad["stdout"]
