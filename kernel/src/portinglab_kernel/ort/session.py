"""onnxruntime's Python API (`InferenceSession`, `SessionOptions`, ...) over onnxruntime-web.

`run` is synchronous (JSPI: `pyodide.ffi.run_sync`), so ported code that calls it deep
inside its own functions runs unchanged; `run_async` returns an awaitable (or calls
onnxruntime's `callback(outputs, user_data, err)`). Inputs are checked here first, with
CPython onnxruntime's exception classes and messages; whatever onnxruntime-web itself
rejects is mapped from its status code to the same classes.
"""

from __future__ import annotations

import enum
import os
import time
import warnings
from collections.abc import Mapping

import numpy as np

from . import runtime
from .errors import Fail, InvalidArgument, NoSuchFile, from_js, ort_error
from .modelproto import model_metadata
from .tensors import NUMPY_TO_ORT, ONNX_TYPE, ORT_TYPES, Borrowed, from_ort, onnx_type_of, to_ort

CPU = "CPUExecutionProvider"
WEBGPU = "WebGpuExecutionProvider"
#: CPython onnxruntime 1.30's get_all_providers(): a name from here that is missing only warns
ALL_PROVIDERS = [
    "NvTensorRTRTXExecutionProvider", "TensorrtExecutionProvider", "CUDAExecutionProvider",
    "MIGraphXExecutionProvider", "OpenVINOExecutionProvider", "DnnlExecutionProvider", "VitisAIExecutionProvider",
    "QNNExecutionProvider", "NnapiExecutionProvider", "VSINPUExecutionProvider", "JsExecutionProvider",
    "CoreMLExecutionProvider", "ACLExecutionProvider", "DmlExecutionProvider", "RknpuExecutionProvider",
    "WebNNExecutionProvider", WEBGPU, "XnnpackExecutionProvider", "CANNExecutionProvider",
    "AzureExecutionProvider", CPU,
]


class GraphOptimizationLevel(enum.IntEnum):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class ExecutionOrder(enum.IntEnum):
    DEFAULT = 0
    PRIORITY_BASED = 1
    MEMORY_EFFICIENT = 2


_OPT_LEVEL = {0: "disabled", 1: "basic", 2: "extended", 3: "layout", 99: "all"}


class SessionOptions:
    """The fields real code sets; each maps to onnxruntime-web's session options."""

    def __init__(self):
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.execution_order = ExecutionOrder.DEFAULT
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self.enable_mem_reuse = True
        self.enable_profiling = False
        self.profile_file_prefix = "onnxruntime_profile_"
        self.optimized_model_filepath = ""
        self.use_deterministic_compute = False
        self.use_per_session_threads = True
        self._config: dict[str, str] = {}
        self._free_dims: dict[str, int] = {}

    def add_session_config_entry(self, key: str, value: str) -> None:
        self._config[str(key)] = str(value)

    def get_session_config_entry(self, key: str) -> str:
        if key not in self._config:
            raise RuntimeError(f"SessionOptions does not have configuration with key: {key}")
        return self._config[key]

    def add_free_dimension_override_by_name(self, name: str, value: int) -> None:
        self._free_dims[str(name)] = int(value)

    def _to_js(self, providers: list[str]):
        from pyodide.ffi import to_js
        import js

        opts = {
            "executionProviders": ["webgpu", "wasm"] if WEBGPU in providers else ["wasm"],
            "graphOptimizationLevel": _OPT_LEVEL.get(int(self.graph_optimization_level), "all"),
            "logSeverityLevel": int(self.log_severity_level),
            "logVerbosityLevel": int(self.log_verbosity_level),
            "executionMode": "parallel" if int(self.execution_mode) == 1 else "sequential",
            "enableCpuMemArena": bool(self.enable_cpu_mem_arena),
            "enableMemPattern": bool(self.enable_mem_pattern),
        }
        if self.logid:
            opts["logId"] = self.logid
        if self._free_dims:
            opts["freeDimensionOverrides"] = dict(self._free_dims)
        if self._config:
            opts["extra"] = dict(self._config)
        return to_js(opts, dict_converter=js.Object.fromEntries)


