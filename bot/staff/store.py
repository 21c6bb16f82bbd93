"""``StaffStore``: tickets, curated answers (FAQ) and the question/answer log, in a SQLite
file of their own (``<data_dir>/staff.sqlite3``, mode 0600), apart from the conversations.

Apart because staff tools (the CLI, a statistics run) read and write it while the bot runs,
and because its retention differs: the log is purged after ``POLICYBOT_LOG_RETENTION_DAYS``
and ``/forget`` deletes one user's rows. Every text written here is masked first
(``privacy.mask``). The schema evolves through ``PRAGMA user_version`` migrations.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from bot.staff.handoff import Event, Status, advance
from bot.staff.hours import SHANGHAI
from bot.staff.privacy import mask

FaqStatus = Literal["suggested", "approved", "retired"]
FAQ_STATUSES: tuple[FaqStatus, ...] = ("suggested", "approved", "retired")
AnsweredBy = Literal["assistant", "faq", "staff", "none"]

# Each entry moves the schema one version on; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_key TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        user_id TEXT,
        lang TEXT NOT NULL,
        question TEXT NOT NULL,
        transcript TEXT NOT NULL,      -- JSON [{"q": ..., "a": ...}], oldest first
        facts TEXT NOT NULL,           -- JSON object: the walk-through's answers
        clauses TEXT NOT NULL,         -- JSON [{"key", "doc", "clause", "text", "responsible"}]
        units TEXT NOT NULL,           -- JSON [responsible unit], in clause order
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        staff TEXT,
        answer TEXT,
        faq_id INTEGER,
        created_at TEXT NOT NULL,
        claimed_at TEXT,
        first_reply_at TEXT,
        resolved_at TEXT,
        delivered INTEGER NOT NULL DEFAULT 1  -- 0: a staff answer (from the CLI) not yet sent
    );
    CREATE INDEX tickets_status ON tickets (status);
    CREATE INDEX tickets_session ON tickets (session_key, status);
    CREATE TABLE faq (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        variants TEXT NOT NULL,        -- JSON [question variant]
        answer TEXT NOT NULL,
        clause_keys TEXT NOT NULL,     -- JSON [clause key]
        author TEXT NOT NULL,
        status TEXT NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0,
        unverified_amounts TEXT NOT NULL DEFAULT '[]',
        amounts_confirmed INTEGER NOT NULL DEFAULT 0,
        approved_by TEXT,
        ticket_id INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        approved_at TEXT,
        last_hit_at TEXT
    );
    CREATE INDEX faq_status ON faq (status);
    CREATE TABLE qa_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token TEXT UNIQUE,
        session_key TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        asked_at TEXT NOT NULL,
        day TEXT NOT NULL,             -- the Shanghai date of asked_at, for per-day figures
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        lang TEXT NOT NULL,
        in_scope INTEGER NOT NULL,
        answered_by TEXT NOT NULL,
        top_clause TEXT,
        faq_id INTEGER,
        ticket_id INTEGER,
        feedback INTEGER
    );
    CREATE INDEX qa_log_day ON qa_log (day);
    CREATE INDEX qa_log_session ON qa_log (session_key, id);
    CREATE INDEX qa_log_asked ON qa_log (asked_at);
    """,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Ticket:
    id: int
    session_key: str
    chat_id: str
    user_id: str | None
    lang: str
    question: str
    transcript: tuple[dict[str, str], ...]
    facts: dict[str, Any]
    clauses: tuple[dict[str, Any], ...]
    units: tuple[str, ...]
    reason: str
    status: Status
    staff: str | None
    answer: str | None
    faq_id: int | None
    created_at: str
    claimed_at: str | None
    first_reply_at: str | None
    resolved_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chat": self.chat_id,
            "session": self.session_key,
            "lang": self.lang,
            "question": self.question,
            "transcript": list(self.transcript),
            "facts": self.facts,
            "clauses": list(self.clauses),
            "units": list(self.units),
            "reason": self.reason,
            "status": self.status,
            "staff": self.staff,
            "answer": self.answer,
            "faq_id": self.faq_id,
            "created_at": self.created_at,
            "claimed_at": self.claimed_at,
            "first_reply_at": self.first_reply_at,
            "resolved_at": self.resolved_at,
        }


