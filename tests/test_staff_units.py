"""Staff triage building blocks on real SQLite: masking, the handoff triggers and states,
office hours with China's holidays, the amount check, the store (migrations, mode 0600,
retention, /forget), statistics, and the spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.staff.csvio import export_bytes, neutralise, parse_csv, restore
from bot.staff.faq import similarity, unverified_amounts
from bot.staff.handoff import InvalidTransition, advance
from bot.staff.hours import SHANGHAI, OfficeHours, is_working_day
from bot.staff.stats import compute
from bot.staff.store import MIGRATIONS, StaffStore
from bot.staff.triggers import feedback, offer_for, wants_person
from bot.text import quoted_amounts as amounts
from bot.text.privacy import mask

# ----------------------------------------------------------------------------- privacy


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("我的手机13812345678，请回电", "13812345678", "138****5678"),
        ("电话 +86 138-1234-5678", "1234", "138****5678"),
        ("身份证310110199001011234办理", "310110199001011234", "310*************34"),
        ("身份证号11010519491231002X", "11010519491231002X", "110*************2X"),
        ("信用代码91310114MA1GT3XK2P的企业", "91310114MA1GT3XK2P", "91**************2P"),
        ("座机021-69989999", "69989999", "021-****9999"),
    ],
)
def test_personal_numbers_are_masked(text: str, hidden: str, kept: str) -> None:
    out = mask(text)
    assert hidden not in out and kept in out


def test_amounts_and_dates_are_not_masked() -> None:
    text = "营收首次超过1亿元奖励100万元，2026-12-31前申报，编号20241231"
    assert mask(text) == text


# ----------------------------------------------------------------------------- triggers


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "轉人工",
        "人工客服",
        "我要找工作人员",
        "能不能联系工作人员？",
        "找個真人",
        "转人工，我想问直播基地补贴去哪申请",
        "Talk to a person",
        "can I speak with a human agent",
        "I want to talk to someone",
        "agent",
        "人工",
    ],
)
def test_asking_for_a_person(text: str) -> None:
    assert wants_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "人工智能企业有补贴吗",
        "直播工作人员培训有补贴吗",
        "客服人员可以申请人才公寓吗",
        "嘉定直播企业营收首次超过1亿元奖励多少？",
        "What does a person need to apply?",
        "human resources",
    ],
)
def test_policy_questions_are_not_a_request_for_a_person(text: str) -> None:
    assert not wants_person(text)


def test_feedback_buttons_and_offers() -> None:
    assert feedback("fb:up:abc") == (1, "abc")
    assert feedback("fb:down:abc") == (-1, "abc")
    assert feedback("fb:down:") is None and feedback("menu:check") is None
    assert offer_for(False, False) == "out_of_scope"
    assert offer_for(True, False) == "not_found"
    assert offer_for(True, True) is None


def test_handoff_states() -> None:
    status = advance(None, "open")
    assert status == "waiting"
    status = advance(status, "staff_reply")
    assert status == "answered"
    assert advance(status, "staff_reply") == "answered"  # a second message from staff
    assert advance(status, "user_next") == "resolved"
    assert advance("waiting", "close") == "resolved"
    with pytest.raises(InvalidTransition):
        advance("resolved", "staff_reply")
    with pytest.raises(InvalidTransition):
        advance("waiting", "user_next")  # waiting users keep talking to the assistant


# ----------------------------------------------------------------------------- hours


def test_working_days_follow_chinas_holiday_schedule() -> None:
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert not is_working_day(date(2026, 2, 17))  # Spring Festival
    assert is_working_day(date(2026, 2, 14))  # a make-up Saturday
    assert is_working_day(date(2026, 11, 23))  # a Monday
    assert not is_working_day(date(2026, 11, 21))  # a Saturday
    assert is_working_day(date(2031, 3, 3)) and not is_working_day(date(2031, 3, 1))  # fallback


def test_the_promise_names_the_next_opening() -> None:
    hours = OfficeHours.parse("09:00-17:30")
    at = lambda s: datetime.fromisoformat(s).replace(tzinfo=SHANGHAI)  # noqa: E731
    assert "今天 17:30 前" in hours.promise(at("2026-11-23T10:00"), "zh")
    # the evening before National Day: the next working day is 8 October
    assert hours.next_opening(at("2026-09-30T18:00")) == at("2026-10-08T09:00")
    assert "10月8日（周四）" in hours.promise(at("2026-09-30T18:00"), "zh")
    assert "2026-10-08" in hours.promise(at("2026-09-30T18:00"), "en")
    # a UTC time is read in Shanghai: 01:30 UTC is 09:30 there
    assert hours.is_open(datetime(2026, 11, 23, 1, 30, tzinfo=UTC))
    with pytest.raises(ValueError):
        OfficeHours.parse("17:00-09:00")


# ----------------------------------------------------------------------------- amounts


def test_amounts_in_yuan() -> None:
    assert [v for _, v in amounts("最高50万元，首次超过1亿元，另给3,000元")] == [
        500000,
        100000000,
        3000,
    ]
    assert [v for _, v in amounts("up to 500,000 yuan or RMB 1.5 million")] == [500000, 1500000]


def test_an_amount_no_source_states_is_flagged() -> None:
    clause = "对首次获得市级荣誉的给予50万元补贴。"
    assert unverified_amounts("补贴为50万元。", [clause]) == []
    assert unverified_amounts("up to 500,000 yuan", [clause]) == []  # same amount in English
    assert unverified_amounts("补贴为80万元。", [clause]) == ["80万元"]


def test_similarity_needs_meaning_and_words() -> None:
    grams = {"直播", "补贴"}
    assert similarity(1.0, grams, grams) == pytest.approx(1.0)
    assert similarity(0.80, grams, grams) == pytest.approx(0.4)  # below e5's band: no meaning
    assert similarity(1.0, grams, {"天气"}) == pytest.approx(0.6)


# ----------------------------------------------------------------------------- store


@pytest.fixture()
def store(db_location):
    """On both backends: a SQLite file, a PostgreSQL database."""
    s = StaffStore(db_location)
    yield s
    s.close()


def _ticket(store: StaffStore, key: str = "u1", now: datetime | None = None, reason: str = "asked"):
    return store.open_ticket(
        session_key=key,
        chat_id=key,
        user_id=key,
        lang="zh",
        question="我的手机13812345678，补贴去哪申请？",
        transcript=[{"q": "补贴去哪申请", "a": "文件没有写明"}],
        facts={"registered_in_jiading": True},
        clauses=[{"key": "d/（一）", "responsible": ["区商务委", "区财政局"]}],
        reason=reason,
        now=now,
    )


def test_store_is_private_and_migrated(tmp_path) -> None:
    store = StaffStore(tmp_path / "staff.sqlite3")
    assert stat.S_IMODE((tmp_path / "staff.sqlite3").stat().st_mode) == 0o600
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    again = StaffStore(tmp_path / "staff.sqlite3")  # reopening runs no migration twice
    assert again.schema_version == len(MIGRATIONS)
    again.close()


def test_ticket_lifecycle_and_context(store) -> None:
    t0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    ticket = _ticket(store, now=t0)
    assert ticket.status == "waiting" and "13812345678" not in ticket.question
    assert ticket.units == ("区商务委", "区财政局") and ticket.facts == {
        "registered_in_jiading": True
    }
    assert store.open_ticket_for("u1") == ticket
    store.claim(ticket.id, "王老师", t0 + timedelta(minutes=1))
    answered = store.advance_ticket(
        ticket.id,
        "staff_reply",
        staff="王老师",
        answer="请到窗口申请",
        now=t0 + timedelta(minutes=7),
    )
    assert answered.status == "answered" and answered.first_reply_at.startswith("2026-11-23T02:07")
    resolved = store.advance_ticket(ticket.id, "user_next", now=t0 + timedelta(minutes=30))
    assert (
        resolved.status == "resolved"
        and resolved.resolved_at
        and store.open_ticket_for("u1") is None
    )
    with pytest.raises(InvalidTransition):
        store.advance_ticket(ticket.id, "staff_reply", answer="again")


def test_retention_and_forget(store) -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    store.log(
        session_key="u1",
        chat_id="u1",
        question="old",
        answer="a",
        lang="zh",
        in_scope=True,
        answered_by="assistant",
        now=old,
    )
    store.log(
        session_key="u1",
        chat_id="u1",
        question="new",
        answer="a",
        lang="zh",
        in_scope=True,
        answered_by="assistant",
        now=now,
    )
    store.log(
        session_key="u2",
        chat_id="u2",
        question="other",
        answer="a",
        lang="zh",
        in_scope=True,
        answered_by="assistant",
        now=now,
    )
    gone = _ticket(store, "u3", now=old)
    store.advance_ticket(gone.id, "close", now=old)
    assert store.purge(180, now) == 2
    assert [r.question for r in store.recent("u1")] == ["new"]
    _ticket(store, "u1", now=now)
    assert store.forget("u1") == 2
    assert store.recent("u1") == [] and store.open_ticket_for("u1") is None
    assert [r.question for r in store.recent("u2")] == ["other"]


def test_stats_figures(store) -> None:
    day1 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    day2 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    for i in range(3):
        store.log(
            session_key=f"s{i}",
            chat_id="c",
            question="q",
            answer="a",
            lang="zh",
            in_scope=True,
            answered_by="assistant",
            top_clause="doc/（一）",
            token=f"t{i}",
            now=day1,
        )
    store.log(
        session_key="s9",
        chat_id="c",
        question="天气",
        answer="no",
        lang="zh",
        in_scope=False,
        answered_by="none",
        now=day2,
    )
    store.set_feedback("t0", 1, "s0")
    store.set_feedback("t1", -1, "s1")
    ticket = _ticket(store, "s9", now=day2, reason="out_of_scope")
    store.advance_ticket(ticket.id, "staff_reply", answer="x", now=day2 + timedelta(minutes=12))
    figures = compute(store)
    assert figures.questions == 4 and figures.per_day == (("2026-11-20", 3), ("2026-11-21", 1))
    assert figures.answered_by == {"assistant": 3, "none": 1}
    assert figures.in_scope_share == pytest.approx(0.75)
    assert figures.handoff_reasons == {"out_of_scope": 1}
    assert figures.median_first_reply_minutes == pytest.approx(12.0)
    assert figures.top_clauses == (("doc/（一）", 3),)
    assert (figures.thumbs_up, figures.thumbs_down) == (1, 1)
    assert compute(store, since=date(2026, 11, 21)).questions == 1
    # 17:00 UTC on the 20th is 01:00 on the 21st in Shanghai: counted from the 21st on
    _ticket(store, "s8", now=datetime(2026, 11, 20, 17, 0, tzinfo=UTC), reason="asked")
    assert compute(store, since=date(2026, 11, 21)).handoff_reasons == {
        "asked": 1,
        "out_of_scope": 1,
    }
    assert compute(store, since=date(2026, 11, 22)).handoffs == 0
    json.dumps(figures.to_json())  # serialisable as it is
    assert "问题 4 个" in figures.render("zh")


# ----------------------------------------------------------------------------- CSV


def test_csv_export_opens_in_a_spreadsheet(store) -> None:
    store.add_faq(
        ['=HYPERLINK("http://x")', '直播基地补贴去哪申请，"快"？'],
        "+50万元\n到窗口办理",
        ["jiading/（一）"],
        "@王老师",
    )
    store.add_faq(["-1+1"], "普通答复，电话13812345678", [], "李")
    data = export_bytes(store.faqs())
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["id", "status", "questions", "answer"]
    first, second = rows[1], rows[2]
    assert first[2] == '\'=HYPERLINK("http://x")\n直播基地补贴去哪申请，"快"？'
    assert first[3] == "'+50万元\n到窗口办理" and first[5] == "'@王老师"
    assert second[2] == "'-1+1" and "13812345678" not in second[3]
    # every field quoted: a comma, a quote or a line break never splits a cell
    assert (
        data.decode("utf-8-sig").splitlines()[0]
        == '"id","status","questions","answer","clauses","author","hits","created_at","approved_at"'
    )
    parsed = parse_csv(data)
    assert parsed[0].variants == ('=HYPERLINK("http://x")', '直播基地补贴去哪申请，"快"？')
    assert parsed[0].answer == "+50万元\n到窗口办理" and parsed[0].clauses == ("jiading/（一）",)


def test_neutralise_round_trip() -> None:
    for cell in ("=1+1", "+1", "-1", "@x", "\tx", "plain", "'quoted"):
        assert restore(neutralise(cell)) == cell
    assert neutralise("plain") == "plain"


def test_stats_over_ten_thousand_questions_is_fast(tmp_path) -> None:
    """The in-process part of `policybot stats` (bench/stats_bench.py times the command)."""
    import importlib.util
    import time

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("stats_bench", REPO / "bench" / "stats_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.fill(tmp_path / "staff.sqlite3", 10_000)
    store = StaffStore(tmp_path / "staff.sqlite3")
    began = time.perf_counter()
    figures = compute(store)
    elapsed = time.perf_counter() - began
    store.close()
    assert figures.questions == 10_000 and sum(figures.answered_by.values()) == 10_000
    assert figures.handoffs == 400 and figures.median_first_reply_minutes is not None
    assert elapsed < 0.5, f"statistics took {elapsed:.2f} s"


# ------------------------------------------------------------- the desk's words (catalogue)


def test_ticket_card_reads_as_before_and_its_head_parses_back(tmp_path) -> None:
    """The card's words come from the catalogue (``staff.card.*``); the head's number, which
    ``slot_of_card`` reads back from a Telegram reply, must keep parsing."""
    from bot.staff.cards import slot_of_card, ticket_card

    store = StaffStore(tmp_path / "staff.sqlite3")
    ticket = store.claim(_ticket(store).id, "小王 (7)")
    card = ticket_card(ticket)
    store.close()
    assert card == (
        "🎫 工单 #1 · 等待回复 · 处理人：小王 (7)\n"
        "原因：用户要求转人工\n"
        "问题：我的手机138****5678，补贴去哪申请？\n"
        "最近对话：\n"
        "· 问：补贴去哪申请\n  答：文件没有写明\n"
        "资格检查信息：registered_in_jiading=True\n"
        "相关条款：\n"
        "· 《》（d/（一））\n"
        "责任单位：区商务委、区财政局\n"
        "↩️ 直接回复本消息即可答复用户。"
    )
    assert slot_of_card(card) == "ticket:1"
    assert slot_of_card("📝 常见问答 #1（待批准）") is None and slot_of_card(None) is None


def test_a_ticket_card_names_a_title_within_a_title_with_the_inner_marks(tmp_path) -> None:
    from bot.staff.cards import ticket_card

    store = StaffStore(tmp_path / "staff.sqlite3")
    ticket = store.open_ticket(
        session_key="u1", chat_id="u1", user_id="u1", lang="zh", question="快递柜能收费吗",
        transcript=[], facts={},
        clauses=[{"key": "p/第二十条", "title": "上海市实施《中华人民共和国邮政法》办法",
                  "clause": "第二十条"}],
        reason="asked",
    )  # fmt: skip
    card = ticket_card(ticket)
    store.close()
    assert "· 《上海市实施〈中华人民共和国邮政法〉办法》第二十条（p/第二十条）" in card.splitlines()


def test_stats_report_reads_as_before_in_both_languages(tmp_path) -> None:
    store = StaffStore(tmp_path / "staff.sqlite3")
    day = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    _ticket(store, "s1", now=day, reason="thumbs_down")
    _ticket(store, "s2", now=day, reason="other")
    figures = compute(store)
    store.close()
    assert figures.render("zh").splitlines()[2] == (
        "转人工 2 次（other 1，点了👎 1）；待处理 2；首次回复中位数 — 分钟"
    )
    assert figures.render("en").splitlines() == [
        "Statistics (all time)",
        "0 questions; answered by the assistant 0, curated answers 0, staff 0, unanswered 0; "
        "in scope 0%",
        "handoffs 2 (other 1, thumbs down 1); waiting 2; median first staff reply — min",
        "curated answer hits 0; 👍 0 👎 0",
    ]
