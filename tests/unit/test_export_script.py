"""Notebook -> script (portable/src/portinglab_export/script.py): the conversions tests/cli/test_export.py does
not reach, in CPython.

Proves: a notebook of IPython syntax and its exported script print the same lines (IPython itself runs the
cells; the script runs as `python script.py` would), displays, magics, `%cd`, `%env`, `%%writefile -a`, top-level
await with the globals it binds included; each other conversion gives its documented line and warning; cells
tagged skip-export and `/drive/` paths; what the Script reports (imports, relative paths, cells); the notebook
errors (old nbformat, not Python, strict).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import runpy

import pytest

from portinglab_export import ExportError, notebook_to_script
from portinglab_export.script import NOTE, safe_name


def nb_of(*cells, tags=None, meta=None):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta or {},
            "cells": [{"cell_type": "code", "source": c, "outputs": [],
                       "metadata": {"tags": tags[i]} if tags and tags.get(i) else {}} for i, c in enumerate(cells)]}


#: IPython's own lines that a script has no reason to print (echoes of magics, timings)
IPYTHON_ECHO = re.compile(r"^(env: .*|Writing .*|Appending to .*|CPU times: .*|Wall time: .*|/.*/sub)$")


def run_in_ipython(cells, cwd) -> list[str]:
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    out = io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out):
        for cell in cells:
            result = shell.run_cell(cell, store_history=True)
            assert result.success, (cell, result.error_in_exec or result.error_before_exec)
    InteractiveShell.clear_instance()
    return [re.sub(r"^Out\[\d+\]: ", "", line) for line in out.getvalue().splitlines() if not IPYTHON_ECHO.match(line)]


def run_script(source, cwd) -> list[str]:
    (cwd / "exported.py").write_text(source)
    out = io.StringIO()
    environ = dict(os.environ)
    try:
        with contextlib.chdir(cwd), contextlib.redirect_stdout(out):
            runpy.run_path(str(cwd / "exported.py"), run_name="__main__")
    finally:
        os.environ.clear()
        os.environ.update(environ)
    return out.getvalue().splitlines()


NOTEBOOKS = {
    "displays": ["x = 41\nx + 1", "1 + 1;", "print('p')\n'shown'", "def f():\n    return [1, 2]\nf()",
                 "None", "x = [1, 2]  # a comment\nx", "(1,\n 2)", "class C:\n    def __repr__(self):\n"
                 "        return 'C()'\nC()", "from IPython.display import display\ndisplay(5)\ndisplay('s', [1])",
                 "print(1)\n\n"],
    "magics": ["%env MODE=fast\nimport os\nos.environ['MODE']", "%env OTHER one two\nos.environ['OTHER']",
               "%%writefile d.txt\nhello\nworld", "%%writefile -a d.txt\nmore", "open('d.txt').read()",
               "%time y = 3\ny", "%%time\nz = 5\nz", "for i in range(2):\n    %time i\n    print(i)",
               "%load_ext autoreload\n%autoreload 2\n'magics dropped'", "%cd sub\nimport os\nos.path.basename(os.getcwd())",
               "'after cd'"],
    "await": ["import asyncio\nq = 7", "await asyncio.sleep(0)\nr = q + 1\n'awaited'", "def g():\n    return r * 2\ng()",
              "a1, a2, a3, a4, a5, a6, a7, a8, a9 = range(9)\nimport json as j\nclass K: pass\nfor loop_var in [1]: pass\n"
              "[a9, j.dumps(1), K.__name__, loop_var]", "async def h():\n    return 3\nawait h()"],
}


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_the_script_prints_what_ipython_prints(name, tmp_path):
    cells = NOTEBOOKS[name]
    for side in ("ipython", "script"):
        (tmp_path / side / "sub").mkdir(parents=True)
    expected = run_in_ipython(cells, tmp_path / "ipython")
    script = notebook_to_script(nb_of(*cells), name)
    assert run_script(script.source, tmp_path / "script") == expected
    assert expected  # the notebook does print
    assert script.async_main == (name == "await")
    if name == "await":
        assert script.source.count("    global ") >= 2  # more than 8 names: one `global` line per 8


@pytest.mark.parametrize("line, converted, warned", [
    ("%cd /data/x", "__import__('os').chdir('/data/x'))  # portlab export: was %cd", None),
    ("%env BAD", "# %env BAD  (portlab export: only %env NAME=VALUE is converted)", "`%env BAD` commented out"),
    ("%time", "# %time  (portlab export: nothing to run)", None),
    ("%timeit sum(range(9))", "# %timeit sum(range(9))  (portlab export: IPython magic, no effect in a script)", None),
    ("%pip install numpy", "install these packages in the environment instead", None),
    ("%conda install x", "install these packages in the environment instead", None),
    ("%-x", "# %-x  (portlab export: not Python)", "`%-x` is not Python: commented out"),
    ("%%%odd\nx = 1", "# portlab export: unknown cell magic %%, commented out\n# %%%odd\n# x = 1",
     "unknown cell magic %%: cell commented out"),
    ("%%timeit -n1\nprint('timed')", "# portlab export: %%timeit cell left out (timing only)\n# %%timeit -n1\n"
     "# print('timed')", "%%timeit cell left out (timing only)"),
    ("%%bash\necho hi", "# portlab export: %%bash cell is not Python, commented out", "%%bash cell is not Python"),
    ("%%capture out\nprint('kept')", "# %%capture out  (portlab export: cell magic removed, body kept)\nprint('kept')",
     None),
    ("%whatever 1", "(portlab export: unknown IPython magic)", "unknown magic `%whatever`"),
    ("?len", "# ?len  (portlab export: IPython help)", None),
    ("np.array??", "# np.array??  (portlab export: IPython help)", None),
    ("import micropip", "in-browser install", None),
    ("await micropip.install('x')", "in-browser install", None),
    ("await piplite.install(['a', 'b'])", "in-browser install", None),
    ("from IPython.display import display", "display() is defined at the top of this script", None),
    ("from IPython.core.display import display", "display() is defined at the top of this script", None),
    ("out = %sx ls", "captures a shell command's output", "captures a shell/magic result"),
    ("a, b = !cmd", "captures a shell command's output", "captures a shell/magic result"),
    ("!pip install x", "shell command; no shell in the browser", "shell command `!pip install x` commented out"),
    ("x == !y", None, None),  # a comparison, not a capture: Python's own SyntaxError, not a silent change
])
def test_each_ipython_line_is_converted_as_documented(line, converted, warned):
    if converted is None:
        with pytest.raises(ExportError, match="SyntaxError"):
            notebook_to_script(nb_of(line), "n")
        return
    script = notebook_to_script(nb_of(line), "n")
    assert converted in script.source, script.source
    if warned is ...:
        return
    if warned:
        assert any(warned in w for w in script.warnings), script.warnings
    else:
        assert not script.warnings


def test_indented_magics_keep_their_block_valid():
    script = notebook_to_script(nb_of("if True:\n    !ls\n    %matplotlib inline\nelse:\n    %whatever\n"), "n")
    assert "    pass  # !ls" in script.source and "    pass  # %matplotlib inline" in script.source
    assert "    pass  # %whatever" in script.source


def test_cells_tagged_skip_export_and_drive_paths():
    script = notebook_to_script(nb_of("print('kept')", "print('skipped')", "open('/drive/data/a.csv')\n'/drive/x'",
                                      tags={1: ["skip-export", "other"]}), "n")
    assert "skipped" not in script.source and script.cells == 2
    assert "open('data/a.csv')" in script.source and "display('x')" in script.source
    assert any("'/drive/...' paths made relative" in w for w in script.warnings)
    assert "# %% [cell 1]" in script.source and "# %% [cell 3]" in script.source


def test_what_a_script_reports():
    script = notebook_to_script(nb_of(
        "import cv2, numpy as np\nfrom onnxruntime import InferenceSession\nfrom . import local\n"
        "import os.path\nfrom PIL.Image import open as o",
        "a = cv2.imread('img/cat.png')\nm = 'models/'\nu = 'https://x.org/a.png'\nabs_ = '/etc/x.txt'\n"
        "home = '~/a.txt'\nn = 'no extension'\nmulti = '''a.txt\nb.txt'''\nversion = '1.2'"), "My Notebook")
    assert script.name == "My_Notebook" and script.cells == 2
    assert script.imports == ["PIL", "cv2", "numpy", "onnxruntime", "os"]
    assert script.paths == ["1.2", "img/cat.png", "models/"]
    assert script.source.startswith("#!/usr/bin/env python3\n# My_Notebook.py: exported by Porting Lab from the "
                                    "notebook 'My Notebook' (2 code cells).")


@pytest.mark.parametrize("stem, name", [("", "notebook"), ("2024 report", "nb_2024_report"), ("a--b__c", "a_b_c"),
                                        ("Ünïcödé", "Unicode"), ("___", "notebook"), ("ok", "ok")])
def test_safe_names_are_module_names(stem, name):
    assert safe_name(stem) == name and name.isidentifier()


@pytest.mark.parametrize("nb, message", [
    ([1, 2], "not a Jupyter notebook"),
    ({"nbformat": 3, "cells": []}, "nbformat 3 is too old"),
    ({"nbformat": 4, "cells": [], "metadata": {"language_info": {"name": "julia"}}}, "this is a julia notebook"),
])
def test_what_cannot_be_exported(nb, message):
    with pytest.raises(ExportError, match=message):
        notebook_to_script(nb, "n")


def test_strict_export_lists_every_warning():
    with pytest.raises(ExportError) as exc:
        notebook_to_script(nb_of("!ls", "%whatever"), "n", strict=True)
    assert str(exc.value).startswith("strict export: cell 1: shell command") and "cell 2: unknown magic" in str(exc.value)
    assert notebook_to_script(nb_of("print(1)"), "n", strict=True).warnings == []


def test_sources_as_lists_and_non_code_cells():
    nb = nb_of(["x = 1\n", "x"])
    nb["cells"].insert(0, {"cell_type": "markdown", "source": "print('not code')", "metadata": {}})
    nb["cells"].append({"cell_type": "code", "source": "   \n", "metadata": {}, "outputs": []})
    script = notebook_to_script(nb, "n")
    assert script.cells == 1 and "# %% [cell 2]\nx = 1\ndisplay(x)" in script.source and NOTE in script.source


def test_a_last_expression_after_a_semicolon_is_shown(tmp_path):
    for side in ("ipython", "script"):
        (tmp_path / side).mkdir()
    cells = ["a = 1; a"]
    assert run_script(notebook_to_script(nb_of(*cells), "n").source, tmp_path / "script") == \
        run_in_ipython(cells, tmp_path / "ipython")
