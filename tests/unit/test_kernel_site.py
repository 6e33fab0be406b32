"""portinglab_kernel/site.py in CPython: the URLs of the files the site ships, from Pyodide's index URL.

Proves: site_url resolves against the site's root under any path prefix; vendored() reads the manifest the
build writes (the build's own stage_vendor makes it here, from a tiny npm package) and vendor_url names a
file the build put there, with its content; unknown packages and files are KeyErrors that list what exists;
the kernel's cv2.data cascades (files.py) are the files of opencv-python's cv2/data that the build stages.
Pyodide's API is stood in for by `pyodide_js._api.config.indexURL` and `pyodide.http.open_url`.
"""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from _kernel import real_cv2 as cv2
from portinglab import paths
from portinglab.fetch import Fetched
from portinglab.pins import NpmPin
from portinglab.site import stage_vendor
from portinglab_kernel import site
from _npm import npm_tarball


@pytest.fixture
def pyodide(monkeypatch):
    """Pyodide's index URL and open_url, as the kernel sees them; returns a setter for the index URL."""
    config = types.SimpleNamespace(indexURL="")
    monkeypatch.setitem(sys.modules, "pyodide_js", types.SimpleNamespace(_api=types.SimpleNamespace(config=config)))
    http = types.ModuleType("pyodide.http")
    opened = []

    def open_url(url):
        opened.append(url)
        return io.StringIO(Path(url2pathname(urlparse(url).path)).read_text())

    http.open_url = open_url
    monkeypatch.setitem(sys.modules, "pyodide", types.ModuleType("pyodide"))
    monkeypatch.setitem(sys.modules, "pyodide.http", http)
    site.vendored.cache_clear()
    yield types.SimpleNamespace(config=config, opened=opened)
    site.vendored.cache_clear()


@pytest.mark.parametrize("index, path, url", [
    ("http://127.0.0.1:8000/static/pyodide/", "", "http://127.0.0.1:8000/"),
    ("http://127.0.0.1:8000/static/pyodide/", "files/a b.png", "http://127.0.0.1:8000/files/a b.png"),
    ("https://example.org/workshop/lab/static/pyodide/", "static/vendor/manifest.json",
     "https://example.org/workshop/lab/static/vendor/manifest.json"),
    ("https://example.org/deep/a/b/static/pyodide/", "lab/index.html", "https://example.org/deep/a/b/lab/index.html"),
])
def test_site_url_is_relative_to_the_sites_root(pyodide, index, path, url):
    pyodide.config.indexURL = index
    assert site.site_url(path) == url


def test_vendored_files_are_where_the_build_put_them(pyodide, tmp_path):
    lib = NpmPin("@scope/lib@1.2.3", "0" * 64, "sha512-x", files=("dist/lib.js", "dist/lib.wasm"))
    tgz = npm_tarball(tmp_path / "lib.tgz", {"dist/lib.js": b"console.log(1)", "dist/lib.wasm": b"\0asm",
                                               "README.md": b"not staged"})
    built = tmp_path / "deployed under" / "a prefix"
    (built / paths.PYODIDE_DIR).mkdir(parents=True)
    manifest = stage_vendor(Fetched(Path(), Path(), (), ((lib, tgz),)), built)
    pyodide.config.indexURL = (built / paths.PYODIDE_DIR).as_uri() + "/"

    assert site.vendored() == manifest and site.vendored() is site.vendored()  # read once per kernel
    assert pyodide.opened == [(built / paths.VENDOR_MANIFEST).as_uri()]
    url = site.vendor_url("@scope/lib", "dist/lib.wasm")
    assert url.startswith("file://") and Path(url2pathname(urlparse(url).path)) == built / paths.VENDOR_DIR / \
        "@scope/lib/1.2.3/dist/lib.wasm"
    assert Path(url2pathname(urlparse(url).path)).read_bytes() == b"\0asm"
    with pytest.raises(KeyError, match=r"'@scope/other' is not vendored in this site; vendored: \['@scope/lib', "):
        site.vendor_url("@scope/other", "dist/lib.js")
    with pytest.raises(KeyError, match=r"'README.md' is not vendored from @scope/lib; vendored: \['dist/lib.js'"):
        site.vendor_url("@scope/lib", "README.md")

    # cv2.data: the cascades the kernel offers (files.py) are opencv-python's own, as the build staged them
    cascades = manifest["opencv-data"]["files"]
    assert set(cascades) == {p.name for p in Path(cv2.data.haarcascades).glob("*.xml")}
    for name in cascades:
        staged = Path(url2pathname(urlparse(site.vendor_url("opencv-data", name)).path))
        assert staged.read_bytes() == (Path(cv2.data.haarcascades) / name).read_bytes()
