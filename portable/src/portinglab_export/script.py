"""Notebook -> one Python script that runs the same in CPython and in Pyodide.

Pure standard library (it also runs inside the lab's Pyodide kernel, for the lab's
File > Export Notebook As > Ported script). The conversions are listed in docs/export.md.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import symtable
import tokenize
import unicodedata
from dataclasses import dataclass, field

SKIP_TAGS = ("skip-export",)
#: ... and, from a library export's module (`port_module.py`), demo cells the library does not need at load
LIBRARY_SKIP_TAGS = ("skip-export", "skip-library")
NOTE = "portlab export"

#: line magics with no effect on a script's results: removed (kept as a comment)
DROPPED_LINE_MAGICS = {
    "pip", "conda", "mamba", "micropip", "matplotlib", "config", "load_ext", "reload_ext", "unload_ext",
    "autoreload", "aimport", "precision", "xmode", "who", "whos", "who_ls", "history", "lsmagic", "magic",
    "timeit", "load", "pdoc", "pdef", "psource", "pinfo", "pinfo2", "colors", "doctest_mode", "automagic",
    "autocall", "pprint", "notebook", "clear", "reset", "reset_selective", "tracer", "copies",
}
#: cell magics whose body is not Python: the whole cell is commented out
FOREIGN_CELL_MAGICS = {
    "bash", "sh", "script", "html", "HTML", "javascript", "js", "latex", "markdown", "svg", "perl",
    "ruby", "python2", "pypy", "system", "sx",
}
#: cell magics that only wrap Python code: the body is kept as is
TRANSPARENT_CELL_MAGICS = {"time", "capture", "prun", "debug"}


class ExportError(ValueError):
    """The notebook cannot be exported as it is; the message says what to change."""


@dataclass
class Script:
    name: str                 # file stem (ASCII)
    source: str               # the .py text
    warnings: list[str] = field(default_factory=list)
    async_main: bool = False  # the code had top-level await: wrapped in `async def main()`
    imports: list[str] = field(default_factory=list)  # top-level module names imported
    paths: list[str] = field(default_factory=list)    # string constants that look like relative paths
    cells: int = 0


def safe_name(stem: str) -> str:
    """ASCII file stem for the script and the zip: accents folded, anything else -> `_`."""
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "_", folded).strip("_")
    if not name:
        name = "notebook"
    if name[0].isdigit():
        name = "nb_" + name  # a valid module name, so the script can also be imported
    return name


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _comment(lines: list[str], why: str) -> list[str]:
    return [f"# {why}"] + [f"# {line}" if line else "#" for line in lines]


def _pyrepr(s: str) -> str:
    return repr(s)


def _convert_line(line: str, where: str, warnings: list[str]) -> str:
    """One line of a code cell: IPython syntax -> plain Python (or a comment)."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    filler = f"{indent}pass  " if indent else indent  # keeps an indented block non-empty

    def removed(why: str) -> str:
        return f"{filler}# {stripped}  ({NOTE}: {why})"

    # `x = !ls`, `x = %sx ls`
    m = re.match(r"^([A-Za-z_][\w\s,]*)=\s*([!%])(.*)$", stripped)
    if m and not stripped.startswith(("!", "%")) and not re.match(r"^[\w\s,]+==", stripped):
        warnings.append(f"{where}: `{stripped}` captures a shell/magic result: commented out")
        return removed("captures a shell command's output; no shell in the browser")
    if stripped.startswith("!"):
        warnings.append(f"{where}: shell command `{stripped}` commented out (no shell in the browser)")
        return removed("shell command; no shell in the browser or in the exported page")
    if stripped.startswith("%") and not stripped.startswith("%%"):
        m = re.match(r"^%(\w+)\s*(.*)$", stripped)
        if not m:
            warnings.append(f"{where}: `{stripped}` is not Python: commented out")
            return removed("not Python")
        magic, arg = m.group(1), m.group(2).rstrip()
        if magic in ("pip", "conda", "mamba", "micropip"):
            return removed("install these packages in the environment instead (CPython: pip; page: the site's Pyodide lock)")
        if magic == "time":
            return f"{indent}{arg}  # {NOTE}: was %time" if arg else removed("nothing to run")
        if magic == "cd":
            return f"{indent}__import__('os').chdir({_pyrepr(arg)})  # {NOTE}: was %cd"
        if magic == "env":
            kv = re.match(r"^(\w+)\s*[= ]\s*(.*)$", arg)
            if kv:
                return f"{indent}__import__('os').environ[{_pyrepr(kv.group(1))}] = {_pyrepr(kv.group(2))}  # {NOTE}: was %env"
            warnings.append(f"{where}: `{stripped}` commented out")
            return removed("only %env NAME=VALUE is converted")
        if magic in DROPPED_LINE_MAGICS:
            return removed("IPython magic, no effect in a script")
        warnings.append(f"{where}: unknown magic `%{magic}` commented out")
        return removed("unknown IPython magic")
    if re.match(r"^[\w.\[\]]+\?{1,2}$", stripped) or re.match(r"^\?{1,2}[\w.]+$", stripped):
        return removed("IPython help")
    # JupyterLite installs: piplite / micropip (packages come from the environment instead)
    if re.match(r"^(await\s+)?(piplite|micropip)\.install\b", stripped) or re.match(r"^import\s+(piplite|micropip)\s*$", stripped):
        return removed("in-browser install; the page loads packages from the site's Pyodide lock, CPython from pip")
    if re.match(r"^from\s+IPython(\.core)?\.display\s+import\s+display\s*$", stripped):
        return f"{filler}# {stripped}  ({NOTE}: display() is defined at the top of this script)"
    return line


