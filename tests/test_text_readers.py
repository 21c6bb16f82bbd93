"""The one reader each for numerals, money and dates (``bot.text``): table-driven."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.text import (
    dates_in,
    find_amounts,
    format_yuan,
    quoted_amounts,
    read_date,
    read_number,
    say_date,
    say_number,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("两亿五千万", 250_000_000),
        ("1亿2000万", 120_000_000),
        ("3000万", 30_000_000),
        ("2.5亿", 250_000_000),
        ("十万", 100_000),
        ("一万五", 15_000),
        ("三千五", 3_500),
        ("一百零五", 105),
        ("壹佰贰拾", 120),
        ("1,200", 1_200),
        ("三点五", Decimal("3.5")),
        ("二十", 20),
    ],
)
def test_read_number(text: str, value: int | Decimal) -> None:
    assert read_number(text) == value


@pytest.mark.parametrize("text", ["", "万", "3 4", "三点", "abc", "亿"])
def test_read_number_refuses_what_is_not_a_number(text: str) -> None:
    assert read_number(text) is None


@pytest.mark.parametrize(
    ("n", "said"),
    [(0, "零"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (47, "四十七"), (120, "120")],
)
def test_say_number(n: int, said: str) -> None:
    assert say_number(n) == said


@pytest.mark.parametrize(
    ("text", "yuan", "bound"),
    [
        ("营收3个多亿", 300_000_000, "at_least"),
        ("大概两亿五千万", 250_000_000, "about"),
        ("三点五亿", 350_000_000, "exact"),
        ("RMB 120 million", 120_000_000, "exact"),
        ("过亿", 100_000_000, "at_least"),
    ],
)
def test_find_amounts_reads_what_a_user_states(text: str, yuan: int, bound: str) -> None:
    found = find_amounts(text)
    assert [(a.yuan, a.bound) for a in found] == [(yuan, bound)]


def test_quoted_amounts_reads_a_documents_figures() -> None:
    assert quoted_amounts("最高50万元，首次超过1亿元，另给3,000元；200 万元") == [
        ("50万元", 500_000),
        ("1亿元", 100_000_000),
        ("3,000元", 3_000),
        ("200万元", 2_000_000),
    ]
    assert [v for _, v in quoted_amounts("up to 500,000 yuan or RMB 1.5 million")] == [
        500_000,
        1_500_000,
    ]


@pytest.mark.parametrize(
    ("yuan", "zh", "en"),
    [
        (800_000, "80万元", "800,000 yuan"),
        (320_000_000, "3.2亿元", "320,000,000 yuan"),
        (3_000, "3,000元", "3,000 yuan"),
        (Decimal("1234.5"), "1234.5元", "1234.5 yuan"),
    ],
)
def test_format_yuan(yuan: int | Decimal, zh: str, en: str) -> None:
    assert format_yuan(yuan, "zh") == zh
    assert format_yuan(yuan, "en") == en


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-05-01", date(2024, 5, 1)),
        ("2024/5/1", date(2024, 5, 1)),
        ("2024.5.1", date(2024, 5, 1)),
        ("2024年5月1日", date(2024, 5, 1)),
        ("2024年5月1号", date(2024, 5, 1)),
        ("二〇二四年五月一日", date(2024, 5, 1)),
        ("2024年5月", date(2024, 5, 1)),
        ("2024-05", date(2024, 5, 1)),
        (" 2024 年 12 月 31 日 ", date(2024, 12, 31)),
    ],
)
def test_read_date(text: str, day: date) -> None:
    assert read_date(text) == day


@pytest.mark.parametrize("text", ["2024年2月30日", "明天", "2024", "5月1日", ""])
def test_read_date_refuses_what_is_not_a_date(text: str) -> None:
    assert read_date(text) is None


def test_dates_in_a_document_sentence() -> None:
    text = "本意见自2024年3月1日起施行，有效期至二〇二五年十二月三十一日。"
    assert dates_in(text) == [date(2024, 3, 1), date(2025, 12, 31)]


def test_say_date() -> None:
    assert say_date(date(2025, 12, 31), "zh") == "2025年12月31日"
    assert say_date(date(2025, 12, 31), "en") == "2025-12-31"
