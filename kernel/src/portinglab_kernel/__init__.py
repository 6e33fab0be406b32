"""Porting Lab's kernel side. Pure Python; runs inside the site's Pyodide kernel.

It is shipped as a wheel in the site's Pyodide lock, so importing it (or a bridge
it provides) loads it with no install cell.
"""

from .copies import collect_copies, record_copy
from .site import site_url, vendor_url, vendored

__version__ = "0.1.0"
__all__ = ["collect_copies", "record_copy", "site_url", "vendor_url", "vendored", "__version__"]
