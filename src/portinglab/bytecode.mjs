// Build step (Node): compile the modules a kernel start imports, with the site's own Pyodide.
//   node bytecode.mjs <pyodide dist folder> <request.json> <out.zip>
// request.json: {packages: [...], script: "<Python run in Pyodide>"}. The script leaves
// /bytecode.zip in Pyodide's file system; it is copied to <out.zip>.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [dist, requestPath, out] = process.argv.slice(2);
const request = JSON.parse(readFileSync(requestPath, "utf-8"));
const { loadPyodide } = await import(pathToFileURL(`${dist}/pyodide.mjs`).href);
const pyodide = await loadPyodide({
  indexURL: `${dist}/`,
  packages: request.packages,
  // a fixed string hash: frozenset constants are marshalled in iteration order;
  // no column tables (PEP 657): 1.2 MB less to download, library frames lose only their ^^^ markers
  env: { PYTHONHASHSEED: "0", PYTHONNODEBUGRANGES: "1" },
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
await pyodide.runPythonAsync(request.script);
writeFileSync(out, pyodide.FS.readFile("/bytecode.zip"));
