// Porting Lab: appended by the site build (src/portinglab/kernelstart/__init__.py) to the end of
// jupyterlite-pyodide-kernel 0.6.1's comlink worker module, where `Fd=new ms;$t(Fd)` was; `ms` is that
// worker's kernel class (PyodideComlinkKernel), `$t` comlink's expose. Not run on its own.
//
// The page (kernel-prewarm.js) creates this worker as it opens and posts {portinglabPrewarm: options}:
// the worker then loads Pyodide and the preloaded packages and imports the kernel (the ~5 s of CPU a
// start costs) while JupyterLab starts. The first kernel the page creates takes the worker, and its
// `initialize` only does what depends on that kernel (the drive, its folder, piplite's settings).
// A prewarm that failed falls back to the normal start in the same worker.
Fd=new(__portinglabKernel(ms));$t(Fd);
self.addEventListener("message",function(ev){var d=ev&&ev.data;if(d&&d.portinglabPrewarm)Fd.prewarm(d.portinglabPrewarm);
  // a worker of its own that only makes the kernel's snapshot (kernel-prewarm.js asks, once per site version)
  if(d&&d.portinglabSnapshotMake)__portinglabMakeSnapshot(d.portinglabSnapshotMake);});
// a function declaration: hoisted, so the line above may call it (the anchor sits inside a `var` list)
function __portinglabPreloadConfig(){return __PORTINGLAB_PRELOAD__;}
function __portinglabMakeSnapshot(o){var PRELOAD=__portinglabPreloadConfig();
  (async function(){if(!PRELOAD||!PRELOAD.snapshot)throw new Error("no kernel snapshot in this build");
    importScripts(new URL("../portinglab/preload.js",o.pyodideUrl).href,new URL("../portinglab/snapshot.js",o.pyodideUrl).href);
    return self.portinglabSnapshot.make(o,PRELOAD,self.portinglabPreload);})()
  .then(function(r){postMessage({portinglabSnapshotMade:r});},
        function(err){console.warn("Porting Lab: no kernel snapshot made:",err);postMessage({portinglabSnapshotMade:{error:String(err&&err.message||err)}});});}
