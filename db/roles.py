"""The users' roles, lowest first: each may do what the ones before it may. Importing this module
is cheap (no SQLAlchemy), so the command line can offer the roles without loading storage."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
