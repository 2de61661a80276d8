"""Reading one typed answer for one form item: parse, validate, or say precisely what is wrong.

Every rejection carries a message the user can act on (「統一編號是 8 位數字」), so a form never
dead-ends on a typo. Values are stored as plain JSON (str, number, bool, list, dict).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from knowledge.errors import AssistantError
from knowledge.forms import FormItem
from knowledge.labels import fold

__all__ = ["InvalidAnswer", "Parsed", "display", "parse_answer", "valid_tax_id"]

_YES = {"有", "是", "yes", "y", "1", "對", "有的", "有喔", "有啊", "v", "✓", "⭕", "o"}
_NO = {"無", "沒有", "否", "no", "n", "0", "沒", "無喔", "沒有喔", "x", "✗", "❌", "不是"}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


class InvalidAnswer(AssistantError, ValueError):
    """The answer cannot be accepted; ``str(exc)`` is the re-prompt shown to the user."""


@dataclass(frozen=True)
class Parsed:
    value: Any


def _cn_number(text: str) -> int | None:
    """「十二」→12, 「三百五十」→350; None when the text is not a Chinese numeral."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + digit


def _number(text: str) -> float:
    t = fold(text).replace(",", "").replace("，", "").replace(" ", "")
    t = re.sub(r"(新臺幣|新台幣|台幣|臺幣|nt\$|NT\$|元整|元|人|位|家|筆|間|%|％|左右|大約|約|民國|年)", "", t)
    scale = 1.0
    for word, factor in (("億", 1e8), ("萬", 1e4), ("千", 1e3)):
        if t.endswith(word) and t[:-1]:
            t, scale = t[:-1], factor
            break
    cn = _cn_number(t)
    if cn is not None:
        return cn * scale
    try:
        return float(t) * scale
    except ValueError:
        raise InvalidAnswer("請輸入數字，例如「12」或「350萬」。") from None


def valid_tax_id(digits: str) -> bool:
    """The 統一編號 checksum (MOF rule since 2023: the weighted digit sum divisible by 5)."""
    if not re.fullmatch(r"\d{8}", digits):
        return False
    weights = (1, 2, 1, 2, 1, 2, 4, 1)
    total = 0
    for d, w in zip(digits, weights):
        product = int(d) * w
        total += product // 10 + product % 10
    if total % 5 == 0:
        return True
    return digits[6] == "7" and (total + 1) % 5 == 0


def _date(text: str, today: date | None) -> str:
    t = fold(text).replace(" ", "")
    t = t.replace("民國", "").replace("西元", "")
    m = re.fullmatch(r"(\d{2,4})[年/.\-](\d{1,2})[月/.\-](\d{1,2})日?", t) or re.fullmatch(r"(\d{3,4})(\d{2})(\d{2})", t)
    if not m:
        raise InvalidAnswer("請用「112/3/7」（民國）或「2023-03-07」（西元）的格式輸入日期。")
    year, month, day = (int(g) for g in m.groups())
    if year < 1000:
        year += 1911  # ROC calendar
    try:
        value = date(year, month, day)
    except ValueError:
        raise InvalidAnswer("這個日期不存在，請再確認月份和日期。") from None
    if today is not None and value > today:
        raise InvalidAnswer("這個日期還沒到喔，請輸入已經發生的日期（例如核准設立日期）。")
    if value.year < 1912:
        raise InvalidAnswer("日期太早了，請再確認年份（民國年請直接輸入，例如 95/6/1）。")
    return value.isoformat()


