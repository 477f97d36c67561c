"""The ``r2pwatch`` command. Exit codes: 0 success, 1 user error (one line, no traceback), 2 usage error.

One module per group of commands (``setup``, ``feeds``, ``reports``, ``running``, ``users``), each
with its handlers and a ``register`` that adds their arguments. Imports stay lazy so that
``r2pwatch tag`` loads neither SQLAlchemy nor Dash nor pandas.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from r2pwatch import __version__
from r2pwatch.cli import feeds, reports, running, setup, users
from r2pwatch.errors import UsageError, UserError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="r2pwatch",
        description="Early-warning news monitor for the Responsibility to Protect (pillar three).",
    )
    p.add_argument("--version", action="version", version=f"r2pwatch {__version__}")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="TOML settings file (default: ./r2pwatch.toml, then the user config directory)",
    )
    p.add_argument("--database-url", metavar="URL", help="database URL (env R2PWATCH_DATABASE_URL)")
    p.add_argument("--demo", action="store_true", help="use the demo's own database (demo.sqlite)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (setup, feeds, reports, running, users):
        group.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with contextlib.ExitStack() as args.cleanup:
            code: int = args.handler(args)
        return code
    except UserError as exc:
        print(f"r2pwatch: error: {exc}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"r2pwatch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("r2pwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
