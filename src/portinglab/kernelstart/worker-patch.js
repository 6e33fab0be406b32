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
function __portinglabKernel(Base){return class extends Base{
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
