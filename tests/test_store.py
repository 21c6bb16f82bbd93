"""The SQLite store with a real database file: sessions (a restart never loses a conversation)
and the question log staff triage works from."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.domain import Session
from bot.store import Store


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "policybot.sqlite3"  # parents are created


@pytest.fixture()
def store(path: Path):
    store = Store(path)
    yield store
    store.close()


def mid_walk(chat_id: str = "7") -> Session:
    return Session(
        chat_id=chat_id,
        lang="en",
        lang_fixed=True,
        flow="eligibility",
        facts={"entity_type": "company", "registered_in_jiading": True, "annual_revenue": 320000000,
               "park_entry_date": "2024-05-01", "event_cost": "unknown"},
        focus=("jd-revenue-milestone",),
        pending="revenue_first_time",
        answered=("registered_in_jiading", "annual_revenue"),
        retries=1,
        offer=("jd-events",),
    )  # fmt: skip


def write_raw(path: Path, chat_id: str, data: object) -> None:
    """Put anything in a session row, as a damaged file or an old version might hold."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO sessions (chat_id, data, updated_at) VALUES (?, ?, 'x') "
            "ON CONFLICT(chat_id) DO UPDATE SET data = excluded.data",
            (chat_id, data),
        )
    db.close()


def test_an_unknown_chat_gets_a_fresh_session(store: Store):
    assert store.load_session("nobody") == Session(chat_id="nobody")


def test_save_and_load(store: Store):
    session = mid_walk()
    store.save_session(session)
    assert store.load_session("7") == session
    assert store.load_session("8") == Session(chat_id="8")


def test_overwrite_keeps_one_row(store: Store, path: Path):
    store.save_session(mid_walk())
    idle = Session(chat_id="7", lang="en")
    store.save_session(idle)
    assert store.load_session("7") == idle
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (1,)
    db.close()


def test_date_facts_are_saved_as_iso_strings(store: Store):
    from datetime import date

    session = Session(chat_id="d", facts={"park_entry_date": date(2024, 5, 1)})
    store.save_session(session)
    assert store.load_session("d").facts == {"park_entry_date": "2024-05-01"}


def test_reopening_the_file_keeps_the_session(path: Path):
    """A restart: a new Store on the same file finds the walk-through where it was."""
    first = Store(path)
    first.save_session(mid_walk())
    first.log_question("7", "营收奖励多少？", "zh", True, True, "jiading-livestream-2024/（三）")
    first.close()
    second = Store(path)
    try:
        assert second.load_session("7") == mid_walk()
        assert [q.text for q in second.questions()] == ["营收奖励多少？"]
    finally:
        second.close()


def test_another_connection_reads_while_the_store_is_open(store: Store, path: Path):
    store.save_session(mid_walk())
    reader = Store(path)  # e.g. a staff tool in another process
    try:
        assert reader.load_session("7") == mid_walk()
        store.save_session(Session(chat_id="7"))
        assert reader.load_session("7") == Session(chat_id="7")
    finally:
        reader.close()


def test_concurrent_saves_from_threads(store: Store):
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(40):
                store.save_session(Session(chat_id=f"own-{n}", retries=i))
                store.save_session(Session(chat_id="shared", retries=n * 1000 + i))
                store.log_question(f"own-{n}", f"q{n}-{i}", "zh", i % 2 == 0, False, None)
                assert store.load_session(f"own-{n}").retries == i
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    for n in range(8):
        assert store.load_session(f"own-{n}") == Session(chat_id=f"own-{n}", retries=39)
    shared = store.load_session("shared").retries
    assert shared % 1000 == 39, "the shared row holds one thread's last write"
    assert len(store.questions(limit=1000)) == 8 * 40


@pytest.mark.parametrize(
    "data",
    [
        "not json",
        "",
        "[]",
        "null",
        "42",
        '"a string"',
        '{"lang": "fr"}',
        '{"flow": "finished"}',
        '{"facts": 5}',
        '{"facts": ["entity_type"]}',
        '{"retries": "many"}',
        '{"retries": 1e999}',  # parses as infinity
        '{"retries": NaN}',
        '{"focus": 3}',
        '{"answered": true}',
        b"\xff\xfe binary",
    ],
)
def test_unreadable_session_data_gives_a_fresh_session(store: Store, path: Path, data):
    store.save_session(mid_walk("bad"))
    store.save_session(mid_walk("good"))
    write_raw(path, "bad", data)
    assert store.load_session("bad") == Session(chat_id="bad")
    assert store.load_session("good") == mid_walk("good"), "other chats are untouched"
    # and the chat can be saved again
    store.save_session(Session(chat_id="bad", lang="en"))
    assert store.load_session("bad") == Session(chat_id="bad", lang="en")


def test_question_log_and_the_unanswered_filter(store: Store):
    ids = [
        store.log_question("1", "营收首超3亿奖励多少？", "zh", True, True, "jiading-livestream-2024/（三）"),
        store.log_question("2", "明天天气怎么样？", "zh", False, False, None),
        store.log_question("1", "What about drones?", "en", True, False, None),
    ]  # fmt: skip
    assert ids == sorted(ids) and len(set(ids)) == 3
    logged = store.questions()
    assert [q.text for q in logged] == [
        "What about drones?",
        "明天天气怎么样？",
        "营收首超3亿奖励多少？",
    ]
    newest = logged[0]
    assert (newest.chat_id, newest.lang, newest.in_scope, newest.answered, newest.top_clause) == (
        "1", "en", True, False, None,
    )  # fmt: skip
    oldest = logged[-1]
    assert oldest.answered and oldest.in_scope
    assert oldest.top_clause == "jiading-livestream-2024/（三）"
    assert oldest.asked_at[:4].isdigit() and "T" in oldest.asked_at
    unanswered = store.questions(unanswered_only=True)
    assert [q.text for q in unanswered] == ["What about drones?", "明天天气怎么样？"]
    assert [q.text for q in store.questions(limit=1)] == ["What about drones?"]
    assert [q.text for q in store.questions(unanswered_only=True, limit=1)] == [
        "What about drones?"
    ]


def test_a_long_question_is_logged_truncated(store: Store):
    store.log_question("1", "问" * 10_000, "zh", False, False, None)
    (logged,) = store.questions()
    assert logged.text == "问" * 4000
