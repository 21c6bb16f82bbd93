"""The turn: load the session, handle the event, save, log, all in one transaction.

Every channel calls ``Conversation.turn`` and nothing else touches the store during a turn;
the dialogue itself does no I/O. ``within`` lets a channel add its own writes to the same
transaction (mark an inbox update done, queue the replies in an outbox), so an update that
is replayed after a crash never meets a session that already moved on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.dialogue import handle
from bot.domain import Incoming, Turn
from bot.errors import StoreBusy, StoreUnavailable
from bot.store import Store, StoreTx

if TYPE_CHECKING:
    from bot.services import Services

_log = logging.getLogger(__name__)

Within = Callable[[StoreTx, Turn], None]
_ATTEMPTS = 5


class Conversation:
    """Runs turns for any channel against one store."""

    def __init__(self, services: Services, store: Store) -> None:
        self.services = services
        self.store = store

    def turn(self, incoming: Incoming, today: date, within: Within | None = None) -> Turn:
        """Handle ``incoming`` against its session; the session, the log entries and whatever
        ``within`` writes are committed together, or not at all (the exception propagates)."""
        key = incoming.session_key
        if incoming.at is None:  # the dialogue is pure: the time arrives with the event
            incoming = replace(incoming, at=datetime.now(UTC))
        # The dialogue runs outside the write lock (answering takes milliseconds of CPU that
        # other chats should not wait for); the commit checks that nobody saved the session
        # in between, and runs the turn again on the newer session if somebody did.
        for _ in range(_ATTEMPTS):
            raw = self.store.raw_session(key)
            session = self.store.session_from_raw(key, raw)
            turn = handle(session, incoming, self.services, today)
            with self.store.transaction() as tx:
                if tx.raw_session(key) != raw:
                    continue
                tx.save_session(turn.session)
                for entry in turn.log:
                    tx.log(key, entry)
                if within is not None:
                    within(tx, turn)
            return turn
        raise StoreBusy(f"session {key} changed {_ATTEMPTS} times during one turn")

    def answer_unstored(self, incoming: Incoming, today: date, reason: str) -> Turn:
        """The turn when the store cannot be written (disk full, locked): the user still gets
        an answer, from the last session that can be read (or a new one), and the log says
        what was not stored."""
        key = incoming.session_key
        try:
            session = self.store.session_from_raw(key, self.store.raw_session(key))
        except StoreUnavailable:
            session = self.store.session_from_raw(key, None)
        turn = handle(session, incoming, self.services, today)
        _log.error(
            "NOT stored (%s): the session of %s and %d question log entries; answered anyway",
            reason,
            key,
            len(turn.log),
        )
        return turn
