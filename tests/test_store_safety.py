"""The conversation database as data worth keeping: private files, migrations from an earlier
version, recovery of a damaged file, and a clear error (not a crash) when it cannot be
written; plus the bounded inputs of the JSON-lines modes and money answers."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.channels.jsonl import process_line, too_deep
from bot.conversation import Conversation
from bot.domain import Incoming, Session
from bot.eligibility.answers import AnswerError, parse_money
from bot.errors import StoreUnavailable
from bot.store import SCHEMA_VERSION, Store

TODAY = date(2026, 11, 21)

# The schema as the first release wrote it (no user_version, no schema_versions table).
OLD_SCHEMA = """
CREATE TABLE sessions (chat_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id TEXT NOT NULL, text TEXT NOT NULL,
    lang TEXT NOT NULL, in_scope INTEGER NOT NULL, answered INTEGER NOT NULL,
    top_clause TEXT, asked_at TEXT NOT NULL
);
"""


def test_the_data_directory_and_database_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "data" / "policybot.sqlite3"
    store = Store(path)
    store.save_session(Session(chat_id="1"))
    store.close()
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for part in path.parent.iterdir():
        assert part.stat().st_mode & 0o777 == 0o600, part


def test_a_database_from_the_first_release_loads_and_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO sessions VALUES ('7', ?, 'x')",
            (json.dumps({"lang": "en", "flow": "idle", "facts": {"entity_type": "company"}}),),
        )
    store = Store(path)
    try:
        session = store.load_session("7")
        assert session.lang == "en" and session.facts == {"entity_type": "company"}
        with store.reading() as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        store.migrate("test.component", ("CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD y"))
        store.migrate("test.component", ("CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD y"))
        with store.reading() as db:
            assert [r[1] for r in db.execute("PRAGMA table_info(t)")] == ["x", "y"]
    finally:
        store.close()


def test_a_file_that_is_not_a_database_is_moved_aside_not_deleted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "policybot.sqlite3"
    path.write_bytes(b"this is not a database " * 500)
    store = Store(path)
    try:
        store.save_session(Session(chat_id="1", lang="en"))
        assert store.load_session("1").lang == "en"
    finally:
        store.close()
    (aside,) = tmp_path.glob("policybot.sqlite3.corrupt-*")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert "moved to" in caplog.text and str(aside) in caplog.text


def test_a_damaged_database_is_recovered(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "policybot.sqlite3"
    store = Store(path)
    for i in range(300):
        store.save_session(Session(chat_id=str(i), lang="en", facts={"note": "x" * 200}))
    store.close()
    with path.open("r+b") as handle:  # break a b-tree page header
        handle.seek(4096 * 5)
        handle.write(b"\x0d\xff\xff" * 20)
    store = Store(path)
    try:
        kept = sum(1 for i in range(300) if store.load_session(str(i)).lang == "en")
    finally:
        store.close()
    assert kept >= 250
    assert list(tmp_path.glob("policybot.sqlite3.corrupt-*"))
    assert "was damaged" in caplog.text and "recovered" in caplog.text


def test_a_locked_database_raises_store_unavailable_and_the_turn_still_answers(
    svc: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = svc.store
    store.database.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailable, match="locked"), store.transaction():
            pass
        conversation = Conversation(svc, store)
        incoming = Incoming(chat_id="9", text="/help")
        with pytest.raises(StoreUnavailable):
            conversation.turn(incoming, TODAY)
        caplog.set_level(logging.ERROR)
        turn = conversation.answer_unstored(incoming, TODAY, "database is locked")
        assert turn.replies and turn.replies[0].text.startswith("我可以")
        assert "NOT stored" in caplog.text and "9" in caplog.text
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_jsonl_chat_answers_when_the_store_is_locked(svc: Any) -> None:
    svc.store.database.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(svc.store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        out = process_line(b'{"chat": 5, "text": "/help"}', svc, TODAY)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "error" not in out and out["replies"][0]["text"].startswith("我可以")


# --- bounded inputs -----------------------------------------------------------------------------


def test_deeply_nested_json_is_refused_before_parsing(svc: Any) -> None:
    line = ("[" * 3000 + "]" * 3000).encode()
    assert too_deep(line.decode())
    assert not too_deep('{"chat": 1, "text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[ in a string"}')
    out = process_line(line, svc, TODAY)
    assert "nested too deeply" in out["error"]
    nested = ('{"chat": 1, "text": "/help", "x": ' + "{" * 100 + "}" * 100 + "}").encode()
    assert "nested too deeply" in process_line(nested, svc, TODAY)["error"]


def test_chat_jsonl_survives_a_nested_line_and_answers_the_next(run_cli: Any) -> None:
    lines = "[" * 2000 + "]" * 2000 + "\n" + json.dumps({"chat": 1, "text": "/help"}) + "\n"
    result = run_cli("chat", "--jsonl", "--today", "2026-11-21", input=lines)
    outputs = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert len(outputs) == 2 and "error" in outputs[0]
    assert outputs[1]["replies"][0]["text"].startswith("我可以")


def test_ask_jsonl_refuses_an_overlong_line_without_reading_it_whole(run_cli: Any) -> None:
    lines = b"x" * (3 << 20) + b"\n" + "人才租房补贴每月多少？\n".encode()
    result = run_cli("ask", "--jsonl", "--today", "2026-11-21", input=lines)
    outputs = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert len(outputs) == 2
    assert "too long" in outputs[0]["error"]
    assert outputs[1]["in_scope"] is True


@pytest.mark.parametrize("text", ["1" * 29, "1" * 29 + "亿", "9" * 40 + "万", "1" * 5000])
def test_absurd_amounts_get_a_clear_answer_not_a_crash(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_money(text)
    assert parse_money("3.2亿") == 320_000_000


def test_concurrent_writers_are_serialised(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")

    def write(n: int) -> None:
        for i in range(20):
            store.save_session(Session(chat_id=f"{n}-{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.reading() as db:
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 80
    store.close()


def test_a_database_locked_by_another_program_is_not_taken_for_damaged(tmp_path: Path) -> None:
    path = tmp_path / "policybot.sqlite3"
    store = Store(path)
    store.save_session(Session(chat_id="1", lang="en"))
    store.close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        store = Store(path)
        assert store.load_session("1").lang == "en"
        store.close()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not list(tmp_path.glob("*.corrupt-*"))