def _phone(text: str, *, mobile: bool) -> str:
    t = fold(text)
    ext = None
    m = re.search(r"(?:#|分機|轉|ext\.?)\s*(\d{1,6})$", t, re.IGNORECASE)
    if m:
        ext, t = m.group(1), t[: m.start()]
    digits = re.sub(r"[\s\-()（）]", "", t)
    if digits.startswith("+886"):
        digits = "0" + digits[4:]
    if not digits.isdigit():
        raise InvalidAnswer("電話號碼只能有數字，例如「0912345678」或「02-2553-3988」。")
    if re.fullmatch(r"09\d{8}", digits):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if mobile:
        raise InvalidAnswer("行動電話是 09 開頭的 10 位數字，例如「0912345678」。")
    if re.fullmatch(r"0[2-8]\d{7,8}", digits):
        if digits[:4] in ("0826", "0836"):
            area = 4
        elif digits[:3] in ("037", "049", "082", "089"):
            area = 3
        else:
            area = 2
        number = f"{digits[:area]}-{digits[area:]}"
        return f"{number}#{ext}" if ext else number
    raise InvalidAnswer("請輸入含區碼的市話（例如「049-2612345」）或手機號碼（例如「0912345678」）。")


def _choice(item: FormItem, text: str) -> str:
    t = fold(text)
    folded = [(option, fold(option), fold(button)) for option, button in zip(item.options, item.buttons)]
    for i, (option, fo, fb) in enumerate(folded, start=1):
        if t in (fo, fb, str(i)) or t.replace(" ", "") in (fo.replace(" ", ""), fb.replace(" ", "")):
            return option
    if item.other:
        m = re.match(r"^其他\s*[:：]?\s*(.+)$", t)
        if m:
            return f"其他：{m.group(1).strip()}"
    contains = [o for o, fo, fb in folded if t and (t in fo or t in fb)]
    if len(contains) == 1:
        return contains[0]
    bracket = _bracket(item.options, t)
    if bracket is not None:
        return bracket
    hint = "請點選下方按鈕，或輸入選項編號"
    if item.other:
        hint += "；不在選項中請輸入「其他：說明」"
    raise InvalidAnswer(hint + "。")


_RANGE = re.compile(r"^(\d+)\s*[-–~～至到]\s*(\d+)")
_BELOW = re.compile(r"^(\d+)\s*歲?以下")
_ABOVE = re.compile(r"^(\d+)\s*歲?以上")
_ADDRESS = re.compile(r"[路街道段巷弄號樓村里鄰鄉鎮市區縣]")


def _bracket(options: tuple[str, ...], text: str) -> str | None:
    """«38歲» answers «30-44歲»: a number typed where the options are ranges."""
    number = re.fullmatch(r"(\d{1,3})\s*(?:歲|年|人|%)?", text)
    if number is None:
        return None
    value = int(number.group(1))
    for option in options:
        o = fold(option)
        if (m := _RANGE.match(o)) and int(m.group(1)) <= value <= int(m.group(2)):
            return option
        if (m := _BELOW.match(o)) and value <= int(m.group(1)):
            return option
        if (m := _ABOVE.match(o)) and value >= int(m.group(1)):
            return option
    return None


def _address(text: str) -> str:
    """A postal address: it names a road, a lane, a number or a district, and holds a digit."""
    if not (_ADDRESS.search(text) and re.search(r"\d|[一二三四五六七八九十]", text)):
        raise InvalidAnswer("這看起來不像地址，請輸入完整地址，例如「557 南投縣竹山鎮集山路三段 1000 號」。")
    return text


