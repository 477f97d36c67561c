"""Errors a user can act on: the CLI prints them as one line and exits 1."""


class UserError(Exception):
    """Bad input or configuration, reported without a traceback."""


class UsageError(Exception):
    """Options that do not go together: one line, exit code 2 (as argparse's own usage errors)."""
