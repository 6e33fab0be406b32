"""The functions a library export offers, read from the exported script (AST, never by running it), and
their TypeScript types (`port.d.ts`) from the Python signatures, type hints and docstrings."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import asdict, dataclass, field

from .script import ExportError

#: the tag that picks the cells whose functions a library exports (if no cell has it: every public function)
LIBRARY_TAG = "portlab-library"
CELL_MARK = re.compile(r"^# %% \[cell (\d+)\]$", re.M)


@dataclass
class Param:
    name: str
    kind: str  # "positional" (positional-only), "either", "var_positional", "keyword", "var_keyword"
    annotation: str | None = None
    default: str | None = None  # its source text; None: required

    @property
    def required(self) -> bool:
        return self.default is None and self.kind in ("positional", "either", "keyword")


@dataclass
class Function:
    name: str
    params: list[Param] = field(default_factory=list)
    returns: str | None = None
    doc: str | None = None
    is_async: bool = False
    cell: int | None = None

    def as_json(self) -> dict:
        d = asdict(self)
        for p, param in zip(d["params"], self.params):
            p["required"] = param.required
        return d


def _params(args: ast.arguments) -> list[Param]:
    out: list[Param] = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for i, (a, d) in enumerate(zip(positional, defaults)):
        kind = "positional" if i < len(args.posonlyargs) else "either"
        out.append(Param(a.arg, kind, ast.unparse(a.annotation) if a.annotation else None,
                         ast.unparse(d) if d is not None else None))
    if args.vararg:
        out.append(Param(args.vararg.arg, "var_positional",
                         ast.unparse(args.vararg.annotation) if args.vararg.annotation else None))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        out.append(Param(a.arg, "keyword", ast.unparse(a.annotation) if a.annotation else None,
                         ast.unparse(d) if d is not None else None))
    if args.kwarg:
        out.append(Param(args.kwarg.arg, "var_keyword", ast.unparse(args.kwarg.annotation) if args.kwarg.annotation else None))
    return out


def functions(source: str, wanted: list[str] | None = None, cells: set[int] | None = None) -> list[Function]:
    """The script's top-level functions (also those an async script defines in `main()` as globals):
    those named in `wanted` (an error names any missing), else those of the `cells` given (by the notebook's
    cell number), else every public one (no leading `_`; `main` of an async script excluded)."""
    tree = ast.parse(source)
    marks = [(m.start(), int(m.group(1))) for m in CELL_MARK.finditer(source)]
    line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]

    def cell_of(node) -> int | None:
        offset = line_starts[node.lineno - 1]
        cell = None
        for pos, n in marks:
            if pos <= offset:
                cell = n
        return cell

    body = list(tree.body)
    for node in tree.body:  # an async script: the notebook's code is main()'s body
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "main":
            body += node.body
    found: dict[str, Function] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not (node.name == "main" and node in tree.body
                                                                              and isinstance(node, ast.AsyncFunctionDef)):
            found[node.name] = Function(node.name, _params(node.args),
                                        ast.unparse(node.returns) if node.returns else None,
                                        ast.get_docstring(node), isinstance(node, ast.AsyncFunctionDef), cell_of(node))
    if wanted:
        missing = [n for n in wanted if n not in found]
        if missing:
            raise ExportError(f"no top-level function {', '.join(missing)} in the notebook"
                              f" (it defines: {', '.join(sorted(found)) or 'none'})")
        return [found[n] for n in wanted]
    chosen = [f for f in found.values() if not f.name.startswith("_")]
    if cells is not None:
        chosen = [f for f in chosen if f.cell in cells]
    if not chosen:
        raise ExportError("the notebook defines no public top-level function to export as a library"
                          + (f" in its cells tagged {LIBRARY_TAG!r}" if cells is not None else "")
                          + ": define one (def name(...):) or name it with --function")
    for f in chosen:
        if not f.name.isidentifier() or f.name in RESERVED:
            raise ExportError(f"function {f.name!r} clashes with the port's own API ({', '.join(sorted(RESERVED))})")
    return chosen


#: names a port object has itself: an exported function of that name is reachable through `call` only
RESERVED = {"call", "callWith", "close", "direct", "stats", "functions", "then"}

# ---- TypeScript types

_NUMBER = {"int", "float", "complex", "np.integer", "np.floating", "numpy.integer", "numpy.floating",
           "np.float32", "np.float64", "np.int32", "np.int64", "np.uint8"}
_ARRAY = {"np.ndarray", "numpy.ndarray", "ndarray", "NDArray", "npt.NDArray", "numpy.typing.NDArray", "npt.ArrayLike",
          "ArrayLike", "MatLike", "cv2.typing.MatLike"}
_SEQUENCE = {"list", "List", "Sequence", "typing.List", "typing.Sequence", "Iterable", "tuple", "Tuple"}
_MAPPING = {"dict", "Dict", "Mapping", "typing.Dict", "typing.Mapping"}


def ts_type(annotation: str | None, direction: str) -> str:
    """The TypeScript type of a Python annotation, for an argument (`direction="in"`: what the page may pass)
    or a result (`"out"`: what it gets back). Unknown or missing: the port's generic value types."""
    if annotation is None:
        return "PortInput" if direction == "in" else "PortValue"
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return "PortInput" if direction == "in" else "PortValue"
    return _ts(node, direction)


