// Porting Lab: writes the kernel's preload image (src/portinglab/kernelstart/preload.py) into Pyodide's file
// system. Copied by the site build to static/portinglab/preload.js; loaded with importScripts by the kernel's
// worker (worker-patch.js) and by the tests, which compare its result with Pyodide's own loadPackage.
// Classic-worker script: defines self.portinglabPreload, nothing else.
self.portinglabPreload = (function () {
  "use strict";
  var FORMAT = 1;

  // The image's bytes, checked by the browser against the build's sha256 (subresource integrity works on
  // plain-http LAN hosts too, where crypto.subtle does not exist).
  async function fetchImage(url, integrity) {
    var response = await fetch(url, { integrity: integrity, credentials: "same-origin" });
    if (!response.ok) throw new Error("preload image " + url + ": HTTP " + response.status);
    return new Uint8Array(await response.arrayBuffer());
  }

  async function gunzip(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // Writes every file of the image under its site-packages, then marks its packages as loaded the way
  // loadPackage does, so a later loadPackage or piplite install sees them. Returns {files, bytes, packages}.
  async function install(pyodide, packed) {
    var body = await gunzip(packed);
    var length = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
    var header = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + length)));
    if (header.format !== FORMAT) throw new Error("preload image format " + header.format + ", expected " + FORMAT);
    var FS = pyodide.FS, root = header.sitePackages + "/", offset = 4 + length, files = 0;
    for (var i = 0; i < header.files.length; i++) {
      // relative to site-packages, or absolute (a wheel's data files, under sys.prefix)
      var path = header.files[i][0].charAt(0) === "/" ? header.files[i][0] : root + header.files[i][0];
      var size = header.files[i][1];
      if (size < 0) {
        FS.mkdirTree(path);
        continue;
      }
      FS.writeFile(path, body.subarray(offset, offset + size));
      offset += size;
      files += 1;
    }
    if (offset !== body.length) throw new Error("preload image: " + (body.length - offset) + " bytes unaccounted for");
    for (var j = 0; j < header.packages.length; j++) pyodide.loadedPackages[header.packages[j]] = header.channel;
    pyodide.runPython("import importlib\nimportlib.invalidate_caches()");
    return { files: files, bytes: body.length, packages: header.packages.length };
  }

  return { fetchImage: fetchImage, install: install };
})();
