"""Notebook 5's self-checks (portinglab_kernel/exercises.py) in CPython: each typical mistake gets its own ✗ and fix.

Proves: the shipped solutions pass every check in both languages and compute what they claim (shapely's
area and length; rapidocr's normalisation and greedy CTC); each wrong answer is named by the right hint
(and not by another), a stub or a crash is a ✗ line and never a traceback; the language follows the
notebook's folder. tests/site/test_notebooks.py runs the notebook itself; here every hint branch is hit.
"""

from __future__ import annotations

import numpy as np
import pytest

import _kernel  # noqa: F401 - kernel/src importable (after the real cv2 / onnxruntime)
from portinglab_kernel import exercises as ex

shapely = pytest.importorskip("shapely")


def _solution(name):
    ns = {"np": np}
    exec(ex.SOLUTIONS[name], ns)  # noqa: S102 - the shipped solution, as a participant pastes it
    return ns[ex.EXERCISES[name][0]]


@pytest.mark.parametrize("name", list(ex.EXERCISES))
@pytest.mark.parametrize("lang", ["en", "zh", "zh-CN", "EN"])
def test_the_shipped_solutions_pass(name, lang):
    report = ex.EXERCISES[name][1](_solution(name), lang=lang)
    assert report.passed and bool(report) and "✗" not in str(report)
    assert str(report).splitlines()[-1].startswith(f"[{name}] {len(report.lines)}/{len(report.lines)} ✓")
    assert report.lang == ("zh" if lang.lower().startswith("zh") else "en")


def test_the_printed_solution_is_the_shipped_one(capsys):
    for name in ex.SOLUTIONS:
        ex.solution(name)
        printed = capsys.readouterr().out
        assert printed.startswith(f"def {ex.EXERCISES[name][0]}(") and printed.strip() == ex.SOLUTIONS[name].strip()


def test_area_and_length_are_shapelys():
    rng = np.random.default_rng(2)
    for n in (3, 4, 5, 8):
        for _ in range(20):
            angles = np.sort(rng.uniform(0, 2 * np.pi, n))  # a simple (star-shaped) polygon
            poly = np.stack([np.cos(angles), np.sin(angles)], 1) * rng.uniform(1, 50, (n, 1)) + rng.uniform(0, 100, 2)
            area, length = _solution("area_and_length")(poly)
            ref = shapely.Polygon(poly)
            assert area == pytest.approx(ref.area, rel=1e-9) and length == pytest.approx(ref.length, rel=1e-9)


def _lines(report):
    return [(ok, text) for ok, text in report.lines]


def _only_failure(report, needle):
    bad = [text for ok, text in report.lines if not ok]
    assert bad and any(needle in t for t in bad), str(report)
    return bad