def _name(node) -> str:
    return ast.unparse(node)


def _ts(node, d: str) -> str:
    any_ = "PortInput" if d == "in" else "PortValue"
    if isinstance(node, ast.Constant):
        if node.value is None:
            return "null"
        if isinstance(node.value, str):  # a string annotation
            return ts_type(node.value, d)
        return json.dumps(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union(_ts(node.left, d), _ts(node.right, d))
    if isinstance(node, ast.Subscript):
        base = _name(node.value)
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in ("Optional", "typing.Optional"):
            return _union(_ts(items[0], d), "null")
        if base in ("Union", "typing.Union"):
            return _union(*(_ts(i, d) for i in items))
        if base in _ARRAY:
            return "ArrayInput" if d == "in" else "NDArray"
        if base in ("tuple", "Tuple") and not (len(items) == 2 and isinstance(items[1], ast.Constant)
                                               and items[1].value is Ellipsis):
            return "[" + ", ".join(_ts(i, d) for i in items) + "]"
        if base in _SEQUENCE:
            inner = _ts(items[0], d)
            return f"({inner})[]" if "|" in inner else f"{inner}[]"
        if base in _MAPPING and len(items) == 2:
            return f"Record<string, {_ts(items[1], d)}>"
        if base in ("Literal", "typing.Literal"):
            return _union(*(json.dumps(i.value) for i in items if isinstance(i, ast.Constant)))
        return any_
    name = _name(node)
    if name in _NUMBER:
        return "number"
    if name == "str":
        return "string"
    if name == "bool":
        return "boolean"
    if name in ("bytes", "bytearray"):
        return "BytesInput" if d == "in" else "Uint8Array"
    if name in _ARRAY:
        return "ArrayInput" if d == "in" else "NDArray"
    if name in ("Image.Image", "PIL.Image.Image"):
        return any_
    if name in _SEQUENCE:
        return f"{any_}[]"
    if name in _MAPPING:
        return f"Record<string, {any_}>"
    return any_


def _union(*parts: str) -> str:
    seen: list[str] = []
    for p in parts:
        for q in p.split(" | "):
            if q not in seen:
                seen.append(q)
    return " | ".join(seen)


def _jsdoc(doc: str | None, params: list[Param], indent: str) -> list[str]:
    lines = (doc or "").strip().splitlines()
    lines += [f"@param {p.name}{'' if p.required else ' (optional' + (f', default {p.default}' if p.default else '') + ')'}"
              + (f" Python: {p.annotation}" if p.annotation else "")
              for p in params if p.kind in ("positional", "either", "keyword")]
    if not lines:
        return []
    return [f"{indent}/**"] + [f"{indent} * {line}".rstrip().replace("*/", "*\\/") for line in lines] + [f"{indent} */"]


def method_signatures(f: Function) -> list[str]:
    """The port's named wrapper as TypeScript overloads: `name(a: T, b?: U, keywords?: {...}): Promise<R>`,
    one per count of positional arguments the call gives before its keyword object."""
    positional = [p for p in f.params if p.kind in ("positional", "either")]
    required = sum(1 for p in positional if p.required)
    var = next((p for p in f.params if p.kind == "var_positional"), None)
    named = [p for p in f.params if p.kind in ("either", "keyword")]
    open_kw = any(p.kind == "var_keyword" for p in f.params)
    ret = ts_type(f.returns, "out")

    def keywords(given: int) -> str | None:
        # the trailing object is taken as keyword arguments when all its keys name parameters (port.js)
        members = [f"{p.name}{'' if p.kind == 'keyword' and p.required else '?'}: {ts_type(p.annotation, 'in')}"
                   for p in named if p.kind == "keyword" or positional.index(p) >= given]
        members += ["[name: string]: PortInput"] if open_kw else []
        if not members:
            return None
        required_kw = any(p.kind == "keyword" and p.required for p in f.params) or (
            any(p.required for p in positional[given:]))
        return f"keywords{'' if required_kw else '?'}: {{ {'; '.join(members)} }}"

    out = []
    counts = range(required, len(positional) + 1) if var is None else [len(positional)]
    for given in counts:
        args = [f"{p.name}: {ts_type(p.annotation, 'in')}" for p in positional[:given]]
        if var is not None:
            args.append(f"...{var.name}: {ts_type(var.annotation, 'in')}[]")
        kw = keywords(given)
        if kw and var is None:
            args.append(kw)
        out.append(f"{f.name}({', '.join(args)}): Promise<{ret}>")
    return out  # with *args, keyword arguments go through callWith


def declarations(funcs: list[Function], module: str, notebook: str) -> str:
    """port.d.ts: the generic types of port.js, then this export's functions."""
    names = " | ".join(json.dumps(f.name) for f in funcs)
    out = [f"// port.d.ts: GENERATED by `portlab export --library` from {notebook} ({module}.py); do not edit.", "",
           D_TS_COMMON, "", f"/** The ported functions of {notebook}. */", "export interface PortFunctions {"]
    for f in funcs:
        out += _jsdoc(f.doc, f.params, "  ")
        out += [f"  {sig};" for sig in method_signatures(f)]
    out += ["}", "", f"export type FunctionName = {names};", "",
            "/** A started port: the ported functions, plus `call`, `callWith`, `stats` and `close`. */",
            "export type Port = PortFunctions & PortAPI<FunctionName>;", "",
            "/** Start the port's worker (Pyodide, the bridges, the packages the code imports, its data files). */",
            "export function loadPort(options?: LoadOptions): Promise<Port>;", ""]
    return "\n".join(out)


D_TS_COMMON = """export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
export type DType =
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64' | 'bool';
/** A numpy array: its data (row-major, C order), shape and dtype. Results come as this; inputs may too. */
export interface NDArray { data: TypedArray; shape: number[]; dtype: DType | string; }
/** An image: decoded in the worker into a uint8 array of shape (height, width, 3), BGR by default (as
 * cv2.imread gives it; `imageFormat` 'rgb', 'rgba', 'bgra'). A Blob that is not an image arrives as bytes. */
export type ImageInput = ImageData | ImageBitmap | HTMLCanvasElement | OffscreenCanvas | Blob;
/** What an ndarray parameter accepts: an image, an NDArray, or a TypedArray (1-D). */
export type ArrayInput = ImageInput | NDArray | TypedArray;
export type BytesInput = ArrayBuffer | Uint8Array | Blob;
/** Any value a ported function may be given. */
export type PortInput =
  | ArrayInput | BytesInput | string | number | boolean | bigint | null | undefined
  | PortInput[] | { [key: string]: PortInput };
/** Any value a ported function may return (ndarrays as NDArray, bytes as Uint8Array, tuples as arrays). */
export type PortValue = NDArray | Uint8Array | string | number | boolean | null | PortValue[] | { [key: string]: PortValue };
export type ImageFormat = 'bgr' | 'rgb' | 'rgba' | 'bgra';
export interface Progress { phase: 'pyodide' | 'packages' | 'files' | 'script' | 'ready'; message: string; seconds: number; }
export interface LoadOptions {
  /** where Pyodide and the bridges are served (a Porting Lab site); default: the export's base_url */
  baseUrl?: string;
  /** where this export's files are served (port.json, the script, the worker, data files); default: beside port.js */
  folder?: string;
  onProgress?: (progress: Progress) => void;
  /** what the Python code prints (stdout / stderr); default: the console */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  imageFormat?: ImageFormat;
  /** register port-sw.js: the export's files (all of them when self-contained) kept in Cache Storage, offline */
  serviceWorker?: boolean;
}
export interface CallOptions {
  args?: PortInput[];
  kwargs?: { [name: string]: PortInput };
  /** rejects the call with an AbortError (a queued call never runs; a running one's result is dropped) */
  signal?: AbortSignal;
  /** structured-clone the inputs' buffers instead of transferring them (default false: the page's typed
   * arrays and ImageData buffers are detached after the call) */
  copyInputs?: boolean;
  imageFormat?: ImageFormat;
}
export interface CallStats {
  function: string;
  /** seconds inside the Python function itself */
  pythonSeconds: number;
  /** seconds from call to result, in the page */
  seconds: number;
  /** bytes copied into the Pyodide heap (inputs) and out of it (results), and the number of copies */
  bytesIn: number; copiesIn: number; bytesOut: number; copiesOut: number;
  /** bytes the page structured-cloned instead of transferring (copyInputs, or views on part of a buffer) */
  bytesCloned: number;
  /** copies the cv2 / onnxruntime bridges made during the call (the copies inspector's counters) */
  bridgeCopies: number; bridgeBytes: number;
}
export interface PortStats { calls: number; errors: number; last: CallStats | null; totals: Omit<CallStats, 'function'>; loadSeconds: number; }
/** A Python exception, as the rejection of a call. */
export interface PythonError extends Error { name: string; pythonTraceback: string; }
export interface PortAPI<Name extends string> {
  readonly functions: Name[];
  call(name: Name, ...args: PortInput[]): Promise<PortValue>;
  callWith(name: Name, options: CallOptions): Promise<PortValue>;
  stats(): PortStats;
  close(): void;
}"""
