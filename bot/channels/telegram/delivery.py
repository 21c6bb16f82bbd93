"""The outbox's sender: replies are sent from the durable outbox (``outbox``) and deleted
when Telegram has accepted them.

``OutboxSender`` takes the oldest message of each chat (a chat's messages go out in order,
chats in parallel; of several workers sharing the outbox, the one whose lease on the row
succeeds sends it, and another sends it when that one died before it was done), paces it
(``retry.Pacer``), and sends it.

- 429: wait as Telegram says; costs no attempt.
- 5xx, refused or dropped connections: back-off doubling to ``max_delay``, for as long as
  ``retry_for`` (hours by default; across restarts: the state is in the table); then the
  message is given up, kept in ``tg_undelivered`` and logged as "NOT delivered".
- A read timeout, a connection dropped after the request was written, or a 200 whose body
  cannot be read means "maybe delivered" (the Bot API has no idempotency key): the message
  is sent again once; after a second such failure it is given up with a log line that
  says it may have arrived. So no failure multiplies a reply, and none loses it unsent.
- 400 "can't parse entities": sent again as plain text; other 400 and 403: given up.
- 401/404 (the token): ``on_fatal``; the message stays for the next start.
- A reply with a ``slot`` edits its message in place (``editMessageText``), else is sent anew.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.errors import StoreUnavailable
from bot.store import Store

from .outbox import OUTBOX_COLUMNS, Queued
from .render import markup
from .retry import (
    Pacer,
    RetryPolicy,
    describe,
    maybe_delivered,
    retry_after_seconds,
    sleep_or,
)

_log = logging.getLogger(__name__)

LEASE_MARGIN_S = 30.0  # a row being sent is leased for the read timeout and this


class OutboxSender:
    """Sends the outbox: each chat's oldest message, chats in parallel, until stopped."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        policy: RetryPolicy,
        pacer: Pacer,
        on_fatal: Callable[[BaseException], None],
        read_timeout: float | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.policy = policy
        self.pacer = pacer
        self.on_fatal = on_fatal
        self.read_timeout = read_timeout
        self.delivered = 0  # messages Telegram accepted
        self.given_up = 0  # messages moved to tg_undelivered
        self.due = 0  # rows due at the last look
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._held = False

    # -- running ---------------------------------------------------------------------------------

    def wake(self) -> None:
        """New messages were queued: look at the outbox now."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._busy)

    def hold(self) -> None:
        """Start no new delivery (stopping)."""
        self._held = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            self._wake.clear()
            soonest = time.time() + 1.0
            if not self._held:
                try:
                    heads = await asyncio.to_thread(self._heads)
                except StoreUnavailable as exc:
                    _log.error("the outbox cannot be read: %s", exc)
                else:
                    soonest = self._dispatch(heads)
            await sleep_or(self._wake, min(max(soonest - time.time(), 0.005), 1.0))

    def _heads(self) -> list[Queued]:
        with self.store.reading() as db:
            rows = db.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM tg_outbox WHERE id IN "
                "(SELECT MIN(id) FROM tg_outbox GROUP BY chat_id) ORDER BY next_at LIMIT 1000"
            ).fetchall()
        return [Queued.from_row(r) for r in rows]

    def _dispatch(self, heads: list[Queued]) -> float:
        now = time.time()
        soonest = now + 1.0
        due = 0
        for row in heads:
            if row.next_at > now:
                soonest = min(soonest, row.next_at)
                continue
            due += 1
            if row.chat_id in self._busy:
                continue
            self._busy.add(row.chat_id)
            task = asyncio.get_running_loop().create_task(self._deliver(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.due = due
        return soonest

    async def idle(self, due_only: bool = False) -> bool:
        """Nothing being sent and nothing left to send (``due_only``: nothing due now)."""
        if self._busy:
            return False
        until = time.time() if due_only else float("inf")
        with self.store.reading() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM tg_outbox WHERE next_at <= ?", (until,)
            ).fetchone()
        return int(row[0]) == 0

    def pending(self) -> int:
        """Messages in the outbox (due or waiting)."""
        with self.store.reading() as db:
            return int(db.execute("SELECT COUNT(*) FROM tg_outbox").fetchone()[0])

    async def stop(self, grace: float) -> None:
        """Let deliveries in flight finish for ``grace`` seconds, then cancel them (their
        messages stay in the outbox for the next start)."""
        self.hold()
        tasks = set(self._tasks)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)

    # -- one message -----------------------------------------------------------------------------

    async def _deliver(self, row: Queued) -> None:
        try:
            await self._attempt(row)
        except asyncio.CancelledError:
            raise
        except StoreUnavailable as exc:
            _log.error("outbox update for chat %s failed: %s", row.chat_id, exc)
        except Exception:
            _log.exception("delivery to chat %s failed unexpectedly", row.chat_id)
            await self._reschedule(row, row.attempts + 1, "unexpected error")
        finally:
            self._busy.discard(row.chat_id)
            self._wake.set()

    async def _attempt(self, row: Queued) -> None:
        await self.pacer.wait(row.chat_id)
        if not await asyncio.to_thread(self._lease, row):
            return  # another worker sends it (several workers share one outbox)
        try:
            message = await self._send(row)
        except asyncio.CancelledError:
            # Stopped while sending: due again at the next start, not when the lease ends (a
            # restart within the lease waited up to its 60 s). Telegram may have it: as a worker
            # that dies mid-send, the row is sent again (at least once, never lost).
            self._release(row.id)
            raise
        except RetryAfter as exc:
            delay = retry_after_seconds(exc)
            _log.warning("chat %s: Telegram asks to wait %.0fs (429)", row.chat_id, delay)
            await self._later(row, delay, attempts=row.attempts, error=describe(exc))
        except TimedOut as exc:
            if not maybe_delivered(exc):
                await self._reschedule(row, row.attempts + 1, describe(exc))
            else:
                await self._maybe_delivered(row, exc)
        except ChatMigrated as exc:
            _log.info("chat %s migrated to %s", row.chat_id, exc.new_chat_id)
            await asyncio.to_thread(self._migrate_chat, row.chat_id, int(exc.new_chat_id))
        except InvalidToken as exc:
            self.on_fatal(exc)
            await self._later(row, 60.0, row.attempts, "the token was rejected")
        except BadRequest as exc:
            text = exc.message.lower()
            if "parse entities" in text and not row.plain_only:
                _log.error("Telegram refused the HTML of a reply to chat %s: %s", row.chat_id, exc)
                await asyncio.to_thread(self._set_plain, row.id)
            else:
                await self._give_up(row, describe(exc))
        except Forbidden as exc:
            await self._give_up(row, describe(exc))
        except NetworkError as exc:  # 5xx, refused and dropped connections
            if maybe_delivered(exc):  # dropped after the request was written
                await self._maybe_delivered(row, exc)
            else:
                await self._reschedule(row, row.attempts + 1, describe(exc))
        except TelegramError as exc:
            if maybe_delivered(exc):  # an answer that cannot be read
                await self._maybe_delivered(row, exc)
            else:
                await self._give_up(row, describe(exc))
        else:
            await asyncio.to_thread(self._done, row, message)
            self.delivered += 1

    async def _maybe_delivered(self, row: Queued, exc: TelegramError) -> None:
        """Telegram may have the message: send it once more, never a third time (the row's
        ``timeouts`` counts these sends, whatever the failure was)."""
        if row.timeouts == 0:
            _log.warning(
                "reply to chat %s maybe delivered (%s); sending it once more",
                row.chat_id,
                describe(exc),
            )
            await self._later(row, self.policy.backoff(1), row.attempts, describe(exc), timeouts=1)
        else:
            await self._give_up(
                row, "maybe delivered twice: it may have arrived, it is not sent again"
            )

    async def _send(self, row: Queued) -> Message | None:
        text, mode = row.message.html, ParseMode.HTML
        if row.plain_only:
            text, mode = row.message.plain, None  # type: ignore[assignment]
        keys = markup(row.message.keyboard)
        timeouts: dict[str, Any] = {}
        if self.read_timeout is not None:
            timeouts["read_timeout"] = self.read_timeout
        if row.slot is not None:
            message_id = await asyncio.to_thread(self._slot_message, row.chat_id, row.slot)
            if message_id is not None:
                try:
                    edited = await self.bot.edit_message_text(
                        text,
                        chat_id=row.chat_id,
                        message_id=message_id,
                        parse_mode=mode,
                        reply_markup=keys,
                        **timeouts,
                    )
                    return edited if isinstance(edited, Message) else None
                except BadRequest as exc:
                    reason = exc.message.lower()
                    if "not modified" in reason:
                        return None  # already shows exactly this
                    if "parse entities" in reason:
                        raise
                    _log.info("slot %s in chat %s: %s; sending anew", row.slot, row.chat_id, exc)
        return await self.bot.send_message(
            row.chat_id, text, parse_mode=mode, reply_markup=keys, **timeouts
        )

    # -- table updates (worker threads) ----------------------------------------------------------

    def _lease(self, row: Queued) -> bool:
        """Take the row for this send: it is not due for another worker until the send had
        time to finish (if this worker dies meanwhile, another sends it then)."""
        now = time.time()
        hold = (self.read_timeout or 30.0) + LEASE_MARGIN_S
        with self.store.transaction() as tx:
            cursor = tx.db.execute(
                "UPDATE tg_outbox SET next_at = ? WHERE id = ? AND next_at <= ?",
                (now + hold, row.id, now),
            )
        return cursor.rowcount > 0

    def _release(self, row_id: int) -> None:
        """Give the row's lease up (the caller is being cancelled: no thread hop, a short write)."""
        try:
            with self.store.transaction() as tx:
                tx.db.execute(
                    "UPDATE tg_outbox SET next_at = ? WHERE id = ?", (time.time(), row_id)
                )
        except StoreUnavailable as exc:  # the lease then ends on its own
            _log.warning("outbox lease of chat message %s kept: %s", row_id, exc)

    def _slot_message(self, chat_id: int, slot: str) -> int | None:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT message_id FROM tg_slots WHERE chat_id = ? AND slot = ?", (chat_id, slot)
            ).fetchone()
        return int(row[0]) if row else None

    def _done(self, row: Queued, message: Message | None) -> None:
        with self.store.transaction() as tx:
            tx.db.execute("DELETE FROM tg_outbox WHERE id = ?", (row.id,))
            if row.slot is not None and message is not None:
                tx.db.execute(
                    "INSERT INTO tg_slots (chat_id, slot, message_id, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(chat_id, slot) DO UPDATE SET "
                    "message_id = excluded.message_id, updated_at = excluded.updated_at",
                    (row.chat_id, row.slot, message.message_id, time.time()),
                )

    def _set_plain(self, row_id: int) -> None:
        with self.store.transaction() as tx:
            # due again at once (as plain text), not when this send's lease ends
            tx.db.execute(
                "UPDATE tg_outbox SET plain_only = 1, next_at = ? WHERE id = ?",
                (time.time(), row_id),
            )

    def _migrate_chat(self, old: int, new: int) -> None:
        with self.store.transaction() as tx:
            tx.db.execute(  # due again at once, in the new chat, not when the lease ends
                "UPDATE tg_outbox SET chat_id = ?, next_at = ? WHERE chat_id = ? AND next_at > ?",
                (new, time.time(), old, time.time()),
            )
            tx.db.execute("UPDATE tg_outbox SET chat_id = ? WHERE chat_id = ?", (new, old))
            # a slot the new chat has already wins over the old chat's
            tx.db.execute(
                "DELETE FROM tg_slots WHERE chat_id = ? AND slot IN "
                "(SELECT slot FROM tg_slots WHERE chat_id = ?)",
                (old, new),
            )
            tx.db.execute("UPDATE tg_slots SET chat_id = ? WHERE chat_id = ?", (new, old))

    async def _reschedule(self, row: Queued, attempts: int, error: str) -> None:
        delay = self.policy.backoff(attempts)
        if time.time() + delay > row.created_at + self.policy.retry_for:
            hours = self.policy.retry_for / 3600
            await self._give_up(row, f"{error} (still failing after {hours:g} h)")
            return
        await self._later(row, delay, attempts, error)

    async def _later(
        self, row: Queued, delay: float, attempts: int, error: str, timeouts: int | None = None
    ) -> None:
        loud = attempts & (attempts - 1) == 0  # attempts 1, 2, 4, 8...: the log stays short
        _log.log(
            logging.WARNING if loud else logging.INFO,
            "reply to chat %s not sent yet (%s); retrying in %.1fs (attempt %d)",
            row.chat_id,
            error,
            delay,
            attempts,
        )
        await asyncio.to_thread(
            self._update_later,
            row.id,
            time.time() + delay,
            attempts,
            error,
            row.timeouts if timeouts is None else timeouts,
        )

    def _update_later(
        self, row_id: int, next_at: float, attempts: int, error: str, timeouts: int
    ) -> None:
        with self.store.transaction() as tx:
            tx.db.execute(
                "UPDATE tg_outbox SET next_at = ?, attempts = ?, last_error = ?, timeouts = ? "
                "WHERE id = ?",
                (next_at, attempts, error[:500], timeouts, row_id),
            )

    async def _give_up(self, row: Queued, error: str) -> None:
        _log.error(
            "reply to chat %s NOT delivered (%s): %.80r", row.chat_id, error, row.message.plain
        )
        self.given_up += 1
        await asyncio.to_thread(self._move_to_undelivered, row, error)

    def _move_to_undelivered(self, row: Queued, error: str) -> None:
        with self.store.transaction() as tx:
            tx.db.execute("DELETE FROM tg_outbox WHERE id = ?", (row.id,))
            tx.db.execute(
                "INSERT INTO tg_undelivered (chat_id, plain, error, created_at, given_up_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (row.chat_id, row.message.plain, error[:500], row.created_at, time.time()),
            )
