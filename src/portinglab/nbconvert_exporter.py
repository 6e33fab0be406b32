"""`jupyter nbconvert --to ported-script`: the same conversion as `portlab export`.

Registered as the entry point `nbconvert.exporters: ported-script` (pyproject.toml at the
repository root); without installing it, name the class:
`jupyter nbconvert --to portinglab.nbconvert_exporter.PortedScriptExporter nb.ipynb`.
Writes `<name>.py` and, beside it, the standalone page (index.html, loader, worker, config).
"""

from __future__ import annotations

import json

from nbconvert.exporters import Exporter
from traitlets import Unicode

from portinglab_export import page
from portinglab_export.bundle import DEFAULT_BASE_URL
from portinglab_export.script import notebook_to_script


class PortedScriptExporter(Exporter):
    export_from_notebook = "Ported script"
    output_mimetype = "text/x-python"
    base_url = Unicode(DEFAULT_BASE_URL, help="Porting Lab site the page loads Pyodide and the bridges from").tag(config=True)

    def _file_extension_default(self):
        return ".py"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        stem = (resources.get("metadata") or {}).get("name") or "notebook"
        script = notebook_to_script(json.loads(json.dumps(nb_copy)), stem)
        for w in script.warnings:
            self.log.warning("ported-script: %s", w)
        name = resources.get("output_files_dir_name") and stem or stem
        config = {"script": f"{name}.py", "worker": page.WORKER, "base_url": self.base_url, "files": [],
                  "packages": [], "async_main": script.async_main, "notebook": f"{stem}.ipynb"}
        outputs = resources.setdefault("outputs", {})
        outputs["index.html"] = page.index_html(f"{name}.py").encode()
        outputs[page.LOADER] = page.LOADER_JS.encode()
        outputs[page.WORKER] = page.WORKER_JS.encode()
        outputs[page.CONFIG] = (json.dumps(config, indent=1) + "\n").encode()
        return script.source, resources
