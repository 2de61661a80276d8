"""Names people read, in one place: programs, classes, roles, and the time zone they live in.

Every label the chat, the console, reminders and exports show for a program code or a role
comes from here, so «digital_cluster» is called the same thing everywhere.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "CLASSES",
    "PROGRAMS",
    "PROGRAM_NAMES",
    "PROGRAM_SHORT",
    "ROLES",
    "TAIPEI",
    "fold",
    "month_key",
    "month_label",
    "program_label",
    "role_label",
]

#: Every date and time the assistant shows or schedules is Asia/Taipei wall-clock time.
TAIPEI = ZoneInfo("Asia/Taipei")

PROGRAMS = ("digital_cluster", "intl_alliance")
#: The program's full name, as in reminders and notices.
PROGRAM_NAMES = {"digital_cluster": "數位群聚輔導", "intl_alliance": "國際主題聯盟"}
#: The program's short name, as in buttons, lists and the console.
PROGRAM_SHORT = {"digital_cluster": "數位群聚", "intl_alliance": "國際主題聯盟"}
CLASSES = {"A": "A類（數位導入應用）", "B": "B類（深化創新加值）"}
ROLES = {"member": "成員企業", "leader": "領導企業", "staff": "計畫同仁"}


def program_label(program: str | None, *, short: bool = True) -> str:
    names = PROGRAM_SHORT if short else PROGRAM_NAMES
    return names.get(program or "", program or "各計畫")


def role_label(role: str | None) -> str:
    return ROLES.get(role or "", role or "")


def fold(text: str | None) -> str:
    """NFKC (full-width → half-width) and trimmed: how a typed command or code is compared."""
    return unicodedata.normalize("NFKC", text or "").strip()


def month_key(moment: date | datetime) -> str:
    """«2026-07»: the month a check-in or a monthly reminder belongs to (Taipei time)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(TAIPEI).date()
    return f"{moment:%Y-%m}"


def month_label(key: str) -> str:
    """«2026-07» as people here say it: «115年7月» (the key itself when it is not a month)."""
    try:
        year, month = (int(part) for part in key.split("-"))
    except ValueError:
        return key
    return f"{year - 1911}年{month}月"
