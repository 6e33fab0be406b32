"""Compare what one cell did in CPython with what it did in the browser (pure Python + numpy: no kernel).

Each comparison is a `Finding` with a status, from best to worst: exact, close (within tolerance), not
comparable (the native side itself varies between two runs), differs, fails (on one side only). A cell's
status is its worst finding's. The explanations name the cause where it is known: the wasm32 rules.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .prepare import Cell

import numpy as np

STATUSES = ("exact", "close", "not-comparable", "differs", "fails")
RANK = {s: i for i, s in enumerate(STATUSES)}
#: default tolerances of floats, by dtype: (rtol, atol); integers, strings and everything else: exact
TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-4), "float64": (1e-9, 1e-12), "float": (1e-9, 1e-12)}

#: why a dtype differs between CPython (64-bit) and Pyodide (wasm32), by (native dtype, browser dtype)
WASM32_RULES = {
    ("int64", "int32"): "numpy's default integer is 32-bit on wasm32 (Pyodide) and 64-bit in CPython on 64-bit "
                        "machines: np.array([1, 2]), np.arange(n), astype(int), np.int_, np.zeros(n, int) and "
                        "sums of small integers give int32 in the browser. Write the dtype (np.int64) to get the same.",
    ("uint64", "uint32"): "numpy's default unsigned integer (np.uint, astype('uint')) is 32-bit on wasm32: write "
                          "np.uint64.",
    ("float64", "float32"): "a float32 result in the browser where CPython gives float64: a library that computes "
                            "in float32 there (check the dtype you pass in).",
}


#: lines the site's kernel writes on stderr about itself, not the notebook's output (opencv.js loading,
#: onnxruntime-web's threads and download, the site finder's package loads): left out of the browser's stderr
SITE_NOTICES = re.compile(
    r"^(cv2: .*opencv\.js.*|onnxruntime( \(onnxruntime-web [^)]*\))?: .*|onnxruntime-web( \(WebGPU\))? wasm: .*"
    r"|[\w.]+: (loading .* from the site \.\.\.|loaded in [\d.]+ s))$")


def site_notices_removed(text: str) -> str:
    lines = re.split(r"(?<=\n)|\r", text)
    return "".join(line for line in lines if not SITE_NOTICES.match(line.rstrip("\n")))


def exception_name(ename: str) -> str:
    """`ValueError`, also from the Pyodide kernel's `<class 'ValueError'>` (jupyterlite-pyodide-kernel 0.6)."""
    m = re.fullmatch(r"<class '([\w.]+)'>", ename)
    return (m.group(1) if m else ename).rsplit(".", 1)[-1]


@dataclass
class Finding:
    what: str  # "stdout", "stderr", "output 1", "value x", "error"
    status: str
    detail: str = ""
    data: dict = field(default_factory=dict)  # numbers for the report (max_abs, share, index, heat map, ...)


def worst(statuses) -> str:
    statuses = list(statuses)
    return max(statuses, key=RANK.__getitem__) if statuses else "exact"


def load_array(desc: dict) -> np.ndarray | None:
    if "npy" not in desc:
        return None
    return np.load(io.BytesIO(base64.b64decode(desc["npy"])), allow_pickle=False)


def tolerance(dtype: str, rtol: float | None, atol: float | None) -> tuple[float, float]:
    r, a = TOLERANCES.get(dtype, (0.0, 0.0))
    return (r if rtol is None else rtol), (a if atol is None else atol)


