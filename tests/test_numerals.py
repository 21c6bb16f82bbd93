"""Figures in Chinese numerals, read for an English answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import NEEDS_CITY_CORPUS, city_services

from bot.answering.numerals import english_figure


@pytest.mark.parametrize(
    ("figure", "english"),
    [
        ("百分之十五", "15%"),
        ("三十日", "30 days"),
        ("提前三十日", "30 days in advance"),
        ("一小时内", "within 1 hour"),
        ("二十四小时内", "within 24 hours"),
        ("十个工作日", "10 working days"),
        ("三个月以上六个月以下", "3 to 6 months"),
        ("不超过两年", "up to 2 years"),
        ("一年以上", "at least 1 year"),
        ("一倍以上五倍以下", "1 to 5 times"),
    ],
)
def test_a_figure_in_chinese_numerals_reads_in_english(figure: str, english: str) -> None:
    assert english_figure(figure) == english


@pytest.mark.parametrize(
    "figure",
    ["200万元", "有关规定", "若干", "十分重要", "三十", "五十元以上两百元以下", "千分之五"],
)
def test_what_is_not_a_figure_in_chinese_numerals_is_left_alone(figure: str) -> None:
    # Arabic figures are glossed elsewhere; words and a bare number without a unit are not
    # read; nor is money or a share per mille: "50 yuan" or "0.5%" is a figure a checker finds
    # in no clause that says 五十元 or 千分之五
    assert english_figure(figure) is None


@NEEDS_CITY_CORPUS
def test_an_english_answer_gives_a_regulations_figure_in_english(tmp_path: Path) -> None:
    qa = city_services(
        tmp_path, "上海市公共场所控制吸烟条例.md", "上海市安全生产条例(2018-05-24).md"
    ).qa
    answer = qa.ask(
        "Within how many hours must a company report a work safety accident?", date(2026, 12, 5)
    ).answer
    first = answer.text.split("\n", 1)[0]
    # the figure as the article states it, and what it means
    assert "一小时内 (within 1 hour)" in first, answer.text
    assert "应当在一小时内向安全生产监管部门" in answer.citations[0].text


@NEEDS_CITY_CORPUS
def test_a_deadline_missed_is_answered_from_the_article_not_told_the_procedure_is_unstated(
    tmp_path: Path,
) -> None:
    # "deadline" is a word of procedure; asked of an article's duty (a levy paid late), the
    # article answers it, and "the documents do not state the application procedure…" led
    qa = city_services(
        tmp_path, "上海市实施《残疾人保障法》办法(2017-11-23).md", "上海市安全生产条例(2018-05-24).md"
    ).qa
    answer = qa.ask("残疾人就业保障金过了缴纳截止时间还没交，会额外加收什么？", date(2026, 12, 5)).answer
    first = answer.text.split("\n", 1)[0]
    assert first.startswith("据《上海市实施〈中华人民共和国残疾人保障法〉办法》第五十六条"), answer.text
    assert "按日加收千分之五的滞纳金" in answer.citations[0].text
