"""Workshop exercises with self-checks (notebook 5).

Each exercise is a function the participant writes in a stub cell; a check function runs
it on small known inputs and says, point by point, what is right (✓) and what is wrong
(✗) and how to fix it -- in English or Chinese -- instead of a bare assertion::

    from portinglab_kernel import exercises
    exercises.check_normalize(my_normalize)        # lang follows the notebook's folder
    exercises.solution('normalize')                # stuck? the shipped solution

A check never raises for a wrong answer (nor for a stub that still raises
`NotImplementedError`): it returns a `Report`, whose text is shown as the cell's result and
whose last line is ``[name] passed/total ✓`` or ``... ✗``. Pure Python + numpy; no imports
from the rest of the package, so it can be loaded (and tested) in CPython on its own.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "Report", "check_normalize", "check_area_and_length", "check_ctc_decode",
    "solution", "SOLUTIONS", "EXERCISES", "notebook_lang",
]


def notebook_lang() -> str:
    """'zh' when the kernel runs in a notebook under a `zh` folder (content/zh/...), else 'en'."""
    return "zh" if "zh" in os.getcwd().replace("\\", "/").split("/") else "en"


def _lang(lang: str | None) -> str:
    lang = lang or notebook_lang()
    return "zh" if lang.lower().startswith("zh") else "en"


@dataclass
class Report:
    """What a check found: one line per point, ✓ or ✗ with the reason and a fix."""

    name: str
    lang: str = "en"
    lines: list[tuple[bool, str]] = field(default_factory=list)

    def ok(self, passed: bool, en: str, zh: str) -> bool:
        self.lines.append((bool(passed), zh if self.lang == "zh" else en))
        return bool(passed)

    @property
    def passed(self) -> bool:
        return bool(self.lines) and all(p for p, _ in self.lines)

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        good = sum(p for p, _ in self.lines)
        mark = "✓" if self.passed else "✗"
        if self.lang == "zh":
            tail = "全部正确！" if self.passed else "还有问题，按上面 ✗ 的提示修改后再运行检查。"
        else:
            tail = "all right!" if self.passed else "fix the ✗ points above and run the check again."
        return f"[{self.name}] {good}/{len(self.lines)} {mark}  {tail}"

    def __str__(self) -> str:
        return "\n".join([f"{'✓' if p else '✗'} {text}" for p, text in self.lines] + [self.summary()])

    __repr__ = __str__


def _call(report: Report, fn: Callable, *args) -> tuple[bool, Any]:
    """Run the participant's function; a stub or an exception becomes a ✗ line, not a traceback."""
    try:
        return True, fn(*args)
    except NotImplementedError:
        report.ok(False, f"not written yet: replace `raise NotImplementedError` in {fn.__name__} with your code "
                  f"(stuck? exercises.solution('{report.name}'))",
                  f"还没有写：把 {fn.__name__} 里的 `raise NotImplementedError` 换成你的代码"
                  f"（卡住了？exercises.solution('{report.name}')）")
    except Exception as e:  # noqa: BLE001 -- the participant's bug, reported as a finding
        report.ok(False, f"{fn.__name__} raised {type(e).__name__}: {e}",
                  f"{fn.__name__} 抛出了 {type(e).__name__}：{e}")
    return False, None


# ------------------------------------------------------------------ 1. normalisation

def _normalize_solution(img: np.ndarray) -> np.ndarray:
    x = img.astype(np.float32) / 255.0
    return ((x - 0.5) / 0.5).transpose(2, 0, 1)[None].astype(np.float32)


