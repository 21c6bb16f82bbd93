"""``StaffFront``: the staff desk's entry point of earlier versions, now a thin alias.

The staff desk is a stage of the dialogue's router (``bot.staff.stage``) whose effects the
one turn owner, ``bot.conversation.Conversation``, applies in the turn's transaction. What
a channel calls is ``Conversation(services, store, desk).turn(incoming, today, within)``;
``StaffFront(conversation, desk).turn(...)`` is the same call, kept for channels and tools
written against it.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.conversation import Conversation, Within
from bot.domain import Incoming, Turn
from bot.staff.desk import StaffDesk
from bot.staff.stage import decorate

__all__ = ["StaffFront", "decorate"]


class StaffFront:
    """``conversation`` with ``desk`` as a stage of every turn."""

    def __init__(self, conversation: Conversation, desk: StaffDesk) -> None:
        self.conversation = conversation.with_desk(desk)
        self.desk = desk

    def turn(
        self,
        incoming: Incoming,
        today: date,
        within: Within | None = None,
        now: datetime | None = None,
    ) -> Turn:
        return self.conversation.turn(incoming, today, within, now)
