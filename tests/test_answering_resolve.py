"""Table-driven tests of ``resolve``: a question, retrieved once from the real index, becomes
an ``AnswerPlan`` (document, clause, sentence, what was asked, the verdict). Then the answer
as a user gets it (``dialogue.answer_once``): what was asked leads, and no figure appears that
no cited clause states."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from conftest import JIADING, SHANGHAI

from bot.answering import Topic, answer
from bot.answering.plan import AnswerPlan
from bot.answering.resolve import resolve
from bot.dialogue import answer_once
from bot.dialogue.talk import _tools
from bot.evaluation import unsourced_figures
from bot.question import analyse
from bot.text import normalize

TODAY = date(2026, 11, 29)


@dataclass(frozen=True)
class Case:
    question: str
    asked: str
    doc: str
    verdict: str | None = None
    programs: bool | None = None  # does the rules table lead?
    sentence: str = ""  # words the evidence sentence holds
    uncovered: tuple[str, ...] = ()
    place: str = ""


CASES = [
    Case("嘉定直播企业年主营业务收入首次超过1亿元奖励多少", "amount", JIADING, programs=True),
    Case(
        "徐汇的MCN能拿嘉定营收奖励吗", "yesno", JIADING, verdict="no", programs=True, place="徐汇"
    ),
    Case("嘉定营收首超1亿的奖励，第二年再超1亿还有吗", "yesno", JIADING, verdict="no"),
    Case("营收奖励和上市奖励能一起拿吗", "combine", JIADING, verdict="unsaid"),
    Case("嘉定直播政策从什么时候开始施行", "effective", JIADING, sentence="2024年3月1日"),
    Case("嘉定要培训多少名网红达人", "count", JIADING, programs=False, sentence="100名"),
    Case("嘉定十四五要打造几个直播园区", "count", JIADING, programs=False, sentence="5个"),
    Case(
        "带货主播能落户上海吗", "yesno", SHANGHAI, verdict="unsaid"
    ),  # no 落户 clause: no false yes
    Case("嘉定买新能源汽车有补贴吗", "yesno", JIADING, programs=False, uncovered=("新能源",)),
    Case("上市奖励申报截止到哪天", "procedure", JIADING),
    Case("上海直播行动计划的有效期", "expiry", SHANGHAI),
    Case("长宁区直播经济集聚区定位是什么", "general", SHANGHAI, sentence="时尚"),
    Case("直播企业违规能免罚吗", "penalty", SHANGHAI, sentence="免罚"),
    # read through the dictionary, 鼓励…制造 is no "yes" to running a noisy line at night:
    # the sentence is quoted without a verdict
    Case("Can our factory run the production line at night if it is noisy?", "yesno", JIADING),
]


@pytest.fixture(scope="module")
def sources(services: Any) -> Any:
    return _tools(services)[1]


@pytest.mark.parametrize("case", CASES, ids=[c.question for c in CASES])
def test_resolve(services: Any, sources: Any, case: Case) -> None:
    query = analyse(case.question)
    gated = services.qa.gate(query.text)
    named = services.qa.retriever.preferred_documents(query.norm)
    resolved = resolve(query, gated.retrieval.hits, sources, Topic(), named, gated.retrieval.terms)
    assert resolved is not None
    plan, _ = resolved
    assert plan.asked == case.asked, plan
    assert plan.doc == case.doc, plan
    assert plan.verdict == case.verdict, plan
    if case.programs is not None:
        assert bool(plan.programs) is case.programs, plan
    if case.sentence:
        assert case.sentence in normalize(plan.sentence), plan
    assert plan.place == case.place
    if case.uncovered:
        assert set(case.uncovered) <= set(plan.uncovered), plan
    else:
        assert plan.uncovered == (), plan


def _then(
    services: Any, sources: Any, question: str, follow_up: str
) -> tuple[AnswerPlan, AnswerPlan]:
    """The plan of ``question``, and of ``follow_up`` asked right after it (its topic)."""
    first = analyse(question)
    gated = services.qa.gate(first.text)
    resolved = resolve(first, gated.retrieval.hits, sources, Topic(), frozenset())
    assert resolved is not None
    plan, _ = resolved
    topic = Topic(
        doc=plan.doc,
        clause=plan.clause.key if plan.clause else None,
        programs=plan.programs,
        amount=plan.value,
        question=first.text,
    )
    again = resolve(analyse(follow_up), gated.retrieval.hits, sources, topic, frozenset())
    assert again is not None
    return plan, again[0]


def test_a_follow_up_leans_on_the_topic(services: Any, sources: Any) -> None:
    plan, follow = _then(
        services, sources, "在嘉定办一场直播节花了120万，能补贴多少？", "50万上限是每年还是三年合计"
    )
    assert follow.followup and follow.programs == plan.programs
    assert follow.value is None  # the cap is not money the user spent
    assert follow.asked == "choice" and follow.verdict == "unsaid"


@pytest.mark.parametrize(
    ("question", "lead", "never"),
    [
        ("徐汇的MCN能拿嘉定营收奖励吗", "不能", "80万"),
        ("嘉定直播政策从什么时候开始施行", "2024年3月1日", "没有涉及"),
        ("带货主播能落户上海吗", "", "货主"),
        ("嘉定要培训多少名网红达人", "100名", "没有涉及"),
        ("When does the Shanghai plan expire?", "2026-12-31", "2025-12-31"),
        ("嘉定直播企业年主营业务收入首次超过1亿元奖励多少", "80万", "还差"),
        ("嘉定买新能源汽车有补贴吗", "没有涉及", "申报流程"),
    ],
)
def test_the_answer_a_user_gets_leads_with_what_was_asked(
    services: Any, question: str, lead: str, never: str
) -> None:
    answer = answer_once(services, question, TODAY)
    first = " ".join(answer.text.splitlines()[:2]).split("「", 1)[0]
    assert lead in first, answer.text
    assert never not in first, answer.text
    assert unsourced_figures(answer, question) == (), answer.text


def test_a_firm_that_corrects_its_place_gets_the_answer_for_that_place(
    services: Any, sources: Any
) -> None:
    first = "我们是嘉定的MCN，营收首超3亿能拿多少奖励"
    plan, follow = _then(services, sources, first, "其实我们注册在松江")
    assert plan.programs and plan.verdict is None
    assert follow.followup and follow.programs == plan.programs
    assert (follow.verdict, follow.place) == ("no", "松江")
    # a follow-up that names no place of registration is not a correction
    _, other = _then(services, sources, first, "那5亿呢")
    assert other.followup and other.verdict is None


def test_a_document_number_is_quoted_from_the_clause_that_holds_it(
    services: Any, sources: Any
) -> None:
    # The number comes from the document's record; the clause cited with it is the notice
    # that carries it, whichever clause retrieval ranked first.
    query = analyse("嘉定直播政策的文号是多少")
    gated = services.qa.gate(query.text)
    named = services.qa.retriever.preferred_documents(query.norm)
    resolved = resolve(query, gated.retrieval.hits, sources, Topic(), named, gated.retrieval.terms)
    assert resolved is not None
    plan = resolved[0]
    assert plan.doc == JIADING and plan.clause is not None
    assert "嘉商规" in plan.clause.norm and "嘉商规" in normalize(plan.sentence)


def test_a_subject_no_document_covers_names_the_nearest_clause_not_a_source(
    services: Any,
) -> None:
    # "政策文件没有涉及“新能源汽车”": the clause shown beside it is what came nearest, and says
    # nothing of it; "出处" would read as the source of that statement
    answer = answer_once(services, "嘉定买新能源汽车有补贴吗", TODAY)
    assert answer.text.startswith("政策文件没有涉及"), answer.text
    assert "最接近的条文：《" in answer.text and "出处" not in answer.text
    assert answer.citations  # the clause is still there to read


def test_a_district_the_firm_is_in_is_a_place_not_a_subject_no_document_covers(
    services: Any,
) -> None:
    # 徐汇 is in no document, but it is where the firm is, in the city the plan governs
    answer = answer_once(services, "我们是徐汇的MCN，上海有什么支持？", TODAY)
    assert "没有涉及" not in answer.text.splitlines()[0], answer.text
    assert answer.citations[0].doc == SHANGHAI


def _hit(clause: Any) -> Any:
    from bot.retrieval.retriever import Hit

    return Hit(clause, 1.0, 1.0, 1.0)


def test_a_follow_up_is_answered_from_the_topics_document(services: Any, sources: Any) -> None:
    # searched with the topic's question, a follow-up may find another document's clause first
    # (a worker's notice to quit for "提前几天？" after a property firm's notice to owners): it
    # is answered from the document the conversation is about
    jiading = [c for c in sources.clauses if c.doc_id == JIADING]
    shanghai = [c for c in sources.clauses if c.doc_id == SHANGHAI]
    topic_clause, other = jiading[3], jiading[4]
    topic = Topic(doc=JIADING, clause=topic_clause.key, question="嘉定对直播园区有什么支持")
    follow_up = analyse("具体有哪些？")
    hits = [_hit(shanghai[5]), _hit(shanghai[6]), _hit(other)]
    resolved = resolve(follow_up, hits, sources, topic, frozenset())
    assert resolved is not None
    plan, _ = resolved
    assert plan.followup and plan.doc == JIADING, plan
    assert plan.clause is not None and plan.clause.doc_id == JIADING, plan
    # with no clause of its document among the hits, the topic's own clause is read
    resolved = resolve(follow_up, hits[:2], sources, topic, frozenset())
    assert resolved is not None
    assert resolved[0].clause == topic_clause, resolved[0]


@pytest.mark.parametrize("follow_up", ["提前几天？", "罚多少？", "找哪个部门？"])
def test_a_detail_of_what_the_documents_do_not_say_is_not_said_either(
    services: Any, sources: Any, follow_up: str
) -> None:
    # the last answer said the documents do not say it: how many days ahead, what fine, which
    # office are not read from the clause quoted beside it
    query = analyse("带货主播能落户上海吗")
    gated = services.qa.gate(query.text)
    first = resolve(query, gated.retrieval.hits, sources, Topic(), frozenset())
    assert first is not None and first[0].verdict == "unsaid"
    plan = first[0]
    topic = Topic(
        doc=plan.doc,
        clause=plan.clause.key if plan.clause else None,
        question=query.text,
        unsaid=True,
    )
    again = resolve(analyse(follow_up), gated.retrieval.hits, sources, topic, frozenset())
    assert again is not None and again[0].followup, again
    assert again[0].verdict == "unsaid", again[0]
    # after an answer, a fine or an office is read as before; a time the clause does not
    # state is not said either way (a follow-up asking a figure of a clause without one)
    said = resolve(
        analyse(follow_up), gated.retrieval.hits, sources, replace(topic, unsaid=False), frozenset()
    )
    assert said is not None
    assert (said[0].verdict == "unsaid") is (follow_up == "提前几天？"), said[0]


def test_the_topic_keeps_whether_the_documents_said_it() -> None:
    topic = Topic(doc="d", clause="d/1", question="q", unsaid=True)
    assert Topic.from_json(topic.to_json()) == topic
    assert not Topic.from_json({"doc": "d", "clause": "d/1"}).unsaid  # sessions saved before


def test_a_higher_tier_reached_later_is_no_second_time(services: Any, sources: Any) -> None:
    # 首超3亿 is a threshold of its own: after 2.5亿 (the 1亿 tier), reaching 3亿 is its first
    # time, not the 1亿 award again ("不能" was the answer); 2.8亿 is still the 1亿 tier
    first = "我们是嘉定的直播公司，今年营收做到了2.5亿，能拿多少奖励？"
    plan, follow = _then(services, sources, first, "明年到了3亿还能再拿吗？")
    assert plan.programs and plan.value == 250_000_000
    assert follow.followup and follow.value == 300_000_000
    assert follow.higher_tier and follow.verdict is None, follow
    _, same = _then(services, sources, first, "明年到了2.8亿还能再拿吗？")
    assert not same.higher_tier and same.verdict == "no", same
    # as a user gets it: the higher tier's amount, and that the documents do not say how the
    # tiers add up
    composed = answer(
        analyse("明年到了3亿还能再拿吗？"),
        services.qa.gate(f"{first} 明年到了3亿还能再拿吗？").retrieval.hits,
        sources,
        Topic(doc=plan.doc, clause=plan.clause.key if plan.clause else None,
              programs=plan.programs, amount=plan.value, question=first),
        TODAY,
        "zh",
    )  # fmt: skip
    assert composed is not None
    lead, *rest = composed.text.splitlines()
    assert "100万元" in lead and "不能" not in lead and "可以" not in lead, composed.text
    assert any("文件没有写明已拿过低一档" in line for line in rest), composed.text


@pytest.mark.parametrize(
    ("about", "follow_up", "unsaid"),
    [
        # the article on work permits for foreign streamers states no time
        ("上海对外籍主播有什么支持", "那工作许可证办下来要多久", True),
        ("上海对外籍主播有什么支持", "能招几个？", True),
        # the talent housing article states its amounts and years: it answers
        ("嘉定人才租房补贴", "每月多少？", False),
    ],
)
def test_a_follow_up_asking_a_figure_its_clause_does_not_state_is_told_so(
    services: Any, sources: Any, about: str, follow_up: str, unsaid: bool
) -> None:
    query = analyse(about)
    gated = services.qa.gate(query.text)
    first = resolve(query, gated.retrieval.hits, sources, Topic(), frozenset())
    assert first is not None and first[0].clause is not None
    plan = first[0]
    topic = Topic(doc=plan.doc, clause=plan.clause.key, question=query.text)
    again = resolve(analyse(follow_up), gated.retrieval.hits, sources, topic, frozenset())
    assert again is not None and again[0].followup, again
    assert (again[0].verdict == "unsaid") is unsaid, again[0]