def compare_arrays(what: str, n: np.ndarray, b: np.ndarray, rtol=None, atol=None) -> Finding:
    """Elementwise: integers, bools and strings exact; floats within the dtype's tolerance."""
    if n.shape != b.shape:
        return Finding(what, "differs", f"shape {n.shape} in CPython, {b.shape} in the browser",
                       {"shape": [list(n.shape), list(b.shape)]})
    if n.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
        same = np.array_equal(n, b)
        return Finding(what, "exact" if same else "differs", "" if same else "values differ")
    nf, bf = n.astype(np.float64), b.astype(np.float64)
    with np.errstate(all="ignore"):
        diff = np.abs(nf - bf)
        both_nan = np.isnan(nf) & np.isnan(bf)
        diff[both_nan] = 0.0
        diff[np.isnan(diff)] = np.inf
    if not diff.size or not diff.max():
        return Finding(what, "exact")
    r, a = tolerance(str(n.dtype) if n.dtype.kind == "f" else str(b.dtype) if b.dtype.kind == "f" else "int", rtol, atol)
    bad = diff > a + r * np.abs(nf)
    worst_at = np.unravel_index(int(np.argmax(diff)), diff.shape)
    data = {"max_abs": float(diff.max()), "share": float((diff > 0).mean()), "over_tolerance": float(bad.mean()),
            "first": [int(i) for i in np.argwhere(diff > 0)[0]], "worst": [int(i) for i in worst_at],
            "rtol": r, "atol": a}
    where = f"max |diff| {data['max_abs']:.3g} at {tuple(data['worst'])}, {data['share']:.1%} of the elements differ " \
            f"(first at {tuple(data['first'])})"
    if not bad.any():
        return Finding(what, "close", f"{where}; within rtol {r:g}, atol {a:g}", data)
    kind = "integers must be equal" if n.dtype.kind in "biu" and b.dtype.kind in "biu" else \
        f"{data['over_tolerance']:.1%} over rtol {r:g}, atol {a:g}"
    return Finding(what, "differs", f"{where}; {kind}", data)


def compare_values(name: str, n: dict, b: dict, rtol=None, atol=None) -> Finding:
    """Two descriptions of one value (capture.py's), CPython's and the browser's."""
    what = f"value {name}"
    typed = n.get("kind") in ("ndarray", "image") or ("dtype" in n and "dtype" in b)  # explained by their dtypes
    if n.get("kind") != b.get("kind") or (n.get("type") != b.get("type") and not typed):
        return Finding(what, "differs", f"{n.get('type') or n.get('kind')} in CPython, {b.get('type') or b.get('kind')} "
                                        f"in the browser")
    kind = n["kind"]
    if kind == "object":
        return Finding(what, "exact", "an object: compared by type only")
    if kind in ("ndarray", "image"):
        if n["dtype"] != b["dtype"]:
            rule = WASM32_RULES.get((n["dtype"], b["dtype"]))
            return Finding(what, "differs", f"dtype {n['dtype']} in CPython, {b['dtype']} in the browser"
                           + (f": {rule}" if rule else ""), {"dtype": [n["dtype"], b["dtype"]], "wasm32": bool(rule)})
        if n["shape"] != b["shape"]:
            return Finding(what, "differs", f"shape {tuple(n['shape'])} in CPython, {tuple(b['shape'])} in the browser")
        if n.get("sha256") == b.get("sha256"):
            return Finding(what, "exact")
        na, ba = load_array(n), load_array(b)
        if na is None or ba is None:
            stats = ", ".join(f"{k} {n.get(k)} / {b.get(k)}" for k in ("min", "max", "mean") if k in n)
            return Finding(what, "differs", f"too large to compare elementwise; the bytes differ ({stats})")
        f = compare_arrays(what, na, ba, rtol, atol)
        if kind == "image" or (na.dtype == np.uint8 and na.ndim in (2, 3)):
            f.data["heat"] = heat_map(na, ba)
        return f
    if kind == "scalar":
        nd, bd = n.get("dtype"), b.get("dtype")
        if nd != bd:
            rule = WASM32_RULES.get((nd, bd))
            return Finding(what, "differs", f"{n['type']} {nd} in CPython, {bd} in the browser"
                           + (f": {rule}" if rule else ""), {"dtype": [nd, bd], "wasm32": bool(rule)})
        nv, bv = n["value"], b["value"]
        if nv == bv:
            return Finding(what, "exact")
        if isinstance(nv, float) and isinstance(bv, float):
            return compare_arrays(what, np.array([nv]), np.array([bv]), rtol, atol) if nd is None else \
                compare_arrays(what, np.array([nv], dtype=nd), np.array([bv], dtype=nd), rtol, atol)
        return Finding(what, "differs", f"{nv!r} in CPython, {bv!r} in the browser")
    if kind == "bytes":
        same = n["sha256"] == b["sha256"]
        return Finding(what, "exact" if same else "differs", "" if same else f"{n['len']} bytes in CPython, {b['len']} "
                                                                              "in the browser, not the same")
    if kind in ("list", "tuple"):
        if len(n["items"]) != len(b["items"]):
            return Finding(what, "differs", f"{len(n['items'])} items in CPython, {len(b['items'])} in the browser")
        parts = [compare_values(f"{name}[{i}]", x, y, rtol, atol) for i, (x, y) in enumerate(zip(n["items"], b["items"]))]
        return _combine(what, parts)
    if kind == "dict":
        if set(n["items"]) != set(b["items"]):
            return Finding(what, "differs", f"keys {sorted(set(n['items']) ^ set(b['items']))} on one side only")
        parts = [compare_values(f"{name}[{k!r}]", n["items"][k], b["items"][k], rtol, atol) for k in n["items"]]
        return _combine(what, parts)
    return Finding(what, "differs", f"cannot compare a {kind}")


