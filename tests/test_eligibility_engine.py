"""The engine: required figures, question choice, focus, expiry and purity."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.eligibility import UNKNOWN, Ask, Outcome, assess, evaluate, focus_from_text, load_rulebook

RULEBOOK = load_rulebook(Path(__file__).resolve().parent.parent / "knowledge")
TODAY = date(2025, 6, 1)
JIADING = "jiading-livestream-2024"
REVENUE = "jd-revenue-milestone"


def _walk(facts, answers, today=TODAY, focus=None):
    """Answer questions from ``answers`` until the engine gives a result; return it and the path."""
    facts = dict(facts)
    asked = []
    while True:
        step = evaluate(RULEBOOK, facts, today, focus=focus)
        if isinstance(step, Outcome):
            return step, asked
        asked.append(step.fact.id)
        facts[step.fact.id] = answers.get(step.fact.id, UNKNOWN)


# ------------------------------------------------------------------------------ required figures


def test_revenue_first_over_300_million_pays_1_000_000():
    outcome, asked = _walk(
        {},
        {
            "entity_type": "company",
            "registered_in_jiading": True,
            "annual_revenue": 320_000_000,
            "revenue_first_time": True,
        },
        focus={REVENUE},
    )
    result = outcome.result(REVENUE)
    assert (result.status, result.amount.yuan, result.in_force) == ("eligible", 1_000_000, True)
    assert "年主营业务收入3.2亿元，首超3亿元档 → 100万元" in [r.zh for r in result.reasons]
    assert asked == ["entity_type", "registered_in_jiading", "annual_revenue", "revenue_first_time"]


def test_an_event_costing_2_000_000_is_capped_at_500_000():
    outcome = assess(
        RULEBOOK,
        {"entity_type": "company", "hosts_event": True, "event_cost": 2_000_000},
        TODAY,
        focus={"jd-events"},
    )
    amount = outcome.result("jd-events").amount
    assert (amount.yuan, amount.per, amount.max_years) == (500_000, "year", 3)
    assert amount.applied is not None and "50万元" in amount.applied.zh


def test_rent_subsidy_is_3000_a_month_for_at_most_3_years():
    outcome = assess(RULEBOOK, {"entity_type": "individual", "talent_status": "high_level"}, TODAY)
    amount = outcome.result("jd-talent-rent").amount
    assert (amount.qualifier, amount.yuan, amount.per, amount.max_years) == (
        "up_to",
        3000,
        "month",
        3,
    )


def test_not_registered_in_jiading_is_not_eligible_for_revenue_milestones():
    outcome, asked = _walk(
        {}, {"entity_type": "company", "registered_in_jiading": False}, focus={REVENUE}
    )
    assert outcome.result(REVENUE).status == "not_eligible"
    assert asked == ["entity_type", "registered_in_jiading"]


def test_on_2026_01_01_every_jiading_program_is_flagged_expired():
    outcome = assess(RULEBOOK, {}, date(2026, 1, 1))
    for result in outcome.results:
        program = RULEBOOK.programs[result.program_id]
        if program.source.doc == JIADING:
            assert not result.in_force
            assert "2025-12-31" in result.notice.en and "successor policy" in result.notice.en
            assert "2025-12-31" in result.notice.zh
        else:
            assert result.in_force and result.notice is None


def test_an_expired_eligible_program_says_it_would_have_qualified():
    outcome = assess(
        RULEBOOK,
        {"entity_type": "company", "registered_in_jiading": True, "demo_enterprise": True},
        date(2026, 1, 1),
        focus={"jd-demonstration-enterprise"},
    )
    notice = outcome.result("jd-demonstration-enterprise").notice
    assert notice.en.startswith("Would have qualified; the policy expired on 2025-12-31")


# ------------------------------------------------------------------------------ questions


def _candidates(fact, today):
    """Answers worth trying for a fact: every option, and values on each side of each threshold."""
    if fact.type == "yes_no":
        return [True, False, UNKNOWN]
    if fact.type == "choice":
        return [o.id for o in fact.options] + [UNKNOWN]
    if fact.type == "date":
        return [today - timedelta(days=d) for d in (0, 400, 3 * 365 + 5, 2000)] + [UNKNOWN]
    if fact.type == "number":
        return [1, 2, 3, 4, 10, UNKNOWN]
    marks = {0}
    for program in RULEBOOK.programs.values():
        for cond in program.conditions:
            if cond.fact == fact.id:
                marks |= {b for b in (cond.gte, cond.lte) if b is not None}
        rule = program.amount
        if rule.fact == fact.id:
            marks |= {t.min for t in rule.tiers}
            if rule.cap_yuan and rule.rate_percent:
                marks.add(rule.cap_yuan * 100 // rule.rate_percent)
    values = sorted({v for m in marks for v in (m - 1, m, m + 1) if v >= 0})
    return [*values, 10**10, UNKNOWN]


def _snapshot(facts, today, focus):
    outcome = assess(RULEBOOK, facts, today, focus=focus)
    return tuple(
        (r.program_id, r.status, None if r.amount is None else (r.amount.qualifier, r.amount.yuan))
        for r in outcome.results
    )


def _check_step(facts, step, today, focus):
    """The question can change a result, and the result leaves nothing unasked."""
    if isinstance(step, Ask):
        assert step.fact.id not in facts
        outcomes = {
            _snapshot({**facts, step.fact.id: v}, today, focus)
            for v in _candidates(step.fact, today)
        }
        assert len(outcomes) > 1, f"asking {step.fact.id} cannot change any result ({facts})"
    else:
        for result in step.results:
            assert all(facts.get(f) == UNKNOWN for f in result.missing), (result, facts)


def _explore(facts, today, focus, depth=0):
    """Every path through the questions; returns the longest number of questions asked."""
    step = evaluate(RULEBOOK, facts, today, focus=focus)
    _check_step(facts, step, today, focus)
    if isinstance(step, Outcome):
        return depth
    return max(
        _explore({**facts, step.fact.id: value}, today, focus, depth + 1)
        for value in _candidates(step.fact, today)
    )


def test_the_revenue_path_asks_at_most_four_questions():
    focus = focus_from_text(RULEBOOK, "营收首超3亿能拿多少")
    assert focus == {REVENUE}
    assert _explore({}, TODAY, focus) <= 4


@pytest.mark.parametrize("program_id", sorted(RULEBOOK.programs))
def test_every_question_can_change_the_result(program_id):
    longest = _explore({}, TODAY, {program_id})
    assert longest <= len(RULEBOOK.programs[program_id].conditions) + 1


@pytest.mark.parametrize("entity", ["company", "park", "individual", "other_org", UNKNOWN])
def test_whole_rulebook_walks_ask_only_useful_questions(entity):
    rng = random.Random(f"walk-{entity}")
    for _ in range(40):
        facts = {"entity_type": entity}
        today = rng.choice([TODAY, date(2026, 1, 1)])
        while True:
            step = evaluate(RULEBOOK, facts, today)
            _check_step(facts, step, today, None)
            if isinstance(step, Outcome):
                break
            facts[step.fact.id] = rng.choice(_candidates(step.fact, today))


def test_the_applicant_type_is_asked_first_without_focus():
    step = evaluate(RULEBOOK, {}, TODAY)
    assert isinstance(step, Ask) and step.fact.id == "entity_type"


def test_an_individual_is_not_asked_company_questions():
    outcome, asked = _walk({}, {"entity_type": "individual", "talent_status": "high_level"})
    assert set(asked) == {"entity_type", "talent_status", "introduced_quality_project"}
    eligible = {r.program_id for r in outcome.eligible}
    assert {"jd-talent-home-purchase", "jd-talent-rent", "sh-rental-housing"} <= eligible


def test_the_condition_question_comes_before_the_amount_question():
    step = evaluate(RULEBOOK, {"entity_type": "company"}, TODAY, focus={"jd-events"})
    assert step.fact.id == "hosts_event"
    step = evaluate(
        RULEBOOK, {"entity_type": "company", "hosts_event": False}, TODAY, focus={"jd-events"}
    )
    assert isinstance(step, Outcome)  # the cost no longer matters


def test_a_question_shared_by_more_programs_is_asked_first():
    # where a park lies decides every Jiading park program: asked first
    first = evaluate(RULEBOOK, {"entity_type": "park"}, TODAY)
    assert first.fact.id == "registered_in_jiading"
    step = evaluate(RULEBOOK, {"entity_type": "park", "registered_in_jiading": True}, TODAY)
    assert step.fact.id == "park_level"  # decides three park programs
    assert set(step.programs) == {
        "jd-featured-park",
        "jd-park-team-municipal",
        "jd-park-team-district",
    }


# ------------------------------------------------------------------------------ focus


@pytest.mark.parametrize(
    "text, expected",
    [
        ("营收首超3亿能拿多少", {REVENUE}),
        ("營收首超3億能拿多少", {REVENUE}),
        ("How much do we get when revenue passes 300 million?", {REVENUE}),
        ("办论坛有补贴吗", {"jd-events"}),
        ("我们准备上市", {"jd-listing"}),
        ("Is there an IPO award?", {"jd-listing"}),
        ("外籍主播怎么办工作许可", {"sh-foreign-talent"}),
        ("staff training subsidy", {"sh-staff-training"}),
        ("住房公积金能缴吗", {"sh-provident-fund"}),
        ("算力补贴", {"sh-compute-rental"}),
        ("今天天气怎么样", set()),
    ],
)
def test_focus_from_text(text, expected):
    assert focus_from_text(RULEBOOK, text) == expected


def test_focus_restricts_results_and_empty_focus_means_all():
    assert [r.program_id for r in assess(RULEBOOK, {}, TODAY, focus={REVENUE}).results] == [REVENUE]
    assert len(assess(RULEBOOK, {}, TODAY, focus=frozenset()).results) == len(RULEBOOK.programs)


def test_an_unknown_program_in_focus_is_an_error():
    with pytest.raises(ValueError, match="no-such-program"):
        evaluate(RULEBOOK, {}, TODAY, focus={"no-such-program"})


# ------------------------------------------------------------------------------ purity


def test_evaluate_is_pure():
    facts = {"entity_type": "company", "registered_in_jiading": True, "chat_id": "42"}
    before = dict(facts)
    first = evaluate(RULEBOOK, facts, TODAY)
    assert facts == before  # not mutated; keys that are not facts are ignored
    assert evaluate(RULEBOOK, facts, TODAY) == first


def test_stored_values_in_json_form_are_accepted():
    outcome = assess(
        RULEBOOK,
        {"entity_type": "company", "registered_in_jiading": "yes", "newly_listed": "yes"},
        TODAY,
        focus={"jd-listing"},
    )
    assert outcome.result("jd-listing").status == "eligible"


@pytest.mark.parametrize(
    "facts",
    [
        {"entity_type": "robot"},
        {"annual_revenue": "lots"},
        {"registered_in_jiading": 1},
        {"park_entry_date": "last year"},
        {"annual_revenue": True},
    ],
)
def test_unusable_stored_values_are_rejected(facts):
    with pytest.raises(ValueError):
        evaluate(RULEBOOK, facts, TODAY)
