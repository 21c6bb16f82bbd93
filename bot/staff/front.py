"""``StaffFront``: the staff desk's entry point of earlier versions, now a name for the one
turn owner with a desk.

The staff desk is a stage of the dialogue's router (``bot.staff.stage``) whose effects
``bot.conversation.Conversation`` applies in the turn's transaction. What a channel calls is
``Conversation(services, store, desk).turn(incoming, today, within)``;
``StaffFront(conversation, desk)`` is that same conversation, kept for channels and tools
written against it (``front.turn``, ``front.desk``, ``front.conversation``).
"""

from __future__ import annotations

from bot.conversation import Conversation
from bot.staff.desk import StaffDesk
from bot.staff.stage import decorate

__all__ = ["StaffFront", "decorate"]


class StaffFront(Conversation):
    """``conversation`` with ``desk`` as a stage of every turn."""

    def __init__(self, conversation: Conversation, desk: StaffDesk) -> None:
        super().__init__(conversation.services, conversation.store, desk)
        self.desk: StaffDesk = desk

    @property
    def conversation(self) -> Conversation:
        return self
