"""The shared outbox: replies queued for (channel, chat), deleted once handed over.

Rows are written inside the turn's transaction (``enqueue``), so a crash keeps both the
session and its replies or neither. A channel hands a row over in one of three ways and
deletes it in the same step: as the answer to the message it replies to (``claim_source``:
WeChat's passive reply), with the chat's next message (``pending_for`` + ``take``), or by its
own sender (``due`` rows, ``reschedule`` on failure, ``give_up`` into ``channel_undelivered``
so that nothing is dropped without a trace).

``enqueue_reply`` is the channel-neutral entry point for code that is not a channel (the
staff console, a staff reply typed in another channel): a ``Reply`` for (channel, chat).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from bot.domain import Reply
from bot.store import Store
from bot.store.base import Connection, for_update

from .schema import COMPONENT, STEPS

_log = logging.getLogger(__name__)

# Answers handed over to a request are kept this long: a peer that did not get one asks again
# (WeChat retries three times, 5 s apart), and gets the same answer, not a second turn.
CLAIM_KEEP_S = 60.0


def prepare(store: Store) -> None:
    """Create or upgrade the shared tables, and Telegram's outbox that ``enqueue_reply``
    writes for the staff group (idempotent; every channel calls it at start)."""
    from bot.channels.telegram.outbox import OUTBOX_STEPS

    store.migrate(COMPONENT, STEPS)
    store.migrate("telegram.outbox", OUTBOX_STEPS)


@dataclass(frozen=True)
class Queued:
    """One row of the outbox."""

    id: int
    channel: str
    chat: str
    source: str | None
    payload: dict[str, Any]
    created_at: float
    attempts: int


_COLUMNS = "id, channel, chat, source, payload, created_at, attempts"


def _row(r: tuple[Any, ...]) -> Queued:
    return Queued(int(r[0]), str(r[1]), str(r[2]), r[3], json.loads(r[4]), float(r[5]), int(r[6]))


def reply_payload(reply: Reply) -> dict[str, Any]:
    """What the outbox keeps of a reply: its JSON form without the recipient."""
    data = reply.to_json()
    data.pop("to", None)
    return data


def enqueue(
    db: Connection,
    channel: str,
    chat: str,
    payload: dict[str, Any],
    source: str | None = None,
    not_before: float | None = None,
) -> int:
    """Queue one message (inside the caller's transaction); returns its id. ``source`` is the
    inbox key of the message it answers; ``not_before`` holds it back from the sender."""
    now = time.time()
    cursor = db.execute(
        "INSERT INTO channel_outbox (channel, chat, source, payload, created_at, next_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (channel, chat, source, json.dumps(payload, ensure_ascii=False), now, not_before or now),
    )
    return int(cursor.lastrowid or 0)


def enqueue_reply(db: Connection, channel: str, chat: str, reply: Reply) -> int:
    """Queue ``reply`` for ``chat`` of ``channel`` in the outbox that channel's sender reads;
    returns how many messages were queued."""
    if channel == "telegram":
        # Telegram's sender reads its own table of rendered messages (HTML, keyboards).
        from bot.channels.telegram.outbox import queue_replies

        return queue_replies(db, int(chat), [replace(reply, to=None)], None)
    enqueue(db, channel, chat, reply_payload(reply))
    return 1


def claim_source(
    store: Store, channel: str, source: str, again: bool = False
) -> list[dict[str, Any]]:
    """The queued answers to one message, oldest first, marked as handed over: at most one
    caller gets them. ``again``: those handed over before, for a peer that asks for the same
    message again because the earlier answer never reached it (WeChat retries only then).
    Handed-over rows are kept ``CLAIM_KEEP_S`` for that, then deleted."""
    now = time.time()
    with store.transaction() as tx:
        tx.db.execute(
            "DELETE FROM channel_outbox WHERE claimed_at IS NOT NULL AND claimed_at < ?",
            (now - CLAIM_KEEP_S,),
        )
        rows = tx.db.execute(
            "SELECT id, payload FROM channel_outbox WHERE channel = ? AND source = ? AND "
            f"claimed_at IS {'NOT ' if again else ''}NULL ORDER BY id{for_update(tx.db)}",
            (channel, source),
        ).fetchall()
        if rows:
            tx.db.execute(
                f"UPDATE channel_outbox SET claimed_at = ? WHERE id IN ({','.join('?' * len(rows))})",
                [now, *[int(r[0]) for r in rows]],
            )
    return [json.loads(r[1]) for r in rows]


def pending_for(db: Connection, channel: str, chat: str) -> list[Queued]:
    """Everything queued for one chat, oldest first (inside the caller's transaction)."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM channel_outbox WHERE channel = ? AND chat = ? "
        f"AND claimed_at IS NULL ORDER BY id{for_update(db)}",
        (channel, chat),
    ).fetchall()
    return [_row(r) for r in rows]


def take(db: Connection, ids: list[int]) -> None:
    """Delete handed-over rows (inside the caller's transaction)."""
    if ids:
        db.execute(f"DELETE FROM channel_outbox WHERE id IN ({','.join('?' * len(ids))})", ids)


def due(store: Store, channel: str, limit: int = 500) -> list[Queued]:
    """The oldest row of each chat of ``channel`` that is due now."""
    with store.reading() as db:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM channel_outbox WHERE id IN (SELECT MIN(id) FROM "
            "channel_outbox WHERE channel = ? AND claimed_at IS NULL GROUP BY chat) "
            "AND next_at <= ? "
            "ORDER BY next_at LIMIT ?",
            (channel, time.time(), limit),
        ).fetchall()
    return [_row(r) for r in rows]


def lease(store: Store, row_id: int, seconds: float) -> bool:
    """Take a due row for sending (several workers send from one outbox): True for the one
    caller that gets it. It is not due again for ``seconds``: if the sender dies before it
    is deleted, another sends it then."""
    now = time.time()
    with store.transaction() as tx:
        cursor = tx.db.execute(
            "UPDATE channel_outbox SET next_at = ? WHERE id = ? AND claimed_at IS NULL "
            "AND next_at <= ?",
            (now + seconds, row_id, now),
        )
    return cursor.rowcount > 0


def count(store: Store, channel: str) -> int:
    with store.reading() as db:
        row = db.execute(
            "SELECT COUNT(*) FROM channel_outbox WHERE channel = ? AND claimed_at IS NULL",
            (channel,),
        ).fetchone()
    return int(row[0])


def reschedule(store: Store, row_id: int, delay: float, attempts: int, error: str) -> None:
    """Try a row again later."""
    with store.transaction() as tx:
        tx.db.execute(
            "UPDATE channel_outbox SET next_at = ?, attempts = ?, last_error = ? WHERE id = ?",
            (time.time() + delay, attempts, error[:500], row_id),
        )


def hold_chat(db: Connection, channel: str, chat: str, delay: float) -> None:
    """Hold a chat's rows back from the sender (they go with the chat's next message)."""
    db.execute(
        "UPDATE channel_outbox SET next_at = ? WHERE channel = ? AND chat = ?",
        (time.time() + delay, channel, chat),
    )


def give_up(store: Store, row: Queued, error: str) -> None:
    """Move a row that cannot be delivered to ``channel_undelivered`` and say so in the log."""
    _log.error(
        "%s message to %s NOT delivered (%s): %.80r",
        row.channel,
        row.chat,
        error,
        row.payload.get("text", ""),
    )
    with store.transaction() as tx:
        tx.db.execute("DELETE FROM channel_outbox WHERE id = ?", (row.id,))
        tx.db.execute(
            "INSERT INTO channel_undelivered (channel, chat, payload, error, created_at, "
            "given_up_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                row.channel,
                row.chat,
                json.dumps(row.payload, ensure_ascii=False),
                error[:500],
                row.created_at,
                time.time(),
            ),
        )