@dataclass(frozen=True)
class FaqEntry:
    id: int
    variants: tuple[str, ...]
    answer: str
    clause_keys: tuple[str, ...]
    author: str
    status: FaqStatus
    hits: int
    unverified_amounts: tuple[str, ...]
    amounts_confirmed: bool
    approved_by: str | None
    ticket_id: int | None
    created_at: str
    updated_at: str
    approved_at: str | None
    last_hit_at: str | None

    @property
    def answered_on(self) -> str:
        """The date staff gave this answer (approval, else creation), Shanghai time."""
        stamp = self.approved_at or self.created_at
        return datetime.fromisoformat(stamp).astimezone(SHANGHAI).date().isoformat()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "variants": list(self.variants),
            "answer": self.answer,
            "clauses": list(self.clause_keys),
            "author": self.author,
            "status": self.status,
            "hits": self.hits,
            "unverified_amounts": list(self.unverified_amounts),
            "amounts_confirmed": self.amounts_confirmed,
            "approved_by": self.approved_by,
            "ticket_id": self.ticket_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "approved_at": self.approved_at,
            "last_hit_at": self.last_hit_at,
        }


@dataclass(frozen=True)
class LogRow:
    id: int
    session_key: str
    asked_at: str
    question: str
    answer: str
    answered_by: str
    top_clause: str | None
    feedback: int | None


_TICKET_COLS = (
    "id, session_key, chat_id, user_id, lang, question, transcript, facts, clauses, units, "
    "reason, status, staff, answer, faq_id, created_at, claimed_at, first_reply_at, resolved_at"
)
_FAQ_COLS = (
    "id, variants, answer, clause_keys, author, status, hits, unverified_amounts, "
    "amounts_confirmed, approved_by, ticket_id, created_at, updated_at, approved_at, last_hit_at"
)


def _ticket(row: Sequence[Any]) -> Ticket:
    return Ticket(
        id=row[0],
        session_key=row[1],
        chat_id=row[2],
        user_id=row[3],
        lang=row[4],
        question=row[5],
        transcript=tuple(json.loads(row[6])),
        facts=json.loads(row[7]),
        clauses=tuple(json.loads(row[8])),
        units=tuple(json.loads(row[9])),
        reason=row[10],
        status=row[11],
        staff=row[12],
        answer=row[13],
        faq_id=row[14],
        created_at=row[15],
        claimed_at=row[16],
        first_reply_at=row[17],
        resolved_at=row[18],
    )


