"""The dialogue core, turn by turn: ``handle(session, incoming, services, today)`` with the real
services (index, retrieval, rules) and a real SQLite store.

Every turn also checks that the new session survives the JSON round trip the store does, so
"sessions are plain data" holds after any input.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from conftest import NEEDS_CITY_CORPUS, seeds_with

from bot.dialogue import handle
from bot.domain import Incoming, Option, Reply, Session
from bot.eligibility import evaluate, question_reply
from bot.services import Services
from bot.store import Store

TODAY = date(2026, 11, 21)  # the Jiading opinions expired on 2025-12-31
IN_FORCE = date(2025, 6, 1)  # both documents in force
EXPIRY = "该政策已于2025-12-31到期"
TEN_KB = "x" * 10240


# ------------------------------------------------------------------------------ fixtures


# ------------------------------------------------------------------------------ helpers


def turn(
    services: Services,
    session: Session,
    text: str | None = None,
    choice: str | None = None,
    kind: str | None = None,
    today: date = TODAY,
) -> tuple[Session, list[Reply]]:
    """One turn through ``handle``; asserts the invariants every turn must keep."""
    if kind is None:
        kind = "choice" if choice is not None else "text"
    sound = (
        session.pending is None
        if session.flow == "idle"
        else session.pending in services.rulebook.facts or session.pending == "checklist"
    )
    incoming = Incoming(chat_id=session.chat_id, text=text, choice=choice, kind=kind)  # type: ignore[arg-type]
    result = handle(session, incoming, services, today)
    new, replies = result.session, list(result.replies)
    if services.store is not None:  # what bot.conversation does with the turn's log
        with services.store.transaction() as tx:
            for entry in result.log:
                tx.log(new.chat_id, entry)
    assert replies, "every turn gets at least one reply"
    assert all(isinstance(r, Reply) and r.text.strip() for r in replies), replies
    assert new.chat_id == session.chat_id
    saved = json.loads(json.dumps(new.to_json(), ensure_ascii=False))
    assert Session.from_json(saved, new.chat_id) == new, "the session must survive the store"
    if sound:  # a sound session stays sound: idle, or waiting on a question of the rules
        if new.flow == "eligibility":
            assert new.pending in services.rulebook.facts or (
                new.pending == "checklist" and new.checklist
            ), new
        else:
            assert new.pending is None, new
    return new, replies


def show(replies: list[Reply]) -> str:
    return "\n---\n".join(
        r.text + (f"\n  options: {[o.id for o in r.options]}" if r.options else "") for r in replies
    )


def asked(replies: list[Reply]) -> str | None:
    """The fact the last reply asks about (its buttons are ``ans:<fact>:<option>``), or
    "checklist" for a "which of these apply?" question (buttons ``chk:<fact>``)."""
    ids = [o.id for o in replies[-1].options]
    if ids and all(i.startswith("chk:") for i in ids):
        return "checklist"
    if ids and all(i.startswith("ans:") for i in ids):
        facts = {i.split(":")[1] for i in ids}
        assert len(facts) == 1, ids
        return facts.pop()
    return None


def answer_turn(
    services: Services, session: Session, fact_id: str, value: str, today: date = TODAY
) -> tuple[Session, list[Reply]]:
    """Answer like a user: press the button for yes/no and choices, type anything else."""
    fact = services.rulebook.facts[fact_id]
    if fact.type in ("yes_no", "choice"):
        return turn(services, session, choice=f"ans:{fact_id}:{value}", today=today)
    return turn(services, session, text=value, today=today)


def walk(
    services: Services,
    start: str,
    answers: dict[str, str],
    today: date = TODAY,
    session: Session | None = None,
) -> tuple[Session, list[str], list[Reply]]:
    """Send ``start`` and answer every question from ``answers`` until the result.
    Returns the final session, the facts asked in order, and the result turn's replies."""
    session = session or Session(chat_id="t")
    session, replies = turn(services, session, text=start, today=today)
    questions: list[str] = []
    while (fact_id := asked(replies)) is not None:
        questions.append(fact_id)
        assert len(questions) < 20, questions
        if fact_id == "checklist":  # tick what ``answers`` says yes to, then "done"
            for item in session.checklist:
                if answers.get(item) == "yes":
                    session, replies = turn(services, session, choice=f"chk:{item}", today=today)
            session, replies = turn(services, session, choice="chk:done", today=today)
            continue
        if fact_id not in answers:
            pytest.fail(f"unexpected question {fact_id} after {questions[:-1]}\n{show(replies)}")
        session, replies = answer_turn(services, session, fact_id, answers[fact_id], today)
    return session, questions, replies


def in_walk(services: Services, *steps: tuple[str, str]) -> tuple[Session, list[Reply]]:
    """A session in the middle of a walk-through: ("text", ...) / ("choice", ...) steps."""
    session = Session(chat_id="w")
    replies: list[Reply] = []
    for kind, value in steps:
        if kind == "text":
            session, replies = turn(services, session, text=value)
        else:
            session, replies = turn(services, session, choice=value)
    assert session.flow == "eligibility", show(replies)
    return session, replies


def at_registered(services: Services, start: str = "/check 营收") -> Session:
    """``start`` (a focused check by default), applicant "company": the registration question
    is pending."""
    session, _ = in_walk(services, ("text", start), ("choice", "ans:entity_type:company"))
    assert session.pending == "registered_in_jiading"
    return session


def block(text: str, name: str) -> str:
    """The paragraph of a result text about one program."""
    for part in text.split("\n\n"):
        if part.startswith(("✅ " + name, "❔ " + name)):
            return part
    raise AssertionError(f"no block for {name!r} in:\n{text}")


# ------------------------------------------------------------------------------ every amount

