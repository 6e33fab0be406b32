"""Debian's Chromium, driven by Playwright, that cannot reach past loopback, and a Pyodide kernel of a built
site run in it: what the tests, the benchmarks and `portlab parity` drive the site with.

Two guards: every request is routed through `OffMachineGuard`, which aborts and records anything not on
loopback; and Chromium's proxy is a closed loopback port, so whatever a route cannot see (service workers,
...) still cannot leave the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    # non-loopback traffic goes to a closed port; loopback is never proxied
    "--proxy-server=http://127.0.0.1:9",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class OffMachineGuard:
    """Route handler: loopback, data: and blob: pass; anything else is aborted and recorded."""

    attempts: list[str] = field(default_factory=list)

    def __call__(self, route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOOPBACK:
            route.continue_()
        else:
            self.attempts.append(route.request.url)
            route.abort("blockedbyclient")


def guarded_context(browser, **options):
    """A new browser context in which every non-loopback request is aborted and recorded: (context, guard)."""
    guard = OffMachineGuard()
    context = browser.new_context(**options)
    context.route("**/*", guard)
    return context, guard


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# ---------------------------------------------------------------- kernel access
# The lab exposes `window.jupyterapp`; these run code in a real kernel of the site
# through its own service manager, as a notebook would.

# page.evaluate has no timeout of its own: each snippet races a timer
WITHIN_JS = """
window.__within = (ms, what, promise) => Promise.race([
  promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)),
]);
"""

START_KERNEL_JS = """
async (ms) => window.__within(ms, 'starting a kernel', (async () => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 50));  // exposeAppInBrowser
  const app = window.jupyterapp;
  await app.restored;  // the Pyodide kernel's factory is registered by then
  await app.serviceManager.ready;
  const kernel = await app.serviceManager.kernels.startNew({name: 'python'});
  window.__portinglabKernels = window.__portinglabKernels || {};
  window.__portinglabKernels[kernel.id] = kernel;
  return kernel.id;
})())
"""

EXECUTE_JS = """
async ([id, code, ms, silent]) => window.__within(ms, 'running a cell', (async () => {
  const kernel = window.__portinglabKernels[id];
  const out = {stdout: '', stderr: '', results: [], error: null};
  const future = kernel.requestExecute({code, stop_on_error: true, store_history: !silent});
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'stream') out[c.name] += c.text;
    else if (t === 'execute_result' || t === 'display_data') {
      // the Pyodide kernel may hand binary data (image/png) over as bytes: base64, as Jupyter's wire format has it
      const data = {};
      for (const [k, v] of Object.entries(c.data)) {
        if (ArrayBuffer.isView(v)) {
          let s = '';
          for (let i = 0; i < v.length; i += 32768) s += String.fromCharCode(...v.subarray(i, i + 32768));
          data[k] = btoa(s);
        } else data[k] = v;
      }
      out.results.push(data);
    }
    else if (t === 'error') out.error = {ename: c.ename, evalue: c.evalue, traceback: c.traceback};
  };
  const reply = await future.done;
  out.status = reply.content.status;
  return out;
})())
"""


class KernelError(AssertionError):
    def __init__(self, error: dict):
        self.ename, self.evalue = error["ename"], error["evalue"]
        super().__init__(f"{self.ename}: {self.evalue}\n" + "\n".join(error.get("traceback", [])))


class BrowserKernel:
    """A Pyodide kernel of the built site, started in a lab page."""

    def __init__(self, page, timeout_ms: int = 180_000, start_js: str = START_KERNEL_JS):
        """`start_js`: page code that starts the kernel, registers it, returns its id."""
        self.page = page
        self.timeout_ms = timeout_ms
        page.set_default_timeout(timeout_ms)
        page.evaluate(WITHIN_JS)
        self.id = page.evaluate(start_js, timeout_ms)

    def execute(self, code: str, timeout_ms: int | None = None, silent: bool = False) -> dict:
        """Run `code`; returns stdout, stderr, results (mime bundles), error, status. `silent`: not in the
        history (no execution count)."""
        return self.page.evaluate(EXECUTE_JS, [self.id, code, timeout_ms or self.timeout_ms, silent])

    def run(self, code: str) -> str:
        """Run `code`, raise KernelError on a Python exception, return its stdout."""
        out = self.execute(code)
        if out["error"]:
            raise KernelError(out["error"])
        return out["stdout"]

    def json(self, code: str):
        """Run `code` whose stdout ends with one JSON line; return it parsed."""
        return json.loads(self.run(code).strip().splitlines()[-1])
