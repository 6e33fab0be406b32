"""The scanner's findings together: per file and in total, as text or JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .analyze import TRAPS, analyze, requirement_names
from .sources import read
from .status import COVERAGE, Knowledge


@dataclass
class Report:
    path: str
    files: int = 0
    unparsable: list[dict] = field(default_factory=list)
    imports: list[dict] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    traps: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> str:
        ok = sum(c["status"] == "bridged" for c in self.calls)
        missing = sorted({i["module"] for i in self.imports if i["status"] == "not available"})
        return (f"{ok} of {len(self.calls)} cv2/onnxruntime uses supported; "
                f"{len(missing)} import(s) not available{(': ' + ', '.join(missing)) if missing else ''}; "
                f"{len(self.traps)} wasm32 trap(s); {self.files} file(s)"
                + (f", {len(self.unparsable)} not parsable" if self.unparsable else ""))

    def as_json(self) -> str:
        return json.dumps({**asdict(self), "summary": self.summary}, indent=1)

    def as_text(self) -> str:
        out = [f"Porting readiness of {self.path}", ""]
        for u in self.unparsable:
            out.append(f"  cannot parse {u['source']}: {u['error']}")
        by_status = Counter((c["module"], c["name"], c["status"], c["why"]) for c in self.calls)
        if by_status:
            out.append("cv2 / onnxruntime uses (times used):")
            for (mod, name, status, why), n in sorted(by_status.items(), key=lambda x: (x[0][2] == "bridged", x[0][1])):
                out.append(f"  {status:<14} {mod}.{name}  x{n}" + (f"  - {why}" if why else ""))
        mods = {}
        for i in self.imports:
            mods.setdefault(i["module"], i)
        shown = [i for i in mods.values() if i["status"] not in ("stdlib", "own", "pyodide")]
        if shown:
            out.append("imports:")
            for i in sorted(shown, key=lambda i: (i["status"] != "not available", i["module"])):
                out.append(f"  {i['status']:<14} {i['module']}" + (f"  - {i['why']}" if i["why"] else ""))
        if self.traps:
            out.append("wasm32 traps:")
            for t in self.traps:
                out.append(f"  {t['source']}:{t['line']}  {t['code']}: {t['text']}  -> {TRAPS[t['code']][1]}")
        out += ["", self.summary, f"(statuses: {COVERAGE}, docs/imports.md)"]
        return "\n".join(out)


def _own_modules(sources) -> set[str]:
    """Top-level names the scanned code defines itself (its packages and modules)."""
    own = set()
    for s in sources:
        name = s.name.split("!")[-1]
        parts = Path(name).with_suffix("").parts
        own |= set(parts)
    return own


def scan(path: str | Path, files) -> Report:
    """Scan PATH. `files`: where the knowledge is (`status.CheckoutFiles` for a checkout and its built site,
    `status.KernelFiles` inside the kernel)."""
    path = Path(path)
    sources = read(path)
    know = Knowledge(files)
    rep = Report(str(path), files=len(sources))
    own = _own_modules(sources)
    for s in sources:
        if s.kind == "requirements":
            for name, line in requirement_names(s.text):
                mod = {"opencv-python": "cv2", "opencv-python-headless": "cv2", "opencv-contrib-python": "cv2",
                       "pillow": "PIL", "scikit-learn": "sklearn", "scikit-image": "skimage", "pyyaml": "yaml"}.get(
                    name.lower(), name.replace("-", "_"))
                status, why = know.import_status(mod, set())
                rep.imports.append({"source": s.name, "line": line, "module": mod, "status": status, "why": why})
            continue
        f = analyze(s.name, s.text)
        if f.error:
            rep.unparsable.append({"source": s.name, "error": f.error})
            continue
        for module, line in f.imports:
            status, why = know.import_status(module, own)
            rep.imports.append({"source": s.name, "line": line, "module": module, "status": status, "why": why})
        for u in f.uses:
            status, why = (know.cv2_status if u.module == "cv2" else know.ort_status)(u.name)
            rep.calls.append({"source": s.name, "line": u.line, "module": u.module, "name": u.name,
                              "status": status, "why": why})
        rep.traps += [{"source": s.name, "line": t.line, "code": t.code, "text": t.text} for t in f.traps]
    return rep
