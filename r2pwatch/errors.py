"""Errors a user can act on: the CLI prints them as one line and exits 1."""


class UserError(Exception):
    """Bad input or configuration, reported without a traceback."""
