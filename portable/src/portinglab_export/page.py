"""The standalone page an export ships: index.html, the loader and its classic Web Worker."""

from __future__ import annotations

import html

LOADER = "portlab-loader.js"
WORKER = "portlab-worker.js"
CONFIG = "portlab-export.json"

INDEX_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
  #portlab-output pre {{ margin: 0; white-space: pre-wrap; font: 13px/1.4 ui-monospace, monospace; }}
  #portlab-output .stderr {{ color: #a0522d; }}
  #portlab-output img {{ display: block; margin: .4rem 0; max-width: 100%; image-rendering: pixelated; }}
  #portlab-status {{ color: #555; font-size: 13px; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p id="portlab-status">loading Python (Pyodide)…</p>
<div id="portlab-output"></div>
<script src="{loader}"></script>
<script>
  PortingLabExport.run({{ config: "{config}", output: document.getElementById("portlab-output"),
                          status: document.getElementById("portlab-status") }});
</script>
</body>
</html>
"""

LOADER_JS = r"""// Porting Lab export loader: runs the exported script in a classic Web Worker (Pyodide),
// shows its output in the page. Embedding: see README.md.
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : location.href;

  function run(opts) {
    opts = opts || {};
    var configUrl = new URL(opts.config || "portlab-export.json", here).href;
    var out = opts.output || document.body;
    var status = opts.status || null;
    var stdout = "", stderr = "";
    var lastStream = null, lastPre = null;

    function append(stream, text) {
      if (stream === "stdout") stdout += text; else stderr += text;
      if (opts.onOutput) opts.onOutput(stream, text);
      if (lastStream !== stream || !lastPre) {
        lastPre = document.createElement("pre");
        lastPre.className = stream;
        out.appendChild(lastPre);
        lastStream = stream;
      }
      lastPre.textContent += text;
    }
    function setStatus(text, state) {
      if (status) status.textContent = text;
      document.documentElement.dataset.portlabStatus = state;
    }

    return fetch(configUrl).then(function (r) {
      if (!r.ok) throw new Error("cannot load " + configUrl + ": HTTP " + r.status);
      return r.json();
    }).then(function (config) {
      var params = new URLSearchParams(location.search);
      var base = new URL(opts.baseUrl || params.get("portlab-base") || config.base_url, configUrl).href;
      if (!base.endsWith("/")) base += "/";
      var worker = new Worker(new URL(opts.worker || config.worker, configUrl).href);
      setStatus("loading Python (Pyodide) from " + base + " …", "loading");
      return new Promise(function (resolve, reject) {
        worker.onmessage = function (e) {
          var m = e.data;
          if (m.type === "stdout" || m.type === "stderr") append(m.type, m.text);
          else if (m.type === "status") setStatus(m.text, "running");
          else if (m.type === "image") {
            var img = document.createElement("img");
            img.src = URL.createObjectURL(new Blob([m.png], { type: "image/png" }));
            img.alt = "image " + (out.querySelectorAll("img").length + 1);
            out.appendChild(img);
            lastPre = null;
            if (opts.onImage) opts.onImage(m.png);
          } else if (m.type === "done") {
            setStatus("done in " + m.seconds.toFixed(1) + " s", "done");
            worker.terminate();
            resolve({ stdout: stdout, stderr: stderr });
          } else if (m.type === "error") {
            append("stderr", m.text);
            setStatus("failed: " + m.text.trim().split("\n").pop(), "error");
            worker.terminate();
            reject(new Error(m.text));
          }
        };
        worker.onerror = function (e) {
          var text = "worker error: " + (e.message || e) + "\n";
          append("stderr", text);
          setStatus("failed: " + text, "error");
          reject(new Error(text));
        };
        worker.postMessage({ base: base, folder: new URL(".", configUrl).href, config: config });
      });
    });
  }

  window.PortingLabExport = { run: run };
})();
"""

WORKER_JS = r"""// Porting Lab export worker (classic): Pyodide + the site's kernel wheel (cv2, onnxruntime
// bridges over opencv.js / onnxruntime-web, loaded the way the lab's kernel loads them).
"use strict";
self.onmessage = async function (e) {
  var base = e.data.base, folder = e.data.folder, config = e.data.config;
  var t0 = performance.now();
  function post(type, text) { self.postMessage({ type: type, text: text }); }
  try {
    importScripts(base + "static/pyodide/pyodide.js");
    var pyodide = await loadPyodide({ indexURL: base + "static/pyodide/" });
    var decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    ["stdout", "stderr"].forEach(function (stream) {
      var set = stream === "stdout" ? "setStdout" : "setStderr";
      pyodide[set]({ write: function (buf) {
        post(stream, decoders[stream].decode(buf, { stream: true }));
        return buf.length;
      } });
    });
    pyodide.registerJsModule("_portlab_page", {
      show_png: function (data) {
        var bytes = data.toJs ? data.toJs() : data;
        var copy = new Uint8Array(bytes);
        if (data.destroy) data.destroy();
        self.postMessage({ type: "image", png: copy }, [copy.buffer]);
      }
    });
    // the data files the export ships, at the same relative paths as beside the notebook
    for (var i = 0; i < config.files.length; i++) {
      var rel = config.files[i];
      var r = await fetch(new URL(rel.split("/").map(encodeURIComponent).join("/"), folder).href);
      if (!r.ok) throw new Error("cannot load data file " + rel + ": HTTP " + r.status);
      var data = new Uint8Array(await r.arrayBuffer());
      var cwd = pyodide.FS.cwd(), dir = rel.split("/").slice(0, -1).join("/");
      if (dir) pyodide.FS.mkdirTree(cwd + "/" + dir);
      pyodide.FS.writeFile(cwd + "/" + rel, data);
    }
    var resp = await fetch(new URL(encodeURIComponent(config.script), folder).href);
    if (!resp.ok) throw new Error("cannot load " + config.script + ": HTTP " + resp.status);
    var code = await resp.text();
    if (config.packages.length) await pyodide.loadPackage(config.packages, { messageCallback: function () {} });
    await pyodide.loadPackagesFromImports(code, { messageCallback: function () {} });
    post("status", "running " + config.script + " …");
    var globals = pyodide.toPy({ __name__: "__main__", __file__: config.script });
    await pyodide.runPythonAsync(code, { globals: globals, filename: config.script });
    if (globals.has("_portlab_main")) {
      await pyodide.runPythonAsync("await _portlab_main", { globals: globals });
    }
    await pyodide.runPythonAsync("import sys; sys.stdout.flush(); sys.stderr.flush()");
    self.postMessage({ type: "done", seconds: (performance.now() - t0) / 1000 });
  } catch (err) {
    var text = err && (typeof err.message === "string" ? err.message : null);
    if (!text) { try { text = JSON.stringify(err); } catch (_) { text = String(err); } }
    post("error", text + (err && err.stack && !text.includes("Traceback") ? "\n" + err.stack : "") + "\n");
  }
};
"""

README = """# {name}: exported from Porting Lab

