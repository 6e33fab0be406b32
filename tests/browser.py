"""The browser side of the tests: Debian's Chromium that cannot reach past loopback and a Pyodide kernel of
the built site (both from `portinglab.browser`, which the benchmarks and `portlab parity` use too), and
helpers for the lab's UI (notebooks opened, run and read as a user would).
"""

from __future__ import annotations

from contextlib import contextmanager

from portinglab import paths
from portinglab.browser import (  # noqa: F401 - the tests import them from here
    CHROMIUM, CHROMIUM_ARGS, EXECUTE_JS, LOOPBACK, START_KERNEL_JS, WITHIN_JS, BrowserKernel, KernelError,
    OffMachineGuard, guarded_context, launch,
)

#: screenshots and failure screenshots (not committed)
ARTIFACTS = paths.ROOT / "test-artifacts"


@contextmanager
def isolated_kernel(browser, site):
    """A kernel of the built site on a page served cross-origin isolated (`serve --isolated`: COOP/COEP), in its
    own guarded context; no request may leave the machine."""
    from portinglab.serve import serve_in_thread

    server, url = serve_in_thread(site, port=0, isolated=True)
    context, guard = guarded_context(browser)
    try:
        page = context.new_page()
        page.goto(url + "lab/index.html")
        yield BrowserKernel(page)
    finally:
        context.close()
        server.shutdown()
    assert guard.attempts == [], f"requests tried to leave the machine: {guard.attempts}"

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
