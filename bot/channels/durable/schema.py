"""The tables of the shared inbox and outbox (``Store.migrate("channels.durable", STEPS)``)."""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from bot.store.base import Step

COMPONENT: Final = "channels.durable"


def _number_inbox(db: Any) -> None:
    """Step 2: the inbox numbers its rows (``id``) on both backends, where SQLite's hidden
    ``rowid`` gave the order of messages received in the same instant."""
    tiebreak = "rowid" if isinstance(db, sqlite3.Connection) else "key"
    db.execute(
        """
CREATE TABLE channel_inbox_numbered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    chat TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at REAL NOT NULL,
    done_at REAL,
    UNIQUE (channel, key)
)"""
    )
    db.execute(
        "INSERT INTO channel_inbox_numbered (channel, key, chat, payload, received_at, done_at) "
        "SELECT channel, key, chat, payload, received_at, done_at FROM channel_inbox "
        f"ORDER BY received_at, {tiebreak}"
    )
    db.execute("DROP TABLE channel_inbox")
    db.execute("ALTER TABLE channel_inbox_numbered RENAME TO channel_inbox")
    db.execute(
        "CREATE INDEX IF NOT EXISTS channel_inbox_pending "
        "ON channel_inbox (channel, done_at, received_at)"
    )


STEPS: tuple[Step, ...] = (
    """
CREATE TABLE IF NOT EXISTS channel_inbox (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    chat TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at REAL NOT NULL,
    done_at REAL,
    PRIMARY KEY (channel, key)
);
CREATE INDEX IF NOT EXISTS channel_inbox_pending ON channel_inbox (channel, done_at, received_at);
CREATE TABLE IF NOT EXISTS channel_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    chat TEXT NOT NULL,
    source TEXT,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    next_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_at REAL
);
CREATE INDEX IF NOT EXISTS channel_outbox_chat ON channel_outbox (channel, chat, id);
CREATE INDEX IF NOT EXISTS channel_outbox_source ON channel_outbox (channel, source);
CREATE TABLE IF NOT EXISTS channel_undelivered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    chat TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    created_at REAL NOT NULL,
    given_up_at REAL NOT NULL
);
""",
    _number_inbox,
    # Step 3: when a worker took a message on: another takes over a message whose worker
    # died (several workers on one PostgreSQL database, ``inbox.take_over``).
    "ALTER TABLE channel_inbox ADD COLUMN taken_at REAL",
)
