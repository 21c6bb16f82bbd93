"""The customer-service sender: queued messages (a late answer, a staff reply) go out through
the customer-service API while WeChat allows it: within 48 hours of the user's last message
and a few per message (``users.UserState.may_send``). What may not go now waits for the
user's next message (held back from the sender, taken along by that turn); nothing is
dropped, except for a user who unfollowed (43004: kept in ``channel_undelivered``)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, Final

from bot.channels import durable
from bot.channels.durable.outbox import due, hold_chat, lease, reschedule
from bot.channels.lanes import Lanes
from bot.errors import StoreUnavailable
from bot.store import Store

from . import users
from .client import NOT_NOW, WeChatClient, WeChatError
from .render import Rendered, held, merge

_log = logging.getLogger(__name__)

CHANNEL: Final = "wechat"
PREFIX: Final = "wx:"
HOLD_S: Final = 600.0  # a user WeChat will not take messages for now: look again this late
LEASE_S: Final = 30.0  # a row being sent is another worker's to send only after this


class CustomerService:
    """Sends the shared outbox's WeChat rows that are due, one per user at a time."""

    def __init__(
        self, store: Store, client: WeChatClient | None, lanes: Lanes[str], enabled: bool
    ) -> None:
        self.store = store
        self.client = client
        self.lanes = lanes
        self.enabled = enabled and client is not None
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Send until cancelled."""
        while True:
            self._wake.clear()
            if self.enabled:
                try:
                    rows = await asyncio.to_thread(due, self.store, CHANNEL)
                except StoreUnavailable as exc:
                    _log.error("the outbox cannot be read: %s", exc)
                    rows = []
                for row in rows:
                    lane = self.lanes.get(row.chat)
                    if lane.lock.locked() or lane.users:
                        continue  # a turn of this user runs: its reply takes the row along
                    lane.users += 1
                    try:
                        async with lane.lock:
                            await self._send_one(row)
                    finally:
                        self.lanes.release(row.chat, lane)
            waiter = asyncio.ensure_future(self._wake.wait())
            await asyncio.wait({waiter}, timeout=1.0)
            waiter.cancel()

    async def _send_one(self, row: durable.Queued) -> None:
        assert self.client is not None
        # the row is this worker's for LEASE_S (several workers send from one outbox)
        if not await asyncio.to_thread(lease, self.store, row.id, LEASE_S):
            return
        with self.store.reading() as db:
            state = users.load(db, row.chat)
        if not state.may_send():
            await asyncio.to_thread(self._hold, row.chat)
            return
        rendered = merge([held(row.payload, row.source)])
        try:
            await self.client.send_text(row.chat.removeprefix(PREFIX), rendered.text)
        except WeChatError as exc:
            await self._failed(row, exc)
            return
        await asyncio.to_thread(self._sent, row, rendered)

    def _hold(self, chat: str) -> None:
        with self.store.transaction() as tx:
            hold_chat(tx.db, CHANNEL, chat, HOLD_S)

    def _sent(self, row: durable.Queued, rendered: Rendered) -> None:
        with self.store.transaction() as tx:
            durable.take(tx.db, [row.id])
            state = users.load(tx.db, row.chat)
            changes: dict[str, Any] = {"cs_sent": state.cs_sent + 1}
            if rendered.rest:
                changes["rest"] = rendered.rest
            if rendered.options:
                changes.update(options=rendered.options, typed_only=rendered.typed_only)
            users.save(tx.db, dataclasses.replace(state, **changes))

    async def _failed(self, row: durable.Queued, exc: WeChatError) -> None:
        if exc.code == 43004:
            await asyncio.to_thread(durable.give_up, self.store, row, str(exc))
        elif exc.code == 48001:
            _log.error(
                "the customer-service API is not allowed (%s): verify the account; "
                "replies now wait for the user's next message",
                exc,
            )
            self.enabled = False
        elif exc.code in NOT_NOW:
            _log.info("customer-service message to %s not allowed now (%s)", row.chat, exc.code)
            await asyncio.to_thread(self._close_window, row.chat, exc.code)
        else:
            delay = min(60.0, 2.0 ** min(row.attempts + 1, 6))
            _log.warning(
                "customer-service message to %s failed (%s); retry in %.0f s", row.chat, exc, delay
            )
            await asyncio.to_thread(
                reschedule, self.store, row.id, delay, row.attempts + 1, str(exc)
            )

    def _close_window(self, chat: str, code: int) -> None:
        column = "last_in = 0" if code == 45015 else f"cs_sent = {users.CS_PER_MESSAGE}"
        with self.store.transaction() as tx:
            tx.db.execute(f"UPDATE wechat_users SET {column} WHERE chat = ?", (chat,))
            hold_chat(tx.db, CHANNEL, chat, HOLD_S)