AMOUNTS = [
    # (id, start, answers, program, amount text, clause, most questions)
    (
        "revenue-100m",
        "/check 营收",
        {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "1.5亿",
         "revenue_first_time": "yes"},
        "jd-revenue-milestone", "金额：一次性 80万元（800,000 元）（首超1亿元档）", "（三）", 4,
    ),
    (
        "revenue-300m",
        "/check 营收",
        {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "320000000",
         "revenue_first_time": "yes"},
        "jd-revenue-milestone", "金额：一次性 100万元（1,000,000 元）（首超3亿元档）", "（三）", 4,
    ),
    (
        "revenue-500m-inclusive",
        "/check 营收",
        {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "5亿",
         "revenue_first_time": "yes"},
        "jd-revenue-milestone", "金额：一次性 200万元（2,000,000 元）（首超5亿元档）", "（三）", 4,
    ),
    (
        "featured-park-municipal",
        "/check 特色园区",
        {"entity_type": "park", "registered_in_jiading": "yes", "park_level": "municipal", "park_newly_recognised": "yes",
         "park_first_honour": "none", "park_assessment_rank": "5"},
        "jd-featured-park", "金额：一次性 200万元（2,000,000 元）（市级特色园区）", "（一）", 6,
    ),
    (
        "featured-park-district",
        "/check 特色园区",
        {"entity_type": "park", "registered_in_jiading": "yes", "park_level": "district", "park_newly_recognised": "yes",
         "park_first_honour": "none", "park_assessment_rank": "5"},
        "jd-featured-park", "金额：一次性 100万元（1,000,000 元）（区级特色园区）", "（一）", 6,
    ),
    (
        "park-national-honour",
        "/check 示范基地",
        {"entity_type": "park", "registered_in_jiading": "yes", "park_first_honour": "national", "park_level": "none"},
        "jd-park-national-honour", "金额：100万元（1,000,000 元）", "（一）", 4,
    ),
    (
        "park-municipal-honour",
        "/check 示范基地",
        {"entity_type": "park", "registered_in_jiading": "yes", "park_first_honour": "municipal", "park_level": "none"},
        "jd-park-municipal-honour", "金额：50万元（500,000 元）", "（一）", 4,
    ),
    (
        "park-team-municipal-first",
        "/check 管理团队",
        {"entity_type": "park", "registered_in_jiading": "yes", "park_level": "municipal", "park_assessment_rank": "1"},
        "jd-park-team-municipal", "金额：每年 100万元（1,000,000 元）", "（一）", 4,
    ),
    (
        "park-team-district-top-three",
        "/check 管理团队",
        {"entity_type": "park", "registered_in_jiading": "yes", "park_level": "district", "park_assessment_rank": "第3名"},
        "jd-park-team-district", "金额：每年 50万元（500,000 元）", "（一）", 4,
    ),
    (
        "well-known-firm-settling",
        "/check 入驻嘉定",
        {"entity_type": "company", "settling_in_jiading": "yes", "is_well_known": "yes"},
        "jd-well-known-entry", "金额：一次性 30万元（300,000 元）以上（视其贡献确定）", "（二）", 3,
    ),
    (
        "demonstration-enterprise",
        "/check 示范企业",
        {"entity_type": "company", "registered_in_jiading": "yes", "demo_enterprise": "yes"},
        "jd-demonstration-enterprise", "金额：一次性 30万元（300,000 元）", "（四）", 3,
    ),
    (
        "event-capped",
        "/check 活动",
        {"entity_type": "company", "hosts_event": "yes", "event_cost": "200万", "event_in_jiading": "yes"},
        "jd-events", "金额：每年 50万元（500,000 元），最长3年（每年最高50万元", "（五）", 4,
    ),
    (
        "event-below-cap",
        "/check 活动",
        {"entity_type": "company", "hosts_event": "yes", "event_cost": "1,000,000", "event_in_jiading": "yes"},
        "jd-events", "金额：每年 30万元（300,000 元），最长3年", "（五）", 4,
    ),
    (
        "listing",
        "/check 上市",
        {"entity_type": "company", "registered_in_jiading": "yes", "newly_listed": "yes"},
        "jd-listing", "金额：最高 500万元（5,000,000 元）", "（九）", 3,
    ),
    (
        "talent-home-purchase",
        "/check 购房",
        {"entity_type": "individual", "talent_status": "high_level"},
        "jd-talent-home-purchase", "金额：最高 1000万元（10,000,000 元）", "（十一）", 2,
    ),
    (
        "talent-rent",
        "/check 租房",
        {"entity_type": "individual", "talent_status": "other_recognised"},
        "jd-talent-rent", "金额：每月最高 3,000元，最长3年", "（十一）", 2,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "start, answers, program, amount, clause, most", [a[1:] for a in AMOUNTS],
    ids=[a[0] for a in AMOUNTS],
)  # fmt: skip
@pytest.mark.parametrize("today", [TODAY, IN_FORCE], ids=["expired", "in-force"])
def test_every_jiading_amount_is_reached_through_the_walk_through(
    svc, start, answers, program, amount, clause, most, today
):
    session, questions, replies = walk(svc, start, answers, today)
    assert len(questions) <= most, questions
    result = replies[0]
    name = svc.rulebook.programs[program].name.zh
    text = block(result.text, name)
    assert text.startswith(f"✅ {name}：符合所述条件"), text
    assert amount in text, text
    assert f"（嘉商规〔2024〕1号）{clause}" in text, text
    cited = [(c.doc, c.clause) for c in result.citations]
    assert ("jiading-livestream-2024", clause) in cited, cited
    if today > date(2025, 12, 31):
        assert EXPIRY in text, "the expiry is stated in every result relying on the opinions"
    else:
        assert "政策有效期至2025-12-31。" in text and "到期" not in text, text
    # after the result the chat is idle again, with nothing left over
    assert session.flow == "idle" and session.pending is None, session
    assert not session.facts and not session.answered and not session.focus, session
    assert [o.id for o in replies[-1].options] == ["menu:check", "menu:help"]


def test_expiry_is_stated_for_every_jiading_result_in_a_full_check(svc):
    """A full /check of a company that answers yes to everything: each block from the Jiading
    opinions carries the expiry notice, each block from the Shanghai plan its end date."""
    facts = {f.id: f for f in svc.rulebook.facts.values()}
    session, replies = turn(svc, Session(chat_id="full"), text="/check")
    for _ in range(30):
        fact_id = asked(replies)
        if fact_id is None:
            break
        if fact_id == "checklist":  # yes to everything: tick every item, then "done"
            for item in session.checklist:
                session, replies = turn(svc, session, choice=f"chk:{item}")
            session, replies = turn(svc, session, choice="chk:done")
            continue
        fact = facts[fact_id]
        value = {
            "entity_type": "company", "annual_revenue": "6亿", "event_cost": "300万",
            "park_entry_date": "2025-01-01", "park_assessment_rank": "1", "sh_fund_carrier": "base",
        }.get(fact_id, "yes")  # fmt: skip
        assert fact.type == "yes_no" or value != "yes", f"no answer for {fact_id}"
        session, replies = answer_turn(svc, session, fact_id, value)
    else:
        pytest.fail("the walk-through did not end")
    result = replies[0].text
    blocks = [b for b in result.split("\n\n") if b.startswith(("✅", "❔"))]
    assert len(blocks) >= 8, result
    for b in blocks:
        if "嘉商规〔2024〕1号" in b:
            assert EXPIRY in b, b
        else:
            assert "政策有效期至2026-12-31。" in b, b
    assert "金额：一次性 200万元（2,000,000 元）（首超5亿元档）" in result


# ------------------------------------------------------------------------------ question count


@pytest.mark.parametrize(
    "start, answers, expected",
    [
        (
            "/check 营收",
            {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "3.2亿",
             "revenue_first_time": "yes"},
            ["entity_type", "registered_in_jiading", "annual_revenue", "revenue_first_time"],
        ),
        (
            # the revenue and "首超" are stated in the opening words: only the district is asked
            "我们公司营收首超3亿能拿什么奖励？",
            {"registered_in_jiading": "yes"},
            ["registered_in_jiading"],
        ),
        (
            "What can my company get for revenue over 300 million?",
            {"registered_in_jiading": "yes", "revenue_first_time": "yes"},
            ["registered_in_jiading", "revenue_first_time"],
        ),
        # a decided program asks nothing more: no question whose answer cannot change the result
        (
            "/check 营收",
            {"entity_type": "company", "registered_in_jiading": "no"},
            ["entity_type", "registered_in_jiading"],
        ),
        ("/check 营收", {"entity_type": "individual"}, ["entity_type"]),
        (
            "/check 营收",
            {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "9000万"},
            ["entity_type", "registered_in_jiading", "annual_revenue"],
        ),
        (
            "/check 活动",
            {"entity_type": "company", "hosts_event": "no"},
            ["entity_type", "hosts_event"],
        ),
    ],
    ids=["check-command", "zh-request", "en-request", "not-registered", "individual",
         "below-first-tier", "no-event"],
)  # fmt: skip
def test_revenue_path_questions(svc, start, answers, expected):
    _, questions, replies = walk(svc, start, answers)
    assert questions == expected, show(replies)
    assert len(questions) <= 4


def test_below_the_first_tier_says_how_far_it_is(svc):
    _, _, replies = walk(
        svc,
        "/check 营收",
        {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "9000万"},
    )
    text = replies[0].text
    assert "暂未找到符合条件的项目" in text
    assert "首超1亿元档为80万元（还差1000万元）" in text


# ------------------------------------------------------------------------------ intents


def test_start_welcomes_and_resets(svc):
    session = at_registered(svc)
    new, replies = turn(svc, session, text="/start")
    assert len(replies) == 1 and "您好" in replies[0].text
    assert [o.id for o in replies[0].options] == ["menu:check", "menu:about", "menu:lang"]
    assert new.flow == "idle" and not new.facts and new.pending is None


@pytest.mark.parametrize("text", ["/help", "帮助", "help", "菜单", "？"])
def test_help_keeps_the_walk_through(svc, text):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    assert "我可以" in replies[0].text
    assert new == session
    if text == "/help":  # the command shows the help with the menu
        assert len(replies) == 1
        assert [o.id for o in replies[0].options] == ["menu:check", "menu:about", "menu:lang"]
    else:  # typed words show it and ask the open question again
        assert asked(replies) == "registered_in_jiading", show(replies)


def test_help_when_idle(svc):
    new, replies = turn(svc, Session(chat_id="h"), text="/help")
    assert len(replies) == 1 and "我可以" in replies[0].text
    assert [o.id for o in replies[0].options] == ["menu:check", "menu:about", "menu:lang"]
    assert new == Session(chat_id="h")
    new, replies = turn(svc, Session(chat_id="h"), text="帮助")
    assert len(replies) == 1 and "我可以" in replies[0].text
    assert new == Session(chat_id="h")


@pytest.mark.parametrize(
    "text",
    [
        "/check",
        "/check@policy_bot",
        "检查我的资格",
        "我们公司能拿什么补贴",
        # which of them it can apply for, asked in that order (it was answered with one clause)
        "我们是一家做直播电商的公司，注册在嘉定，有哪些政策可以申请？",
    ],
)
def test_starting_the_walk_through(svc, text):
    new, replies = turn(svc, Session(chat_id="s"), text=text)
    assert new.flow == "eligibility"
    assert "我来帮您看看" in replies[0].text
    assert asked(replies) == new.pending


@pytest.mark.parametrize(
    "text",
    [
        "我们公司能不能用员工的照片做广告",
        "我们企业能派人去旁听吗？",
        "我司能否延期申报纳税",
        "Can our company refuse to hire a woman because she is pregnant?",
        # "can we get" a licence, or money back, is no support the walk-through could check
        "Landlord offers us a cheap unit that is an unauthorised extension. Can we get a business "
        "licence for a shop there?",
        "A stallholder sold a customer fakes and vanished; the customer wants us to pay. Do we "
        "have to, and can we get the money back?",
    ],
)
def test_a_firm_asking_whether_it_may_do_something_is_answered_not_walked_through(svc, text):
    new, replies = turn(svc, Session(chat_id="s"), text=text)
    assert new.flow != "eligibility"
    assert "我来帮您看看" not in replies[0].text
    assert "Let's check what support" not in replies[0].text


@NEEDS_CITY_CORPUS
def test_a_grant_a_regulation_gives_is_answered_from_it_not_walked_through(tmp_path, settings, svc):
    # Beside a city's regulations, a firm asking for a grant that one of them gives gets its
    # article; asking for the live-streaming programs' support still starts the walk-through
    served = seeds_with(["上海市鼓励引进技术的吸收与创新规定.md"], tmp_path, settings)
    served = dataclasses.replace(served, store=svc.store)
    asked = (
        "We licensed a foreign patented technology and we'll be the first company in China to use "
        "it in our product development. Can we get a grant from the city for that?"
    )
    new, replies = turn(served, Session(chat_id="g"), text=asked)
    assert new.flow != "eligibility", show(replies)
    cited = {c.title for c in replies[0].citations}
    assert "上海市鼓励引进技术的吸收与创新规定" in cited, show(replies)
    new, _ = turn(
        served, Session(chat_id="l"), text="Can our company get a subsidy for live-streaming?"
    )
    assert new.flow == "eligibility"
    # which support it can apply for, when a regulation's article matches best: answered
    new, replies = turn(
        served, Session(chat_id="w"), text="我们公司引进了国外的专利技术，有哪些资助可以申请？"
    )
    assert new.flow != "eligibility", show(replies)


@NEEDS_CITY_CORPUS
def test_what_the_documents_do_not_say_is_not_said_in_a_follow_up_either(tmp_path, settings, svc):
    # a property firm stopping a lift for repairs asks whether it must tell the owners, then
    # how many days ahead: it was told "需要" from a worker's notice to quit ("劳动者解除劳动合同，
    # 应当提前三十日…通知"), and then thirty days. Neither regulation says it.
    served = seeds_with(
        ["上海市住宅物业管理规定(2020-12-30).md", "上海市劳动合同条例(2001-11-15).md"],
        tmp_path,
        settings,
    )
    served = dataclasses.replace(served, store=svc.store)
    first = "我们物业公司要停小区的电梯维修三天，需要提前通知业主吗？"
    new, replies = turn(served, Session(chat_id="f"), text=first)
    assert replies[0].text.startswith("文件没有写明这一点"), show(replies)
    _, replies = turn(served, new, text="提前几天？")
    (reply,) = replies
    assert reply.text.startswith("接上题：文件没有写明这一点"), show(replies)


@pytest.mark.parametrize(
    "text",
    [
        "Can our company get a subsidy for live-streaming?",
        "can my firm apply for support?",
        # a word between "what" and "can we get", and "agency" naming the firm, not an office
        "Hi, we are an MCN agency registered in Jiading. What support can we get?",
        "我们是注册在嘉定的MCN机构，能拿到什么支持？",
    ],
)
def test_a_firm_asking_what_it_can_get_in_english_is_walked_through(svc, text):
    new, _ = turn(svc, Session(chat_id="s"), text=text)
    assert new.flow == "eligibility"


def test_a_request_naming_the_applicant_skips_that_question(svc):
    new, replies = turn(svc, Session(chat_id="s"), text="我们公司能拿什么补贴")
    assert new.facts == {"entity_type": "company"}
    assert new.pending != "entity_type"
    assert asked(replies) == new.pending


def test_check_with_a_topic_focuses_the_walk_through(svc):
    new, _ = turn(svc, Session(chat_id="s"), text="/check 营收")
    assert new.focus == ("jd-revenue-milestone",)


@pytest.mark.parametrize(
    "button, answer",
    [("ans:registered_in_jiading:yes", True), ("ans:registered_in_jiading:no", False)],
)
def test_answer_by_button(svc, button, answer):
    session = at_registered(svc, "/check")  # every program: a "no" does not end it
    new, replies = turn(svc, session, choice=button)
    assert new.facts["registered_in_jiading"] is answer
    assert new.answered == ("entity_type", "registered_in_jiading")
    assert new.pending not in ("entity_type", "registered_in_jiading")
    assert asked(replies) == new.pending and len(replies) == 1


@pytest.mark.parametrize(
    "text, value",
    [
        ("是", True),
        ("是的，在嘉定注册", True),
        ("嘉定区", True),
        ("不是", False),
        ("浦东", False),
        ("Yes, we are registered in Jiading", True),  # "are" inside an answer is no question
        ("No, it is registered in Pudong", False),
        ("It is in Jiading", True),
        ("不知道", "unknown"),
    ],
)
def test_answer_by_text(svc, text, value):
    session = at_registered(svc, "/check")
    new, replies = turn(svc, session, text=text)
    assert new.facts.get("registered_in_jiading") == value, show(replies)
    assert not any(r.citations for r in replies), "an answer is not a policy question"


@pytest.mark.parametrize(
    "text, clause",
    [("人才租房补贴每月多少？", "（十一）"), ("How much is the listing award?", "（九）")],
)
def test_policy_question_mid_walk_through_resumes_the_same_question(svc, text, clause):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    cited = [c.clause for r in replies for c in r.citations]
    assert clause in cited, show(replies)
    assert replies[0].citations, "the answer comes first"
    assert asked(replies) == "registered_in_jiading", show(replies)
    assert replies[-1] == _question(svc, "registered_in_jiading", "zh")
    assert new.pending == session.pending and new.facts == session.facts
    assert new.flow == "eligibility" and new.answered == session.answered
    logged = svc.store.questions()
    assert [q.text for q in logged] == [text]
    assert logged[0].answered and logged[0].in_scope


def test_an_answer_that_looks_like_a_question_is_not_logged(svc):
    session, _ = in_walk(
        svc,
        ("text", "/check 营收"),
        ("choice", "ans:entity_type:company"),
        ("choice", "ans:registered_in_jiading:yes"),
    )
    new, replies = turn(svc, session, text="大概3.2亿左右吧？")
    assert new.pending == "annual_revenue" and new.facts == session.facts, show(replies)
    assert svc.store.questions() == [], "an answer is not a question for staff triage"


def test_policy_question_when_idle_offers_a_focused_check(svc):
    session = Session(chat_id="q")
    new, replies = turn(svc, session, text="我们公司办活动能拿多少补贴？")
    assert "（五）" in [c.clause for c in replies[0].citations], show(replies)
    assert [o.id for o in replies[0].options][:1] == ["menu:check_offer"]
    assert "jd-events" in new.offer and new.flow == "idle"
    started, replies = turn(svc, new, choice="menu:check_offer")
    assert started.flow == "eligibility" and started.focus == new.offer
    assert svc.store.questions()[0].text == "我们公司办活动能拿多少补贴？"


def test_out_of_scope_question_is_logged_as_unanswered(svc):
    new, replies = turn(svc, Session(chat_id="q"), text="明天上海天气怎么样？")
    assert not replies[0].citations, show(replies)
    assert new.flow == "idle"
    (logged,) = svc.store.questions(unanswered_only=True)
    assert logged.text == "明天上海天气怎么样？" and not logged.in_scope and not logged.answered


@pytest.mark.parametrize(
    "text",
    [
        "深圳直播基地补贴多少？",
        "北京对直播企业有什么补贴",
        "杭州余杭区直播电商扶持政策",
        "How much does Shenzhen give a livestreaming base?",
        # two programs asked at once, each part about Shenzhen: no part is answered
        "深圳直播基地补贴多少？深圳人才租房补贴多少？",
    ],
)
def test_a_question_about_another_place_is_refused_in_a_conversation(svc, text):
    # 基地补贴 names a program of the rules table: Jiading's park subsidy is no answer about
    # Shenzhen's (asked of `ask` the gate refused it; in a conversation it was answered)
    new, replies = turn(svc, Session(chat_id="o"), text=text)
    assert not replies[0].citations, show(replies)
    assert "不在我能回答的范围内" in replies[0].text or "outside what I can" in replies[0].text
    assert new.flow == "idle"
    (logged,) = svc.store.questions(unanswered_only=True)
    assert not logged.in_scope


def test_one_part_about_another_place_is_refused_and_the_other_answered(svc):
    _, replies = turn(
        svc, Session(chat_id="o"), text="深圳直播基地补贴多少？嘉定人才租房补贴多少？"
    )
    (reply,) = replies
    first, _, rest = reply.text.partition("\n")
    assert "深圳直播基地补贴多少" in first and "不涉及深圳" in first, show(replies)
    assert "200万元" not in reply.text  # Jiading's park subsidy is no answer about Shenzhen
    assert "3,000元" in rest
    assert [c.clause for c in reply.citations] == ["（十一）"]


CANCEL = ["/cancel", "取消", "退出", "cancel", "STOP", "Quit."]
BACK = ["/back", "返回", "上一步", "back", "Go back"]
WHY = ["/why", "/why@policy_bot", "为什么", "为啥", "why", "Why?", "why do you ask?"]


@pytest.mark.parametrize("text", CANCEL)
def test_cancel(svc, text):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    assert new.flow == "idle" and new.pending is None and not new.facts and not new.answered
    assert len(replies) == 1 and ("已取消" in replies[0].text or "cancelled" in replies[0].text)
    assert [o.id for o in replies[0].options] == ["menu:check", "menu:about", "menu:lang"]
    again, replies = turn(svc, new, text=text)
    assert again == new
    assert "没有进行中" in replies[0].text or "no check in progress" in replies[0].text


def test_cancel_button(svc):
    new, replies = turn(svc, at_registered(svc), choice="menu:cancel")
    assert new.flow == "idle" and "已取消" in replies[0].text


@pytest.mark.parametrize("text", BACK)
def test_back_reasks_the_previous_question(svc, text):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    assert new.pending == "entity_type" and new.facts == {} and new.answered == ()
    assert asked(replies) == "entity_type"
    first, replies = turn(svc, new, text=text)
    assert first == new, "nothing before the first question"
    assert "没有可以返回" in replies[0].text or "no previous question" in replies[0].text
    assert asked(replies) == "entity_type"


@pytest.mark.parametrize("text", WHY)
def test_why_explains_and_reasks(svc, text):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    assert new == session
    fact = svc.rulebook.facts["registered_in_jiading"]
    assert replies[0].text == f"为什么问这个：{fact.why.zh}"
    assert replies[-1] == _question(svc, "registered_in_jiading", "zh")


def test_why_and_back_when_idle(svc):
    idle = Session(chat_id="i")
    new, replies = turn(svc, idle, text="/why")
    assert new == idle and "现在没有待回答的问题" in replies[0].text
    new, replies = turn(svc, idle, text="/back")
    assert new == idle and "没有可以返回" in replies[0].text


@pytest.mark.parametrize("text", ["重新开始", "start over", "Restart"])
def test_restart_keeps_the_topic(svc, text):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    assert asked(replies) == "entity_type"
    assert new.flow == "eligibility" and new.pending == "entity_type" and not new.facts
    assert new.focus == session.focus == ("jd-revenue-milestone",)


@pytest.mark.parametrize(
    "kind, value, lang",
    [
        ("text", "/lang en", "en"),
        ("text", "/lang English", "en"),
        ("text", "English", "en"),
        ("text", "english please", "en"),
        ("text", "/lang", "en"),  # toggles
        ("choice", "menu:lang", "en"),
    ],
)
def test_language_switch_mid_walk_through(svc, kind, value, lang):
    session = at_registered(svc)
    if kind == "text":
        new, replies = turn(svc, session, text=value)
    else:
        new, replies = turn(svc, session, choice=value)
    assert new.lang == lang and new.lang_fixed
    assert replies[0].text == "Switched to English."
    assert replies[-1] == _question(svc, "registered_in_jiading", "en"), show(replies)
    assert new.pending == session.pending and new.facts == session.facts
    back, replies = turn(svc, new, text="中文")
    assert back.lang == "zh" and replies[-1] == _question(svc, "registered_in_jiading", "zh")


def test_a_fixed_language_stays_and_an_unfixed_one_follows_the_user(svc):
    fixed, _ = turn(svc, Session(chat_id="l"), text="/lang zh")
    after, _ = turn(svc, fixed, text="How much is the listing award?")
    assert after.lang == "zh"
    follows, _ = turn(svc, Session(chat_id="l2"), text="How much is the listing award?")
    assert follows.lang == "en"


@pytest.mark.parametrize("today, status", [(TODAY, "已于2025-12-31失效"), (IN_FORCE, "现行有效")])
def test_about(svc, today, status):
    new, replies = turn(svc, Session(chat_id="a"), text="/about", today=today)
    text = replies[0].text
    assert "嘉商规〔2024〕1号" in text and "2024-03-01 — 2025-12-31（" + status in text, text
    assert "2024-01-01 — 2026-12-31（现行有效）" in text
    assert new == Session(chat_id="a")


@pytest.mark.parametrize("text", ["/foo", "/CHECKME", "/start_over"])
def test_unknown_command(svc, text):
    session = at_registered(svc)
    new, replies = turn(svc, session, text=text)
    assert new == session
    assert "没有 /" in replies[0].text and asked(replies) == "registered_in_jiading"


@pytest.mark.parametrize("state", ["idle", "walk-through"])
def test_unsupported_incoming(svc, state):
    session = Session(chat_id="u") if state == "idle" else at_registered(svc)
    new, replies = turn(svc, session, kind="unsupported")
    assert new == session
    assert "我只能阅读文字消息和按钮" in replies[0].text
    if state == "idle":
        assert len(replies) == 1
    else:
        assert asked(replies) == "registered_in_jiading"


@pytest.mark.parametrize(
    "choice, message",
    [
        ("ans:entity_type:park", "这个按钮已经过期了"),  # an earlier question's button
        ("ans:annual_revenue:unknown", "这个按钮已经过期了"),  # a later question's button
        ("ans:", "这个按钮已经过期了"),
        ("menu:nonsense", "这个按钮无法识别"),
        ("", "这个按钮无法识别"),
    ],
)
def test_stale_or_unknown_buttons_change_nothing(svc, choice, message):
    session = at_registered(svc)
    new, replies = turn(svc, session, choice=choice)
    assert new == session
    assert message in replies[0].text
    assert replies[-1] == _question(svc, "registered_in_jiading", "zh")


def test_answer_buttons_when_idle_are_stale(svc):
    idle = Session(chat_id="i")
    new, replies = turn(svc, idle, choice="ans:registered_in_jiading:yes")
    assert new == idle and len(replies) == 1 and "过期" in replies[0].text


def _question(services: Services, fact_id: str, lang: str) -> Reply:
    """The question reply the dialogue sends for ``fact_id`` (buttons namespaced)."""
    reply = question_reply(services.rulebook.facts[fact_id], lang)  # type: ignore[arg-type]
    return dataclasses.replace(
        reply, options=tuple(Option(f"ans:{fact_id}:{o.id}", o.label) for o in reply.options)
    )


# ------------------------------------------------------------------------------ nonsense

# How to reach a pending question of each answer type.
PENDING = {
    "choice": [("text", "/check 营收")],
    "yes_no": [("text", "/check 营收"), ("choice", "ans:entity_type:company")],
    "money": [
        ("text", "/check 营收"),
        ("choice", "ans:entity_type:company"),
        ("choice", "ans:registered_in_jiading:yes"),
    ],
    "number": [
        ("text", "/check 管理团队"),
        ("choice", "ans:entity_type:park"),
        ("choice", "ans:registered_in_jiading:yes"),
        ("choice", "ans:park_level:district"),
    ],
    "date": [
        ("text", "/check 入驻园区"),
        ("choice", "ans:entity_type:company"),
        ("choice", "ans:registered_in_jiading:yes"),
        ("choice", "ans:in_recognised_park:yes"),
    ],
}
NONSENSE = {
    "empty": "",
    "spaces": "   ",
    "asdf": "asdf",
    "sticker": "[sticker]",
    "10KB": TEN_KB,
    "negative": "-5万",
    "decimal-comma": "2,5亿",
    "emoji": "👍👍",
}


@pytest.fixture(scope="module")
def pending_sessions(services: Services, tmp_path_factory: pytest.TempPathFactory):
    """One session per answer type, waiting on a question of that type."""
    store = Store(tmp_path_factory.mktemp("pending") / "db.sqlite3")
    services = dataclasses.replace(services, store=store)
    sessions = {}
    for fact_type, steps in PENDING.items():
        session, _ = in_walk(services, *steps)
        assert services.rulebook.facts[session.pending].type == fact_type, session
        sessions[fact_type] = session
    store.close()
    return sessions


@pytest.mark.parametrize("fact_type", list(PENDING))
@pytest.mark.parametrize("nonsense", list(NONSENSE))
def test_nonsense_reasks_and_never_corrupts_the_session(svc, pending_sessions, fact_type, nonsense):
    session = pending_sessions[fact_type]
    new, replies = turn(svc, session, text=NONSENSE[nonsense])
    assert new.flow == "eligibility"
    assert new.pending == session.pending, show(replies)
    assert new.facts == session.facts and new.answered == session.answered
    assert new.focus == session.focus and new.lang == session.lang
    assert len(replies) == 2, show(replies)
    lead, question = replies
    assert lead.text.strip() and lead.text != question.text
    assert question == _question(svc, session.pending, "zh"), show(replies)
    if nonsense == "10KB":
        assert "消息太长了（10240字）" in lead.text
    # and the walk-through goes on from there
    fact = svc.rulebook.facts[session.pending]
    valid = {"choice": None, "yes_no": "yes", "money": "3亿", "number": "2", "date": "2025-01-01"}
    if fact.type == "choice":
        after, _ = turn(svc, new, choice=f"ans:{fact.id}:{fact.options[0].id}")
    else:
        after, _ = turn(svc, new, text=valid[fact.type])
    assert fact.id in after.facts or after.flow == "idle"


def test_unsupported_at_every_pending_type(svc, pending_sessions):
    for session in pending_sessions.values():
        new, replies = turn(svc, session, kind="unsupported")
        assert new == session
        assert replies[-1] == _question(svc, session.pending, "zh")


def test_repeated_nonsense_adds_a_hint(svc, pending_sessions):
    session = pending_sessions["money"]
    first, replies = turn(svc, session, text="asdf")
    assert "如果不确定" not in replies[0].text
    second, replies = turn(svc, first, text="asdf")
    assert "如果不确定，可以选择“不清楚 / 跳过”" in replies[0].text
    assert second.pending == session.pending and second.facts == session.facts
    answered, _ = turn(svc, second, choice="ans:annual_revenue:unknown")
    assert answered.facts["annual_revenue"] == "unknown"
    assert answered.retries == 0


@pytest.mark.parametrize("text", ["", "   ", TEN_KB, "？？？"])  # "[sticker]": a transcript
def test_nonsense_when_idle_gets_a_clear_message(svc, text):
    new, replies = turn(svc, Session(chat_id="n"), text=text)
    assert new.flow == "idle" and len(replies) == 1
    if text == TEN_KB:
        assert "10240" in replies[0].text


# ------------------------------------------------------------------------------ sessions


def test_session_json_round_trip_with_a_date_fact(svc):
    session = Session(
        chat_id="42",
        lang="en",
        lang_fixed=True,
        flow="eligibility",
        facts={"entity_type": "company", "in_recognised_park": True,
               "park_entry_date": date(2024, 5, 1)},
        focus=("jd-park-resident-support",),
        pending="park_entry_date",
        answered=("entity_type", "in_recognised_park"),
        retries=1,
        offer=("jd-events",),
    )  # fmt: skip
    data = json.loads(json.dumps(session.to_json()))
    assert data["facts"]["park_entry_date"] == "2024-05-01"
    back = Session.from_json(data, "42")
    assert back == dataclasses.replace(
        session, facts={**session.facts, "park_entry_date": "2024-05-01"}
    )
    # the engine reads the ISO string as the date it was
    assert evaluate(svc.rulebook, back.facts, TODAY, back.focus) == evaluate(
        svc.rulebook, session.facts, TODAY, session.focus
    )
    assert Session.from_json(back.to_json(), "42") == back


def test_a_date_answer_is_stored_as_plain_data(svc):
    session, _ = in_walk(svc, *PENDING["date"])
    new, replies = turn(svc, session, text="2024年5月1日")
    assert new.flow == "idle"  # the result
    text = replies[0].text
    assert "✅ 入驻认定园区企业扶持：符合所述条件" in text, text
    # within three years of recognition on 2026-11-21; not any more a year later
    session, _ = in_walk(svc, *PENDING["date"])
    later, replies = turn(svc, session, text="2024-05-01", today=date(2027, 6, 1))
    assert later.flow == "idle"
    assert "入驻认定园区企业扶持：入驻认定日期：2024-05-01（要求：3年内）" in replies[0].text


def test_session_from_json_defaults():
    assert Session.from_json({}, "c") == Session(chat_id="c")


@pytest.mark.parametrize(
    "data",
    [
        [],
        "session",
        None,
        {"lang": "fr"},
        {"flow": "finished"},
        {"facts": ["entity_type"]},
        {"retries": "many"},
        {"retries": None},
        {"focus": 5},
        {"answered": 3},
    ],
)
def test_session_from_json_rejects_bad_shapes(data):
    with pytest.raises((TypeError, ValueError)):
        Session.from_json(data, "c")


@pytest.mark.parametrize(
    "session",
    [
        # saved answers the rules no longer accept
        Session(chat_id="c", flow="eligibility", facts={"annual_revenue": "lots"},
                pending="revenue_first_time", answered=("annual_revenue",)),
        # a program that no longer exists
        Session(chat_id="c", flow="eligibility", focus=("no-such-program",),
                pending="registered_in_jiading"),
        # a question that no longer exists
        Session(chat_id="c", flow="eligibility", pending="no_such_fact"),
        # a walk-through without a question
        Session(chat_id="c", flow="eligibility", pending=None),
    ],
    ids=["bad-fact-value", "unknown-program", "unknown-fact", "no-pending"],
)  # fmt: skip
def test_saved_sessions_the_rules_reject_start_over(svc, session):
    new, replies = turn(svc, session, choice="ans:revenue_first_time:yes")
    if new.pending:  # answer what is open, whatever it is
        new, replies = turn(svc, new, choice=f"ans:{new.pending}:yes")
    # the same chat is usable again: a check runs to its end
    _, _, replies = walk(
        svc, "/check 营收",
        {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "3.2亿",
         "revenue_first_time": "yes"},
        session=new,
    )  # fmt: skip
    assert "金额：一次性 100万元（1,000,000 元）" in replies[0].text


def test_a_bad_saved_answer_restarts_the_questions_with_a_message(svc):
    session = Session(
        chat_id="c",
        flow="eligibility",
        facts={"entity_type": "company", "annual_revenue": "lots"},
        focus=("jd-revenue-milestone",),
        pending="revenue_first_time",
        answered=("entity_type", "annual_revenue"),
    )
    new, replies = turn(svc, session, choice="ans:revenue_first_time:yes")
    assert "从头开始" in replies[0].text, show(replies)
    assert new.flow == "eligibility" and new.pending == "entity_type"
    assert new.facts == {} and new.answered == ()


def test_a_restart_keeps_the_conversation(services, tmp_path):
    """The session saved after each turn carries a walk-through across a restart."""
    path = tmp_path / "db.sqlite3"
    first = dataclasses.replace(services, store=Store(path))
    session = first.store.load_session("r")
    for step in ({"text": "/check 营收"}, {"choice": "ans:entity_type:company"}, {"text": "是"}):
        session, _ = turn(first, session, **step)
        first.store.save_session(session)
    first.store.close()

    second = dataclasses.replace(services, store=Store(path))
    try:
        session = second.store.load_session("r")
        assert session.pending == "annual_revenue"
        assert session.facts == {"entity_type": "company", "registered_in_jiading": True}
        session, _ = turn(second, session, text="3.2亿")
        session, replies = turn(second, session, text="是")
        assert "金额：一次性 100万元（1,000,000 元）（首超3亿元档）" in replies[0].text
    finally:
        second.store.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("返回", "没有可以返回的上一个问题"),
        ("为什么", "现在没有待回答的问题"),
        ("why", "现在没有待回答的问题"),
    ],
)
def test_back_and_why_outside_a_walk_through_say_so(svc, text, expected):
    session = Session(chat_id="idle")
    new, replies = turn(svc, session, text=text)
    assert expected in replies[0].text, replies
    assert new.flow == "idle" and new.pending is None


