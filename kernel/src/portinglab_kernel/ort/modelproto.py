"""Just enough of the ONNX protobuf wire format to read a model's metadata.

onnxruntime-web does not expose `ModelProto` fields (producer, graph name,
`metadata_props`: PP-OCR keeps its character dictionary there), so they are read
from the model bytes here. Large fields (initializers, nodes) are skipped by length.
"""

from __future__ import annotations


def _varint(buf, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf, start: int = 0, end: int | None = None):
    """Yield (field number, wire type, value) of one message; value is int or a memoryview."""
    end = len(buf) if end is None else end
    i = start
    while i < end:
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _varint(buf, i)
        elif wt == 1:
            val, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 5:
            val, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        elif wt == 2:
            n, i = _varint(buf, i)
            val, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wt}")
        if i > end:
            raise ValueError("truncated protobuf")
        yield num, wt, val


def _s(v) -> str:
    return bytes(v).decode("utf-8", "replace")


def model_metadata(data: bytes) -> dict:
    """`ModelProto` fields that `get_modelmeta()` reports; {} if the bytes do not parse."""
    buf = memoryview(data)
    meta = {"producer_name": "", "graph_name": "", "domain": "", "description": "", "graph_description": "",
            "version": (1 << 63) - 1, "custom_metadata_map": {}, "ir_version": 0, "opsets": {}}
    try:
        for num, wt, val in fields(buf):
            if num == 1 and wt == 0:
                meta["ir_version"] = val
            elif num == 2 and wt == 2:
                meta["producer_name"] = _s(val)
            elif num == 4 and wt == 2:
                meta["domain"] = _s(val)
            elif num == 5 and wt == 0:
                meta["version"] = val
            elif num == 6 and wt == 2:
                meta["description"] = _s(val)
            elif num == 7 and wt == 2:
                for gnum, gwt, gval in fields(val):
                    if gnum == 2 and gwt == 2:
                        meta["graph_name"] = _s(gval)
                    elif gnum == 10 and gwt == 2:
                        meta["graph_description"] = _s(gval)
            elif num == 8 and wt == 2:
                dom, ver = "", 0
                for onum, owt, oval in fields(val):
                    if onum == 1 and owt == 2:
                        dom = _s(oval)
                    elif onum == 2 and owt == 0:
                        ver = oval
                meta["opsets"][dom] = ver
            elif num == 14 and wt == 2:
                key = value = ""
                for pnum, pwt, pval in fields(val):
                    if pnum == 1 and pwt == 2:
                        key = _s(pval)
                    elif pnum == 2 and pwt == 2:
                        value = _s(pval)
                meta["custom_metadata_map"][key] = value
    except (ValueError, IndexError):
        return {}
    return meta
