"""User-facing texts: questions, results, citations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain import Citation, Reply
from bot.eligibility import (
    assess,
    citation,
    evaluate,
    format_amount,
    format_money_label,
    format_yuan,
    load_rulebook,
    outcome_reply,
    question_reply,
    render_outcome,
)

RULEBOOK = load_rulebook(Path(__file__).resolve().parent.parent / "knowledge")
TODAY = date(2025, 6, 1)
REVENUE_FACTS = {
    "entity_type": "company",
    "registered_in_jiading": True,
    "annual_revenue": 320_000_000,
    "revenue_first_time": True,
}


@pytest.mark.parametrize(
    "yuan, zh, en",
    [
        (1_000_000, "100万元", "1,000,000 yuan"),
        (320_000_000, "3.2亿元", "320,000,000 yuan"),
        (180_000_000, "1.8亿元", "180,000,000 yuan"),
        (3_000, "3,000元", "3,000 yuan"),
        (10_000_000, "1000万元", "10,000,000 yuan"),
    ],
)
def test_format_yuan(yuan, zh, en):
    assert format_yuan(yuan, "zh") == zh
    assert format_yuan(yuan, "en") == en


def test_money_label_shows_both_forms():
    assert format_money_label(1_000_000, "en") == "100万元 (1,000,000 yuan)"
    assert format_money_label(1_000_000, "zh") == "100万元（1,000,000 元）"


def test_question_reply_has_prompt_why_and_buttons():
    step = evaluate(RULEBOOK, {"entity_type": "company"}, TODAY, focus={"jd-revenue-milestone"})
    reply = question_reply(step, "zh")
    assert isinstance(reply, Reply)
    assert "嘉定" in reply.text and "为什么问" in reply.text and "（三）" in reply.text
    assert [o.id for o in reply.options] == ["yes", "no", "unknown"]
    en = question_reply(RULEBOOK.facts["annual_revenue"], "en")
    assert "Why we ask" in en.text and [o.id for o in en.options] == ["unknown"]
    choice = question_reply(RULEBOOK.facts["entity_type"], "en")
    assert [o.id for o in choice.options] == [
        "company",
        "park",
        "individual",
        "other_org",
        "unknown",
    ]


def test_revenue_result_in_chinese():
    outcome = assess(RULEBOOK, REVENUE_FACTS, TODAY, focus={"jd-revenue-milestone"})
    text = render_outcome(RULEBOOK, outcome, "zh")
    for part in [
        "营收首超亿元奖励",
        "100万元（1,000,000 元）",
        "年主营业务收入3.2亿元，首超3亿元档 → 100万元",
        "首超5亿元档为200万元（还差1.8亿元）",
        "《关于加快嘉定区直播和短视频产业发展的若干意见》（嘉商规〔2024〕1号）（三）",
        "责任单位：区商务委、区文旅局、区财政局、各街镇",
        "2025-12-31",
        RULEBOOK.disclaimer.zh,
    ]:
        assert part in text, part


def test_the_quote_travels_as_the_citation_not_in_the_text():
    outcome = assess(RULEBOOK, REVENUE_FACTS, TODAY, focus={"jd-revenue-milestone"})
    reply = outcome_reply(RULEBOOK, outcome, "zh")
    assert "分别给予 80 万元、100 万元和 200 万元的一次性奖励" in reply.citations[0].text
    assert "原文" not in reply.text


def test_revenue_result_in_english():
    outcome = assess(RULEBOOK, REVENUE_FACTS, TODAY, focus={"jd-revenue-milestone"})
    text = render_outcome(RULEBOOK, outcome, "en")
    for part in [
        "Revenue milestone award",
        "100万元 (1,000,000 yuan)",
        "clause （三）",
        "Jiading District Commission of Commerce",
        "decided by the responsible department",
    ]:
        assert part in text, part


def test_expired_and_not_eligible_programs():
    facts = {"entity_type": "company", "registered_in_jiading": False, "demo_enterprise": True}
    focus = {"jd-revenue-milestone", "jd-demonstration-enterprise"}
    outcome = assess(RULEBOOK, facts, date(2026, 1, 1), focus=focus)
    zh = render_outcome(RULEBOOK, outcome, "zh")
    # a firm registered elsewhere: no Jiading program applies, the district rule says why
    assert "在嘉定注册：否 → 不适用：营收首超亿元奖励、示范企业奖励" in zh
    assert "有效期至2025-12-31" in zh
    en = render_outcome(RULEBOOK, outcome, "en")
    assert "registered in Jiading: no → not eligible: Revenue milestone award; Demonstration" in en


def test_amount_forms():
    events = assess(
        RULEBOOK,
        {"entity_type": "company", "hosts_event": True, "event_cost": 2_000_000},
        TODAY,
        focus={"jd-events"},
    ).result("jd-events")
    assert format_amount(events.amount, "zh").startswith("每年 50万元（500,000 元），最长3年")
    rent = assess(
        RULEBOOK, {"entity_type": "individual", "talent_status": "high_level"}, TODAY
    ).result("jd-talent-rent")
    assert format_amount(rent.amount, "zh") == "每月最高 3,000元，最长3年"
    assert format_amount(rent.amount, "en") == "up to 3,000 yuan per month, for at most 3 years"
    referral = assess(
        RULEBOOK, {"introduced_quality_project": True}, TODAY, focus={"jd-project-referral"}
    ).result("jd-project-referral")
    assert "文件未规定具体金额" in format_amount(referral.amount, "zh")
    assert format_amount(None, "en").startswith("not known yet")


def test_citation_data_for_every_program():
    for program_id, program in RULEBOOK.programs.items():
        cite = citation(RULEBOOK, program_id)
        assert isinstance(cite, Citation)
        assert cite.doc == program.source.doc
        assert cite.title == RULEBOOK.documents[program.source.doc].title
        assert cite.clause == program.source.clause
        assert cite.text == program.source.quote
        assert cite.responsible == program.responsible
        assert cite.section.endswith(cite.section.split(" > ")[-1])
    assert citation(RULEBOOK, "sh-compute-rental").section == (
        "二、主要任務 > (三)加強要素保障 > 十是加大算力等基礎設施供給"
    )


def test_outcome_reply_cites_the_programs_shown_in_full():
    outcome = assess(RULEBOOK, {"entity_type": "individual", "talent_status": "none"}, TODAY)
    reply = outcome_reply(RULEBOOK, outcome, "zh")
    cited = {c.doc + c.clause for c in reply.citations}
    shown = outcome.eligible + outcome.undetermined
    assert len(reply.citations) == len(shown)
    assert "shanghai-livestream-plan-2024十一是" in cited
    assert RULEBOOK.disclaimer.zh in reply.text


def test_programs_ruled_out_by_the_same_answer_share_one_line():
    outcome = assess(RULEBOOK, {"entity_type": "individual", "talent_status": "high_level"}, TODAY)
    zh = render_outcome(RULEBOOK, outcome, "zh")
    line = next(x for x in zh.splitlines() if x.startswith("- 申请主体："))
    assert "营收首超亿元奖励" in line and "上市挂牌奖励" in line
    assert sum(x.startswith("- 申请主体：") for x in zh.splitlines()) == 1
    result = outcome.result("jd-listing")
    assert result.failed_on is not None and result.failed_on.en.startswith("applicant: Individual")
