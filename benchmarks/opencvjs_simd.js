#!/usr/bin/env node
// opencv.js built from source with wasm SIMD (./portlab build-opencvjs) vs the vendored npm build
// (@techstark/opencv-js 4.12.0-release.1, no SIMD), both loaded in the same Node process, per operation on
// a 1920x1080 BGR image: median (and min) of N runs after warm-up, the two builds alternating run by run so
// that load from other processes falls on both alike; plus each file's size, its load time, and how far the
// two builds' results differ (max |a-b| over the output pixels).
//
//   node benchmarks/opencvjs_simd.js [--new PATH] [--npm PATH] [--runs 20] [--json OUT.json] [--label NAME]
//        [--main-script BUILD/bin/opencv_js.js --threads N]   (a --threads build)
//
// Defaults: --new .cache/portinglab/opencvjs/dist/simd-core-imgproc/opencv.js, --npm the verified copy the
// cv2 generator keeps (.cache/portinglab/cv2gen/opencv-js-*.js) or the built site's vendored file.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const CACHE = process.env.PORTINGLAB_CACHE || path.join(ROOT, '.cache', 'portinglab');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

function defaultNpm() {
  const dir = path.join(CACHE, 'cv2gen');
  const cached = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^opencv-js-.*\.js$/.test(f)) : [];
  if (cached.length) return path.join(dir, cached.sort()[0]);
  const vend = path.join(ROOT, '_output/static/vendor/@techstark/opencv-js');
  if (fs.existsSync(vend)) return path.join(vend, fs.readdirSync(vend)[0], 'dist/opencv.js');
  throw new Error('no vendored opencv.js: run ./portlab fetch (or build) first, or pass --npm PATH');
}

async function load(file) {
  const t0 = performance.now();
  let cv = require(path.resolve(file));
  if (cv instanceof Promise) cv = await cv;
  else if (!cv.Mat) await new Promise((resolve) => { cv.onRuntimeInitialized = resolve; });
  return { cv, loadMs: performance.now() - t0 };
}

// a deterministic 1080p BGR image with edges and texture (gradients, rectangles, noise)
function fillImage(cv) {
  const W = 1920, H = 1080;
  const m = new cv.Mat(H, W, cv.CV_8UC3);
  let s = 12345;
  const d = m.data;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const noise = (s >>> 24) & 31;
      const box = ((x >> 7) + (y >> 6)) & 1 ? 90 : 0;
      const i = (y * W + x) * 3;
      d[i] = ((x * 255) / W + noise + box) & 255;
      d[i + 1] = ((y * 255) / H + noise) & 255;
      d[i + 2] = (((x + y) >> 3) + box) & 255;
    }
  }
  return m;
}

