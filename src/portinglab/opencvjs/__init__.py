"""opencv.js 4.12.0 built from OpenCV's own source (the opencv-python 4.12.0.88 sdist) with Debian's Emscripten.

`./portlab build-opencvjs [--threads] [--modules core,imgproc,...] [-o DIR]` runs `build.py`;
see docs/opencv-js-build.md.
"""
