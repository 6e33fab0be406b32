// Porting Lab: starts the Python kernel's worker as the page opens, in parallel with JupyterLab's own
// start. Written into static/portinglab/ by the site build (src/portinglab/kernelstart/), loaded by
// lab/ and notebooks/index.html before JupyterLab. The Pyodide kernel (patched at build time: its
// initWorker calls __portinglabTakeWorker) takes this worker for the first kernel it creates, if its
// options are the ones used here (a mismatch starts a worker as usual). Once taken, a spare is prewarmed
// SPARE_AFTER_MS later for the next kernel (a restart, another notebook): one idle Pyodide in memory.
// A worker is only ever one kernel's, so two kernels can never share or race for it.
// Where the prewarmed worker found no kernel snapshot for this build (snapshot.js), one is made SNAPSHOT_AFTER_MS
// after the first kernel started, in a worker of its own, for the next visits and kernel restarts.
(function () {
  var CONFIG = __PORTINGLAB_PREWARM_CONFIG__;
  // late enough that the spare's ~5 s of CPU does not slow the first kernel's start and first cells
  var SPARE_AFTER_MS = 15000;
  // after the spare's start: a snapshot costs ~3 s of CPU once, in the background
  var SNAPSHOT_AFTER_MS = 25000;
  var SNAPSHOT_LIMIT_MS = 180000;
  // set once this browser made a snapshot of this build (its value: the snapshot's key, which names the build)
  var SNAPSHOT_FLAG = "portinglab-kernel-snapshot";
  function snapshotMadeHere() {
    try {
      return !!CONFIG.snapshot && window.localStorage.getItem(SNAPSHOT_FLAG) === CONFIG.snapshot;
    } catch (err) {
      return true; // no localStorage: let the worker look
    }
  }
  var state = (window.portinglabKernelStart = { started: false, taken: false, reason: "", spares: 0, takes: 0,
                                                 snapshot: null, snapshotMade: null });
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
    var workerUrl = new URL(CONFIG.worker, root);
    var spawn = function () {
      var w = new Worker(workerUrl);
      // a worker whose script failed to load would never answer the kernel: never hand it over
      w.addEventListener("error", function () {
        if (worker === w) {
          worker = null;
          state.reason = "the prewarmed worker failed to load: kernels start normally";
        }
      });
      // the worker says whether it started from a snapshot ({restored, reason})
      w.addEventListener("message", function (ev) {
        if (ev.data && ev.data.portinglabSnapshotStatus && !state.snapshot) state.snapshot = ev.data.portinglabSnapshotStatus;
      });
      // whether this browser made a snapshot of this build (a flag the page keeps): when not, the worker does not
      // open Cache Storage before it starts Pyodide (0.06-0.26 s on a first visit's fresh profile)
      w.postMessage({ portinglabPrewarm: Object.assign({ portinglabSnapshotExpected: snapshotMadeHere() }, options) });
      return w;
    };
    var making = null;
    // makes and stores the kernel's snapshot in a worker of its own; resolves to {bytes, seconds} or {error}
    window.__portinglabMakeSnapshot = function () {
      if (!making)
        making = new Promise(function (resolve) {
          var w = new Worker(workerUrl);
          // a maker that never answers (a stalled fetch, a browser bug) must not hold a second Pyodide for ever
          var timer = setTimeout(function () {
            done({ error: "the snapshot worker did not answer in " + SNAPSHOT_LIMIT_MS / 1000 + " s" });
          }, SNAPSHOT_LIMIT_MS);
          var done = function (result) {
            clearTimeout(timer);
            if (state.snapshotMade) return; // answered already
            w.terminate();
            try {
              if (!result.error) window.localStorage.setItem(SNAPSHOT_FLAG, CONFIG.snapshot);
            } catch (err) {}
            state.snapshotMade = result;
            resolve(result);
          };
          w.addEventListener("message", function (ev) {
            if (ev.data && ev.data.portinglabSnapshotMade) done(ev.data.portinglabSnapshotMade);
          });
          w.addEventListener("error", function (ev) {
            done({ error: "the snapshot worker failed: " + (ev.message || "its script did not load") });
          });
          w.postMessage({ portinglabSnapshotMake: options });
        });
      return making;
    };
    var snapshotTimer = null;
    var worker = spawn();
    var spareTimer = null;
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
      state.takes += 1;
      // Cache Storage exists only in secure contexts (https, localhost): on a plain-http LAN host, no snapshot
      if (CONFIG.snapshot && typeof caches !== "undefined" && snapshotTimer === null) {
        snapshotTimer = setTimeout(function () {
          // none stored for this build (a restore that failed has removed its snapshot: not again on this visit)
          if (state.snapshot && !state.snapshot.restored && !state.snapshot.failed) window.__portinglabMakeSnapshot();
        }, SNAPSHOT_AFTER_MS);
      }
      if (spareTimer === null) {
        spareTimer = setTimeout(function () {
          spareTimer = null;
          if (!worker) {
            worker = spawn();
            state.spares += 1;
          }
        }, SPARE_AFTER_MS);
      }
      return w;
    };
  } catch (err) {
    state.reason = String(err);
  }
})();
