"""The suite's own layout: test files are imported by their base name (rootdir-relative, no packages), so two
files with one name in two tiers break collection of the whole run, not just one tier."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_file_name_is_unique_across_the_tiers():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert not [n for n, k in names.items() if k > 1]
