"""Leases: one holder at a time for a named job (Telegram's long polling), across workers
and machines that share the database, taken over when the holder stops renewing it.

A lease is a row (name, holder, until). ``acquire`` takes it when it is free, expired or
already the caller's, and pushes its end ``ttl`` seconds ahead (so it is also the renewal);
``release`` frees it at once for a standby. Time is the database clients' clock: the
workers' clocks must agree within a fraction of the ttl (NTP does far better).
"""

from __future__ import annotations

import time

from bot.store.base import Database, Step

COMPONENT = "leases"
STEPS: tuple[Step, ...] = (
    """
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until REAL NOT NULL
)
""",
)


def prepare(database: Database) -> None:
    database.migrate(COMPONENT, STEPS)


def acquire(database: Database, name: str, holder: str, ttl: float) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``ttl`` seconds from now; False
    while somebody else holds it."""
    now = time.time()
    with database.transaction() as db:
        cursor = db.execute(
            "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            "WHERE leases.holder = excluded.holder OR leases.until < ?",
            (name, holder, now + ttl, now),
        )
    return cursor.rowcount > 0


def release(database: Database, name: str, holder: str) -> None:
    """Give the lease up (if ``holder`` has it), so a standby takes it at once."""
    with database.transaction() as db:
        db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))


def holder_of(database: Database, name: str) -> str | None:
    """Who holds the lease now (None: nobody, or it expired)."""
    with database.reading() as db:
        row = db.execute(
            "SELECT holder FROM leases WHERE name = ? AND until >= ?", (name, time.time())
        ).fetchone()
    return None if row is None else str(row[0])
