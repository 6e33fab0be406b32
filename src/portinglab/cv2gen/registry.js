// What opencv.js really exports, read from its embind registry under Node (run by registry.py).
//
// Usage: node registry.js <opencv.js> -> JSON on stdout:
//   {functions: {name: [[ret, arg...], ...]}, classes: {name: {constructors: [[arg...]],
//    methods: {name: [[ret, arg...]]}, static: {name: [[ret, arg...]]}}}, constants: {name: number}}
// Argument types are embind's registered type names (Mat, Size, IntVector, ...), in C++ order.
// The file is loaded with one change made in memory: embind's craftInvokerFunction, through
// which every function, overload, method and constructor is made, records what it makes.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const file = process.argv[2];
const HOOK = "function craftInvokerFunction(humanName,argTypes,classType,cppInvokerFunc,cppTargetFunc){";
let src = fs.readFileSync(file, "utf8");
if (!src.includes(HOOK)) throw new Error("embind's craftInvokerFunction not found: not an embind build?");
const made = [];
globalThis.__embindMade = made;
src = src.replace(HOOK, HOOK + "globalThis.__embindMade.push([humanName,argTypes.map(t=>t?t.name:null),!!classType]);");
// constructors are made without craftInvokerFunction: recorded where their argument types resolve
const CTOR = "function(argTypes){classType.registeredClass.constructor_body[argCount-1]=function constructor_body(){";
if (src.includes(CTOR)) {
  src = src.replace(CTOR, "function(argTypes){globalThis.__embindMade.push([humanName,[null,null,...argTypes.slice(1).map(t=>t?t.name:null)],true]);"
    + CTOR.slice("function(argTypes){".length));
}

// a build whose wasm is a file beside it (the site's own builds): handed over as bytes, since Emscripten
// 3.1.6's glue would fetch() a relative path under Node
const named = /wasmBinaryFile="([^"]+\.wasm)"/.exec(src);
if (named) globalThis.Module = { wasmBinary: fs.readFileSync(path.join(path.dirname(file), named[1])) };

const module_ = { exports: {} };
vm.runInThisContext(`(function (module, exports, require, __filename, __dirname) {${src}\n})`, { filename: file })(
  module_, module_.exports, require, file, path.dirname(file));
let cv = module_.exports;

function report(cv) {
  const functions = {}, classes = {}, constants = {};
  const cls = (n) => classes[n] || (classes[n] = { constructors: [], methods: {}, static: {} });
  const add = (table, name, sig) => {
    const list = table[name] || (table[name] = []);
    if (!list.some((s) => JSON.stringify(s) === JSON.stringify(sig))) list.push(sig);
  };
  for (const [human, types, isMethod] of made) {
    if (human.startsWith("constructor ")) {
      const c = cls(human.slice(12));
      const args = types.slice(2);
      if (!c.constructors.some((s) => JSON.stringify(s) === JSON.stringify(args))) c.constructors.push(args);
      continue;
    }
    const dot = human.indexOf(".");
    const sig = [types[0], ...types.slice(2)];  // drop `this` (null for free and static functions)
    if (dot < 0) add(functions, human, sig);
    else add(isMethod ? cls(human.slice(0, dot)).methods : cls(human.slice(0, dot)).static, human.slice(dot + 1), sig);
  }
  for (const k of Object.keys(cv).sort()) {
    const v = cv[k];
    if (typeof v === "number" && Number.isInteger(v) && !k.startsWith("HEAP") && !k.startsWith("_")) constants[k] = v;
  }
  // a name registered but never made (lazy types): still listed, with no signature
  for (const k of Object.keys(cv)) {
    const v = cv[k];
    if (typeof v === "function" && (v.overloadTable || v.argCount !== undefined) && !(k in functions) && !(k in classes)) {
      functions[k] = [];
    }
  }
  const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  for (const c of Object.values(classes)) { c.methods = sorted(c.methods); c.static = sorted(c.static); }
  process.stdout.write(JSON.stringify({
    functions: sorted(functions), classes: sorted(classes), constants: sorted(constants),
  }, null, 0));
}

if (typeof cv === "function") cv = cv();
if (cv && cv.Mat) report(cv);
else if (cv && typeof cv.then === "function") cv.then((c) => { delete c.then; report(c); });
else cv.onRuntimeInitialized = () => report(cv);
