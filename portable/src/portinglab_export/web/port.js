// port.js: a ported Python notebook as a JavaScript library (Porting Lab, `portlab export --library`).
//
//   import { loadPort } from "./port.js";
//   const port = await loadPort({ onProgress: p => console.log(p.message) });
//   const result = await port.myFunction(imageData, { threshold: 0.3 });
//   port.close();
//
// The functions run in a dedicated Web Worker (Pyodide + Porting Lab's cv2 / onnxruntime bridges).
// Inputs: ImageData, ImageBitmap, canvases, Blob/File, TypedArrays, { data, shape, dtype } arrays, JSON
// values. Buffers move to the worker as Transferables (no structured-clone copy) and enter the Python
// heap with one copy. Types: port.d.ts. This file is the same for every export; port.json describes it.

const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array];
const DTYPE_OF = new Map([[Int8Array, "int8"], [Uint8Array, "uint8"], [Uint8ClampedArray, "uint8"],
  [Int16Array, "int16"], [Uint16Array, "uint16"], [Int32Array, "int32"], [Uint32Array, "uint32"],
  [Float32Array, "float32"], [Float64Array, "float64"], [BigInt64Array, "int64"], [BigUint64Array, "uint64"]]);
const ARRAY_OF = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Uint32Array, float32: Float32Array, float64: Float64Array, int64: BigInt64Array, uint64: BigUint64Array,
  bool: Uint8Array };

function portError(name, message, extra) {
  const err = new Error(message);
  err.name = name;
  return Object.assign(err, extra || {});
}

const isTyped = (v) => ArrayBuffer.isView(v) && !(v instanceof DataView);
const isPlain = (v) => v !== null && typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype
  || Object.getPrototypeOf(v) === null);

/** The page's value as the worker gets it; `move` collects what to transfer, `cloned` counts bytes copied. */
async function encode(value, move, state) {
  if (value === undefined || value === null) return null;
  const t = typeof value;
  if (t === "number" || t === "string" || t === "boolean" || t === "bigint") return value;
  if (t === "function" || t === "symbol") throw portError("TypeError", `cannot pass a ${t} to Python`);
  if (typeof ImageData !== "undefined" && value instanceof ImageData) {
    return { portlabKind: "image", data: own(value.data, move, state), width: value.width, height: value.height };
  }
  if (typeof ImageBitmap !== "undefined" && value instanceof ImageBitmap) {
    if (!state.copyInputs) move.push(value);
    return { portlabKind: "bitmap", bitmap: value };
  }
  if ((typeof HTMLCanvasElement !== "undefined" && value instanceof HTMLCanvasElement)
      || (typeof OffscreenCanvas !== "undefined" && value instanceof OffscreenCanvas)) {
    const bitmap = await createImageBitmap(value);  // no read-back here: the worker reads the pixels
    move.push(bitmap);
    return { portlabKind: "bitmap", bitmap };
  }
  if (typeof HTMLImageElement !== "undefined" && value instanceof HTMLImageElement) {
    const bitmap = await createImageBitmap(value);
    move.push(bitmap);
    return { portlabKind: "bitmap", bitmap };
  }
  if (typeof Blob !== "undefined" && value instanceof Blob) return { portlabKind: "blob", blob: value };
  if (value instanceof ArrayBuffer) return { portlabKind: "bytes", data: own(new Uint8Array(value), move, state) };
  if (isTyped(value)) {
    return { portlabKind: "ndarray", data: own(value, move, state), shape: [value.length], dtype: DTYPE_OF.get(value.constructor) };
  }
  if (isPlain(value) && isTyped(value.data) && Array.isArray(value.shape)) {
    const dtype = value.dtype || DTYPE_OF.get(value.data.constructor);
    return { portlabKind: "ndarray", data: own(value.data, move, state), shape: value.shape.map(Number), dtype };
  }
  if (Array.isArray(value)) {
    const out = [];
    for (const v of value) out.push(await encode(v, move, state));
    return out;
  }
  if (isPlain(value)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = await encode(v, move, state);
    return out;
  }
  if (value instanceof Map) return encode(Object.fromEntries(value), move, state);
  throw portError("TypeError", `cannot pass a ${value.constructor ? value.constructor.name : t} to Python`);
}

/** A typed array the worker can take: its buffer transferred, or a copy when it shares a buffer or must stay. */
function own(view, move, state) {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength
    && !(typeof SharedArrayBuffer !== "undefined" && view.buffer instanceof SharedArrayBuffer);
  if (whole && !state.copyInputs) {
    if (!move.includes(view.buffer)) move.push(view.buffer);
    return view;
  }
  state.cloned += view.byteLength;  // structured clone copies it
  return view;
}

