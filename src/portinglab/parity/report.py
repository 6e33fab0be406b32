"""A parity run's results: NB.parity.json (schema in docs/parity.md) and NB.parity.html (cells side by side,
images with a difference heat map, a summary at the top)."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

from portinglab_parity.compare import STATUSES, TOLERANCES, unstable

SCHEMA = "portinglab.parity/1"
REFERENCE_SCHEMA = "portinglab.parity-reference/1"
SIGNS = {"exact": "✓", "close": "≈", "not-comparable": "~", "differs": "✗", "fails": "⚠", "skipped": "–"}
#: a run fails (exit status 1) when a cell is one of these
FAILING = ("differs", "fails")


def report(notebook: Path, cells: list[dict], native_versions: dict, browser_versions: dict, rtol, atol,
           started: float) -> dict:
    counts = {s: sum(c["status"] == s for c in cells) for s in (*STATUSES, "skipped")}
    return {
        "schema": SCHEMA, "notebook": notebook.name, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "runtimes": {"cpython": native_versions, "browser": browser_versions},
        "tolerances": {"defaults": {k: {"rtol": r, "atol": a} for k, (r, a) in TOLERANCES.items()},
                       "rtol": rtol, "atol": atol},
        "summary": counts, "passed": not any(counts[s] for s in FAILING),
        "cells": cells,
    }


def reference(notebook: Path, cells, native: dict, again: dict, started: float) -> dict:
    """`--reference-only`: CPython's results per cell (values described, small arrays whole), for a later
    comparison with the browser's, and what is not comparable (differs between two native runs)."""
    out = []
    for c in cells:
        run = native["cells"].get(c.index)
        entry = {"index": c.index, "id": c.id, "sha256": c.sha256, "skip": c.skip}
        if run is not None:
            entry.update(run, unstable=sorted(unstable(run, again["cells"].get(c.index))))
        out.append(entry)
    return {"schema": REFERENCE_SCHEMA, "notebook": notebook.name, "seconds": round(time.time() - started, 1),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runtime": native["versions"],
            "cells": out}


def _without_heat(rep: dict) -> dict:
    """The JSON without the heat maps' PNGs (the HTML shows them)."""
    cells = []
    for c in rep.get("cells", []):
        c = dict(c)
        if "findings" in c:
            c["findings"] = [{**f, "data": {k: v for k, v in f["data"].items() if k != "heat"}} for f in c["findings"]]
        cells.append(c)
    return {**rep, "cells": cells}


def write(rep: dict, json_path: Path, html_path: Path | None) -> None:
    json_path.write_text(json.dumps(_without_heat(rep), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if html_path is not None:
        html_path.write_text(to_html(rep), encoding="utf-8")


def text_summary(rep: dict) -> str:
    s = rep["summary"]
    parts = ", ".join(f"{SIGNS[k]} {n} {k}" for k, n in s.items() if n)
    lines = [f"{rep['notebook']}: {'passed' if rep['passed'] else 'FAILED'} ({parts})"]
    for c in rep["cells"]:
        if c["status"] in ("differs", "fails", "close", "not-comparable"):
            bad = [f for f in c["findings"] if f["status"] == c["status"]]
            lines.append(f"  cell {c['index']} {SIGNS[c['status']]} {c['status']}: "
                         + "; ".join(f"{f['what']}: {f['detail']}" for f in bad[:3]))
    return "\n".join(lines)


CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; max-width: 80rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
pre { white-space: pre-wrap; margin: 0; font: 12px/1.4 ui-monospace, monospace; }
.cell { border: 1px solid #ccc; border-radius: 6px; margin: 1rem 0; padding: .6rem .8rem; }
.exact { border-left: 6px solid #2e7d32; } .close { border-left: 6px solid #9e9d24; }
.not-comparable { border-left: 6px solid #757575; } .differs { border-left: 6px solid #c62828; }
.fails { border-left: 6px solid #6a1b9a; } .skipped { border-left: 6px solid #bbb; opacity: .7; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem; } .sides > div { background: #f7f7f7; padding: .4rem; }
img.heat { image-rendering: pixelated; max-width: 100%; border: 1px solid #999; }
.badge { font-weight: bold; }
"""


def to_html(rep: dict) -> str:
    e = html.escape
    s = rep["summary"]
    head = (f"<h1>Parity: {e(rep['notebook'])}</h1><p class='badge'>{'passed' if rep['passed'] else 'FAILED'}</p>"
            "<table><tr>" + "".join(f"<th>{SIGNS[k]} {k}</th>" for k in s) + "</tr><tr>"
            + "".join(f"<td>{n}</td>" for n in s.values()) + "</tr></table>"
            f"<p>CPython: {e(json.dumps(rep['runtimes']['cpython']))}<br>browser: {e(json.dumps(rep['runtimes']['browser']))}"
            f"<br>{rep['seconds']} s; float tolerances (rtol, atol) by dtype: "
            + e(", ".join(f"{k} {v['rtol']:g}/{v['atol']:g}" for k, v in rep["tolerances"]["defaults"].items()))
            + "</p>")
    body = []
    for c in rep["cells"]:
        parts = [f"<div class='cell {c['status']}' id='cell-{c['index']}'>",
                 f"<div class='badge'>[{c['index']}] {SIGNS[c['status']]} {c['status']}"
                 + (f" — {e(c['skip'])}" if c.get("skip") else "") + (f" — accepted: {e(c['reason'])}" if c.get("reason") else "")
                 + "</div>", f"<pre>{e(c['source'])}</pre>"]
        if c.get("changes"):
            parts.append("<p><small>" + e("; ".join(c["changes"])) + "</small></p>")
        rows = [f for f in c.get("findings", []) if f["status"] != "exact"]
        if rows:
            parts.append("<table><tr><th>what</th><th>status</th><th>detail</th></tr>")
            for f in rows:
                heat = f["data"].get("heat")
                img = f"<br><img class='heat' alt='|CPython − browser|' src='data:image/png;base64,{heat}'>" if heat else ""
                parts.append(f"<tr><td>{e(f['what'])}</td><td>{SIGNS[f['status']]} {f['status']}</td>"
                             f"<td>{e(f['detail'])}{img}</td></tr>")
            parts.append("</table>")
        if "native" in c:
            n, b = c["native"], c["browser"]
            if n["stdout"] != b["stdout"] or n["error"] or b["error"]:
                def side(label, r):
                    err = f"\n{r['error']['traceback']}" if r["error"] else ""
                    return f"<div><b>{label}</b> ({r['seconds']:.2f} s)<pre>{e(r['stdout'] + err)}</pre></div>"
                parts.append("<div class='sides'>" + side("CPython", n) + side("browser", b) + "</div>")
        parts.append("</div>")
        body.append("".join(parts))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Parity: {e(rep['notebook'])}</title>"
            f"<style>{CSS}</style></head><body>{head}{''.join(body)}</body></html>\n")
