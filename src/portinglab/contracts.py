"""The contracts between Python and TypeScript, each defined once, and the TypeScript made from them.

Each contract is one JSON Schema file that the Python side reads at run time (importlib.resources) and
that this module turns into the extension's TypeScript (`extension/src/protocol.ts`: interfaces from the
schema's `$defs`, constants from its `x-portinglab` block) and into the bounds of the lab setting that
feeds it (`extension/schema/plugin.json`, `rowsPerCell`). `./portlab contracts` writes them, `--check`
only compares (every site build and tests/unit/test_contracts.py do). The README's "Who talks to whom"
lists every contract, these and the others.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import paths

#: name -> the one definition (the Python side reads the same file)
CONTRACTS = {
    "copies": paths.ROOT / "kernel/src/portinglab_kernel/tracer/report.schema.json",
    "export": paths.ROOT / "portable/src/portinglab_export/lab.schema.json",
}
PROTOCOL_TS = paths.ROOT / "extension/src/protocol.ts"
PLUGIN_SETTINGS = paths.ROOT / "extension/schema/plugin.json"


class ContractError(Exception):
    pass


def load(name: str) -> dict:
    return json.loads(CONTRACTS[name].read_text(encoding="utf-8"))


def interface_name(def_name: str) -> str:
    """`cell_report` -> `ICellReport`."""
    return "I" + "".join(part[:1].upper() + part[1:] for part in def_name.split("_"))


def _literal(value) -> str:
    return json.dumps(value, ensure_ascii=False).replace('"', "'") if isinstance(value, str) else json.dumps(value)


def ts_type(node: dict) -> str:
    """The TypeScript type of a (sub)schema: the JSON Schema subset the contracts use."""
    if "$ref" in node:
        return interface_name(node["$ref"].rsplit("/", 1)[-1])
    if "const" in node:
        return _literal(node["const"])
    if "enum" in node:
        return " | ".join(_literal(v) for v in node["enum"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            return " | ".join(ts_type(n) for n in node[key])
    types = node.get("type")
    if types is None:
        raise ContractError(f"no type in {node}")
    parts = []
    for t in types if isinstance(types, list) else [types]:
        if t in ("integer", "number"):
            parts.append("number")
        elif t in ("string", "boolean", "null"):
            parts.append(t)
        elif t == "array":
            item = ts_type(node["items"])
            parts.append(f"({item})[]" if " | " in item else f"{item}[]")
        elif t == "object":
            if "properties" in node:
                parts.append("{ " + " ".join(f"{line};" for line in _members(node)) + " }")
            else:
                parts.append(f"Record<string, {ts_type(node.get('additionalProperties', {'type': 'string'}))}>")
        else:
            raise ContractError(f"unsupported type {t!r}")
    return " | ".join(parts)


def _members(node: dict) -> list[str]:
    required = set(node.get("required", []))
    return [f"{name}{'' if name in required else '?'}: {ts_type(sub)}" for name, sub in node["properties"].items()]


def _doc(text: str | None, indent: str = "") -> list[str]:
    return [f"{indent}/** {text.strip()} */"] if text else []


def interface(def_name: str, node: dict) -> list[str]:
    lines = _doc(node.get("description"))
    lines.append(f"export interface {interface_name(def_name)} {{")
    required = set(node.get("required", []))
    for name, sub in node["properties"].items():
        lines += _doc(sub.get("description"), "  ")
        lines.append(f"  {name}{'' if name in required else '?'}: {ts_type(sub)};")
    lines.append("}")
    return lines


def _const(name: str, value, doc: str) -> list[str]:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return [*_doc(doc), f"export const {name} = {text} as const;"]


def _copies_constants(schema: dict) -> list[str]:
    x, defs = schema["x-portinglab"], schema["$defs"]
    rows = defs["set_rows"]["properties"]["rows"]
    direction = defs["copy"]["properties"]["direction"]
    code = defs["hint"]["properties"]["code"]
    if list(direction["x-labels"]) != direction["enum"]:
        raise ContractError("copy.direction: x-labels must name the enum's directions, in its order")
    if list(code["x-hints"]) != code["enum"]:
        raise ContractError("hint.code: x-hints must name the enum's codes, in its order")
    for c, spec in code["x-hints"].items():
        used = sorted({int(n) for n in re.findall(r"%(\d+)", spec["template"])})
        if used != list(range(1, len(spec["params"]) + 1)):
            raise ContractError(f"hint {c}: its template uses %{used}, it has {len(spec['params'])} params")
    state = defs["state_message"]["properties"]
    return [
        *_const("COPIES_SCHEMA_ID", state["schema"]["const"], "The copies messages' `schema` field."),
        *_const("COPIES_SCHEMA_VERSION", state["version"]["const"], "Their `version`: the lab drops other versions."),
        *_const("COMM_TARGET", x["comm_target"], "The comm target the tracer opens."),
        *_const("TRACER_BOOTSTRAP", {k: x["bootstrap"][k] for k in ("module", "function")},
                x["bootstrap"]["description"]),
        *_const("DEFAULT_ROWS", rows["default"], "Copies a cell lists one by one, by default (setting rowsPerCell)."),
        *_const("ROWS_LIMIT", rows["maximum"], "... and at most."),
        *_const("LESSON_NOTEBOOK", x["lesson_notebook"],
                "The teaching notebook that explains the hints (content/en/ and content/zh/)."),
        *_const("DIRECTION_LABELS", direction["x-labels"],
                "Each direction's words in the panel (English msgids, translated with the extension's locale)."),
        *_const("HINTS", code["x-hints"], "Each hint code: its params (template order), English template (the "
                "msgid), doc anchor, and the heading of the teaching notebook's section per language."),
        *_const("PARITY_SIGNS", defs["parity_verdict"]["properties"]["status"]["x-signs"],
                "A cell's parity verdict as its badge shows it (docs/parity.md)."),
    ]


def _export_constants(schema: dict) -> list[str]:
    x = schema["x-portinglab"]
    return [
        *_const("EXPORT_MARKER", x["marker"], "Printed by the kernel right before the export's result (one JSON line)."),
        *_const("EXPORT_ENTRY", {k: x["entry"][k] for k in ("module", "function")}, x["entry"]["description"]),
    ]


def protocol_ts() -> str:
    out = ["// GENERATED by `./portlab contracts` from the contracts' one definition each; do not edit:",
           "// change the schema and regenerate (src/portinglab/contracts.py)."]
    for name, constants in (("copies", _copies_constants), ("export", _export_constants)):
        schema = load(name)
        out += ["", f"// ---- {name}: {CONTRACTS[name].relative_to(paths.ROOT)} ({schema['$id']})", ""]
        out += constants(schema)
        for def_name, node in schema["$defs"].items():
            out.append("")
            out += interface(def_name, node)
    return "\n".join(out) + "\n"


def plugin_settings() -> str:
    """The lab's settings schema with rowsPerCell's bounds and default from the copies contract."""
    settings = json.loads(PLUGIN_SETTINGS.read_text(encoding="utf-8"))
    rows = load("copies")["$defs"]["set_rows"]["properties"]["rows"]
    setting = settings["properties"]["rowsPerCell"]
    setting.update(minimum=rows["minimum"], maximum=rows["maximum"], default=rows["default"])
    return json.dumps(settings, ensure_ascii=False, indent=2) + "\n"


def outputs() -> dict[Path, str]:
    return {PROTOCOL_TS: protocol_ts(), PLUGIN_SETTINGS: plugin_settings()}


def generate(check: bool = False) -> list[Path]:
    """Write the generated files (or, with `check`, raise ContractError naming those that differ)."""
    stale = [path for path, text in outputs().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if check and stale:
        names = ", ".join(str(p.relative_to(paths.ROOT)) if p.is_relative_to(paths.ROOT) else str(p) for p in stale)
        raise ContractError(f"{names} differ from the contracts: run `./portlab contracts` (then extension/build.sh)")
    if not check:
        for path in stale:
            path.write_text(outputs()[path], encoding="utf-8")
    return stale
