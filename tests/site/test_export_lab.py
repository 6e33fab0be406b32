"""The lab's File → Save and Export Notebook As → Ported script (extension/src/export.ts): run from
the command palette, the menu and the notebook toolbar in the real site, the download caught; it is
the same export as `portlab export` (same .py, same files) and the notebook is left as it was."""

from __future__ import annotations

import json
import zipfile

import pytest

from browser import SAVE_NOTEBOOK_JS, open_notebook
from export_helpers import export, run_cpython

pytestmark = pytest.mark.browser

MODEL = "models/ch_ppocr_mobile_v2.0_cls_infer.onnx"  # in the lab's /drive (the site's files/)
CELLS = [
    "import numpy as np\nprint('sum', int(np.arange(10).sum()))",
    "%pip install nothing-at-all",
    f"with open({MODEL!r}, 'rb') as f:\n    data = f.read()\nprint('model bytes', len(data))",
    "x = 41\nx + 1",
]

# the notebook as the lab holds it (model) and as it is saved (contents), and whether it is dirty
STATE_JS = """
async (path) => {
  const app = window.jupyterapp, nb = app.shell.currentWidget;
  const saved = await app.serviceManager.contents.get(path, {content: true});
  return {model: nb.context.model.toJSON(), dirty: nb.context.model.dirty, saved: saved.content,
          saved_modified: saved.last_modified};
}
"""

EDIT_FIRST_CELL_JS = """
(source) => window.jupyterapp.shell.currentWidget.content.widgets[0].model.sharedModel.setSource(source)
"""


def unzip(path, dest):
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        zf.extractall(dest)
    return names


def test_palette_export_is_portlab_export_and_leaves_the_notebook(page, site_url, built_site, tmp_path):
    path = "export lab café.ipynb"  # a space and a non-ASCII letter
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, [path, CELLS])
    open_notebook(page, site_url, path)
    # an unsaved edit: the export takes the notebook's current content, and does not save it
    page.evaluate(EDIT_FIRST_CELL_JS, "import numpy as np\nprint('sum', int(np.arange(100).sum()))")
    before = page.evaluate(STATE_JS, path)
    assert before["dirty"]

    page.keyboard.press("Control+Shift+C")
    page.fill(".lm-CommandPalette-input", "Ported Script")
    with page.expect_download(timeout=120_000) as dl:
        page.keyboard.press("Enter")
    download = dl.value
    assert download.suggested_filename == "export_lab_cafe.zip"
    zip_path = tmp_path / "lab.zip"
    download.save_as(zip_path)
    page.wait_for_selector(".jp-NotebookPanel[data-portinglab-export='done']")

    names = unzip(zip_path, tmp_path / "lab")
    folder = tmp_path / "lab" / "export_lab_cafe"
    assert names == sorted(f"export_lab_cafe/{f}" for f in [
        "export_lab_cafe.py", "index.html", "portlab-loader.js", "portlab-worker.js", "portlab-export.json",
        "README.md", MODEL])
    script = (folder / "export_lab_cafe.py").read_text()
    assert "np.arange(100)" in script  # the unsaved edit
    assert "# %pip install nothing-at-all" in script
    assert "display(x + 1)" in script
    assert (folder / MODEL).read_bytes() == (built_site / "files" / MODEL).read_bytes()
    config = json.loads((folder / "portlab-export.json").read_text())
    assert config["base_url"] == site_url  # the site's own URL
    assert config["files"] == [MODEL]
    assert 'src="portlab-loader.js"' in (folder / "index.html").read_text()
    # the exported script runs in CPython
    assert run_cpython(folder, "export_lab_cafe.py") == f"sum 4950\nmodel bytes {len((folder / MODEL).read_bytes())}\n42\n"

    # the same implementation as `portlab export`: the same notebook gives the same files
    nb_file = tmp_path / "cli" / path
    nb_file.parent.mkdir()
    nb_file.write_text(json.dumps(before["model"]), encoding="utf-8")
    proc = export(nb_file, tmp_path / "cli-out", "--base-url", site_url, "--drive", str(built_site / "files"))
    assert proc.returncode == 0, proc.stderr
    cli = tmp_path / "cli-out" / "export_lab_cafe"
    cli_files = sorted(p.relative_to(cli).as_posix() for p in cli.rglob("*") if p.is_file())
    assert [f"export_lab_cafe/{f}" for f in cli_files] == names
    for f in cli_files:
        assert (cli / f).read_bytes() == (folder / f).read_bytes(), f

    # the notebook: same content, still unsaved, the saved file untouched, no outputs added
    after = page.evaluate(STATE_JS, path)
    assert after == before
    assert all(not c["outputs"] for c in after["model"]["cells"])


def test_menu_and_toolbar_export(page, site_url, tmp_path):
    """The File menu entry and the notebook toolbar button download the export too."""
    path = "export-menu.ipynb"
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, [path, ["print('hi')"]])
    open_notebook(page, site_url, path)

    page.click("li.lm-MenuBar-item:has-text('File')")
    page.click("li.lm-Menu-item:has-text('Save and Export Notebook As')")
    with page.expect_download(timeout=120_000) as dl:
        page.click("li.lm-Menu-item:has-text('Ported Script')")
    names = unzip(dl.value.path(), tmp_path / "menu")
    assert "export_menu/export_menu.py" in names
    assert page.evaluate("() => document.querySelector('.jp-NotebookPanel').dataset.portinglabExportKernel") == "notebook"

    button = page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='portinglab-export'] button")
    with page.expect_download(timeout=120_000) as dl:
        button.click()
    unzip(dl.value.path(), tmp_path / "toolbar")
    assert (tmp_path / "toolbar" / "export_menu" / "export_menu.py").read_text().endswith("print('hi')\n")


def test_library_export_from_the_menu(page, site_url, tmp_path):
    """File → Save and Export Notebook As → Ported JS Library: the zip has port.js and the notebook's functions,
    the same files as `portlab export --library`."""
    path = "export-library.ipynb"
    cells = ["import numpy as np", "def double(a: np.ndarray) -> np.ndarray:\n    return a * 2",
             "def _hidden():\n    pass", "print(double(np.arange(3)))"]
    page.goto(site_url + "lab/index.html")
    page.evaluate(SAVE_NOTEBOOK_JS, [path, cells])
    open_notebook(page, site_url, path)
    page.click("li.lm-MenuBar-item:has-text('File')")
    page.click("li.lm-Menu-item:has-text('Save and Export Notebook As')")
    with page.expect_download(timeout=120_000) as dl:
        page.click("li.lm-Menu-item:has-text('Ported JS Library')")
    names = unzip(dl.value.path(), tmp_path / "lib")
    folder = tmp_path / "lib" / "export_library"
    assert {f"export_library/{f}" for f in ("port.js", "port-worker.js", "port_runtime.py", "port.json", "port.d.ts",
                                            "package.json", "example.html", "port_module.py", "export_library.py")} <= set(names)
    assert [f["name"] for f in json.loads((folder / "port.json").read_text())["functions"]] == ["double"]
    assert "double(a: ArrayInput): Promise<NDArray>;" in (folder / "port.d.ts").read_text()
