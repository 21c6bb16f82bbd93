"""Free-text answers: table-driven tests of every parser."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.eligibility import (
    UNKNOWN,
    AnswerError,
    is_unknown,
    load_rulebook,
    parse_answer,
    parse_choice,
    parse_date,
    parse_district,
    parse_money,
    parse_number,
    parse_yes_no,
)
from bot.errors import BadInput

RULEBOOK = load_rulebook(Path(__file__).resolve().parent.parent / "knowledge")
FACTS = RULEBOOK.facts


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("2.5亿", 250_000_000),
        ("3个亿", 300_000_000),
        ("3個億", 300_000_000),
        ("两亿五千万", 250_000_000),
        ("兩億五千萬", 250_000_000),
        ("250000000", 250_000_000),
        ("250,000,000", 250_000_000),
        ("２５０，０００，０００", 250_000_000),
        ("RMB 250 million", 250_000_000),
        ("rmb250m", 250_000_000),
        ("250 million yuan", 250_000_000),
        ("80万元", 800_000),
        ("80 万", 800_000),
        ("1.2 billion", 1_200_000_000),
        ("1.2bn", 1_200_000_000),
        ("3000万", 30_000_000),
        ("3,000万", 30_000_000),
        ("1亿2000万", 120_000_000),
        ("一千二百万", 12_000_000),
        ("十万", 100_000),
        ("一万五", 15_000),
        ("两亿五", 250_000_000),
        ("一百零五万", 1_050_000),
        ("3.2亿元", 320_000_000),
        ("¥3,000", 3_000),
        ("￥3000元", 3_000),
        ("约200万", 2_000_000),
        ("200万左右", 2_000_000),
        ("500k", 500_000),
        ("0", 0),
        ("3.2亿。", 320_000_000),
    ],
)
def test_money(text, yuan):
    assert parse_money(text) == yuan


@pytest.mark.parametrize(
    "text, hint_zh, hint_en",
    [
        ("2,5亿", "小数点", "ambiguous"),
        ("2，5亿", "小数点", "ambiguous"),
        ("-5万", "负数", "negative"),
        ("负三百万", "负数", "negative"),
        ("minus 3 million", "负数", "negative"),
        ("很多钱", "例如", "e.g."),
        ("3 4", "例如", "e.g."),
        ("万", "例如", "e.g."),
        ("", "例如", "e.g."),
        ("1.2.3亿", "例如", "e.g."),
    ],
)
def test_bad_money_explains_with_an_example(text, hint_zh, hint_en):
    with pytest.raises(AnswerError) as zh:
        parse_money(text, "zh")
    assert isinstance(zh.value, BadInput)
    assert hint_zh in zh.value.user_message
    with pytest.raises(AnswerError) as en:
        parse_money(text, "en")
    assert hint_en in en.value.user_message


@pytest.mark.parametrize(
    "text, value",
    [
        ("是", True),
        ("是的", True),
        ("对", True),
        ("對", True),
        ("有", True),
        ("yes", True),
        ("Yes", True),
        ("y", True),
        ("ＹＥＳ", True),
        ("是的，在嘉定注册", True),
        ("否", False),
        ("不是", False),
        ("没有", False),
        ("沒有", False),
        ("不", False),
        ("no", False),
        ("N", False),
        ("ｎｏ", False),
        ("不，在浦东", False),
        ("No, we are not.", False),
    ],
)
def test_yes_no(text, value):
    assert parse_yes_no(text) is value


@pytest.mark.parametrize("text", ["也许吧", "maybe", "123"])
def test_bad_yes_no(text):
    with pytest.raises(AnswerError) as zh:
        parse_yes_no(text, "zh")
    assert "“是”或“否”" in zh.value.user_message
    with pytest.raises(AnswerError) as en:
        parse_yes_no(text, "en")
    assert '"yes" or "no"' in en.value.user_message


@pytest.mark.parametrize(
    "text, district",
    [
        ("嘉定", "jiading"),
        ("嘉定区", "jiading"),
        ("嘉定區", "jiading"),
        ("Jiading", "jiading"),
        ("jiading district", "jiading"),
        ("上海市嘉定区", "jiading"),
        ("在嘉定注册", "jiading"),
        ("浦东新区", "pudong"),
        ("Jing'an", "jingan"),
        ("長寧區", "changning"),
        ("北京", "outside"),  # outside Shanghai: no Jiading program applies
        ("嘉定还是浦东", None),
    ],
)
def test_district(text, district):
    assert parse_district(text) == district


@pytest.mark.parametrize(
    "text, value",
    [
        ("嘉定", True),
        ("嘉定區", True),
        ("Jiading", True),
        ("浦东", False),
        ("不在嘉定", False),
        ("是", True),
        ("没有", False),
        ("yes", True),
        ("no", False),
        ("unknown", UNKNOWN),
    ],
)
def test_district_answers_to_the_registered_in_jiading_question(text, value):
    assert parse_answer(FACTS["registered_in_jiading"], text) == value


@pytest.mark.parametrize(
    "text",
    [
        "不知道", "不清楚", "不確定", "skip", "Skip", "unknown", "跳过", "跳過", "don't know",
        "not sure", "？", "不知道。", "我也不清楚", "I'm not sure", "I don’t know",
    ],
)  # fmt: skip
def test_unknown(text):
    assert is_unknown(text)
    for fact in FACTS.values():
        assert parse_answer(fact, text) == UNKNOWN


@pytest.mark.parametrize(
    "fact_id, text, option",
    [
        ("entity_type", "1", "company"),
        ("entity_type", "１", "company"),
        ("entity_type", "park", "park"),
        ("entity_type", "个人（主播、从业人员、人才）", "individual"),
        ("entity_type", "我是主播", "individual"),
        ("entity_type", "MCN机构", "company"),
        ("entity_type", "Operator of a live-streaming / short-video park (base)", "park"),
        ("entity_type", "4", "other_org"),
        ("park_level", "市级", "municipal"),
        ("park_level", "市級", "municipal"),
        ("park_level", "区级特色园区", "district"),
        ("park_level", "我们是区级园区", "district"),
        ("park_level", "District", "district"),
        ("park_level", "没有", "none"),
        ("park_first_honour", "两个都有", "both"),
        ("park_first_honour", "国家级", "national"),
        ("talent_status", "2", "other_recognised"),
        ("talent_status", "高層次人才", "high_level"),
        ("sh_fund_carrier", "直播基地", "base"),
    ],
)
def test_choice(fact_id, text, option):
    assert parse_choice(FACTS[fact_id], text) == option
    assert parse_answer(FACTS[fact_id], text) == option


@pytest.mark.parametrize(
    "fact_id, text", [("entity_type", "9"), ("entity_type", "外星人"), ("park_level", "0")]
)
def test_bad_choice_lists_the_options(fact_id, text):
    with pytest.raises(AnswerError) as zh:
        parse_choice(FACTS[fact_id], text, "zh")
    assert "1. " + FACTS[fact_id].options[0].label.zh in zh.value.user_message
    with pytest.raises(AnswerError) as en:
        parse_choice(FACTS[fact_id], text, "en")
    assert "1. " + FACTS[fact_id].options[0].label.en in en.value.user_message


@pytest.mark.parametrize(
    "text, value",
    [("1", 1), ("3", 3), ("第3名", 3), ("第一名", 1), ("三", 3), ("3rd", 3), ("first", 1),
     ("No. 2", 2), ("１", 1)],
)  # fmt: skip
def test_number(text, value):
    assert parse_number(text) == value
    assert parse_answer(FACTS["park_assessment_rank"], text) == value


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "前几名", "top"])
def test_bad_rank(text):
    with pytest.raises(AnswerError) as info:
        parse_answer(FACTS["park_assessment_rank"], text, "en")
    assert "e.g." in info.value.user_message


@pytest.mark.parametrize(
    "text, value",
    [
        ("2024-05-01", date(2024, 5, 1)),
        ("2024/5/1", date(2024, 5, 1)),
        ("2024.5.1", date(2024, 5, 1)),
        ("2024年5月1日", date(2024, 5, 1)),
        ("2024年5月1号", date(2024, 5, 1)),
        ("2024年5月", date(2024, 5, 1)),
        ("２０２４－０５－０１", date(2024, 5, 1)),
    ],
)
def test_date(text, value):
    assert parse_date(text) == value
    assert parse_answer(FACTS["park_entry_date"], text) == value


@pytest.mark.parametrize("text", ["2024-13-01", "去年", "May", "2024"])
def test_bad_date(text):
    with pytest.raises(AnswerError) as info:
        parse_date(text, "zh")
    assert "2024-05-01" in info.value.user_message


def test_money_answers_go_through_parse_answer():
    assert parse_answer(FACTS["annual_revenue"], "3.2亿") == 320_000_000
    with pytest.raises(AnswerError) as info:
        parse_answer(FACTS["event_cost"], "-200万", "en")
    assert "negative" in info.value.user_message


def test_buttons_are_valid_answers():
    from bot.eligibility import question_options

    for fact in FACTS.values():
        for option in question_options(fact, "zh"):
            value = parse_answer(fact, option.id)
            if option.id == UNKNOWN:
                assert value == UNKNOWN
            elif fact.type == "yes_no":
                assert value is (option.id == "yes")
            else:
                assert value == option.id
