"""What the Users page does, as plain functions (tested directly): every user rotates their own Atom
token and changes their own password; admins add users and change, disable, enable, remove them or
rotate their tokens. Every change that ends sessions ends them at once (db.users)."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.context import AppContext, CurrentUser
from db.roles import ROLES
from db.users import (
    BadUserInput,
    DuplicateUser,
    UserNotFound,
    add_user,
    authenticate,
    remove_user,
    rotate_token,
    set_disabled,
    set_password,
    set_role,
)

ADMIN_ACTIONS = (*ROLES, "disable", "enable", "password", "rotate-token", "remove")


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str


def rotate_own_token(ctx: AppContext, user: CurrentUser) -> Outcome:
    if user.anonymous:
        return Outcome(False, "Log in to have a feed token.")
    info = rotate_token(ctx.database, user.name)
    return Outcome(
        True,
        f"New feed token issued; the old address stops working now. New address: "
        f"/feeds/flagged.atom?token={info.feed_token}",
    )


def change_own_password(ctx: AppContext, user: CurrentUser, current: str | None, new: str | None) -> Outcome:
    if user.anonymous:
        return Outcome(False, "Log in first.")
    if authenticate(ctx.database, user.name, current or "") is None:
        return Outcome(False, "Not changed: the current password is wrong.")
    try:
        set_password(ctx.database, user.name, new or "")
    except BadUserInput as exc:
        return Outcome(False, f"Not changed: {exc}")
    return Outcome(True, "Password changed. Every session of yours has ended: log in again.")


def add(
    ctx: AppContext, admin: CurrentUser, name: str | None, role: str | None, password: str | None
) -> Outcome:
    if not admin.can("users"):
        return Outcome(False, "Only admins manage users.")
    try:
        info = add_user(ctx.database, name or "", role or "", password or "")
    except BadUserInput as exc:
        return Outcome(False, f"Not added: {exc}")
    except DuplicateUser:
        return Outcome(False, f"Not added: user {name!r} exists.")
    return Outcome(True, f"Added {info.role} {info.name}.")


def manage(
    ctx: AppContext, admin: CurrentUser, name: str | None, action: str | None, password: str | None = None
) -> Outcome:
    """One admin action on one user; admins cannot demote, disable or remove themselves here (that
    could lock the instance out; the command line can)."""
    if not admin.can("users"):
        return Outcome(False, "Only admins manage users.")
    if not name or action not in ADMIN_ACTIONS:
        return Outcome(False, "Choose a user and an action.")
    if name == admin.name and action in (*ROLES[:-1], "disable", "remove"):
        return Outcome(
            False,
            "You cannot demote, disable or remove yourself here; another admin or `r2pwatch users` can.",
        )
    db = ctx.database
    try:
        if action in ROLES:
            set_role(db, name, action)
            return Outcome(True, f"{name} is now {action}; their sessions have ended.")
        if action in ("disable", "enable"):
            set_disabled(db, name, action == "disable")
            return Outcome(
                True, f"{name} {action}d." + (" Their sessions have ended." if action == "disable" else "")
            )
        if action == "password":
            set_password(db, name, password or "")
            return Outcome(True, f"Password of {name} changed; their sessions have ended.")
        if action == "rotate-token":
            rotate_token(db, name)
            return Outcome(True, f"{name} has a new feed token; the old one stopped working.")
        remove_user(db, name)
        return Outcome(True, f"Removed {name}; their reviews keep their name.")
    except UserNotFound:
        return Outcome(False, f"No user {name!r}.")
    except BadUserInput as exc:
        return Outcome(False, f"Not changed: {exc}")
