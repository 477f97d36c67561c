"""Credentials embedded in feed URLs (``https://user:pass@host/…``) are shown to admins only.

Every other reader — analysts, viewers, anonymous visitors, Atom subscribers who are not admins —
sees ``https://***@host/…`` on every page and in every export. Applied to any text that may hold a
URL (feed addresses, source names that fall back to the address, fetch error messages).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import overload

from dashboard.context import CurrentUser
from db.exports import ExportRecord
from db.rows import ItemRow

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s]*@")


@overload
def mask_credentials(text: str) -> str: ...
@overload
def mask_credentials(text: None) -> None: ...
@overload
def mask_credentials(text: str | None) -> str | None: ...


def mask_credentials(text: str | None) -> str | None:
    if text is None or "@" not in text:
        return text
    return _USERINFO.sub(r"\1***@", text)


def reveals(user: CurrentUser | None) -> bool:
    return user is not None and not user.anonymous and user.role == "admin"


@overload
def shown(text: str, user: CurrentUser | None) -> str: ...
@overload
def shown(text: str | None, user: CurrentUser | None) -> str | None: ...


def shown(text: str | None, user: CurrentUser | None) -> str | None:
    return text if reveals(user) else mask_credentials(text)


def row_for(row: ItemRow, user: CurrentUser | None) -> ItemRow:
    if reveals(user):
        return row
    return replace(row, source=mask_credentials(row.source), link=mask_credentials(row.link))


def mask_record(record: ExportRecord) -> ExportRecord:
    return replace(
        record,
        sources=tuple((mask_credentials(t), mask_credentials(u)) for t, u in record.sources),
        link=mask_credentials(record.link),
    )
