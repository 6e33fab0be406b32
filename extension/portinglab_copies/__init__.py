"""Porting Lab's Memory copies inspector, as a prebuilt labextension (see extension/README)."""

from pathlib import Path

#: the folder holding the prebuilt labextension `portinglab-copies` (a labextensions path)
LABEXTENSIONS = Path(__file__).with_name("labextensions")


def _jupyter_labextension_paths():
    return [{"src": "labextensions/portinglab-copies", "dest": "portinglab-copies"}]
