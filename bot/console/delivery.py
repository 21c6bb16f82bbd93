"""How a staff reply written in the console reaches the user, and which channel a ticket
came from. One small seam, so the lead can switch it to the channel-neutral outbox.

The reply takes the path of every staff answer written away from a chat (the CLI's
``triage answer``): ``handler.answer_ticket(..., delivered=False)`` records it on the ticket
and leaves it undelivered in the staff store; the user's channel sends it: the JSON-lines
channel's outbox within a second, and every channel with the user's next message.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain import Reply
from bot.services import Services
from bot.staff import handler
from bot.staff.desk import StaffDesk
from bot.staff.store import Ticket


def send_staff_reply(
    desk: StaffDesk, ticket_id: int, text: str, staff: str, now: datetime
) -> list[Reply]:
    """Answer the ticket; the replies ``answer_ticket`` gives (the user's, the card)."""
    return handler.answer_ticket(desk, ticket_id, text, staff, now, delivered=False)


def channel_of(ticket: Ticket, jsonl_chats: set[str]) -> str:
    """The channel a ticket's user talks through."""
    return "jsonl" if ticket.chat_id in jsonl_chats else "telegram"


def jsonl_chats(services: Services) -> set[str]:
    """The chats of the JSON-lines channel (recorded in the conversation store)."""
    if services.store is None:
        return set()
    from bot.channels.jsonl import known_chats

    return known_chats(services.store)