def parse_answer(item: FormItem, text: str, *, limit: int | None = None, today: date | None = None) -> Parsed:
    """Parse ``text`` as the answer to ``item``; ``limit`` caps firm counts (the cluster's size)."""
    raw = (text or "").strip()
    t = fold(raw)
    if not t:
        raise InvalidAnswer("請輸入答案，或說「略過」「上一題」「暫停」。")
    kind = item.type
    if kind in ("text", "address"):
        if len(t) > item.max_length:
            raise InvalidAnswer(f"內容請在 {item.max_length} 字以內（目前 {len(t)} 字）。")
        return Parsed(_address(raw) if kind == "address" else raw)
    if kind == "yes_no":
        head, _, rest = t.partition(" ")
        low = t.lower()
        for yes in sorted(_YES, key=len, reverse=True):
            if low == yes or low.startswith(yes + " ") or low.startswith(yes + "，") or low.startswith(yes + ","):
                note = t[len(yes):].strip(" ，,:：")
                return Parsed({"has": True, "note": note or None})
        if low.startswith("有") and len(t) > 1:
            return Parsed({"has": True, "note": t[1:].strip(" ，,:：") or None})
        if low in _NO:
            return Parsed({"has": False, "note": None})
        raise InvalidAnswer("請回答「有」或「無」；有的話可以接著寫說明，例如「有 LINE群組」。")
    if kind == "single":
        return Parsed(_choice(item, t))
    if kind == "multi":
        parts = [p.strip() for p in re.split(r"[、,，;；/\n]+", t) if p.strip()]
        if t.startswith("其他"):
            parts = [t]
        return Parsed(sorted({_choice(item, p) for p in parts}, key=lambda o: (item.options + (o,)).index(o)))
    if kind == "number":
        value = _number(t)
        if item.integer and value != int(value):
            raise InvalidAnswer("請輸入整數。")
        if item.min is not None and value < item.min:
            raise InvalidAnswer(f"數字不能小於 {item.min:g}。")
        if item.max is not None and value > item.max:
            raise InvalidAnswer(f"數字不能大於 {item.max:g}，請再確認。")
        if value < 0:
            raise InvalidAnswer("數字不能是負的。")
        return Parsed(int(value) if value == int(value) else value)
    if kind == "percent":
        value = _number(t)
        if not 0 <= value <= 100:
            raise InvalidAnswer("百分比請輸入 0 到 100 之間的數字，例如「30」。")
        return Parsed(int(value) if value == int(value) else value)
    if kind == "phone":
        return Parsed(_phone(t, mobile=item.mobile))
    if kind == "email":
        if not _EMAIL.fullmatch(t):
            raise InvalidAnswer("E-mail 格式不對，請再確認，例如「boss@example.com」。")
        return Parsed(t.lower())
    if kind == "date":
        return Parsed(_date(t, today))
    if kind == "tax_id":
        digits = re.sub(r"[\s\-]", "", t)
        if not re.fullmatch(r"\d{8}", digits):
            raise InvalidAnswer("統一編號是 8 位數字，請再確認一次。")
        if not valid_tax_id(digits):
            raise InvalidAnswer("這組統一編號的檢查碼不對，可能有一個數字打錯了，請再確認一次。")
        return Parsed(digits)
    if kind == "count_pair":
        numbers = re.findall(r"\d+", t)
        if len(numbers) != 2:
            raise InvalidAnswer("請輸入兩個數字：目前已做到的家數、輔導後預計的家數，例如「3 8」。")
        initial, expected = (int(n) for n in numbers)
        if limit is not None and max(initial, expected) > limit:
            raise InvalidAnswer(f"家數不能超過群聚成員家數（{limit} 家）。")
        if expected < initial:
            raise InvalidAnswer("輔導後預計的家數不會少於目前的家數，請再確認，例如「3 8」。")
        return Parsed({"initial": initial, "expected": expected})
    raise InvalidAnswer("這題暫時無法作答。")  # pragma: no cover — types are validated at load


def display(item: FormItem, value: Any) -> str:
    """A stored value as the user reads it in summaries and exports."""
    if value is None:
        return "（略過）"
    if item.type == "yes_no":
        return ("有" + (f"（{value['note']}）" if value.get("note") else "")) if value.get("has") else "無"
    if item.type == "multi":
        return "、".join(value)
    if item.type == "count_pair":
        return f"{value['initial']} → {value['expected']} 家"
    if item.type == "percent":
        return f"{value}%"
    if item.type == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
        year, month, day = (int(part) for part in str(value).split("-"))
        return f"{year - 1911}/{month}/{day}"  # 民國, as the forms and their readers write dates
    if item.type == "number" and item.unit:
        return f"{value:,} {item.unit}" if isinstance(value, int) else f"{value} {item.unit}"
    return str(value)
