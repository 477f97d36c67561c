"""r2pwatch: an early-warning news monitor for the Responsibility to Protect."""

__version__ = "0.1.0"
