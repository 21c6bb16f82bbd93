"""What a text claims that can be checked against its sources: figures, dates, contacts, names.

A model's answer is only as good as what it can be held to. This module reads, from any text in
Chinese (Simplified or Traditional) or English, the things a policy answer must never invent:

- money, in yuan (through the project's one money reader, ``bot.text.find_amounts``);
- other figures with their unit class: percentages, durations (days, working days, months,
  years), counts (firms, people, items, times), calendar years;
- dates (year-month-day, year-month), in Chinese or English;
- contacts: phone numbers, URLs, e-mail addresses, street addresses;
- office names (Chinese organisations ending in 局, 委员会, 办公室, 中心…; English ones ending in
  Bureau, Commission, Office…).

Chinese numerals are read by the project's numeral reader (``bot.text.chinese_number``), so
"三十日" and "30 days" are the same claim. All functions are pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.text import DATE, chinese_number, dates_in, find_amounts, to_simplified

_CN_NUMERAL = "零〇○一二两三四五六七八九十百千"
# A Chinese numeral counts as a figure only where a unit or 百分之/第 makes it one: "统一",
# "进一步" and "一是" state nothing.
_CN_FIGURE = re.compile(
    rf"(百分之)([{_CN_NUMERAL}]+)|()([{_CN_NUMERAL}]+)(?=个?(?:工作日|日|天|月|年|周|小时|家|名|人|项|次(?!性)|倍|所|户|个|万|亿|元|%))"
)
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "sixty": 60, "ninety": 90,
}  # fmt: skip
_EN_WORD_RE = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b(?=[ -](?:working |business |calendar )?(?:days?|months?|years?|weeks?|times?|firms?|companies|enterprises|people|persons|items?))", re.I)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december")
    )
}  # fmt: skip
_MONTH_RE = "|".join(_MONTHS)
# Beside the documents' own form (``bot.text.dates.DATE``), the forms an answer may use.
_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})"),
    re.compile(rf"(?P<mn>{_MONTH_RE})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})", re.I),
    re.compile(rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn>{_MONTH_RE}),?\s+(?P<y>\d{{4}})", re.I),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)"),
    re.compile(rf"(?P<mn>{_MONTH_RE})\s+(?P<y>\d{{4}})", re.I),
)
_UNIT_CLASS = (
    ("workday", r"个?工作日|working days?|business days?"),
    ("percent", r"%|percent|per cent"),
    ("day", r"日|天|calendar days?|days?"),
    ("month", r"个月|months?"),
    ("week", r"周|星期|weeks?"),
    ("hour", r"小时|hours?"),
    ("year", r"年|years?"),
    ("times", r"倍|次|times?"),
    ("count", r"家|名|人|项|所|户|个|firms?|companies|enterprises|people|persons|items?|projects?"),
)
_FIGURE = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>" + "|".join(f"(?:{u})" for _, u in _UNIT_CLASS) + r")",
    re.I,
)
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:0\d{2,3}[- ]?)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)12345(?!\d)")
_URL = re.compile(r"https?://[^\s，。；）)\]]+|www\.[^\s，。；）)\]]+|[a-z0-9.-]+\.(?:gov|com|org|net)\.cn\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS = re.compile(r"[\u4e00-\u9fff]{1,10}(?:路|街|大道|弄)\d+号")
# An office name ends in one of these; what stands before it is read back until it is known.
_CN_OFFICE = re.compile(
    r"[\u4e00-\u9fff]{1,12}(?:委员会|管委会|办公室|中心|局|厅|委|署|政府)(?![\u4e00-\u9fff]?(?:员|会|公|室|托|屈|婉|实|曲))"
)
_EN_OFFICE = re.compile(
    r"(?:[A-Z][a-z]+\s+){1,6}(?:Bureau|Commission|Office|Committee|Department|Administration|Centre|Center|Government)"
    r"(?:\s+(?:of|for)(?:\s+(?:the\s+)?[A-Z][a-z]+)+)?"
)


@dataclass(frozen=True)
class Claims:
    """The checkable claims of a text, each as a comparable value."""

    money: frozenset[int]
    figures: frozenset[tuple[str, float]]  # (unit class, value)
    dates: frozenset[tuple[int, int, int]]  # day 0 = a month without a day
    years: frozenset[int]
    contacts: frozenset[str]
    offices: frozenset[str]


def _plain(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text))


def _unit_class(unit: str) -> str:
    for name, pattern in _UNIT_CLASS:
        if re.fullmatch(pattern, unit, re.I):
            return name
    return "count"


def _arabic(text: str) -> str:
    """Chinese and English number words that state a figure, as digits ("三十日" -> "30日")."""

    def cn(m: re.Match[str]) -> str:
        value = chinese_number(m.group(2) or m.group(4))
        if value is None:
            return m.group(0)
        return f"{value}%" if m.group(1) else str(value)

    text = _CN_FIGURE.sub(cn, text)
    text = re.sub(r"(\d+)%(?=个?(?:工作日|日|天|月|年|周|小时|家|名|人|项|次|倍|所|户|个))", r"\1", text)
    return _EN_WORD_RE.sub(lambda m: str(_EN_WORDS[m.group(1).lower()]), text)


def _dates(text: str) -> tuple[set[tuple[int, int, int]], str]:
    found = {(d.year, d.month, d.day) for d in dates_in(text)}
    text = DATE.sub(" ", text)
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTHS[groups["mn"].lower()]
            day = int(groups["d"]) if groups.get("d") else 0
            if 1 <= month <= 12 and 0 <= day <= 31:
                found.add((int(groups["y"]), month, day))
        text = pattern.sub(" ", text)
    return found, text


_CURRENCY_FIRST = re.compile(r"(?:RMB|CNY|[¥￥])\s*(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand)?", re.I)


def claims_of(text: str) -> Claims:
    """Everything ``text`` states that a source must back."""
    plain = _arabic(_plain(text))
    # "RMB 800,000" as the money reader reads it: "800,000 yuan"
    plain = _CURRENCY_FIRST.sub(lambda m: f"{m.group(1)} {m.group(2) or ''} yuan", plain)
    contacts = {_contact_form(m.group(0)) for m in _EMAIL.finditer(plain)}
    without_mail = _EMAIL.sub(" ", plain)
    contacts |= {_contact_form(m.group(0)) for rx in (_URL, _ADDRESS) for m in rx.finditer(without_mail)}
    without_links = _URL.sub(" ", without_mail)
    dates, rest = _dates(without_links)
    contacts |= {_contact_form(m.group(0)) for m in _PHONE.finditer(rest)}
    rest = _PHONE.sub(" ", rest)
    money = {a.yuan for a in find_amounts(rest)}
    figures: set[tuple[str, float]] = set()
    years: set[int] = {y for y, _, _ in dates}
    for m in _FIGURE.finditer(rest):
        value, unit = float(m.group("num")), _unit_class(m.group("unit"))
        if unit == "year" and 1900 <= value <= 2100:
            years.add(int(value))
        elif not _is_money_part(rest, m):
            figures.add((unit, value))
    offices = {m.group(0) for m in _CN_OFFICE.finditer(plain)}
    offices |= {m.group(0).strip() for m in _EN_OFFICE.finditer(text)}
    return Claims(
        money=frozenset(money),
        figures=frozenset(figures),
        dates=frozenset(dates),
        years=frozenset(years),
        contacts=frozenset(contacts),
        offices=frozenset(offices),
    )


def _is_money_part(text: str, m: re.Match[str]) -> bool:
    """"80万元" is money, read by the money reader; its "80" is no count of its own."""
    return bool(re.match(r"\s*(?:万|亿|千万|百万)?\s*(?:元|块|yuan|rmb)", text[m.end("num") :], re.I))


def _contact_form(raw: str) -> str:
    """Contacts compared as they are dialled or typed: digits of a phone, a lower-case link."""
    digits = re.sub(r"\D", "", raw)
    if digits and len(digits) >= 5 and not re.search(r"[a-zA-Z@\u4e00-\u9fff]", raw):
        return digits.removeprefix("86") if len(digits) > 11 else digits
    return raw.lower().rstrip("/.")
