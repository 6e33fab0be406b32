"""The sha256 of the sources the prebuilt labextension is built from (one line per file).

`build.sh` writes it to portinglab_copies/SOURCES.sha256; a test fails when the committed
build is older than its sources."""

import hashlib
from pathlib import Path

HERE = Path(__file__).parent
SOURCES = ["package.json", "yarn.lock", "tsconfig.json", ".yarnrc.yml",
           *sorted(p.relative_to(HERE).as_posix() for d in ("src", "style", "schema") for p in (HERE / d).rglob("*") if p.is_file())]


def lines() -> str:
    return "".join(f"{hashlib.sha256((HERE / s).read_bytes()).hexdigest()}  {s}\n" for s in SOURCES)


if __name__ == "__main__":
    print(lines(), end="")
