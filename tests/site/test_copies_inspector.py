"""The Memory copies inspector in the built site, in Chromium: a notebook with known copies,
the panel's rows and the cells' badges with exact byte counts, the switch; every message the
kernel sent validates against the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from browser import SAVE_NOTEBOOK_JS, cell_outputs, open_notebook, run_all_cells

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCHEMA = json.loads((ROOT / "kernel/src/portinglab_kernel/tracer/report.schema.json").read_text(encoding="utf-8"))
HINTS = SCHEMA["$defs"]["hint"]["properties"]["code"]["x-hints"]

CELLS = [
    "import numpy as np, js\nfrom pyodide.ffi import to_js\na = np.zeros(262144, np.float32)  # 1 MiB\nx = to_js(a)",
    "u = js.Uint8Array.new(5000)\nm = u.to_py()",
    "import cv2\nimg = np.zeros((1080, 1920, 3), np.uint8)\nsmall = cv2.resize(img, (960, 540))",
    "import json, portinglab_kernel.tracer as t\nprint(json.dumps(t.reports()))",
]

ROWS_JS = """
(n) => [...document.querySelectorAll(`#portinglab-copies-panel [data-execution-count="${n}"] .jp-PortingLabCopies-row`)]
  .map(r => [r.dataset.direction, Number(r.dataset.bytes), r.dataset.api,
              r.querySelector('.jp-PortingLabCopies-line').textContent])
