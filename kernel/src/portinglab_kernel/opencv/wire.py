"""wire.json, the contract with bridge.js, as the Python half uses it (codes, result area)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

WIRE_TEXT = resources.files(__package__).joinpath("wire.json").read_text(encoding="utf-8")
WIRE = json.loads(WIRE_TEXT)
ARG = {k: i for i, k in enumerate(WIRE["args"])}  # kind -> the code that starts its fields
RES = {k: i for i, k in enumerate(WIRE["results"])}
RES_NAMES = list(WIRE["results"])
STRUCTS = list(WIRE["structs"])
STRUCT = {k: i for i, k in enumerate(STRUCTS)}
STRUCT_WIDTH = [len(WIRE["structs"][k]["fields"]) for k in STRUCTS]
STATUS = WIRE["status"]
HEADER = len(WIRE["result"]["header"])
FIELDS = {k: len(v["fields"]) for k, v in WIRE["results"].items()}
EACH = {k: len(v.get("each", ())) for k, v in WIRE["results"].items()}
COUNT_AT = {k: v["fields"].index("count") for k, v in WIRE["results"].items() if "count" in v["fields"]}


class ResultArea:
    """A float64 array of the Pyodide heap that bridge.js writes a call's results into (no proxies)."""

    def __init__(self, H, slots: int = WIRE["result"]["slots"]):
        self.H = H
        self.grow(slots)

    def grow(self, slots: int) -> None:
        self.buf = np.zeros(slots, np.float64)
        self.H.resultArea(self.buf.__array_interface__["data"][0], slots)
