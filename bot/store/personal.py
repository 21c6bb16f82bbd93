"""Where a user's words are kept, and how ``/forget`` and the retention reach every place.

One table per row of ``HOLDINGS``: the columns that can hold what a user wrote (or what was
written to them about it), the statement that forgets one conversation, and the statement that
drops what is older than the retention. Tables of channels and the console are named here as
data (the store imports no channel); a table that does not exist in a database is skipped.
``tests/test_privacy.py`` lists every table and column of a database with every component's
schema and fails on any text column that is neither here nor in ``NO_USER_TEXT``.

Statements take the named parameters ``key`` (the session key: the chat, or chat:user in a
group), ``chat``, ``user``, ``private`` (1 when the conversation is the whole chat), ``iso``
and ``epoch`` (the retention cutoff as ISO text and as Unix seconds).

Curated answers made from a forgotten user's ticket keep their answer; the user's own wording
among their questions goes, and an entry left with no question waits for staff to reword it
(back to "suggested", so it matches nobody meanwhile).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.store.base import Connection, tables
from bot.store.questions import iso
from bot.text import normalize
from bot.text.privacy import mask

REWORD = "（提问者已要求删除原话：请工作人员重新写一个问法）"
_CHAT = (
    "CAST(coalesce(json_extract(payload, '$.message.chat.id'), "
    "json_extract(payload, '$.edited_message.chat.id'), "
    "json_extract(payload, '$.callback_query.message.chat.id')) AS TEXT)"
)
_USER = (
    "CAST(coalesce(json_extract(payload, '$.message.from.id'), "
    "json_extract(payload, '$.edited_message.from.id'), "
    "json_extract(payload, '$.callback_query.from.id')) AS TEXT)"
)
_FORGOTTEN_INBOX = "'{\"forgotten\": true}'"


@dataclass(frozen=True)
class Holding:
    """One table that can hold a user's words."""

    table: str
    columns: tuple[str, ...]
    forget: str
    expire: str | None  # None: its own retention covers it (said in ``why``)
    why: str = ""


# Tickets and the question log go last when forgetting (the statements before them read which
# tickets were the user's) and first when expiring (notes of expired tickets follow them).
HOLDINGS: tuple[Holding, ...] = (
    Holding(
        "sessions",
        ("data",),
        "DELETE FROM sessions WHERE chat_id = :key",
        "DELETE FROM sessions WHERE updated_at < :iso",
    ),
    Holding(
        "channel_inbox",
        ("payload",),
        # done messages keep their key (a repeat is still recognised), not their words; a
        # Telegram row names its chat inside the update, other channels in ``chat``
        f"UPDATE channel_inbox SET payload = {_FORGOTTEN_INBOX} WHERE done_at IS NOT NULL "
        f"AND ((channel = 'telegram' AND {_CHAT} = :chat AND (:private = 1 OR {_USER} = :user)) "
        "OR (channel <> 'telegram' AND chat = :chat))",
        f"UPDATE channel_inbox SET payload = {_FORGOTTEN_INBOX} "
        "WHERE done_at IS NOT NULL AND received_at < :epoch",
    ),
    Holding(
        "channel_outbox",
        ("payload", "last_error"),
        "DELETE FROM channel_outbox WHERE chat = :chat AND :private = 1",
        "DELETE FROM channel_outbox WHERE created_at < :epoch",
    ),
    Holding(
        "channel_undelivered",
        ("payload", "error"),
        "DELETE FROM channel_undelivered WHERE chat = :chat AND :private = 1",
        "DELETE FROM channel_undelivered WHERE created_at < :epoch",
    ),
    Holding(
        "tg_outbox",
        ("html", "plain", "keyboard", "last_error"),
        # a group's replies are the group's: only a whole chat's pending replies go
        "DELETE FROM tg_outbox WHERE CAST(chat_id AS TEXT) = :chat AND :private = 1",
        "DELETE FROM tg_outbox WHERE created_at < :epoch",
    ),
    Holding(
        "tg_undelivered",
        ("plain", "error"),
        "DELETE FROM tg_undelivered WHERE CAST(chat_id AS TEXT) = :chat AND :private = 1",
        "DELETE FROM tg_undelivered WHERE created_at < :epoch",
    ),
    Holding(
        "tg_slots",
        (),
        "DELETE FROM tg_slots WHERE CAST(chat_id AS TEXT) = :chat AND :private = 1",
        None,
        "message ids only; a slot is replaced by the next message",
    ),
    Holding(
        "jsonl_chats",
        ("chat_id",),
        "DELETE FROM jsonl_chats WHERE chat_id = :chat AND :private = 1",
        "DELETE FROM jsonl_chats WHERE first_at < :iso",
    ),
    Holding(
        "console_notes",
        ("text",),
        "DELETE FROM console_notes WHERE ticket_id IN "
        "(SELECT id FROM tickets WHERE session_key = :key)",
        "DELETE FROM console_notes WHERE ticket_id NOT IN (SELECT id FROM tickets)",
    ),
    Holding(
        "console_sent",
        (),
        "DELETE FROM console_sent WHERE ticket_id IN "
        "(SELECT id FROM tickets WHERE session_key = :key)",
        "DELETE FROM console_sent WHERE ticket_id NOT IN (SELECT id FROM tickets)",
    ),
    Holding(
        "faq",
        ("variants",),
        "",  # reworded in Python: ``_reword_curated``
        None,
        "curated answers are the office's; the user's wording goes with the ticket",
    ),
    Holding(
        "qa_log",
        ("question", "answer"),
        "DELETE FROM qa_log WHERE session_key = :key",
        "DELETE FROM qa_log WHERE asked_at < :iso",
    ),
    Holding(
        "tickets",
        ("question", "transcript", "facts", "answer", "clauses"),
        "DELETE FROM tickets WHERE session_key = :key",
        "DELETE FROM tickets WHERE status = 'resolved' AND resolved_at < :iso",
    ),
)

