"""One lane per chat (Telegram) or user (WeChat): a lock that orders that chat's turns (FIFO)
while chats run concurrently, and a count of the turns queued or running on it. WeChat's
customer-service sender also keeps away from a user whose turn is running (that turn's reply
takes the queued messages along)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Lane:
    """One chat's queue: the lock orders the turns; ``users`` counts queued or running ones."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class Lanes(Generic[K]):
    """The lanes of the chats with something queued or running."""

    def __init__(self) -> None:
        self._lanes: dict[K, Lane] = {}

    def get(self, chat: K) -> Lane:
        lane = self._lanes.get(chat)
        if lane is None:
            lane = self._lanes[chat] = Lane()
        return lane

    def release(self, chat: K, lane: Lane) -> None:
        lane.users -= 1
        if lane.users <= 0 and self._lanes.get(chat) is lane and not lane.lock.locked():
            del self._lanes[chat]

    def busy(self) -> bool:
        return any(lane.users for lane in self._lanes.values())

    def pending(self) -> int:
        """Turns queued or running, over all chats."""
        return sum(lane.users for lane in self._lanes.values())
