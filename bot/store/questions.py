"""The question log: every question the bot was asked, how it was answered, and by whom.

One log for every channel and for the staff desk (statistics, tickets, 👍/👎 read it), kept
in the conversation database so that a turn writes it in the turn's transaction. Every text
is masked before it is written (``bot.text.privacy.mask``: phone, ID card and credit-code
numbers), entries older than the retention are purged, and ``/forget`` deletes a
conversation's entries. Functions of a connection: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.store.base import Connection, tables
from bot.text.privacy import mask

AnsweredBy = Literal["assistant", "faq", "staff", "none"]
QUESTION_CHARS = 4000
ANSWER_CHARS = 8000
_SHANGHAI = ZoneInfo("Asia/Shanghai")

SCHEMA = """
CREATE TABLE IF NOT EXISTS qa_log (
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
    feedback INTEGER,
    worded TEXT                    -- with a language model: "model" or "fallback:<reason>"
);
CREATE INDEX IF NOT EXISTS qa_log_day ON qa_log (day);
CREATE INDEX IF NOT EXISTS qa_log_session ON qa_log (session_key, id);
CREATE INDEX IF NOT EXISTS qa_log_asked ON qa_log (asked_at);
CREATE INDEX IF NOT EXISTS qa_log_answered ON qa_log (answered_by, in_scope)
"""


@dataclass(frozen=True)
class LoggedQuestion:
    """A logged question as triage lists it."""

    id: int
    chat_id: str
    text: str
    lang: str
    in_scope: bool
    answered: bool
    top_clause: str | None
    asked_at: str


@dataclass(frozen=True)
class LogRow:
    """A logged exchange as the staff desk reads it (a ticket's transcript, feedback)."""

    id: int
    session_key: str
    asked_at: str
    question: str
    answer: str
    answered_by: str
    top_clause: str | None
    feedback: int | None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def write(
    db: Connection,
    *,
    session_key: str,
    chat_id: str,
    question: str,
    answer: str,
    lang: str,
    in_scope: bool,
    answered_by: AnsweredBy,
    now: datetime,
    top_clause: str | None = None,
    faq_id: int | None = None,
    ticket_id: int | None = None,
    token: str | None = None,
    worded: str = "",
) -> int:
    """Log one exchange, masked; its row id. ``worded``: how a language model took part
    ("model", "fallback:<reason>"; empty without a model)."""
    cursor = db.execute(
        "INSERT INTO qa_log (token, session_key, chat_id, asked_at, day, question, answer, "
        "lang, in_scope, answered_by, top_clause, faq_id, ticket_id, worded) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            token,
            session_key,
            chat_id,
            iso(now),
            now.astimezone(_SHANGHAI).date().isoformat(),
            mask(question)[:QUESTION_CHARS],
            mask(answer)[:ANSWER_CHARS],
            lang,
            int(in_scope),
            answered_by,
            top_clause,
            faq_id,
            ticket_id,
            worded or None,
        ),
    )
    return int(cursor.lastrowid or 0)


_ROW = "id, session_key, asked_at, question, answer, answered_by, top_clause, feedback"


def set_feedback(db: Connection, token: str, value: int, session_key: str) -> LogRow | None:
    """Record 👍 (+1) or 👎 (-1) on the logged answer ``token`` of this session."""
    db.execute(
        "UPDATE qa_log SET feedback = ? WHERE token = ? AND session_key = ?",
        (value, token, session_key),
    )
    row = db.execute(
        f"SELECT {_ROW} FROM qa_log WHERE token = ? AND session_key = ?", (token, session_key)
    ).fetchone()
    return LogRow(*row) if row else None


def recent(db: Connection, session_key: str, limit: int = 6) -> list[LogRow]:
    """The session's last ``limit`` logged exchanges, oldest first."""
    rows = db.execute(
        f"SELECT {_ROW} FROM qa_log WHERE session_key = ? ORDER BY id DESC LIMIT ?",
        (session_key, limit),
    ).fetchall()
    return [LogRow(*r) for r in reversed(rows)]


def link_ticket(
    db: Connection,
    session_key: str,
    chat_id: str,
    ticket_id: int,
    question: str,
    lang: str,
    now: datetime,
) -> None:
    """Link the logged question a ticket is about to the ticket (logging it when it was
    not: a first message that asks for a person), so statistics count it once."""
    row = db.execute(
        "SELECT id FROM qa_log WHERE session_key = ? AND question = ? ORDER BY id DESC LIMIT 1",
        (session_key, mask(question)[:QUESTION_CHARS]),
    ).fetchone()
    if row is not None:
        db.execute("UPDATE qa_log SET ticket_id = ? WHERE id = ?", (ticket_id, row[0]))
        return
    write(
        db,
        session_key=session_key,
        chat_id=chat_id,
        question=question,
        answer="",
        lang=lang,
        in_scope=True,
        answered_by="none",
        now=now,
        ticket_id=ticket_id,
    )


def answered_by_staff(db: Connection, ticket_id: int, answer: str) -> None:
    """The question a ticket is about now counts as answered by staff."""
    db.execute(
        "UPDATE qa_log SET answered_by = 'staff', answer = ? WHERE ticket_id = ?",
        (mask(answer)[:ANSWER_CHARS], ticket_id),
    )


def questions(
    db: Connection, unanswered_only: bool = False, limit: int = 100
) -> list[LoggedQuestion]:
    """The newest questions first; ``unanswered_only``: those nobody answered."""
    query = (
        "SELECT id, session_key, question, lang, in_scope, answered_by, top_clause, asked_at "
        "FROM qa_log"
    )
    if unanswered_only:
        query += " WHERE answered_by = 'none'"
    rows = db.execute(query + " ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [
        LoggedQuestion(r[0], r[1], r[2], r[3], bool(r[4]), r[5] != "none", r[6], r[7]) for r in rows
    ]


def purge(db: Connection, cutoff: datetime) -> int:
    """Delete the entries asked before ``cutoff``; the count."""
    return int(db.execute("DELETE FROM qa_log WHERE asked_at < ?", (iso(cutoff),)).rowcount)


def forget(db: Connection, session_key: str) -> int:
    """Delete a conversation's entries (``/forget``); the count."""
    return int(db.execute("DELETE FROM qa_log WHERE session_key = ?", (session_key,)).rowcount)


def adopt_old_log(db: Connection) -> None:
    """A migration step: the conversation store's earlier log (``questions``: unmasked, no
    answer, never purged) moves into this one, masked, and its table goes."""
    if "questions" not in tables(db):
        return
    rows = db.execute(
        "SELECT chat_id, text, lang, in_scope, answered, top_clause, asked_at "
        "FROM questions ORDER BY id"
    ).fetchall()
    for chat_id, text, lang, in_scope, answered, top_clause, asked_at in rows:
        try:
            moment = datetime.fromisoformat(asked_at)
        except (TypeError, ValueError):
            moment = datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        write(
            db,
            session_key=chat_id,
            chat_id=chat_id,
            question=text,
            answer="",
            lang=lang,
            in_scope=bool(in_scope),
            answered_by="assistant" if answered else "none",
            now=moment,
            top_clause=top_clause,
        )
    db.execute("DROP TABLE questions")
