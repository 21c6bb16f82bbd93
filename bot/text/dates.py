"""Dates: the one reader of dates in text and the one way of saying a date.

DATE: a compiled pattern for a date as documents write it, 2024年3月1日 or 二〇二四年三月一日
    (groups: year, month, day); ``to_date(match)`` turns a match into a ``date``
dates_in("自2024年3月1日起施行") -> [date(2024, 3, 1)]
read_date("2024/5/1") -> date(2024, 5, 1)
    a whole answer typed by a user: 2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日(号),
    二〇二四年五月一日; a year and month alone mean the month's first day; None otherwise
say_date(date(2025, 12, 31), "zh") -> "2025年12月31日";  "en" -> "2025-12-31"
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from bot.text.numbers import chinese_number

_NUMERAL = "〇零○Ｏ一二三四五六七八九十两"
DATE = re.compile(
    rf"([0-9]{{4}}|[{_NUMERAL}]{{4}})\s*年\s*([0-9]{{1,2}}|[{_NUMERAL}]{{1,3}})\s*月"
    rf"\s*([0-9]{{1,2}}|[{_NUMERAL}]{{1,3}})\s*[日号號]"
)
_TYPED = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})()$"),
    re.compile(rf"^([0-9]{{4}}|[{_NUMERAL}]{{4}})年([0-9]{{1,2}}|[{_NUMERAL}]{{1,3}})月?()$"),
)


def _date(year: str, month: str, day: str) -> date | None:
    parts = [chinese_number(year), chinese_number(month), chinese_number(day) if day else 1]
    if any(p is None for p in parts):
        return None
    try:
        return date(*(int(p or 0) for p in parts))
    except ValueError:  # 2月30日
        return None


def to_date(match: re.Match[str], offset: int = 0) -> date | None:
    """The date of a ``DATE`` match (its groups from ``offset + 1``), None when impossible."""
    return _date(match.group(offset + 1), match.group(offset + 2), match.group(offset + 3))


def dates_in(text: str) -> list[date]:
    """Every possible date ``text`` writes, in order."""
    return [d for d in (to_date(m) for m in DATE.finditer(text)) if d is not None]


def read_date(text: str) -> date | None:
    """A date typed as a whole answer (see the module docstring); None when it is none."""
    norm = re.sub(r"\s+", "", text)
    whole = DATE.fullmatch(norm)
    if whole is not None:
        return to_date(whole)
    for pattern in _TYPED:
        match = pattern.match(norm)
        if match:
            return _date(*match.groups())
    return None


def say_date(day: date, lang: Literal["zh", "en"]) -> str:
    """A date in a reply: 2025年12月31日 in Chinese, ISO in English."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()