def _convert_cell(src: str, index: int, warnings: list[str]) -> str | None:
    """A code cell's text -> Python text, or None if the whole cell is left out."""
    where = f"cell {index}"
    lines = src.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        m = re.match(r"^%%(\w+)\s*(.*)$", first)
        magic, arg = (m.group(1), m.group(2).strip()) if m else ("", "")
        body = lines[1:]
        if magic in TRANSPARENT_CELL_MAGICS:
            lines = [f"# {first}  ({NOTE}: cell magic removed, body kept)"] + body
        elif magic == "timeit":
            warnings.append(f"{where}: %%timeit cell left out (timing only)")
            return "\n".join(_comment(lines, f"{NOTE}: %%timeit cell left out (timing only)"))
        elif magic == "writefile":
            append = arg.startswith(("-a ", "--append "))
            fname = arg.split(None, 1)[1] if append else arg
            fname = fname.strip().strip("'\"")
            text = "\n".join(body) + "\n"
            return (f"# {first}  ({NOTE}: converted)\n"
                    f"with open({_pyrepr(fname)}, {'a' if append else 'w'!r}, encoding='utf-8') as _f:\n"
                    f"    _f.write({_pyrepr(text)})\n")
        elif magic in FOREIGN_CELL_MAGICS:
            warnings.append(f"{where}: %%{magic} cell is not Python: commented out")
            return "\n".join(_comment(lines, f"{NOTE}: %%{magic} cell is not Python, commented out"))
        else:
            warnings.append(f"{where}: unknown cell magic %%{magic}: cell commented out")
            return "\n".join(_comment(lines, f"{NOTE}: unknown cell magic %%{magic}, commented out"))
    return "\n".join(_convert_line(line, where, warnings) for line in lines)


def _parse(code: str, where: str) -> ast.Module:
    try:
        return compile(code, where, "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip("\n")
        raise ExportError(
            f"{where}, line {exc.lineno}: SyntaxError: {exc.msg}\n    {line}\n"
            "Fix the cell, or tag it `skip-export` to leave it out of the export."
        ) from None


def _needs_await(code: str, where: str) -> bool:
    flags = compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True).co_flags
    return bool(flags & inspect.CO_COROUTINE)


def _display_last(code: str, tree: ast.Module) -> str:
    """IPython shows a cell's last expression (unless it ends with `;`): so does the script."""
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return code
    node = tree.body[-1]
    lines = code.split("\n")
    rest = lines[node.end_lineno - 1][node.end_col_offset:]
    if rest.strip().startswith(";"):
        return code
    if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and node.value.func.id in ("print", "display"):
        return code
    start, end = node.lineno - 1, node.end_lineno - 1
    head = lines[start][: node.col_offset]  # `a = 1; ` when the expression follows a statement on its line
    segment = ast.get_source_segment(code, node)
    new = f"{head}display({segment}){rest}"
    return "\n".join(lines[:start] + new.split("\n") + lines[end + 1:])


def _global_names(code: str) -> list[str]:
    """Names the module-level code binds (declared `global` once it runs inside main())."""
    wrapped = "async def __portlab_main():\n" + _indent(code, "    ") + "\n    pass\n"
    table = symtable.symtable(wrapped, "<export>", "exec")
    fn = table.get_children()[0]
    return sorted(s.get_name() for s in fn.get_symbols() if s.is_local() or s.is_assigned() or s.is_imported())


def _indent(code: str, pad: str) -> str:
    """Indent `code`, leaving the inner lines of multi-line strings as they are."""
    lines = code.split("\n")
    keep: set[int] = set()  # 0-based lines that continue a string token
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.start[0] < tok.end[0] and tok.type != tokenize.NL and tok.type != tokenize.NEWLINE:
                keep.update(range(tok.start[0], tok.end[0]))  # rows start+1..end, 0-based
    except (tokenize.TokenError, SyntaxError):
        pass
    return "\n".join(line if (i in keep or not line.strip()) else pad + line for i, line in enumerate(lines))


