"""Notebook 5's reference outputs: the original RapidOCR pipeline, run in CPython at build time.

`rapidocr_onnxruntime==1.4.4` is the "server code" notebook 5 ports to the browser. Its
Python package is read from the wheel pinned (and sha256-checked) in `assets.toml`'s
`[[models]]` -- extracted into the cache, not pip-installed (its `opencv-python` dependency
would sit beside the build venv's `opencv-python-headless`). The geometry libraries it needs
(`pyclipper`, `shapely`, `PyYAML`) are pinned in `requirements.in`.

For each sample image (committed PNGs in `ocr_samples/`, made by `make_samples` below) the
original pipeline runs once, and every stage's output is saved: for the first image (the
walkthrough) the arrays of each stage (`<name>.stages.npz`), for all of them the final
boxes, texts, scores and the CPython timings (`references.json`). These land with the
images in the site's contents at `ppocr/` (kernel path `/drive/ppocr/`). The result is cached
under the key of everything it depends on, so a rebuild costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

SAMPLES = Path(__file__).with_name("ocr_samples")
DEST = "ppocr"
#: bump when what the runner saves changes
FORMAT = 1

#: the sample images: (file name, size, background, lines of (text, xy, font size, colour), rotation)
SAMPLE_SPECS = [
    ("receipt.png", (560, 300), (250, 250, 246), [
        ("Porting Lab 端口实验室", (24, 24), 30, (20, 20, 20)),
        ("PP-OCRv4 runs in the browser", (24, 92), 26, (30, 30, 120)),
        ("价格 ¥ 42.50  数量 3", (24, 156), 28, (20, 20, 20)),
        ("2026-11-25 offline", (24, 224), 26, (110, 20, 20)),
    ], 0),
    ("sign.png", (480, 240), (235, 242, 250), [
        ("欢迎光临", (40, 30), 44, (10, 60, 10)),
        ("WELCOME 123", (40, 130), 40, (10, 10, 10)),
    ], 0),
    ("tilted.png", (520, 320), (255, 255, 255), [
        ("Hello WebAssembly", (60, 100), 34, (0, 0, 0)),
        ("你好，浏览器", (60, 170), 34, (0, 0, 0)),
    ], 8),
    # upside down: the direction classifier must turn these strips before recognition
    ("upside_down.png", (500, 220), (252, 248, 236), [
        ("请勿倒置 THIS SIDE UP", (30, 40), 32, (120, 20, 20)),
        ("Fragile 易碎 2026", (30, 120), 34, (20, 20, 20)),
    ], 180),
]
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def make_samples(dest: Path = SAMPLES, font: str = FONT) -> list[Path]:
    """Render the sample images (deterministic for a given font file and Pillow).

    Run once by a developer (`python -m portinglab.ocr_reference samples`); the PNGs are
    committed, so a build needs no CJK font.
    """
    from PIL import Image, ImageDraw, ImageFont

    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name, size, bg, lines, angle in SAMPLE_SPECS:
        img = Image.new("RGB", size, bg)
        draw = ImageDraw.Draw(img)
        for text, xy, px, colour in lines:
            draw.text(xy, text, fill=colour, font=ImageFont.truetype(font, px))
        if angle:
            img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=bg)
        path = dest / name
        img.save(path, optimize=True)
        out.append(path)
    return out


def sample_images() -> list[Path]:
    return [SAMPLES / spec[0] for spec in SAMPLE_SPECS]


def _key(wheel: Path) -> str:
    h = hashlib.sha256()
    h.update(f"format {FORMAT}\n".encode())
    h.update(Path(__file__).read_bytes())
    h.update(wheel.name.encode())
    for img in sample_images():
        h.update(img.name.encode() + img.read_bytes())
    return h.hexdigest()[:16]


def _extract(wheel: Path, dest: Path) -> Path:
    """The wheel's Python package and models, once, into `dest`."""
    if not (dest / "rapidocr_onnxruntime" / "main.py").exists():
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(tmp)
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
    return dest