"""

BADGES_JS = """
() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(c => {
  const b = c.querySelector('.jp-PortingLabCopies-badge');
  return b ? [b.textContent, Number(b.dataset.bytes), Number(b.dataset.count)] : null;
})
"""


# what sticks out of the panel on the right (clipped at the side bar's width): none
CLIPPED_JS = """
() => {
  const panel = document.querySelector('#portinglab-copies-panel');
  const right = panel.getBoundingClientRect().right;
  const body = panel.querySelector('.jp-PortingLabCopies-body');
  const out = [...panel.querySelectorAll('.jp-PortingLabCopies-row > *, .jp-PortingLabCopies-head > *')]
    .filter(e => e.getBoundingClientRect().right > right + 0.5).map(e => e.textContent);
  return {width: panel.getBoundingClientRect().width, scrolls: body.scrollWidth > body.clientWidth, out};
}
"""

KERNEL_IDLE_JS = """
() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!(nb && nb.sessionContext && nb.sessionContext.session && nb.sessionContext.session.kernel
            && nb.sessionContext.kernelDisplayStatus === 'idle');
}
"""


def write_notebook(page, site_url, path, cells, open_it=True):
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, [path, cells])
    if open_it:
        # waits for the tracer's comm too (cells run earlier are traced as well: see
        # test_cells_run_before_the_kernel_started_are_traced)
        open_notebook(page, site_url, path)


def test_panel_rows_and_badges_show_exact_bytes(page, site_url):
    write_notebook(page, site_url, "copies-inspector-test.ipynb", CELLS)
    run_all_cells(page, timeout_ms=300_000)
    page.wait_for_function("() => document.querySelectorAll('.jp-PortingLabCopies-badge').length >= 2",
                           timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    page.wait_for_selector("#portinglab-copies-panel [data-execution-count='1'] .jp-PortingLabCopies-row")

    assert page.evaluate(ROWS_JS, 1) == [["py->js", 1048576, "to_js", "4"]]
    assert page.evaluate(ROWS_JS, 2) == [["js->py", 5000, "to_py", "2"]]
    badges = page.evaluate(BADGES_JS)
    assert badges[0][1:] == [1048576, 1] and re.fullmatch(r"1 copy · 1\.0 MB · [\d.]+ ms", badges[0][0]), badges
    assert badges[1][1:] == [5000, 1] and re.fullmatch(r"1 copy · 5\.0 kB · [\d.]+ ms", badges[1][0]), badges
    hints = page.eval_on_selector_all("#portinglab-copies-panel [data-execution-count='1'] .jp-PortingLabCopies-hint",
                                      "hs => hs.map(h => h.dataset.code)")
    assert hints == ["to_js-large-buffer"]

    outputs = cell_outputs(page)
    if "Error" in outputs[2] or badges[2] is None:
        pytest.fail(f"cv2.resize made no report: {outputs[2]!r}")
    rows3 = page.evaluate(ROWS_JS, 3)
    assert ["py->opencv", 1920 * 1080 * 3] in [r[:2] for r in rows3], rows3
    assert ["opencv->py", 960 * 540 * 3] in [r[:2] for r in rows3], rows3
    assert all(r[3] == "3" for r in rows3)
    assert badges[2][1] == sum(r[1] for r in rows3)

    messages = json.loads(outputs[3].strip().splitlines()[-1])
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for m in messages:
        validator.validate(m)
    cells = {m["execution_count"]: m for m in messages if m["type"] == "cell"}
    assert [c["bytes"] for c in cells[1]["copies"]] == [1048576]
    assert [c["bytes"] for c in cells[2]["copies"]] == [5000]

    # readable at the side bar's default width: nothing clipped, no sideways scrolling
    clipped = page.evaluate(CLIPPED_JS)
    assert clipped["width"] < 400 and not clipped["out"] and not clipped["scrolls"], clipped

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#portinglab-copies-panel").screenshot(path=str(ARTIFACTS / "copies-panel.png"))
    page.screenshot(path=str(ARTIFACTS / "copies-inspector-lab.png"))

    # the badge opens the panel at its cell
    page.evaluate("() => window.jupyterapp.shell.collapseRight()")
    page.locator(".jp-Notebook .jp-CodeCell").nth(1).locator(".jp-PortingLabCopies-badge").click()
    page.wait_for_selector("#portinglab-copies-panel[data-shown-cell='2']:not(.lm-mod-hidden)")


RAN_UP_TO_JS = """
(n) => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const last = cells.get(cells.length - 1);
  return last.executionCount === n && last.executionState !== 'running';
}
"""
GROUPS_JS = "() => [...document.querySelectorAll('#portinglab-copies-panel .jp-PortingLabCopies-cell')]" \
            ".map(g => Number(g.dataset.executionCount))"


def test_panel_draws_only_what_is_new_and_only_when_shown(page, site_url):
    # a report draws its cell's group, next to the groups already drawn (not a redraw of every
    # cell's copies: the cell's reply waits behind that work); a hidden panel draws nothing
    # until it is shown, and then everything that arrived
    cells = ["import numpy as np\nfrom pyodide.ffi import to_js\nx = to_js(np.zeros(100, np.float32))",
             "y = to_js(np.zeros(200, np.uint8))"]
    write_notebook(page, site_url, "copies-redraw-test.ipynb", cells)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    run_all_cells(page, timeout_ms=300_000, until=f"() => ({RAN_UP_TO_JS})(2)")
    page.wait_for_function(f"() => ({GROUPS_JS})().join() === '1,2'")
    page.evaluate("() => document.querySelectorAll('#portinglab-copies-panel .jp-PortingLabCopies-cell')"
                  ".forEach(g => { g.__drawnBefore = true; })")
    run_all_cells(page, timeout_ms=300_000, until=f"() => ({RAN_UP_TO_JS})(4)")
    page.wait_for_function(f"() => ({GROUPS_JS})().join() === '1,2,3,4'")
    kept = page.evaluate("() => [...document.querySelectorAll('#portinglab-copies-panel .jp-PortingLabCopies-cell')]"
                         ".map(g => !!g.__drawnBefore)")
    assert kept == [True, True, False, False]  # groups 1 and 2 are the nodes drawn before

    page.evaluate("() => window.jupyterapp.shell.collapseRight()")
    run_all_cells(page, timeout_ms=300_000, until=f"() => ({RAN_UP_TO_JS})(6)")
    summary = "#portinglab-copies-panel .jp-PortingLabCopies-summary"
    page.wait_for_function(f"() => document.querySelector('{summary}').dataset.count === '6'")  # summary: at once
    page.wait_for_timeout(500)
    assert page.evaluate(GROUPS_JS) == [1, 2, 3, 4]  # hidden: not drawn
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    page.wait_for_function(f"() => ({GROUPS_JS})().join() === '1,2,3,4,5,6'")
    assert page.evaluate(ROWS_JS, 6) == [["py->js", 200, "to_js", "1"]]


def test_copies_listed_per_cell_is_a_setting(page, site_url):
    # the command (palette: "Copies listed per cell…") sets the setting and tells the kernel
    cells = ["import js\nfor i in range(5):\n    js.Uint8Array.new(8).to_py()"]
    write_notebook(page, site_url, "copies-rows-test.ipynb", cells)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:rows', {rows: 3})")
    try:
        page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
        run_all_cells(page, timeout_ms=300_000)
        page.wait_for_selector("#portinglab-copies-panel [data-execution-count='1'] .jp-PortingLabCopies-row")
        assert page.evaluate(ROWS_JS, 1) == [["js->py", 8, "to_py", "3"]] * 3
        head = page.inner_text("#portinglab-copies-panel [data-execution-count='1'] .jp-PortingLabCopies-cellHeader")
        assert head.startswith("[1] 5 copies · 40 B") and "(2 more not listed)" in head, head
    finally:
        page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:rows', {rows: 50})")


def test_small_copies_past_the_listed_ones_are_counted_not_timed(page, site_url):
    # 40 small resizes: 80 copies, 50 listed; the 30 after them are counted by bridge.js, not
    # timed (each is far below the clock's step): the time reads as a lower bound, and says why
    cells = ["import numpy as np, cv2\na = np.zeros((8, 8), np.uint8)\nfor i in range(40):\n    cv2.resize(a, (4, 4))"]
    write_notebook(page, site_url, "copies-untimed-test.ipynb", cells)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    run_all_cells(page, timeout_ms=300_000)
    if "Error" in cell_outputs(page)[0]:
        pytest.skip(f"cv2 does not import here: {cell_outputs(page)[0]}")
    header = "#portinglab-copies-panel [data-execution-count='1'] .jp-PortingLabCopies-cellHeader"
    page.wait_for_selector(header)
    text, title = page.eval_on_selector(header, "h => [h.textContent, h.title]")
    assert re.match(r"\[1\] 80 copies · 3\.2 kB · ≥ [\d.]+ ms \(30 more not listed\)", text), text
    assert title.startswith("30 small copies past the listed ones were counted but not timed"), title
    assert title.endswith("To list more: Porting Lab: Copies listed per cell… in the command palette"), title
    assert len(page.evaluate(ROWS_JS, 1)) == 50
    badge = page.locator(".jp-Notebook .jp-CodeCell .jp-PortingLabCopies-badge").first
    assert "≥" in badge.inner_text() and "not timed" in badge.get_attribute("title")


def test_switching_off_no_rows_no_badge(page, site_url):
    cells = ["import numpy as np\nfrom pyodide.ffi import to_js\nx = to_js(np.zeros(1000, np.float32))",
             "import pyodide.ffi, _pyodide_core\nprint(pyodide.ffi.to_js is _pyodide_core.to_js)"]
    write_notebook(page, site_url, "copies-off-test.ipynb", cells)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:toggle')")
    assert page.evaluate("() => window.jupyterapp.commands.isToggled('portinglab-copies:toggle')") is False
    page.wait_for_timeout(1000)  # the switch reaches the kernel through its comm
    run_all_cells(page, timeout_ms=300_000)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    page.wait_for_timeout(1000)
    assert page.evaluate(BADGES_JS) == [None, None]
    assert page.eval_on_selector_all("#portinglab-copies-panel .jp-PortingLabCopies-row", "r => r.length") == 0
    assert "tracing is off" in page.inner_text("#portinglab-copies-panel .jp-PortingLabCopies-summary")
    assert cell_outputs(page)[1].strip() == "True"
    page.locator("#portinglab-copies-panel").screenshot(path=str(ARTIFACTS / "copies-panel-off.png"))
    # back on: the setting persists in the page's storage only
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:toggle')")


def test_badge_and_panel_in_the_notebook_app(page, site_url):
    """The extension works in the site's Notebook app too (notebooks/index.html), not only the lab."""
    path = "copies-notebook-app-test.ipynb"
    write_notebook(page, site_url, path,
                   ["import numpy as np\nfrom pyodide.ffi import to_js\nx = to_js(np.zeros(1000, np.float32))"],
                   open_it=False)
    page.goto(f"{site_url}notebooks/index.html?path={path}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    page.wait_for_function(KERNEL_IDLE_JS, timeout=180_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell .jp-PortingLabCopies-badge", timeout=180_000)
    badges = page.evaluate(BADGES_JS)
    assert badges[0][1:] == [4000, 1] and re.fullmatch(r"1 copy · 4\.0 kB · [\d.]+ ms", badges[0][0]), badges
    # the badge opens the panel (the Notebook app's right side panel) at its cell
    page.locator(".jp-Notebook .jp-CodeCell .jp-PortingLabCopies-badge").first.click()
    page.wait_for_selector("#portinglab-copies-panel[data-shown-cell='1']:not(.lm-mod-hidden)")
    assert page.evaluate(ROWS_JS, 1) == [["py->js", 4000, "to_js", "3"]]
    clipped = page.evaluate(CLIPPED_JS)
    assert not clipped["out"] and not clipped["scrolls"], clipped
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "copies-inspector-notebook.png"))


