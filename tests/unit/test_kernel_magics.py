"""`%portlab` (portinglab_kernel/magics.py) in CPython: its line parsing, its output, its registration.

Proves: `%portlab scan PATH [--json]` prints the scanner's report (text or JSON) for a file of the drive,
a bad path prints one line (no traceback), anything else prints the usage; the magic registers under its name;
what the kernel-side knowledge (KernelFiles) reads is what the kernel wheel ships (kernel/pyproject.toml).
In CPython the scan reads the checkout's knowledge (CheckoutFiles): KernelFiles needs Pyodide's lock.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from _kernel import ROOT
from portinglab_kernel import magics
from portinglab_scan import status


@pytest.fixture
def checkout_knowledge(monkeypatch, tmp_path):
    """The scan's knowledge from this checkout, with a site lock that ships numpy."""
    lock = tmp_path / "site/static/pyodide/pyodide-lock.json"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"packages": {"numpy": {"imports": ["numpy"]}}}))
    monkeypatch.setattr(status, "KernelFiles", lambda: status.CheckoutFiles(ROOT, tmp_path / "site"))


@pytest.mark.parametrize("line", ["", "scan", "help", "scan-all x", "  "])
def test_anything_but_a_scan_prints_the_usage(line, capsys):
    magics.portlab(line)
    assert capsys.readouterr().out == magics.USAGE + "\n"


def test_a_scan_prints_the_report(checkout_knowledge, tmp_path, capsys):
    code = tmp_path / "my code.py"
    code.write_text("import cv2, numpy, torch\nimg = cv2.resize(cv2.imread('a.png'), (2, 2))\ncv2.imshow('w', img)\n")
    magics.portlab(f"scan '{code}'")
    text = capsys.readouterr().out
    assert text.startswith(f"Porting readiness of {code}") and "bridged" in text and "torch" in text
    assert "2 of 3 cv2/onnxruntime uses supported; 1 import(s) not available: torch" in text
    magics.portlab(f"scan '{code}' --json")
    data = json.loads(capsys.readouterr().out)
    assert {c["name"]: c["status"] for c in data["calls"]} == {"resize": "bridged", "imread": "bridged",
                                                              "imshow": "excluded"}


def test_a_bad_path_is_one_line(checkout_knowledge, tmp_path, capsys):
    magics.portlab(f"scan {tmp_path / 'missing'}")
    assert capsys.readouterr().out == f"%portlab scan: no such file or folder: {tmp_path / 'missing'}\n"


def test_the_magic_registers_under_its_name():
    registered = []

    class Shell:
        def register_magic_function(self, fn, kind, name):
            registered.append((fn, kind, name))

    magics.load_ipython_extension(Shell())
    magics.register(None)  # outside IPython: nothing to do
    assert registered == [(magics.portlab, "line", "portlab")]


def test_the_kernel_knowledge_is_what_the_kernel_wheel_ships():
    wheel = tomllib.loads((ROOT / "kernel/pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    included = {target: (ROOT / "kernel" / source).resolve() for source, target in wheel["force-include"].items()}
    # KernelFiles.ir(): the scanner package's signatures.json, the generator's IR that CheckoutFiles reads
    assert included["portinglab_scan/signatures.json"] == ROOT / "src/portinglab/cv2gen/signatures.json"
    assert included["portinglab_scan"] == ROOT / "portable/src/portinglab_scan"
    assert "src/portinglab_kernel" in wheel["packages"] and "src/onnxruntime" in wheel["packages"]
    kernel, checkout = status.KernelFiles(), status.CheckoutFiles(ROOT, ROOT / "_output")
    assert kernel.cv2_constants() == checkout.cv2_constants()