class RunOptions:
    def __init__(self):
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.terminate = False
        self.only_execute_path_to_fetches = False
        self._config: dict[str, str] = {}

    def add_run_config_entry(self, key: str, value: str) -> None:
        self._config[str(key)] = str(value)

    def get_run_config_entry(self, key: str) -> str:
        if key not in self._config:
            raise RuntimeError(f"RunOptions does not have configuration with key: {key}")
        return self._config[key]

    def _to_js(self):
        from pyodide.ffi import to_js
        import js

        opts = {"logSeverityLevel": int(self.log_severity_level), "logVerbosityLevel": int(self.log_verbosity_level),
                "terminate": bool(self.terminate)}
        if self.logid:
            opts["tag"] = self.logid
        if self._config:
            opts["extra"] = dict(self._config)
        return to_js(opts, dict_converter=js.Object.fromEntries)


class NodeArg:
    """An input or output: `name`, `type` (`tensor(float)`), `shape` (ints, symbolic names, None)."""

    def __init__(self, name: str, type_: str, shape):
        self.name, self.type, self.shape = name, type_, shape

    def __repr__(self):
        return f"NodeArg(name='{self.name}', type='{self.type}', shape={self.shape})"


class ModelMetadata:
    def __init__(self, meta: dict):
        self.producer_name = meta.get("producer_name", "")
        self.graph_name = meta.get("graph_name", "")
        self.domain = meta.get("domain", "")
        self.description = meta.get("description", "")
        self.graph_description = meta.get("graph_description", "")
        self.version = meta.get("version", (1 << 63) - 1)
        self.custom_metadata_map = dict(meta.get("custom_metadata_map", {}))


def get_available_providers() -> list[str]:
    """`CPUExecutionProvider` always; `WebGpuExecutionProvider` where the worker has a WebGPU adapter."""
    out = []
    if runtime.can_run_sync() and runtime.webgpu_adapter_available():
        out.append(WEBGPU)
    out.append(CPU)
    return out


def get_all_providers() -> list[str]:
    return list(ALL_PROVIDERS)


def get_device() -> str:
    return "CPU"


def _normalize_providers(providers, provider_options) -> list[str]:
    """CPython's rules: unknown / unavailable providers warn and are dropped; CPU is the fallback."""
    if not providers:
        return [CPU]
    available = get_available_providers()
    chosen = []
    for p in providers:
        name = p[0] if isinstance(p, (tuple, list)) else p
        if not isinstance(name, str):
            raise ValueError("Only string values for a provider name are supported.")
        if name not in available:
            warnings.warn(f"Specified provider '{name}' is not in available provider names."
                          f"Available providers: '{', '.join(available)}'", stacklevel=4)
            if name not in ALL_PROVIDERS:
                print("*************** EP Error ***************\n"
                      f"EP Error Unknown Provider Type: {name} when using {list(providers)}\n"
                      f"Falling back to ['{CPU}'] and retrying.\n****************************************")
            continue
        if name not in chosen:
            chosen.append(name)
    if CPU not in chosen:
        chosen.append(CPU)
    return chosen


def _shape(js_shape) -> list:
    out = []
    for d in js_shape or []:
        if isinstance(d, str):
            out.append(d or None)
        elif isinstance(d, (int, float)) and 0 <= d < 2**31:  # -1 may come as 2**32 - 1
            out.append(int(d))
        else:
            out.append(None)
    return out


def _node_args(meta) -> list[NodeArg]:
    args = []
    for m in meta:
        if getattr(m, "isTensor", True):
            type_ = ONNX_TYPE.get(str(m.type), f"tensor({m.type})")
            args.append(NodeArg(str(m.name), type_, _shape(m.shape.to_py() if m.shape is not None else [])))
        else:
            args.append(NodeArg(str(m.name), "seq(tensor)", None))
    return args


