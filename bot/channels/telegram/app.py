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
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import logging
import os
import secrets
import signal
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any, Final, Protocol

from telegram import Bot, BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.channels import durable
from bot.config import Settings
from bot.conversation import Conversation, Within
from bot.domain import Incoming, Reply, Turn, shanghai_today
from bot.errors import PolicyBotError, StoreUnavailable
from bot.messages import command_menu
from bot.services import Services
from bot.store import Store, StoreTx, private_dir

from .delivery import (
    OUTBOX_STEPS,
    OutboxSender,
    Pacer,
    RetryPolicy,
    StoredCallbacks,
    call_with_retries,
    describe,
    queue_replies,
    recipient,
    send_unstored,
    slot_of,
)
from .poll_lease import PollLease
from .render import CallbackCodec, render
from .updates import (
    ALLOWED_UPDATES,
    INBOX_STEPS,
    FloodGate,
    UpdatesRequest,
    Work,
    last_update_id,
    mark_done,
    parsable,
    sleep_or,
    stale_updates,
    store_updates,
    translate,
    unfinished_updates,
    webhook_server,
)

_log = logging.getLogger(__name__)

Today = Callable[[], date]

SLOW_DOWN = "请慢一点，稍等几秒再发。 / Please slow down a little and try again in a few seconds."
TOKEN_SETTING: Final = "POLICYBOT_TELEGRAM_TOKEN"
REFRESH_EVERY_S: Final = 5.0
# Several workers: an update a worker took this long ago and never finished is taken over
# (a turn takes well under a second; 30 s leaves a slow model call and a busy queue alone).
TAKE_OVER_S: Final = 30.0
TAKE_OVER_EVERY_S: Final = 5.0

# The command menu comes from the message catalogue's command table, like the dialogue's.
COMMANDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "zh": command_menu("zh-Hans"),
    "en": command_menu("en"),
}


class FatalError(PolicyBotError):
    """The bot cannot run (the token was rejected, another instance runs): exit non-zero."""


class _Stopped(Exception):
    """Stopped (a signal) before the bot was running."""


def token_rejected() -> FatalError:
    return FatalError(
        f"Telegram rejected the bot token (401/404): check {TOKEN_SETTING} "
        "(the token BotFather gave you; /revoke gives a new one)"
    )


# --- one process per token ----------------------------------------------------------------------


class InstanceLock:
    """An exclusive lock per bot token in the data directory, held while the bot runs."""

    def __init__(self, data_dir: Path, token: str) -> None:
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        private_dir(data_dir)
        self.path = data_dir / f"telegram-{digest}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> InstanceLock:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise FatalError(
                f"another `policybot telegram` (pid {holder}) is already running with this "
                f"token and data directory (lock {self.path}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# --- timeouts -----------------------------------------------------------------------------------


class Timeouts:
    """Seconds for the Bot API requests; ``poll`` is the long-poll wait of getUpdates."""

    def __init__(
        self,
        read: float = 30.0,
        poll: float = 30.0,
        connect: float = 5.0,
        write: float = 10.0,
        pool: float = 10.0,
        connections: int = 128,
    ) -> None:
        self.read = read
        self.poll = poll
        self.connect = connect
        self.write = write
        self.pool = pool
        self.connections = connections


class _Lane:
    """One chat's queue: the lock orders its turns; ``users`` counts queued or running ones."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


# --- the channel --------------------------------------------------------------------------------


class Turns(Protocol):
    """Whatever runs one turn: ``Conversation`` or the staff desk's ``StaffFront``."""

    def turn(self, incoming: Incoming, today: date, within: Within | None = None) -> Turn: ...


