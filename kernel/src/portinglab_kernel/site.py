"""Locate the files the site ships (vendored JS libraries) from inside the kernel.

URLs are resolved from Pyodide's own index URL (`<site>/static/pyodide/`), so
they are right wherever the site is deployed, under any path prefix, offline.
"""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import urljoin

VENDOR_MANIFEST = "static/vendor/manifest.json"


def site_url(path: str = "") -> str:
    """Absolute URL of `path` relative to the root of the Porting Lab site."""
    import pyodide_js  # only inside Pyodide

    index_url = pyodide_js._api.config.indexURL  # <site>/static/pyodide/
    return urljoin(urljoin(index_url, "../../"), path)


@cache
def vendored() -> dict[str, dict]:
    """The site's vendored JS libraries: `{npm name: {"version", "base", "files"}}`."""
    from pyodide.http import open_url  # synchronous; fine in the kernel's worker

    return json.loads(open_url(site_url(VENDOR_MANIFEST)).read())


def vendor_url(package: str, file: str) -> str:
    """URL of `file` (path inside the npm package) of a vendored library.

    >>> vendor_url("@techstark/opencv-js", "dist/opencv.js")  # doctest: +SKIP
    'http://127.0.0.1:8000/static/vendor/@techstark/opencv-js/4.12.0-release.1/dist/opencv.js'
    """
    libs = vendored()
    if package not in libs:
        raise KeyError(f"{package!r} is not vendored in this site; vendored: {sorted(libs)}")
    lib = libs[package]
    if file not in lib["files"]:
        raise KeyError(f"{file!r} is not vendored from {package}; vendored: {lib['files']}")
    return site_url(f"{lib['base']}{file}")
