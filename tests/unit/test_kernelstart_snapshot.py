"""The kernel's memory snapshot (issue 17): snapshot_state.py in CPython, snapshot.js in Node, the build's key.

snapshot_state.py runs inside Pyodide, but imports nothing of Porting Lab's, so it runs here as it is (each case
in a fresh interpreter: it edits sys.modules). Proves: deferred modules stand in for sqlite3/ssl while the kernel
is imported, a class looked at in an isinstance()/except clause is a placeholder nothing matches, any other name
stops the snapshot, a placeholder kept by a module stops it too; resume() rebinds the real modules everywhere they
were bound, leaves sys.modules clean, renews the random generator and removes the duplicate "" Pyodide puts in
sys.path. snapshot.js: its checksum sees one changed byte; its serializer names Pyodide's API objects and refuses
anything else; its deserializer resolves them when used (functions keep `this`, objects forward). The snapshot's
key changes with everything a stored snapshot depends on, and the worker and the page name the same one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portinglab import kernelstart
from portinglab.kernelstart import snapshot_config

HERE = Path(kernelstart.__file__).resolve().parent


def run_python(tmp_path: Path, modules: dict[str, str], code: str) -> dict:
    """`code` in a fresh CPython with snapshot_state importable and `modules` on sys.path; its last line prints JSON."""
    for name, text in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    script = f"import sys; sys.path[:0] = [{str(HERE)!r}, {str(tmp_path)!r}]\nimport snapshot_state as s\n"
    done = subprocess.run([sys.executable, "-c", script + textwrap.dedent(code)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


CONSUMER = """
    import sqlite3
    import ssl

    def is_connection(x):
        return isinstance(x, (int, sqlite3.Connection))

    AT_IMPORT = is_connection(1)
    try:
        raise ValueError
    except (sqlite3.DatabaseError, ValueError):
        pass