def _combine(what: str, parts: list[Finding]) -> Finding:
    status = worst(p.status for p in parts)
    bad = [p for p in parts if p.status == status and status != "exact"]
    if not bad:
        return Finding(what, status)
    inner = bad[0].detail if bad[0].detail.startswith("value ") else f"{bad[0].what}: {bad[0].detail}"  # the innermost
    return Finding(what, status, inner, bad[0].data)


def heat_map(n: np.ndarray, b: np.ndarray) -> str | None:
    """A PNG (base64) of |CPython − browser| per pixel, scaled to its maximum (black: equal)."""
    if n.shape != b.shape or n.ndim not in (2, 3):
        return None
    d = np.abs(n.astype(np.int32) - b.astype(np.int32))
    if d.ndim == 3:
        d = d.max(axis=2)
    top = d.max()
    if not top:
        return None
    from PIL import Image

    img = np.zeros(d.shape + (3,), np.uint8)
    img[..., 0] = np.clip(d * 255.0 / top, 0, 255).astype(np.uint8)
    img[..., 1] = (d > 0) * 40
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def compare_text(what: str, n: str, b: str) -> Finding:
    if n == b:
        return Finding(what, "exact")
    nl, bl = n.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(nl, bl)):
        if x != y:
            return Finding(what, "differs", f"line {i + 1}: {x!r} in CPython, {y!r} in the browser",
                           {"line": i + 1})
    return Finding(what, "differs", f"{len(nl)} lines in CPython, {len(bl)} in the browser", {"line": min(len(nl), len(bl)) + 1})


def png_pixels(b64: str) -> np.ndarray:
    """The pixels of an `image/png` output (base64; the Pyodide kernel's comes without its `=` padding)."""
    from PIL import Image

    b64 = "".join(b64.split()).split(",")[-1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64 + "=" * (-len(b64) % 4)))).convert("RGBA"))


def compare_outputs(n: list[dict], b: list[dict], rtol=None, atol=None) -> list[Finding]:
    """Rich outputs in order: images as pixels (exact, or within the tolerance of uint8: none), text as text."""
    out = []
    if len(n) != len(b):
        return [Finding("outputs", "differs", f"{len(n)} outputs in CPython, {len(b)} in the browser")]
    for i, (x, y) in enumerate(zip(n, b), start=1):
        what = f"output {i}"
        if "image/png" in x and "image/png" in y:
            px, py_ = png_pixels(x["image/png"]), png_pixels(y["image/png"])
            f = compare_arrays(what, px, py_, rtol, atol)
            if f.status != "exact":
                f.data["heat"] = heat_map(px, py_)
            out.append(f)
        elif "text/plain" in x and "text/plain" in y:
            out.append(compare_text(what, x["text/plain"], y["text/plain"]))
        elif set(x) != set(y):
            out.append(Finding(what, "differs", f"{sorted(x)} in CPython, {sorted(y)} in the browser"))
    return out