`{name}.py` is the notebook `{notebook}` as one script. It runs the same in two places:

- **CPython** (the server, for comparison): `pip install opencv-python-headless==4.12.0.88
  onnxruntime==1.30.0 numpy pillow`, then `python {name}.py` in this folder.
- **The browser**: `index.html` runs it in Pyodide, in a Web Worker, with Porting Lab's `cv2` and
  `onnxruntime` bridges (opencv.js, onnxruntime-web), and shows what it prints and the images it
  displays. Serve this folder over HTTP (`python -m http.server`), `file://` does not work.

Python, the bridges and the packages come from **{base_desc}**
(`base_url` in `portlab-export.json`; override with `?portlab-base=<url>` on the page's address).
{base_note}
## Embedding it in an existing page

Copy `portlab-loader.js`, `portlab-worker.js`, `portlab-export.json`, `{name}.py` and the data
files{data_list} to one folder of your site (the worker must be served from your page's origin), then:

```html
<div id="ported-output"></div>
<script src="/ported/portlab-loader.js"></script>
<script>
  PortingLabExport.run({{
    config: "/ported/portlab-export.json",          // relative to the loader
    output: document.getElementById("ported-output"),
    // baseUrl: "https://lab.example.com/",         // where Pyodide and the bridges are served
    onOutput: (stream, text) => {{}},                // every piece of stdout / stderr
  }}).then(({{ stdout, stderr }}) => console.log("finished", stdout));
</script>
```

`run` returns a promise of everything printed. The script runs in a Web Worker, so the page
stays responsive; `cv2` and `onnxruntime` run synchronously there. `onnxruntime`'s synchronous
`run` needs JavaScript Promise Integration (Chromium 137+); elsewhere use `await session.run_async(...)`.
If Pyodide is served from another origin than your page, that server must send
`Access-Control-Allow-Origin` (Pyodide fetches its wasm and packages).

Files: {files}
"""


LIBRARY_README = """
## As a library: `port.js`

The notebook's functions ({functions}) are also a JavaScript library a web app calls with its own data, as
often as it likes (the notebook's code runs once, when the port loads):

```js
import {{ loadPort }} from "./port.js";          // types: port.d.ts
const port = await loadPort({{ onProgress: (p) => console.log(p.phase, p.message) }});
const result = await port.{first}(imageData);    // ImageData, ImageBitmap, canvas, Blob/File, TypedArray, JSON
console.log(port.stats().last);                  // time in Python, bytes copied in and out
port.close();
```

- A trailing plain object whose keys all name parameters is taken as keyword arguments:
  `port.{first}(image, {{ threshold: 0.3 }})`; `port.callWith(name, {{ args, kwargs, signal }})` says it plainly.
- Images arrive in Python as uint8 arrays of shape (height, width, 3) in **BGR** order, as `cv2.imread`
  gives them (`loadPort({{ imageFormat: "rgb" | "rgba" | "bgra" }})` for another); a Blob that is not an image
  arrives as `bytes`; `{{ data: Float32Array, shape: [...] }}` as an ndarray of that shape.
- Results: numpy arrays as `{{ data: TypedArray, shape, dtype }}`, tuples as arrays, bytes as Uint8Array.
- Buffers are transferred to the worker, not copied (the page's typed arrays and ImageData are detached
  after the call; `callWith(name, {{ args, copyInputs: true }})` keeps them), and enter Python with one copy.
- A Python exception rejects the call with an `Error` whose `name` is the exception's class and whose
  `pythonTraceback` is the traceback; the port stays usable. Calls run one at a time, in order; an
  `AbortSignal` (`callWith(..., {{ signal }})`) cancels a queued call.
- `example.html`: a file input or the camera → the function → its result drawn. `package.json`: `npm pack`
  this folder and install it into an app; serve the folder's files (the worker, `port.json`, the script, the
  data files) from the app's origin and pass `loadPort({{ folder: "/where/they/are/" }})` when the bundler moves
  `port.js` (docs/export.md, "In a Vite or webpack app").
"""


def index_html(title: str) -> str:
    return INDEX_HTML.format(title=html.escape(title), loader=LOADER, config=CONFIG)
