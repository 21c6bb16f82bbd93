"""The durable inbox and outbox that channels share (one machinery, rows keyed by channel).

* ``inbox``: every incoming message is stored under (channel, key) before its turn runs; a
  repeat of a stored key is recognised (WeChat's retries, Telegram's re-sent updates); the
  row is marked done inside the turn's own transaction, so after a crash exactly the messages
  whose turn never committed are run again.
* ``outbox``: replies are queued for (channel, chat) inside the turn's transaction and deleted
  when the channel has handed them over; what cannot be handed over is kept
  (``channel_undelivered``), never silently dropped. ``enqueue_reply`` is the channel-neutral
  entry point for code outside a channel (the staff console, a staff reply from another
  channel): it routes a ``Reply`` to the outbox its channel reads.

The tables are versioned with ``Store.migrate("channels.durable", STEPS)``.
"""

from __future__ import annotations

from .inbox import (
    AlreadyDone,
    earlier_unfinished,
    mark_done,
    store_message,
    take_over,
    unfinished,
)
from .outbox import (
    Queued,
    claim_source,
    enqueue,
    enqueue_reply,
    give_up,
    pending_for,
    prepare,
    take,
)
from .schema import STEPS

__all__ = [
    "STEPS",
    "AlreadyDone",
    "Queued",
    "claim_source",
    "earlier_unfinished",
    "enqueue",
    "enqueue_reply",
    "give_up",
    "mark_done",
    "pending_for",
    "prepare",
    "store_message",
    "take",
    "take_over",
    "unfinished",
]