"""


def test_the_kernel_imports_with_deferred_modules_and_resume_rebinds_the_real_ones(tmp_path):
    got = run_python(tmp_path, {"consumer": CONSUMER}, """
        import json, random
        s.defer()
        import consumer
        deferred_then = type(consumer.sqlite3).__name__
        bound = s.check()
        sys.path[:0] = ["", ""]
        random.seed(1); first = random.random(); random.seed(1)
        rebound = s.resume()
        import sqlite3
        print(json.dumps({"then": deferred_then, "bound": bound, "rebound": rebound,
                          "real": consumer.sqlite3 is sqlite3 and consumer.ssl is sys.modules["ssl"],
                          "works": consumer.sqlite3.connect(":memory:").execute("select 2").fetchone()[0],
                          "left": [n for n, m in sys.modules.items() if type(m).__name__ == "Deferred"],
                          "unimported": "_sqlite3" in sys.modules, "empties": sys.path.count(""),
                          "same_random": random.random() == first, "at_import": consumer.AT_IMPORT}))
    """)
    assert got["then"] == "Deferred" and got["at_import"] is True
    assert got["bound"] == ["sqlite3", "ssl"] and got["rebound"] == ["sqlite3", "ssl"]
    assert got["real"] is True and got["works"] == 2 and got["left"] == []
    assert got["empties"] == 1 and got["same_random"] is False


@pytest.mark.parametrize("module, message", [
    ("from sqlite3 import Connection\n", "sqlite3.Connection was kept"),
    ("import sqlite3\nERRORS = (sqlite3.Error, OSError)\n", "sqlite3.Error was kept"),
])
def test_a_placeholder_kept_by_a_module_refuses_the_snapshot(tmp_path, module, message):
    got = run_python(tmp_path, {"keeper": module}, """
        import json
        s.defer()
        import keeper
        try:
            s.check()
            print(json.dumps({"refused": None}))
        except s.SnapshotError as e:
            print(json.dumps({"refused": str(e)}))
    """)
    assert got["refused"] and message in got["refused"]


def test_a_function_of_a_deferred_module_used_while_importing_stops_the_import(tmp_path):
    got = run_python(tmp_path, {"user": "import sqlite3\nDB = sqlite3.connect(':memory:')\n"}, """
        import json
        s.defer()
        try:
            import user
            print(json.dumps({"error": None}))
        except AttributeError as e:
            print(json.dumps({"error": str(e)}))
    """)
    assert "sqlite3.connect: sqlite3 is deferred" in got["error"]


def test_a_module_imported_before_cannot_be_deferred(tmp_path):
    got = run_python(tmp_path, {}, """
        import json, sqlite3
        try:
            s.defer()
            print(json.dumps({"error": None}))
        except s.SnapshotError as e:
            print(json.dumps({"error": str(e)}))
    """)
    assert got["error"] == "sqlite3 is already imported: it cannot be deferred"


JS_CHECKS = r"""
global.self = global;
require(process.argv[2]);
const S = self.portinglabSnapshot, out = {};
const bytes = new Uint8Array(4099).map((_, i) => (i * 7) & 255);
const sum = S.checksum(bytes);
bytes[4098] ^= 1; out.tail = S.checksum(bytes) !== sum; bytes[4098] ^= 1;
bytes[10] ^= 1; out.body = S.checksum(bytes) !== sum; bytes[10] ^= 1;
out.same = S.checksum(bytes) === sum;
// a stand-in for Pyodide's public API (py) and its internal one (py._api)
class Api { loadPackage(x) { return ["loaded", x, this === py]; } }
const internal = { loadBinaryFile: function (x) { return ["binary", x, this === internal]; }, lock: { held: 1 } };
const py = new Api(); py._api = internal;
const names = [py.loadPackage, internal.loadBinaryFile, internal, internal.lock].map(o => JSON.stringify(S.serializer(py)(o)));
out.names = names;
try { S.serializer(py)({}); out.unknown = null; } catch (e) { out.unknown = e.message; }
const holder = {}, des = S.deserializer(holder);
const f = des({ root: "py", name: "loadPackage", kind: "function" });
const g = des({ root: "api", name: "loadBinaryFile", kind: "function" });
const o = des({ root: "api", name: "lock", kind: "object" });
try { f(1); out.early = null; } catch (e) { out.early = e.message; }
holder.py = py;
out.calls = [f(1), g(2)];
o.extra = 3;
out.object = [o.held, internal.lock.extra, "held" in o, Object.keys(o)];
try { des({ nope: 1 }); out.bad = null; } catch (e) { out.bad = e.message; }
console.log(JSON.stringify(out));
"""


def test_snapshot_js_checksum_serializer_and_deserializer(tmp_path):
    script = tmp_path / "checks.js"
    script.write_text(JS_CHECKS)
    done = subprocess.run(["node", str(script), str(HERE / "snapshot.js")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["tail"] and got["body"] and got["same"]
    assert [json.loads(n) for n in got["names"]] == [
        {"root": "py", "name": "loadPackage", "kind": "function"},
        {"root": "api", "name": "loadBinaryFile", "kind": "function"},
        {"root": "py", "name": "_api", "kind": "object"},
        {"root": "api", "name": "lock", "kind": "object"}]
    assert got["unknown"].startswith("the kernel holds a JS object the snapshot cannot name")
    assert "before its snapshot was resumed" in got["early"]
    assert got["calls"] == [["loaded", 1, True], ["binary", 2, True]]
    assert got["object"] == [1, 3, True, ["held", "extra"]]
    assert got["bad"].startswith("kernel snapshot: unknown entry")


def test_the_snapshot_key_names_everything_it_depends_on():
    preload = {"image": "../portinglab/preload/site-packages.0123.pack", "packages": ["ipython"]}
    base = snapshot_config(preload, b"lock")
    assert base == snapshot_config(dict(preload), b"lock")
    assert base["url"] == f"../portinglab/kernel-snapshot/{base['key']}.bin" and len(base["key"]) == 16
    assert base["python"] == (HERE / "snapshot_state.py").read_text()
    assert snapshot_config({**preload, "image": "../portinglab/preload/site-packages.4567.pack"}, b"lock")["key"] \
        != base["key"]
    assert snapshot_config(preload, b"another lock")["key"] != base["key"]


def test_the_page_and_the_worker_name_the_same_snapshot():
    snapshot = snapshot_config({"image": "x"}, b"lock")
    script = kernelstart.prewarm_script("w.js", ["ipython"], snapshot)
    config = json.loads(script.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["snapshot"] == snapshot["key"]
    assert f'{kernelstart.WORKER_SNAPSHOT_DIR}{config["snapshot"]}.bin' == snapshot["url"]
