"""The site ships the pinned PP-OCR models (from rapidocr_onnxruntime 1.4.4) in its contents."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from portinglab.fetch import AssetError, sha256_of
from portinglab.site import SiteError, stage_models, verify_site

MODELS = ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")


def test_models_are_pinned_file_by_file(pins):
    (pin,) = pins.models
    assert pin.requirement == "rapidocr_onnxruntime==1.4.4"
    assert pin.license == "Apache-2.0" and pin.dest == "models"
    assert sorted(m.rsplit("/", 1)[1] for m, _ in pin.files) == sorted(MODELS)


def test_the_site_ships_the_models_with_their_license(built_site, pins):
    (pin,) = pins.models
    folder = built_site / "files" / "models"
    for member, sha in pin.files:
        assert sha256_of(folder / member.rsplit("/", 1)[1]) == sha
    license_text = (folder / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0" in license_text
    readme = (folder / "README.md").read_text()
    assert "rapidocr_onnxruntime==1.4.4" in readme and "/drive/models/" in readme
    # listed in the contents API, so the kernel's /drive and the file browser see them
    listing = json.loads((built_site / "api" / "contents" / "models" / "all.json").read_text())
    assert {c["name"] for c in listing["content"]} >= {*MODELS, "LICENSE", "README.md"}
    # and pinned in the manifest, so a changed model fails verification
    files = json.loads((built_site / "portinglab-manifest.json").read_text())["files"]
    assert all(f"files/models/{m}" in files for m in MODELS)


def test_verify_catches_a_tampered_model(built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site, symlinks=True)
    with open(site / "files" / "models" / MODELS[0], "r+b") as f:
        f.seek(1000)
        f.write(b"\0\0\0\0")
    with pytest.raises((SiteError, AssetError), match="sha256 mismatch"):
        verify_site(site)


def test_staging_refuses_a_model_that_differs_from_its_pin(fetched, tmp_path):
    (pin, wheel) = fetched.models[0]
    bad = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(MODELS[2]):
                data = data[:-1] + b"\x01"
            dst.writestr(item, data)
    broken = type(fetched)(fetched.pyodide_core, fetched.pyodide_packages, fetched.wheels, fetched.vendor,
                           ((pin, bad),))
    with pytest.raises(AssetError, match="sha256 mismatch"):
        stage_models(broken, tmp_path / "contents")
