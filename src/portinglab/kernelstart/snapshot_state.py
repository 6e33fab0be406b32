"""The Python side of the kernel's memory snapshot: what makes the imported kernel snapshottable, and whole again.

Runs inside Pyodide (the build hands this file's text to the kernel's worker, `snapshot.js`, which runs it as
the module `_portinglab_snapshot`); no import of Porting Lab's, so CPython's tests run it as it is.

Pyodide 0.27.7's `makeMemorySnapshot()` keeps the wasm heap and nothing of the dynamic linker: a module whose
code is in a side module (`_sqlite3.so`, `_ssl.so` with openssl) cannot be in a snapshot, since after a restore
its functions' table slots would not be there. IPython imports `sqlite3` at import time (its history module),
and only uses it when a history database is opened, which the Pyodide kernel never does (its history is
disabled). So the snapshot's kernel is imported with those modules *deferred*:

* `defer()`: each stands in `sys.modules` as a `Deferred` module, before anything imports it. A capitalised
  name read from one while importing (IPython's `isinstance(db, (DummyDB, sqlite3.Connection))` and `except
  (sqlite3.DatabaseError, ...)`) is a placeholder class that nothing matches; any other name is an
  AttributeError, which stops the snapshot (the kernel then starts the normal way);
* `check()`: refuses the snapshot if a placeholder is still referenced by anything but its module (a module
  that kept `from sqlite3 import Connection` would keep a class that is not sqlite3's after the restore);
* `resume()`, after the restore and once the side modules are loaded again: every namespace that bound a
  deferred module gets the real one, the deferred ones leave `sys.modules`, and what a snapshot must not share
  between kernels is renewed (the `random` generator's state, which every restore would otherwise repeat).
"""

from __future__ import annotations

import gc
import importlib
import random
import sys
import types

#: stdlib modules whose code is in a side module, imported (or not) while the kernel is imported
DEFERRED = ("sqlite3", "_sqlite3", "ssl", "_ssl")
PLACEHOLDER = "__portinglab_placeholder__"


class SnapshotError(RuntimeError):
    pass


class Deferred(types.ModuleType):
    """A module whose code cannot be in the snapshot, standing in `sys.modules` until `resume()`."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name[:1].isupper():
            # a class looked at while importing (an isinstance() or except clause): a class nothing is an
            # instance of; `check()` refuses the snapshot if anything but this module keeps it
            placeholder = type(name, (Exception,), {"__module__": self.__name__, PLACEHOLDER: True})
            setattr(self, name, placeholder)
            return placeholder
        raise AttributeError(f"{self.__name__}.{name}: {self.__name__} is deferred while the kernel's snapshot "
                             "is made (its code is in a side module, which a snapshot cannot hold)")


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    for name in names:
        if name in sys.modules:
            raise SnapshotError(f"{name} is already imported: it cannot be deferred")
        sys.modules[name] = Deferred(name)


def deferred() -> list[str]:
    return [name for name, module in sys.modules.items() if isinstance(module, Deferred)]


def check() -> list[str]:
    """The deferred modules some namespace bound (what `resume()` will rebind); raises SnapshotError if a
    placeholder class is kept anywhere but in its module."""
    bound = []
    for name in deferred():
        module = sys.modules[name]
        for attr in list(vars(module)):  # names only: an (attr, value) item would be one more referrer
            value = vars(module)[attr]
            if not getattr(value, PLACEHOLDER, False):
                continue
            # the class's own __dict__ descriptors, its MRO and its module's namespace refer to it; nothing else may
            own = [vars(module), value.__mro__, *vars(value).values()]
            others = [ref for ref in gc.get_referrers(value)
                      if not any(ref is o for o in own) and type(ref).__name__ not in ("weakref", "frame")]
            if others:
                raise SnapshotError(f"{name}.{attr} was kept while importing ({type(others[0]).__name__}): "
                                    "it would not be the real class after the restore")
        if _namespaces_binding(module):
            bound.append(name)
    return bound


def _namespaces_binding(module: types.ModuleType, *ours: dict) -> list[dict]:
    """The dicts (module and class namespaces) that bind `module`, but sys.modules and `ours`."""
    return [ref for ref in gc.get_referrers(module)
            if isinstance(ref, dict) and ref is not sys.modules and not any(ref is o for o in ours)
            and any(v is module for v in ref.values())]


def resume() -> list[str]:
    """After a restore, with the side modules loaded: the real modules replace the deferred ones. Returns the
    names that were rebound somewhere (those are imported now; the others when something imports them)."""
    stubs = {name: sys.modules.pop(name) for name in deferred()}
    rebound = []
    for name, stub in stubs.items():
        namespaces = _namespaces_binding(stub, stubs)
        if not namespaces:
            continue
        real = importlib.import_module(name)
        for namespace in namespaces:
            for key, value in list(namespace.items()):
                if value is stub:
                    namespace[key] = real
        rebound.append(name)
    # the snapshot holds the generator's state: every kernel restored from it would draw the same numbers
    random.seed()
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile._name_sequence = None
    # Pyodide puts "" first in sys.path again when it starts from a snapshot
    sys.path[:] = list(dict.fromkeys(sys.path))
    return rebound
