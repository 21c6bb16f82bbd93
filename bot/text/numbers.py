"""Chinese numerals: the one reader (and the one writer) of numbers written in words.

    chinese_ordinal("十二") -> 12        a counted numeral up to 99 (articles, items)
    chinese_number("二〇二四") -> 2024   digits, a counted numeral, or digit by digit (years)
    read_number("两亿五千万") -> Decimal(250000000)
        digits and/or numerals with 十百千万亿 (and the financial forms 壹贰叁, 拾佰仟),
        decimals ("2.5亿", "三点五"), spoken shorthand (一万五 = 15000); None otherwise
    say_number(12) -> "十二"             the counted form, for numbering list items

Pure functions; callers that read money or dates use these through ``bot.text.money`` and
``bot.text.dates``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DIGITS: dict[str, int] = {
    "〇": 0, "○": 0, "Ｏ": 0, "零": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "貳": 2,
    "两": 2, "兩": 2, "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6,
    "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
# The characters of a numeral, for patterns that find one inside text.
NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)

_TOKEN = re.compile(
    r"\d+(?:,\d{3})*(?:\.\d+)?|["
    + "".join(DIGITS)
    + "".join(SMALL_UNITS)
    + "".join(BIG_UNITS)
    + "]"
)
_SAY = "零一二三四五六七八九"


def chinese_ordinal(label: str) -> int | None:
    """ "十二" -> 12, "三" -> 3, "二十" -> 20; None for anything else."""
    if not label or any(c not in DIGITS and c != "十" for c in label):
        return None
    if "十" not in label:
        return DIGITS[label] if len(label) == 1 else None
    tens, _, units = label.partition("十")
    if len(tens) > 1 or "十" in units:  # "一二十", "十十": not an ordinal
        return None
    value = (DIGITS[tens] if tens else 1) * 10
    if units:
        if len(units) != 1:
            return None
        value += DIGITS[units]
    return value


def chinese_number(label: str) -> int | None:
    """A number as documents write it: "2024", a counted numeral ("十二" -> 12), or digit by
    digit as in a year ("二〇二四" -> 2024); None for anything else."""
    if label.isdigit():
        return int(label)
    counted = chinese_ordinal(label)
    if counted is not None:
        return counted
    if label and "十" not in label and all(c in DIGITS for c in label):
        return int("".join(str(DIGITS[c]) for c in label))
    return None


def _decimal(token: str) -> Decimal:
    if token[0].isdigit():
        return Decimal(token.replace(",", ""))
    return Decimal(DIGITS[token])


def read_number(text: str) -> Decimal | None:
    """A number written with digits and/or Chinese numerals and units: 两亿五千万, 1亿2000万,
    3000万, 2.5亿, 十万, 一万五, 三点五, 1,200. None when ``text`` is not entirely a number."""
    text = text.strip()
    if not text:
        return None
    whole, point, fraction = text.partition("点")
    if point:
        head = read_number(whole)
        if head is None or not fraction or any(c not in DIGITS for c in fraction):
            return None
        return head + Decimal("0." + "".join(str(DIGITS[c]) for c in fraction))
    tokens = _TOKEN.findall(text)
    if "".join(tokens) != text:
        return None
    try:
        return _combine(tokens)
    except InvalidOperation:
        return None


def _combine(tokens: list[str]) -> Decimal | None:
    total = Decimal(0)  # whole 亿 groups
    wan = Decimal(0)  # whole 万 groups below the last 亿
    section = Decimal(0)  # below 万
    number: Decimal | None = None
    last_unit = 0  # the unit token just before, 0 after a number
    shorthand = 0  # the unit right before the pending number, for 一万五 = 15000
    for token in tokens:
        if token in SMALL_UNITS or token in BIG_UNITS:
            unit = SMALL_UNITS.get(token) or BIG_UNITS[token]
            if token in SMALL_UNITS:
                section += (number if number is not None else Decimal(1)) * unit
            elif unit == 10**4:
                if not (section or number):
                    return None  # "万" with no number before it
                wan += (section + (number or 0)) * unit
                section = Decimal(0)
            else:
                group = wan + section + (number or 0)
                if not group:
                    return None
                total += group * unit
                wan = section = Decimal(0)
            number = None
            last_unit = unit
            continue
        if number is not None and number != 0:
            return None  # two numbers in a row, e.g. "3 4"
        shorthand, last_unit = last_unit, 0
        number = _decimal(token)
    if number is not None:
        # Spoken shorthand: 一万五 = 15000, 两亿五 = 2.5亿, 三千五 = 3500 (not 一百零五).
        if shorthand >= 10 and number == number.to_integral() and 0 < number < 10:
            number = number * shorthand / 10
        section += number
    return total + wan + section


def say_number(n: int) -> str:
    """The counted form of ``n`` below 100 ("十二", "二十一"); digits from 100 on."""
    if 0 <= n < 10:
        return _SAY[n]
    if 10 <= n < 20:
        return "十" + (_SAY[n - 10] if n > 10 else "")
    if 20 <= n < 100:
        return _SAY[n // 10] + "十" + (_SAY[n % 10] if n % 10 else "")
    return str(n)