# Text columns that hold no user's words, with the reason (the privacy test reads this).
NO_USER_TEXT: dict[str, str] = {
    "schema_versions.component": "component names",
    "sessions.chat_id": "the chat's id",
    "sessions.updated_at": "a time",
    "tickets.*": "ids, times, states, units: only the columns in HOLDINGS carry words",
    "qa_log.*": "ids, times, states: only the columns in HOLDINGS carry words",
    "faq.*": "the office's answer, clause keys, staff names, times",
    "tg_outbox.slot": "a slot name",
    "tg_slots.slot": "a slot name",
    "tg_callbacks.*": "button ids the assistant made, no user text",
    "jsonl_chats.first_at": "a time",
    "console_staff.*": "staff accounts",
    "console_sessions.*": "staff log-ins",
    "console_audit.*": "staff actions on ticket numbers and document names",
    "console_notes.author": "a staff name",
    "console_notes.at": "a time",
    "console_sent.*": "ids and times",
    "leases.*": "job names, worker host names and process ids, times",
    "channel_inbox.channel": "a channel name",
    "channel_inbox.key": "a message id (kept so a repeat is recognised)",
    "channel_inbox.chat": "the chat's id",
    "channel_outbox.channel": "a channel name",
    "channel_outbox.chat": "the chat's id",
    "channel_outbox.source": "the id of the message answered",
    "channel_undelivered.channel": "a channel name",
    "channel_undelivered.chat": "the chat's id",
}


def split_key(session_key: str) -> tuple[str, str]:
    """(chat, user) of a session key: "chat:user" for a member of a Telegram group (a negative
    number), else the whole chat ("42", "wx:<openid>") and no user."""
    head, sep, tail = session_key.partition(":")
    if sep and head.lstrip("-").isdigit():
        return head, tail
    return session_key, ""


def _tables(db: Connection) -> set[str]:
    return tables(db)


def forget(db: Connection, session_key: str) -> int:
    """Remove every row kept about one conversation (inside the caller's transaction); the
    number of rows removed or reworded."""
    chat, user = split_key(session_key)
    params = {"key": session_key, "chat": chat, "user": user, "private": int(not user)}
    present = _tables(db)
    count = 0
    if {"faq", "tickets"} <= present:
        count += _reword_curated(db, session_key)
    for holding in HOLDINGS:
        if holding.table in present and holding.forget:
            if "tickets" in holding.forget and "tickets" not in present:
                continue
            count += max(db.execute(holding.forget, params).rowcount, 0)
    return count


def expire(db: Connection, cutoff: datetime) -> int:
    """Drop what every table holds from before ``cutoff``; the count of rows."""
    params = {"iso": iso(cutoff), "epoch": cutoff.timestamp()}
    present = _tables(db)
    count = 0
    for holding in reversed(HOLDINGS):  # tickets first: their notes follow them
        if holding.table in present and holding.expire:
            if "tickets" in holding.expire and "tickets" not in present:
                continue
            count += max(db.execute(holding.expire, params).rowcount, 0)
    return count


def _reword_curated(db: Connection, session_key: str) -> int:
    """Curated answers made from the conversation's tickets lose the user's wording."""
    tickets = db.execute(
        "SELECT id, question FROM tickets WHERE session_key = ?", (session_key,)
    ).fetchall()
    if not tickets:
        return 0
    asked = {normalize(mask(str(q))) for _, q in tickets}
    if "qa_log" in _tables(db):
        rows = db.execute("SELECT question FROM qa_log WHERE session_key = ?", (session_key,))
        asked |= {normalize(str(q)) for (q,) in rows}
    count = 0
    for ticket_id, _question in tickets:
        for faq_id, raw, status in db.execute(
            "SELECT id, variants, status FROM faq WHERE ticket_id = ?", (ticket_id,)
        ).fetchall():
            variants = [v for v in json.loads(raw) if normalize(v) not in asked]
            if not variants:
                variants, status = [REWORD], "suggested" if status == "approved" else status
            db.execute(
                "UPDATE faq SET variants = ?, status = ?, ticket_id = NULL WHERE id = ?",
                (json.dumps(variants, ensure_ascii=False), status, faq_id),
            )
            count += 1
    return count