def check_normalize(fn: Callable[[np.ndarray], np.ndarray], lang: str | None = None) -> Report:
    """`fn(img)`: a BGR uint8 image (H, W, 3), sides already multiples of 32 -> the detector's
    input: float32, (1, 3, H, W), each value (v / 255 - 0.5) / 0.5 in [-1, 1], BGR order kept."""
    r = Report("normalize", _lang(lang))
    img = np.random.default_rng(5).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    want = _normalize_solution(img)
    ran, x = _call(r, fn, img.copy())
    if not ran:
        return r
    if not r.ok(isinstance(x, np.ndarray), f"returns a numpy array ({type(x).__name__})",
                f"返回 numpy 数组（{type(x).__name__}）"):
        return r
    shape = tuple(x.shape)
    if shape == want.shape:
        r.ok(True, f"shape is {shape} (batch, channels, height, width)", f"形状是 {shape}（批、通道、高、宽）")
    elif shape == (1, 64, 96, 3) or shape == (64, 96, 3):
        r.ok(False, f"shape is {shape}: channels last — the model wants NCHW {want.shape}: use .transpose(2, 0, 1)"
             + ("" if len(shape) == 4 else " and add the batch axis with [None]"),
             f"形状是 {shape}：通道在最后——模型要 NCHW {want.shape}：用 .transpose(2, 0, 1)"
             + ("" if len(shape) == 4 else "，再用 [None] 加上批维度"))
    elif shape == want.shape[1:]:
        r.ok(False, f"shape is {shape}: the batch axis is missing — use x[None] to get {want.shape}",
             f"形状是 {shape}：缺少批维度——用 x[None] 得到 {want.shape}")
    else:
        r.ok(False, f"shape is {shape}, expected {want.shape}: do not resize here, only transpose (2, 0, 1) and add [None]",
             f"形状是 {shape}，应为 {want.shape}：这里不缩放，只 transpose(2, 0, 1) 再加 [None]")
    r.ok(x.dtype == np.float32, f"dtype is {x.dtype}" + ("" if x.dtype == np.float32 else
         " — the model wants float32: use .astype(np.float32)"),
         f"dtype 是 {x.dtype}" + ("" if x.dtype == np.float32 else "——模型要 float32：用 .astype(np.float32)"))
    lo, hi = float(np.min(x)), float(np.max(x))
    if hi > 2:
        r.ok(False, f"values go up to {hi:.1f}: divide by 255 first", f"数值最大到 {hi:.1f}：先除以 255")
    elif lo >= 0:
        r.ok(False, f"values in [{lo:.2f}, {hi:.2f}]: after /255, subtract 0.5 and divide by 0.5 to get [-1, 1]",
             f"数值在 [{lo:.2f}, {hi:.2f}]：除以 255 后，再减 0.5、除以 0.5，得到 [-1, 1]")
    else:
        r.ok(-1.0001 <= lo and hi <= 1.0001, f"values in [{lo:.2f}, {hi:.2f}] (expected [-1, 1])",
             f"数值在 [{lo:.2f}, {hi:.2f}]（应为 [-1, 1]）")
    if shape == want.shape:
        diff = float(np.abs(x.astype(np.float64) - want).max())
        if diff < 1e-5:
            r.ok(True, "every value equals rapidocr's DetPreProcess", "每个数值都和 rapidocr 的 DetPreProcess 相同")
        elif np.abs(x - want[:, ::-1]).max() < 1e-5:
            r.ok(False, "channels are reversed: keep OpenCV's BGR order (rapidocr does not convert to RGB)",
                 "通道顺序反了：保持 OpenCV 的 BGR 顺序（rapidocr 不转 RGB）")
        else:
            r.ok(False, f"values differ from DetPreProcess by up to {diff:.3f}: (v / 255 - 0.5) / 0.5",
                 f"数值和 DetPreProcess 最多相差 {diff:.3f}：应为 (v / 255 - 0.5) / 0.5")
    return r


# ------------------------------------------------------------------ 2. shapely's area and length

def _area_and_length_solution(poly: np.ndarray) -> tuple[float, float]:
    xs, ys = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))
    return float(area), float(np.linalg.norm(poly - np.roll(poly, -1, axis=0), axis=1).sum())


