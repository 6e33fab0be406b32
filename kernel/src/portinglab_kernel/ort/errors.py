"""onnxruntime's error classes and the mapping from onnxruntime-web's error text.

onnxruntime-web reports native failures as `... ERROR_CODE: n, ERROR_MESSAGE: msg`;
`n` is onnxruntime's own status code, so each maps to the class CPython raises.
"""

from __future__ import annotations

import re


class Fail(Exception): pass                      # noqa: E701
class InvalidArgument(Exception): pass           # noqa: E701
class NoSuchFile(Exception): pass                # noqa: E701
class NoModel(Exception): pass                   # noqa: E701
class EngineError(Exception): pass               # noqa: E701
class RuntimeException(Exception): pass          # noqa: E701
class InvalidProtobuf(Exception): pass           # noqa: E701
class ModelLoaded(Exception): pass               # noqa: E701
class NotImplemented(Exception): pass            # noqa: E701,A001
class InvalidGraph(Exception): pass              # noqa: E701
class EPFail(Exception): pass                    # noqa: E701
class ModelLoadCanceled(Exception): pass         # noqa: E701
class ModelRequiresCompilation(Exception): pass  # noqa: E701
class NotFound(Exception): pass                  # noqa: E701
class DeviceReset(Exception): pass               # noqa: E701


for _cls in (Fail, InvalidArgument, NoSuchFile, NoModel, EngineError, RuntimeException, InvalidProtobuf,
             ModelLoaded, NotImplemented, InvalidGraph, EPFail, ModelLoadCanceled, ModelRequiresCompilation,
             NotFound, DeviceReset):
    _cls.__module__ = "onnxruntime.capi.onnxruntime_pybind11_state"

#: onnxruntime's OrtErrorCode -> (NAME, class)
CODES = {
    1: ("FAIL", Fail),
    2: ("INVALID_ARGUMENT", InvalidArgument),
    3: ("NO_SUCHFILE", NoSuchFile),
    4: ("NO_MODEL", NoModel),
    5: ("ENGINE_ERROR", EngineError),
    6: ("RUNTIME_EXCEPTION", RuntimeException),
    7: ("INVALID_PROTOBUF", InvalidProtobuf),
    8: ("MODEL_LOADED", ModelLoaded),
    9: ("NOT_IMPLEMENTED", NotImplemented),
    10: ("INVALID_GRAPH", InvalidGraph),
    11: ("EP_FAIL", EPFail),
    12: ("MODEL_LOAD_CANCELED", ModelLoadCanceled),
    13: ("MODEL_REQUIRES_COMPILATION", ModelRequiresCompilation),
    14: ("NOT_FOUND", NotFound),
}


def ort_error(code: int, message: str) -> Exception:
    """The exception CPython's onnxruntime raises for status `code`, same text."""
    name, cls = CODES.get(code, ("FAIL", Fail))
    return cls(f"[ONNXRuntimeError] : {code} : {name} : {message}")


_CODE_RE = re.compile(r"ERROR_CODE:\s*(\d+),\s*ERROR_MESSAGE:\s*(.*)", re.S)


def from_js(exc: BaseException, default_code: int = 1) -> Exception:
    """Turn an onnxruntime-web JS error into onnxruntime's exception class."""
    text = str(exc)
    # pyodide's JsException str is "Error: <message>"
    text = re.sub(r"^(Error|TypeError|RangeError):\s*", "", text.strip())
    m = _CODE_RE.search(text)
    if m:
        return ort_error(int(m.group(1)), m.group(2).strip())
    return ort_error(default_code, text)