def test_prebuilt_labextension_matches_its_sources():
    """The committed labextension was built from the committed sources (extension/build.sh)."""
    import subprocess
    import sys

    stamp = (ROOT / "extension/portinglab_copies/SOURCES.sha256").read_text(encoding="utf-8")
    now = subprocess.run([sys.executable, str(ROOT / "extension/sources.py")], capture_output=True,
                         text=True, check=True).stdout
    assert now == stamp, "extension sources changed since the last build: run extension/build.sh"


#: waits (polling every few ms) for the notebook's kernel *connection*, then at once runs every
#: cell, without waiting for the kernel to start: resolves with the kernel's status at that moment
RUN_AT_ONCE_JS = """
async () => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 5));
  const app = window.jupyterapp;
  let nb;
  while (!(nb = app.shell.currentWidget) || !nb.sessionContext || !nb.sessionContext.session
         || !nb.sessionContext.session.kernel || !nb.content.widgets.length)
    await new Promise(r => setTimeout(r, 5));
  const status = nb.sessionContext.session.kernel.status;
  void app.commands.execute('notebook:run-all-cells');
  return status;
}
"""

#: restarts the kernel and, in the same tick, runs every cell (queued while it restarts)
RESTART_AND_RUN_AT_ONCE_JS = """
async () => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget;
  const restarted = nb.sessionContext.session.kernel.restart();
  await app.commands.execute('notebook:run-all-cells');
  await restarted;
}
"""

