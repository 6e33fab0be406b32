"""Shared fixtures: the site is built once per test run; one browser per module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser import ARTIFACTS, BrowserKernel, OffMachineGuard, launch
from portinglab import paths
from portinglab.fetch import fetch_all
from portinglab.pins import load_pins
from portinglab.serve import serve_in_thread
from portinglab.site import build_site, verify_site



@pytest.fixture(scope="session")
def pins():
    return load_pins()


@pytest.fixture(scope="session")
def fetched(pins):
    """Every pinned asset, fetched through its registry (or the cache) and verified."""
    return fetch_all(pins, paths.CACHE, log=lambda *_: None)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """One clean build of the real site for the whole run.

    PORTINGLAB_TEST_SITE=<folder> reuses a site built by `./portlab build` (it is
    verified first), to iterate on browser tests without rebuilding.
    """
    reuse = os.environ.get("PORTINGLAB_TEST_SITE")
    if reuse:
        verify_site(Path(reuse))
        return Path(reuse)
    out = tmp_path_factory.mktemp("site") / "_output"
    build_site(out, log=lambda *_: None)
    return out


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    server, url = serve_in_thread(built_site, port=0)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance):
    b = launch(playwright_instance)
    yield b
    b.close()


@pytest.fixture
def guard():
    return OffMachineGuard()


@pytest.fixture
def page(browser, guard, request):
    """A fresh page (own context: empty storage, no cache) that cannot leave the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", guard)
    pg = context.new_page()
    pg.console_messages = []
    pg.on("console", lambda m: pg.console_messages.append(f"{m.type}: {m.text}"))
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"))
        except Exception:
            pass
    context.close()
    assert guard.attempts == [], f"requests tried to leave the machine: {guard.attempts}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def kernel(page, site_url) -> BrowserKernel:
    """A fresh Pyodide kernel of the built site, in a lab page."""
    page.goto(site_url + "lab/index.html")
    return BrowserKernel(page)


#: the module-scoped kernels (the bridges' differential suites, the tracer, the real packages) start from the kernel's
#: memory snapshot, as a returning user's do; PORTINGLAB_TEST_SNAPSHOT=0 starts them the stock way
RESTORED_MODULE_KERNELS = os.environ.get("PORTINGLAB_TEST_SNAPSHOT", "1") != "0"


@pytest.fixture(scope="module")
def module_kernel(browser, site_url):
    """One Pyodide kernel shared by a module's tests (a kernel start costs ~10 s).

    Tests that use it must leave the kernel usable; the guard still applies.
    """
    guard = OffMachineGuard()
    context = browser.new_context()
    context.route("**/*", guard)
    pg = context.new_page()
    pg.goto(site_url + "lab/index.html")
    if RESTORED_MODULE_KERNELS:
        # a returning user's kernel: the first visit makes the kernel's memory snapshot (kernelstart/snapshot.js;
        # the page itself asks 25 s after its first kernel), the second visit's kernel starts from it
        made = pg.evaluate("window.__portinglabMakeSnapshot()")
        assert "error" not in made, f"the kernel snapshot was not made: {made}"
        pg.goto(site_url + "lab/index.html")
    kernel = BrowserKernel(pg)
    if RESTORED_MODULE_KERNELS:
        status = kernel.run("import js; print(js.JSON.stringify(js.portinglabSnapshotStatus))")
        assert '"restored":true' in status, f"the module's kernel did not start from the snapshot: {status}"
    yield kernel
    context.close()
    assert guard.attempts == [], f"requests tried to leave the machine: {guard.attempts}"