function ops(cv) {
  const src = fillImage(cv);
  const gray = new cv.Mat();
  cv.cvtColor(src, gray, cv.COLOR_BGR2GRAY);
  const half = new cv.Size(960, 540);
  const ksize = new cv.Size(5, 5);
  const out = new cv.Mat();
  return {
    mats: [src, gray, out],
    out,
    list: [
      ['cvtColor BGR2GRAY', () => cv.cvtColor(src, out, cv.COLOR_BGR2GRAY)],
      ['GaussianBlur 5x5 (BGR)', () => cv.GaussianBlur(src, out, ksize, 0, 0, cv.BORDER_DEFAULT)],
      ['resize 1/2 INTER_LINEAR (BGR)', () => cv.resize(src, out, half, 0, 0, cv.INTER_LINEAR)],
      ['resize 1/2 INTER_AREA (BGR)', () => cv.resize(src, out, half, 0, 0, cv.INTER_AREA)],
      ['threshold BINARY 127 (gray)', () => cv.threshold(gray, out, 127, 255, cv.THRESH_BINARY)],
      ['Canny 100/200 (gray)', () => cv.Canny(gray, out, 100, 200, 3, false)],
    ],
  };
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function fileInfo(file) {
  const buf = fs.readFileSync(file);
  return { path: path.relative(ROOT, path.resolve(file)), size: buf.length,
           sha256: crypto.createHash('sha256').update(buf).digest('hex') };
}

async function main() {
  const runs = Number(arg('--runs', '20'));
  const warm = 3;
  const files = {
    npm: arg('--npm', defaultNpm()),
    new: arg('--new', path.join(CACHE, 'opencvjs/dist/simd-core-imgproc/opencv.js')),
  };
  const builds = {};
  // a pthreads build (--threads): its workers must load Emscripten's own output (bin/opencv_js.js), not the
  // UMD-wrapped opencv.js (whose wrapper does not define the `cv` factory a worker calls)
  const mainScript = arg('--main-script');
  for (const [k, f] of Object.entries(files)) {
    if (k === 'new' && mainScript) global.Module = { mainScriptUrlOrBlob: path.resolve(mainScript) };
    const { cv, loadMs } = await load(f);
    const nthreads = arg('--threads');
    if (k === 'new' && nthreads && cv.parallel_pthreads_set_threads_num) cv.parallel_pthreads_set_threads_num(Number(nthreads));
    builds[k] = { cv, loadMs, info: fileInfo(f), ops: ops(cv), version: cv.getBuildInformation
      ? (cv.getBuildInformation().match(/Version control:\s*(\S+)/) || [])[1] : undefined };
    const bi = cv.getBuildInformation ? cv.getBuildInformation() : '';
    builds[k].simd = /-msimd128/.test(bi) ? 'msimd128' : 'none';
    builds[k].parallel = (bi.match(/Parallel framework:\s*(.*)/) || [])[1];
    builds[k].modules = (bi.match(/To be built:\s*(.*)/) || [])[1];
  }
  const names = builds.npm.ops.list.map((o) => o[0]);
  const rows = [];
  for (let j = 0; j < names.length; j++) {
    const t = { npm: [], new: [] };
    for (let r = 0; r < warm + runs; r++) {
      for (const k of r % 2 ? ['new', 'npm'] : ['npm', 'new']) {
        const fn = builds[k].ops.list[j][1];
        const t0 = performance.now();
        fn();
        const dt = performance.now() - t0;
        if (r >= warm) t[k].push(dt);
      }
    }
    // same result? compare the last outputs byte for byte
    const a = builds.npm.ops.out.data, b = builds.new.ops.out.data;
    let diff = a.length === b.length ? 0 : Infinity, ndiff = 0;
    if (diff === 0) for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - b[i]); if (d) { ndiff++; if (d > diff) diff = d; } }
    const row = { op: names[j], npm_ms: median(t.npm), new_ms: median(t.new), npm_min_ms: Math.min(...t.npm),
                  new_min_ms: Math.min(...t.new), max_abs_diff: diff, pixels_differing: ndiff };
    row.speedup = row.npm_ms / row.new_ms;
    rows.push(row);
  }
  const result = {
    label: arg('--label', ''), node: process.version, runs, warmup: warm, image: '1920x1080 CV_8UC3',
    builds: Object.fromEntries(Object.entries(builds).map(([k, b]) => [k, { ...b.info, load_ms: b.loadMs, simd: b.simd, parallel: b.parallel, modules: b.modules }])),
    rows,
  };
  const f1 = (x) => x.toFixed(2);
  console.log(`| operation (1920x1080) | npm build, ms | SIMD build, ms | speed-up (median) | min npm / SIMD, ms | max abs diff |`);
  console.log(`|---|---:|---:|---:|---:|---:|`);
  for (const r of rows) {
    console.log(`| ${r.op} | ${f1(r.npm_ms)} | ${f1(r.new_ms)} | ${r.speedup.toFixed(2)}× | ${f1(r.npm_min_ms)} / ${f1(r.new_min_ms)} | ${r.max_abs_diff}${r.pixels_differing ? ` (${r.pixels_differing} px)` : ''} |`);
  }
  for (const [k, b] of Object.entries(result.builds)) {
    console.log(`${k}: ${b.path} ${b.size.toLocaleString('en')} bytes, load ${b.load_ms.toFixed(0)} ms, simd ${b.simd}, parallel ${b.parallel}, modules ${b.modules}, sha256 ${b.sha256.slice(0, 16)}`);
  }
  console.log(`median of ${runs} runs (after ${warm} warm-up), node ${process.version}`);
  const out = arg('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  for (const b of Object.values(builds)) for (const m of b.ops.mats) m.delete();
}

main().catch((e) => { console.error(e); process.exit(1); }).then(() => process.exit(0));
