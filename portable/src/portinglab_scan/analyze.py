"""One source's imports, cv2 / onnxruntime names (through `import cv2 as cv`, `from cv2 import resize`), and the
wasm32 traps it shows. From the AST only: nothing is run."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

BRIDGED_MODULES = ("cv2", "onnxruntime")

#: wasm32 traps: (code, what the user sees, what to do)
TRAPS = {
    "int-width": ("numpy's default integer is 32-bit on wasm32 (np.int_, dtype=int, astype(int), np.array of Python "
                  "ints)", "give the dtype: np.int64 where values or sums can pass 2**31"),
    "threads": ("no threads in the browser kernel (threading, concurrent.futures, multiprocessing)",
                "run the work in the cell; for parallel work use a Web Worker in the exported page"),
    "subprocess": ("no processes in the browser kernel (subprocess, os.system, os.popen)",
                   "call the library's Python API instead of its command line"),
    "sockets": ("no network sockets in the browser kernel (socket, requests, urllib.request, http.client)",
                "use pyodide.http.pyfetch for same-site files, or put the data in the drive"),
    "absolute-path": ("an absolute path of the server's file system", "use a path relative to the notebook, "
                      "or the drive (/drive/...)"),
    "gui": ("a GUI call (cv2.imshow, waitKey, namedWindow, ...)", "show images with IPython.display or PIL"),
}
_GUI = {"imshow", "waitKey", "waitKeyEx", "namedWindow", "destroyAllWindows", "destroyWindow", "selectROI"}
_ABS = re.compile(r"^(/(home|Users|root|mnt|data|opt|tmp|var|usr)/|[A-Za-z]:\\\\)")
_THREADS = ("threading", "concurrent.futures", "multiprocessing", "_thread")
_PROCS = ("subprocess",)
_SOCKETS = ("socket", "requests", "urllib.request", "http.client", "httpx", "aiohttp", "urllib3")


@dataclass
class Use:
    module: str  # cv2 | onnxruntime
    name: str  # resize, dnn.readNetFromONNX, InferenceSession
    line: int


@dataclass
class Trap:
    code: str
    line: int
    text: str


@dataclass
class FileFindings:
    source: str
    imports: list[tuple[str, int]] = field(default_factory=list)  # (top-level module, line)
    uses: list[Use] = field(default_factory=list)
    traps: list[Trap] = field(default_factory=list)
    error: str | None = None


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, out: FileFindings):
        self.out = out
        self.alias: dict[str, str] = {}  # local name -> "cv2" / "cv2.dnn" / "cv2.resize" / "numpy"

    def _trap(self, code, node, text):
        self.out.traps.append(Trap(code, getattr(node, "lineno", 0), text))

    def _imported(self, module: str, node):
        self.out.imports.append((module.split(".")[0], node.lineno))
        if module.startswith(_THREADS):
            self._trap("threads", node, module)
        if module.startswith(_PROCS):
            self._trap("subprocess", node, module)
        if module.startswith(_SOCKETS):
            self._trap("sockets", node, module)

    def visit_Import(self, node):
        for a in node.names:
            self._imported(a.name, node)
            self.alias[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def visit_ImportFrom(self, node):
        if node.level or not node.module:
            return  # relative: the package's own modules
        self._imported(node.module, node)
        for a in node.names:
            full = f"{node.module}.{a.name}"
            self.alias[a.asname or a.name] = full
            if node.module.split(".")[0] in BRIDGED_MODULES and a.name != "*":
                self._use(full, node)

    def _use(self, dotted: str, node):
        top, _, rest = dotted.partition(".")
        if top in BRIDGED_MODULES and rest:
            self.out.uses.append(Use(top, rest, node.lineno))
            if top == "cv2" and rest in _GUI:
                self._trap("gui", node, f"cv2.{rest}")

    def _resolve(self, node) -> str | None:
        d = _dotted(node)
        if d is None:
            return None
        head, _, rest = d.partition(".")
        if head in self.alias:
            return self.alias[head] + ("." + rest if rest else "")
        return None

    def visit_Attribute(self, node):
        full = self._resolve(node)
        if full and full.split(".")[0] in BRIDGED_MODULES and not isinstance(getattr(node, "ctx", None), ast.Store):
            # the longest chain only: cv2.dnn.readNet, not also cv2.dnn
            if not getattr(node, "_inner", False):
                self._use(full, node)
            value = node.value
            while isinstance(value, ast.Attribute):
                value._inner = True
                value = value.value
        self.generic_visit(node)

    def visit_Call(self, node):
        fn = self._resolve(node.func) or ""
        for kw in node.keywords:
            if kw.arg == "dtype" and isinstance(kw.value, ast.Name) and kw.value.id == "int":
                self._trap("int-width", node, "dtype=int")
        if fn.endswith(".astype") or (isinstance(node.func, ast.Attribute) and node.func.attr == "astype"):
            if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "int":
                self._trap("int-width", node, ".astype(int)")
        if fn in ("numpy.array", "numpy.asarray") and node.args and not any(k.arg == "dtype" for k in node.keywords):
            first = node.args[0]
            if isinstance(first, (ast.List, ast.Tuple)) and first.elts and all(
                    isinstance(e, ast.Constant) and type(e.value) is int for e in first.elts):
                self._trap("int-width", node, "np.array of Python ints, no dtype (int32 on wasm32)")
        if fn in ("os.system", "os.popen", "os.spawnl", "os.fork"):
            self._trap("subprocess", node, fn)
        if fn.endswith("urlopen"):
            self._trap("sockets", node, fn)
        self.generic_visit(node)

    def visit_Name(self, node):
        if self.alias.get(node.id, "").startswith("cv2.") and isinstance(node.ctx, ast.Load):
            self._use(self.alias[node.id], node)  # from cv2 import resize ... resize(x)
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and _ABS.match(node.value):
            self._trap("absolute-path", node, node.value[:60])

    def generic_visit(self, node):
        if isinstance(node, ast.Attribute) and self._resolve(node) in ("numpy.int_", "numpy.intp"):
            self._trap("int-width", node, self._resolve(node))
        super().generic_visit(node)


def analyze(name: str, text: str) -> FileFindings:
    out = FileFindings(name)
    try:
        tree = ast.parse(text, filename=name)
    except SyntaxError as exc:
        out.error = f"cannot parse: {exc.msg} (line {exc.lineno})"
        return out
    _Visitor(out).visit(tree)
    # a name used many times is one finding per line
    seen, uses = set(), []
    for u in out.uses:
        if (u.module, u.name, u.line) not in seen:
            seen.add((u.module, u.name, u.line))
            uses.append(u)
    out.uses = uses
    return out


def requirement_names(text: str) -> list[tuple[str, int]]:
    """Distribution names of a requirements file, with their lines."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        line = line.split("#")[0].strip()
        if line and not line.startswith(("-", "--")):
            m = re.match(r"[A-Za-z0-9_.\-]+", line)
            if m:
                out.append((m.group(0), i))
    return out