PRELUDE = '''\
# --- {note}: what the notebook's display did (the last expression of a cell, display()) ---
def display(*objs):
    for obj in objs:
        if obj is None:
            continue
        try:
            from PIL import Image as _PILImage
        except ImportError:
            _PILImage = None
        if _PILImage is not None and isinstance(obj, _PILImage.Image):
            print(f"[image {{obj.width}}x{{obj.height}} {{obj.mode}}]")
            try:  # the exported page shows the image; CPython only prints the line above
                import _portlab_page
            except ImportError:
                continue
            import io as _io
            _buf = _io.BytesIO()
            obj.save(_buf, format="PNG")
            _portlab_page.show_png(_buf.getvalue())
        else:
            print(repr(obj))
'''


def _imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _path_like(tree: ast.Module) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            s = node.value
            if (0 < len(s) < 260 and "\n" not in s and "://" not in s and not s.startswith(("/", "~"))
                    and (re.search(r"[\w-]\.[A-Za-z0-9]{1,8}$", s) or re.fullmatch(r"[\w.-]+(/[\w.-]+)*/", s))):
                out.add(s)
    return out


def notebook_to_script(nb: dict, stem: str = "notebook", *, strict: bool = False,
                       skip_tags: tuple[str, ...] = SKIP_TAGS) -> Script:
    """Convert a notebook (nbformat 4, as a dict) into a Script. Raises ExportError."""
    if not isinstance(nb, dict) or "cells" not in nb:
        raise ExportError("not a Jupyter notebook (no `cells`)")
    if int(nb.get("nbformat", 4)) < 4:
        raise ExportError(f"nbformat {nb.get('nbformat')} is too old: open and save it in JupyterLab first")
    meta = nb.get("metadata") or {}
    lang = ((meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name") or "python")
    if lang.lower() != "python":
        raise ExportError(f"this is a {lang} notebook: only Python notebooks can be exported")
    warnings: list[str] = []
    parts: list[tuple[int, str]] = []
    for index, cell in enumerate(nb["cells"], start=1):
        if cell.get("cell_type") != "code":
            continue
        tags = (cell.get("metadata") or {}).get("tags") or []
        if any(t in skip_tags for t in tags):
            continue
        src = _source(cell)
        if not src.strip():
            continue
        code = _convert_cell(src, index, warnings)
        if code is None:
            continue
        tree = _parse(code, f"cell {index}")
        if re.search(r"""(?<=['"])/drive/""", code):  # the lab's content root -> the script's folder
            code = re.sub(r"""(?<=['"])/drive/""", "", code)
            warnings.append(f"cell {index}: '/drive/...' paths made relative to the script's folder")
            tree = _parse(code, f"cell {index}")
        code = _display_last(code, tree)
        parts.append((index, code))
    if strict and warnings:
        raise ExportError("strict export: " + "; ".join(warnings))
    name = safe_name(stem)
    body = "\n\n".join(f"# %% [cell {i}]\n{code.rstrip()}" for i, code in parts)
    tree = _parse(body, "the exported script")
    async_main = _needs_await(body, "the exported script") if body.strip() else False
    uses_display = "display(" in body
    header = (
        f"#!/usr/bin/env python3\n"
        f"# {name}.py: exported by Porting Lab from the notebook {stem!r} ({len(parts)} code cells).\n"
        f"# Runs in CPython (opencv-python-headless, onnxruntime, numpy, pillow) and in index.html (Pyodide).\n"
    )
    if not parts:
        warnings.append("the notebook has no code to export: the script only prints nothing")
    out = [header]
    if uses_display:
        out.append(PRELUDE.format(note=NOTE))
    if async_main:
        names = [n for n in _global_names(body) if n != "__portlab_main"]
        decl = ""
        for i in range(0, len(names), 8):
            decl += "    global " + ", ".join(names[i:i + 8]) + "\n"
        out.append(
            f"# {NOTE}: the notebook awaits at top level, so its code runs in main()\n"
            f"async def main():\n{decl}" + _indent(body, "    ") + "\n\n\n"
            "if __name__ == \"__main__\":\n"
            "    import sys\n"
            "    if sys.platform == \"emscripten\":  # the exported page (Pyodide): its loader awaits it\n"
            "        _portlab_main = main()\n"
            "    else:\n"
            "        import asyncio\n"
            "        asyncio.run(main())\n"
        )
    else:
        out.append(body + "\n")
    source = "\n".join(out)
    _parse(source, "the exported script")  # must be valid Python
    return Script(name=name, source=source, warnings=warnings, async_main=async_main,
                  imports=sorted(_imports(tree)), paths=sorted(_path_like(tree)), cells=len(parts))
