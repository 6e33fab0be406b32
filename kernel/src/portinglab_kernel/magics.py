"""`%portlab` in the kernel: `%portlab scan PATH [--json]`, the porting-readiness report (docs/scan.md) of a
folder, .py file, notebook, wheel or requirements file of the drive, as `./portlab scan` gives it.

Registered by the lab extension's bootstrap in every notebook kernel; elsewhere `%load_ext portinglab_kernel.magics`.
"""

from __future__ import annotations

import shlex

USAGE = "usage: %portlab scan PATH [--json]"


def portlab(line: str) -> None:
    args = shlex.split(line)
    if not args or args[0] != "scan" or len(args) < 2:
        print(USAGE)
        return
    from portinglab_scan import scan
    from portinglab_scan.sources import ScanError
    from portinglab_scan.status import KernelFiles

    try:
        report = scan(args[1], files=KernelFiles())
    except ScanError as exc:
        print(f"%portlab scan: {exc}")
        return
    print(report.as_json() if "--json" in args[2:] else report.as_text())


def register(shell) -> None:
    if shell is not None:
        shell.register_magic_function(portlab, "line", "portlab")


def load_ipython_extension(ipython) -> None:
    register(ipython)
