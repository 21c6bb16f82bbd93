"""The turns of the Telegram channel: each chat's lane, the work of a turn in a worker thread,
and the replies that are not a turn's (slow down, an apology).

* Order and concurrency: each update becomes a task that first queues on its chat's lock
  (FIFO), so one chat's messages are answered in order while chats run concurrently. The
  dialogue and retrieval are synchronous CPU work and run in a worker thread (a pool of the
  channel's own), so the event loop keeps polling and sending.
* One transaction per turn: the session, the question log, the replies in the outbox and the
  update marked done (``within``). When the store cannot be written (disk full, locked) the
  turn is answered anyway, sent straight from memory, and the log says what was not stored.

``LaneWork`` is the part of ``TelegramChannel`` that runs turns; the channel gives it the
attributes declared below.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from telegram import Bot
from telegram.constants import ChatAction, ParseMode
from telegram.error import InvalidToken, TelegramError

from bot.channels import durable
from bot.channels.lanes import Lane, Lanes
from bot.conversation import Conversation
from bot.domain import Incoming, Reply
from bot.errors import PolicyBotError, StoreUnavailable
from bot.messages import both
from bot.store import Store, StoreTx

from .delivery import OutboxSender
from .outbox import StoredCallbacks, queue_replies, recipient, slot_of
from .render import CallbackCodec, Outgoing, markup, render
from .retry import RetryPolicy, call_with_retries, describe
from .updates import Work, mark_done

_log = logging.getLogger(__name__)

SLOW_DOWN = both("notice.slow_down")


class LaneWork:
    """Runs each update's turn on its chat's lane."""

    bot: Bot
    store: Store
    retry: RetryPolicy
    sender: OutboxSender
    conversation: Conversation
    turns: Conversation
    today: Callable[[], date]
    _lanes: Lanes[int]
    _tasks: set[asyncio.Task[None]]
    _pools: dict[str, ThreadPoolExecutor]
    _stopping: bool
    _on_fatal: Callable[[BaseException], None]

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
        self, update_id: int, work: Work, lane: Lane, slow_down: bool, stored: bool
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
            self._lanes.release(work.chat_id, lane)

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


async def send_unstored(
    bot: Bot, chat_id: int, messages: list[Outgoing], policy: RetryPolicy
) -> None:
    """Send without the outbox, when the store cannot be written: retried in memory only."""
    for message in messages:
        try:
            await call_with_retries(
                f"sendMessage to chat {chat_id} (not stored)",
                lambda m=message: bot.send_message(  # type: ignore[misc]
                    chat_id, m.html, parse_mode=ParseMode.HTML, reply_markup=markup(m.keyboard)
                ),
                policy,
            )
        except TelegramError as exc:
            _log.error("reply to chat %s NOT delivered (not stored: %s)", chat_id, describe(exc))


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
