// The JavaScript half of the cv2 bridge. Evaluated once per kernel, called with
// opencv.js's Module (`cv`) and Pyodide's Module (`py`); returns the helper object
// the Python half calls. Each helper is one Python->JS crossing doing a whole step,
// so a bridged call costs a handful of crossings, not dozens.
//
// Memory: every Mat/MatVector a call creates goes into `arena`; the Python half
// calls release() in a `finally`, so nothing outlives the call, also on errors.
// Copies: the only bulk copies are HEAPU8.set() between the two wasm heaps (one per
// input, one per output). While someone collects copies the Python half sets a flag, and
// each copy is counted here (count, bytes, milliseconds): the copies tracer reads the totals
// once per cell, and the Python half itemizes a copy only while the tracer wants it (with
// the time measured here), so a call whose copies are only counted costs Python nothing.
// The flags and counts live in float64s in the Pyodide heap at byte `countsAt` (a
// `portinglab_kernel.copies.Counter`): both sides read and write them with no call across.
// `slots`: their names in order, from the one definition (tracer/report.schema.json, counter_slots).
(function (cv, py, countsAt, wire, slots) {
  "use strict";
  const arena = [];
  const track = (o) => { arena.push(o); return o; };

  // slots of the Counter (py.HEAPF64 is re-read each time: it is replaced when the heap grows)
  const slot = (name) => {
    const i = slots.indexOf(name);
    if (i < 0) throw new Error(`bridge.js: the counter has no slot ${name}`);
    return (countsAt >> 3) + i;
  };
  const ON = slot("on"), DETAIL = slot("detail"), COUNT = slot("count"), BYTES = slot("bytes"), MS = slot("ms"),
    UNTIMED = slot("untimed"), LAST = slot("last"), TIMED_FROM = slot("timed_from");
  // Each copy is timed while the Python half itemizes copies (DETAIL); past a cell's itemized
  // rows only copies of at least TIMED_FROM bytes are (a smaller one takes less than the
  // page's 0.1 ms clock step, and two clock reads cost more than it): the others are counted,
  // bytes and all, as UNTIMED.
  // -> a start time, or -1: not timed
  function begin(nbytes) {
    const f = py.HEAPF64;
    return f[ON] && (f[DETAIL] || nbytes >= f[TIMED_FROM]) ? performance.now() : -1;
  }
  // one copy of `nbytes` took `ms` (-1: not timed; several set() calls may make one copy): -> ms
  function count(ms, nbytes) {
    const f = py.HEAPF64;
    if (!f[ON] || !nbytes) return 0;
    f[COUNT]++; f[BYTES] += nbytes;
    if (ms < 0) { f[UNTIMED]++; return 0; }
    f[MS] += ms; f[LAST] = ms;
    return ms;
  }
  const done = (t0, nbytes) => count(t0 < 0 ? -1 : performance.now() - t0, nbytes);

  // opencv.js throws a bare number (a pointer to a cv::Exception) for C++ errors
  // and embind errors for bad JS arguments: turn both into an Error whose message
  // is OpenCV's own text, tagged so the Python half knows which kind it is.
  //
  // The error is *returned* as a tagged string, not thrown: a JS exception thrown
  // into Python is sometimes reported by Pyodide 0.27 as "SystemError: error return
  // without exception set" (after JSPI suspensions in the kernel), losing the
  // message. A string return is always delivered.
  //
  // opencv.js catches no C++ exception (OpenCV's build default), so a throw leaves the wasm
  // stack pointer where the throw was: every error leaked its frames, and a few thousand errors
  // overflowed the stack into static data (the 1,365th broke our SIMD build, the 14,891st the npm
  // one). Every call into opencv.js starts from this bridge with nothing of opencv.js's on the
  // stack, so after an error the pointer goes back to where it was when the bridge was made.
  const stackTop = typeof cv.stackSave === "function" ? cv.stackSave() : null;
  function errorText(e) {
    if (stackTop !== null) cv.stackRestore(stackTop);
    if (typeof e === "number") {
      let msg;
      try { msg = cv.exceptionFromPtr(e).msg; } catch (_) { msg = `unknown OpenCV exception (pointer ${e})`; }
      return "@@cv@@" + msg;
    }
    if (e && typeof e === "object" && e.name && /BindingError|TypeError|RangeError/.test(e.name)) {
      return "@@bind@@" + e.message;
    }
    return "@@js@@" + String(e && e.stack || e);
  }

  // Fused single-input, single-output calls: one crossing to run (copy in, call,
  // describe the result), one to copy the result out and release everything.
  // `a` holds the call's plain-number arguments, already checked by Python.
  const UNARY = {
    resize: (s, d, a) => cv.resize(s, d, new cv.Size(a[0], a[1]), a[2], a[3], a[4]),
    cvtColor: (s, d, a) => cv.cvtColor(s, d, a[0], a[1]),
    GaussianBlur: (s, d, a) => cv.GaussianBlur(s, d, new cv.Size(a[0], a[1]), a[2], a[3], a[4]),
    medianBlur: (s, d, a) => cv.medianBlur(s, d, a[0]),
    Canny: (s, d, a) => cv.Canny(s, d, a[0], a[1], a[2], !!a[3]),
    flip: (s, d, a) => cv.flip(s, d, a[0]),
    rotate: (s, d, a) => cv.rotate(s, d, a[0]),
    equalizeHist: (s, d, a) => cv.equalizeHist(s, d),
    threshold: (s, d, a) => cv.threshold(s, d, a[0], a[1], a[2]),
  };
  let pending = null;
  const describe = (m, ms, ret) => m.empty() ? `0,0,${m.type()},0,${ms},${ret}`
    : `${m.rows},${m.cols},${m.type()},${m.total() * m.elemSize()},${ms},${ret}`;

  const H = {
    cv,
    // -> "rows,cols,type,nbytes,ms,retval" of the result (kept pending; ms: the input's copy),
    // or a tagged error
    unary(name, ptr, nbytes, rows, cols, type, ...a) {
      try {
        const src = H.matIn(ptr, nbytes, rows, cols, type, false);
        const ms = nbytes ? py.HEAPF64[LAST] : 0;
        const dst = track(new cv.Mat());
        const ret = UNARY[name](src, dst, a);
        pending = dst;
        return describe(dst, ms, ret === undefined ? "" : ret);
      } catch (e) {
        H.release();
        return errorText(e);
      }
    },
    // copy the pending result to ptr (Pyodide heap) and release the call's Mats; -> ms
    finish(ptr, nbytes) {
      try {
        if (nbytes) {
          const off = pending.data.byteOffset, t0 = begin(nbytes);
          py.HEAPU8.set(cv.HEAPU8.subarray(off, off + nbytes), ptr);
          return done(t0, nbytes);
        }
        return 0;
      } finally {
        pending = null;
        H.release();
      }
    },
    // findContours fused: -> "n,totalPoints,hierarchyRows,hierarchyCols" (vector and hierarchy pending)
    contours(ptr, nbytes, rows, cols, type, mode, method, ox, oy) {
      try {
        const src = H.matIn(ptr, nbytes, rows, cols, type, false);
        const v = track(new cv.MatVector()), h = track(new cv.Mat());
        cv.findContours(src, v, h, mode, method, new cv.Point(ox, oy));
        let total = 0;
        const n = v.size(), rowsOf = new Int32Array(n), offsetOf = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const c = v.get(i);
          rowsOf[i] = c.rows; offsetOf[i] = c.rows ? c.data.byteOffset : 0; total += c.rows;
          c.delete();  // the header only: the data stays with v until release()
        }
        pending = [v, h, rowsOf, offsetOf];
        return `${n},${total},${h.empty() ? 0 : h.rows},${h.empty() ? 0 : h.cols}`;
      } catch (e) {
        H.release();
        return errorText(e);
      }
    },
    // points of every contour back to back (int32 x,y) at ptr, counts at countsPtr, hierarchy at
    // hierPtr; -> "ms of the points' copy,ms of the hierarchy's"
    finishContours(ptr, countsPtr, hierPtr, hierBytes) {
      try {
        const [v, h, rowsOf, offsetOf] = pending;
        py.HEAP32.set(rowsOf, countsPtr >> 2);
        let total = 0;
        for (let i = 0; i < rowsOf.length; i++) total += rowsOf[i] * 8;
        let off = ptr, t0 = begin(total);
        for (let i = 0; i < rowsOf.length; i++) {
          const nb = rowsOf[i] * 8;
          if (nb) py.HEAPU8.set(cv.HEAPU8.subarray(offsetOf[i], offsetOf[i] + nb), off);
          off += nb;
        }
        const ms = done(t0, off - ptr);
        let msHier = 0;
        if (hierBytes) {
          t0 = begin(hierBytes);
          py.HEAPU8.set(cv.HEAPU8.subarray(h.data.byteOffset, h.data.byteOffset + hierBytes), hierPtr);
          msHier = done(t0, hierBytes);
        }
        return `${ms},${msHier}`;
      } finally {
        pending = null;
        H.release();
      }
    },
    // numpy (Pyodide heap, at ptr) -> new Mat: one copy, straight between the heaps
    matIn(ptr, nbytes, rows, cols, type, owned) {
      let m;
      try { m = new cv.Mat(rows, cols, type); } catch (e) { throw new Error(errorText(e)); }  // e.g. out of memory
      if (!owned) arena.push(m);
      if (nbytes) {
        const t0 = begin(nbytes);
        cv.HEAPU8.set(py.HEAPU8.subarray(ptr, ptr + nbytes), m.data.byteOffset);
        done(t0, nbytes);
      }
      return m;
    },
    empty() { return track(new cv.Mat()); },
    // [rows, cols, type, nbytes] of a Mat (continuous, as results are)
    meta(m) {
      if (m.empty()) return [0, 0, m.type(), 0];
      return [m.rows, m.cols, m.type(), m.total() * m.elemSize()];
    },
    // Mat -> numpy buffer at ptr (Pyodide heap): one copy; -> ms
    matOut(m, ptr, nbytes) {
      if (!nbytes) return 0;
      if (!m.isContinuous()) throw new Error("result Mat is not continuous");
      const off = m.data.byteOffset, t0 = begin(nbytes);
      py.HEAPU8.set(cv.HEAPU8.subarray(off, off + nbytes), ptr);
      return done(t0, nbytes);
    },
    // every Mat of a vector, back to back, into one buffer at ptr: one copy; -> ms
    vectorOut(v, ptr) {
      let off = ptr, ms = 0;
      const timed = begin(Infinity) >= 0;  // sizes unknown before the loop: timed while counting
      for (let i = 0, n = v.size(); i < n; i++) {
        const m = v.get(i);
        try {
          const nb = m.total() * m.elemSize();
          if (nb) {
            const t0 = timed ? performance.now() : 0;
            py.HEAPU8.set(cv.HEAPU8.subarray(m.data.byteOffset, m.data.byteOffset + nb), off);
            if (timed) ms += performance.now() - t0;
          }
          off += nb;
        } finally { m.delete(); }
      }
      return count(timed ? ms : -1, off - ptr);
    },
    // run cv[name](...args), with opencv.js's errors made readable
    call(name, ...args) {
      try { return cv[name](...args); } catch (e) { return errorText(e); }
    },
    // boxPoints (hand-written): opencv.js takes a RotatedRect and returns a plain array of points
    flatPoints(pts) { const out = []; for (const p of pts) out.push(p.x, p.y); return out; },
    rr(cx, cy, w, h, angle) { return {center: {x: cx, y: cy}, size: {width: w, height: h}, angle}; },
    release() {
      let n = 0;
      while (arena.length) {
        const o = arena.pop();
        try { if (!o.isDeleted()) { o.delete(); n++; } } catch (_) { /* already gone */ }
      }
      return n;
    },
    // a file of the kernel's file system, copied to the same path in opencv.js's (files.py); -> ms
    mirrorFile(path, ptr, nbytes) {
      const t0 = begin(nbytes);
      cv.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")) || "/");
      cv.FS.writeFile(path, py.HEAPU8.subarray(ptr, ptr + nbytes));
      return done(t0, nbytes);
    },
    live() { return arena.length; },
    heapBytes() { return cv.HEAPU8.length; },
  };

  // ---------------------------------------------------------------- the generic call (wire.json)
  // invoke(name, k, retStruct, ...flat): decode k arguments (each: its kind's index, then its fields),
  // call cv[name], describe the results into the result area (a float64 array of the Pyodide heap the
  // Python half owns: header, then one item per result). Mats to copy out stay pending until
  // collect(); with none, everything is released before invoke returns.
  const ARG_KINDS = Object.keys(wire.args), RES = {}, STRUCTS = Object.keys(wire.structs), STATUS = wire.status;
  Object.keys(wire.results).forEach((k, i) => { RES[k] = i; });
  const HEADER = wire.result.header.length;  // status, items, needed, held, copies
  const STRUCT_PATHS = STRUCTS.map((n) => wire.structs[n].fields.map((p) => p.split(".")));
  let areaAt = 0, areaSlots = 0, result = null, copyMs = [], strings = [], objects = [], message = "";
  const timedIn = () => { if (py.HEAPF64[DETAIL]) copyMs.push(py.HEAPF64[LAST]); };
  function matArg(f, i) { const m = H.matIn(f[i], f[i + 1], f[i + 2], f[i + 3], f[i + 4], false); if (f[i + 1]) timedIn(); return m; }
  const vecOf = (type, width, make) => (f, i) => {
    const v = track(new cv[type]()), n = f[i++];
    for (let j = 0; j < n; j++, i += width) v.push_back(make(f, i));
    return [v, i];
  };
  const outVec = (type, struct) => () => { const v = track(new cv[type]()); result.outs.push(["vec", v, struct]); return [v, -1]; };
  const DECODE = {
    none: (f, i) => [track(new cv.Mat()), i],
    mat: (f, i) => [matArg(f, i), i + 5],
    out: (f, i) => { const m = track(new cv.Mat()); result.outs.push(["mat", m]); return [m, i]; },
    io: (f, i) => { const m = matArg(f, i); result.outs.push(["mat", m]); return [m, i + 5]; },
    num: (f, i) => [f[i], i + 1],
    bool: (f, i) => [!!f[i], i + 1],
    enum: (f, i) => [{ value: f[i] }, i + 1],
    str: (f, i) => [String(f[i]), i + 1],
    size: (f, i) => [{ width: f[i], height: f[i + 1] }, i + 2],
    point: (f, i) => [{ x: f[i], y: f[i + 1] }, i + 2],
    point2f: (f, i) => [{ x: f[i], y: f[i + 1] }, i + 2],
    scalar: (f, i) => [[f[i], f[i + 1], f[i + 2], f[i + 3]], i + 4],
    rect: (f, i) => [{ x: f[i], y: f[i + 1], width: f[i + 2], height: f[i + 3] }, i + 4],
    rrect: (f, i) => [{ center: { x: f[i], y: f[i + 1] }, size: { width: f[i + 2], height: f[i + 3] }, angle: f[i + 4] }, i + 5],
    term: (f, i) => [{ type: f[i], maxCount: f[i + 1], epsilon: f[i + 2] }, i + 3],
    mats: (f, i) => {
      const v = track(new cv.MatVector()), n = f[i++];
      for (let j = 0; j < n; j++, i += 5) v.push_back(matArg(f, i));
      return [v, i];
    },
    array: (f, i) => { const n = f[i]; return [f.slice(i + 1, i + 1 + n), i + 1 + n]; },
    intvec: vecOf("IntVector", 1, (f, i) => f[i]),
    floatvec: vecOf("FloatVector", 1, (f, i) => f[i]),
    doublevec: vecOf("DoubleVector", 1, (f, i) => f[i]),
    pointvec: vecOf("PointVector", 2, (f, i) => ({ x: f[i], y: f[i + 1] })),
    point2fvec: vecOf("Point2fVector", 2, (f, i) => ({ x: f[i], y: f[i + 1] })),
    rectvec: vecOf("RectVector", 4, (f, i) => ({ x: f[i], y: f[i + 1], width: f[i + 2], height: f[i + 3] })),
    strvec: vecOf("StringVector", 1, (f, i) => String(f[i])),
    obj: (f, i) => [f[i], i + 1],
    out_mats: () => { const v = track(new cv.MatVector()); result.outs.push(["mats", v]); return [v, -1]; },
    out_intvec: outVec("IntVector", -1),
    out_floatvec: outVec("FloatVector", -1),
    out_doublevec: outVec("DoubleVector", -1),
    out_rectvec: outVec("RectVector", STRUCTS.indexOf("Rect")),
    out_pointvec: outVec("PointVector", STRUCTS.indexOf("Point")),
    out_point2fvec: outVec("Point2fVector", STRUCTS.indexOf("Point2f")),
    out_strvec: outVec("StringVector", -2),
    keypointvec: vecOf("KeyPointVector", 7, (f, i) => ({ pt: { x: f[i], y: f[i + 1] }, size: f[i + 2], angle: f[i + 3],
      response: f[i + 4], octave: f[i + 5], class_id: f[i + 6] })),
    dmatchvec: vecOf("DMatchVector", 4, (f, i) => ({ queryIdx: f[i], trainIdx: f[i + 1], imgIdx: f[i + 2], distance: f[i + 3] })),
    out_keypointvec: outVec("KeyPointVector", STRUCTS.indexOf("KeyPoint")),
    out_dmatchvec: outVec("DMatchVector", STRUCTS.indexOf("DMatch")),
    out_dmatchvecvec: outVec("DMatchVectorVector", STRUCTS.indexOf("DMatch")),
  };
  const DECODERS = ARG_KINDS.map((k) => DECODE[k]);

  function decode(k, flat) {
    const args = [];
    let i = 0;
    for (let a = 0; a < k; a++) {
      const [v, next] = DECODERS[flat[i]](flat, i + 1);
      args.push(v);
      i = next < 0 ? i + 1 : next;
    }
    return args;
  }
  // one result value -> items (numbers) pushed to `out`
  function putStruct(out, v, s) {
    out.push(RES.struct, s);
    for (const path of STRUCT_PATHS[s]) { let x = v; for (const p of path) x = x[p]; out.push(+x); }
  }
  function describeValue(out, v, struct) {
    if (v === undefined || v === null) { out.push(RES.none); return; }
    if (typeof v === "number" || typeof v === "boolean") { out.push(RES.num, +v); return; }
    if (typeof v === "string") { out.push(RES.str, strings.length); strings.push(v); return; }
    if (v instanceof cv.Mat) {
      track(v);
      result.pending.push(v);
      if (v.empty()) out.push(RES.mat, 0, 0, v.type(), 0);
      else if (v.rows < 0) { const dims = v.matSize; out.push(RES.matnd, v.type(), v.total() * v.elemSize(), dims.length, ...dims); }
      else out.push(RES.mat, v.rows, v.cols, v.type(), v.total() * v.elemSize());
      return;
    }
    if (v instanceof cv.MatVector) {
      track(v);
      result.pending.push(v);
      const n = v.size();
      out.push(RES.mats, n);
      for (let j = 0; j < n; j++) {
        const m = v.get(j);
        out.push(m.rows, m.cols, m.type(), m.total() * m.elemSize());
        m.delete();
      }
      return;
    }
    if (typeof v.size === "function" && typeof v.get === "function") {  // IntVector, RectVector, ...
      const n = v.size();
      if (struct === -2) {
        out.push(RES.strs, n);
        for (let j = 0; j < n; j++) { out.push(strings.length); strings.push(v.get(j)); }
      } else if (struct >= 0 && n && typeof v.get(0).size === "function") {  // a vector of vectors
        out.push(RES.structvecs, struct, n);
        for (let j = 0; j < n; j++) {
          const inner = v.get(j), m = inner.size();
          out.push(m);
          for (let q = 0; q < m; q++) {
            const e = inner.get(q);
            for (const path of STRUCT_PATHS[struct]) { let x = e; for (const p of path) x = x[p]; out.push(+x); }
          }
          inner.delete();
        }
      } else if (struct >= 0) {
        out.push(RES.structs, struct, n);
        for (let j = 0; j < n; j++) {
          const e = v.get(j);
          for (const path of STRUCT_PATHS[struct]) { let x = e; for (const p of path) x = x[p]; out.push(+x); }
        }
      } else {
        out.push(RES.nums, n);
        for (let j = 0; j < n; j++) out.push(+v.get(j));
      }
      return;
    }
    if (struct >= 0) { putStruct(out, v, struct); return; }
    if (typeof v.value === "number" && typeof v.delete !== "function") { out.push(RES.num, v.value); return; }  // an embind enum
    if (typeof v.delete === "function") { out.push(RES.obj, objects.length); objects.push(v); return; }
    throw new Error("opencv.js returned a value the bridge cannot describe: " + String(v));
  }
  // header: status, number of items, slots needed, Mats held for collect(), number of input copies timed
  function writeArea(items, count, status) {
    const f = py.HEAPF64, base = areaAt >> 3;
    const needed = HEADER + items.length + copyMs.length;
    f[base] = status; f[base + 1] = count; f[base + 2] = needed;
    f[base + 3] = result && (result.pending.length || strings.length || objects.length) ? 1 : 0;
    f[base + 4] = copyMs.length;
    if (needed > areaSlots) { f[base] = STATUS.grow; return; }
    f.set(items, base + HEADER);
    f.set(copyMs, base + HEADER + items.length);
  }
  function describeResults() {
    const items = [];
    describeValue(items, result.ret, result.retStruct);
    for (const [kind, v, struct] of result.outs) describeValue(items, v, kind === "vec" ? struct : -1);
    result.items = items;
    result.count = 1 + result.outs.length;
    if (!result.pending.length && !strings.length && !objects.length) { H.release(); }
    writeArea(items, result.count, STATUS.ok);
  }
  Object.assign(H, {
    // where the result area is: byte address in the Pyodide heap, size in float64 slots
    resultArea(ptr, slots) { areaAt = ptr; areaSlots = slots; if (result && result.items) writeArea(result.items, result.count, STATUS.ok); },
    invoke(name, k, retStruct, ...flat) {
      result = { ret: undefined, retStruct, outs: [], pending: [], items: null };
      copyMs = []; strings = []; objects = [];
      try {
        const args = decode(k, flat);
        if (name.startsWith("new:")) result.ret = new cv[name.slice(4)](...args);  // a constructor (or a factory)
        else if (name.indexOf(".") < 0) result.ret = cv[name](...args);
        else result.ret = H.method(name, args);  // "Class.method": args[0] is the object
        describeResults();
      } catch (e) {
        const text = errorText(e);
        message = text.slice(text.indexOf("@@", 2) + 2);
        const kind = text.startsWith("@@cv@@") ? STATUS.cv : text.startsWith("@@bind@@") ? STATUS.bind : STATUS.js;
        result = null; copyMs = [];
        H.release();
        writeArea([], 0, kind);
      }
    },
    // a method call: name "Class.method", args[0] the object
    method(name, args) { const m = name.slice(name.indexOf(".") + 1); return args[0][m](...args.slice(1)); },
    message() { return message; },
    strings() { return strings; },
    objects() { const o = objects; objects = []; return o; },
    // copy the pending Mats (in the order described) to the given addresses, release; ms of each at area[0..]
    collect(...ptrs) {
      try {
        const f = py.HEAPF64, base = areaAt >> 3;
        result.pending.forEach((v, j) => {
          if (v instanceof cv.MatVector) { f[base + j] = H.vectorOut(v, ptrs[j]); return; }
          f[base + j] = v.empty() ? 0 : H.matOut(v, ptrs[j], v.total() * v.elemSize());
        });
      } finally {
        result = null; strings = [];
        H.release();
      }
    },
  });
  return H;
})
