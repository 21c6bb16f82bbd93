"""The conversation store: sessions by session key (a chat, or a chat and user in groups),
the question log, and whatever a channel keeps beside them (its inbox and outbox, which must
change in the same transaction as a session), in one database: a SQLite file
(``Settings.db_path``) or the PostgreSQL database of ``POLICYBOT_DATABASE_URL``.

The file's machinery (modes, versions, recovery, errors) is ``bot.store.database``; the
staff desk's tickets and curated answers live in the same file, as their own component, so
that the turn's one transaction holds every write of the turn.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain import LogEntry, Session
from bot.store import questions
from bot.store.base import Connection, Database, Step
from bot.store.database import _unavailable
from bot.store.questions import LoggedQuestion
from bot.text.privacy import mask

_SESSIONS = """
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
"""

# Step n brings a file from user_version n to n + 1; never edit a step that has shipped.
# Version 0 is every file written before versions were kept: the first step is idempotent.
STEPS: tuple[Step, ...] = (
    _SESSIONS,
    "CREATE TABLE IF NOT EXISTS schema_versions "
    "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    questions.SCHEMA,
    questions.adopt_old_log,
)
SCHEMA_VERSION = len(STEPS)


def _now() -> datetime:
    return datetime.now(UTC)


def session_from_raw(key: str, raw: str | None) -> Session:
    """The saved session, or a new one (also when the saved data is unreadable)."""
    if raw is None:
        return Session(chat_id=key)
    try:
        data: Any = json.loads(raw)
        return Session.from_json(data, key)
    except (ValueError, TypeError, OverflowError):  # OverflowError: int(1e999) retries
        return Session(chat_id=key)


def _raw_session(db: Connection, key: str) -> str | None:
    row = db.execute("SELECT data FROM sessions WHERE chat_id = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _save_session(db: Connection, session: Session) -> None:
    saved = session.to_json()
    # the topic keeps the last question's words for follow-ups: its phones, IDs and e-mail
    # addresses are no use there (facts stay as they are: an amount is no phone number)
    topic = saved.get("topic") or {}
    saved["topic"] = {k: mask(v) if isinstance(v, str) else v for k, v in topic.items()}
    data = json.dumps(saved, ensure_ascii=False)
    db.execute(
        "INSERT INTO sessions (chat_id, data, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(chat_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        (session.chat_id, data, questions.iso(_now())),
    )


def _log(db: Connection, key: str, entry: LogEntry, chat_id: str | None, now: datetime) -> int:
    return questions.write(
        db,
        session_key=key,
        chat_id=chat_id or key,
        question=entry.text,
        answer=entry.answer,
        lang=entry.lang,
        in_scope=entry.in_scope,
        answered_by=entry.answered_by or ("assistant" if entry.answered else "none"),
        now=now,
        top_clause=entry.top_clause,
        faq_id=entry.faq_id,
        token=entry.token,
        worded=entry.worded,
    )


class StoreTx:
    """The store inside one transaction: what a turn reads and writes, all or nothing.

    ``db`` is open for other tables that belong in the same transaction (an inbox, an
    outbox, the staff desk's tickets): their owners add them with ``Store.migrate``.
    """

    def __init__(self, db: Connection, database: Database | None = None) -> None:
        self.db = db
        self.database = database

    def lock_session(self, key: str) -> None:
        """Hold session ``key`` until this transaction ends: another worker's turn of the
        same session waits here (PostgreSQL; SQLite lets one writer in at a time anyway)."""
        if self.database is not None:
            self.database.lock_session(self.db, key)

    def load_session(self, key: str) -> Session:
        return session_from_raw(key, _raw_session(self.db, key))

    def raw_session(self, key: str) -> str | None:
        return _raw_session(self.db, key)

    def save_session(self, session: Session) -> None:
        _save_session(self.db, session)

    def delete_session(self, key: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE chat_id = ?", (key,))

    def log(
        self,
        key: str,
        entry: LogEntry,
        chat_id: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Write ``entry`` to the question log (masked); its row id."""
        return _log(self.db, key, entry, chat_id, now or _now())


class Store:
    """Sessions and the question log in one database (see the module docstring)."""

    session_from_raw = staticmethod(session_from_raw)

    def __init__(self, where: Path | str) -> None:
        """Over the SQLite file at ``where``, or the PostgreSQL database its URL names."""
        self.database = Database.open(where, STEPS)
        self.path = self.database.path

    def close(self) -> None:
        self.database.close()

    @contextmanager
    def transaction(self) -> Iterator[StoreTx]:
        """One write transaction (BEGIN IMMEDIATE): everything in it lands, or nothing."""
        with self.database.transaction() as db:
            yield StoreTx(db, self.database)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection for reads outside a transaction (under the store's lock)."""
        with self.database.reading() as db:
            yield db

    def migrate(self, component: str, steps: tuple[Step, ...]) -> None:
        """Bring ``component``'s own tables to ``len(steps)`` (see ``Database.migrate``)."""
        self.database.migrate(component, steps)

    def add_schema(self, script: str) -> None:
        self.database.add_schema(script)

    def load_session(self, key: str) -> Session:
        """The saved session, or a new one (also when the saved data is unreadable)."""
        return session_from_raw(key, self.raw_session(key))

    def raw_session(self, key: str) -> str | None:
        """The session as stored (JSON text), or None: to detect a change under a turn."""
        with self.reading() as db:
            try:
                return _raw_session(db, key)
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc

    def save_session(self, session: Session) -> None:
        with self.transaction() as tx:
            tx.save_session(session)

    def log_question(
        self,
        chat_id: str,
        text: str,
        lang: str,
        in_scope: bool,
        answered: bool,
        top_clause: str | None,
    ) -> int:
        entry = LogEntry(text, lang, in_scope, answered, top_clause)
        with self.transaction() as tx:
            return tx.log(chat_id, entry)

    def questions(self, unanswered_only: bool = False, limit: int = 100) -> list[LoggedQuestion]:
        with self.reading() as db:
            return questions.questions(db, unanswered_only, limit)
