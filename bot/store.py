"""SQLite persistence: conversation sessions (so a restart resumes a walk-through) and the
question log that staff triage works from.

One connection guarded by a lock: SQLite serialises writes anyway, and the bot's writes are
tiny. WAL mode lets a second process (a staff tool) read while the bot writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain import LogEntry, Session

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    chat_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id TEXT NOT NULL,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    in_scope INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    top_clause TEXT,
    asked_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_unanswered ON questions (answered, in_scope);
"""


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    chat_id: str
    text: str
    lang: str
    in_scope: bool
    answered: bool
    top_clause: str | None
    asked_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreTx:
    """The store inside one transaction: what a turn reads and writes, all or nothing.

    ``db`` is open for other tables that belong in the same transaction (an inbox, an
    outbox): their owners add their tables with ``Store.add_schema``.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def load_session(self, key: str) -> Session:
        return _load_session(self.db, key)

    def raw_session(self, key: str) -> str | None:
        return _raw_session(self.db, key)

    def save_session(self, session: Session) -> None:
        _save_session(self.db, session)

    def log(self, key: str, entry: LogEntry) -> int:
        return _log_question(
            self.db, key, entry.text, entry.lang, entry.in_scope, entry.answered, entry.top_clause
        )


def _raw_session(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT data FROM sessions WHERE chat_id = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def session_from_raw(key: str, raw: str | None) -> Session:
    """The saved session, or a new one (also when the saved data is unreadable)."""
    if raw is None:
        return Session(chat_id=key)
    try:
        data: Any = json.loads(raw)
        return Session.from_json(data, key)
    except (ValueError, TypeError, OverflowError):  # OverflowError: int(1e999) retries
        return Session(chat_id=key)


def _load_session(db: sqlite3.Connection, key: str) -> Session:
    return session_from_raw(key, _raw_session(db, key))


def _save_session(db: sqlite3.Connection, session: Session) -> None:
    data = json.dumps(session.to_json(), ensure_ascii=False)
    db.execute(
        "INSERT INTO sessions (chat_id, data, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(chat_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        (session.chat_id, data, _now()),
    )


def _log_question(
    db: sqlite3.Connection,
    chat_id: str,
    text: str,
    lang: str,
    in_scope: bool,
    answered: bool,
    top_clause: str | None,
) -> int:
    cursor = db.execute(
        "INSERT INTO questions (chat_id, text, lang, in_scope, answered, top_clause, asked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, text[:4000], lang, int(in_scope), int(answered), top_clause, _now()),
    )
    return int(cursor.lastrowid or 0)


class Store:
    """Sessions by session key (a chat, or a chat and user in groups) and the question log,
    in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[StoreTx]:
        """One write transaction (BEGIN IMMEDIATE): everything in it lands, or nothing."""
        with self._tx() as db:
            yield StoreTx(db)

    def add_schema(self, script: str) -> None:
        """Create further tables (idempotent ``CREATE ... IF NOT EXISTS`` statements)."""
        with self._lock:
            self._db.executescript(script)

    def load_session(self, key: str) -> Session:
        """The saved session, or a new one (also when the saved data is unreadable)."""
        with self._lock:
            return _load_session(self._db, key)

    def raw_session(self, key: str) -> str | None:
        """The session as stored (JSON text), or None: to detect a change under a turn."""
        with self._lock:
            return _raw_session(self._db, key)

    session_from_raw = staticmethod(session_from_raw)

    def save_session(self, session: Session) -> None:
        with self._tx() as db:
            _save_session(db, session)

    def log_question(
        self,
        chat_id: str,
        text: str,
        lang: str,
        in_scope: bool,
        answered: bool,
        top_clause: str | None,
    ) -> int:
        with self._tx() as db:
            return _log_question(db, chat_id, text, lang, in_scope, answered, top_clause)

    def questions(self, unanswered_only: bool = False, limit: int = 100) -> list[LoggedQuestion]:
        query = "SELECT id, chat_id, text, lang, in_scope, answered, top_clause, asked_at FROM questions"
        if unanswered_only:
            query += " WHERE answered = 0"
        query += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(query, (limit,)).fetchall()
        return [
            LoggedQuestion(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5]), r[6], r[7]) for r in rows
        ]
