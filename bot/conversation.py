"""The turn, the only one: load the session, handle the event, apply what the turn says to
write, commit, for every channel.

``Conversation.turn(incoming, today, within)`` is the one call a channel makes. The dialogue
(with the staff desk's stage in its router, when a desk is given) does no I/O and returns a
``Turn``: the new session, the replies, the log entries and the effects (a ticket to open, a
👍 to record, staff answers to deliver). This module alone writes them, in one transaction
with whatever ``within`` adds (a channel marks its inbox update done and queues the replies
in its outbox), so an update replayed after a crash never meets a session that already moved
on, and a ticket is never opened for a turn that was not stored.

Each turn runs on one snapshot of the services: an index generation swapped in by
``Services.refresh_if_stale`` during the turn is used from the next turn on, never half.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.dialogue import handle
from bot.domain import Forget, Incoming, Reply, Turn
from bot.errors import StoreBusy, StoreUnavailable
from bot.store import Store, StoreTx, personal

if TYPE_CHECKING:
    from bot.services import Services
    from bot.staff.desk import StaffDesk

_log = logging.getLogger(__name__)

Within = Callable[[StoreTx, Turn], None]
_ATTEMPTS = 5


class Conversation:
    """Runs turns for any channel against one store (and the staff desk, when given)."""

    def __init__(self, services: Services, store: Store, desk: StaffDesk | None = None) -> None:
        self.services = services
        self.store = store
        self.desk = desk
        self._purged: date | None = None

    def with_desk(self, desk: StaffDesk) -> Conversation:
        """The same conversation with the staff desk as a stage of every turn."""
        return Conversation(self.services, self.store, desk)

    def turn(
        self,
        incoming: Incoming,
        today: date,
        within: Within | None = None,
        now: datetime | None = None,
    ) -> Turn:
        """Handle ``incoming`` against its session; the session, the log entries, the effects
        and whatever ``within`` writes are committed together, or not at all (the exception
        propagates). ``now`` pins the clock (tests); by default the event's time."""
        key = incoming.session_key
        moment = now or incoming.at or datetime.now(UTC)
        if incoming.at is None:  # the dialogue is pure: the time arrives with the event
            incoming = replace(incoming, at=moment)
        services = self.services.snapshot(self.desk)
        started = time.perf_counter()
        self._purge_once_a_day(today, moment)
        if self.desk is not None:
            self.desk.faq.refresh()  # the curated answers the stage matches, read here
        # The dialogue runs outside the write lock (answering takes milliseconds of CPU that
        # other chats should not wait for); the commit checks that nobody saved the session
        # in between, and runs the turn again on the newer session if somebody did. Under
        # the session's lock (PostgreSQL: another worker's turn of this session waits for our
        # commit; SQLite lets one writer in anyway) the check sees the latest commit.
        for _ in range(_ATTEMPTS):
            raw = self.store.raw_session(key)
            session = self.store.session_from_raw(key, raw)
            turn = handle(session, incoming, services, today)
            with self.store.transaction() as tx:
                tx.lock_session(key)
                if tx.raw_session(key) != raw:
                    continue
                done = self._apply(tx, turn, incoming, moment)
                if within is not None:
                    within(tx, done)
            if services.metrics is not None:  # the ops port's turn count and latency
                services.metrics.turn_done(time.perf_counter() - started)
            return done
        if services.metrics is not None:
            services.metrics.turn_done(time.perf_counter() - started, ok=False)
        raise StoreBusy(f"session {key} changed {_ATTEMPTS} times during one turn")

    def _apply(self, tx: StoreTx, turn: Turn, incoming: Incoming, now: datetime) -> Turn:
        """Write the turn (inside ``tx``); the turn with the replies its effects added."""
        key = incoming.session_key
        if any(isinstance(effect, Forget) for effect in turn.effects):
            tx.delete_session(key)
        else:
            tx.save_session(turn.session)
        for entry in turn.log:
            tx.log(key, entry, incoming.chat_id, now)
        if not turn.effects:
            return turn
        if self.desk is None:
            raise ValueError(f"effects without a staff desk: {turn.effects!r}")
        from bot.staff.effects import apply  # the desk's writers: only with a desk

        first: list[Reply] = []
        after: list[Reply] = []
        for effect in turn.effects:
            applied = apply(self.desk, effect, incoming, turn.session, now)
            first.extend(applied.first)
            after.extend(applied.after)
        return replace(turn, replies=(*first, *turn.replies, *after))

    def _purge_once_a_day(self, today: date, now: datetime) -> None:
        """The retention: log entries (and resolved tickets) older than it go, once a day."""
        if self._purged == today:
            return
        days = self.services.settings.log_retention_days
        try:
            if self.desk is not None:
                removed = self.desk.store.purge(days, now)
            else:
                with self.store.transaction() as tx:  # every table holding user text
                    removed = personal.expire(tx.db, now - timedelta(days=days))
        except StoreUnavailable as exc:
            _log.warning("retention purge postponed: %s", exc)
            return
        self._purged = today
        if removed:
            _log.info("purged %d log entries and tickets past retention", removed)

    def answer_unstored(self, incoming: Incoming, today: date, reason: str) -> Turn:
        """The turn when the store cannot be written (disk full, locked): the user still gets
        an answer, from the last session that can be read (or a new one), and the log says
        what was not stored. The staff desk takes no part: it could not write either."""
        key = incoming.session_key
        try:
            session = self.store.session_from_raw(key, self.store.raw_session(key))
        except StoreUnavailable:
            session = self.store.session_from_raw(key, None)
        turn = handle(session, incoming, self.services.snapshot(None), today)
        _log.error(
            "NOT stored (%s): the session of %s and %d question log entries; answered anyway",
            reason,
            key,
            len(turn.log),
        )
        return turn
