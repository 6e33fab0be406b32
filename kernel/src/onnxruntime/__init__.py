"""`import onnxruntime` in Porting Lab's kernel: onnxruntime's Python API, computed by
the site's vendored onnxruntime-web (wasm; WebGPU where available). See docs/onnxruntime.md.
"""

from portinglab_kernel.ort import (  # noqa: F401
    ExecutionMode,
    ExecutionOrder,
    GraphOptimizationLevel,
    InferenceSession,
    ModelMetadata,
    NodeArg,
    RunOptions,
    SessionOptions,
    get_all_providers,
    get_available_providers,
    get_device,
)

from .capi import onnxruntime_pybind11_state  # noqa: F401

__version__ = "1.30.0"  # the onnxruntime-web release computing it
version = __version__


def get_version_string() -> str:
    return __version__


def get_build_info() -> str:
    return f"onnxruntime-web {__version__} (wasm) via Porting Lab"


def set_default_logger_severity(level: int) -> None:
    from portinglab_kernel.ort.runtime import RUNTIME

    RUNTIME.set_log_severity(level)
