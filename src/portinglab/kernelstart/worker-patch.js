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
self.addEventListener("message",function(ev){var o=ev&&ev.data&&ev.data.portinglabPrewarm;if(o)Fd.prewarm(o);});
function __portinglabKernel(Base){var PRELOAD=__PORTINGLAB_PRELOAD__;return class extends Base{
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
  prewarm(o){
    if(!this._plWarm){
      var self_=this,t0=performance.now();
      // seconds since the worker started, per step, for tests and benchmarks
      var stages=this._plStages={received:t0/1000};
      this._plWarm=(async function(){
        await self_.initRuntime(o);
        stages.runtime=performance.now()/1000;
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
    self.portinglabKernelStart={prewarmed:true,seconds:this._plWarmSeconds,stages:this._plStages};
    this._initializer&&this._initializer.resolve();
  }
}}