def test_a_short_question_mid_walk_through_is_answered_from_the_topic(svc):
    # the award asked about first, then the walk-through started: "找谁申请" (four characters,
    # no question mark) asks who handles it; it was read as an answer and the options shown again
    session, _ = in_walk(
        svc,
        ("text", "我们是嘉定的一家直播公司，去年营收1.2亿"),
        ("text", "能拿什么奖励？"),
    )
    pending = session.pending
    new, replies = turn(svc, session, text="找谁申请")
    assert "区商务委" in replies[0].text and replies[0].citations, show(replies)
    assert new.pending == pending and new.facts == session.facts
    # a short answer is still an answer
    new, replies = turn(svc, session, text="公司")
    assert new.pending != pending or new.facts != session.facts, show(replies)


def test_a_level_the_program_has_no_tier_for_is_said_to_be_missing(svc):
    # the featured-park subsidy has municipal and district tiers: "国家级的呢？" was given both
    # as if they answered it
    new, _ = turn(svc, Session(chat_id="l"), text="嘉定的直播基地有什么补贴？")
    _, replies = turn(svc, new, text="国家级的呢？")
    assert "文件没有写明国家级的" in replies[0].text and "200万元" in replies[0].text, show(replies)
    _, replies = turn(svc, new, text="市级的呢？")
    assert "文件没有写明" not in replies[0].text and "200万元" in replies[0].text, show(replies)
    new, _ = turn(svc, Session(chat_id="e"), text="What subsidy does Jiading give a featured park?")
    _, replies = turn(svc, new, text="And a national one?")
    assert "state no national tier" in replies[0].text, show(replies)


