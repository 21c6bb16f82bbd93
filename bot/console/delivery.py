"""How a staff reply written in the console reaches the user, and which channel a ticket
came from. One small seam, so the lead can switch it to the channel-neutral outbox.

The reply takes the path of a staff answer in the Telegram staff group:
``handler.answer_ticket`` records it on the ticket and returns the replies (to the user, and
the ticket card for the staff group). For a Telegram user they are queued in Telegram's
durable outbox (``tg_outbox`` in the conversation store, ``queue_replies``), which the
running bot's sender reads every second, and the ticket is marked delivered after that
commit (a crash between the two can repeat the reply once, never lose it). For other
channels the answer waits undelivered in the staff store, as ``triage answer`` leaves it: the
JSON-lines outbox writes it within a second, and every channel brings it with the user's
next message.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain import Reply
from bot.services import Services
from bot.staff import handler
from bot.staff.desk import StaffDesk
from bot.staff.store import Ticket
from bot.store import Store


def send_staff_reply(
    desk: StaffDesk,
    ticket_id: int,
    text: str,
    staff: str,
    now: datetime,
    telegram: Store | None = None,
) -> list[Reply]:
    """Answer the ticket; with ``telegram`` (the conversation store of a Telegram user's
    ticket) the replies go into Telegram's outbox at once. The replies ``answer_ticket`` gave."""
    replies = handler.answer_ticket(desk, ticket_id, text, staff, now, delivered=False)
    ticket = desk.store.ticket(ticket_id)
    if telegram is None or ticket.answer != text.strip() or not ticket.chat_id.lstrip("-").isdigit():
        return replies
    from bot.channels.telegram.delivery import OUTBOX_STEPS, queue_replies

    telegram.migrate("telegram.outbox", OUTBOX_STEPS)
    with telegram.transaction() as tx:
        queue_replies(tx.db, int(ticket.chat_id), replies, None)
    desk.store.set_delivered(ticket_id, True)
    return replies


def channel_of(ticket: Ticket, jsonl_chats: set[str]) -> str:
    """The channel a ticket's user talks through."""
    return "jsonl" if ticket.chat_id in jsonl_chats else "telegram"


def jsonl_chats(services: Services) -> set[str]:
    """The chats of the JSON-lines channel (recorded in the conversation store)."""
    if services.store is None:
        return set()
    from bot.channels.jsonl import known_chats

    return known_chats(services.store)
