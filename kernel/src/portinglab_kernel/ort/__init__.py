"""onnxruntime's Python API over the vendored onnxruntime-web (see docs/onnxruntime.md)."""

from .errors import ort_error
from .runtime import heap_sizes, notices, threads
from .session import (
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

__all__ = [
    "ExecutionMode", "ExecutionOrder", "GraphOptimizationLevel", "InferenceSession", "ModelMetadata", "NodeArg",
    "RunOptions", "SessionOptions", "get_all_providers", "get_available_providers", "get_device", "heap_sizes",
    "notices", "ort_error", "threads",
]