def check_area_and_length(fn: Callable[[np.ndarray], tuple[float, float]], lang: str | None = None) -> Report:
    """`fn(poly)`: an (N, 2) float array of corners, in order -> (area, perimeter), as
    shapely's `Polygon(poly).area` and `.length` (what DB's `unclip` needs)."""
    r = Report("area_and_length", _lang(lang))
    cases = [
        ("4 × 3 rectangle, clockwise in image coordinates", "4 × 3 矩形，图像坐标中顺时针",
         np.array([[0, 0], [4, 0], [4, 3], [0, 3]], np.float32)),
        ("the same rectangle, counter-clockwise", "同一个矩形，逆时针",
         np.array([[0, 0], [0, 3], [4, 3], [4, 0]], np.float32)),
        ("a tilted text box", "一个倾斜的文字框",
         np.array([[10.5, 20], [110, 32.25], [106, 64], [6.5, 52]], np.float32)),
        ("a triangle", "一个三角形", np.array([[0, 0], [6, 0], [0, 8]], np.float32)),
    ]
    for en, zh, poly in cases:
        ran, got = _call(r, fn, poly.copy())
        if not ran:
            return r
        try:
            area, length = (float(v) for v in got)
        except (TypeError, ValueError):
            r.ok(False, f"{en}: returned {got!r} — return a pair (area, perimeter)",
                 f"{zh}：返回了 {got!r}——应返回 (面积, 周长)")
            continue
        want_a, want_l = _area_and_length_solution(poly.astype(np.float64))
        open_l = float(np.linalg.norm(np.diff(poly.astype(np.float64), axis=0), axis=1).sum())
        if abs(area - want_a) < 1e-3:
            r.ok(True, f"{en}: area {area:g}", f"{zh}：面积 {area:g}")
        elif abs(area + want_a) < 1e-3:
            r.ok(False, f"{en}: area {area:g} is negative — the shoelace sum's sign follows the corner order: take abs()",
                 f"{zh}：面积 {area:g} 是负的——鞋带公式的符号取决于顶点顺序：取 abs()")
        elif abs(area - 2 * want_a) < 1e-3:
            r.ok(False, f"{en}: area {area:g} is twice {want_a:g} — the shoelace formula has a factor 0.5",
                 f"{zh}：面积 {area:g} 是 {want_a:g} 的两倍——鞋带公式要乘 0.5")
        else:
            r.ok(False, f"{en}: area {area:g}, expected {want_a:g} — 0.5 × |Σ xᵢ·yᵢ₊₁ − yᵢ·xᵢ₊₁|, wrapping around",
                 f"{zh}：面积 {area:g}，应为 {want_a:g}——0.5 × |Σ xᵢ·yᵢ₊₁ − yᵢ·xᵢ₊₁|，首尾相接")
        if abs(length - want_l) < 1e-3:
            r.ok(True, f"{en}: perimeter {length:g}", f"{zh}：周长 {length:g}")
        elif abs(length - open_l) < 1e-3:
            r.ok(False, f"{en}: perimeter {length:g} misses the closing edge (last corner → first): np.roll helps",
                 f"{zh}：周长 {length:g} 少了闭合边（最后一个角 → 第一个角）：可以用 np.roll")
        else:
            r.ok(False, f"{en}: perimeter {length:g}, expected {want_l:g} — the sum of the edges' lengths",
                 f"{zh}：周长 {length:g}，应为 {want_l:g}——各边长度之和")
    return r


# ------------------------------------------------------------------ 3. CTC decoding

def _ctc_decode_solution(probs: np.ndarray, characters: Sequence[str]) -> list[tuple[str, float]]:
    out = []
    for p in probs:
        idx, conf = p.argmax(axis=1), p.max(axis=1)
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        out.append(("".join(characters[i] for i in idx[keep]), float(conf[keep].mean()) if keep.any() else 0.0))
    return out


def _ctc_probs(seq: str, characters: Sequence[str], conf: Sequence[float]) -> np.ndarray:
    """One time step per symbol of `seq` ('_' = blank), the best class with confidence conf[t]."""
    n = len(characters)
    p = np.zeros((len(seq), n), np.float32)
    for t, ch in enumerate(seq):
        i = 0 if ch == "_" else characters.index(ch)
        p[t] = (1 - conf[t]) / (n - 1)
        p[t, i] = conf[t]
    return p


def _ctc_hint(text: str, idx: np.ndarray, characters: Sequence[str]) -> tuple[str, str]:
    """Which usual mistake gives `text`: no merging, merging across blanks, blanks kept."""
    steps = [int(i) for i in idx]
    merged = [i for t, i in enumerate(steps) if t == 0 or i != steps[t - 1]]
    no_blank = [i for i in steps if i != 0]
    if text == "".join(characters[i] for i in no_blank):
        return ("repeats are not merged: keep a step only if its class differs from the previous step's",
                "重复没有合并：只有和上一步类别不同的步才保留")
    if text == "".join(characters[i] for t, i in enumerate(no_blank) if t == 0 or i != no_blank[t - 1]):
        return ("a blank between two equal letters separates them: merge repeats *before* dropping blanks",
                "两个相同字母之间的 blank 会把它们分开：先合并重复，*再*去掉 blank")
    if text == "".join(characters[i] for i in merged):
        return "blanks are kept: drop index 0 ('blank')", "blank 被保留了：去掉索引 0（'blank'）"
    return "", ""


