"""`./portlab <command>`: fetch, build, verify and serve the Porting Lab site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths


def _build(args) -> int:
    from .site import build_site

    build_site(Path(args.output), refresh=args.refresh)
    return 0


def _fetch(args) -> int:
    from .fetch import fetch_all
    from .pins import load_pins

    fetch_all(load_pins(), paths.CACHE, refresh=args.refresh)
    print("[fetch] every pinned asset is present and verified")
    return 0


def _verify(args) -> int:
    from .site import verify_site

    summary = verify_site(Path(args.output))
    print(f"[verify] {args.output}: ok {summary}")
    return 0


def _serve(args) -> int:
    from .serve import serve
    from .site import build_site, verify_site

    output = Path(args.output)
    if args.no_build:
        verify_site(output)
    else:
        build_site(output)
    serve(output, host=args.host, port=args.port, isolated=args.isolated)
    return 0


def _export(args) -> int:
    from portinglab_export import ExportError, export_notebook

    if args.self_contained and not args.site:
        print("portlab export: --self-contained needs --site DIR (a built site to copy the assets from)", file=sys.stderr)
        return 2
    try:
        result = export_notebook(Path(args.notebook), Path(args.out), base_url=args.base_url,
                                 site=args.site if args.self_contained else None, include=args.include,
                                 name=args.name, strict=args.strict, drive=args.drive, library=args.library,
                                 functions=args.function or None)
    except ExportError as exc:
        print(f"portlab export: {args.notebook}: {exc}", file=sys.stderr)
        return 1
    for w in result.warnings:
        print(f"[export] warning: {w}", file=sys.stderr)
    print(f"[export] {result.folder}/{result.name}.py, index.html, {len(result.files)} data file(s) -> {result.zip_path}")
    if result.functions:
        print(f"[export] library: port.js, port.d.ts, package.json, example.html: {', '.join(result.functions)}")
    return 0


def _cv2gen(args) -> int:
    from .cv2gen import generate

    paths_ = generate(check=args.check)
    if args.check:
        print("[cv2gen] the generated files are up to date")
    else:
        print("[cv2gen] wrote " + ", ".join(str(p.relative_to(paths.ROOT)) for p in paths_))
    return 0


def _contracts(args) -> int:
    from .contracts import ContractError, generate

    try:
        stale = generate(check=args.check)
    except ContractError as exc:
        print(f"portlab contracts: {exc}", file=sys.stderr)
        return 1
    if args.check or not stale:
        print("[contracts] the generated files are up to date")
    else:
        print("[contracts] wrote " + ", ".join(str(p.relative_to(paths.ROOT)) for p in stale)
              + " (now run extension/build.sh)")
    return 0


def _parity(args) -> int:
    from .parity import ParityError, run_parity
    from .parity.report import text_summary

    only = {int(x) for x in args.only.split(",")} if args.only else None
    site = Path(args.site) if args.site else paths.OUTPUT
    try:
        rep = run_parity(Path(args.notebook), Path(args.out) if args.out else None, site, rtol=args.rtol,
                         atol=args.atol, only=only, reference_only=args.reference_only,
                         drive=Path(args.drive) if args.drive else (site / "files" if (site / "files").is_dir() else None))
    except (ParityError, OSError, ValueError) as exc:
        print(f"portlab parity: {exc}", file=sys.stderr)
        return 2
    stem = Path(args.notebook).stem
    where = Path(args.out) if args.out else Path(args.notebook).parent
    if args.reference_only:
        print(f"[parity] reference of {len(rep['cells'])} cells (CPython) -> {where / (stem + '.parity.json')}")
        return 0
    print(text_summary(rep))
    print(f"[parity] {where / (stem + '.parity.json')}, {where / (stem + '.parity.html')}")
    return 0 if rep["passed"] else 1


def _scan(args) -> int:
    from portinglab_scan import scan
    from portinglab_scan.sources import ScanError
    from portinglab_scan.status import CheckoutFiles

    from . import paths

    try:
        report = scan(args.path, CheckoutFiles(paths.ROOT, Path(args.site) if args.site else paths.OUTPUT))
    except ScanError as exc:
        print(f"portlab scan: {exc}", file=sys.stderr)
        return 2
    print(report.as_json() if args.json else report.as_text())
    return 1 if report.unparsable and report.files == len(report.unparsable) else 0


def _opencvjs():
    from .opencvjs import build

    return build


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="portlab", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def with_output(sp):
        sp.add_argument("--output", "-o", default=str(paths.OUTPUT), help="site folder (default: _output)")
        return sp

    f = sub.add_parser("fetch", help="download every pinned asset through its registry and verify it")
    f.add_argument("--refresh", action="store_true", help="download again even if cached")
    f.set_defaults(run=_fetch)

    b = with_output(sub.add_parser("build", help="clean build of the static site, verified"))
    b.add_argument("--refresh", action="store_true", help="download assets again even if cached")
    b.set_defaults(run=_build)

    v = with_output(sub.add_parser("verify", help="check a built site against its pins"))
    v.set_defaults(run=_verify)

    s = with_output(sub.add_parser("serve", help="build (unless --no-build), then serve the site"))
    s.add_argument("--host", default="127.0.0.1", help="address to bind; 0.0.0.0 serves a workshop LAN")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--isolated", action="store_true",
                   help="send COOP/COEP headers (cross-origin isolation: onnxruntime-web threads)")
    s.add_argument("--no-build", action="store_true", help="serve the existing site after verifying it")
    s.set_defaults(run=_serve)

    g = sub.add_parser("cv2gen", help="regenerate the cv2 bridge's generated files (docs/cv2-coverage.md)")
    g.add_argument("--check", action="store_true", help="write nothing; fail when regenerating gives a difference")
    g.set_defaults(run=_cv2gen)

    oj = sub.add_parser("build-opencvjs", help="build opencv.js 4.12.0 from source with wasm SIMD (docs/opencv-js-build.md)")
    _opencvjs().add_arguments(oj)
    oj.set_defaults(run=lambda args: _opencvjs().run(args))

    c = sub.add_parser("contracts", help="regenerate the TypeScript of the Python<->TypeScript contracts (README: who talks to whom)")
    c.add_argument("--check", action="store_true", help="write nothing; fail when a generated file differs")
    c.set_defaults(run=_contracts)

    pa = sub.add_parser("parity", help="run a notebook in CPython and in the browser, compare cell by cell (docs/parity.md)")
    pa.add_argument("notebook", help="the .ipynb file (never modified)")
    pa.add_argument("--out", "-o", default=None, help="folder for NB.parity.json / .html (default: beside the notebook)")
    pa.add_argument("--site", default=None, help="the built site whose kernel runs the browser side (default: _output)")
    pa.add_argument("--rtol", type=float, default=None, help="float tolerance, relative (default: per dtype)")
    pa.add_argument("--atol", type=float, default=None, help="float tolerance, absolute (default: per dtype)")
    pa.add_argument("--only", default=None, metavar="CELLS", help="comma-separated cell numbers to compare (others: skipped)")
    pa.add_argument("--drive", default=None, help="folder the lab's /drive/ stands for (default: <site>/files)")
    pa.add_argument("--reference-only", action="store_true", help="CPython only: write NB.parity.json as a reference")
    pa.set_defaults(run=_parity)

    sc = sub.add_parser("scan", help="porting readiness of a folder, .py, notebook, wheel, sdist or requirements file")
    sc.add_argument("path", help="what to scan")
    sc.add_argument("--json", action="store_true", help="machine-readable output")
    sc.add_argument("--site", default=None, help="the built site whose packages count as shipped (default: _output)")
    sc.set_defaults(run=_scan)

    e = sub.add_parser("export", help="export a notebook as one script + a standalone page (docs/export.md)")
    e.add_argument("notebook", help="the .ipynb file (never modified)")
    e.add_argument("--out", "-o", default="export", help="output folder (gets <name>/ and <name>.zip)")
    e.add_argument("--base-url", default=None, help="Porting Lab site the page loads Pyodide and the bridges from")
    e.add_argument("--self-contained", action="store_true", help="copy every asset the page needs into the export")
    e.add_argument("--site", default=None, help="built site to copy the assets from (with --self-contained)")
    e.add_argument("--include", action="append", default=[], help="extra data file (relative to the notebook), repeatable")
    e.add_argument("--name", default=None, help="name of the script and zip (default: from the notebook's name)")
    e.add_argument("--drive", default=None, help="folder the lab's /drive/ stands for (default: <site>/files)")
    e.add_argument("--strict", action="store_true", help="fail on anything commented out (magics, shell lines)")
    e.add_argument("--library", action="store_true",
                   help="also export the notebook's functions as a JS library: port.js (+ worker), port.d.ts, package.json")
    e.add_argument("--function", action="append", default=[], metavar="NAME",
                   help="a function the library exports, repeatable (default: cells tagged portlab-library, else all public)")
    e.set_defaults(run=_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .fetch import AssetError
    from .site import SiteError

    try:
        return args.run(args)
    except (AssetError, SiteError, OSError) as exc:
        print(f"portlab {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
