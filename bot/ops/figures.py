"""The figures an operator watches, read from the database (read-only, portable SQL).

Outboxes: Telegram's ``tg_outbox`` and the shared ``channel_outbox`` (WeChat), with the
replies given up on (``tg_undelivered``, ``channel_undelivered``); the staff desk's tickets.
A table that this deployment never created (no Telegram bot, no staff desk) gives no figure
rather than an error: each figure is read on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger(__name__)

# A reply due this long ago that nobody has sent nor rescheduled: no sender is working.
STUCK_AFTER_S = 300.0

Reading = Callable[[], AbstractContextManager[Any]]


@dataclass(frozen=True)
class Outbox:
    channel: str
    depth: int  # replies waiting (not given up)
    oldest_age: float  # seconds since the oldest waiting reply was written (0 when none)
    overdue: float  # seconds the most overdue reply is past its due time (0 when none)
    undelivered: int  # replies given up on, kept for staff


@dataclass(frozen=True)
class Figures:
    outboxes: tuple[Outbox, ...]
    open_tickets: int | None  # waiting or answered, not resolved; None: no staff desk


def read_figures(reading: Reading, now: float | None = None) -> Figures:
    """Every figure that can be read now (``reading``: a store's ``reading`` method)."""
    now = time.time() if now is None else now
    outboxes = [*_telegram(reading, now), *_channels(reading, now)]
    tickets = _one(reading, "SELECT COUNT(*) FROM tickets WHERE status <> ?", ("resolved",))
    return Figures(tuple(outboxes), None if tickets is None else int(tickets[0]))


def reachable(reading: Reading) -> str | None:
    """None when the database answers, else why not."""
    try:
        with reading() as db:
            db.execute("SELECT 1").fetchone()
    except Exception as exc:  # whatever the driver raises, the operator needs the reason
        return f"database unreachable: {exc}"
    return None


def _telegram(reading: Reading, now: float) -> Iterator[Outbox]:
    row = _one(
        reading,
        "SELECT COUNT(*), MIN(created_at), MIN(next_at) FROM tg_outbox",
        (),
    )
    gone = _one(reading, "SELECT COUNT(*) FROM tg_undelivered", ())
    if row is not None:
        yield _outbox("telegram", row, int(gone[0]) if gone else 0, now)


def _channels(reading: Reading, now: float) -> Iterator[Outbox]:
    rows = _all(
        reading,
        "SELECT channel, COUNT(*), MIN(created_at), MIN(next_at) FROM channel_outbox "
        "WHERE claimed_at IS NULL GROUP BY channel",
    )
    gone = dict(
        (str(r[0]), int(r[1]))
        for r in _all(reading, "SELECT channel, COUNT(*) FROM channel_undelivered GROUP BY channel")
        or []
    )
    if rows is None:
        return
    seen = set()
    for channel, *rest in rows:
        seen.add(str(channel))
        yield _outbox(str(channel), tuple(rest), gone.get(str(channel), 0), now)
    for channel in sorted(set(gone) - seen):
        yield Outbox(channel, 0, 0.0, 0.0, gone[channel])


def _outbox(channel: str, row: tuple[Any, ...], undelivered: int, now: float) -> Outbox:
    depth, created, due = int(row[0] or 0), row[1], row[2]
    return Outbox(
        channel,
        depth,
        max(0.0, now - float(created)) if depth and created is not None else 0.0,
        max(0.0, now - float(due)) if depth and due is not None else 0.0,
        undelivered,
    )


def _one(reading: Reading, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    rows = _all(reading, sql, params)
    return rows[0] if rows else None


def _all(reading: Reading, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]] | None:
    try:
        with reading() as db:
            return [tuple(r) for r in db.execute(sql, params).fetchall()]
    except Exception as exc:  # no such table here (this deployment has no such channel)
        _log.debug("figure not read (%s): %s", sql.split(" FROM ", 1)[-1].split()[0], exc)
        return None