class TelegramChannel:
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
        front: Turns | None = None,
    ) -> None:
        if services.store is None:
            raise ValueError("the Telegram channel needs the session store (with_store=True)")
        if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
            raise ValueError(f"{TOKEN_SETTING} is not set")
        token = settings.telegram_token.get_secret_value()
        _quiet_token_loggers(token)
        if settings.telegram_webhook_secret is not None:
            _quiet_token_loggers(settings.telegram_webhook_secret.get_secret_value())
        # Opt in to PTB 23's behaviour now: RetryAfter.retry_after as a timedelta. Without it
        # PTB warns on every 429 (and in the tests warnings are errors).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.settings = settings
        self.services = services
        self.store: Store = services.store
        # The shared inbox and outbox first: the inbox's upgrade step moves old rows there.
        durable.prepare(self.store)
        self.store.migrate("telegram.inbox", INBOX_STEPS)
        self.store.migrate("telegram.outbox", OUTBOX_STEPS)
        self.conversation = Conversation(services, services.store)
        # What runs a turn: the conversation, or the staff desk's front that routes staff
        # traffic and hand-offs before it (same call, same transaction).
        self.turns: Turns = front or self.conversation
        self.today = today
        self.timeouts = timeouts or Timeouts(read=settings.telegram_read_timeout)
        base = retry or RetryPolicy()
        self.retry = RetryPolicy(
            attempts=base.attempts,
            base_delay=base.base_delay,
            max_delay=base.max_delay,
            max_flood_wait=base.max_flood_wait,
            retry_for=settings.telegram_retry_hours * 3600.0 if retry is None else base.retry_for,
        )
        self.flood = FloodGate(settings.flood_max_messages, settings.flood_window_seconds, clock)
        self.lock = lock
        self.grace = grace
        self.fatal: FatalError | None = None
        self._own_lock = lock is None
        self._lanes: dict[int, _Lane] = {}
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
        self.bot: Bot = self._build(token)
        self.sender = OutboxSender(
            self.bot,
            self.store,
            self.retry,
            Pacer(
                settings.telegram_rate_overall,
                settings.telegram_rate_chat,
                settings.telegram_rate_group,
            ),
            self._on_fatal,
            read_timeout=self.timeouts.read,
        )

    def _build(self, token: str) -> Bot:
        root = self.settings.telegram_api_url.rstrip("/")
        t = self.timeouts
        request = HTTPXRequest(
            connection_pool_size=t.connections,
            connect_timeout=t.connect,
            read_timeout=t.read,
            write_timeout=t.write,
            pool_timeout=t.pool,
        )
        # PTB adds the long-poll wait to this read timeout for getUpdates.
        updates_request = UpdatesRequest(
            connection_pool_size=1,
            connect_timeout=t.connect,
            read_timeout=min(t.read, 10.0),
            write_timeout=t.write,
            pool_timeout=t.pool,
        )
        return Bot(
            token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=request,
            get_updates_request=updates_request,
        )

    # -- state -----------------------------------------------------------------------------------

    @property
    def pending_turns(self) -> int:
        """Turns queued or running, over all chats (zero when the bot is idle)."""
        return sum(lane.users for lane in self._lanes.values())

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
        except _Stopped:
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
            if self.webhook:
                server = await self._start_webhook()
            else:
                server = None
                try:
                    await self._call("deleteWebhook", self.bot.delete_webhook)
                except TelegramError as exc:  # polling then meets 409, which is logged
                    _log.error("deleteWebhook failed: %s", describe(exc))
                lease = PollLease(self.store, self._token())
                self._poller = asyncio.create_task(lease.run(self._stop, self._poll))
                background.append(self._poller)
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
                raise _Stopped

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

    # -- updates in ------------------------------------------------------------------------------

    async def _poll(self) -> None:
        """getUpdates, store, then confirm (the next offset); until cancelled."""
        stop = self._stop
        assert stop is not None
        last = await asyncio.to_thread(last_update_id, self.store)
        offset = None if last is None else last + 1
        failures = 0
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=timedelta(seconds=self.timeouts.poll),
                    allowed_updates=list(ALLOWED_UPDATES),
                )
                failures = 0
            except InvalidToken as exc:
                self._on_fatal(exc)
                return
            except Conflict as exc:
                failures += 1
                _log.error(
                    "another process is polling with this bot token (409: %s); retrying", exc
                )
                await sleep_or(stop, min(60.0, 2.0 * failures))
                continue
            except NetworkError as exc:
                failures += 1
                delay = self.retry.backoff(failures)
                _log.warning("getUpdates failed (%s); retrying in %.1fs", describe(exc), delay)
                await sleep_or(stop, min(delay, 30.0))
                continue
            except TelegramError as exc:
                failures += 1
                _log.error("getUpdates failed: %s", describe(exc))
                await sleep_or(stop, min(self.retry.backoff(failures), 30.0))
                continue
            if not updates:
                continue
            payloads = [u.to_dict() for u in updates]
            if await self._accept(payloads):
                offset = max(int(p["update_id"]) for p in payloads) + 1
            else:
                await sleep_or(stop, 1.0)  # not confirmed: Telegram sends them again

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

    async def _start_webhook(self) -> Any:
        url = self.settings.telegram_webhook_url or ""
        configured = self.settings.telegram_webhook_secret
        # Telegram echoes the secret in a header of every delivery; without a configured one a
        # fresh random secret still shuts out anyone who merely knows the URL.
        secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
        path = urllib.parse.urlsplit(url).path
        server = webhook_server(path, secret, self._accept_webhook)
        server.listen(self.settings.telegram_webhook_port, self.settings.telegram_webhook_listen)
        _log.info(
            "webhook: listening on %s:%s%s",
            self.settings.telegram_webhook_listen,
            self.settings.telegram_webhook_port,
            path,
        )
        await self._call(
            "setWebhook",
            functools.partial(
                self.bot.set_webhook,
                url,
                secret_token=secret,
                allowed_updates=list(ALLOWED_UPDATES),
            ),
        )
        return server

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
        if lane is None:
            lane = self._lanes[work.chat_id] = _Lane()
        lane.users += 1
        slow_down = verdict == "warn"
        if slow_down:
            _log.info("flood limit: user %s told to slow down", work.user_key)
        self._spawn(self._in_lane(update_id, work, lane, slow_down, stored))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("background task failed", exc_info=task.exception())

    async def _finish(self, update_id: int, chat_id: int | None, replies: list[Reply]) -> None:
        """Mark an update done, with replies that are not a turn's (slow down, an apology)."""

        def write() -> None:
            with self.store.transaction() as tx:
                if chat_id is not None:
                    queue_replies(tx.db, chat_id, replies, update_id)
                mark_done(tx.db, update_id)

        try:
            await asyncio.to_thread(write)
        except StoreUnavailable as exc:
            _log.error("NOT stored (%s): update %s stays unfinished", exc, update_id)
            if chat_id is not None:
                await self._send_unstored(chat_id, replies)
            return
        self.sender.wake()

    # -- the work of a turn ----------------------------------------------------------------------

    async def _in_lane(
        self, update_id: int, work: Work, lane: _Lane, slow_down: bool, stored: bool
    ) -> None:
        try:
            async with lane.lock:  # FIFO: turns run in the order they were queued
                if self._stopping:
                    return  # stays unfinished in the inbox: the next start answers it
                if work.query_id is not None:
                    self._spawn(self._answer_query(work.query_id))
                if slow_down:
                    if stored:
                        await self._finish(update_id, work.chat_id, [Reply(SLOW_DOWN)])
                    else:
                        await self._send_unstored(work.chat_id, [Reply(SLOW_DOWN)])
                    return
                try:
                    await self._turn(update_id, work, stored)
                except Exception as exc:  # one failing turn: an apology, the others go on
                    _log.error(
                        "update %s (chat %s) failed: %s",
                        update_id,
                        work.chat_id,
                        describe(exc),
                        exc_info=exc,
                    )
                    text = (
                        exc.user_message
                        if isinstance(exc, PolicyBotError)
                        else PolicyBotError.user_message
                    )
                    if stored:
                        await self._finish(update_id, work.chat_id, [Reply(text)])
                    else:
                        await self._send_unstored(work.chat_id, [Reply(text)])
        finally:
            lane.users -= 1
            if lane.users == 0 and self._lanes.get(work.chat_id) is lane:
                del self._lanes[work.chat_id]

    async def _turn(self, update_id: int, work: Work, stored: bool) -> None:
        typing_task = asyncio.create_task(self._typing(work.chat_id)) if work.typing else None
        try:
            pool = self._pools.get("quick" if _quick(work.incoming) else "slow")
            loop = asyncio.get_running_loop()
            unstored = await loop.run_in_executor(
                pool, functools.partial(self._turn_sync, update_id, work, stored)
            )
        finally:
            await _settle(typing_task)
        if unstored is not None:
            await self._send_unstored(work.chat_id, unstored)
        else:
            self.sender.wake()

    def _turn_sync(self, update_id: int, work: Work, stored: bool) -> list[Reply] | None:
        """In a worker thread: one turn; None when its replies are in the outbox, else the
        replies to send from memory (the store could not be written)."""
        incoming = work.incoming
        try:
            incoming = self._enrich(work)
        except StoreUnavailable as exc:
            _log.warning("could not read button data or slots: %s", exc)
        today = self.today()

        def within(tx: StoreTx, turn: Any) -> None:
            if not mark_done(tx.db, update_id):  # another worker answered it (a resume)
                raise durable.AlreadyDone(str(update_id))
            queue_replies(tx.db, work.chat_id, turn.replies, update_id)

        if stored:
            try:
                self.turns.turn(incoming, today, within)
                return None
            except durable.AlreadyDone:
                return None  # its replies are in the outbox already
            except StoreUnavailable as exc:
                reason = str(exc)
        else:
            reason = "the inbox could not be written"
        return list(self.conversation.answer_unstored(incoming, today, reason).replies)

    def _enrich(self, work: Work) -> Incoming:
        """Button data from the store; ``meta["reply_to_slot"]`` for a reply to a slotted
        message of ours."""
        incoming = work.incoming
        if work.callback_data is None and work.reply_to is None:
            return incoming
        with self.store.reading() as db:
            if work.callback_data is not None:
                choice = StoredCallbacks(db).decode(work.callback_data)
                incoming = _replace(incoming, choice=choice)
            if work.reply_to is not None:
                slot = slot_of(db, work.chat_id, work.reply_to)
                if slot is not None:
                    incoming = _replace(incoming, meta={**incoming.meta, "reply_to_slot": slot})
        return incoming

    async def _send_unstored(self, chat_id: int, replies: list[Reply] | tuple[Reply, ...]) -> None:
        codec = CallbackCodec()
        for reply in replies:
            target = recipient(reply, chat_id)
            if target is not None:
                await send_unstored(self.bot, target, render(reply, codec), self.retry)

    async def _typing(self, chat_id: int) -> None:
        """Best effort: a failed typing action never holds up the answer."""
        try:
            await self.bot.send_chat_action(
                chat_id, ChatAction.TYPING, read_timeout=2.0, connect_timeout=2.0
            )
        except TelegramError as exc:
            _log.debug("typing action for chat %s failed: %s", chat_id, describe(exc))

    async def _answer_query(self, query_id: str) -> None:
        """Stop the button's spinner; the answer itself comes as a message."""
        try:
            await call_with_retries(
                "answerCallbackQuery",
                functools.partial(self.bot.answer_callback_query, query_id),
                self.retry,
                attempts=2,
            )
        except InvalidToken as exc:
            self._on_fatal(exc)
        except TelegramError as exc:
            _log.info("answerCallbackQuery failed: %s", describe(exc))


