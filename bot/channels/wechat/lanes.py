"""One lane per WeChat user: a lock that orders the user's turns (FIFO) and keeps the
customer-service sender away from a user whose turn is running (that turn's reply takes
the queued messages along)."""

from __future__ import annotations

import asyncio


class Lane:
    """One user's queue: the lock orders the turns; ``users`` counts queued or running ones."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class Lanes:
    """The lanes of the users with something queued or running."""

    def __init__(self) -> None:
        self._lanes: dict[str, Lane] = {}

    def get(self, chat: str) -> Lane:
        lane = self._lanes.get(chat)
        if lane is None:
            lane = self._lanes[chat] = Lane()
        return lane

    def release(self, chat: str, lane: Lane) -> None:
        lane.users -= 1
        if lane.users <= 0 and self._lanes.get(chat) is lane and not lane.lock.locked():
            del self._lanes[chat]

    def busy(self) -> bool:
        return any(lane.users for lane in self._lanes.values())
