"""A library export (`portlab export --library`): the notebook's functions as a JavaScript module a web app
calls (`port.js` + its worker, `port.d.ts` types, `package.json`, an example page). docs/export.md, Library."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

from . import signatures
from .script import Script

#: files every library export gets, from this package (`web/`, and the runtime as `port_runtime.py`)
WEB_FILES = ("port.js", "port-worker.js", "port-sw.js")
RUNTIME = "port_runtime.py"
CONFIG = "port.json"


def tagged_cells(nb: dict) -> set[int] | None:
    """The cells tagged `portlab-library` (by their number, as the script's `# %% [cell N]` marks), or None."""
    cells = {i for i, c in enumerate(nb.get("cells", []), start=1)
             if signatures.LIBRARY_TAG in ((c.get("metadata") or {}).get("tags") or [])}
    return cells or None


def npm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "ported-notebook"


#: the library's Python: the notebook without its cells tagged skip-export or skip-library (run once at load)
MODULE = "port_module.py"


def write_library(folder: Path, module: Script, nb: dict, notebook: str, base: str, files: list[str],
                  wanted: list[str] | None = None, assets: list[str] = ()) -> list[signatures.Function]:
    """Write the library's files into `folder` (the data files, and a self-contained export's `assets`, are there
    already)."""
    funcs = signatures.functions(module.source, wanted, None if wanted else tagged_cells(nb))
    (folder / MODULE).write_text(module.source, encoding="utf-8")
    web = resources.files(__package__).joinpath("web")
    for f in WEB_FILES:
        (folder / f).write_text(web.joinpath(f).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / RUNTIME).write_text(resources.files(__package__).joinpath("library_runtime.py").read_text(encoding="utf-8"),
                                  encoding="utf-8")
    config = {"script": MODULE, "base_url": base, "files": files, "packages": [], "assets": list(assets),
              "notebook": notebook, "functions": [f.as_json() for f in funcs]}
    # the export's version: its service worker keeps one cache per version (port-sw.js)
    digest = hashlib.sha256(module.source.encode("utf-8"))
    for rel in sorted({*files, *assets}):
        digest.update(rel.encode("utf-8") + hashlib.sha256((folder / rel).read_bytes()).digest())
    config["version"] = digest.hexdigest()[:16]
    (folder / CONFIG).write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "port.d.ts").write_text(signatures.declarations(funcs, MODULE.removesuffix(".py"), notebook), encoding="utf-8")
    package = {
        "name": npm_name(module.name), "version": "0.1.0", "private": True, "type": "module",
        "description": f"{notebook}, ported to the browser with Porting Lab: {', '.join(f.name for f in funcs)}",
        "main": "port.js", "module": "port.js", "types": "port.d.ts",
        "exports": {".": {"types": "./port.d.ts", "default": "./port.js"}, "./*": "./*"},
        "files": sorted({*WEB_FILES, RUNTIME, CONFIG, MODULE, "port.d.ts", "example.html", "README.md",
                         *files, *(["static"] if (folder / "static").is_dir() else [])}),
    }
    (folder / "package.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "example.html").write_text(EXAMPLE_HTML.replace("{{FUNCTIONS}}", json.dumps([f.name for f in funcs]))
                                         .replace("{{TITLE}}", notebook), encoding="utf-8")
    return funcs


EXAMPLE_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}: ported functions</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 60rem; }
  canvas, video { max-width: 100%; border: 1px solid #ddd; margin: .4rem 0; display: block; }
  pre { white-space: pre-wrap; font: 13px/1.4 ui-monospace, monospace; background: #f6f6f6; padding: .5rem; }
  #status { color: #555; font-size: 13px; }
</style>
</head>
<body>
<h1>{{TITLE}}</h1>
<p>Choose a function and an image (a file or the camera): the page calls the ported Python function
(<code>port.js</code>, in a Web Worker) and shows what it returns; an image it returns is drawn.</p>
<p><label>Function <select id="fn"></select></label>
   <input id="file" type="file" accept="image/*"> <button id="camera" type="button">Camera</button>
   <button id="snap" type="button" hidden>Take picture</button></p>
<p id="status">loading…</p>
<video id="video" autoplay playsinline muted hidden></video>
<canvas id="input" hidden></canvas>
<canvas id="output" hidden></canvas>
<pre id="result"></pre>
<script type="module">
import { loadPort } from "./port.js";

const $ = (id) => document.getElementById(id);
const status = (text, state) => { $("status").textContent = text; document.documentElement.dataset.portStatus = state; };
for (const name of {{FUNCTIONS}}) $("fn").append(new Option(name, name));

const port = await loadPort({ onProgress: (p) => status(`${p.message} (${p.seconds.toFixed(1)} s)`, "loading") })
  .catch((e) => { status(`failed: ${e.message}`, "error"); throw e; });
status(`ready in ${port.stats().loadSeconds.toFixed(1)} s`, "ready");
window.port = port;

function draw(nd) {
  // an image result: (h, w), (h, w, 3) BGR or (h, w, 4) BGRA, uint8
  const [h, w, c = 1] = nd.shape;
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const s = i * c;
    rgba[i * 4] = nd.data[c >= 3 ? s + 2 : s];
    rgba[i * 4 + 1] = nd.data[c >= 3 ? s + 1 : s];
    rgba[i * 4 + 2] = nd.data[s];
    rgba[i * 4 + 3] = c === 4 ? nd.data[s + 3] : 255;
  }
  const canvas = $("output");
  Object.assign(canvas, { width: w, height: h, hidden: false });
  canvas.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
}

function show(value) {
  const isImage = (v) => v && v.dtype === "uint8" && Array.isArray(v.shape) && v.shape.length >= 2 && v.shape.length <= 3;
  $("output").hidden = true;
  if (isImage(value)) draw(value);
  const text = JSON.stringify(value, (k, v) => (ArrayBuffer.isView(v) ? `<${v.constructor.name} × ${v.length}>` : v), 2);
  $("result").textContent = text;
}

async function run(input) {
  status("running…", "running");
  try {
    const value = await port.call($("fn").value, input);
    show(value);
    const s = port.stats().last;
    status(`${s.function}: ${(s.seconds * 1000).toFixed(1)} ms (Python ${(s.pythonSeconds * 1000).toFixed(1)} ms)`, "done");
  } catch (e) {
    $("result").textContent = `${e.name}: ${e.message}\\n\\n${e.pythonTraceback || ""}`;
    status(`${e.name}`, "error");
  }
}

$("file").onchange = () => { const f = $("file").files[0]; if (f) run(f); };
$("camera").onclick = async () => {
  $("video").srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
  $("video").hidden = false; $("snap").hidden = false;
};
$("snap").onclick = async () => run(await createImageBitmap($("video")));
</script>
</body>
</html>
"""