RACE_CELLS = [
    "import numpy as np\nfrom pyodide.ffi import to_js\nx = to_js(np.zeros(262144, np.float32))  # 1 MiB",
    "import js\nm = js.Uint8Array.new(5000).to_py()",
]


def test_cells_run_before_the_kernel_started_are_traced(page, site_url):
    """Issue 5's race: cells sent the moment the notebook opens (kernel still starting), and
    again right after a restart, are traced: the extension's bootstrap always goes first."""
    path = "copies-race-test.ipynb"
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, [path, RACE_CELLS])
    page.goto(f"{site_url}lab/index.html?path={path}")
    status = page.evaluate(RUN_AT_ONCE_JS)
    assert status != "idle", "the kernel was already up: this test would not see the race"
    page.wait_for_function(ALL_CELLS_RUN_JS, arg=2, timeout=300_000)
    page.wait_for_function("() => document.querySelectorAll('.jp-PortingLabCopies-badge').length == 2",
                           timeout=60_000)
    badges = page.evaluate(BADGES_JS)
    assert [b[1:] for b in badges] == [[1048576, 1], [5000, 1]], badges
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    assert page.evaluate(ROWS_JS, 1) == [["py->js", 1048576, "to_js", "3"]]
    assert page.evaluate(ROWS_JS, 2) == [["js->py", 5000, "to_py", "2"]]

    page.evaluate(RESTART_AND_RUN_AT_ONCE_JS)
    page.wait_for_function(ALL_CELLS_RUN_JS, arg=2, timeout=300_000)
    page.wait_for_function("() => document.querySelectorAll('.jp-PortingLabCopies-badge').length == 2",
                           timeout=60_000)
    assert [b[1:] for b in page.evaluate(BADGES_JS)] == [[1048576, 1], [5000, 1]]
    assert page.evaluate(ROWS_JS, 2) == [["js->py", 5000, "to_py", "2"]]


#: every code cell shows the prompt [1], [2], ... (its execution count, in order) and is idle
ALL_CELLS_RUN_JS = """
(n) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
  return cells.length === n && cells.every((c, i) => c.model.executionCount === i + 1
    && c.model.executionState === 'idle');
}
"""