/** The worker's value as the page gets it: ndarrays as { data, shape, dtype }, bytes as Uint8Array. */
function decode(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  if (value.portlabKind === "ndarray") {
    let data = value.data;
    if (value.dtype === "bool") data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { data, shape: value.shape, dtype: value.dtype };
  }
  if (value.portlabKind === "bytes") return value.data;
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = decode(v);
  return out;
}

function emptyTotals() {
  return { pythonSeconds: 0, seconds: 0, bytesIn: 0, copiesIn: 0, bytesOut: 0, copiesOut: 0, bytesCloned: 0,
    bridgeCopies: 0, bridgeBytes: 0 };
}

/**
 * port-sw.js, for offline use: registered for the export's folder; when this page is in that folder, wait until
 * it controls the page (its worker's requests then go through it too).
 */
async function serviceWorker(folder, version) {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register(new URL(`port-sw.js?v=${version}`, folder), { scope: folder });
  if (!location.href.startsWith(folder)) {
    console.warn(`port.js: the service worker's scope (${folder}) does not hold this page: it caches nothing for it`);
    return;
  }
  const installing = registration.installing || registration.waiting;
  if (navigator.serviceWorker.controller || !installing) return;  // controls the page already, or never will (a hard reload)
  await new Promise((resolve, reject) => {
    navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
    installing.addEventListener("statechange", () => {
      if (installing.state === "redundant") {
        reject(portError("NetworkError", `port-sw.js could not keep the export's files (${folder}): one is missing?`));
      }
    });
  });
}

/**
 * Start the port: a dedicated Web Worker with Pyodide, the bridges, the packages the code imports and
 * its data files; the notebook's code runs once there, then its functions answer calls in order.
 */