def as_dict(f: Finding) -> dict:
    return asdict(f)


def compare_cell(cell: Cell, native: dict | None, browser: dict | None, again: dict | None,
                 rtol: float | None = None, atol: float | None = None, unstable_names: set[str] | None = None) -> dict:
    """One cell's verdict from its native run, its browser run and a second native run (`again`; or, known
    already, `unstable_names`: what differs between two native runs)."""
    rtol = cell.rtol if cell.rtol is not None else rtol
    atol = cell.atol if cell.atol is not None else atol
    base = {"index": cell.index, "id": cell.id, "sha256": cell.sha256, "source": cell.source,
            "changes": cell.changes, "reason": cell.reason, "rtol": cell.rtol, "atol": cell.atol, "ignore": cell.ignore}
    if cell.skip:
        return {**base, "status": "skipped", "skip": cell.skip, "findings": []}
    findings: list[Finding] = []
    ne, be = native["error"], browser["error"]
    if ne or be:
        nn, bn = (exception_name(e["ename"]) if e else None for e in (ne, be))
        if nn == bn:
            findings.append(Finding("error", "exact", f"both raise {nn}"))
        elif ne and be:
            findings.append(Finding("error", "differs", f"{nn}: {ne['evalue']} in CPython, {bn}: {be['evalue']} in the "
                                                        "browser", {"native": ne, "browser": be}))
        else:
            e = ne or be
            findings.append(Finding("error", "fails", f"fails in {'CPython' if ne else 'the browser'} only: "
                                                      f"{exception_name(e['ename'])}: {e['evalue']}",
                                    {"native": ne, "browser": be}))
    unstable_ = unstable(native, again) if unstable_names is None else unstable_names
    for stream in ("stdout", "stderr"):
        if stream not in cell.ignore:
            theirs = site_notices_removed(browser[stream]) if stream == "stderr" else browser[stream]
            f = compare_text(stream, native[stream], theirs)
            findings.append(_stable(f, stream in unstable_))
    if "outputs" not in cell.ignore:
        for f in compare_outputs(native["outputs"], browser["outputs"], rtol, atol):
            findings.append(_stable(f, "outputs" in unstable_))
    nv, bv = native["values"], browser["values"]
    for name in sorted(set(nv) | set(bv)):
        if name in cell.ignore:
            continue
        if name not in bv or name not in nv:
            if not (ne or be):  # after an error, values on one side only are its consequence
                side = "CPython" if name in nv else "the browser"
                findings.append(_stable(Finding(f"value {name}", "differs", f"set in {side} only"), name in unstable_))
            continue
        findings.append(_stable(compare_values(name, nv[name], bv[name], rtol, atol), name in unstable_))
    statuses = [f.status for f in findings]
    status = worst(s for s in statuses if s != "not-comparable")  # "exact" when there is nothing else
    if status == "exact" and "not-comparable" in statuses:
        status = "not-comparable"
    return {**base, "status": status, "findings": [f.__dict__ for f in findings],
            "native": {**_side(native), "values": native["values"]}, "browser": _side(browser)}


def _side(run: dict) -> dict:
    return {k: run.get(k) for k in ("stdout", "stderr", "error", "seconds", "outputs")}


def _stable(f: Finding, unstable: bool) -> Finding:
    if unstable and f.status != "exact":
        return Finding(f.what, "not-comparable", "CPython itself gives another result on a second run "
                                                 f"(unseeded random, time, ...): {f.detail}", f.data)
    return f


def unstable(a: dict, b: dict | None) -> set[str]:
    """What differs between two native runs of the cell: streams, outputs, value names."""
    if b is None:
        return set()
    out = {s for s in ("stdout", "stderr") if a[s] != b[s]}
    if a["outputs"] != b["outputs"]:
        out.add("outputs")
    for name in set(a["values"]) | set(b["values"]):
        x, y = a["values"].get(name), b["values"].get(name)
        if x is None or y is None or compare_values(name, x, y, 0.0, 0.0).status != "exact":
            out.add(name)
    return out
