"""The Python<->TypeScript contracts (src/portinglab/contracts.py), in CPython: each is one file both sides
use; the TypeScript made from it is up to date; the kernel's constants and texts come from it; every text
the lab shows from it has its Chinese translation; the hints' lessons exist in both teaching notebooks."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

import _kernel  # noqa: F401 - kernel/src importable after the real cv2 / onnxruntime
from _kernel import ROOT
from portinglab import contracts
from portinglab_kernel import copies, tracer

COPIES = contracts.load("copies")
EXPORT = contracts.load("export")
HINTS = COPIES["$defs"]["hint"]["properties"]["code"]["x-hints"]
LABELS = COPIES["$defs"]["copy"]["properties"]["direction"]["x-labels"]
LOCALE = ROOT / "extension/portinglab_copies/locale/zh_CN/LC_MESSAGES/portinglab_copies.json"


def validator(def_name: str) -> jsonschema.Draft202012Validator:
    """A validator of one of the copies contract's definitions."""
    schema = {k: v for k, v in COPIES.items() if k != "oneOf"}
    return jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{def_name}"})


def test_the_generated_typescript_and_settings_are_up_to_date():
    assert contracts.generate(check=True) == []


def test_check_names_a_generated_file_that_differs(tmp_path, monkeypatch):
    stale = tmp_path / "protocol.ts"
    stale.write_text("// edited by hand\n")
    monkeypatch.setattr(contracts, "PROTOCOL_TS", stale)
    with pytest.raises(contracts.ContractError, match="protocol.ts differ"):
        contracts.generate(check=True)


@pytest.mark.parametrize("name", sorted(contracts.CONTRACTS))
def test_each_contract_is_a_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(contracts.load(name))


def test_the_kernel_reads_its_constants_from_the_contract():
    rows = COPIES["$defs"]["set_rows"]["properties"]["rows"]
    x = COPIES["x-portinglab"]
    assert (tracer.DEFAULT_ROWS, tracer.ROWS_LIMIT) == (rows["default"], rows["maximum"])
    assert tracer.TRACER.rows == rows["default"]
    assert (tracer.COMM_TARGET, tracer.LARGE_TO_JS, tracer.LOOP_REPEATS) == (
        x["comm_target"], x["large_to_js_bytes"], x["loop_repeats"])
    assert copies.DIRECTIONS == set(LABELS)
    assert copies.COUNTER_SLOTS == tuple(x["counter_slots"]) and copies.TIMED_FROM_BYTES == x["timed_from_bytes"]
    assert [copies.COUNTER_SLOTS[i] for i in (copies.Counter.ON, copies.Counter.LAST)] == ["on", "last"]
    assert f"{x['bootstrap']['module']}.{x['bootstrap']['function']}" == "portinglab_kernel.tracer.bootstrap"
    assert callable(tracer.bootstrap)
    from portinglab_export import lab

    assert lab.MARKER == EXPORT["x-portinglab"]["marker"] and callable(getattr(lab, EXPORT["x-portinglab"]["entry"]["function"]))


def test_a_hint_carries_code_params_and_its_english_text_and_validates():
    hints = validator("hint")
    made = [tracer.hint("to_js-large-buffer", 4), tracer.hint("conversion-in-loop", 3, api="to_py", count=12, line=3),
            tracer.hint("proxies-alive", None, alive=2)]
    for h in made:
        hints.validate(h)
    assert made[1]["message"] == ("to_py ran 12 times on line 3: convert once outside the loop, or assign_to() into "
                                  "one preallocated buffer.")
    assert made[2]["message"].startswith("2 PyProxy object(s) created") and made[2]["doc"].endswith("#proxies")
    assert made[1]["params"] == {"api": "to_py", "count": 12, "line": 3}
    with pytest.raises(KeyError):
        tracer.hint("proxies-alive", None)  # its parameter is missing


