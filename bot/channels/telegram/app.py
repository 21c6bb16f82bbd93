"""The Telegram bot: updates in through the inbox, turns through ``Conversation.turn``, replies
out through the outbox.

* Order and concurrency: updates are handed over in update_id order; each becomes a task that
  first queues on its chat's lock (FIFO), so one chat's messages are answered in order while
  chats run concurrently. The dialogue and retrieval are synchronous CPU work and run in a
  worker thread (a pool of the channel's own), so the event loop keeps polling and sending.
* One transaction per turn: the session, the question log, the replies in the outbox and the
  update marked done (``within``). When the store cannot be written (disk full, locked) the
  turn is answered anyway, sent straight from memory, and the log says what was not stored;
  the update is then not confirmed to Telegram, and a repeat of it is not answered twice.
* Fatal is fatal: a token Telegram rejects (401/404, at start or later) stops the bot and
  ``run`` raises ``FatalError`` naming the setting, never the token; other errors back off
  and go on. SIGTERM/SIGINT stop within seconds: no new turns, deliveries in flight get a
  short grace, unsent replies stay in the outbox for the next start.
* One polling process per token: a lease in the database (``poll_lease``): of several workers
  one polls, the others stand by and take over within seconds when it dies. With SQLite
  files (one machine) also an exclusive ``flock`` on ``telegram-<hash of the token>.lock`` in
  the data directory: a second process there exits with a clear message. A poller elsewhere
  with the same token and another database is seen by Telegram's 409, logged loudly.
* Secrets: the token is part of every request URL, so the ``httpx`` logger (which logs URLs)
  is kept at WARNING and a filter removes the token from anything else that is logged.
* A running bot sees the index it should: ``Services.refresh_if_stale()`` is called every few
  seconds in a worker thread; it swaps in a complete new generation, never a partial one.

This module runs the bot (start, stop, background loops); ``intake`` takes updates in and
``lanes`` runs their turns (``TelegramChannel`` is both), ``polling`` and ``webhook`` fetch.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Final

from telegram import Bot, BotCommand
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.channels import durable
from bot.channels.lanes import Lanes
from bot.config import Settings
from bot.conversation import Conversation
from bot.domain import shanghai_today
from bot.messages import command_menu
from bot.services import Services
from bot.store import Store

from .delivery import OutboxSender
from .instance import (
    TOKEN_SETTING,
    FatalError,
    InstanceLock,
    Stopped,
    Timeouts,
    build_bot,
    token_rejected,
)
from .intake import Intake
from .outbox import OUTBOX_STEPS
from .poll_lease import PollLease
from .polling import poll
from .redact import protect_token, quiet_token_loggers
from .retry import Pacer, RetryPolicy, call_with_retries, describe, sleep_or
from .updates import INBOX_STEPS, FloodGate
from .webhook import start_webhook

_log = logging.getLogger(__name__)

Today = Callable[[], date]

REFRESH_EVERY_S: Final = 5.0

# The command menu comes from the message catalogue's command table, like the dialogue's.
COMMANDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "zh": command_menu("zh-Hans"),
    "en": command_menu("en"),
}


class TelegramChannel(Intake):
    """The bot: Bot API client, inbox, turns, outbox."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        today: Today = shanghai_today,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        clock: Callable[[], float] = time.monotonic,
        workers: int | None = None,
        lock: InstanceLock | None = None,
        grace: float = 3.0,
        front: Conversation | None = None,
    ) -> None:
        if services.store is None:
            raise ValueError("the Telegram channel needs the session store (with_store=True)")
        token = _checked_token(settings)
        self.settings = settings
        self.services = services
        self.store: Store = services.store
        # The shared inbox and outbox first: the inbox's upgrade step moves old rows there.
        durable.prepare(self.store)
        self.store.migrate("telegram.inbox", INBOX_STEPS)
        self.store.migrate("telegram.outbox", OUTBOX_STEPS)
        self.conversation = Conversation(services, services.store)
        # What runs a turn: the conversation, or (``front``) the same with the staff desk as a
        # stage that routes staff traffic and hand-offs (same call, same transaction).
        self.turns = front or self.conversation
        self.today = today
        self.timeouts = timeouts or Timeouts(read=settings.telegram_read_timeout)
        self.retry = retry or RetryPolicy(retry_for=settings.telegram_retry_hours * 3600.0)
        self.flood = FloodGate(settings.flood_max_messages, settings.flood_window_seconds, clock)
        self.lock = lock
        self.grace = grace
        self.fatal: FatalError | None = None
        self._own_lock = lock is None
        self._lanes: Lanes[int] = Lanes()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unstored: set[int] = set()  # update ids answered but not stored
        self._stop: asyncio.Event | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stopping = False
        self._started_at = 0.0
        self._bot_id = 0
        self._username = ""
        # Turns run in two thread pools of the channel's own: questions are CPU work bounded
        # by ``workers`` threads; a button or a command takes a millisecond and must not
        # queue behind the questions of other chats.
        self._workers = workers or 8
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self.bot: Bot = build_bot(settings, token, self.timeouts)
        pacer = Pacer(
            settings.telegram_rate_overall,
            settings.telegram_rate_chat,
            settings.telegram_rate_group,
        )
        self.sender = OutboxSender(
            self.bot, self.store, self.retry, pacer, self._on_fatal, read_timeout=self.timeouts.read
        )

    # -- state -----------------------------------------------------------------------------------

    @property
    def pending_turns(self) -> int:
        """Turns queued or running, over all chats (zero when the bot is idle)."""
        return self._lanes.pending()

    @property
    def webhook(self) -> bool:
        """Webhook mode when a public URL is configured; long polling otherwise."""
        return bool(self.settings.telegram_webhook_url)

    async def idle(self, due_only: bool = False) -> bool:
        """No turn queued or running and nothing left to send (``due_only``: nothing due now,
        e.g. when Telegram asked to wait)."""
        return self.pending_turns == 0 and await self.sender.idle(due_only)

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Run until SIGTERM/SIGINT; raises ``FatalError`` when the bot cannot go on."""
        protect_token(self.settings)
        asyncio.run(self._main())
        if self.fatal is not None:
            raise self.fatal

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        stop = self._stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._signalled, sig)
        try:
            async with self.running():
                await stop.wait()
        except Stopped:
            _log.warning("stopped before Telegram could be reached")

    def _signalled(self, sig: signal.Signals) -> None:
        _log.warning("%s: stopping (unsent replies stay in the outbox)", sig.name)
        if self._stop is not None:
            self._stop.set()

    def _on_fatal(self, error: BaseException) -> None:
        if self.fatal is None:
            self.fatal = token_rejected()
            _log.critical("%s", self.fatal)
        if self._stop is not None:
            self._stop.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[TelegramChannel]:
        """Start (polling or webhook) inside an existing event loop; on exit stop fetching,
        finish what is queued for a few seconds, leave the rest in the outbox, shut down."""
        if self._stop is None or self._stop.is_set():
            self._stop = asyncio.Event()
        self._stopping = False
        if self.lock is None and self.settings.database_url is None:
            self.lock = InstanceLock(self.settings.data_dir, self._token()).acquire()
        self._pools = {
            "slow": ThreadPoolExecutor(self._workers, thread_name_prefix="policybot-turn"),
            "quick": ThreadPoolExecutor(4, thread_name_prefix="policybot-quick"),
        }
        background: list[asyncio.Task[None]] = []
        try:
            await self._initialize()
            me = self.bot.bot
            self._bot_id, self._username = me.id, me.username or ""
            self._started_at = time.time()
            await self._register_commands()
            background.append(asyncio.create_task(self.sender.run()))
            background.append(asyncio.create_task(self._refresh_loop()))
            if self.settings.database_url is not None:  # several workers may share the inbox
                background.append(asyncio.create_task(self._take_over_loop()))
            await self._resume()
            server = await self._start_fetching(background)
            try:
                yield self
            finally:
                await self._shutdown(background, server)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.bot.shutdown()
            pools, self._pools = self._pools, {}
            for pool in pools.values():
                pool.shutdown(wait=True, cancel_futures=True)
            if self._own_lock and self.lock is not None:
                self.lock.release()
                self.lock = None

    async def _start_fetching(self, background: list[asyncio.Task[None]]) -> Any:
        """The webhook server (returned), or polling under the lease (a background task)."""
        if self.webhook:
            return await start_webhook(self.settings, self.bot, self._accept_webhook, self._call)
        try:
            await self._call("deleteWebhook", self.bot.delete_webhook)
        except TelegramError as exc:  # polling then meets 409, which is logged
            _log.error("deleteWebhook failed: %s", describe(exc))
        assert self._stop is not None
        lease = PollLease(self.store, self._token())
        poller = functools.partial(
            poll,
            self.bot,
            self.store,
            self._stop,
            self.timeouts.poll,
            self.retry,
            self._accept,
            self._on_fatal,
        )
        self._poller = asyncio.create_task(lease.run(self._stop, poller))
        background.append(self._poller)
        return None

    async def _shutdown(self, background: list[asyncio.Task[None]], server: Any) -> None:
        """Stop fetching; let queued turns and due replies finish within the grace time."""
        if self._stop is not None:
            self._stop.set()
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
        if server is not None:
            server.stop()
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and self.fatal is None:
            if await self.idle(due_only=True):
                break
            await asyncio.sleep(0.02)
        self._stopping = True  # turns still queued stay in the inbox for the next start
        await self.sender.stop(max(deadline - time.monotonic(), 0.5))
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=2.0)
            for task in late:
                task.cancel()
        left = await asyncio.to_thread(self.sender.pending)
        if left:
            _log.warning("%d replies stay in the outbox for the next start", left)

    async def _initialize(self) -> None:
        """getMe until Telegram answers: the network may come up after the bot."""
        failures = 0
        while True:
            try:
                await self.bot.initialize()
                return
            except InvalidToken:
                raise token_rejected() from None
            except NetworkError as exc:
                failures += 1
                delay = min(self.retry.backoff(failures), 30.0)
                _log.warning("cannot reach Telegram (%s); retrying in %.1fs", describe(exc), delay)
            assert self._stop is not None
            await sleep_or(self._stop, delay)
            if self._stop.is_set():
                raise Stopped

    def _token(self) -> str:
        token = self.settings.telegram_token
        assert token is not None
        return token.get_secret_value()

    async def _call(self, label: str, request: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        try:
            return await call_with_retries(label, request, self.retry)
        except InvalidToken:
            raise token_rejected() from None

    async def _register_commands(self) -> None:
        """The command menu in Chinese (also the default) and English."""
        for language, commands in (("", "zh"), ("zh", "zh"), ("en", "en")):
            listed = [BotCommand(name, text) for name, text in COMMANDS[commands]]
            try:
                await self._call(
                    "setMyCommands",
                    functools.partial(
                        self.bot.set_my_commands, listed, language_code=language or None
                    ),
                )
            except TelegramError as exc:  # the menu is a convenience: run without it
                _log.error("setMyCommands(%s) failed: %s", language or "default", describe(exc))

    async def _refresh_loop(self) -> None:
        """Swap in a new index generation (``policybot ingest``) within a few seconds."""
        while True:
            await asyncio.sleep(REFRESH_EVERY_S)
            try:
                result = await asyncio.to_thread(self.services.refresh_if_stale)
            except Exception:
                _log.exception("refreshing the index failed; serving the current one")
                continue
            if result:
                _log.info("index refresh: %s", result)


def _checked_token(settings: Settings) -> str:
    """The bot token (a ``ValueError`` when it is not set); it and the webhook secret are kept
    out of PTB's URL logs from here on."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        raise ValueError(f"{TOKEN_SETTING} is not set")
    token = settings.telegram_token.get_secret_value()
    quiet_token_loggers(token)
    if settings.telegram_webhook_secret is not None:
        quiet_token_loggers(settings.telegram_webhook_secret.get_secret_value())
    # Opt in to PTB 23's behaviour now: RetryAfter.retry_after as a timedelta. Without it
    # PTB warns on every 429 (and in the tests warnings are errors).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    return token
