"""The staff's side of the desk: commands (/queue, /ticket, /stats, /faq), the buttons on
ticket cards and curated-answer reviews, and a staff reply to a ticket card.

``is_staff_traffic`` decides, without I/O, whether an event is for these handlers (the staff
stage of the router); the handlers themselves read and write the staff store and run inside
the turn's transaction (``bot.staff.effects``). Every handler returns the replies to send:
a reply whose ``to`` is set goes to another chat (the staff group, or the user answered).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.domain import Incoming, Reply
from bot.messages import both, text
from bot.staff.cards import REASON_ZH, STATUS_ZH, card_of, faq_review, staff_answer, ticket_card
from bot.staff.desk import StaffDesk
from bot.staff.faq import amount_sources, unverified_amounts
from bot.staff.handoff import InvalidTransition
from bot.staff.stats import compute
from bot.staff.store import NotFound

STAFF_COMMANDS = ("queue", "ticket", "stats", "faq")


def parse_command(text: str | None) -> tuple[str, str] | None:
    match = re.match(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", (text or "").strip(), re.DOTALL)
    return (match.group(1).lower(), (match.group(2) or "").strip()) if match else None


def _staff_place(desk: StaffDesk, incoming: Incoming) -> bool:
    """Where staff data may be shown: the staff group, or a member's own private chat (a
    private chat's id is its user's id). Never an ordinary group, where it would reach users."""
    if desk.in_staff_chat(incoming.chat_id):
        return True
    return (
        not incoming.group and incoming.user_id is not None and incoming.chat_id == incoming.user_id
    )


def _staff_command(desk: StaffDesk, incoming: Incoming) -> tuple[str, str] | None:
    """A staff command from a member of staff in a place for staff data, else None (the
    assistant then answers it as an unknown command)."""
    command = parse_command(incoming.text)
    if command is None or command[0] not in STAFF_COMMANDS or not desk.is_staff(incoming.user_id):
        return None
    return command if _staff_place(desk, incoming) else None


def _who(incoming: Incoming) -> str:
    name = incoming.meta.get("user_name") or incoming.meta.get("username")
    uid = incoming.user_id or incoming.chat_id
    return f"{name} ({uid})" if name else str(uid)


def _authorised(desk: StaffDesk, incoming: Incoming) -> bool:
    """Staff ids always; anyone in the staff group while no ids are configured."""
    if desk.is_staff(incoming.user_id):
        return True
    return not desk.staff_user_ids and desk.in_staff_chat(incoming.chat_id)


def answer_ticket(
    desk: StaffDesk,
    ticket_id: int,
    text: str,
    staff: str,
    now: datetime,
    delivered: bool = True,
) -> list[Reply]:
    """A member of staff answers a ticket: the answer goes to the user marked as from staff,
    the card is updated with a "save as FAQ" button. ``delivered=False`` (the CLI, which
    sends nothing itself) leaves the answer for ``pending_deliveries``."""
    text = text.strip()
    if not text:
        return [Reply(both("staff.desk.answer_empty"))]
    try:
        ticket = desk.store.advance_ticket(
            ticket_id, "staff_reply", staff=staff, answer=text, now=now
        )
    except NotFound:
        return [Reply(both("staff.desk.no_ticket", ticket=ticket_id))]
    except InvalidTransition:
        return [Reply(both("staff.desk.cannot_answer", ticket=ticket_id))]
    desk.store.mark_staff_answered(ticket.id, text)
    desk.store.set_delivered(ticket.id, delivered)
    replies = [staff_answer(ticket)]
    card = card_of(desk, ticket)
    if card is not None:
        replies.append(card)
    return replies


def pending_deliveries(desk: StaffDesk, session_key: str | None = None) -> list[Reply]:
    """Staff answers written where no chat was at hand (the CLI), as replies to their users,
    each marked delivered: a channel sends them (through its outbox) and the user's next turn
    picks up any of their own that are still waiting."""
    replies = []
    for ticket in desk.store.undelivered(session_key):
        replies.append(staff_answer(ticket))
        desk.store.set_delivered(ticket.id, True)
    return replies


def staff_message(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply] | None:
    """A staff command, or a reply to a ticket card in the staff group (which answers the
    ticket; from anyone else it is ignored). None for everything else: a policy question put
    to the bot in the staff group is answered by the assistant like anywhere else."""
    command = staff_command(desk, incoming, now)
    if command is not None:
        return command
    match = re.fullmatch(r"ticket:(\d+)", incoming.meta.get("reply_to_slot", ""))
    if match is None or not desk.in_staff_chat(incoming.chat_id):
        return None
    if not _authorised(desk, incoming) or not (incoming.text or "").strip():
        return []
    return answer_ticket(desk, int(match.group(1)), incoming.text or "", _who(incoming), now)


def save_faq(desk: StaffDesk, ticket_id: int, author: str, now: datetime) -> list[Reply]:
    """Turn an answered ticket into a suggested curated answer, amounts checked."""
    try:
        ticket = desk.store.ticket(ticket_id)
    except NotFound:
        return [Reply(text("staff.desk.no_ticket", ticket=ticket_id))]
    if ticket.answer is None:
        return [Reply(text("staff.desk.not_answered", ticket=ticket_id))]
    if ticket.faq_id is not None:
        return [Reply(text("staff.desk.already_saved", ticket=ticket_id, faq=ticket.faq_id))]
    keys = [str(c["key"]) for c in ticket.clauses if c.get("key")]
    flagged = unverified_amounts(ticket.answer, amount_sources(keys, desk.clauses, desk.store))
    entry = desk.store.add_faq(
        [ticket.question],
        ticket.answer,
        keys,
        author,
        unverified_amounts=flagged,
        ticket_id=ticket.id,
        now=now,
    )
    desk.store.link_faq(ticket.id, entry.id)
    replies = [faq_review(entry, desk.clauses)]
    card = card_of(desk, desk.store.ticket(ticket.id))
    if card is not None:
        replies.append(card)
    return replies


def staff_choice(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply] | None:
    """Buttons on ticket cards and curated-answer reviews; None for any other button."""
    match = _STAFF_BUTTON.fullmatch(incoming.choice or "")
    if match is None:
        return None
    if not _authorised(desk, incoming):
        return [Reply(both("staff.desk.staff_only"))]
    action, number = match.group(1), int(match.group(2))
    who = _who(incoming)
    try:
        if action == "t:claim":
            ticket = desk.store.claim(number, who, now)
            card = card_of(desk, ticket)
            return [card] if card else [Reply(text("staff.desk.claimed", ticket=number))]
        if action == "t:close":
            ticket = desk.store.advance_ticket(number, "close", staff=who, now=now)
            notice = Reply(
                text("staff.closed", ticket.lang, ticket=ticket.id),
                to=ticket.chat_id,
                data={"from_staff": True, "ticket": ticket.id},
            )
            card = card_of(desk, ticket)
            return [notice, *([card] if card else [])]
        if action == "faq:save":
            return save_faq(desk, number, who, now)
        if action == "faq:approve":
            entry = desk.store.set_faq_status(
                number, "approved", who, confirm_amounts=True, now=now
            )
            return [Reply(text("staff.desk.approved", faq=entry.id), data={"faq": entry.to_json()})]
        entry = desk.store.set_faq_status(number, "retired", who, now=now)
        return [Reply(text("staff.desk.retired", faq=entry.id), data={"faq": entry.to_json()})]
    except NotFound as exc:
        return [Reply(text("staff.desk.not_found", what=exc))]
    except InvalidTransition:
        return [Reply(both("staff.desk.closed", ticket=number))]


def _queue_text(desk: StaffDesk) -> str:
    waiting = desk.store.tickets("waiting")
    answered = desk.store.tickets("answered")
    if not waiting and not answered:
        return both("staff.desk.queue_empty")
    lines = [text("staff.desk.queue_head", waiting=len(waiting), answered=len(answered))]
    for t in [*waiting, *answered][:20]:
        lines.append(
            text(
                "staff.desk.queue_line",
                ticket=t.id,
                status=STATUS_ZH[t.status],
                opened=t.created_at[:16].replace("T", " "),
                reason=REASON_ZH.get(t.reason, t.reason),
                question=t.question[:60],
            )
            + (text("staff.desk.queue_handler", staff=t.staff) if t.staff else "")
        )
    return "\n".join(lines)


def staff_command(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply] | None:
    """/queue, /ticket N, /stats, /faq [N] for the ids in POLICYBOT_STAFF_USER_IDS only, in
    the staff group or their private chat; None otherwise (the normal assistant answers them,
    never with staff data)."""
    command = _staff_command(desk, incoming)
    if command is None:
        return None
    name, arg = command
    if name == "queue":
        return [Reply(_queue_text(desk))]
    if name == "stats":
        return [Reply(compute(desk.store).render("zh"))]
    if name == "ticket":
        number = arg.lstrip("#")  # "/ticket 12" and "/ticket #12" alike
        if not number.isdigit():
            return [Reply(text("staff.desk.ticket_usage"))]
        try:
            ticket = desk.store.ticket(int(number))
        except NotFound:
            return [Reply(text("staff.desk.no_ticket", ticket=number))]
        card = card_of(desk, ticket)
        # Shown here as a fresh message (no slot): the group's card stays where it is.
        return [Reply(ticket_card(ticket), options=card.options if card else ())]
    # /faq: the suggested entries to review, or one entry by number
    if arg.isdigit():
        try:
            return [faq_review(desk.store.faq(int(arg)), desk.clauses)]
        except NotFound:
            return [Reply(text("staff.desk.no_faq", faq=arg))]
    suggested = desk.store.faqs("suggested")
    approved = desk.store.faqs("approved")
    lines = [text("staff.desk.faq_head", approved=len(approved), suggested=len(suggested))]
    lines.extend(
        text("staff.desk.faq_suggested", faq=e.id, question=e.variants[0][:60])
        for e in suggested[:20]
    )
    lines.extend(
        text("staff.desk.faq_approved", faq=e.id, hits=e.hits, question=e.variants[0][:60])
        for e in approved[:20]
    )
    return [Reply("\n".join(lines))]


_STAFF_BUTTON = re.compile(r"(t:claim|t:close|faq:save|faq:approve|faq:retire):(\d+)")


def is_staff_traffic(desk: StaffDesk, incoming: Incoming) -> bool:
    """Whether the staff's handlers take this event: a button of a ticket card or review,
    a staff command from a staff id, a reply to a ticket card in the staff group. Pure."""
    if incoming.choice is not None:
        return _STAFF_BUTTON.fullmatch(incoming.choice) is not None
    if incoming.kind != "text":
        return False
    if _staff_command(desk, incoming) is not None:
        return True
    slot = incoming.meta.get("reply_to_slot", "")
    return re.fullmatch(r"ticket:\d+", slot) is not None and desk.in_staff_chat(incoming.chat_id)


def staff_traffic(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply]:
    """Run the staff handler an event is for (``is_staff_traffic`` said it is one)."""
    if incoming.choice is not None:
        return staff_choice(desk, incoming, now) or []
    return staff_message(desk, incoming, now) or []
