"""Long polling: getUpdates, store, then confirm (the next offset), until stopped.

Why our own loop rather than PTB's ``Updater``: the Updater puts a batch in an in-memory queue
and confirms it with the next getUpdates, before any handler has run, so a crash loses the
batch. Here the offset moves past a batch only once ``accept`` has stored it. Errors back off,
401/404 is fatal (``on_fatal``), 409 (another process polls with this token) is logged loudly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from bot.store import Store

from .retry import RetryPolicy, describe, sleep_or
from .updates import ALLOWED_UPDATES, last_update_id

_log = logging.getLogger(__name__)


async def poll(
    bot: Bot,
    store: Store,
    stop: asyncio.Event,
    wait: float,
    retry: RetryPolicy,
    accept: Callable[[list[dict[str, Any]]], Awaitable[bool]],
    on_fatal: Callable[[BaseException], None],
) -> None:
    """getUpdates (``wait`` seconds of long poll), ``accept`` (store), then confirm; until
    ``stop`` is set or the task is cancelled."""
    last = await asyncio.to_thread(last_update_id, store)
    offset = None if last is None else last + 1
    failures = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset,
                timeout=timedelta(seconds=wait),
                allowed_updates=list(ALLOWED_UPDATES),
            )
            failures = 0
        except InvalidToken as exc:
            on_fatal(exc)
            return
        except Conflict as exc:
            failures += 1
            _log.error("another process is polling with this bot token (409: %s); retrying", exc)
            await sleep_or(stop, min(60.0, 2.0 * failures))
            continue
        except NetworkError as exc:
            failures += 1
            delay = retry.backoff(failures)
            _log.warning("getUpdates failed (%s); retrying in %.1fs", describe(exc), delay)
            await sleep_or(stop, min(delay, 30.0))
            continue
        except TelegramError as exc:
            failures += 1
            _log.error("getUpdates failed: %s", describe(exc))
            await sleep_or(stop, min(retry.backoff(failures), 30.0))
            continue
        if not updates:
            continue
        payloads = [u.to_dict() for u in updates]
        if await accept(payloads):
            offset = max(int(p["update_id"]) for p in payloads) + 1
        else:
            await sleep_or(stop, 1.0)  # not confirmed: Telegram sends them again
