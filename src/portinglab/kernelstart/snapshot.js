// Porting Lab: the kernel's memory snapshot (issue 17). Copied by the site build to static/portinglab/snapshot.js;
// loaded with importScripts by the kernel's worker (worker-patch.js). Classic-worker script: defines
// self.portinglabSnapshot, nothing else.
//
// make(): in a worker of its own, once per site version (the page asks for it when the lab has been open a while):
// Pyodide started with _makeSnapshot, the preload image written, the side-module stdlib modules deferred
// (snapshot_state.py), piplite and pyodide_kernel imported, then Pyodide's heap stored in Cache Storage.
// The restore is the kernel's worker's (worker-patch.js, _plRestore): lookup(), Pyodide started from the snapshot with
// deserializer(), the side modules and the image loaded again (neither is in a heap snapshot), then resume() puts the
// real modules in place. Any failure: the worker starts the stock way.
self.portinglabSnapshot = (function () {
  "use strict";
  var CACHE = "portinglab-kernel-snapshot";
  var CHECKSUM_HEADER = "x-portinglab-checksum";

  // Where the kernel's Python holds a JS object that globalThis does not reach (Pyodide's API objects: micropip's
  // `from pyodide_js._api import loadBinaryFile`, pyodide_kernel's `loadPackagesFromImports`), the snapshot names it
  // by its owner and property; objects reached from globalThis Pyodide records by path itself.
  function roots(py) {
    return { py: py, api: py._api };
  }

  function serializer(py) {
    var owners = roots(py);
    return function (obj) {
      for (var root in owners) {
        var owner = owners[root];
        var names = Object.getOwnPropertyNames(owner).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(owner)));
        for (var i = 0; i < names.length; i++) {
          var value;
          try {
            value = owner[names[i]];
          } catch (err) {
            continue;
          }
          if (value === obj) return { root: root, name: names[i], kind: typeof obj };
        }
      }
      throw new Error("the kernel holds a JS object the snapshot cannot name: " + String(obj).slice(0, 80));
    };
  }

  // Pyodide calls the deserializer before loadPyodide returns the API object, so each entry resolves its object
  // when it is used (by then holder.py is set): a function that forwards calls, or a proxy that forwards the rest.
  function deserializer(holder) {
    return function (entry) {
      if (!entry || !entry.root || !entry.name) throw new Error("kernel snapshot: unknown entry " + JSON.stringify(entry));
      var owner = function () {
        if (!holder.py) throw new Error("Porting Lab: the kernel used Pyodide's API before its snapshot was resumed");
        return roots(holder.py)[entry.root];
      };
      if (entry.kind === "function")
        return function () {
          var o = owner();
          return o[entry.name].apply(o, arguments);
        };
      var target = function () {
        return owner()[entry.name];
      };
      return new Proxy({}, {
        get: function (_, key) { return Reflect.get(target(), key); },
        set: function (_, key, value) { return Reflect.set(target(), key, value); },
        has: function (_, key) { return key in target(); },
        deleteProperty: function (_, key) { return Reflect.deleteProperty(target(), key); },
        ownKeys: function () { return Reflect.ownKeys(target()); },
        getOwnPropertyDescriptor: function (_, key) {
          var d = Reflect.getOwnPropertyDescriptor(target(), key);
          if (d) d.configurable = true; // the proxy's empty target cannot vouch for a fixed property
          return d;
        },
      });
    };
  }

  // A cheap integrity check of what Cache Storage gives back (crypto.subtle is missing on plain-http LAN hosts).
  function checksum(bytes) {
    var words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
    var h = bytes.byteLength | 0;
    for (var i = 0; i < words.length; i++) h = (Math.imul(h, 31) + words[i]) | 0;
    for (var j = words.length * 4; j < bytes.byteLength; j++) h = (Math.imul(h, 31) + bytes[j]) | 0;
    return String(h >>> 0);
  }

  function available() {
    return typeof caches !== "undefined";
  }

  // The stored snapshot for `url` (its key names the site's build), or null; a corrupt one is removed and throws.
  async function lookup(url) {
    if (!available()) return null;
    var cache = await caches.open(CACHE);
    var response = await cache.match(url);
    if (!response) return null;
    var bytes = new Uint8Array(await response.arrayBuffer());
    if (checksum(bytes) !== response.headers.get(CHECKSUM_HEADER)) {
      await cache.delete(url);
      throw new Error("the stored kernel snapshot is corrupt (checksum), removed");
    }
    return bytes;
  }

  // Stores the snapshot; snapshots of other builds of the site are removed (one per origin and site).
  async function store(url, bytes) {
    var cache = await caches.open(CACHE);
    var keys = await cache.keys();
    for (var i = 0; i < keys.length; i++) if (keys[i].url !== url) await cache.delete(keys[i]);
    var headers = { "content-type": "application/octet-stream" };
    headers[CHECKSUM_HEADER] = checksum(bytes);
    await cache.put(url, new Response(bytes, { headers: headers }));
  }

  async function discard(url) {
    if (available()) await (await caches.open(CACHE)).delete(url);
  }

  // Runs snapshot_state.py as the module _portinglab_snapshot (once), then its function `call`, in a namespace of its
  // own: nothing is bound in the kernel's __main__.
  var PY_CALL = [
    "import sys, types",
    "m = sys.modules.get('_portinglab_snapshot')",
    "if m is None:",
    "    m = types.ModuleType('_portinglab_snapshot')",
    "    exec(source, m.__dict__)",
    "    sys.modules[m.__name__] = m",
    "getattr(m, call)()",
  ].join("\n");

  function python(py, config, call) {
    var namespace = py.toPy({ source: config.python, call: call });
    try {
      var result = py.runPython(PY_CALL, { globals: namespace });
      if (!result || !result.toJs) return result;
      var value = result.toJs();
      result.destroy();
      return value;
    } finally {
      namespace.destroy();
    }
  }

  // options: the kernel's {pyodideUrl, indexUrl, loadPyodideOptions}; config: the worker's PRELOAD.
  async function make(options, config, preload) {
    var t0 = performance.now();
    if (!available()) throw new Error("no Cache Storage here (not a secure context)");
    importScripts(options.pyodideUrl);
    var image = preload.fetchImage(new URL(config.image, options.pyodideUrl).href, config.integrity);
    var py = await self.loadPyodide(Object.assign({ indexURL: options.indexUrl }, options.loadPyodideOptions,
                                                  { packages: [], _makeSnapshot: true }));
    await preload.install(py, await image);
    python(py, config.snapshot, "defer");
    // what the kernel's start imports before the kernel exists (worker-patch.js's prewarm)
    await py.runPythonAsync("import piplite.piplite");
    await py.runPythonAsync("import pyodide_kernel");
    var bound = python(py, config.snapshot, "check");
    // loadedPackages must be as Pyodide left it (the snapshot checks it); the restore marks the packages again
    Object.keys(py.loadedPackages).forEach(function (name) { delete py.loadedPackages[name]; });
    var bytes = py.makeMemorySnapshot({ serializer: serializer(py) });
    var url = new URL(config.snapshot.url, options.pyodideUrl).href;
    await store(url, bytes);
    return { bytes: bytes.length, bound: bound, seconds: (performance.now() - t0) / 1000 };
  }

  // After loadPyodide({_loadSnapshot}) returned `py` and the side modules and the image are back.
  // (holder.py must be set as soon as loadPyodide returns: the deserialized entries resolve through it.)
  function resume(py, config) {
    return python(py, config, "resume");
  }

  return { lookup: lookup, store: store, discard: discard, make: make, resume: resume,
           serializer: serializer, deserializer: deserializer, checksum: checksum, CACHE: CACHE };
})();
