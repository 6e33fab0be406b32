// port-worker.js: the worker of a Porting Lab library export (classic Web Worker). It loads Pyodide from
// the Porting Lab site (`base`), the packages the script imports (cv2 / onnxruntime: the bridges over
// opencv.js / onnxruntime-web), the export's data files, runs the script once, then answers port.js's
// calls one at a time with port_runtime.py (the Python half: conversions, errors, copy counts).
"use strict";
let pyodide = null, port = null, t0 = 0;
let chain = Promise.resolve();  // messages are handled in order, one at a time

self.onmessage = (event) => { chain = chain.then(() => handle(event.data)); };

// RGBA pixels (`src`) into the Pyodide heap at byte `at`, `c` channels in the order a, b, d[, e] of RGBA:
// port_runtime.py's one copy of an image, reordered on the way (BGR for cv2)
self.portlabPixels = (src, at, c, a, b, d, e) => {
  const heap = pyodide._module.HEAPU8, end = src.length;  // read now: a grown heap is a new buffer
  if (c === 4 && a === 0 && b === 1 && d === 2 && e === 3) { heap.set(src, at); return; }
  if (c === 3) {
    for (let k = 0, j = at; k < end; k += 4, j += 3) { heap[j] = src[k + a]; heap[j + 1] = src[k + b]; heap[j + 2] = src[k + d]; }
  } else {
    for (let k = 0, j = at; k < end; k += 4, j += 4) {
      heap[j] = src[k + a]; heap[j + 1] = src[k + b]; heap[j + 2] = src[k + d]; heap[j + 3] = src[k + e];
    }
  }
};

function progress(phase, message) {
  self.postMessage({ type: "progress", phase, message, seconds: (performance.now() - t0) / 1000 });
}

async function fetchOk(url, what) {
  let r;
  try { r = await fetch(url); } catch (e) { throw new Error(`cannot load ${what} (${url}): ${e.message}`); }
  if (!r.ok) throw new Error(`cannot load ${what} (${url}): HTTP ${r.status}`);
  return r;
}

async function init({ base, folder, config }) {
  t0 = performance.now();
  try {
    progress("pyodide", `loading Python (Pyodide) from ${base}`);
    try {
      importScripts(base + "static/pyodide/pyodide.js");
    } catch (e) {
      throw new Error(`cannot load Pyodide from ${base}static/pyodide/pyodide.js: ${e.message}`);
    }
    pyodide = await loadPyodide({ indexURL: base + "static/pyodide/" });
    for (const stream of ["stdout", "stderr"]) {
      const decoder = new TextDecoder();
      pyodide[stream === "stdout" ? "setStdout" : "setStderr"]({ write(buf) {
        self.postMessage({ type: stream, text: decoder.decode(buf, { stream: true }) });
        return buf.length;
      } });
    }
    progress("files", `loading ${config.files.length} data file(s)`);
    for (const rel of config.files) {
      const r = await fetchOk(new URL(rel.split("/").map(encodeURIComponent).join("/"), folder).href, `data file ${rel}`);
      const data = new Uint8Array(await r.arrayBuffer());
      const cwd = pyodide.FS.cwd(), dir = rel.split("/").slice(0, -1).join("/");
      if (dir) pyodide.FS.mkdirTree(cwd + "/" + dir);
      pyodide.FS.writeFile(cwd + "/" + rel, data);
    }
    const code = await (await fetchOk(new URL(encodeURIComponent(config.script), folder).href, config.script)).text();
    const runtime = await (await fetchOk(new URL("port_runtime.py", folder).href, "port_runtime.py")).text();
    progress("packages", "loading the packages the code imports");
    await pyodide.loadPackage(["numpy", ...config.packages], { messageCallback() {} });
    await pyodide.loadPackagesFromImports(code, { messageCallback() {} });
    progress("script", `running ${config.script}`);
    const ns = pyodide.toPy({ __name__: "__main__", __file__: config.script });
    await pyodide.runPythonAsync(code, { globals: ns, filename: config.script });
    if (ns.has("_portlab_main")) await pyodide.runPythonAsync("await _portlab_main", { globals: ns });
    const rt = pyodide.toPy({ __name__: "port_runtime" });
    pyodide.runPython(runtime, { globals: rt, filename: "port_runtime.py" });
    port = rt.get("Port")(ns, pyodide.toPy(config.functions.map((f) => f.name)));
    self.postMessage({ type: "ready", functions: config.functions.map((f) => f.name) });
  } catch (err) {
    const message = err && typeof err.message === "string" ? err.message : String(err);
    const python = /Traceback/.test(message);
    const name = python ? (message.trim().split("\n").pop().match(/^(\w+(?:\.\w+)*)(?::|$)/) || [])[1] : null;
    self.postMessage({ type: "load-error", name: name ? name.split(".").pop() : (err && err.name) || "Error",
      message: python ? message.trim().split("\n").pop() : message, traceback: python ? message : "" });
  }
}

/** Images and blobs as the Python half takes them: RGBA pixels (decoded here) or bytes. */
async function decodeInputs(value) {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return Promise.all(value.map(decodeInputs));
  if (value.portlabKind === "bitmap") return pixels(value.bitmap);
  if (value.portlabKind === "blob") {
    const blob = value.blob;
    if (!blob.type || blob.type.startsWith("image/")) {
      let bitmap = null;
      try {
        bitmap = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none" });
      } catch (e) {
        if (blob.type) throw new TypeError(`cannot decode the ${blob.type} Blob as an image: ${e.message}`);
      }
      if (bitmap) return pixels(bitmap);
    }
    return { portlabKind: "bytes", data: new Uint8Array(await blob.arrayBuffer()) };
  }
  if (value.portlabKind) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = await decodeInputs(v);
  return out;
}

function pixels(bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height, { colorSpace: "srgb" });
  return { portlabKind: "image", data: image.data, width: image.width, height: image.height };
}

function transferables(value, out) {
  if (value && typeof value === "object") {
    if (ArrayBuffer.isView(value)) { if (!out.includes(value.buffer)) out.push(value.buffer); }
    else for (const v of Object.values(value)) transferables(v, out);
  }
  return out;
}

async function call(m) {
  const reply = (msg, move) => self.postMessage({ id: m.id, ...msg }, move || []);
  if (!port) return reply({ type: "error", name: "InvalidStateError", message: "the port did not load", traceback: "" });
  let args, kwargs;
  try {
    args = await decodeInputs(m.args);
    kwargs = m.kwargs ? await decodeInputs(m.kwargs) : null;
  } catch (e) {
    return reply({ type: "error", name: e.name || "TypeError", message: e.message, traceback: "" });
  }
  if (m.type === "direct") {
    try {
      return reply({ type: "direct", seconds: await port.direct(m.name, pyodide.toPy(args, { depth: 1 }), kwargs, m.repeat, m.format) });
    } catch (e) {
      return reply({ type: "error", name: "Error", message: e.message, traceback: "" });
    }
  }
  const out = await port.call(m.name, args, kwargs, m.format);
  if (out.error) return reply({ type: "error", name: out.error.name, message: out.error.message, traceback: out.error.traceback });
  reply({ type: "result", value: out.value, stats: out.stats }, transferables(out.value, []));
}

async function handle(m) {
  if (m.type === "init") return init(m);
  if (m.type === "call" || m.type === "direct") return call(m);
}