export async function loadPort(options = {}) {
  const started = performance.now();
  const folder = new URL(options.folder || ".", new URL(".", import.meta.url)).href.replace(/\/?$/, "/");
  const response = await fetch(new URL("port.json", folder)).catch((e) => {
    throw portError("NetworkError", `cannot load ${folder}port.json: ${e.message}`);
  });
  if (!response.ok) throw portError("NetworkError", `cannot load ${folder}port.json: HTTP ${response.status}`);
  const config = await response.json();
  if (options.serviceWorker) await serviceWorker(folder, config.version);
  const base = new URL(options.baseUrl || config.base_url, folder).href.replace(/\/?$/, "/");
  const worker = new Worker(new URL("port-worker.js", folder));
  const pending = new Map();  // id -> { resolve, reject, name, started }
  const queue = [];  // calls not yet sent: one runs at a time, in order
  let running = null, nextId = 1, closed = false, failure = null;
  const stats = { calls: 0, errors: 0, last: null, totals: emptyTotals(), loadSeconds: 0 };
  const output = options.onOutput || ((stream, text) => (stream === "stderr" ? console.warn : console.log)(text));
  const defaultFormat = options.imageFormat || "bgr";

  let ready, fail;
  const readyPromise = new Promise((res, rej) => { ready = res; fail = rej; });

  function finish(id) {
    pending.delete(id);
    if (running === id) running = null;
    pump();
  }

  function pump() {
    // calls go in the order they were made; one whose inputs are still being prepared holds the line
    if (running !== null || closed || !queue.length || !queue[0].message) return;
    const next = queue.shift();
    running = next.id;
    worker.postMessage(next.message, next.move);
  }

  function shutdown(error) {
    if (closed) return;
    closed = true;
    failure = error;
    worker.terminate();
    for (const [, p] of pending) p.reject(error);
    pending.clear();
    queue.length = 0;
  }

  worker.onmessage = (event) => {
    const m = event.data;
    if (m.type === "stdout" || m.type === "stderr") output(m.type, m.text);
    else if (m.type === "progress") options.onProgress && options.onProgress({ phase: m.phase, message: m.message, seconds: m.seconds });
    else if (m.type === "ready") {
      stats.loadSeconds = (performance.now() - started) / 1000;
      options.onProgress && options.onProgress({ phase: "ready", message: "ready", seconds: stats.loadSeconds });
      ready(m.functions);
    } else if (m.type === "load-error") {
      const err = portError(m.name || "Error", m.message, { pythonTraceback: m.traceback || "" });
      shutdown(err);
      fail(err);
    } else if (m.type === "result" || m.type === "error" || m.type === "direct") {
      const p = pending.get(m.id);
      if (p) {
        if (m.type === "error") {
          stats.errors++;
          p.reject(portError(m.name, m.message, { pythonTraceback: m.traceback }));
        } else if (m.type === "direct") {
          p.resolve(m.seconds);
        } else {
          const s = m.stats;
          const last = { function: p.name, pythonSeconds: s.python_seconds, seconds: (performance.now() - p.started) / 1000,
            bytesIn: s.bytes_in, copiesIn: s.copies_in, bytesOut: s.bytes_out, copiesOut: s.copies_out,
            bytesCloned: p.cloned, bridgeCopies: s.bridge_copies, bridgeBytes: s.bridge_bytes };
          stats.calls++;
          stats.last = last;
          for (const k of Object.keys(stats.totals)) stats.totals[k] += last[k];
          p.resolve(decode(m.value));
        }
      }
      finish(m.id);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const err = portError("Error", `the port's worker failed: ${event.message || "could not start"} (${folder}port-worker.js)`);
    shutdown(err);
    fail(err);
  };
  worker.postMessage({ type: "init", base, folder, config });
  const functions = await readyPromise;

  function keywordsOf(name, args) {
    // a trailing plain object whose keys all name the function's parameters: its keyword arguments
    const spec = config.functions.find((f) => f.name === name);
    const last = args[args.length - 1];
    if (!spec || !isPlain(last) || isTyped(last.data)) return [args, null];
    const names = new Set(spec.params.filter((p) => p.kind === "either" || p.kind === "keyword").map((p) => p.name));
    const open = spec.params.some((p) => p.kind === "var_keyword");
    const keys = Object.keys(last);
    const positional = spec.params.filter((p) => p.kind === "positional" || p.kind === "either").length;
    if (keys.length && (open || keys.every((k) => names.has(k))) && !(args.length <= positional
        && spec.params[args.length - 1] && /dict|Mapping/.test(spec.params[args.length - 1].annotation || ""))) {
      return [args.slice(0, -1), last];
    }
    return [args, null];
  }

  async function send(type, name, callOptions, extra) {
    if (closed) throw failure && failure.name !== "AbortError" ? failure : portError("InvalidStateError", "this port is closed");
    if (typeof name !== "string" || !functions.includes(name)) {
      throw portError("TypeError", `this port has no function ${JSON.stringify(name)} (it has: ${functions.join(", ")})`);
    }
    const signal = callOptions.signal;
    const aborted = () => (signal.reason instanceof Error ? signal.reason : portError("AbortError", "the call was aborted"));
    if (signal && signal.aborted) throw aborted();
    const id = nextId++;
    const entry = { id, message: null, move: [] };
    queue.push(entry);  // its place in the order is taken now, before its inputs are prepared
    const state = { copyInputs: !!callOptions.copyInputs, cloned: 0 };
    let args, kwargs;
    try {
      args = await encode(callOptions.args || [], entry.move, state);
      kwargs = callOptions.kwargs ? await encode(callOptions.kwargs, entry.move, state) : null;
      if (signal && signal.aborted) throw aborted();
    } catch (e) {
      queue.splice(queue.indexOf(entry), 1);
      pump();
      throw e;
    }
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, name, started: performance.now(), cloned: state.cloned });
      entry.message = { type, id, name, args, kwargs, format: callOptions.imageFormat || defaultFormat, ...extra };
      if (signal) {
        signal.addEventListener("abort", () => {
          const p = pending.get(id);
          if (!p) return;
          const i = queue.indexOf(entry);
          if (i >= 0) { queue.splice(i, 1); pending.delete(id); } else { p.resolve = p.reject = () => {}; }
          reject(aborted());
          pump();
        }, { once: true });
      }
      pump();
    });
  }

  const port = {
    functions: functions.slice(),
    call(name, ...args) {
      const [positional, kwargs] = keywordsOf(name, args);
      return send("call", name, { args: positional, kwargs });
    },
    callWith(name, callOptions = {}) {
      return send("call", name, callOptions);
    },
    /** seconds per call of the function itself in the worker, its arguments converted once (benchmarks) */
    direct(name, args = [], repeat = 10) {
      return send("direct", name, { args }, { repeat });
    },
    stats() {
      return JSON.parse(JSON.stringify(stats));
    },
    close() {
      shutdown(portError("InvalidStateError", "this port is closed"));
    },
  };
  for (const name of functions) {
    if (!(name in port)) port[name] = (...args) => port.call(name, ...args);
  }
  return port;
}

export default loadPort;
export { ARRAY_OF, TYPED };
