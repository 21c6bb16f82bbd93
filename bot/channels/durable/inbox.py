"""The shared inbox: a message is stored under (channel, key) before its turn runs.

``key`` is whatever identifies a message to its channel across repeats (WeChat's ``MsgId``,
or sender + time for an event; Telegram's ``update_id``). ``store_message`` says whether the
message is new; a repeat is never run again. ``mark_done`` runs inside the turn's own
transaction, so ``unfinished`` lists exactly the messages whose turn never committed.

Several workers: the worker that stored a message runs its turn (``taken_at``); a repeat that
reaches another worker while the message is still unfinished long after it was taken (its
worker died) is taken over there (``take_over``). Should both finish it, ``mark_done`` tells
the second (False) and that turn's transaction is rolled back: one turn per message.
"""

from __future__ import annotations

import json
import time
from typing import Any, Final, Literal

from bot.store import Store
from bot.store.base import Connection

KEEP_S: Final = 7 * 24 * 3600.0  # done messages kept this long, so late repeats are known
_PRUNE_EVERY: Final = 500

State = Literal["new", "pending", "done"]


def store_message(
    store: Store, channel: str, key: str, chat: str, payload: dict[str, Any]
) -> State:
    """Store a message unless its key is known; "new" when it was stored now, else the state
    of the stored one ("pending": its turn has not committed, "done")."""
    now = time.time()
    with store.transaction() as tx:
        cursor = tx.db.execute(
            "INSERT OR IGNORE INTO channel_inbox (channel, key, chat, payload, received_at, "
            "taken_at) VALUES (?, ?, ?, ?, ?, ?)",
            (channel, key, chat, json.dumps(payload, ensure_ascii=False), now, now),
        )
        if cursor.rowcount:
            rowid = int(cursor.lastrowid or 0)
            if rowid % _PRUNE_EVERY == 0:
                _prune(tx.db, now)
            return "new"
        row = tx.db.execute(
            "SELECT done_at FROM channel_inbox WHERE channel = ? AND key = ?", (channel, key)
        ).fetchone()
    return "pending" if row is None or row[0] is None else "done"


def _prune(db: Connection, now: float) -> None:
    # The newest row of each channel stays: Telegram's next offset is read from it.
    db.execute(
        "DELETE FROM channel_inbox WHERE done_at IS NOT NULL AND done_at < ? AND id NOT IN "
        "(SELECT MAX(id) FROM channel_inbox GROUP BY channel)",
        (now - KEEP_S,),
    )


def unfinished(store: Store, channel: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(key, chat, payload) of the stored messages whose turn never committed, oldest first."""
    with store.reading() as db:
        rows = db.execute(
            "SELECT key, chat, payload FROM channel_inbox WHERE channel = ? AND done_at IS NULL "
            "ORDER BY received_at, id",
            (channel,),
        ).fetchall()
    return [(str(r[0]), str(r[1]), json.loads(r[2])) for r in rows]


def mark_done(db: Connection, channel: str, key: str) -> bool:
    """Inside the transaction of the message's turn; False when it was done already (by
    another worker that took it over: the caller rolls its turn back)."""
    cursor = db.execute(
        "UPDATE channel_inbox SET done_at = ? WHERE channel = ? AND key = ? AND done_at IS NULL",
        (time.time(), channel, key),
    )
    return cursor.rowcount > 0


def earlier_unfinished(
    store: Store, channel: str, chat: str, key: str, fresh_within: float
) -> str | None:
    """The key of the latest message of ``chat`` stored before message ``key`` whose turn
    has not committed and that a worker took less than ``fresh_within`` seconds ago (it is
    being answered; one left behind, e.g. answered while the store was down, is not)."""
    with store.reading() as db:
        row = db.execute(
            "SELECT key FROM channel_inbox WHERE channel = ? AND chat = ? AND done_at IS NULL "
            "AND taken_at >= ? "
            "AND id < (SELECT id FROM channel_inbox WHERE channel = ? AND key = ?) "
            "ORDER BY id DESC LIMIT 1",
            (channel, chat, time.time() - fresh_within, channel, key),
        ).fetchone()
    return None if row is None else str(row[0])


class AlreadyDone(Exception):
    """The message's turn was committed by another worker: roll this one back."""


def take_over(
    store: Store, channel: str, key: str, stale_after: float
) -> Literal["taken", "done", "busy"]:
    """Take on a stored message whose turn has not committed ``stale_after`` seconds after a
    worker took it (that worker died, or hangs): "taken" for the one caller that gets it,
    "done" once its turn committed, "busy" while its worker may still be running it."""
    now = time.time()
    with store.transaction() as tx:
        cursor = tx.db.execute(
            "UPDATE channel_inbox SET taken_at = ? WHERE channel = ? AND key = ? "
            "AND done_at IS NULL AND (taken_at IS NULL OR taken_at < ?)",
            (now, channel, key, now - stale_after),
        )
        if cursor.rowcount > 0:
            return "taken"
        row = tx.db.execute(
            "SELECT done_at FROM channel_inbox WHERE channel = ? AND key = ?", (channel, key)
        ).fetchone()
    return "busy" if row is not None and row[0] is None else "done"


def store_batch(
    store: Store, channel: str, items: list[tuple[str, str, dict[str, Any]]], done: bool = False
) -> list[str]:
    """Store several messages (key, chat, payload) in one transaction, in the order given;
    returns the keys that were new. ``done`` stores them as already handled (answered while
    the store was unavailable)."""
    now = time.time()
    new: list[str] = []
    with store.transaction() as tx:
        for key, chat, payload in items:
            cursor = tx.db.execute(
                "INSERT OR IGNORE INTO channel_inbox (channel, key, chat, payload, received_at, "
                "done_at, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (channel, key, chat, json.dumps(payload, ensure_ascii=False), now,
                 now if done else None, now),
            )  # fmt: skip
            if cursor.rowcount:
                new.append(key)
                if int(cursor.lastrowid or 0) % _PRUNE_EVERY == 0:
                    _prune(tx.db, now)
    return new
