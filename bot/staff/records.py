"""The staff desk's records: tickets and curated answers (FAQ), their tables and rows.

The tables are the ``staff`` component of the conversation database (``bot.store``): the
turn that opens a ticket writes it in the turn's transaction. ``STEPS`` versions them; never
edit a step that has shipped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bot.staff.handoff import Status
from bot.staff.hours import SHANGHAI
from bot.store.base import Database

_log = logging.getLogger(__name__)

FaqStatus = Literal["suggested", "approved", "retired"]
FAQ_STATUSES: tuple[FaqStatus, ...] = ("suggested", "approved", "retired")

STEPS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS tickets (
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
    CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status);
    CREATE INDEX IF NOT EXISTS tickets_session ON tickets (session_key, status);
    CREATE TABLE IF NOT EXISTS faq (
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
    CREATE INDEX IF NOT EXISTS faq_status ON faq (status)
    """,
)
MIGRATIONS = STEPS  # the name staff tools and tests knew


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
        fields = asdict(self)
        del fields["user_id"]  # never shown: staff see the chat, not the person's id
        out = {_TICKET_NAMES.get(k, k): v for k, v in fields.items()}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


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
        out = {_FAQENTRY_NAMES.get(k, k): v for k, v in asdict(self).items()}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


TICKET_COLS = (
    "id, session_key, chat_id, user_id, lang, question, transcript, facts, clauses, units, "
    "reason, status, staff, answer, faq_id, created_at, claimed_at, first_reply_at, resolved_at"
)
FAQ_COLS = (
    "id, variants, answer, clause_keys, author, status, hits, unverified_amounts, "
    "amounts_confirmed, approved_by, ticket_id, created_at, updated_at, approved_at, last_hit_at"
)


def _tuple(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))


_TICKET_JSON: dict[str, Callable[[Any], Any]] = {
    "transcript": _tuple,
    "facts": json.loads,
    "clauses": _tuple,
    "units": _tuple,
}
_FAQ_JSON: dict[str, Callable[[Any], Any]] = {
    "variants": _tuple,
    "clause_keys": _tuple,
    "unverified_amounts": _tuple,
    "amounts_confirmed": bool,
}


def _fields(
    columns: str, row: Sequence[Any], decode: dict[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """A row as the keyword arguments of its record (the columns are named as its fields)."""
    names = [name.strip() for name in columns.split(",")]
    return {n: decode[n](v) if n in decode else v for n, v in zip(names, row, strict=True)}


def ticket_of(row: Sequence[Any]) -> Ticket:
    return Ticket(**_fields(TICKET_COLS, row, _TICKET_JSON))


def faq_of(row: Sequence[Any]) -> FaqEntry:
    return FaqEntry(**_fields(FAQ_COLS, row, _FAQ_JSON))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# The JSON names that differ from the field names (what `triage list --json` printed).
_TICKET_NAMES = {"chat_id": "chat", "session_key": "session"}
_FAQENTRY_NAMES = {"clause_keys": "clauses"}


class NotFound(LookupError):
    """No ticket or curated answer with that number."""


def adopt_staff_file(database: Database, legacy: Path) -> bool:
    """Take the tickets, curated answers and log of a staff file of an earlier version (its
    own ``staff.sqlite3``) into ``database``, once: the file is renamed afterwards, and
    nothing is taken when ``database`` already holds tickets or curated answers."""
    if database.path is None:  # PostgreSQL: no SQLite file of an earlier version to take
        return False
    if not legacy.exists() or legacy.resolve() == database.path.resolve():
        return False
    with database.reading() as db:
        busy = db.execute("SELECT (SELECT COUNT(*) FROM tickets) + (SELECT COUNT(*) FROM faq)")
        if busy.fetchone()[0]:
            _log.warning("%s not taken over: the database already has staff data", legacy)
            return False
        db.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
    try:
        with database.transaction() as db:
            for table in ("tickets", "faq"):
                db.execute(f"INSERT INTO {table} SELECT * FROM legacy.{table}")
            columns = (
                "token, session_key, chat_id, asked_at, day, question, answer, lang, in_scope, "
                "answered_by, top_clause, faq_id, ticket_id, feedback"
            )
            db.execute(
                f"INSERT OR IGNORE INTO qa_log ({columns}) SELECT {columns} FROM legacy.qa_log"
            )
    finally:
        with database.reading() as db:
            db.execute("DETACH DATABASE legacy")
    aside = legacy.with_name(f"{legacy.name}.adopted-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{legacy}{suffix}")
        if part.exists():
            part.rename(Path(f"{aside}{suffix}"))
    _log.warning(
        "took the staff data of %s into %s; the old file is %s", legacy, database.path, aside
    )
    return True
