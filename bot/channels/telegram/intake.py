"""Updates in, for the Telegram channel: stored in the inbox, then queued on their chat's
lane in update_id order; the ones a crash or a dead worker left unfinished are taken up again.

* Updates are stored before Telegram is told they arrived (``polling``: the next offset;
  ``webhook``: the 200). When the store cannot be written, the updates not answered yet are
  answered from memory and remembered, so that a repeat of one is not answered twice, and
  they are not confirmed to Telegram.
* The flood gate: a user who sends too much is told to slow down, then dropped for a while.

``Intake`` is the part of ``TelegramChannel`` that takes updates in.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from telegram import Update

from bot.config import Settings
from bot.errors import StoreUnavailable

from .lanes import LaneWork
from .updates import FloodGate, stale_updates, store_updates, translate, unfinished_updates

_log = logging.getLogger(__name__)

# Several workers: an update a worker took this long ago and never finished is taken over
# (a turn takes well under a second; 30 s leaves a slow model call and a busy queue alone).
TAKE_OVER_S: Final = 30.0
TAKE_OVER_EVERY_S: Final = 5.0


class Intake(LaneWork):
    """Stores updates and queues their turns."""

    settings: Settings
    flood: FloodGate
    _unstored: set[int]
    _started_at: float
    _bot_id: int
    _username: str

    async def _accept(self, payloads: list[dict[str, Any]]) -> bool:
        """Store updates and queue the new ones; False when they could not be stored (those
        not answered yet are answered from memory, and remembered so as not to twice)."""
        try:
            fresh = [p for p in payloads if int(p["update_id"]) not in self._unstored]
            seen = [p for p in payloads if int(p["update_id"]) in self._unstored]
            new = await asyncio.to_thread(store_updates, self.store, fresh)
            if seen:
                await asyncio.to_thread(store_updates, self.store, seen, True)
                self._unstored.difference_update(int(p["update_id"]) for p in seen)
        except StoreUnavailable as exc:
            _log.error(
                "NOT stored (%s): %d updates; answering from memory, not confirming them",
                exc,
                len(payloads),
            )
            for payload in payloads:
                update_id = int(payload["update_id"])
                if update_id not in self._unstored:
                    self._unstored.add(update_id)
                    self._dispatch(update_id, payload, stored=False)
            return False
        for update_id, payload in new:
            self._dispatch(update_id, payload)
        return True

    async def _accept_webhook(self, payload: dict[str, Any]) -> bool:
        if self._stopping:
            return False
        return await self._accept([payload])

    def _dispatch(
        self, update_id: int, payload: dict[str, Any], replayed: bool = False, stored: bool = True
    ) -> None:
        """Queue one update's turn on its chat's lane (synchronously: the order is kept)."""
        try:
            update = Update.de_json(dict(payload), self.bot)
            work = translate(update, self._bot_id, self._username) if update else None
        except Exception:
            _log.warning("update %s is malformed and is skipped", update_id, exc_info=True)
            work = None
        if work is None:
            if stored:
                self._spawn(self._finish(update_id, None, []))
            return
        recent = work.sent_at >= self._started_at - self.settings.flood_window_seconds
        verdict = "ok" if work.button or replayed or not recent else self.flood.check(work.user_key)
        if verdict == "drop":
            _log.info("flood limit: dropped a message from user %s", work.user_key)
            if stored:
                self._spawn(self._finish(update_id, None, []))
            return
        lane = self._lanes.get(work.chat_id)
        lane.users += 1
        slow_down = verdict == "warn"
        if slow_down:
            _log.info("flood limit: user %s told to slow down", work.user_key)
        self._spawn(self._in_lane(update_id, work, lane, slow_down, stored))

    async def _resume(self) -> None:
        """Process the updates stored before a crash whose turns never committed."""
        pending = await asyncio.to_thread(unfinished_updates, self.store)
        if pending:
            _log.warning("resuming %d unfinished updates from the inbox", len(pending))
        for update_id, payload in pending:
            self._dispatch(update_id, payload, replayed=True)

    async def _take_over_loop(self) -> None:
        """Answer the updates a worker that died left unfinished (webhook workers behind a
        load balancer: Telegram does not send an update again once a worker took it)."""
        while True:
            await asyncio.sleep(TAKE_OVER_EVERY_S)
            try:
                stale = await asyncio.to_thread(stale_updates, self.store, TAKE_OVER_S)
            except StoreUnavailable as exc:
                _log.error("the inbox cannot be read: %s", exc)
                continue
            for update_id, payload in stale:
                _log.warning("update %s: its worker left it unfinished; run here", update_id)
                self._dispatch(update_id, payload, replayed=True)