def test_a_cells_report_is_made_in_cpython_and_validates():
    """The tracer's report of a cell (no browser: the copies come through `copies.record`)."""
    cell = tracer._Cell(7, "msg-1", max_rows=2)
    copies.add_sink(cell.sink)
    try:
        for n in range(5):
            copies.record("py->opencv", 100 + n, "cv2.resize", "uint8", (10, 10), 0)
    finally:
        copies.remove_sink(cell.sink)
    report = tracer._report(cell, copies.read_counters())
    validator("cell_report").validate(report)
    assert (report["execution_count"], len(report["copies"]), report["omitted"]) == (7, 2, 3)
    assert report["totals"]["count"] == 5 and report["totals"]["bytes"] == sum(range(100, 105))


def test_a_wrong_rows_value_is_refused():
    t = tracer.Tracer()
    for bad in (-1, tracer.ROWS_LIMIT + 1, True, "3", 2.0):
        with pytest.raises(ValueError, match=f"0 to {tracer.ROWS_LIMIT}"):
            t.set_rows(bad)
    t.set_rows(0)
    assert t.rows == 0


def test_the_typescript_knows_every_direction_and_hint():
    ts = (ROOT / "extension/src/protocol.ts").read_text(encoding="utf-8")
    for text in [*LABELS, *LABELS.values(), *HINTS, *(h["template"] for h in HINTS.values())]:
        assert json.dumps(text, ensure_ascii=False) in ts, text


def _extension_msgids() -> dict[str, str]:
    """Every msgid the extension translates: its literal trans.__ / trans._n calls, and the texts it
    translates from the protocol (direction labels, hint templates)."""
    messages = {}
    for f in sorted((ROOT / "extension/src").glob("*.ts")):
        src = f.read_text(encoding="utf-8")
        for kind, msgid in re.findall(r"trans\.(__|_n)\(\s*'((?:[^'\\]|\\.)*)'", src):
            messages[msgid.replace("\\'", "'")] = kind
        variable = re.findall(r"trans\.(?:__|_n)\(\s*([^'\s][^,)]*)", src)
        # a non-literal msgid only where it comes from the protocol (the rest must be extractable)
        assert set(variable) <= ({"label", "spec.template"} if f.name == "types.ts" else set()), (f.name, variable)
    for text in [*LABELS.values(), *(h["template"] for h in HINTS.values())]:
        messages[text] = "__"
    return messages


def test_every_extension_string_has_a_zh_cn_translation():
    """Each message of extension/src (and of the protocol it shows) has a Chinese translation with the same
    placeholders (a string added or reworded in English only fails here)."""
    messages = _extension_msgids()
    catalog = json.loads(LOCALE.read_text(encoding="utf-8"))
    assert catalog[""]["domain"] == "portinglab_copies" and catalog[""]["language"] == "zh-CN"
    assert len(messages) > 50
    for msgid, kind in messages.items():
        assert msgid in catalog, f"no zh_CN translation for {msgid!r}"
        # a plural needs as many forms as the English (JupyterLab ignores a 1-form plural)
        assert len(catalog[msgid]) == (2 if kind == "_n" else 1), msgid
        for text in catalog[msgid]:
            assert sorted(re.findall(r"%\d", text)) == sorted(set(re.findall(r"%\d", msgid))) or kind == "_n", msgid
    assert not set(catalog) - set(messages) - {""}, "translations of strings no longer used"


def test_each_hint_links_to_a_section_of_the_teaching_notebook():
    """Every hint code's lesson is a heading of the lesson notebook, in English and in Chinese."""
    notebook = COPIES["x-portinglab"]["lesson_notebook"]
    for lang in ("en", "zh"):
        nb = json.loads((ROOT / f"content/{lang}/{notebook}").read_text(encoding="utf-8"))
        anchors = {line.lstrip("#").strip().replace(" ", "-")
                   for c in nb["cells"] if c["cell_type"] == "markdown"
                   for line in "".join(c["source"]).splitlines() if line.startswith("#")}
        missing = [h["lesson"][lang] for h in HINTS.values() if h["lesson"][lang] not in anchors]
        assert not missing, (lang, missing)


def test_the_docs_have_each_hints_anchor():
    doc = (ROOT / COPIES["x-portinglab"]["doc"]).read_text(encoding="utf-8")
    anchors = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip()).lower().replace(" ", "-")
               for line in doc.splitlines() if line.startswith("#")}
    missing = [h["anchor"] for h in HINTS.values() if h["anchor"] not in anchors and f'id="{h["anchor"]}"' not in doc]
    assert not missing, missing
