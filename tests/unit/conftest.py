"""The CPython tier runs opencv-python in the same process as the browser tiers' CPython references (one
`pytest` run): a unit test must leave opencv-python's global state as it found it (the log level, and the
random generator that grabCut, kmeans, ... draw from, reset to its start: seed 0 is RNG's default state)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def opencv_global_state_restored():
    import cv2

    level = cv2.getLogLevel()
    yield
    cv2.setLogLevel(level)
    cv2.setRNGSeed(0)
