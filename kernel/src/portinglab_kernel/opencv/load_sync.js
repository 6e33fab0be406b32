// Load opencv.js synchronously in the kernel's Web Worker, with no await and no
// JSPI suspension: fetch the script with a synchronous XHR, give its Emscripten
// Module an `instantiateWasm` hook that compiles the embedded wasm synchronously
// (allowed in workers), and evaluate it. The file itself is the vendored, verified
// one; it is only wrapped in memory (its UMD wrapper creates `Module` itself, so
// the hook is passed in by replacing that one statement). Two builds are known: the
// npm one (@techstark/opencv-js: `var Module = {}`, `var wasmBinaryFile="data:..."`,
// its factory returns the Module) and ours from source (Emscripten 3.1.6:
// `Module = {}`, `var wasmBinaryFile;wasmBinaryFile="data:..."`, its factory
// returns a Promise); both are matched, and `cv` is set to the Module either way. A
// pthreads build is loaded from Emscripten's own output (opencv_js.js, no UMD wrapper:
// it defines the `cv` factory, called here), the file its workers load too.
//
// Why not `await`/run_sync: Python code the kernel runs while a cell is suspended
// in run_sync can leave later JS exceptions unreported ("SystemError: error return
// without exception set"), so `import cv2` must not suspend.
(function (url) {
  "use strict";
  const base = new URL(url, self.location.href);
  const xhr = new XMLHttpRequest();
  xhr.open("GET", url, false);
  xhr.send();
  if (xhr.status !== 200) throw new Error(`opencv.js: HTTP ${xhr.status} for ${url}`);
  let src = xhr.responseText;
  const stock = /if \(typeof Module === 'undefined'\)\s*(var )?Module = \{\};\s*return cv\(Module\);/g;
  let found = null;
  for (const m of src.matchAll(stock)) found = m;  // the UMD wrapper's, the last one
  const factoryOnly = found === null && /^var cv = \(\(\) => \{/m.test(src);  // Emscripten's output itself
  if (found === null && !factoryOnly) throw new Error("opencv.js: unexpected wrapper; cannot load it synchronously");
  // the wasm: embedded as base64 (the npm build), or a file beside the script (ours: smaller to send)
  const prefix = 'wasmBinaryFile="data:application/octet-stream;base64,';
  const start = src.indexOf(prefix);
  const named = start < 0 ? /wasmBinaryFile="([^"]+\.wasm)"/.exec(src) : null;
  if (start < 0 && named === null) throw new Error("opencv.js: no embedded or named wasm found");
  const t0 = performance.now();
  let bytes;
  if (start >= 0) {
    const b64start = start + prefix.length;
    const bin = atob(src.slice(b64start, src.indexOf('"', b64start)));
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  } else {
    const wasmUrl = new URL(named[1], base).href;
    const req = new XMLHttpRequest();
    req.open("GET", wasmUrl, false);
    req.responseType = "arraybuffer";  // allowed for a synchronous request in a worker
    req.send();
    if (req.status !== 200) throw new Error(`opencv.js: HTTP ${req.status} for ${wasmUrl}`);
    bytes = new Uint8Array(req.response);
  }
  const timing = {wasm_ms: performance.now() - t0, wasm_bytes: bytes.length};
  const Module = self.__portinglabCvModule = {
    // a pthreads build: its helper files beside opencv.js; its workers load Emscripten's own output
    locateFile: (path) => new URL(path, base).href,
    mainScriptUrlOrBlob: factoryOnly ? base.href : new URL("opencv_js.js", base).href,
    instantiateWasm(info, receiveInstance) {
      const t1 = performance.now();
      const module = new WebAssembly.Module(bytes);
      const instance = new WebAssembly.Instance(module, info);
      timing.compile_ms = performance.now() - t1;
      receiveInstance(instance, module);
      return instance.exports;
    },
  };
  if (found !== null) {
    src = src.slice(0, found.index) + "return cv(self.__portinglabCvModule);" + src.slice(found.index + found[0].length);
  } else {
    src += "\n;cv(self.__portinglabCvModule);";  // the factory is global `cv` once evaluated
  }
  // a pthreads build waits for its pool of workers to load the wasm before it runs; they need no
  // answer before their first task (messages to a worker are handled in order), so run now
  const waitWorkers = 'PThread.loadWasmModuleToWorker(w,function(){if(!--numWorkersToLoad)removeRunDependency("wasm-instantiate")})';
  if (src.includes(waitWorkers)) {
    src = src.replace(waitWorkers, 'PThread.loadWasmModuleToWorker(w,function(){})');
    src = src.replace('PThread.unusedWorkers.forEach(function(w){PThread.loadWasmModuleToWorker(w,function(){})})',
                      'PThread.unusedWorkers.forEach(function(w){PThread.loadWasmModuleToWorker(w,function(){})});removeRunDependency("wasm-instantiate")');
    timing.threads = true;
  }
  const t2 = performance.now();
  (0, eval)(src + "\n//# sourceURL=" + url);
  timing.eval_ms = performance.now() - t2;
  delete self.__portinglabCvModule;
  // instantiation was synchronous, so the Module is ready; a factory that returned a Promise left `cv` unusable
  if (typeof Module.Mat === "function") self.cv = Module;
  timing.ready = typeof self.cv !== "undefined" && typeof self.cv.Mat === "function";
  return timing;
})
