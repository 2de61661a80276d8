"""What a notice may say and whom it may reach: the rules staff meet in the console, the API and /公告.

Audience specs (JSON, as the staff API and console send them)::

    {"all": true}
    {"program": "digital_cluster", "class": "A", "role": "leader"}   # any of the three may be omitted
    {"clusters": ["K7P2QX"]}                                          # members and leaders of clusters
    {"not_reported": "2026-11"}                                       # who owes that month's report

The database resolves a spec into people (``db/audience.py``); the rules and the words are here,
once, so the console, the API and the chat check a notice the same way.
"""
from __future__ import annotations

import re
from typing import Any

from knowledge.errors import AssistantError
from knowledge.labels import PROGRAM_SHORT, ROLES

__all__ = [
    "MAX_TEXT", "PRESETS", "AudienceError", "NoticeError", "audience_spec", "check_audience", "check_notice",
    "describe", "preset",
]

MAX_TEXT = 2000


class NoticeError(AssistantError, ValueError):
    """The notice cannot be sent as written; the message (Chinese, for staff) says why."""


class AudienceError(AssistantError, ValueError):
    """The audience names nothing we know; the message (Chinese, for staff) says why."""


#: The audiences staff pick from, in the console and in /公告: key → (label, spec).
#: ``not_reported`` is filled with the current month when picked.
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "all": ("所有好友", {"all": True}),
    "dc": ("數位群聚（全部）", {"program": "digital_cluster"}),
    "dc_a": ("數位群聚A類", {"program": "digital_cluster", "class": "A"}),
    "dc_b": ("數位群聚B類", {"program": "digital_cluster", "class": "B"}),
    "ia": ("國際主題聯盟", {"program": "intl_alliance"}),
    "leaders": ("領導企業", {"role": "leader"}),
    "not_reported": ("本月未回報月報的領導企業", {"not_reported": None}),
}
_KEYS = {"all", "program", "class", "role", "clusters", "not_reported"}
_CODE = re.compile(r"^[A-Z0-9]{6}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def preset(key_or_label: str, *, month: str) -> dict[str, Any]:
    """The spec of a preset, picked by key (console) or label (chat); ``month`` is YYYY-MM."""
    for key, (label, spec) in PRESETS.items():
        if key_or_label in (key, label):
            return {"not_reported": month} if "not_reported" in spec else dict(spec)
    raise AudienceError("請選擇發送對象")


def audience_spec(key: str, clusters: str, *, month: str) -> dict[str, Any]:
    """The console's choice (a preset key, or «clusters» with codes typed in) as a spec."""
    if key != "clusters":
        return preset(key, month=month)
    codes = [c.strip().upper() for c in clusters.replace("，", ",").replace("、", ",").split(",") if c.strip()]
    if not codes:
        raise AudienceError("請填入至少一個群聚代碼")
    return check_audience({"clusters": codes})


def check_audience(spec: dict[str, Any] | str) -> dict[str, Any]:
    """The spec, checked and normalized; :class:`AudienceError` names what is wrong."""
    if isinstance(spec, str):
        spec = {"all": True} if spec == "all" else {"program": spec}
    if not isinstance(spec, dict) or not spec:
        raise AudienceError("發送對象格式不正確，例如 {\"all\": true} 或 {\"program\": \"digital_cluster\"}")
    unknown = set(spec) - _KEYS
    if unknown:
        raise AudienceError(f"看不懂的對象欄位：{'、'.join(sorted(map(str, unknown)))}")
    if spec.get("program") and spec["program"] not in PROGRAM_SHORT:
        raise AudienceError("計畫只能是 " + "、".join(f"{code}（{name}）" for code, name in PROGRAM_SHORT.items()))
    if spec.get("class") and spec["class"] not in ("A", "B"):
        raise AudienceError("類別只能是 A 或 B")
    if spec.get("role") and spec["role"] not in ROLES:
        raise AudienceError("角色只能是 " + "、".join(f"{code}（{name}）" for code, name in ROLES.items()))
    if "clusters" in spec:
        codes = spec["clusters"]
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and _CODE.match(c.upper()) for c in codes):
            raise AudienceError("群聚代碼是 6 碼英數字，例如 K7P2QX")
        spec = {**spec, "clusters": [c.upper() for c in codes]}
    if "not_reported" in spec and not (isinstance(spec["not_reported"], str) and _MONTH.match(spec["not_reported"])):
        raise AudienceError("月份格式是 YYYY-MM，例如 2026-11")
    return spec


def check_notice(text: str, link_url: str | None = None) -> str:
    """The notice text, trimmed, with a browser's ``\r\n`` line breaks as LINE's ``\n``.

    Raises :class:`NoticeError` when it cannot be sent.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise NoticeError("請輸入公告內容")
    if len(text) > MAX_TEXT:
        raise NoticeError(f"公告內容最多 {MAX_TEXT} 字")
    if link_url and not link_url.startswith(("https://", "http://")):
        raise NoticeError("連結網址要以 https:// 開頭")
    return text


def describe(spec: dict[str, Any] | str) -> str:
    """The audience in words, for previews and reports."""
    if isinstance(spec, str):
        spec = {"all": True} if spec == "all" else {"program": spec}
    if spec.get("all"):
        return "所有好友"
    if spec.get("clusters"):
        return "群聚 " + "、".join(spec["clusters"]) + " 的成員與領導企業"
    if spec.get("not_reported"):
        return f"{spec['not_reported']} 尚未回報月報的領導企業"
    parts = [PROGRAM_SHORT.get(spec.get("program", ""), "各計畫")]
    if spec.get("class"):
        parts.append(f"{spec['class']}類")
    parts.append(ROLES.get(spec.get("role", ""), "訂閱者"))
    return " ".join(parts)