def _faq(row: Sequence[Any]) -> FaqEntry:
    return FaqEntry(
        id=row[0],
        variants=tuple(json.loads(row[1])),
        answer=row[2],
        clause_keys=tuple(json.loads(row[3])),
        author=row[4],
        status=row[5],
        hits=row[6],
        unverified_amounts=tuple(json.loads(row[7])),
        amounts_confirmed=bool(row[8]),
        approved_by=row[9],
        ticket_id=row[10],
        created_at=row[11],
        updated_at=row[12],
        approved_at=row[13],
        last_hit_at=row[14],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class NotFound(LookupError):
    """No ticket or curated answer with that number."""


class StaffStore:
    """Tickets, curated answers and the Q&A log; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # created private: questions may name people and companies
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)

    def _migrate(self) -> None:
        with self._tx() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

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

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ----------------------------------------------------------------------------- tickets

    def open_ticket(
        self,
        *,
        session_key: str,
        chat_id: str,
        user_id: str | None,
        lang: str,
        question: str,
        transcript: Sequence[dict[str, str]],
        facts: dict[str, Any],
        clauses: Sequence[dict[str, Any]],
        reason: str,
        now: datetime | None = None,
    ) -> Ticket:
        status = advance(None, "open")
        units = list(dict.fromkeys(u for c in clauses for u in c.get("responsible", ())))
        masked = [{k: mask(v) for k, v in turn.items()} for turn in transcript]
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO tickets (session_key, chat_id, user_id, lang, question, transcript, "
                "facts, clauses, units, reason, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_key,
                    chat_id,
                    user_id,
                    lang,
                    mask(question),
                    _dumps(masked),
                    _dumps(facts),
                    _dumps(list(clauses)),
                    _dumps(units),
                    reason,
                    status,
                    _iso(now or utcnow()),
                ),
            )
            ticket_id = int(cursor.lastrowid or 0)
        return self.ticket(ticket_id)

    def ticket(self, ticket_id: int) -> Ticket:
        rows = self._read(f"SELECT {_TICKET_COLS} FROM tickets WHERE id = ?", (ticket_id,))
        if not rows:
            raise NotFound(f"no ticket {ticket_id}")
        return _ticket(rows[0])

    def tickets(self, status: Status | None = None, limit: int = 100) -> list[Ticket]:
        if status is None:
            rows = self._read(
                f"SELECT {_TICKET_COLS} FROM tickets ORDER BY id DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._read(
                f"SELECT {_TICKET_COLS} FROM tickets WHERE status = ? ORDER BY id LIMIT ?",
                (status, limit),
            )
        return [_ticket(r) for r in rows]

    def open_ticket_for(self, session_key: str) -> Ticket | None:
        """The session's ticket that is not resolved yet (the newest), if any."""
        rows = self._read(
            f"SELECT {_TICKET_COLS} FROM tickets WHERE session_key = ? AND status != 'resolved' "
            "ORDER BY id DESC LIMIT 1",
            (session_key,),
        )
        return _ticket(rows[0]) if rows else None

    def claim(self, ticket_id: int, staff: str, now: datetime | None = None) -> Ticket:
        with self._tx() as db:
            found = db.execute("SELECT status FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if found is None:
                raise NotFound(f"no ticket {ticket_id}")
            db.execute(
                "UPDATE tickets SET staff = ?, claimed_at = COALESCE(claimed_at, ?) WHERE id = ?",
                (staff, _iso(now or utcnow()), ticket_id),
            )
        return self.ticket(ticket_id)

    def advance_ticket(
        self,
        ticket_id: int,
        event: Event,
        *,
        staff: str | None = None,
        answer: str | None = None,
        now: datetime | None = None,
    ) -> Ticket:
        """Apply ``event`` (InvalidTransition when it does not apply) and stamp its time."""
        stamp = _iso(now or utcnow())
        with self._tx() as db:
            found = db.execute("SELECT status FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if found is None:
                raise NotFound(f"no ticket {ticket_id}")
            status = advance(found[0], event)
            db.execute("UPDATE tickets SET status = ? WHERE id = ?", (status, ticket_id))
            if event == "staff_reply":
                db.execute(
                    "UPDATE tickets SET answer = ?, staff = COALESCE(staff, ?), "
                    "first_reply_at = COALESCE(first_reply_at, ?) WHERE id = ?",
                    (answer, staff, stamp, ticket_id),
                )
            if status == "resolved":
                db.execute(
                    "UPDATE tickets SET resolved_at = ?, staff = COALESCE(staff, ?) WHERE id = ?",
                    (stamp, staff, ticket_id),
                )
        return self.ticket(ticket_id)

    def set_delivered(self, ticket_id: int, delivered: bool) -> None:
        with self._tx() as db:
            db.execute("UPDATE tickets SET delivered = ? WHERE id = ?", (int(delivered), ticket_id))

    def undelivered(self, session_key: str | None = None) -> list[Ticket]:
        """Answered tickets whose answer has not been sent to the user yet."""
        sql = f"SELECT {_TICKET_COLS} FROM tickets WHERE delivered = 0 AND answer IS NOT NULL"
        params: tuple[str, ...] = ()
        if session_key is not None:
            sql += " AND session_key = ?"
            params = (session_key,)
        return [_ticket(r) for r in self._read(sql + " ORDER BY id", params)]

    def link_faq(self, ticket_id: int, faq_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE tickets SET faq_id = ? WHERE id = ?", (faq_id, ticket_id))

    # ------------------------------------------------------------------------------ FAQ

    def add_faq(
        self,
        variants: Sequence[str],
        answer: str,
        clause_keys: Sequence[str],
        author: str,
        *,
        status: FaqStatus = "suggested",
        unverified_amounts: Sequence[str] = (),
        ticket_id: int | None = None,
        now: datetime | None = None,
    ) -> FaqEntry:
        clean = [v.strip() for v in variants if v.strip()]
        if not clean or not answer.strip():
            raise ValueError("a curated answer needs at least one question and an answer")
        stamp = _iso(now or utcnow())
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO faq (variants, answer, clause_keys, author, status, "
                "unverified_amounts, ticket_id, created_at, updated_at, approved_at, approved_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _dumps([mask(v) for v in clean]),
                    answer.strip(),
                    _dumps(list(clause_keys)),
                    author,
                    status,
                    _dumps(list(unverified_amounts)),
                    ticket_id,
                    stamp,
                    stamp,
                    stamp if status == "approved" else None,
                    author if status == "approved" else None,
                ),
            )
            faq_id = int(cursor.lastrowid or 0)
        return self.faq(faq_id)

    def faq(self, faq_id: int) -> FaqEntry:
        rows = self._read(f"SELECT {_FAQ_COLS} FROM faq WHERE id = ?", (faq_id,))
        if not rows:
            raise NotFound(f"no curated answer {faq_id}")
        return _faq(rows[0])

    def faqs(self, status: FaqStatus | None = None) -> list[FaqEntry]:
        if status is None:
            rows = self._read(f"SELECT {_FAQ_COLS} FROM faq ORDER BY id")
        else:
            rows = self._read(
                f"SELECT {_FAQ_COLS} FROM faq WHERE status = ? ORDER BY id", (status,)
            )
        return [_faq(r) for r in rows]

    def edit_faq(
        self,
        faq_id: int,
        *,
        variants: Sequence[str] | None = None,
        answer: str | None = None,
        clause_keys: Sequence[str] | None = None,
        unverified_amounts: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> FaqEntry:
        """Change an entry; a changed answer or clause list needs its amounts confirmed again."""
        entry = self.faq(faq_id)
        new_variants = [v.strip() for v in variants if v.strip()] if variants is not None else None
        if new_variants is not None and not new_variants:
            raise ValueError("a curated answer needs at least one question")
        if answer is not None and not answer.strip():
            raise ValueError("the answer cannot be empty")
        changed_content = (answer is not None and answer.strip() != entry.answer) or (
            clause_keys is not None and tuple(clause_keys) != entry.clause_keys
        )
        with self._tx() as db:
            db.execute(
                "UPDATE faq SET variants = ?, answer = ?, clause_keys = ?, unverified_amounts = ?, "
                "amounts_confirmed = ?, updated_at = ? WHERE id = ?",
                (
                    _dumps([mask(v) for v in new_variants])
                    if new_variants is not None
                    else _dumps(list(entry.variants)),
                    answer.strip() if answer is not None else entry.answer,
                    _dumps(list(clause_keys if clause_keys is not None else entry.clause_keys)),
                    _dumps(
                        list(
                            unverified_amounts
                            if unverified_amounts is not None
                            else entry.unverified_amounts
                        )
                    ),
                    0 if changed_content else int(entry.amounts_confirmed),
                    _iso(now or utcnow()),
                    faq_id,
                ),
            )
        return self.faq(faq_id)

    def set_faq_status(
        self,
        faq_id: int,
        status: FaqStatus,
        by: str,
        *,
        confirm_amounts: bool = False,
        now: datetime | None = None,
    ) -> FaqEntry:
        entry = self.faq(faq_id)
        stamp = _iso(now or utcnow())
        with self._tx() as db:
            if status == "approved":
                db.execute(
                    "UPDATE faq SET status = 'approved', approved_by = ?, approved_at = ?, "
                    "amounts_confirmed = ?, updated_at = ? WHERE id = ?",
                    (
                        by,
                        stamp,
                        int(confirm_amounts or entry.amounts_confirmed),
                        stamp,
                        faq_id,
                    ),
                )
            else:
                db.execute(
                    "UPDATE faq SET status = ?, updated_at = ? WHERE id = ?",
                    (status, stamp, faq_id),
                )
        return self.faq(faq_id)

    def count_hit(self, faq_id: int, now: datetime | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE faq SET hits = hits + 1, last_hit_at = ? WHERE id = ?",
                (_iso(now or utcnow()), faq_id),
            )

    # --------------------------------------------------------------------------- the log

    def log(
        self,
        *,
        session_key: str,
        chat_id: str,
        question: str,
        answer: str,
        lang: str,
        in_scope: bool,
        answered_by: AnsweredBy,
        top_clause: str | None = None,
        faq_id: int | None = None,
        ticket_id: int | None = None,
        token: str | None = None,
        now: datetime | None = None,
    ) -> int:
        moment = now or utcnow()
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO qa_log (token, session_key, chat_id, asked_at, day, question, answer, "
                "lang, in_scope, answered_by, top_clause, faq_id, ticket_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token,
                    session_key,
                    chat_id,
                    _iso(moment),
                    moment.astimezone(SHANGHAI).date().isoformat(),
                    mask(question)[:4000],
                    mask(answer)[:8000],
                    lang,
                    int(in_scope),
                    answered_by,
                    top_clause,
                    faq_id,
                    ticket_id,
                ),
            )
            return int(cursor.lastrowid or 0)

    def set_feedback(self, token: str, value: int, session_key: str) -> LogRow | None:
        """Record 👍 (+1) or 👎 (-1) on the logged answer ``token`` of this session."""
        with self._tx() as db:
            db.execute(
                "UPDATE qa_log SET feedback = ? WHERE token = ? AND session_key = ?",
                (value, token, session_key),
            )
        rows = self._read(
            "SELECT id, session_key, asked_at, question, answer, answered_by, top_clause, "
            "feedback FROM qa_log WHERE token = ? AND session_key = ?",
            (token, session_key),
        )
        return LogRow(*rows[0]) if rows else None

    def attach_ticket(
        self, session_key: str, ticket_id: int, question: str, lang: str, now: datetime
    ) -> None:
        """Link the logged question a ticket is about to the ticket (logging it when it was
        not: a first message that asks for a person), so statistics count it once."""
        with self._tx() as db:
            row = db.execute(
                "SELECT id FROM qa_log WHERE session_key = ? AND question = ? "
                "ORDER BY id DESC LIMIT 1",
                (session_key, mask(question)[:4000]),
            ).fetchone()
            if row is not None:
                db.execute("UPDATE qa_log SET ticket_id = ? WHERE id = ?", (ticket_id, row[0]))
                return
            chat_id = db.execute(
                "SELECT chat_id FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO qa_log (session_key, chat_id, asked_at, day, question, answer, lang, "
                "in_scope, answered_by, ticket_id) VALUES (?, ?, ?, ?, ?, '', ?, 1, 'none', ?)",
                (
                    session_key,
                    chat_id,
                    _iso(now),
                    now.astimezone(SHANGHAI).date().isoformat(),
                    mask(question)[:4000],
                    lang,
                    ticket_id,
                ),
            )

    def mark_staff_answered(self, ticket_id: int, answer: str) -> None:
        """The question a ticket is about now counts as answered by staff."""
        with self._tx() as db:
            db.execute(
                "UPDATE qa_log SET answered_by = 'staff', answer = ? WHERE ticket_id = ?",
                (mask(answer)[:8000], ticket_id),
            )

    def recent(self, session_key: str, limit: int = 6) -> list[LogRow]:
        """The session's last ``limit`` logged exchanges, oldest first."""
        rows = self._read(
            "SELECT id, session_key, asked_at, question, answer, answered_by, top_clause, "
            "feedback FROM qa_log WHERE session_key = ? ORDER BY id DESC LIMIT ?",
            (session_key, limit),
        )
        return [LogRow(*r) for r in reversed(rows)]

    def purge(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete log entries and resolved tickets older than the retention; the count."""
        cutoff = _iso((now or utcnow()) - timedelta(days=older_than_days))
        with self._tx() as db:
            logged = db.execute("DELETE FROM qa_log WHERE asked_at < ?", (cutoff,)).rowcount
            tickets = db.execute(
                "DELETE FROM tickets WHERE status = 'resolved' AND resolved_at < ?", (cutoff,)
            ).rowcount
        return int(logged) + int(tickets)

    def forget(self, session_key: str) -> int:
        """Delete everything kept about one conversation (``/forget``); the count of rows."""
        with self._tx() as db:
            logged = db.execute("DELETE FROM qa_log WHERE session_key = ?", (session_key,)).rowcount
            tickets = db.execute(
                "DELETE FROM tickets WHERE session_key = ?", (session_key,)
            ).rowcount
        return int(logged) + int(tickets)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for read-only queries (statistics), under the lock."""
        with self._lock:
            yield self._db