def _load_bytes(path_or_bytes) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), "bytes"
    if isinstance(path_or_bytes, (str, os.PathLike)):
        path = os.fspath(path_or_bytes)
        try:
            with open(path, "rb") as f:
                return f.read(), path
        except FileNotFoundError:
            raise ort_error(3, f"Load model from {path} failed:Load model {path} failed. File doesn't exist") from None
        except IsADirectoryError:
            raise ort_error(7, f"Load model from {path} failed:Protobuf parsing failed.") from None
    raise TypeError(f"Unable to load from type '{type(path_or_bytes)}'")


class InferenceSession:
    """onnxruntime.InferenceSession computed by onnxruntime-web in the kernel's worker."""

    def __init__(self, path_or_bytes, sess_options: SessionOptions | None = None, providers=None,
                 provider_options=None, **kwargs):
        self._sess = None
        self._pending = None
        self._model_path = path_or_bytes if isinstance(path_or_bytes, (str, os.PathLike)) else None
        model, source = _load_bytes(path_or_bytes)
        self._sess_options = sess_options or SessionOptions()
        self._providers = _normalize_providers(providers, provider_options)
        self._meta = model_metadata(model)
        if not model:
            raise ort_error(2, "No graph was found in the protobuf.")
        threads = int(self._sess_options.intra_op_num_threads or 0)
        if WEBGPU in self._providers:
            ort = runtime.ort_webgpu()
        else:
            ort = runtime.ort_cpu(threads)
            if threads and runtime.threads() not in (threads,) and runtime.threads() > 1:
                runtime.notice(f"onnxruntime: intra_op_num_threads={threads} ignored: onnxruntime-web's thread "
                               f"pool is shared by all sessions and already runs {runtime.threads()} threads")
        self._ort = ort
        from pyodide.ffi import create_proxy

        started = time.perf_counter()
        px = create_proxy(model)
        buf = px.getBuffer("u8")
        try:
            from ..copies import record_copy

            opts = self._sess_options._to_js(self._providers)
            if runtime.can_run_sync():
                # onnxruntime-web copies the model from this view of the Pyodide heap
                record_copy("py->ort", len(model), "InferenceSession", dtype="uint8", shape=(len(model),))
                try:
                    self._sess = runtime.call_sync(ort.InferenceSession, "create", buf.data, opts,
                                                   what="InferenceSession(...)")
                except runtime.JsError as e:
                    err = from_js(e)
                    if "protobuf parsing failed" in str(err).lower() and source != "bytes":
                        raise ort_error(7, f"Load model from {source} failed:Protobuf parsing failed.") from None
                    raise err from None
            else:
                # no JSPI: creation finishes in the background; the first
                # `await session.run_async(...)` waits for it. The view cannot outlive
                # this call, so onnxruntime-web gets a copy.
                data = buf.data.slice()
                record_copy("py->js", len(model), "InferenceSession", dtype="uint8", shape=(len(model),))
                record_copy("js->ort", len(model), "InferenceSession", dtype="uint8", shape=(len(model),))
                self._pending = runtime.call_settled(ort.InferenceSession, "create", data, opts)
        finally:
            buf.release()
            px.destroy()
        box = runtime.RUNTIME.memory_box
        if box is not None:
            box.restore()
        self.create_seconds = time.perf_counter() - started
        if self._sess is not None:
            self._set_io()

    def _set_io(self):
        self._inputs = _node_args(self._sess.inputMetadata)
        self._outputs = _node_args(self._sess.outputMetadata)
        self._input_by_name = {a.name: a for a in self._inputs}

    def _session(self):
        if self._sess is None:
            if getattr(self, "_pending", None) is None:
                raise RuntimeError("this InferenceSession was released")
            runtime.require_sync("using this session")  # raises, with the await form
        return self._sess

    # -- metadata
    def get_inputs(self) -> list[NodeArg]:
        self._session()
        return list(self._inputs)

    def get_outputs(self) -> list[NodeArg]:
        self._session()
        return list(self._outputs)

    def get_overridable_initializers(self) -> list[NodeArg]:
        return []

    def get_modelmeta(self) -> ModelMetadata:
        return ModelMetadata(self._meta)

    def get_providers(self) -> list[str]:
        return list(self._providers)

    def get_provider_options(self) -> dict:
        return {p: {} for p in self._providers}

    def get_session_options(self) -> SessionOptions:
        return self._sess_options

    def set_providers(self, providers=None, provider_options=None) -> None:
        wanted = _normalize_providers(providers, provider_options)
        if wanted != self._providers:
            raise NotImplementedError("set_providers: create a new InferenceSession with these providers")

    def disable_fallback(self) -> None: pass  # noqa: E704
    def enable_fallback(self) -> None: pass   # noqa: E704

    # -- running
    def _prepare(self, output_names, input_feed, held: Borrowed):
        sess = self._session()
        outputs = [a.name for a in self._outputs]
        if output_names is None or len(output_names) == 0:
            output_names = outputs
        else:
            output_names = list(output_names)
            for n in output_names:
                if not isinstance(n, str):
                    raise TypeError(f"run(): output names must be strings, got {type(n).__name__} {n!r}")
                if n not in outputs:
                    raise ort_error(2, f"Invalid output name:{n}")
        names = list(input_feed.keys())  # AttributeError for a non-mapping, as in CPython
        missing = [a.name for a in self._inputs if a.name not in input_feed]
        if missing:
            raise ValueError(f"Required inputs ({missing}) are missing from input feed ({names}).")
        for n in names:
            if n not in self._input_by_name:
                raise ort_error(2, f"Invalid input name: {n}")
        feeds = {}
        for n in names:
            arg = self._input_by_name[n]
            arr = self._as_array(n, input_feed[n], arg)
            got = onnx_type_of(arr)
            if got != arg.type:
                raise ort_error(2, f"Unexpected input data type. Actual: ({got}) , expected: ({arg.type})")
            if arg.shape:  # [] is a scalar or an unknown rank: onnxruntime-web checks those
                self._check_shape(n, arr.shape, arg.shape)
            type_ = "string" if got == "tensor(string)" else NUMPY_TO_ORT[arr.dtype]
            if type_ != "string" and not (arr.flags.c_contiguous and arr.flags.aligned):
                arr = np.ascontiguousarray(arr)
            feeds[n] = (arr, type_)
        return sess, output_names, feeds

    @staticmethod
    def _as_array(name, value, arg: NodeArg) -> np.ndarray:
        if value is None:
            raise ort_error(1, f"Non-zero status code returned while running the model. Missing Input: {name}")
        if isinstance(value, np.ndarray):
            return value
        if isinstance(value, (list, tuple)):
            want = {v[1]: v[0] for v in ORT_TYPES.values()}.get(arg.type, None)
            return np.asarray(value, dtype=want)
        if isinstance(value, (str, bytes, dict)):
            raise RuntimeError(f"Input must be a list of dictionaries or a single numpy array for input '{name}'.")
        raise RuntimeError(f"Unable to handle object of type {type(value)}")

    @staticmethod
    def _check_shape(name, got, want):
        if len(got) != len(want):
            raise ort_error(2, f"Invalid rank for input: {name} Got: {len(got)} Expected: {len(want)} "
                               "Please fix either the inputs/outputs or the model.")
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if isinstance(w, int) and g != w]
        if bad:
            lines = "".join(f" index: {i} Got: {g} Expected: {w}\n" for i, g, w in bad)
            raise ort_error(2, f"Got invalid dimensions for input: {name} for the following indices\n{lines}"
                               " Please fix either the inputs/outputs or the model.")

    def _js_feeds(self, feeds, held):
        import js

        obj = js.Object.new()
        for n, (arr, type_) in feeds.items():
            setattr(obj, n, to_ort(self._ort, n, arr, type_, held, "InferenceSession.run"))
        return obj

    def _collect(self, result, output_names):
        outs = []
        try:
            for n in output_names:
                t = getattr(result, n)
                outs.append(from_ort(t, "InferenceSession.run"))
        finally:
            for n in output_names:
                try:
                    getattr(result, n).dispose()
                except Exception:
                    pass
            result.destroy() if hasattr(result, "destroy") else None
        return outs

    def _start(self, output_names, input_feed, run_options):
        """Check the inputs, hand them to onnxruntime-web; returns (promise, names, held)."""
        from ..copies import ffi

        to_js = ffi("to_js")  # the run's own conversions are not the user's copies

        held = Borrowed()
        try:
            sess, names, feeds = self._prepare(output_names, input_feed, held)
            js_feeds = self._js_feeds(feeds, held)
            held.arrays = feeds  # keep the numpy memory alive while onnxruntime-web reads it
            opts = run_options._to_js() if run_options is not None else None
            fetches = to_js(names)
            args = (js_feeds, fetches, opts) if opts is not None else (js_feeds, fetches)
            promise = runtime.call_settled(sess, "run", *args)
        except BaseException:
            held.release()
            raise
        return promise, names, held

    def run(self, output_names, input_feed, run_options: RunOptions | None = None) -> list[np.ndarray]:
        """Run the model; a list of numpy arrays, in the order of `output_names`."""
        runtime.require_sync("InferenceSession.run")  # raises, with the await form
        from pyodide.ffi import run_sync

        promise, names, held = self._start(output_names, input_feed, run_options)
        try:
            try:
                result = runtime.unwrap(run_sync(promise))
            except runtime.JsError as e:
                raise from_js(e) from None
        finally:
            held.release()
        return self._collect(result, names)

    async def _run_awaitable(self, output_names, input_feed, run_options):
        if self._sess is None and getattr(self, "_pending", None) is not None:
            try:
                self._sess = runtime.unwrap(await self._pending)
            except runtime.JsError as e:
                raise from_js(e) from None
            self._pending = None
            self._set_io()
        promise, names, held = self._start(output_names, input_feed, run_options)
        try:
            try:
                result = runtime.unwrap(await promise)
            except runtime.JsError as e:
                raise from_js(e) from None
        finally:
            held.release()
        return self._collect(result, names)

    def run_async(self, output_names, input_feed, callback=None, user_data=None, run_options=None):
        """onnxruntime's `run_async(output_names, input_feed, callback, user_data)`.

        With a callback (CPython's form) the callback gets `(outputs, user_data, err)`:
        where the kernel can wait synchronously, before `run_async` returns (so code
        that then waits on an Event goes on at once); otherwise from the event loop.
        Without a callback it returns an awaitable: `await session.run_async(None, feeds)`.
        """
        if callback is None:
            return self._run_awaitable(output_names, input_feed, run_options)
        if runtime.can_run_sync():
            try:
                outs = self.run(output_names, input_feed, run_options)
            except Exception as e:  # CPython reports errors through the callback's `err`
                callback([], user_data, str(e))
                return None
            callback(outs, user_data, "")
            return None
        import asyncio

        async def go():
            try:
                outs = await self._run_awaitable(output_names, input_feed, run_options)
            except Exception as e:
                callback([], user_data, str(e))
                return
            callback(outs, user_data, "")

        asyncio.ensure_future(go())
        return None

    # -- lifetime
    def release(self) -> None:
        """Free the session in onnxruntime-web's heap now (also on `__del__` and `with`)."""
        sess, self._sess, self._pending = getattr(self, "_sess", None), None, None
        if sess is not None:
            try:
                if runtime.can_run_sync():
                    runtime.call_sync(sess, "release", what="release")
                else:
                    runtime.call_settled(sess, "release")
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        try:
            self.release()
        except Exception:
            pass


# where onnxruntime defines them, so `type(x).__module__`, reprs and code that imports them from there see the
# same names as in CPython (tests/unit: checked against the real onnxruntime)
for _cls in (SessionOptions, RunOptions, NodeArg, ModelMetadata, GraphOptimizationLevel, ExecutionMode, ExecutionOrder):
    _cls.__module__ = "onnxruntime.capi.onnxruntime_pybind11_state"
InferenceSession.__module__ = "onnxruntime.capi.onnxruntime_inference_collection"
del _cls
