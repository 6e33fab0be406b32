// Porting Lab: starts the Python kernel's worker as the page opens, in parallel with JupyterLab's own
// start. Written into static/portinglab/ by the site build (src/portinglab/kernelstart/), loaded by
// lab/ and notebooks/index.html before JupyterLab. The Pyodide kernel (patched at build time: its
// initWorker calls __portinglabTakeWorker) takes this worker for the first kernel it creates, if its
// options are the ones used here; any other kernel, a restart, or a mismatch starts a worker as usual.
// The worker is only ever used by one kernel, so two kernels can never share or race for it.
(function () {
  var CONFIG = __PORTINGLAB_PREWARM_CONFIG__;
  var state = (window.portinglabKernelStart = { started: false, taken: false, reason: "" });
  try {
    if (window.crossOriginIsolated) {
      state.reason = "cross-origin isolated: the kernel uses its coincident worker, not prewarmed";
      return;
    }
    // the site's root, from this script's own URL (<root>/static/portinglab/kernel-prewarm.js)
    var root = new URL("../../", document.currentScript.src);
    var pyodideUrl = new URL(CONFIG.pyodideUrl, root).href;
    var options = {
      pyodideUrl: pyodideUrl,
      indexUrl: pyodideUrl.slice(0, pyodideUrl.lastIndexOf("/") + 1),
      loadPyodideOptions: CONFIG.loadPyodideOptions,
    };
    var worker = new Worker(new URL(CONFIG.worker, root));
    worker.postMessage({ portinglabPrewarm: options });
    state.started = true;
    window.__portinglabTakeWorker = function (kernelOptions) {
      if (!worker) return null;
      var w = worker;
      worker = null;
      var same =
        kernelOptions &&
        kernelOptions.pyodideUrl === options.pyodideUrl &&
        JSON.stringify(kernelOptions.loadPyodideOptions || {}) === JSON.stringify(options.loadPyodideOptions);
      if (!same) {
        w.terminate();
        state.reason = "the kernel's options differ from the prewarm's: started normally";
        console.warn("Porting Lab: " + state.reason, kernelOptions && kernelOptions.pyodideUrl, options.pyodideUrl);
        return null;
      }
      state.taken = true;
      return w;
    };
  } catch (err) {
    state.reason = String(err);
  }
})();