def check_ctc_decode(fn: Callable[[np.ndarray, Sequence[str]], list], lang: str | None = None) -> Report:
    """`fn(probs, characters)`: probs (batch, time, classes) -> [(text, score)] per item, by greedy
    CTC: best class per step, merge repeats, drop blanks (index 0); score = mean confidence of the kept steps."""
    r = Report("ctc_decode", _lang(lang))
    characters = ["blank", "h", "e", "l", "o", "好", " "]
    seqs = ["hhe_ll_lo__", "__好好_好", "______"]
    rng = np.random.default_rng(3)
    probs = np.stack([_ctc_probs(s.ljust(11, "_"), characters, rng.uniform(0.6, 0.99, 11)) for s in seqs])
    want = _ctc_decode_solution(probs, characters)
    ran, got = _call(r, fn, probs.copy(), list(characters))
    if not ran:
        return r
    try:
        got = [(str(t), float(s)) for t, s in got]
    except (TypeError, ValueError):
        r.ok(False, f"returned {got!r:.80} — return a list of (text, score), one per batch item",
             f"返回了 {got!r:.80}——应返回 (文字, 分数) 的列表，每个批次元素一个")
        return r
    if not r.ok(len(got) == len(want), f"one result per batch item ({len(got)} of {len(want)})",
                f"每个批次元素一个结果（{len(got)} / {len(want)}）"):
        return r
    for (text, score), (w_text, w_score), seq, p in zip(got, want, seqs, probs):
        if text == w_text:
            r.ok(True, f"{seq!r} → {text!r}", f"{seq!r} → {text!r}")
        else:
            en, zh = _ctc_hint(text, p.argmax(axis=1), characters)
            r.ok(False, f"{seq!r} → {text!r}, expected {w_text!r}" + (f" — {en}" if en else ""),
                 f"{seq!r} → {text!r}，应为 {w_text!r}" + (f"——{zh}" if zh else ""))
        if abs(score - w_score) < 1e-4:
            r.ok(True, f"{seq!r}: score {score:.4f}", f"{seq!r}：分数 {score:.4f}")
        else:
            r.ok(False, f"{seq!r}: score {score:.4f}, expected {w_score:.4f} — the mean of the kept steps' best "
                 "probability (0.0 when nothing is kept)",
                 f"{seq!r}：分数 {score:.4f}，应为 {w_score:.4f}——保留下来的各步最大概率的平均（什么都没保留时为 0.0）")
    return r


# ------------------------------------------------------------------ solutions

#: the shipped solutions, as source a participant can paste into the stub cell
SOLUTIONS: dict[str, str] = {
    "normalize": '''
def my_normalize(img):
    """BGR uint8 (H, W, 3) -> float32 (1, 3, H, W) in [-1, 1]."""
    x = img.astype(np.float32) / 255.0
    return ((x - 0.5) / 0.5).transpose(2, 0, 1)[None].astype(np.float32)
''',
    "area_and_length": '''
def my_area_and_length(poly):
    """(N, 2) corners -> (area, perimeter), as shapely's Polygon(poly).area and .length."""
    xs, ys = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))
    return area, np.linalg.norm(poly - np.roll(poly, -1, axis=0), axis=1).sum()
''',
    "ctc_decode": '''
def my_ctc_decode(probs, characters):
    """Greedy CTC: best class per step, merge repeats, drop blanks; score = mean kept confidence."""
    out = []
    for p in probs:
        idx, conf = p.argmax(axis=1), p.max(axis=1)
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        text = ''.join(characters[i] for i in idx[keep])
        out.append((text, float(conf[keep].mean()) if keep.any() else 0.0))
    return out
''',
}

#: exercise name -> (the function the stub defines, its check)
EXERCISES: dict[str, tuple[str, Callable[..., Report]]] = {
    "normalize": ("my_normalize", check_normalize),
    "area_and_length": ("my_area_and_length", check_area_and_length),
    "ctc_decode": ("my_ctc_decode", check_ctc_decode),
}


def solution(name: str) -> None:
    """Print the shipped solution of exercise `name`, to paste into its stub cell."""
    print(textwrap.dedent(SOLUTIONS[name]).strip())
