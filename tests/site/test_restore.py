"""Restore shipped version (keep my copy), in the built site in Chromium: a shipped notebook
edited by the participant (saved, or only in the open editor) goes back to the exact shipped
file, the participant's version is kept beside it, the open editor shows the shipped one; a
file the site did not ship is refused."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from browser import SAVE_NOTEBOOK_JS, TRACER_CONNECTED_JS

pytestmark = pytest.mark.browser

PATH = "en/01-welcome.ipynb"
COMMAND = "portinglab-restore:shipped"
MARK = "# edited by the participant"

APP_JS = """
async () => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 50));
  await window.jupyterapp.restored;
}
"""

#: puts MARK at the top of the first cell of the open notebook; saves it when asked
EDIT_JS = """
async ([mark, save]) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget;
  await nb.context.ready;
  const cell = nb.content.model.cells.get(0).sharedModel;
  cell.setSource(mark + '\\n' + cell.getSource());
  if (save) await nb.context.save();
  return nb.context.model.dirty;
}
"""

#: what the storage holds for a path (the participant's view of the file)
STORED_JS = """
async (path) => (await window.jupyterapp.serviceManager.contents.get(path, {content: true})).content
"""

#: the open editor of the notebook: its first cell's source and whether it has unsaved edits
EDITOR_JS = """
() => {
  const nb = window.jupyterapp.shell.currentWidget;
  return {source: nb.content.model.cells.get(0).sharedModel.getSource(), dirty: nb.context.model.dirty};
}
"""

#: every file of a folder, from the storage
LIST_JS = """
async (dir) => (await window.jupyterapp.serviceManager.contents.get(dir, {content: true})).content.map(f => f.name)
"""


def shipped(site_url: str, path: str) -> dict:
    with urllib.request.urlopen(site_url + "files/" + path) as r:
        return json.loads(r.read())


def open_in_lab(page, site_url: str, path: str) -> None:
    page.goto(f"{site_url}lab/index.html?path={path}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.evaluate(APP_JS)
    # the kernel's first kernel_info updates the notebook's metadata (language_info), which marks it dirty: let
    # that happen (the tracer's bootstrap comes after it) before editing, so "nothing unsaved" after a restore
    # does not depend on when the kernel is ready (it is ready sooner since the kernel starts with the page)
    page.wait_for_function(TRACER_CONNECTED_JS, timeout=120_000)


def run_and_confirm(page, start) -> str:
    """Start the command (`start()`), accept its confirm dialog, return the copy's path."""
    start()
    dialog = page.wait_for_selector(".jp-Dialog")
    body = dialog.inner_text()
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector("body[data-portinglab-restore='done']", state="attached", timeout=30_000)
    copy = re.search(r"(01-welcome \(my copy \d{4}-\d\d-\d\d \d{4}\)\.ipynb)", body)
    assert copy, body
    return "en/" + copy.group(1)


def assert_restored(page, site_url: str, copy: str) -> None:
    original = shipped(site_url, PATH)
    # the path holds the shipped file again, exactly
    assert page.evaluate(STORED_JS, PATH) == original
    # the participant's version is beside it (as the editor writes it: cell ids, one string per source)
    mine = page.evaluate(STORED_JS, copy)
    sources = ["".join(c["source"]) for c in mine["cells"]]
    assert sources[0] == MARK + "\n" + "".join(original["cells"][0]["source"])
    assert sources[1:] == ["".join(c["source"]) for c in original["cells"][1:]]
    assert copy.split("/")[1] in page.evaluate(LIST_JS, "en")
    # the open editor was reloaded: shipped content, nothing unsaved
    editor = page.evaluate(EDITOR_JS)
    assert editor == {"source": "".join(original["cells"][0]["source"]), "dirty": False}


def test_restore_a_saved_edit_from_the_palette_command(page, site_url):
    open_in_lab(page, site_url, PATH)
    assert page.evaluate(EDIT_JS, [MARK, True]) is False
    assert "".join(page.evaluate(STORED_JS, PATH)["cells"][0]["source"]).startswith(MARK)
    copy = run_and_confirm(page, lambda: page.evaluate(f"() => {{ void window.jupyterapp.commands.execute('{COMMAND}'); }}"))
    assert_restored(page, site_url, copy)


def test_restore_unsaved_edits_from_the_file_browser_context_menu(page, site_url):
    open_in_lab(page, site_url, PATH)
    assert page.evaluate(EDIT_JS, [MARK, False]) is True  # only in the editor
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: 'en/'})")
    item = page.locator(".jp-DirListing-item[title*='01-welcome.ipynb']").first
    item.click(button="right")
    page.click(".lm-Menu-item:has-text('Restore shipped version (keep my copy)')")
    copy = run_and_confirm(page, lambda: None)
    assert_restored(page, site_url, copy)


def test_restore_from_the_notebook_context_menu_and_cancel(page, site_url):
    """The notebook's context menu has the command; Cancel changes nothing."""
    open_in_lab(page, site_url, PATH)
    page.evaluate(EDIT_JS, [MARK, True])
    page.locator(".jp-Notebook .jp-Cell").first.click(button="right")
    page.click(".lm-Menu-item:has-text('Restore shipped version (keep my copy)')")
    page.wait_for_selector(".jp-Dialog")
    page.click(".jp-Dialog .jp-mod-reject")
    page.wait_for_selector("body[data-portinglab-restore='cancelled']", state="attached")
    assert "".join(page.evaluate(STORED_JS, PATH)["cells"][0]["source"]).startswith(MARK)
    assert not [n for n in page.evaluate(LIST_JS, "en") if "my copy" in n]


def test_a_file_the_site_did_not_ship_is_refused(page, site_url):
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, ["en/mine.ipynb", ["print('mine')"]])
    page.evaluate(APP_JS)
    page.evaluate(f"() => {{ void window.jupyterapp.commands.execute('{COMMAND}', {{path: 'en/mine.ipynb'}}); }}")
    dialog = page.wait_for_selector(".jp-Dialog")
    assert "en/mine.ipynb was not shipped with this site" in dialog.inner_text()
    page.click(".jp-Dialog-footer button")
    page.wait_for_selector("body[data-portinglab-restore='cancelled']", state="attached")
    assert page.evaluate(STORED_JS, "en/mine.ipynb")["cells"][0]["source"] == "print('mine')"
    assert not [n for n in page.evaluate(LIST_JS, "en") if "my copy" in n]


def test_restore_in_the_notebook_app(page, site_url):
    """The site's Notebook app (notebooks/index.html) has the command too; the reopened editor
    shows the shipped file."""
    page.goto(f"{site_url}notebooks/index.html?path={PATH}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.evaluate(APP_JS)
    # as in open_in_lab: the kernel's language_info (the shipped file has only its name) lands before the edit
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.context?.model"
                           "?.getMetadata('language_info')?.mimetype !== undefined", timeout=120_000)
    assert page.evaluate(EDIT_JS, [MARK, True]) is False
    copy = run_and_confirm(page, lambda: page.evaluate(f"() => {{ void window.jupyterapp.commands.execute('{COMMAND}'); }}"))
    assert_restored(page, site_url, copy)
