// port-sw.js: the optional service worker of a library export (`loadPort({ serviceWorker: true })`). It keeps
// the export's files in Cache Storage — port.js, its worker, the module, the data files and, for a
// self-contained export, Pyodide, the packages and the bridges (port.json's `assets`) — so the app works
// offline after its first visit. Cache-first for everything in its scope except port.json (network first: a
// new export is seen when online). One cache per export version (`portlab-port-<version>`); older ones go.
"use strict";
const scope = self.registration.scope;
const PREFIX = "portlab-port-";
const version = new URL(self.location.href).searchParams.get("v") || "0";
const current = PREFIX + version;

self.addEventListener("install", (event) => event.waitUntil((async () => {
  const config = await (await fetch(new URL("port.json", scope), { cache: "no-cache" })).json();
  const files = ["port.js", "port-worker.js", "port_runtime.py", "port.json", "example.html", config.script,
    ...config.files, ...(config.assets || [])];
  const cache = await caches.open(current);
  await cache.addAll([...new Set(files)].map((f) => new URL(f.split("/").map(encodeURIComponent).join("/"), scope).href));
  await self.skipWaiting();
})()));

self.addEventListener("activate", (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== current) await caches.delete(name);
  await self.clients.claim();
})()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(scope)) return;
  const configFirst = new URL(request.url).pathname.endsWith("/port.json");
  event.respondWith((async () => {
    const cache = await caches.open(current);
    if (configFirst) {
      try {
        const fresh = await fetch(request);
        if (fresh.ok) await cache.put(request, fresh.clone());
        return fresh;
      } catch (e) {
        const kept = await cache.match(request, { ignoreSearch: true });
        if (kept) return kept;
        throw e;
      }
    }
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  })());
});
