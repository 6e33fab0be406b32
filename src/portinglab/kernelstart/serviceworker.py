"""JupyterLite's service worker, with its offline cache out of the way while the server answers.

The site turns JupyterLite's service worker cache on (`enableServiceWorkerCache`: after a visit the lab and its
kernel work with the server gone). jupyterlite-core 0.6.4's `service-worker.js` does that cache-first: every
file of every visit is answered from Cache Storage by the worker, refetched and written into the cache again.
Measured in Chromium with a persistent profile (issue 17): a response handed over by a service worker gets no V8
code cache, so every visit compiled Pyodide's 10 MB of wasm again (4.5-4.9 s of CPU on the compile threads, 0.5 s
of lazy compilation in the kernel's worker) and parsed JupyterLab's scripts again; without the worker in the
path the second visit took 0.95 s and 0.1 s, and reached an idle kernel 1.7-1.9 s sooner.

The patched worker (verified by sha256 before it is touched) keeps the offline cache and gets out of the way:

* a page load (a navigation) goes to the network first; if the server answers, the worker remembers it for
  `ONLINE_MS` and the page's and kernel's requests are not answered by the worker at all (no `respondWith`:
  the browser's HTTP cache and code cache serve them). Each is copied into the offline cache in the background
  with a low-priority fetch, written only when it changed (ETag, or Last-Modified and length), so a visit that
  changed nothing writes nothing;
* if the server did not answer the navigation (or the worker restarted and lost what it knew), requests go
  network-first with the cache as fallback: the lab and its kernel start with the server gone, as before;
* the drive and stdin requests, the heartbeat, and a site without `enableCache` are the stock code;
* `enableCache` is read when the worker starts, not only on activation: the stock worker, stopped by the browser
  and started again, had its cache off and no offline fallback.
"""

from __future__ import annotations

from pathlib import Path

FILE = "service-worker.js"
#: jupyterlite-core 0.6.4's service worker (requirements.lock pins the package by hash)
STOCK_SHA256 = "04c589404da6460117751131c3ea8786d26be313776ef5be4bd53d4e6cdda772"
#: how long a navigation that reached the server vouches for it
ONLINE_MS = 10 * 60 * 1000
FETCH_ANCHOR = "shouldDrop(t,a)||(n=maybeFromCache(e))"
FETCH_PATCH = "shouldDrop(t,a)||(n=plFetch(e))"
CODE = f"""
/* Porting Lab (src/portinglab/kernelstart/serviceworker.py): the offline cache out of the way while the server
   answers, so the browser's HTTP and code caches serve the lab and Pyodide */
let plOnlineAt=0;const PL_ONLINE_MS={ONLINE_MS};
function plFetch(e){{const t=e.request;if(!enableCache)return maybeFromCache(e);
if(t.mode==="navigate")return plNetworkFirst(e,!0);
if(Date.now()-plOnlineAt<PL_ONLINE_MS){{e.waitUntil(plRefresh(t));return null}}
return plNetworkFirst(e,!1)}}
async function plNetworkFirst(e,nav){{const t=e.request;let r;
try{{r=await fetch(t)}}catch(err){{if(nav)plOnlineAt=0;const c=await fromCache(t);if(c)return c;throw err}}
if(nav)plOnlineAt=Date.now();r.ok&&e.waitUntil(plKeep(t,r.clone()));return r}}
async function plRefresh(t){{try{{const r=await fetch(t,{{priority:"low"}});if(r.ok)await plKeep(t,r)}}catch(err){{}}}}
function plSameVersion(a,b){{const x=a.headers,y=b.headers;
if(x.get("etag")||y.get("etag"))return x.get("etag")===y.get("etag");
return!!x.get("last-modified")&&x.get("last-modified")===y.get("last-modified")&&x.get("content-length")===y.get("content-length")}}
async function plKeep(t,r){{const c=await fromCache(t);if(c&&plSameVersion(r,c)){{r.body&&r.body.cancel();return}}await updateCache(t,r)}}
/* the stock worker reads enableCache on activation only: a worker the browser stopped and started again (a
   laptop that slept) had its cache off, and no offline fallback */
enableCache=new URL(location.href).searchParams.get("enableCache")==="true";
"""
MARK = "/* Porting Lab: patched by src/portinglab/kernelstart/serviceworker.py */\n"


class ServiceWorkerError(RuntimeError):
    pass


def patched(stock: str) -> str:
    from . import replace_once

    return MARK + replace_once(stock, FETCH_ANCHOR, FETCH_PATCH, FILE) + CODE


def patch_site(site: Path) -> None:
    from . import read_verified

    stock = read_verified(site / FILE, STOCK_SHA256, "jupyterlite-core 0.6.4's service worker", ServiceWorkerError)
    (site / FILE).write_text(patched(stock), encoding="utf-8")


def check_site(site: Path) -> None:
    path = site / FILE
    if path.exists() and not path.read_text(encoding="utf-8").startswith(MARK):
        raise ServiceWorkerError(f"{path} is JupyterLite's stock service worker: rebuild the site")
