"""The onnxruntime bridge's classes carry onnxruntime's own module names (CPython, against the real onnxruntime):
`type(x).__module__`, reprs and `from onnxruntime.capi.onnxruntime_pybind11_state import NodeArg` agree."""

from __future__ import annotations

import pytest

from _kernel import load, real_ort, KERNEL_SRC
from portinglab_kernel.ort import session

NAMES = ["InferenceSession", "SessionOptions", "RunOptions", "NodeArg", "ModelMetadata", "GraphOptimizationLevel",
         "ExecutionMode", "ExecutionOrder"]


@pytest.mark.parametrize("name", NAMES)
def test_each_class_has_onnxruntimes_module_and_name(name):
    ours, theirs = getattr(session, name), getattr(real_ort, name)
    assert (ours.__module__, ours.__qualname__) == (theirs.__module__, theirs.__qualname__)


def test_the_native_module_exports_the_same_classes():
    state = load("_bridge_ort_state", KERNEL_SRC / "onnxruntime/capi/onnxruntime_pybind11_state.py")
    from onnxruntime.capi import onnxruntime_pybind11_state as real_state

    for name in NAMES[1:]:
        assert hasattr(real_state, name) and getattr(state, name) is getattr(session, name), name
