"""Real Chromium (Debian's), driven by Playwright, that cannot reach past loopback.

Two guards: every request is routed through `OffMachineGuard`, which aborts and
records anything not on loopback (the test then fails); and Chromium's proxy is a
closed loopback port, so whatever a route cannot see (service workers, ...) still
cannot leave the machine.
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
async ([id, code, ms]) => window.__within(ms, 'running a cell', (async () => {
  const kernel = window.__portinglabKernels[id];
  const out = {stdout: '', stderr: '', results: [], error: null};
  const future = kernel.requestExecute({code, stop_on_error: true});
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'stream') out[c.name] += c.text;
    else if (t === 'execute_result' || t === 'display_data') out.results.push(c.data);
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

    def execute(self, code: str, timeout_ms: int | None = None) -> dict:
        """Run `code`; returns stdout, stderr, results (mime bundles), error, status."""
        return self.page.evaluate(EXECUTE_JS, [self.id, code, timeout_ms or self.timeout_ms])

    def run(self, code: str) -> str:
        """Run `code`, raise KernelError on a Python exception, return its stdout."""
        out = self.execute(code)
        if out["error"]:
            raise KernelError(out["error"])
        return out["stdout"]

    def json(self, code: str):
        """Run `code` whose stdout ends with one JSON line; return it parsed."""
        return json.loads(self.run(code).strip().splitlines()[-1])


# ---------------------------------------------------------------- notebooks in the lab UI

ALL_CELLS_RAN_JS = """
() => {
  // the model, not the DOM: a long notebook renders only the cells near the viewport
  const panel = window.jupyterapp?.shell.currentWidget;
  const cells = panel?.content?.model?.cells;
  if (!cells) return false;
  const code = [];
  for (let i = 0; i < cells.length; i++) if (cells.get(i).type === 'code') code.push(cells.get(i));
  return code.length > 0 && code.every(c => c.executionCount !== null && c.executionState !== 'running');
}
"""


def open_notebook(page, site_url: str, path: str) -> None:
    """Open a notebook of the site's contents in the lab and wait for its kernel: started, the
    copies tracer's bootstrap run (its comm open), idle again."""
    page.goto(f"{site_url}lab/index.html?path={path}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # attached, not visible: a narrow toolbar moves the indicator into its overflow menu
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached")
    page.wait_for_function(TRACER_CONNECTED_JS, timeout=120_000)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel"
                           "?.status === 'idle'", timeout=120_000)


#: the copies tracer's comm is open (the panel says so, in any language)
TRACER_CONNECTED_JS = """
() => {
  const s = document.querySelector('#portinglab-copies-panel .jp-PortingLabCopies-summary');
  return s !== null && s.dataset.connected === 'true';
}
"""


def run_all_cells(page, timeout_ms: int = 180_000, until: str = ALL_CELLS_RAN_JS) -> None:
    """Run > Run All Cells, as a user would, and wait until every code cell has run (or `until`)."""
    page.click(".jp-Notebook")
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item:has-text('Run All Cells')")
    page.wait_for_function(until, timeout=timeout_ms)


def cell_outputs(page) -> list[str]:
    """The text of each code cell's outputs, in order (from the notebook's model, so cells the notebook
    has not rendered count too): streams, text/plain, and errors as `Name: value` plus the traceback."""
    return page.evaluate(CELL_OUTPUTS_JS)


CELL_OUTPUTS_JS = """
() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const texts = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const parts = [];
    for (const o of cell.outputs.toJSON()) {
      const join = t => Array.isArray(t) ? t.join('') : (t ?? '');
      if (o.output_type === 'stream') parts.push(join(o.text));
      else if (o.output_type === 'error') parts.push(`${o.ename}: ${o.evalue}\\n` + (o.traceback || []).join('\\n'));
      else if (o.data && o.data['text/plain'] !== undefined) parts.push(join(o.data['text/plain']));
    }
    texts.push(parts.join('\\n'));
  }
  return texts;
}
"""


#: defines `window.__notebookKernelIdle()`: resolves with the kernel of the notebook in the
#: lab's main area once it is idle (pages opened with `lab/index.html?path=<notebook>`)
NOTEBOOK_KERNEL_IDLE_JS = """
window.__notebookKernelIdle = async () => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 20));  // exposeAppInBrowser
  const app = window.jupyterapp;
  await app.restored;
  let panel;
  while (!(panel = app.shell.currentWidget) || !panel.sessionContext) await new Promise(r => setTimeout(r, 20));
  await panel.sessionContext.ready;
  let kernel;
  while (!(kernel = panel.sessionContext.session?.kernel) || kernel.status !== 'idle')
    await new Promise(r => setTimeout(r, 10));
  return kernel;
};
"""


#: saves a notebook of code cells into the site's contents (browser storage) through the lab:
#: `page.evaluate(SAVE_NOTEBOOK_JS, [path, [source, ...]])`
SAVE_NOTEBOOK_JS = """
async ([path, cells]) => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 50));
  await window.jupyterapp.serviceManager.ready;
  const content = {nbformat: 4, nbformat_minor: 5, metadata: {kernelspec: {name: 'python', display_name: 'Python (Pyodide)', language: 'python'}},
    cells: cells.map((source, i) => ({cell_type: 'code', id: 'c' + i, source, metadata: {}, outputs: [], execution_count: null}))};
  await window.jupyterapp.serviceManager.contents.save(path, {type: 'notebook', format: 'json', content});
}
"""