#: the notebook in the main area, and where the heading `id` sits relative to its viewport
LESSON_SHOWN_JS = """
(anchor) => {
  const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.context || !nb.content) return null;
  const h = nb.node.querySelector(`[id="${anchor}"]`);
  if (!h) return {path: nb.context.path, visible: false};
  const box = h.getBoundingClientRect(), view = nb.content.node.getBoundingClientRect();
  return {path: nb.context.path, visible: box.top >= view.top - 1 && box.bottom <= view.bottom + 1};
}
"""


def open_lesson_from_hint(page, anchor: str) -> str:
    """Click the to_js hint's link in the panel; wait until the lesson's heading is in view."""
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    link = page.locator("#portinglab-copies-panel .jp-PortingLabCopies-hint[data-code='to_js-large-buffer'] "
                        ".jp-PortingLabCopies-lesson")
    text = link.inner_text()
    link.click()
    # the extension sets data-portinglab-lesson once the notebook's layout has settled
    page.wait_for_selector(f".jp-NotebookPanel[data-portinglab-lesson={json.dumps(anchor, ensure_ascii=False)}]", timeout=60_000)
    return text


def test_hint_link_opens_the_teaching_notebook_at_its_section(page, site_url):
    write_notebook(page, site_url, "copies-hint-test.ipynb", [RACE_CELLS[0]])
    run_all_cells(page)
    page.wait_for_selector(".jp-PortingLabCopies-badge", timeout=60_000)
    # English is the default: the panel's title, the link's words
    assert page.locator(".jp-SideBar .lm-TabBar-tab:has-text('Memory copies')").count() == 1
    assert open_lesson_from_hint(page, HINTS["to_js-large-buffer"]["lesson"]["en"]) == "How: notebook 2, Python ↔ JavaScript"
    shown = page.evaluate(LESSON_SHOWN_JS, HINTS["to_js-large-buffer"]["lesson"]["en"])
    assert shown == {"path": "en/02-python-and-javascript.ipynb", "visible": True}
    page.screenshot(path=str(ARTIFACTS / "copies-hint-lesson.png"))


def test_hint_link_in_the_notebook_app_opens_the_teaching_notebook(page, site_url):
    """In the Notebook app (one document per browser tab) the hint's link opens notebook 2 in a new
    tab, scrolled to the section that explains the hint (the URL names it)."""
    path = "copies-hint-notebook-app.ipynb"
    write_notebook(page, site_url, path, [RACE_CELLS[0]], open_it=False)
    page.goto(f"{site_url}notebooks/index.html?path={path}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    page.wait_for_function(KERNEL_IDLE_JS, timeout=180_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell .jp-PortingLabCopies-badge", timeout=180_000)
    page.locator(".jp-Notebook .jp-CodeCell .jp-PortingLabCopies-badge").first.click()
    link = page.locator("#portinglab-copies-panel .jp-PortingLabCopies-hint[data-code='to_js-large-buffer'] "
                        ".jp-PortingLabCopies-lesson")
    with page.context.expect_page(timeout=30_000) as opened:
        link.click()
    lesson = opened.value
    try:
        anchor = HINTS["to_js-large-buffer"]["lesson"]["en"]
        lesson.wait_for_selector(f".jp-NotebookPanel[data-portinglab-lesson={json.dumps(anchor)}]", timeout=120_000)
        assert "path=en%2F02-python-and-javascript.ipynb" in lesson.url, lesson.url
        assert lesson.evaluate(LESSON_SHOWN_JS, anchor) == {"path": "en/02-python-and-javascript.ipynb",
                                                             "visible": True}
        # the section is far down the notebook: scrolled there (in the window), not left at the top
        where = lesson.evaluate(f"""() => {{
          const h = document.querySelector('[id="{anchor}"]').getBoundingClientRect();
          const scrolled = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollTop;
          return {{inWindow: h.top >= 0 && h.bottom <= window.innerHeight, scrolled}};
        }}""")
        assert where["inWindow"] and where["scrolled"] > 300, where
        lesson.screenshot(path=str(ARTIFACTS / "copies-hint-lesson-notebook-app.png"))
    finally:
        lesson.close()


LOCALE = ROOT / "extension/portinglab_copies/locale/zh_CN/LC_MESSAGES/portinglab_copies.json"


def test_the_site_ships_the_extension_zh_cn_strings(built_site):
    """The site build puts them into the lab's zh_CN translation data (jupyterlab.locale entry point)."""
    data = json.loads((built_site / "api/translations/zh_CN.json").read_text(encoding="utf-8"))["data"]
    assert data["portinglab_copies"] == json.loads(LOCALE.read_text(encoding="utf-8"))
    assert "jupyterlab" in data  # the language pack itself is still there


