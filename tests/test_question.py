"""Reading the user's words: amounts and their readings, facts for the walk-through (district,
Jiading's towns, corrections), typos of key terms, what a question asks. Table-driven."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.facts import approximate_note, facts_from_text
from bot.eligibility import load_rulebook
from bot.question import Corrector, analyse
from bot.text import find_amounts

RULES = load_rulebook(Path(__file__).resolve().parents[1] / "knowledge")


@pytest.mark.parametrize(
    "text, yuan, bound",
    [
        ("三个多亿", 300_000_000, "at_least"),
        ("3亿多", 300_000_000, "at_least"),
        ("过亿", 100_000_000, "at_least"),
        ("1亿以上", 100_000_000, "at_least"),
        ("大概3个亿", 300_000_000, "about"),
        ("3亿左右", 300_000_000, "about"),
        ("说错了，是6个亿", 600_000_000, "exact"),
        ("营收3.2亿", 320_000_000, "exact"),
        ("两亿五千万", 250_000_000, "exact"),
        ("花了120万", 1_200_000, "exact"),
        ("RMB 120 million", 120_000_000, "exact"),
        ("800,000 yuan", 800_000, "exact"),
        ("about 320 million", 320_000_000, "about"),
    ],
)
def test_revenue_phrasings(text: str, yuan: int, bound: str) -> None:
    found = find_amounts(text)
    assert len(found) == 1, found
    assert (found[0].yuan, found[0].bound) == (yuan, bound)


def test_a_decimal_comma_is_no_amount() -> None:
    assert find_amounts("2,5亿") == []


@pytest.mark.parametrize(
    "text, facts",
    [
        ("我们公司在安亭，营收三个多亿", {"registered_in_jiading": True, "annual_revenue": 300_000_000}),
        ("我们在南翔", {"registered_in_jiading": True}),
        ("公司注册在徐汇", {"registered_in_jiading": False, "entity_type": "company"}),
        ("我们在浦东", {"registered_in_jiading": False}),
        ("我们是杭州的公司", {"registered_in_jiading": False}),
        ("Our company is registered in Jiading", {"registered_in_jiading": True, "entity_type": "company"}),
        ("营收第一次过亿", {"annual_revenue": 100_000_000, "revenue_first_time": True}),
        ("我是嘉定一个直播基地的运营方", {"entity_type": "park", "registered_in_jiading": True, "sh_fund_carrier": "base"}),
        ("在嘉定办论坛花了200万", {"hosts_event": True, "event_cost": 2_000_000}),
        ("我们刚在股交中心挂牌了", {"newly_listed": True}),
    ],
)
def test_facts_from_words(text: str, facts: dict[str, object]) -> None:
    found = facts_from_text(RULES, text, {})
    assert {k: found.get(k) for k in facts} == facts, found


def test_a_correction_replaces_the_figure() -> None:
    known = {"entity_type": "company", "annual_revenue": 300_000_000}
    assert facts_from_text(RULES, "说错了，是6个亿", known) == {"annual_revenue": 600_000_000}


def test_a_stated_fact_already_known_is_not_repeated() -> None:
    assert "registered_in_jiading" not in facts_from_text(RULES, "在嘉定", {"registered_in_jiading": True})


def test_approximations_are_said_back() -> None:
    assert "至少3亿元" in approximate_note("营收3亿多", "zh")
    assert "约3亿元" in approximate_note("3亿左右", "zh")
    assert approximate_note("3.2亿", "zh") == ""


CORRECTOR = Corrector(["嘉定", "直播", "补贴", "园区", "营收"], known=["嘉定", "直播", "补贴"])


@pytest.mark.parametrize(
    "typed, meant",
    [("家定区直博企业有啥补帖", "嘉定区直播企业有啥补贴"), ("嘉定园去", "嘉定园区")],
)
def test_typos_of_key_terms_are_corrected_by_sound(typed: str, meant: str) -> None:
    query = analyse(typed, CORRECTOR)
    assert query.text == meant
    assert query.corrections


@pytest.mark.parametrize("text", ["工地晚上十点以后还能施工吗", "早上十点开门，营业到几点"])
def test_the_end_of_one_word_and_the_start_of_the_next_are_no_typo(text: str) -> None:
    # 晚(上十)点 sounds like 上市 (listing): read as a typo, the question about building work
    # at night was answered with the listing reward ("可以：最高500万元")
    corrector = Corrector(["嘉定", "直播", "上市"], known=["嘉定", "直播"])
    assert analyse(text, corrector).text == text
    assert analyse("公司想上十", corrector).text == "公司想上市"  # a typo within no word


@pytest.mark.parametrize(
    "text, asks",
    [
        ("这个谁负责？", {"department"}),
        ("还能申请吗", {"validity"}),
        ("上海计划有没有文号", {"number"}),
        ("要准备什么材料", {"procedure"}),
        ("能补几年？", {"duration"}),
        ("Who handles it?", {"department"}),
        ("Is that still available today?", {"validity"}),
        ("Who issued the Jiading live-streaming opinions?", {"issuers"}),
        ("Which departments issued it?", {"issuers"}),
        ("When was the plan issued?", {"issue_date"}),
    ],
)
def test_what_a_question_asks(text: str, asks: set[str]) -> None:
    assert asks <= set(analyse(text).asks)


@pytest.mark.parametrize(
    "text",
    [
        # workers issued gear, not a document issued: the question is no "who issued it"
        "Some of our staff would rather get cash than be issued safety boots. Can we pay them?",
        "When was the meter last tested, and who pays for the test?",
        "How long after our licence is registered may we start issuing prepaid cards?",
    ],
)
def test_issued_gear_or_a_past_event_is_not_a_question_about_the_document(text: str) -> None:
    assert not {"issuers", "issue_date"} & set(analyse(text).asks)


def test_levels_ranks_and_follow_up_marks() -> None:
    assert analyse("那市级的呢？").levels == ("municipal",)
    assert analyse("国家级荣誉").levels == ("national",)
    assert analyse("区级园区第二名").rank == 2
    assert analyse("那5亿呢？").marked_followup
    assert analyse("And for a park?").marked_followup
    assert analyse("那5亿呢？").lang == "zh" and analyse("繁體字的問題").traditional
