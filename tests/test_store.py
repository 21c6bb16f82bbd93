"""The store on both backends (a real SQLite file, a real PostgreSQL database): sessions (a
restart never loses a conversation) and the question log staff triage works from; then what
only SQLite files have (earlier versions taken over, one connection per file)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.domain import Session
from bot.store import SCHEMA_VERSION, Store


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "policybot.sqlite3"  # parents are created


@pytest.fixture()
def location(db_location: Path | str) -> Path | str:
    """The store's database: a SQLite file, or a PostgreSQL database (both backends)."""
    if isinstance(db_location, Path):
        return db_location.parent / "nested" / "dir" / db_location.name  # parents are created
    return db_location


@pytest.fixture()
def store(location: Path | str):
    store = Store(location)
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


def write_raw(store: Store, chat_id: str, data: object) -> None:
    """Put anything in a session row, as a damaged file or an old version might hold."""
    with store.transaction() as tx:
        tx.db.execute(
            "INSERT INTO sessions (chat_id, data, updated_at) VALUES (?, ?, 'x') "
            "ON CONFLICT(chat_id) DO UPDATE SET data = excluded.data",
            (chat_id, data),
        )


def test_an_unknown_chat_gets_a_fresh_session(store: Store):
    assert store.load_session("nobody") == Session(chat_id="nobody")


def test_save_and_load(store: Store):
    session = mid_walk()
    store.save_session(session)
    assert store.load_session("7") == session
    assert store.load_session("8") == Session(chat_id="8")


def test_overwrite_keeps_one_row(store: Store):
    store.save_session(mid_walk())
    idle = Session(chat_id="7", lang="en")
    store.save_session(idle)
    assert store.load_session("7") == idle
    with store.reading() as db:
        assert tuple(db.execute("SELECT COUNT(*) FROM sessions").fetchone()) == (1,)


def test_date_facts_are_saved_as_iso_strings(store: Store):
    from datetime import date

    session = Session(chat_id="d", facts={"park_entry_date": date(2024, 5, 1)})
    store.save_session(session)
    assert store.load_session("d").facts == {"park_entry_date": "2024-05-01"}


def test_reopening_the_file_keeps_the_session(location: Path | str):
    """A restart: a new Store on the same database finds the walk-through where it was."""
    first = Store(location)
    first.save_session(mid_walk())
    first.log_question("7", "营收奖励多少？", "zh", True, True, "jiading-livestream-2024/（三）")
    first.close()
    second = Store(location)
    try:
        assert second.load_session("7") == mid_walk()
        assert [q.text for q in second.questions()] == ["营收奖励多少？"]
    finally:
        second.close()


def test_another_connection_reads_while_the_store_is_open(store: Store, location: Path | str):
    store.save_session(mid_walk())
    reader = Store(location)  # e.g. a staff tool in another process
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
def test_unreadable_session_data_gives_a_fresh_session(store: Store, backend: str, data):
    if isinstance(data, bytes) and backend == "postgresql":
        pytest.skip("PostgreSQL's TEXT holds no bytes: only a damaged SQLite file can")
    store.save_session(mid_walk("bad"))
    store.save_session(mid_walk("good"))
    write_raw(store, "bad", data)
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


# ------------------------------------------------------------------- the one machinery


def _legacy_store(path: Path) -> None:
    """A database of the earlier version: user_version 2, the unmasked ``questions`` log."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE sessions (chat_id TEXT PRIMARY KEY, data TEXT NOT NULL,
                               updated_at TEXT NOT NULL);
        CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id TEXT NOT NULL,
            text TEXT NOT NULL, lang TEXT NOT NULL, in_scope INTEGER NOT NULL,
            answered INTEGER NOT NULL, top_clause TEXT, asked_at TEXT NOT NULL);
        CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
        INSERT INTO questions (chat_id, text, lang, in_scope, answered, top_clause, asked_at)
        VALUES ('7', '我的手机13812345678，补贴多少？', 'zh', 1, 0, NULL,
                '2026-11-20T02:00:00+00:00');
        PRAGMA user_version = 2;
        """
    )
    db.commit()
    db.close()


def test_the_earlier_question_log_is_taken_over_masked(path: Path) -> None:
    _legacy_store(path)
    store = Store(path)
    try:
        (logged,) = store.questions()
        assert "13812345678" not in logged.text and logged.text.endswith("补贴多少？")
        assert (logged.chat_id, logged.answered, logged.asked_at) == (
            "7", False, "2026-11-20T02:00:00+00:00",
        )  # fmt: skip
        with store.reading() as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        assert "questions" not in tables and store.database.schema_version == SCHEMA_VERSION
    finally:
        store.close()


def test_one_connection_per_file_and_joined_transactions(location: Path | str) -> None:
    first, second = Store(location), Store(location)
    try:
        assert first.database is second.database
        with pytest.raises(RuntimeError), first.transaction() as tx:
            tx.save_session(Session(chat_id="1"))
            with second.transaction() as inner:  # joins: no second BEGIN, no deadlock
                inner.save_session(Session(chat_id="2"))
            raise RuntimeError("the turn fails after both writes")
        assert first.raw_session("1") is None and second.raw_session("2") is None
    finally:
        second.close()
        first.close()
    reopened = Store(location)  # the last close closed the connection; a new one opens
    try:
        assert reopened.load_session("1") == Session(chat_id="1")
    finally:
        reopened.close()


def test_a_staff_file_of_the_earlier_version_is_taken_over(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.staff.records import MIGRATIONS
    from bot.store.questions import SCHEMA as LOG_SCHEMA

    legacy = tmp_path / "staff.sqlite3"
    db = sqlite3.connect(legacy)
    db.executescript(MIGRATIONS[0] + ";" + LOG_SCHEMA)
    db.execute(
        "INSERT INTO tickets (session_key, chat_id, lang, question, transcript, facts, clauses, "
        "units, reason, status, created_at) VALUES ('7', '7', 'zh', '补贴去哪申请', '[]', '{}', "
        "'[]', '[]', 'asked', 'waiting', '2026-11-20T02:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO qa_log (session_key, chat_id, asked_at, day, question, answer, lang, "
        "in_scope, answered_by, ticket_id) VALUES ('7', '7', '2026-11-20T02:00:00+00:00', "
        "'2026-11-20', '补贴去哪申请', '', 'zh', 1, 'none', 1)"
    )
    db.commit()
    db.close()
    from bot.staff.store import StaffStore

    store = StaffStore.for_settings(Settings(_env_file=None, data_dir=tmp_path))
    try:
        (ticket,) = store.tickets()
        assert (ticket.id, ticket.question, ticket.status) == (1, "补贴去哪申请", "waiting")
        assert [r.question for r in store.recent("7")] == ["补贴去哪申请"]
        assert store.path == tmp_path / "policybot.sqlite3"
    finally:
        store.close()
    assert not legacy.exists() and list(tmp_path.glob("staff.sqlite3.adopted-*"))


def test_one_connection_whatever_the_path_spelling(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    first = Store(tmp_path / "link" / "policybot.sqlite3")  # before the file exists
    second = Store(tmp_path / "real" / "." / "policybot.sqlite3")
    try:
        assert first.database is second.database
    finally:
        second.close()
        first.close()
