"""How hard and how fast to call the Bot API: the retry policy and its back-off, the delay of
a 429, which failures may have been delivered, retries for calls outside the outbox, the
pacing within Telegram's limits, and a sleep that an event cuts short.

* 429: wait as Telegram says; costs no attempt.
* 5xx, refused or dropped connections: back-off doubling to ``max_delay`` with jitter.
* A read timeout, a connection dropped after the request was written, or a 200 whose body
  cannot be read means "maybe delivered" (the Bot API has no idempotency key).
* Pacing: overall, per chat, per group (``aiolimiter``, the library behind PTB's
  ``AIORateLimiter``, which has no per-chat limit).
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

_log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. A queued reply backs off from ``base_delay`` doubling to ``max_delay``
    (with jitter) until ``retry_for`` seconds after it was written. Calls outside the outbox
    (the menu, a button's spinner) try ``attempts`` times. A 429 waits as told, up to
    ``max_flood_wait`` per wait."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 60.0
    max_flood_wait: float = 3600.0
    retry_for: float = 6 * 3600.0

    def backoff(self, attempt: int) -> float:
        delay: float = min(self.max_delay, self.base_delay * 2.0 ** max(attempt - 1, 0))
        return delay * random.uniform(0.75, 1.0)  # spread the retries of many chats


def retry_after_seconds(error: RetryAfter) -> float:
    """The delay of a 429, whether PTB gives it as int or timedelta (no deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = error.retry_after
    seconds: float = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return seconds


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def maybe_delivered(error: TelegramError) -> bool:
    """Whether Telegram may have carried the request out: a read timeout, a connection closed
    after the request was written without an answer, an answer that cannot be read (a 200
    with a broken body). A connect or pool timeout, a refused or reset connection: not sent."""
    cause = error.__cause__
    if isinstance(error, TimedOut):
        return not isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout)
    if isinstance(error, NetworkError):
        # closed after the request without an answer; a reset (ReadError: an unreachable
        # host, a dead route) or a refused connection is taken as not delivered
        return isinstance(cause, httpx.RemoteProtocolError)
    return type(error) is TelegramError and isinstance(cause, ValueError)  # unreadable JSON


async def call_with_retries(
    label: str, request: Callable[[], Awaitable[T]], policy: RetryPolicy, attempts: int = 0
) -> T:
    """Run ``request`` until it succeeds; raise its last error when the attempts are spent or
    the error is not worth retrying (400, 403, 401...). For calls outside the outbox."""
    tries = attempts or policy.attempts
    failures = 0
    while True:
        try:
            return await request()
        except RetryAfter as exc:
            delay = retry_after_seconds(exc)
            failures += 1
            if delay > policy.max_flood_wait or failures >= tries:
                raise
            error: TelegramError = exc
        except BadRequest:
            raise  # a NetworkError subclass, but retrying cannot fix the request
        except NetworkError as exc:  # 5xx, dropped connections, TimedOut
            failures += 1
            if failures >= tries:
                raise
            delay, error = policy.backoff(failures), exc
        _log.warning("%s failed (%s); retrying in %.1fs", label, describe(error), delay)
        await asyncio.sleep(delay)


# --- pacing -------------------------------------------------------------------------------------


class Pacer:
    """Telegram's limits: about 30 messages a second in all, one a second in a chat (short
    bursts are fine), 20 a minute in a group. ``0`` switches a limit off."""

    def __init__(self, overall: float, chat: float, group_per_minute: float) -> None:
        self._overall = AsyncLimiter(overall, 1.0) if overall > 0 else None
        self._chat = chat
        self._group = group_per_minute
        self._limiters: dict[int, AsyncLimiter] = {}

    def _limiter(self, chat_id: int) -> AsyncLimiter | None:
        group = chat_id < 0
        if (group and self._group <= 0) or (not group and self._chat <= 0):
            return None
        limiter = self._limiters.get(chat_id)
        if limiter is None:
            if len(self._limiters) > 4096:  # forget chats whose bucket is full again
                for key, known in list(self._limiters.items()):
                    if known.has_capacity(known.max_rate):
                        del self._limiters[key]
            burst = 3.0
            limiter = (
                AsyncLimiter(self._group, 60.0)
                if group
                else AsyncLimiter(burst, burst / self._chat)
            )
            self._limiters[chat_id] = limiter
        return limiter

    async def wait(self, chat_id: int) -> None:
        limiter = self._limiter(chat_id)
        if limiter is not None:
            await limiter.acquire()
        if self._overall is not None:
            await self._overall.acquire()


async def sleep_or(event: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake when ``event`` is set. (Not ``wait_for``: on Python 3.11 it can swallow
    a cancellation that arrives as the event is set, and a loop around it never ends.)"""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