def normalize_solution(img):
    return ((img.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None].astype(np.float32)


@pytest.mark.parametrize("wrong, needle", [
    (lambda img: normalize_solution(img)[0].transpose(1, 2, 0)[None], "channels last"),
    (lambda img: normalize_solution(img)[0].transpose(1, 2, 0), "add the batch axis with [None]"),
    (lambda img: normalize_solution(img)[0], "the batch axis is missing"),
    (lambda img: normalize_solution(img[::2]), "do not resize here"),
    (lambda img: (img.astype(np.float32) - 127.5).transpose(2, 0, 1)[None], "divide by 255 first"),
    (lambda img: (img.astype(np.float32) / 255).transpose(2, 0, 1)[None], "subtract 0.5 and divide by 0.5"),
    (lambda img: normalize_solution(img[:, :, ::-1]), "channels are reversed: keep OpenCV's BGR order"),
    (lambda img: normalize_solution(img) * 0.9, "values differ from DetPreProcess"),
    (lambda img: normalize_solution(img).astype(np.float16), "the model wants float32"),
    (lambda img: normalize_solution(img).tolist(), "returns a numpy array (list)"),
])
def test_each_normalisation_mistake_gets_its_hint(wrong, needle):
    report = ex.check_normalize(wrong, lang="en")
    assert not report.passed
    _only_failure(report, needle)
    assert report.summary().endswith("fix the ✗ points above and run the check again.")


def _area_solution(poly):
    return _solution("area_and_length")(poly)


@pytest.mark.parametrize("wrong, needle", [
    (lambda p: (-_area_solution(p)[0] if p[1, 0] > 0 else _area_solution(p)[0], _area_solution(p)[1]),
     "is negative — the shoelace sum's sign follows the corner order: take abs()"),
    (lambda p: (2 * _area_solution(p)[0], _area_solution(p)[1]), "the shoelace formula has a factor 0.5"),
    (lambda p: (_area_solution(p)[0] + 1, _area_solution(p)[1]), "expected"),
    (lambda p: (_area_solution(p)[0], np.linalg.norm(np.diff(p, axis=0), axis=1).sum()), "misses the closing edge"),
    (lambda p: (_area_solution(p)[0], 2 * _area_solution(p)[1]), "the sum of the edges' lengths"),
    (lambda p: _area_solution(p)[0], "return a pair (area, perimeter)"),
])
def test_each_polygon_mistake_gets_its_hint(wrong, needle):
    report = ex.check_area_and_length(wrong, lang="en")
    assert not report.passed
    _only_failure(report, needle)


def _ctc(probs, chars, merge=True, drop_blank=True, merge_after_drop=False, score=None):
    out = []
    for p in probs:
        idx, conf = list(p.argmax(1)), p.max(1)
        if merge_after_drop:
            idx = [i for i in idx if i != 0]
            keep = [k for k in range(len(idx)) if k == 0 or idx[k] != idx[k - 1]]
            out.append(("".join(chars[idx[k]] for k in keep), 0.0))
            continue
        keep = [t for t in range(len(idx)) if (not merge or t == 0 or idx[t] != idx[t - 1])
                and (not drop_blank or idx[t] != 0)]
        text = "".join(chars[idx[t]] for t in keep)
        out.append((text, score if score is not None else float(np.mean(conf[keep])) if keep else 0.0))
    return out


@pytest.mark.parametrize("wrong, needle", [
    (lambda p, c: _ctc(p, c, merge=False), "repeats are not merged"),
    (lambda p, c: _ctc(p, c, merge_after_drop=True), "merge repeats *before* dropping blanks"),
    (lambda p, c: _ctc(p, c, drop_blank=False), "blanks are kept: drop index 0"),
    (lambda p, c: _ctc(p, c, score=0.5), "the mean of the kept steps' best probability"),
    (lambda p, c: _ctc(p, c)[:2], "one result per batch item (2 of 3)"),
    (lambda p, c: "hello", "return a list of (text, score)"),
])
def test_each_ctc_mistake_gets_its_hint(wrong, needle):
    report = ex.check_ctc_decode(wrong, lang="en")
    assert not report.passed
    _only_failure(report, needle)


def test_the_reference_ctc_is_greedy_ctc():
    chars = ["blank", "a", "b"]
    seq = ex._ctc_probs("aa_a_bb__b", chars, [0.9] * 10)
    assert ex._ctc_decode_solution(seq[None], chars) == [("aabb", pytest.approx(0.9))]
    assert _solution("ctc_decode")(seq[None], chars) == [("aabb", pytest.approx(0.9))]
    assert ex._ctc_decode_solution(ex._ctc_probs("___", chars, [0.7] * 3)[None], chars) == [("", 0.0)]


@pytest.mark.parametrize("check", [ex.check_normalize, ex.check_area_and_length, ex.check_ctc_decode])
def test_a_stub_or_a_crash_is_a_line_not_a_traceback(check):
    def my_stub(*args):
        raise NotImplementedError

    def my_bug(*args):
        raise ZeroDivisionError("division by zero")

    stub = check(my_stub, lang="en")
    assert [ok for ok, _ in stub.lines] == [False] and "not written yet" in str(stub) and "my_stub" in str(stub)
    assert f"exercises.solution('{stub.name}')" in str(stub)
    crash = check(my_bug, lang="zh")
    assert "my_bug 抛出了 ZeroDivisionError：division by zero" in str(crash)
    assert crash.summary().endswith("还有问题，按上面 ✗ 的提示修改后再运行检查。")


def test_the_language_follows_the_notebooks_folder(monkeypatch, tmp_path):
    for folder, lang in [("content/zh/sub", "zh"), ("content/en", "en"), ("zhx", "en"), ("a/zh", "zh")]:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        monkeypatch.chdir(tmp_path / folder)
        assert ex.notebook_lang() == lang and ex.check_normalize(normalize_solution).lang == lang


def test_an_empty_report_has_not_passed():
    report = ex.Report("x")
    assert not report.passed and str(report) == "[x] 0/0 ✗  fix the ✗ points above and run the check again."
    assert report.ok(True, "good", "好") is True and report.passed and repr(report) == "✓ good\n[x] 1/1 ✓  all right!"