def test_a_firm_that_only_says_what_it_is_is_not_answered_with_a_clause(svc):
    # "我们是嘉定的一家直播公司": an applicant the rules name, the check with what it said
    new, replies = turn(svc, Session(chat_id="i"), text="我们是嘉定的一家直播公司")
    assert new.flow == "eligibility", show(replies)
    assert new.facts.get("entity_type") == "company" and new.facts.get("registered_in_jiading")
    # a pet shop in Pudong, or a restaurant: what it would like to know, not a clause picked
    # by its name (a live-streaming subsidy, a traditional-script plan item)
    for text in ("你好，我们在浦东开了家宠物店", "We are a small restaurant in Pudong."):
        new, replies = turn(svc, Session(chat_id="p"), text=text)
        (reply,) = replies
        assert new.flow == "idle" and not reply.citations, show(replies)
        assert "想了解" in reply.text or "would you like to know" in reply.text, show(replies)
    assert svc.store.questions() == [], "an introduction is no question for staff triage"


@pytest.mark.parametrize(
    ("text", "introduces"),
    [
        ("我们是嘉定的一家直播公司", True),
        ("我们在浦东开了家宠物店", True),
        ("we're a small restaurant in pudong.", True),
        ("我们是嘉定的一家直播公司，去年营收1.2亿", False),  # a figure: the award it reaches
        ("我们是一家奶茶店，能用塑料吸管吗", False),
        ("我们公司想申请人才补贴", False),
        ("we are a restaurant, can we put tables on the pavement?", False),
    ],
)
def test_what_an_introduction_is(text, introduces):
    from bot.dialogue.router import _introduces
    from bot.text import normalize

    assert _introduces(normalize(text)) is introduces
