"""The exception classes and the option / metadata classes of onnxruntime's native module, under the same names.

In CPython these come from the pybind11 extension; code written against them
(`except onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument:`) runs
unchanged. Each error carries the same `[ONNXRuntimeError] : code : NAME : msg` text.
"""

from portinglab_kernel.ort.errors import (  # noqa: F401
    DeviceReset,
    EngineError,
    EPFail,
    Fail,
    InvalidArgument,
    InvalidGraph,
    InvalidProtobuf,
    ModelLoadCanceled,
    ModelLoaded,
    ModelRequiresCompilation,
    NoModel,
    NoSuchFile,
    NotFound,
    NotImplemented,
    RuntimeException,
)
from portinglab_kernel.ort.session import (  # noqa: F401
    ExecutionMode,
    ExecutionOrder,
    GraphOptimizationLevel,
    ModelMetadata,
    NodeArg,
    RunOptions,
    SessionOptions,
)
