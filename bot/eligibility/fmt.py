"""Bilingual text and money formatting shared by the eligibility engine and its renderers.

Public API:

    LocalText(zh: str, en: str)                 frozen; ``.get(lang: Lang) -> str``
    format_yuan(yuan: int, lang: Lang) -> str    "3.2亿元", "80万元", "3,000元" / "320,000,000 yuan"
    format_money_label(yuan: int, lang: Lang) -> str
        "100万元（1,000,000 元）" / "100万元 (1,000,000 yuan)"
    format_date(day: date) -> str                ISO "2025-12-31" (the same in both languages)
    normalize(text: str) -> str                  NFKC, lower case, trimmed: for matching user text
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from bot.domain import Lang

_NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


@dataclass(frozen=True)
class LocalText:
    """One short text in simplified Chinese and English."""

    # Read by pydantic when a rule file embeds a LocalText: unknown keys are an error there.
    __pydantic_config__ = ConfigDict(extra="forbid")

    zh: _NonEmpty
    en: _NonEmpty

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_yuan(yuan: int, lang: Lang) -> str:
    """A yuan amount the way people say it: 亿/万 in Chinese, digit groups in English."""
    if lang == "en":
        return f"{yuan:,} yuan"
    sign = "-" if yuan < 0 else ""
    value = abs(yuan)
    if value >= 10**8 and value % 10**4 == 0:
        return f"{sign}{_trim(Decimal(value) / 10**8)}亿元"
    if value >= 10**4 and value % 100 == 0:
        return f"{sign}{_trim(Decimal(value) / 10**4)}万元"
    return f"{sign}{value:,}元"


def format_money_label(yuan: int, lang: Lang) -> str:
    """The amount shown for a benefit: the Chinese form plus the exact figure."""
    short = format_yuan(yuan, "zh")
    if lang == "en":
        return f"{short} ({yuan:,} yuan)" if abs(yuan) >= 10**4 else f"{yuan:,} yuan"
    return f"{short}（{yuan:,} 元）" if abs(yuan) >= 10**4 else short


def format_date(day: date) -> str:
    return day.isoformat()


def normalize(text: str) -> str:
    """Fold full-width forms and case so that user text can be matched against word lists."""
    return unicodedata.normalize("NFKC", text).strip().lower()
