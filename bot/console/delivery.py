"""How a staff reply written in the console reaches the user, and which channel a ticket
came from.

The reply takes the path of a staff answer in the Telegram staff group:
``handler.answer_ticket`` records it on the ticket and returns the replies (to the user, and
the ticket card for the staff group). For a Telegram or WeChat user they are queued in the
channel's durable outbox through the channel-neutral ``bot.channels.durable.enqueue_reply``
(in the conversation store), which the running bot's sender reads every second, and the
ticket is marked delivered after that commit (a crash between the two can repeat the reply
once, never lose it). For the JSON-lines channel the answer waits undelivered in the staff
store, as ``triage answer`` leaves it: the JSON-lines outbox writes it within a second, and
every channel brings it with the user's next message.
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
    outbox: Store | None = None,
) -> list[Reply]:
    """Answer the ticket; with ``outbox`` (the conversation store that a Telegram or WeChat
    channel sends from) the replies are queued there at once. The replies ``answer_ticket``
    gave."""
    from bot.channels import durable

    replies = handler.answer_ticket(desk, ticket_id, text, staff, now, delivered=False)
    ticket = desk.store.ticket(ticket_id)
    channel = _messaging_channel(ticket.chat_id)
    if outbox is None or channel is None or ticket.answer != text.strip():
        return replies
    durable.prepare(outbox)
    with outbox.transaction() as tx:
        for reply in replies:
            to = reply.to or ticket.chat_id
            to_channel = _messaging_channel(to)
            if to_channel is not None:
                durable.enqueue_reply(tx.db, to_channel, to, reply)
    desk.store.set_delivered(ticket_id, True)
    return replies


def _messaging_channel(chat_id: str) -> str | None:
    """The channel with an outbox that ``chat_id`` belongs to: WeChat users are "wx:<openid>",
    Telegram chats are numbers."""
    if chat_id.startswith("wx:"):
        return "wechat"
    return "telegram" if chat_id.lstrip("-").isdigit() else None


def channel_of(ticket: Ticket, jsonl_chats: set[str]) -> str:
    """The channel a ticket's user talks through."""
    if ticket.chat_id in jsonl_chats:
        return "jsonl"
    return _messaging_channel(ticket.chat_id) or "telegram"


def jsonl_chats(services: Services) -> set[str]:
    """The chats of the JSON-lines channel (recorded in the conversation store)."""
    if services.store is None:
        return set()
    from bot.channels.jsonl import known_chats

    return known_chats(services.store)
