"""``r2pwatch users ...``: dashboard users, their roles, passwords and Atom feed tokens."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from r2pwatch.cli.common import actor, add, open_db, settings_of
from r2pwatch.errors import UserError


def _read_password(args: argparse.Namespace, name: str) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {name}: ")
    if password != getpass.getpass("again: "):
        raise UserError("passwords differ")
    return password


def _users_call(fn: Callable[[], Any], name: str) -> Any:
    from db.users import BadUserInput, DuplicateUser, UserNotFound

    try:
        return fn()
    except DuplicateUser:
        raise UserError(f"user {name!r} exists") from None
    except UserNotFound:
        raise UserError(f"no user {name!r}") from None
    except BadUserInput as exc:
        raise UserError(str(exc)) from None


def cmd_users_add(args: argparse.Namespace) -> int:
    from db.users import add_user, check_name, check_password

    _users_call(lambda: check_name(args.name), args.name)
    password = _read_password(args, args.name)
    _users_call(lambda: check_password(password), args.name)
    database = open_db(args)
    _users_call(lambda: add_user(database, args.name, args.role, password, actor=actor()), args.name)
    print(f"added {args.role} {args.name}")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from db.users import check_password, get_user, set_password

    database = open_db(args)
    if get_user(database, args.name) is None:
        raise UserError(f"no user {args.name!r}")
    password = _read_password(args, args.name)
    _users_call(lambda: check_password(password), args.name)
    _users_call(lambda: set_password(database, args.name, password, actor=actor()), args.name)
    print(f"password of {args.name} changed; their sessions are ended")
    return 0


def cmd_users_role(args: argparse.Namespace) -> int:
    from db.users import set_role

    database = open_db(args)
    _users_call(lambda: set_role(database, args.name, args.role, actor=actor()), args.name)
    print(f"{args.name} is now {args.role}; their sessions are ended")
    return 0


def _users_set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    from db.users import set_disabled

    database = open_db(args)
    _users_call(lambda: set_disabled(database, args.name, disabled, actor=actor()), args.name)
    print(f"{args.name} disabled; their sessions are ended" if disabled else f"{args.name} enabled")
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    from db.users import remove_user

    database = open_db(args)
    _users_call(lambda: remove_user(database, args.name, actor=actor()), args.name)
    print(f"removed {args.name} (their reviews keep their name)")
    return 0


def cmd_users_rotate_token(args: argparse.Namespace) -> int:
    from db.users import rotate_token

    info = _users_call(lambda: rotate_token(open_db(args), args.name, actor=actor()), args.name)
    print(f"new Atom feed address of {args.name}: /feeds/flagged.atom?token={info.feed_token}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from db.users import list_users

    settings = settings_of(args)
    users = list_users(open_db(args, settings))
    base = str(settings["serve.public_url"] or "").rstrip("/")
    if args.tokens and not base:
        print("(relative addresses: set serve.public_url to print full ones)", file=sys.stderr)
    if not users:
        print("no users; add one with: r2pwatch users add NAME --role analyst")
    for u in users:
        line = f"{u.name:<20} {u.role:<8}" + (" disabled" if u.disabled else "")
        if args.tokens:
            line += f" {base}/feeds/flagged.atom?token={u.feed_token}"
        print(line.rstrip())
    return 0


def register(sub: Any) -> None:
    from db.roles import ROLES

    users = sub.add_parser("users", help="dashboard users", description="dashboard users")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    ua = add(usub, "add", cmd_users_add, "add a user (password prompted or read from stdin)")
    ua.add_argument("name")
    ua.add_argument("--role", choices=ROLES, default="analyst")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ul = add(usub, "list", cmd_users_list, "list users and their roles")
    ul.add_argument(
        "--tokens",
        action="store_true",
        help="also print each user's Atom feed address (full when serve.public_url is set)",
    )
    up = add(usub, "passwd", cmd_users_passwd, "set a user's password (ends their sessions)")
    up.add_argument("name")
    up.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ur = add(usub, "role", cmd_users_role, "change a user's role (ends their sessions)")
    ur.add_argument("name")
    ur.add_argument("role", choices=ROLES)
    for name, handler, text in (
        (
            "disable",
            lambda a: _users_set_disabled(a, True),
            "disable a user (ends their sessions and Atom feed)",
        ),
        ("enable", lambda a: _users_set_disabled(a, False), "enable a disabled user"),
        ("remove", cmd_users_remove, "delete a user (their reviews keep their name)"),
        (
            "rotate-token",
            cmd_users_rotate_token,
            "give a user a new Atom feed token (the old one stops working)",
        ),
    ):
        sp = add(usub, name, handler, text)
        sp.add_argument("name")
