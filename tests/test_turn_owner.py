"""One turn owner: the staff desk decides inside the dialogue (a stage of the router, no
I/O) and ``Conversation`` writes what it decided in the turn's transaction.

On the fake services (hashed n-gram embedder, vectors in memory): no e5, no Chroma.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest
from fakes.embedder import HashEmbeddings
from fakes.services import fake_services

from bot.config import Settings
from bot.conversation import Conversation
from bot.dialogue import handle
from bot.domain import Forget, Incoming, Session
from bot.staff.desk import StaffDesk
from bot.staff.effects import DeliverPending, FollowUp, OpenTicket, StaffTraffic, UserButton
from bot.staff.hours import SHANGHAI
from bot.store import Store, StoreTx

TODAY = date(2025, 6, 1)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning: office open
STAFF_CHAT, STAFF = "-1001", "777"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return fake_services(tmp_path_factory.mktemp("fake"))


@pytest.fixture()
def owner(base, tmp_path: Path, db_location: Path | str):  # type: ignore[no-untyped-def]
    """On both backends: a SQLite file, a PostgreSQL database."""
    url = db_location if isinstance(db_location, str) else None
    settings = Settings(
        _env_file=None, data_dir=tmp_path, staff_chat_id=int(STAFF_CHAT), staff_user_ids=[777],
        database_url=url,
    )  # fmt: skip
    store = Store(settings.db_location)
    services = dataclasses.replace(base, settings=settings, store=store)
    desk = StaffDesk.build(settings, services, embeddings=HashEmbeddings())
    yield Conversation(services, store, desk)
    desk.store.close()
    store.close()


def user(text: str | None = None, choice: str | None = None, chat: str = "42") -> Incoming:
    kind = "choice" if choice else "text"
    return Incoming(chat_id=chat, user_id=chat, text=text, choice=choice, kind=kind)


def test_the_staff_stage_decides_without_writing(owner: Conversation) -> None:
    services = owner.services.snapshot(owner.desk)
    turn = handle(Session(chat_id="42"), user("转人工"), services, TODAY)
    assert turn.replies == ()
    assert [type(e) for e in turn.effects] == [DeliverPending, FollowUp, OpenTicket]
    assert owner.desk is not None and owner.desk.store.tickets() == []  # nothing written
    assert owner.store.raw_session("42") is None


@pytest.mark.parametrize(
    ("incoming", "kind"),
    [
        (user(choice="t:claim:1", chat=STAFF_CHAT), StaffTraffic),
        (user(choice="fb:up:abc"), UserButton),
        (user(choice="staff:handoff:not_found"), UserButton),
        (user("/forget"), Forget),
    ],
)
def test_what_the_stage_claims(owner: Conversation, incoming: Incoming, kind: type) -> None:
    services = owner.services.snapshot(owner.desk)
    turn = handle(Session(chat_id=incoming.session_key), incoming, services, TODAY)
    assert isinstance(turn.effects[-1], kind)


def test_the_assistants_answer_carries_the_desks_buttons_and_token(owner: Conversation) -> None:
    turn = owner.turn(user("嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, now=NOW)
    ids = [o.id for o in turn.replies[0].options]
    token = next(i.split(":")[2] for i in ids if i.startswith("fb:up:"))
    assert owner.desk is not None
    (logged,) = owner.desk.store.recent("42")
    assert logged.answered_by == "assistant" and logged.answer == turn.replies[0].text
    pressed = owner.turn(user(choice=f"fb:up:{token}"), TODAY, now=NOW)
    assert "谢谢" in pressed.replies[0].text
    assert owner.desk.store.recent("42")[-1].feedback == 1


def test_a_ticket_is_opened_only_when_the_turn_is_stored(owner: Conversation) -> None:
    assert owner.desk is not None

    def failing(tx: StoreTx, turn: object) -> None:
        raise RuntimeError("the outbox could not be written")

    with pytest.raises(RuntimeError):
        owner.turn(user("转人工"), TODAY, failing, now=NOW)
    assert owner.desk.store.tickets() == [], "no ticket for a turn that was rolled back"
    assert owner.store.raw_session("42") is None

    seen: list[str] = []
    turn = owner.turn(
        user("转人工"), TODAY, lambda tx, t: seen.extend(r.text for r in t.replies), now=NOW
    )
    (ticket,) = owner.desk.store.tickets()
    assert f"#{ticket.id}" in turn.replies[0].text
    assert seen == [r.text for r in turn.replies], "within sees the replies the effects made"
    card = next(r for r in turn.replies if r.to == STAFF_CHAT)
    assert card.slot == f"ticket:{ticket.id}"


def test_a_staff_answer_is_delivered_first_and_the_next_message_resolves(
    owner: Conversation,
) -> None:
    assert owner.desk is not None
    owner.turn(user("转人工"), TODAY, now=NOW)
    staff = Incoming(
        chat_id=STAFF_CHAT,
        user_id=STAFF,
        text="请到区商务委窗口办理。",
        group=True,
        meta={"reply_to_slot": "ticket:1"},
    )
    answered = owner.turn(staff, TODAY, now=NOW)
    assert any(r.to == "42" and "区商务委" in r.text for r in answered.replies)
    assert owner.desk.store.ticket(1).status == "answered"
    owner.turn(user("谢谢"), TODAY, now=NOW)
    assert owner.desk.store.ticket(1).status == "resolved"


def test_forget_deletes_the_session_the_log_and_the_tickets(owner: Conversation) -> None:
    assert owner.desk is not None
    owner.turn(user("我的手机13812345678，嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, now=NOW)
    owner.turn(user("转人工"), TODAY, now=NOW)
    assert all("13812345678" not in r.question for r in owner.desk.store.recent("42"))
    turn = owner.turn(user("/forget"), TODAY, now=NOW)
    assert "已删除" in turn.replies[0].text
    assert owner.store.raw_session("42") is None
    assert owner.desk.store.recent("42") == [] and owner.desk.store.tickets() == []
    assert owner.store.questions() == []


def test_a_turn_runs_on_one_snapshot_of_the_services(owner: Conversation) -> None:
    snapshot = owner.services.snapshot(owner.desk)
    before = snapshot.kb
    owner.services.kb = dataclasses.replace(before, documents={})  # a refresh swapping in
    try:
        assert snapshot.kb is before and snapshot.desk is owner.desk
        assert owner.services.snapshot().kb is not before
    finally:
        owner.services.kb = before


def test_a_curated_answer_is_given_counted_and_logged(owner: Conversation) -> None:
    assert owner.desk is not None
    entry = owner.desk.store.add_faq(
        ["直播补贴申请需要哪些材料？"], "请携带营业执照和申请表到区商务委。", [], "王老师",
        status="approved",
    )  # fmt: skip
    turn = owner.turn(user("直播补贴申请需要哪些材料？"), TODAY, now=NOW)
    assert "请携带营业执照" in turn.replies[0].text
    assert owner.desk.store.faq(entry.id).hits == 1
    (logged,) = owner.desk.store.recent("42")
    assert logged.answered_by == "faq" and logged.answer == turn.replies[0].text


def test_the_question_log_keeps_its_retention_without_a_desk(base, db_location: Path | str) -> None:
    from datetime import timedelta

    from bot.domain import LogEntry

    store = Store(db_location)
    try:
        conversation = Conversation(dataclasses.replace(base, store=store), store)
        old = NOW - timedelta(days=base.settings.log_retention_days + 1)
        with store.transaction() as tx:
            tx.log("7", LogEntry("我的手机13812345678，补贴多少？", "zh", True, False), "7", old)
        conversation.turn(user("嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, now=NOW)
        (kept,) = store.questions()
        assert kept.chat_id == "42" and kept.answered, "the old entry went, the new one stays"
    finally:
        store.close()
