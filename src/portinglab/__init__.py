"""Porting Lab, build side: fetch and verify pinned assets, build, verify and serve the site."""

__version__ = "0.1.0"
