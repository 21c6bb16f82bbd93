"""``policybot wechat``: the Official Account's message server on the shared core.

* Durable like Telegram: a message is stored in the shared inbox (``channel_inbox``) before
  its turn runs; the turn's transaction saves the session, queues the reply in the shared
  outbox with the message's key as its ``source`` and marks the message done. A repeat of a
  stored message (WeChat retries after 5 s, three times: same ``MsgId``) runs no second turn.
  At start, messages whose turn never committed (a crash, ``kill -9``) are run first.
* Within WeChat's 5 seconds: each request waits for its message's turn up to ``reply_wait``
  and then claims the reply (``claim_source``: one caller gets it), so a retry of a message
  being handled is answered once, by whichever request is still open. A turn that misses
  the deadline is answered "success" and its reply goes out through the customer-service
  API, or with the user's next message.
* The reply is one text of at most 2048 bytes (``render``); a user's next message also
  carries whatever waited for them (a staff reply, a late answer), "工作人员已回复…" first.
* The customer-service sender (``POLICYBOT_WECHAT_CUSTOMER_SERVICE``) sends queued messages
  while WeChat allows it (48 h after the user's last message, a few per message); what it
  may not send waits for the user's next message and is never dropped.
* The channel translates and decides nothing: each event becomes an ``Incoming`` for the
  turn (``turn_of``: the conversation, or the staff desk in front of it).
* Several workers behind a load balancer (one PostgreSQL database): a retry that reaches
  another worker while the message is unfinished waits for its answer there, and takes the
  turn over when the first worker has not finished it ``TAKE_OVER_S`` after taking it (it
  died); a turn whose message another worker finished first is rolled back; a message waits
  for the user's earlier one that another worker is still answering (their order kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Final

from bot.channels import durable
from bot.channels.lanes import Lane, Lanes
from bot.config import Settings
from bot.conversation import Conversation
from bot.domain import Incoming, Session, shanghai_today
from bot.errors import PolicyBotError, StoreUnavailable
from bot.services import Services
from bot.store import Store

from . import users
from .client import Credentials, WeChatClient
from .protocol import NO_REPLY, Codec, Inbound, text_reply
from .sender import CHANNEL, PREFIX, CustomerService
from .server import message_server
from .translate import answered, quick
from .turns import TurnWork

_log = logging.getLogger(__name__)

CLAIM_WAIT_S: Final = 1.0  # a lane waits this long for a waiting request to take its reply
TAKE_OVER_S: Final = 4.0  # a message another worker took this long ago and never finished
ADOPT_FOR_S: Final = 60.0  # how long a worker watches a message another worker runs
# A turn waits for the user's earlier message while a worker took it less than EARLIER_FRESH_S
# ago (longer than TAKE_OVER_S: past the moment another worker takes it over), and not
# longer than EARLIER_WAIT_S in all.
EARLIER_FRESH_S: Final = TAKE_OVER_S + 2.0
EARLIER_WAIT_S: Final = TAKE_OVER_S + 4.0
Today = Callable[[], date]


def _yes() -> bool:
    return True


class ConfigError(PolicyBotError):
    """A required WeChat setting is missing."""


class _Pending:
    """A message whose turn is queued or running: the requests (the original, WeChat's
    retries) wait on ``done``; the lane waits until one of them has taken the reply
    (``claimed``), so the user's next turn cannot fold it into its own reply first."""

    __slots__ = ("claimed", "done", "waiters")

    def __init__(self) -> None:
        self.done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.claimed = asyncio.Event()
        self.waiters = 0


