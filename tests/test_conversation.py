"""The turn module: one transaction for the session, the log and a channel's own writes;
sessions per (chat, user) in groups; a session changed under a turn is never overwritten."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC

import pytest

from bot.conversation import Conversation
from bot.domain import Incoming, Session
from bot.store import Store
from tests.conftest import TODAY


@pytest.fixture()
def conv(services, tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    yield Conversation(dataclasses.replace(services, store=store), store)
    store.close()


def test_a_turn_saves_the_session_and_logs_the_question(conv):
    turn = conv.turn(Incoming(chat_id="1", text="/check 营收"), TODAY)
    assert turn.session.flow == "eligibility"
    assert conv.store.load_session("1") == turn.session
    conv.turn(Incoming(chat_id="2", text="嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY)
    (logged,) = conv.store.questions()
    assert logged.chat_id == "2" and logged.in_scope and logged.answered


def test_group_members_have_their_own_sessions(conv):
    a = Incoming(chat_id="-100", user_id="11", text="/check 营收", group=True)
    b = Incoming(chat_id="-100", user_id="22", text="/cancel", group=True)
    assert conv.turn(a, TODAY).session.flow == "eligibility"
    conv.turn(b, TODAY)
    assert conv.store.load_session("-100:11").flow == "eligibility", "b cannot cancel a's check"
    private = Incoming(chat_id="11", user_id="11", text="/help")
    assert private.session_key == "11"


def test_a_failure_inside_the_transaction_keeps_nothing(conv):
    def boom(tx, turn):
        raise RuntimeError("outbox full")

    with pytest.raises(RuntimeError):
        conv.turn(Incoming(chat_id="3", text="/check 营收"), TODAY, within=boom)
    assert conv.store.load_session("3") == Session(chat_id="3")
    conv.turn(
        Incoming(chat_id="3", text="嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, within=None
    )
    assert len(conv.store.questions()) == 1


def test_within_sees_the_turn_in_the_same_transaction(conv):
    conv.store.add_schema("CREATE TABLE IF NOT EXISTS outbox (chat TEXT, text TEXT);")
    seen = []

    def enqueue(tx, turn):
        seen.append(tx.load_session("4").flow)  # the new session is visible inside
        for reply in turn.replies:
            tx.db.execute("INSERT INTO outbox VALUES (?, ?)", ("4", reply.text))

    turn = conv.turn(Incoming(chat_id="4", text="/check 营收"), TODAY, within=enqueue)
    assert seen == ["eligibility"]
    with conv.store.transaction() as tx:
        count = tx.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    assert count == len(turn.replies) > 0


def test_a_session_saved_during_a_turn_is_not_overwritten(conv):
    """Two turns of one session at once: both land, in some order, none lost."""
    barrier = threading.Barrier(2)
    results = []

    def run(text):
        barrier.wait()
        results.append(conv.turn(Incoming(chat_id="5", text=text), TODAY))

    threads = [threading.Thread(target=run, args=(t,)) for t in ("/check 营收", "/lang en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = conv.store.load_session("5")
    assert final.flow == "eligibility" and final.lang == "en", final


def test_today_is_the_date_in_shanghai():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.domain import shanghai_today

    expected = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    utc = datetime.now(UTC).date()
    assert shanghai_today() == expected
    assert shanghai_today() - utc in (timedelta(0), timedelta(days=1))


def test_an_eligibility_result_cites_whole_clauses(conv):
    """citations[].text is the full clause text, also for a walk-through's result."""
    facts = conv.services.kb
    turn = conv.turn(Incoming(chat_id="9", text="/check"), TODAY)
    for _ in range(15):
        if any(r.data for r in turn.replies):
            break
        ids = [o.id for o in turn.replies[-1].options]
        assert ids, [r.text for r in turn.replies]
        pick = next((i for i in ids if i in ("chk:none", "chk:done")), ids[0])
        turn = conv.turn(Incoming(chat_id="9", choice=pick, kind="choice"), TODAY)
    cited = [c for r in turn.replies if r.data for c in r.citations]
    assert cited, [r.text for r in turn.replies]
    whole = {(c.doc_id, c.text) for c in facts.clauses}
    assert all((c.doc, c.text) in whole for c in cited), [c.text[:40] for c in cited]


def test_with_no_programme_to_check_the_assistant_offers_no_check(services, tmp_path):
    # An office that loads only regulations (no rules of support programmes pass for them):
    # the welcome names no check, the menu offers none, and /check says so instead of "no
    # programme matches your answers" before asking anything.
    from bot.answering.gate import _NO_RULES

    store = Store(tmp_path / "db.sqlite3")
    plain = Conversation(dataclasses.replace(services, store=store, rulebook=_NO_RULES), store)
    try:
        (welcome,) = plain.turn(Incoming(chat_id="9", text="/start"), TODAY).replies
        assert welcome.text.startswith("您好！我是政策助手，根据已载入的政策文件回答问题")
        assert "/check" not in welcome.text and "《" in welcome.text  # the documents it uses
        assert "menu:check" not in [o.id for o in welcome.options]
        (helped,) = plain.turn(Incoming(chat_id="9", text="/help"), TODAY).replies
        assert "资格检查" not in helped.text and "menu:check" not in [o.id for o in helped.options]
        turn = plain.turn(Incoming(chat_id="9", text="/check"), TODAY)
        assert turn.session.flow == "idle"
        assert turn.replies[0].text.startswith("目前载入的文件中没有可以做资格检查的扶持项目")
        english = plain.turn(Incoming(chat_id="8", text="/lang en"), TODAY)
        assert english.session.lang == "en"
        (hello,) = plain.turn(Incoming(chat_id="8", text="/start"), TODAY).replies
        assert hello.text.startswith("Hello! I am a policy assistant") and "/check" not in hello.text
    finally:
        store.close()
    # with the seeds' programmes, the check is offered as before
    (offered,) = conv_turn(services, tmp_path / "seeds", "/start").replies
    assert "/check" in offered.text and "menu:check" in [o.id for o in offered.options]


def conv_turn(services, folder, text):
    folder.mkdir()
    store = Store(folder / "db.sqlite3")
    try:
        return Conversation(dataclasses.replace(services, store=store), store).turn(
            Incoming(chat_id="7", text=text), TODAY
        )
    finally:
        store.close()
