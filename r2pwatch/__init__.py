"""r2pwatch: an early-warning news monitor for the Responsibility to Protect.

``__version__`` is read from the installed package's metadata on first use (importing
importlib.metadata costs tens of milliseconds that ``r2pwatch tag`` need not pay).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("r2pwatch")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'r2pwatch' has no attribute {name!r}")