class WeChatChannel:
    """The message server, its turns and the customer-service sender."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        today: Today = shanghai_today,
        *,
        front: Conversation | None = None,
        reply_wait: float = 4.0,
        workers: int = 3,
    ) -> None:
        if services.store is None:
            raise ValueError("the WeChat channel needs the session store (with_store=True)")
        token = settings.wechat_token.get_secret_value() if settings.wechat_token else ""
        if not settings.wechat_app_id or not token:
            raise ConfigError("set POLICYBOT_WECHAT_APP_ID and POLICYBOT_WECHAT_TOKEN")
        aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else ""
        if aes and len(aes) != 43:
            raise ConfigError("POLICYBOT_WECHAT_AES_KEY must be the 43-character EncodingAESKey")
        self.settings = settings
        self.services = services
        self.store: Store = services.store
        durable.prepare(self.store)
        self.store.migrate("wechat.users", users.USER_STEPS)
        self.conversation = Conversation(services, services.store)
        self.turns = front or self.conversation
        self.today = today
        self.work = TurnWork(self.store, self.turns, self.conversation, today)
        self.codec = Codec(token, aes or None, settings.wechat_app_id)
        secret = settings.wechat_app_secret.get_secret_value() if settings.wechat_app_secret else ""
        self.client = (
            WeChatClient(
                settings.wechat_api_url, Credentials(settings.wechat_app_id, secret), self.store
            )
            if secret
            else None
        )
        self.reply_wait = reply_wait
        self._workers = workers
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self.lanes: Lanes[str] = Lanes()
        self.sender = CustomerService(
            self.store, self.client, self.lanes, settings.wechat_customer_service
        )
        self._results: dict[str, _Pending] = {}
        self._intake: dict[str, asyncio.Lock] = {}
        self._open: dict[str, int] = {}  # calls open per message key
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.port = settings.wechat_port

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT."""
        asyncio.run(self._main())

    async def _main(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with self.running():
            await stop.wait()
            _log.warning("stopping (unanswered messages stay in the inbox)")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WeChatChannel]:
        """Resume what a crash left, listen, send; on exit stop within a few seconds."""
        # Questions are CPU work: a few threads (more only fight over the GIL and starve the
        # event loop that must answer WeChat within 5 s); commands, numbers and short words
        # take a millisecond and get threads of their own so as not to queue behind them.
        self._pools = {
            "slow": ThreadPoolExecutor(self._workers, thread_name_prefix="policybot-wechat"),
            "quick": ThreadPoolExecutor(2, thread_name_prefix="policybot-wechat-quick"),
        }
        self._stopping = False
        for _key, _chat, payload in await asyncio.to_thread(
            durable.unfinished, self.store, CHANNEL
        ):  # what a crash left, or what another worker runs now: taken over once stale
            self._dispatch(Inbound.from_json(payload), adopt=True)
        await asyncio.to_thread(self._warm)
        server = message_server(self.settings.wechat_path, self.codec, self.handle)
        server.listen(self.settings.wechat_port, self.settings.wechat_listen)
        sender = asyncio.create_task(self.sender.run())
        _log.info(
            "WeChat: listening on %s:%s%s",
            self.settings.wechat_listen,
            self.settings.wechat_port,
            self.settings.wechat_path,
        )
        try:
            yield self
        finally:
            server.stop()
            self._stopping = True
            deadline = time.monotonic() + 3.0
            while self.lanes.busy() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            if self.client is not None:
                await self.client.close()
            for pool in self._pools.values():
                pool.shutdown(wait=True, cancel_futures=True)

    def _warm(self) -> None:
        """Load the embedding model and the word lists before the first call: WeChat waits
        5 s, and the first question would otherwise pay seconds of loading."""
        started = time.monotonic()
        try:
            # Whole dialogue turns on a session of nobody's (pure: nothing is stored or
            # logged): the embedder, the word lists, jieba's tagger (4 s on the first
            # question about a subject the documents may not cover) and the answer paths.
            from bot.dialogue import handle

            for text in (
                "嘉定直播企业营收首次超过1亿元奖励多少？",
                "上海直播政策的有效期到什么时候？",
            ):
                handle(Session("warm-up"), Incoming("warm-up", text), self.services, self.today())
        except Exception as exc:  # a cold first answer is slower, nothing worse
            _log.warning("warming up failed: %s", exc)
        _log.info("warmed up in %.1f s", time.monotonic() - started)

    # -- a call from WeChat ----------------------------------------------------------------------

    async def handle(
        self, inbound: Inbound, sent_at: float | None = None, alive: Callable[[], bool] = _yes
    ) -> str | None:
        """The passive reply to one call: XML, ``NO_REPLY``, or None (not stored: 503).
        ``sent_at`` (WeChat's timestamp) bounds the wait when the call queued here before
        it was handled; a reply is taken only while the connection is open (``alive``)."""
        if not answered(inbound):
            return NO_REPLY
        deadline = time.monotonic() + self.reply_wait
        if sent_at is not None and abs(time.time() - sent_at) < 30.0:
            # The timestamp is whole seconds, floored: the call left WeChat within a second
            # after it, and WeChat waits 5 s from then.
            deadline = min(deadline, time.monotonic() + sent_at + 4.6 - time.time())
        key = inbound.key
        self._open[key] = self._open.get(key, 0) + 1
        try:
            if not await self._take_in(inbound):
                return None
            return await self._answer(inbound, deadline, alive)
        finally:
            self._open[key] -= 1
            if not self._open[key]:
                del self._open[key]

    async def _answer(self, inbound: Inbound, deadline: float, alive: Callable[[], bool]) -> str:
        # WeChat repeats a message only when no answer reached it: a repeat while no other
        # call for it is open gets the answer handed over before again (never a second turn).
        alone = self._open.get(inbound.key, 0) == 1
        pending = self._results.get(inbound.key)
        if pending is not None:
            pending.waiters += 1
            done, _ = await asyncio.wait(
                {pending.done}, timeout=max(deadline - time.monotonic(), 0)
            )
            if not done or not alive():
                pending.waiters -= 1
                _log.warning("message %s: no answer in time; it goes later", inbound.key)
                return NO_REPLY
            direct = pending.done.result()
            if direct is not None:  # answered from memory (not stored): this call or none
                pending.claimed.set()
                return text_reply(inbound, direct)
        try:
            claimed = await asyncio.to_thread(self._claim, inbound.key, alone) if alive() else []
        finally:
            if pending is not None:
                pending.claimed.set()
        if not claimed:
            return NO_REPLY
        return text_reply(inbound, "\n\n".join(str(p.get("text", "")) for p in claimed))

    def _claim(self, key: str, again: bool) -> list[dict[str, Any]]:
        claimed = durable.claim_source(self.store, CHANNEL, key)
        if not claimed and again:
            claimed = durable.claim_source(self.store, CHANNEL, key, again=True)
        return claimed

    async def _take_in(self, inbound: Inbound) -> bool:
        """Store a message and queue its turn; False when it could not be stored. One user's
        messages are taken in one at a time, so their turns run in the order they came."""
        chat = PREFIX + inbound.openid
        intake = self._intake.setdefault(chat, asyncio.Lock())
        try:
            async with intake:
                state = await asyncio.to_thread(
                    durable.store_message,
                    self.store,
                    CHANNEL,
                    inbound.key,
                    chat,
                    inbound.to_json(),
                )
                if state == "new":
                    self._dispatch(inbound)
                elif state == "pending" and inbound.key not in self._results:
                    self._dispatch(inbound, adopt=True)  # another worker's, or a dead one's
        except StoreUnavailable as exc:
            _log.error("NOT stored (%s): a message from %s; WeChat will send it again", exc, chat)
            return False
        finally:
            if not intake.locked() and self._intake.get(chat) is intake:
                del self._intake[chat]
        return True

    def _dispatch(self, inbound: Inbound, adopt: bool = False) -> None:
        """Queue a message's turn on its user's lane (synchronously: the order is kept);
        ``adopt``: a message another worker took, run here only if it died."""
        if inbound.key in self._results:
            return
        pending = self._results[inbound.key] = _Pending()
        lane = self.lanes.get(PREFIX + inbound.openid)
        lane.users += 1
        work = self._adopt(inbound) if adopt else self._run(inbound)
        task = asyncio.get_running_loop().create_task(self._in_lane(work, inbound, lane, pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_lane(
        self, work: Awaitable[str | None], inbound: Inbound, lane: Lane, pending: _Pending
    ) -> None:
        chat = PREFIX + inbound.openid
        direct: str | None = None
        try:
            # outside the lane: the earlier message may be queued in it behind this one
            await self._after_earlier(inbound)
            async with lane.lock:
                direct = await work
                if not pending.done.done():
                    pending.done.set_result(direct)
                if pending.waiters:
                    waiter = asyncio.ensure_future(pending.claimed.wait())
                    await asyncio.wait({waiter}, timeout=CLAIM_WAIT_S)
                    waiter.cancel()
        finally:
            self._results.pop(inbound.key, None)
            if not pending.done.done():
                pending.done.set_result(direct)
            self.lanes.release(chat, lane)
            self.sender.wake()

    async def _adopt(self, inbound: Inbound) -> str | None:
        """Wait while another worker runs the message's turn; run it here if that worker
        left it unfinished (None: the reply is in the outbox either way)."""
        give_up = time.monotonic() + ADOPT_FOR_S
        while not self._stopping and time.monotonic() < give_up:
            try:
                outcome = await asyncio.to_thread(
                    durable.take_over, self.store, CHANNEL, inbound.key, TAKE_OVER_S
                )
            except StoreUnavailable as exc:
                _log.error("message %s cannot be checked: %s", inbound.key, exc)
                return None
            if outcome == "taken":
                _log.warning("message %s: its worker left it unfinished; run here", inbound.key)
                return await self._run(inbound)
            if outcome == "done":
                return None
            await asyncio.sleep(0.2)
        return None

    async def _after_earlier(self, inbound: Inbound) -> None:
        """While the user's previous message is still being answered (by another worker, or
        queued here), this one waits for it: one turn per user at a time, in order. Not
        longer than ``EARLIER_WAIT_S``, and not for a message nobody has worked on for
        ``EARLIER_FRESH_S`` (its worker died and WeChat stopped retrying it)."""
        chat = PREFIX + inbound.openid
        give_up = time.monotonic() + EARLIER_WAIT_S
        while not self._stopping and time.monotonic() < give_up:
            try:
                earlier = await asyncio.to_thread(
                    durable.earlier_unfinished,
                    self.store,
                    CHANNEL,
                    chat,
                    inbound.key,
                    EARLIER_FRESH_S,
                )
            except StoreUnavailable:
                return  # the turn meets the same error and answers from memory
            if earlier is None:
                return
            await asyncio.sleep(0.05)
        _log.warning("message %s: the user's earlier message is still unanswered", inbound.key)

    async def _run(self, inbound: Inbound) -> str | None:
        """The turn in a worker thread; an apology when it fails. None when the reply is in
        the outbox, else the text to answer with from memory."""
        if self._stopping:
            return None  # stays unfinished in the inbox: the next start answers it
        loop = asyncio.get_running_loop()
        try:
            pool = self._pools["quick" if quick(inbound) else "slow"]
            return await loop.run_in_executor(pool, functools.partial(self.work.turn, inbound))
        except Exception as exc:  # one failing turn: an apology, the others go on
            _log.error("message %s failed: %s", inbound.key, exc, exc_info=exc)
            text = (
                exc.user_message if isinstance(exc, PolicyBotError) else PolicyBotError.user_message
            )
            return await asyncio.to_thread(self.work.apology, inbound, text)
