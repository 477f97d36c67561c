"""r2pwatch: an early-warning news monitor for the Responsibility to Protect."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("r2pwatch")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
