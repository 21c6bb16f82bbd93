"""Masking of personal numbers in what is logged and exported: mainland mobile and landline
phone numbers, resident ID card numbers, unified social credit codes and e-mail addresses.
Pure functions.

Users type these into questions ("我公司信用代码91310114MA1GT…能申请吗"); staff need the
question, not the number, and a leaked log must not carry them.
"""

from __future__ import annotations

import re

_B = r"(?<![0-9A-Za-z])"  # not inside a longer run of letters or digits
_E = r"(?![0-9A-Za-z])"
# Resident ID card: 6-digit region, birth date 18xx-20xx, 3-digit sequence, check digit.
_ID_CARD = re.compile(
    _B + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _E
)
# Unified social credit code (GB 32100-2015): 18 characters, no I O Z S V.
_USCC = re.compile(_B + r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}" + _E)
# Mobile: 11 digits starting 13-19, optionally +86 and spaces or dashes in 3-4-4 groups.
_MOBILE = re.compile(_B + r"(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _E)
# Landline with its area code and a separator: 021-69989999, 0512 12345678.
_LANDLINE = re.compile(_B + r"(0\d{2,3})[ -](\d{3,4})(\d{4})" + _E)
# E-mail: the first character of the name and the whole domain stay (zhangsan@qq.com ->
# z*******@qq.com); ASCII names, which is what mail systems here accept.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})"
)


def _stars(keep_head: int, keep_tail: int, value: str) -> str:
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask(text: str) -> str:
    """``text`` with ID cards, credit codes, phone numbers (head and tail kept) and e-mail
    addresses (first letter and domain kept) starred."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _ID_CARD.sub(lambda m: _stars(3, 2, m.group(0)), text)
    text = _USCC.sub(lambda m: _stars(2, 2, m.group(0)), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