def _replace(incoming: Incoming, **changes: Any) -> Incoming:
    return dataclasses.replace(incoming, **changes)


def _quick(incoming: Incoming) -> bool:
    """Whether a turn surely needs no retrieval: a button, a command, a short answer ("是",
    "3.2亿"). Only a scheduling hint: a wrong guess costs time, never correctness."""
    text = (incoming.text or "").strip()
    return incoming.kind != "text" or text.startswith("/") or len(text) <= 8


async def _settle(task: asyncio.Task[None] | None, wait: float = 1.0) -> None:
    """Let the typing action finish before the answer goes out, but never wait long for it."""
    if task is None:
        return
    done, _ = await asyncio.wait({task}, timeout=wait)
    if not done:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- secrets in logs ----------------------------------------------------------------------------


class TokenFilter(logging.Filter):
    """Replaces a secret in any log record that would carry it (a last line of defence)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = text.replace(self.token, "<token>")
        elif record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


# PTB's Bot logs its API URLs, token included, at DEBUG when it is created.
_PTB_URL_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.request")


def _quiet_token_loggers(token: str) -> None:
    # httpx logs every request URL at INFO, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in _PTB_URL_LOGGERS:
        _add_filter(logging.getLogger(name), token)


def _add_filter(target: logging.Logger | logging.Handler, token: str) -> None:
    if not any(isinstance(f, TokenFilter) and f.token == token for f in target.filters):
        target.addFilter(TokenFilter(token))


def protect_token(settings: Settings) -> None:
    """Keep the token and the webhook secret out of the logs: quiet httpx, redact them in
    PTB's URL messages and, as a last line of defence, in whatever reaches the root logger's
    handlers."""
    for secret in (settings.telegram_token, settings.telegram_webhook_secret):
        if secret is None or not secret.get_secret_value():
            continue
        value = secret.get_secret_value()
        _quiet_token_loggers(value)
        for handler in logging.getLogger().handlers:
            _add_filter(handler, value)


__all__ = [
    "COMMANDS",
    "SLOW_DOWN",
    "FatalError",
    "InstanceLock",
    "TelegramChannel",
    "Timeouts",
    "TokenFilter",
    "parsable",
    "protect_token",
]
