"""The tables of the shared inbox and outbox (``Store.migrate("channels.durable", STEPS)``)."""

from __future__ import annotations

from typing import Final

COMPONENT: Final = "channels.durable"

STEPS: tuple[str, ...] = (
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
)
