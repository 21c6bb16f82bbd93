"""The outbox table: a turn's replies rendered and written inside the turn's own transaction,
the slots of edited messages, and the button data too long for Telegram.

* Writing: ``queue_replies`` renders a turn's replies into the outbox inside the turn's own
  transaction (with the session and the inbox update marked done), so a crash either keeps
  both or neither. ``Reply.to`` picks the recipient, else the chat the turn came from.
* Slots: a reply with ``slot`` edits the message last sent with the same (chat, slot) in place;
  ``tg_slots`` keeps slot -> message id; ``slot_of`` answers the reverse (a user's reply to a
  slotted message).
* Button data: option ids too long for 64 bytes are kept in ``tg_callbacks`` (bounded, oldest
  dropped), so buttons keep working after a restart.
* ``OutboxSender`` (``delivery``) sends the rows; ``Queued`` is one of them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.domain import Reply
from bot.store.base import Connection

from .render import Outgoing, callback_key, fits, keyboard_from_json, keyboard_json, render

_log = logging.getLogger(__name__)

OUTBOX_STEPS: tuple[str, ...] = (
    """
CREATE TABLE IF NOT EXISTS tg_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    slot TEXT,
    html TEXT NOT NULL,
    plain TEXT NOT NULL,
    keyboard TEXT NOT NULL,
    update_id INTEGER,
    created_at REAL NOT NULL,
    next_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    timeouts INTEGER NOT NULL DEFAULT 0,
    plain_only INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS tg_outbox_chat ON tg_outbox (chat_id, id);
CREATE TABLE IF NOT EXISTS tg_undelivered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    plain TEXT NOT NULL,
    error TEXT NOT NULL,
    created_at REAL NOT NULL,
    given_up_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tg_slots (
    chat_id INTEGER NOT NULL,
    slot TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (chat_id, slot)
);
CREATE INDEX IF NOT EXISTS tg_slots_message ON tg_slots (chat_id, message_id);
CREATE TABLE IF NOT EXISTS tg_callbacks (
    key TEXT PRIMARY KEY,
    option_id TEXT NOT NULL,
    created_at REAL NOT NULL
);
""",
)

MAX_CALLBACKS = 100_000  # long option ids kept for buttons; the oldest go first
MAX_SLOTS = 100_000


class StoredCallbacks:
    """Callback data for long option ids, kept in the store inside the caller's transaction."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def encode(self, option_id: str) -> str:
        if fits(option_id):
            return option_id
        key = callback_key(option_id)
        self.db.execute(
            "INSERT INTO tg_callbacks (key, option_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET created_at = excluded.created_at",
            (key, option_id, time.time()),
        )
        return key

    def decode(self, data: str) -> str:
        row = self.db.execute(
            "SELECT option_id FROM tg_callbacks WHERE key = ?", (data,)
        ).fetchone()
        return str(row[0]) if row else data


def recipient(reply: Reply, chat_id: int) -> int | None:
    """Where a reply goes: ``Reply.to`` as a Telegram chat id, else the turn's chat; None for a
    recipient that is not a Telegram chat."""
    if reply.to is None:
        return chat_id
    try:
        return int(reply.to)
    except ValueError:
        return None


def queue_replies(
    db: Connection, chat_id: int, replies: Iterable[Reply], update_id: int | None
) -> int:
    """Render ``replies`` into the outbox (inside the caller's transaction); returns how many
    messages were queued."""
    codec = StoredCallbacks(db)
    now = time.time()
    queued = 0
    for reply in replies:
        target = recipient(reply, chat_id)
        if target is None:
            if forward_elsewhere(db, reply):
                queued += 1
            else:
                _log.error("reply to an unknown recipient %r dropped", reply.to)
            continue
        messages = render(reply, codec)
        for i, message in enumerate(messages):
            slot = reply.slot if i == len(messages) - 1 else None
            db.execute(
                "INSERT INTO tg_outbox (chat_id, slot, html, plain, keyboard, update_id, "
                "created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    target,
                    slot,
                    message.html,
                    message.plain,
                    keyboard_json(message.keyboard),
                    update_id,
                    now,
                    now,
                ),
            )
            queued += 1
    if queued and random.random() < 0.01:
        _prune(db)
    return queued


def forward_elsewhere(db: Connection, reply: Reply) -> bool:
    """A reply for a user of another channel (a staff answer typed in the Telegram staff
    group to a WeChat user, ``wx:<openid>``): into the shared outbox that channel reads."""
    from bot.channels.durable import enqueue
    from bot.channels.durable.outbox import reply_payload

    if reply.to is None or not reply.to.startswith("wx:"):
        return False
    enqueue(db, "wechat", reply.to, reply_payload(reply))
    return True


def _prune(db: Connection) -> None:
    for table, column, cap in (
        ("tg_callbacks", "created_at", MAX_CALLBACKS),
        ("tg_slots", "updated_at", MAX_SLOTS),
    ):
        db.execute(  # older than the cap-th newest (nothing while there are fewer)
            f"DELETE FROM {table} WHERE {column} < "
            f"(SELECT {column} FROM {table} ORDER BY {column} DESC LIMIT 1 OFFSET ?)",
            (cap,),
        )


def slot_of(db: Connection, chat_id: int, message_id: int) -> str | None:
    """The slot of one of our messages in a chat, if it had one."""
    row = db.execute(
        "SELECT slot FROM tg_slots WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
    ).fetchone()
    return str(row[0]) if row else None


@dataclass(frozen=True)
class Queued:
    """One row of the outbox."""

    id: int
    chat_id: int
    slot: str | None
    message: Outgoing
    created_at: float
    next_at: float
    attempts: int
    timeouts: int
    plain_only: bool

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Queued:
        rid, chat, slot, html, plain, keys, created, next_at, attempts, timeouts, plain_only = row
        return cls(
            int(rid),
            int(chat),
            slot,
            Outgoing(html, plain, keyboard_from_json(keys)),
            float(created),
            float(next_at),
            int(attempts),
            int(timeouts),
            bool(plain_only),
        )


OUTBOX_COLUMNS = (
    "id, chat_id, slot, html, plain, keyboard, created_at, next_at, attempts, timeouts, plain_only"
)
