"""Parity's parts that run both on the build side (`portlab parity`, src/portinglab/parity) and in the kernel
(the lab's per-cell badges from a reference, lab.py): which cells and how (prepare), what a cell did
(capture: the same code in every kernel), and how two runs compare (compare). docs/parity.md."""