function __portinglabKernel(Base){var PRELOAD=__portinglabPreloadConfig();return class extends Base{
  // Pyodide as the stock initRuntime loads it, but the pure-Python part of the preload comes from one image
  // (kernelstart/preload.py) fetched while Pyodide starts, instead of ~20 wheels unpacked by Python. Any
  // failure loads those packages the stock way; a changed package list or no DecompressionStream skips it.
  async initRuntime(e){
    var want=(e.loadPyodideOptions||{}).packages||[];
    if(!PRELOAD||typeof DecompressionStream==="undefined"||JSON.stringify(want)!==JSON.stringify(PRELOAD.requested)){
      self.portinglabPreloadStatus={image:false,reason:PRELOAD?"not applicable":"no image in this build"};
      return super.initRuntime(e);
    }
    var t0=performance.now(),pre=null,image=null,fetched=null,s=function(t){return t===null?null:(t-t0)/1000;};
    try{importScripts(new URL("../portinglab/preload.js",e.pyodideUrl).href);pre=self.portinglabPreload;
      image=pre.fetchImage(new URL(PRELOAD.image,e.pyodideUrl).href,PRELOAD.integrity);
      // handled where it is awaited; here only timed (and no unhandled rejection while Pyodide starts)
      image.then(function(){fetched=performance.now();},function(){});}
    catch(err){pre=null;}
    if(!pre){self.portinglabPreloadStatus={image:false,reason:"preload.js did not load"};return super.initRuntime(e);}
    if(PRELOAD.snapshot&&e.portinglabSnapshotExpected===false){
      self.portinglabSnapshotStatus={restored:false,reason:"no snapshot stored"};}
    else if(PRELOAD.snapshot&&await this._plRestore(e,pre,image,t0))return;
    var o=Object.assign({},e.loadPyodideOptions,{packages:PRELOAD.loadPackages});
    await super.initRuntime(Object.assign({},e,{loadPyodideOptions:o}));
    var pyodideReady=performance.now();
    try{
      var done=await pre.install(this._pyodide,await image);
      // seconds from the start of initRuntime: image fetched, Pyodide (and its compiled packages) ready, image written
      self.portinglabPreloadStatus={image:true,files:done.files,packages:done.packages,fetched:s(fetched),
        pyodide:s(pyodideReady),installed:s(performance.now())};
    }catch(err){
      console.warn("Porting Lab: the preload image failed, loading its packages the stock way:",err);
      self.portinglabPreloadStatus={image:false,reason:String(err)};
      await this._pyodide.loadPackage(PRELOAD.packages);
    }
  }
  // The kernel's memory snapshot (snapshot.js), if this browser stored one for this build of the site: Pyodide starts
  // from it with piplite and pyodide_kernel imported; the side modules and the image are loaded again (a heap
  // snapshot holds neither) and snapshot_state.py's resume() puts the real modules back. Returns false (and removes
  // the snapshot when it failed) for the stock start to run.
  async _plRestore(e,pre,image,t0){
    var S=null,url=new URL(PRELOAD.snapshot.url,e.pyodideUrl).href,bytes=null,holder={};
    var at={},s=function(t){return (t-t0)/1000;};
    try{importScripts(new URL("../portinglab/snapshot.js",e.pyodideUrl).href);S=self.portinglabSnapshot;bytes=await S.lookup(url);at.read=s(performance.now());}
    catch(err){self.portinglabSnapshotStatus={restored:false,reason:String(err)};return false;}
    if(!bytes){self.portinglabSnapshotStatus={restored:false,reason:"no snapshot stored",looked:s(performance.now())};return false;}
    try{
      var o=Object.assign({},e.loadPyodideOptions,{packages:[],_loadSnapshot:bytes,_snapshotDeserializer:S.deserializer(holder)});
      await super.initRuntime(Object.assign({},e,{loadPyodideOptions:o}));
      holder.py=this._pyodide;bytes=null;
      var restored=performance.now();at.restored=s(restored);
      await this._pyodide.loadPackage(PRELOAD.loadPackages,{messageCallback:function(){}});at.sideModules=s(performance.now());
      var done=await pre.install(this._pyodide,await image);at.image=s(performance.now());
      var rebound=S.resume(this._pyodide,PRELOAD.snapshot);at.resumed=s(performance.now());
      self.portinglabPreloadStatus={image:true,files:done.files,packages:done.packages,pyodide:s(restored),installed:at.image};
      // seconds from the start of initRuntime: snapshot read, Pyodide restored, side modules, image written, resumed
      self.portinglabSnapshotStatus={restored:true,rebound:rebound,at:at};
      return true;
    }catch(err){
      console.warn("Porting Lab: the kernel's snapshot failed, starting the stock way:",err);
      self.portinglabSnapshotStatus={restored:false,reason:String(err),failed:true};
      this._pyodide=null;
      try{await S.discard(url);}catch(e2){}
      return false;
    }
  }
  prewarm(o){
    if(!this._plWarm){
      var self_=this,t0=performance.now();
      // seconds since the worker started, per step, for tests and benchmarks
      var stages=this._plStages={received:t0/1000};
      this._plWarm=(async function(){
        await self_.initRuntime(o);
        stages.runtime=performance.now()/1000;
        postMessage({portinglabSnapshotStatus:self.portinglabSnapshotStatus||{restored:false,reason:"no snapshot in this build"}});
        // what the stock start imports before the kernel exists (initPackageManager, initKernel)
        await self_._pyodide.runPythonAsync("import piplite.piplite");
        stages.piplite=performance.now()/1000;
        await self_._pyodide.runPythonAsync("import pyodide_kernel");
        stages.kernel=performance.now()/1000;
        self_._plWarmSeconds=(performance.now()-t0)/1000;
      })();
      this._plWarm.catch(function(){});
    }
    return this._plWarm;
  }
  async initialize(e){
    if(!this._plWarm)return super.initialize(e);
    try{await this._plWarm;}catch(err){
      console.warn("Porting Lab: the kernel's early start failed, starting normally:",err);
      this._plWarm=null;this._pyodide=null;
      self.portinglabKernelStart={prewarmed:false,error:String(err)};
      return super.initialize(e);
    }
    // the rest of the stock initialize(), in its order, for what the prewarm did not do
    this._options=e;
    if(e.location.includes(":")){var p=e.location.split(":");this._driveName=p[0];this._localPath=p[1];}
    else{this._driveName="";this._localPath=e.location;}
    await this.initFilesystem(e);
    var lines=["import piplite.piplite",
      "piplite.piplite._PIPLITE_DISABLE_PYPI = "+(e.disablePyPIFallback?"True":"False"),
      "piplite.piplite._PIPLITE_URLS = "+JSON.stringify(e.pipliteUrls)];
    if(e.mountDrive&&this._localPath)lines.push("import os","os.chdir("+JSON.stringify(this._localPath)+")");
    await this._pyodide.runPythonAsync(lines.join("\n"));
    await this.initGlobals(e);
    // what a test or benchmark reads from a cell (`js.portinglabKernelStart`), not the kernel's namespace
    this._plStages.initialized=performance.now()/1000;
    self.portinglabKernelStart={prewarmed:true,seconds:this._plWarmSeconds,stages:this._plStages,
      snapshot:self.portinglabSnapshotStatus||null};
    this._initializer&&this._initializer.resolve();
  }
}}