SET_LOCALE_JS = """
async (locale) => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 50));
  await window.jupyterapp.restored;
  await window.jupyterapp.serviceManager.settings.save(
    '@jupyterlab/translation-extension:plugin', JSON.stringify({locale}));
}
"""


def test_the_inspector_speaks_chinese(page, site_url):
    """Lab language 中文: panel, badge, hint (and its link to the Chinese notebook), commands."""
    page.goto(site_url + "lab/index.html")
    page.evaluate(SET_LOCALE_JS, "zh_CN")
    page.reload()
    page.wait_for_selector("li.lm-MenuBar-item:has-text('文件')")
    cells = [RACE_CELLS[0] + "\nfrom pyodide.ffi import create_proxy\nkept = create_proxy(len)"]
    write_notebook(page, site_url, "copies-zh-test.ipynb", cells)
    page.wait_for_selector("li.lm-MenuBar-item:has-text('文件')")
    run_all_cells_zh = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
    page.evaluate(run_all_cells_zh)
    badge = page.wait_for_selector(".jp-PortingLabCopies-badge", timeout=120_000)
    assert re.fullmatch(r"1 次拷贝 · 1\.0 MB · [\d.]+ ms · 1 个代理仍存活", badge.inner_text()), badge.inner_text()
    assert page.locator(".jp-SideBar .lm-TabBar-tab:has-text('内存拷贝')").count() == 1
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    hints = page.eval_on_selector_all("#portinglab-copies-panel .jp-PortingLabCopies-hint", "hs => hs.map(h => h.innerText)")
    assert hints[0].startswith("第 3 行：to_js 会把整个缓冲区拷贝成一个新的类型化数组"), hints
    assert hints[1].startswith("本单元格创建的 1 个 PyProxy 对象仍然存活"), hints
    assert "追踪拷贝" in page.inner_text("#portinglab-copies-panel .jp-PortingLabCopies-toolbar")
    labels = page.evaluate("""() => ['portinglab-copies:toggle', 'portinglab-restore:shipped',
        'portinglab-export:ported-script'].map(c => window.jupyterapp.commands.label(c, {isPalette: true}))""")
    assert labels == ["追踪内存拷贝（wasm↔JS）", "恢复原始版本（保留我的副本）", "将笔记本导出为移植脚本（.py + 网页，zip）"]
    # the hint's link opens the Chinese notebook at its section
    assert open_lesson_from_hint(page, HINTS["to_js-large-buffer"]["lesson"]["zh"]) == "怎么做：笔记本 2，Python ↔ JavaScript"
    shown = page.evaluate(LESSON_SHOWN_JS, HINTS["to_js-large-buffer"]["lesson"]["zh"])
    assert shown == {"path": "zh/02-python-and-javascript.ipynb", "visible": True}
    page.screenshot(path=str(ARTIFACTS / "copies-inspector-zh_CN.png"))


def test_a_cell_shows_what_it_loaded_on_first_import(page, site_url):
    """A package the site finder loads while a cell runs (imported from inside a module) shows in that cell's
    group, with the time it took: the cost of the first import is visible where it happened."""
    cells = ["open('/tmp/uses_scipy.py', 'w').write('import scipy.ndimage\\nVALUE = 1\\n')",
             "import sys\nsys.path.insert(0, '/tmp')\nimport uses_scipy\nuses_scipy.VALUE"]
    write_notebook(page, site_url, "first-import-test.ipynb", cells)
    run_all_cells(page, timeout_ms=300_000)
    page.evaluate("() => window.jupyterapp.commands.execute('portinglab-copies:open')")
    page.wait_for_selector("#portinglab-copies-panel [data-execution-count='2'] .jp-PortingLabCopies-loads",
                           timeout=60_000)
    text = page.inner_text("#portinglab-copies-panel [data-execution-count='2'] .jp-PortingLabCopies-loads")
    assert re.fullmatch(r" · loaded on first import: scipy [\d.]+ (ms|s)", text), text
    # the cell that only wrote the module loaded nothing
    assert page.query_selector("#portinglab-copies-panel [data-execution-count='1'] .jp-PortingLabCopies-loads") is None
