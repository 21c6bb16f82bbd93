"""Figures written in Chinese numerals, read for an English answer.

Regulations write their figures in words: "应当在一小时内报告", "提前三十日", "十个工作日内".
An English answer that quotes them leads with the figure ("The …, 第五十八条, states 一小时内:"),
which an English reader cannot read. ``english_figure`` gives it in figures and English words
("within 1 hour", "30 days in advance"). Not money, nor shares per mille: a checker of an
answer's figures reads "50 yuan" and "0.5%" in the answer and finds no such figure in a clause
that says 五十元 and 千分之五, and an answer must state no amount its clause does not (the
Chinese figure leads as before). The numerals are read by ``bot.text.read_number``, the
project's one reader of numbers written in words; the units, ranges and limits are read here.
Pure.
"""

from __future__ import annotations

import re
from typing import Final

from bot.text import read_number
from bot.text.numbers import NUMERAL_CHARS

_NUMBER: Final = re.compile(rf"[{NUMERAL_CHARS}]+|\d+(?:\.\d+)?")
# (Chinese unit, English singular, English plural), longest first
_UNITS: Final = (
    ("个工作日", "working day", "working days"),
    ("工作日", "working day", "working days"),
    ("个小时", "hour", "hours"),
    ("小时", "hour", "hours"),
    ("分钟", "minute", "minutes"),
    ("个月", "month", "months"),
    ("日", "day", "days"),
    ("天", "day", "days"),
    ("周", "week", "weeks"),
    ("年", "year", "years"),
    ("倍", "times", "times"),
)
_SHARE: Final = re.compile(rf"百分之([{NUMERAL_CHARS}\d.]+)")
_MONEY: Final = re.compile(r"元|千分之")
_RANGE: Final = re.compile(r"^(.+?)(?:以上|至|到|—|－|-)(.+?)(?:以下|以内)?$")
_WITHIN: Final = re.compile(r"(?:以内|之内|内)$")
_BEFORE: Final = re.compile(r"(?:以前|之前|前)$")
_AT_MOST: Final = re.compile(r"^(?:不超过|不得超过|最高|最多|最长|至多)")
_AT_LEAST: Final = re.compile(r"^(?:不少于|不低于|不得少于|至少|最低)")
_OR_MORE: Final = re.compile(r"以上$")
_AHEAD: Final = re.compile(r"^提前")


def _number(text: str) -> float | None:
    value = read_number(text)
    return None if value is None else float(value)


def _shown(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def _quantity(text: str) -> tuple[str, str] | None:
    """One quantity ("三个月", "百分之十五") -> (figure, unit in English), or None."""
    text = text.strip()
    share = _SHARE.fullmatch(text)
    if share:
        value = _number(share.group(1))
        return None if value is None else (_shown(value) + "%", "")
    for chinese, one, many in _UNITS:
        if not text.endswith(chinese):
            continue
        amount = text[: -len(chinese)]
        if not _NUMBER.fullmatch(amount):
            return None
        value = _number(amount)
        if value is None:
            return None
        return _shown(value), one if value == 1 else many
    return None


def english_figure(figure: str) -> str | None:
    """``figure`` (as a regulation states it) in figures and English, or None when it holds
    no Chinese numeral or reads as nothing known ("二十四小时内" -> "within 24 hours")."""
    text = re.sub(r"\s+", "", figure).rstrip("的，。；")
    if not re.search("[〇零一二两三四五六七八九十百千]", text) or _MONEY.search(text):
        return None
    prefix = ""
    if _AT_MOST.search(text):
        prefix, text = "up to ", _AT_MOST.sub("", text)
    elif _AT_LEAST.search(text):
        prefix, text = "at least ", _AT_LEAST.sub("", text)
    suffix = ""
    if _AHEAD.search(text):
        suffix, text = " in advance", _AHEAD.sub("", text)
    if _OR_MORE.search(text) and text.count("以上") == 1:
        prefix, text = "at least ", _OR_MORE.sub("", text)
    if _WITHIN.search(text):
        prefix, text = "within ", _WITHIN.sub("", text)
    elif _BEFORE.search(text):
        suffix, text = " before", _BEFORE.sub("", text)
    parts = _RANGE.match(text)
    if parts:
        low, high = _quantity(parts.group(1)), _quantity(parts.group(2))
        if low is None or high is None:
            return None
        if low[1] == high[1]:
            shown = f"{low[0]} to {high[0]}{_unit(high[1])}"
        else:
            shown = f"{low[0]}{_unit(low[1])} to {high[0]}{_unit(high[1])}"
    else:
        one = _quantity(text)
        if one is None:
            return None
        shown = f"{one[0]}{_unit(one[1])}"
    return f"{prefix}{shown}{suffix}"


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""