def build_references(wheel: Path, cache: Path, contents: Path, log=print) -> Path:
    """Put the sample images and their references into `contents/ppocr/` (cached)."""
    key = _key(wheel)
    cached = cache / "ocr-references" / key
    if not (cached / "references.json").exists():
        started = time.monotonic()
        code = _extract(wheel, cache / "ocr-references" / f"wheel-{wheel.stem}")
        tmp = cached.with_name(key + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        proc = subprocess.run(
            [sys.executable, "-m", "portinglab.ocr_reference", "run", str(code), str(tmp),
             *map(str, sample_images())],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
            env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1",
                 "PATH": "/usr/bin:/bin"},
        )
        if proc.returncode != 0:
            raise RuntimeError(f"the original RapidOCR pipeline failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        shutil.rmtree(cached, ignore_errors=True)
        tmp.rename(cached)
        log(f"[ppocr] references computed by the original pipeline in {time.monotonic() - started:.1f} s")
    dest = contents / DEST
    dest.mkdir(parents=True, exist_ok=True)
    for f in cached.iterdir():
        shutil.copyfile(f, dest / f.name)
    for img in sample_images():
        shutil.copyfile(img, dest / img.name)
    shutil.copyfile(Path(__file__).with_name("licenses") / "Apache-2.0.txt", dest / "LICENSE")
    (dest / "README.md").write_text(README, encoding="utf-8")
    return dest


README = """# PP-OCRv4 references (notebook 5)

`*.png`: sample images rendered by Porting Lab (`portinglab.ocr_reference.make_samples`).
`references.json`, `*.stages.npz`: the outputs of the original pipeline of
`rapidocr_onnxruntime==1.4.4` (Apache-2.0, https://github.com/RapidAI/RapidOCR; text in
`LICENSE`), run in CPython (onnxruntime 1.30.0, opencv-python-headless 4.12.0.88, pyclipper,
shapely) when the site was built. Notebook 5 compares the browser's port against them.
"""


# ------------------------------------------------------------------ the runner (subprocess)

def _run(code_dir: str, out_dir: str, images: list[str]) -> None:
    import numpy as np

    sys.path.insert(0, code_dir)
    from rapidocr_onnxruntime import RapidOCR  # the original, unmodified pipeline
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess

    engine = RapidOCR()
    out = Path(out_dir)
    refs = {"rapidocr_onnxruntime": "1.4.4", "python": sys.version.split()[0], "images": {}}
    import cv2, onnxruntime, pyclipper, shapely
    refs["versions"] = {"onnxruntime": onnxruntime.__version__, "opencv": cv2.__version__,
                        "pyclipper": pyclipper.__version__, "shapely": shapely.__version__}
    for n, path in enumerate(images):
        name = Path(path).name
        engine(path)  # warm-up (first-run allocations), then timed
        runs = []
        for _ in range(2):
            t0 = time.perf_counter()
            result, elapse = engine(path)
            runs.append(time.perf_counter() - t0)
        entry = {
            "boxes": [r[0] for r in result], "texts": [r[1] for r in result],
            "scores": [float(r[2]) for r in result],
            "seconds": min(runs), "det_cls_rec_seconds": [float(e) for e in elapse],
        }
        if n == 0:
            entry["stages"] = _stages(engine, path, out / f"{Path(name).stem}.stages.npz", np, DBPostProcess)
        refs["images"][name] = entry
    (out / "references.json").write_text(json.dumps(refs, ensure_ascii=False, indent=1), encoding="utf-8")


def _stages(engine, path, npz, np, DBPostProcess) -> dict:
    """Every stage of the pipeline on one image, as the original computes it."""
    import cv2

    img = engine.load_img(path)
    pre, ratio_h, ratio_w = engine.preprocess(img)
    record = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    pre, record = engine.maybe_add_letterbox(pre, record)
    det = engine.text_det
    det.preprocess_op = det.get_preprocess(max(pre.shape[:2]))
    det_input = det.preprocess_op(pre)
    prob = det.infer(det_input)[0]
    post = det.postprocess_op
    boxes_raw, box_scores = post(prob, pre.shape[:2])
    # the pyclipper/shapely step alone: unclip of each candidate's mini box
    bitmap = cv2.dilate((prob[0, 0] > post.thresh).astype(np.uint8), np.array([[1, 1], [1, 1]]))
    contours, _ = cv2.findContours((bitmap * 255).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    mini, unclipped = [], []
    for c in contours:
        points, sside = post.get_mini_boxes(c)
        if sside < post.min_size:
            continue
        box, _ = post.get_mini_boxes(post.unclip(points))
        mini.append(points)
        unclipped.append(box)
    dt_boxes = det.filter_tag_det_res(boxes_raw, pre.shape[:2])
    dt_boxes = engine.sorted_boxes(dt_boxes)
    crops = engine.get_crop_img_list(pre, dt_boxes)
    rotated, cls_res, _ = engine.text_cls(crops)
    rec_res, _ = engine.text_rec(rotated)
    arrays = {
        "image": img, "preprocessed": pre, "det_input": det_input.astype(np.float16),
        "prob": prob.astype(np.float16), "mini_boxes": np.array(mini, np.float32),
        "unclipped_boxes": np.array(unclipped, np.float32), "dt_boxes": np.array(dt_boxes, np.float32),
    }
    for i, (c, r) in enumerate(zip(crops, rotated)):
        arrays[f"crop_{i}"] = c
        arrays[f"rotated_{i}"] = r
    np.savez_compressed(npz, **arrays)
    return {
        "npz": npz.name, "ratio_h": ratio_h, "ratio_w": ratio_w, "padding_top": record["padding_1"]["top"],
        "det_input_shape": list(det_input.shape), "box_scores": [float(s) for s in box_scores],
        "cls": [[label, float(score)] for label, score in cls_res],
        "rec": [[text, float(score)] for text, score in rec_res],
        "config": {"det": {"limit_side_len": det.limit_side_len, "thresh": post.thresh,
                           "box_thresh": post.box_thresh, "unclip_ratio": post.unclip_ratio},
                   "cls_thresh": engine.text_cls.cls_thresh, "text_score": engine.text_score},
    }


if __name__ == "__main__":
    if sys.argv[1] == "samples":
        print(*make_samples(), sep="\n")
    elif sys.argv[1] == "run":
        _run(sys.argv[2], sys.argv[3], sys.argv[4:])
