"""One long-polling worker per bot token, through a lease in the database (``bot.store.leases``).

Telegram hands updates to one ``getUpdates`` caller at a time (a second one gets 409), so of
several workers sharing the database exactly one polls: it holds the lease and renews it
every ``RENEW_S``; the others wait as standbys and take it over when it has not been renewed
for ``TTL_S`` (the poller died: ``kill -9``, a lost machine), i.e. within ``TTL_S +
STANDBY_CHECK_S`` seconds. A poller that stops cleanly releases it at once. A poller that
loses the lease (it could not renew it in time) stops polling and becomes a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Coroutine
from typing import Any, Final

from bot.errors import StoreUnavailable
from bot.store import Store, leases

from .retry import sleep_or

_log = logging.getLogger(__name__)

TTL_S: Final = 6.0
RENEW_S: Final = 2.0
STANDBY_CHECK_S: Final = 1.0


class PollLease:
    """The polling lease of one bot token, for one worker."""

    def __init__(self, store: Store, token: str) -> None:
        self.database = store.database
        leases.prepare(self.database)
        self.name = "telegram.poll:" + hashlib.sha256(token.encode()).hexdigest()[:16]
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    async def _try(self) -> bool:
        try:
            return await asyncio.to_thread(
                leases.acquire, self.database, self.name, self.holder, TTL_S
            )
        except StoreUnavailable as exc:
            _log.error("the polling lease cannot be checked: %s", exc)
            return False

    async def run(self, stop: asyncio.Event, poll: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Poll (``poll()``) while this worker holds the lease, wait as a standby while
        another does; until ``stop`` is set or the task is cancelled."""
        try:
            while not stop.is_set():
                if not await self._try():
                    await sleep_or(stop, STANDBY_CHECK_S)
                    continue
                _log.warning("polling: this worker (%s) holds the lease", self.holder)
                poller = asyncio.create_task(poll())
                try:
                    while not poller.done() and not stop.is_set():
                        await asyncio.wait({poller}, timeout=RENEW_S)
                        if not poller.done() and not await self._try():
                            _log.error("polling lease lost (not renewed in time); standing by")
                            break
                finally:
                    poller.cancel()
                    await asyncio.gather(poller, return_exceptions=True)
                if poller.done() and not poller.cancelled() and poller.exception() is None:
                    return  # the poller ended by itself (a fatal error, or stop)
        finally:
            with contextlib.suppress(StoreUnavailable):
                await asyncio.to_thread(leases.release, self.database, self.name, self.holder)
