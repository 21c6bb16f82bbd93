"""Money: the one reader of amounts in text and the one formatter.

    find_amounts("营收3个多亿") -> [Amount(300000000, "at_least", "3个多亿")]
        what a *user* states, with how exact they were (约, 以上, 多, 左右, "RMB 120 million")
    quoted_amounts("奖励80万元") -> [("80万元", Decimal(800000))]
        the figures a *document* (or an answer written by staff) quotes, as written, in yuan
    format_yuan(800000, "zh") -> "80万元";  format_yuan(800000, "en") -> "800,000 yuan"

Numerals are read by ``bot.text.numbers.read_number``: one reader for every caller.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from bot.text.normalize import to_simplified
from bot.text.numbers import read_number

_CN_NUM = "零一二两三四五六七八九十百千"
_UNIT_SCALE = {
    "亿": 100_000_000,
    "千万": 10_000_000,
    "百万": 1_000_000,
    "万": 10_000,
    "千": 1_000,
    "元": 1,
    "块": 1,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "million": 1_000_000,
    "mn": 1_000_000,
    "m": 1_000_000,
    "k": 1_000,
    "thousand": 1_000,
    "yuan": 1,
    "rmb": 1,
}
_AMOUNT_RE = re.compile(
    r"(?P<pre>大概|大约|约|差不多|将近|接近|近|超过|超|过|首超|以上|逾|over|about|around|approximately|more than|above|over)?\s*"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|[" + _CN_NUM + r"]+(?:点[" + _CN_NUM + r"]+)?)\s*"
    r"(?P<ge>来个?|个?多?个?)?\s*"
    r"(?P<unit>千万|百万|亿|万|元|块|billion|bn|million|mn|m\b|k\b|thousand|yuan|rmb)"
    r"(?P<more>多)?(?P<post>\s*(?:元|块|人民币|yuan|rmb))?\s*(?P<tail>以上|左右|上下|多|出头|有余|plus)?",
    re.IGNORECASE,
)
_BARE_YI = re.compile(r"(过|上|破)亿")


@dataclass(frozen=True)
class Amount:
    """An amount of money a message states: ``yuan``, and how exact the user was."""

    yuan: int
    bound: Literal["exact", "at_least", "about"] = "exact"
    said: str = ""


def find_amounts(text: str) -> list[Amount]:
    """Money amounts stated in ``text``: "3个亿" -> 300,000,000; "三个多亿", "3亿多", "1亿以上",
    "过亿" are lower bounds; "大概3个亿", "3亿左右" approximations; "RMB 120 million" too."""
    norm = unicodedata.normalize("NFKC", text).lower()
    norm = to_simplified(norm)
    found: list[Amount] = []
    last_end = -1
    for m in _AMOUNT_RE.finditer(norm):
        number = read_number(m.group("num"))
        value = None if number is None else float(number)
        start = m.start("num")
        if value is None or (start >= 2 and norm[start - 1] in ",，" and norm[start - 2].isdigit()):
            continue  # "2,5亿": a decimal comma is ambiguous, not an amount of 5亿
        unit = m.group("unit").lower()
        if unit in ("元", "块", "yuan", "rmb") and value < 100 and not m.group("num").isdigit():
            continue
        yuan = round(value * _UNIT_SCALE[unit])
        bound = _bound(m)
        if found and last_end == m.start() and unit not in ("亿", "元") and found[-1].yuan > yuan:
            prev = found.pop()  # "两亿五千万": one amount in two parts
            yuan, bound = prev.yuan + yuan, prev.bound if bound == "exact" else bound
        found.append(Amount(yuan, bound, m.group(0).strip()))
        last_end = m.end()
    if not found and _BARE_YI.search(norm):
        found.append(Amount(100_000_000, "at_least", _BARE_YI.search(norm).group(0)))  # type: ignore[union-attr]
    return found



_AT_LEAST_PRE = ("超过", "超", "过", "首超", "逾", "over", "more than", "above")
_AT_LEAST_TAIL = ("以上", "多", "出头", "有余", "plus")
_ABOUT_PRE = ("大概", "大约", "约", "差不多", "将近", "接近", "近", "about", "around", "approximately")
_ABOUT_TAIL = ("左右", "上下")


def _bound(m: re.Match[str]) -> Literal["exact", "at_least", "about"]:
    """How exact an amount the words around it make it: "三个多亿", "1亿以上", "超过1亿" are
    lower bounds; "大概3个亿", "3亿左右", "3来个亿" approximations."""
    pre, tail = (m.group("pre") or ""), (m.group("tail") or "")
    ge = m.group("ge") or ""
    if "多" in ge or m.group("more") or tail in _AT_LEAST_TAIL or pre in _AT_LEAST_PRE:
        return "at_least"
    if tail in _ABOUT_TAIL or pre in _ABOUT_PRE or "来" in ge:
        return "about"
    return "exact"


# ------------------------------------------------------------------- figures a text quotes

_QUOTED_UNITS = {"元": 1, "万元": 10_000, "万": 10_000, "亿元": 100_000_000, "亿": 100_000_000}
_ZH_MONEY = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(亿元|万元|亿|万|元)")
_EN_MONEY = re.compile(
    r"(?:(?:rmb|cny|¥|￥)\s*(\d+(?:,\d{3})*(?:\.\d+)?)(?:\s*(million|billion))?)|"
    r"(?:(\d+(?:,\d{3})*(?:\.\d+)?)\s*(million|billion)?\s*(?:yuan|rmb|cny))",
    re.IGNORECASE,
)
_EN_SCALE = {"": 1, "million": 1_000_000, "billion": 1_000_000_000}
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d)\s+(?=[万亿元])")


def _digits(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def quoted_amounts(text: str) -> list[tuple[str, Decimal]]:
    """The money figures ``text`` quotes: (as written, value in yuan), Chinese ones first,
    each in order ("200 万元" from a PDF counts as 200万元)."""
    flat = _SPACE_BEFORE_UNIT.sub("", text)
    found: list[tuple[str, Decimal]] = []
    for match in _ZH_MONEY.finditer(flat):
        value = _digits(match.group(1))
        if value is not None:
            found.append((match.group(0), value * _QUOTED_UNITS[match.group(2)]))
    for match in _EN_MONEY.finditer(text):
        value = _digits(match.group(1) or match.group(3))
        scale = (match.group(2) or match.group(4) or "").lower()
        if value is not None:
            found.append((match.group(0).strip(), value * _EN_SCALE[scale]))
    return found


# ------------------------------------------------------------------------------ formatting


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_yuan(yuan: int | Decimal, lang: Literal["zh", "en"]) -> str:
    """An amount the way people say it: 亿/万 in Chinese ("3.2亿元", "80万元", "3,000元"),
    digit groups in English ("800,000 yuan"; a fraction of a yuan is kept as it is)."""
    value = Decimal(yuan)
    if lang == "en":
        return f"{int(value):,} yuan" if value == value.to_integral() else f"{_trim(value)} yuan"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value != value.to_integral():
        return f"{sign}{_trim(value)}元"
    if value >= 10**8 and value % 10**4 == 0:
        return f"{sign}{_trim(value / 10**8)}亿元"
    if value >= 10**4 and value % 100 == 0:
        return f"{sign}{_trim(value / 10**4)}万元"
    return f"{sign}{int(value):,}元"
