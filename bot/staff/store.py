"""``StaffStore``: tickets, curated answers (FAQ) and the desk's view of the question log.

The tables live in the conversation database (``Settings.db_path``) as the ``staff``
component, through the one store machinery (``bot.store.database``: file modes, versions,
recovery, ``StoreUnavailable``). A staff tool (the CLI, the console) opens the same file;
inside the bot the store shares the conversation store's connection, so that what a turn
writes here joins the turn's transaction. Every text written here is masked first
(``bot.text.privacy.mask``); the question log's retention and ``/forget`` apply to tickets
too. A staff file of an earlier version (``staff.sqlite3``) is taken over once
(``adopt_staff_file``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.staff.faqstore import FaqRecords
from bot.staff.handoff import Event, Status, advance
from bot.staff.records import (
    FAQ_STATUSES,
    MIGRATIONS,
    STEPS,
    TICKET_COLS,
    FaqEntry,
    FaqStatus,
    NotFound,
    Ticket,
    adopt_staff_file,
    dumps,
    ticket_of,
)
from bot.store import personal, questions
from bot.store.base import Connection, Database
from bot.store.conversations import STEPS as CONVERSATION_STEPS
from bot.store.questions import AnsweredBy, LogRow, iso
from bot.text.privacy import mask

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "FAQ_STATUSES",
    "MIGRATIONS",
    "AnsweredBy",
    "FaqEntry",
    "FaqStatus",
    "LogRow",
    "NotFound",
    "StaffStore",
    "Ticket",
    "adopt_staff_file",
    "utcnow",
]

_log = logging.getLogger(__name__)
LEGACY_FILE = "staff.sqlite3"


def utcnow() -> datetime:
    return datetime.now(UTC)


class StaffStore(FaqRecords):
    """Tickets, curated answers and the question log; safe to share between threads."""

    def __init__(self, where: Path | str | Database) -> None:
        """Over the database at ``where`` (a path, a PostgreSQL URL, or an open ``Database``
        to share)."""
        if isinstance(where, Database):
            self.database = where
            self.database.open_again()
        else:
            self.database = Database.open(where, CONVERSATION_STEPS)
        self.database.migrate("staff", STEPS)
        self.path = self.database.path

    @classmethod
    def for_settings(cls, settings: Settings, database: Database | None = None) -> StaffStore:
        """The store of a deployment, taking over a staff file of an earlier version."""
        store = cls(database or settings.db_location)
        adopt_staff_file(store.database, settings.data_dir / LEGACY_FILE)
        return store

    @property
    def schema_version(self) -> int:
        with self.reading() as db:
            row = db.execute(
                "SELECT version FROM schema_versions WHERE component = 'staff'"
            ).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.database.transaction() as db:
            yield db

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.database.reading() as db:
            return db.execute(sql, params).fetchall()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection for read-only queries (statistics), under the lock."""
        with self.database.reading() as db:
            yield db

    def close(self) -> None:
        self.database.close()

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
                    dumps(masked),
                    dumps(facts),
                    dumps(list(clauses)),
                    dumps(units),
                    reason,
                    status,
                    iso(now or utcnow()),
                ),
            )
            ticket_id = int(cursor.lastrowid or 0)
        return self.ticket(ticket_id)

    def ticket(self, ticket_id: int) -> Ticket:
        rows = self._read(f"SELECT {TICKET_COLS} FROM tickets WHERE id = ?", (ticket_id,))
        if not rows:
            raise NotFound(f"no ticket {ticket_id}")
        return ticket_of(rows[0])

    def tickets(self, status: Status | None = None, limit: int = 100) -> list[Ticket]:
        if status is None:
            rows = self._read(
                f"SELECT {TICKET_COLS} FROM tickets ORDER BY id DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._read(
                f"SELECT {TICKET_COLS} FROM tickets WHERE status = ? ORDER BY id LIMIT ?",
                (status, limit),
            )
        return [ticket_of(r) for r in rows]

    def open_ticket_for(self, session_key: str) -> Ticket | None:
        """The session's ticket that is not resolved yet (the newest), if any."""
        rows = self._read(
            f"SELECT {TICKET_COLS} FROM tickets WHERE session_key = ? AND status != 'resolved' "
            "ORDER BY id DESC LIMIT 1",
            (session_key,),
        )
        return ticket_of(rows[0]) if rows else None

    def claim(self, ticket_id: int, staff: str, now: datetime | None = None) -> Ticket:
        with self._tx() as db:
            found = db.execute("SELECT status FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if found is None:
                raise NotFound(f"no ticket {ticket_id}")
            db.execute(
                "UPDATE tickets SET staff = ?, claimed_at = COALESCE(claimed_at, ?) WHERE id = ?",
                (staff, iso(now or utcnow()), ticket_id),
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
        stamp = iso(now or utcnow())
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
        sql = f"SELECT {TICKET_COLS} FROM tickets WHERE delivered = 0 AND answer IS NOT NULL"
        params: tuple[str, ...] = ()
        if session_key is not None:
            sql += " AND session_key = ?"
            params = (session_key,)
        return [ticket_of(r) for r in self._read(sql + " ORDER BY id", params)]

    def link_faq(self, ticket_id: int, faq_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE tickets SET faq_id = ? WHERE id = ?", (faq_id, ticket_id))

    # --------------------------------------------------------------------------- the log

    def log(self, *, now: datetime | None = None, **fields: Any) -> int:
        """Log one exchange, masked (``bot.store.questions.write`` names the fields)."""
        with self._tx() as db:
            return questions.write(db, now=now or utcnow(), **fields)

    def set_feedback(self, token: str, value: int, session_key: str) -> LogRow | None:
        """Record 👍 (+1) or 👎 (-1) on the logged answer ``token`` of this session."""
        with self._tx() as db:
            return questions.set_feedback(db, token, value, session_key)

    def attach_ticket(
        self, session_key: str, ticket_id: int, question: str, lang: str, now: datetime
    ) -> None:
        """Link the logged question a ticket is about to the ticket (see ``questions``)."""
        with self._tx() as db:
            chat_id = db.execute(
                "SELECT chat_id FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()[0]
            questions.link_ticket(db, session_key, chat_id, ticket_id, question, lang, now)

    def mark_staff_answered(self, ticket_id: int, answer: str) -> None:
        """The question a ticket is about now counts as answered by staff."""
        with self._tx() as db:
            questions.answered_by_staff(db, ticket_id, answer)

    def recent(self, session_key: str, limit: int = 6) -> list[LogRow]:
        """The session's last ``limit`` logged exchanges, oldest first."""
        with self.reading() as db:
            return questions.recent(db, session_key, limit)

    def purge(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete log entries and resolved tickets older than the retention; the count."""
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        with self._tx() as db:  # every table holding user text (bot.store.personal)
            return personal.expire(db, cutoff)

    def forget(self, session_key: str) -> int:
        """Delete everything kept about one conversation (``/forget``), in every table that
        holds user text (bot.store.personal); the count of rows."""
        with self._tx() as db:
            return personal.forget(db, session_key)
