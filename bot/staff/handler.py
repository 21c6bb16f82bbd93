"""Channel-independent staff handlers: an ``Incoming`` in, ``Reply`` objects out.

A reply whose ``to`` is set goes to another chat than the one the event came from: the staff
group (``to=staff chat id``) or the user a member of staff answers (``to=user's chat id``).
The ticket's message in the staff group has ``slot="ticket:<id>"``: later replies with that
slot edit it in place, and a staff message that replies to it arrives with
``incoming.meta["reply_to_slot"] == "ticket:<id>"``.

Every handler returns None when the event is not for it (a non-staff user sending /queue gets
the normal assistant), and a list (possibly empty) when it handled the event. State lives in
the ``StaffStore`` passed in with the desk; nothing here touches a channel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain import Clause, Incoming, Lang, Reply, Session
from bot.messages import text
from bot.staff.cards import card_of, faq_review, slot_of_card, staff_answer, ticket_card
from bot.staff.commands import (
    STAFF_COMMANDS,
    answer_ticket,
    parse_command,
    pending_deliveries,
    staff_choice,
    staff_command,
    staff_message,
)
from bot.staff.desk import StaffDesk
from bot.staff.store import Ticket
from bot.staff.triggers import FEEDBACK_DOWN, HANDOFF_CHOICE, REASONS, Reason, feedback

__all__ = [
    "STAFF_COMMANDS",
    "answer_ticket",
    "faq_review",
    "forget",
    "open_ticket",
    "parse_command",
    "pending_deliveries",
    "slot_of_card",
    "staff_answer",
    "staff_choice",
    "staff_command",
    "staff_message",
    "ticket_card",
    "user_choice",
    "user_followed_up",
]

TRANSCRIPT_TURNS = 6


def _clause_record(clause: Clause) -> dict[str, Any]:
    return {
        "key": clause.key,
        "doc": clause.doc_id,
        "title": clause.doc_title,
        "clause": clause.clause,
        "responsible": list(clause.responsible),
    }


# ------------------------------------------------------------------------ the user's side


def open_ticket(
    desk: StaffDesk,
    incoming: Incoming,
    session: Session,
    reason: Reason,
    now: datetime,
    question: str | None = None,
) -> tuple[Ticket, list[Reply]]:
    """Hand the conversation to staff: a ticket with its context, the user told when staff
    will reply, the ticket posted to the staff group. A session that already has a ticket
    waiting is told so instead of getting a second one."""
    key = incoming.session_key
    lang: Lang = session.lang
    existing = desk.store.open_ticket_for(key)
    if existing is not None and existing.status == "waiting":
        already = _told(
            desk,
            "staff.already",
            lang,
            now,
            existing.id,
            {"handoff": {"ticket": existing.id, "status": existing.status}},
        )
        return existing, [already]
    recent = desk.store.recent(key, TRANSCRIPT_TURNS)
    asked = question or (recent[-1].question if recent else (incoming.text or ""))
    clauses = _context_clauses(desk, asked, recent[-1].top_clause if recent else None)
    ticket = desk.store.open_ticket(
        session_key=key,
        chat_id=incoming.chat_id,
        user_id=incoming.user_id,
        lang=lang,
        question=asked,
        transcript=[{"q": r.question, "a": r.answer} for r in recent],
        facts=dict(session.facts),
        clauses=[_clause_record(c) for c in clauses],
        reason=reason,
        now=now,
    )
    desk.store.attach_ticket(key, ticket.id, asked, lang, now)
    told = _told(
        desk,
        "staff.handed",
        lang,
        now,
        ticket.id,
        {"handoff": {"ticket": ticket.id, "status": ticket.status, "reason": reason}},
    )
    card = card_of(desk, ticket)
    return ticket, [told, *([card] if card else [])]


def _told(
    desk: StaffDesk, key: str, lang: Lang, now: datetime, ticket: int, data: dict[str, Any]
) -> Reply:
    """A catalogue sentence to the user with the promise of when staff will reply."""
    promise = desk.hours.promise(now, lang)
    return Reply(text(key, lang, ticket=ticket, promise=promise), data=data)


def _context_clauses(desk: StaffDesk, asked: str, last_clause: str | None) -> list[Clause]:
    """The clauses a ticket shows staff: the one the last answer quoted, then the best
    matches of the question; one entry per clause (the sentence groups of a long clause
    share its number), three at most."""
    found = list(desk.retrieve(asked)) if asked.strip() else []
    if last_clause and last_clause in desk.clauses:
        found.insert(0, desk.clauses[last_clause])
    clauses: list[Clause] = []
    for clause in found:
        if all((c.doc_id, c.clause) != (clause.doc_id, clause.clause) for c in clauses):
            clauses.append(clause)
    return clauses[:3]


def user_choice(
    desk: StaffDesk, incoming: Incoming, session: Session, now: datetime
) -> list[Reply] | None:
    """👍/👎 under an answer, and the 转人工 / 问工作人员 buttons; None for other buttons."""
    choice = incoming.choice or ""
    lang = session.lang
    if choice.startswith(HANDOFF_CHOICE):
        wanted = choice[len(HANDOFF_CHOICE) :].lstrip(":")
        reason: Reason = "asked"
        for known in REASONS:
            if wanted == known:
                reason = known
        return open_ticket(desk, incoming, session, reason, now)[1]
    vote = feedback(choice)
    if vote is None:
        return None
    value, token = vote
    row = desk.store.set_feedback(token, value, incoming.session_key)
    if row is None:
        return [Reply(text("staff.expired", lang))]
    if choice.startswith(FEEDBACK_DOWN):
        _, replies = open_ticket(desk, incoming, session, "thumbs_down", now, row.question)
        return [Reply(text("staff.thanks_down", lang)), *replies]
    return [Reply(text("staff.thanks", lang))]


def user_followed_up(desk: StaffDesk, session_key: str, now: datetime) -> Ticket | None:
    """The user's next message after a staff answer: the handoff is resolved, the assistant
    answers again. The resolved ticket, or None when there was none to resolve."""
    ticket = desk.store.open_ticket_for(session_key)
    if ticket is None or ticket.status != "answered":
        return None
    return desk.store.advance_ticket(ticket.id, "user_next", now=now)


def forget(desk: StaffDesk, incoming: Incoming, lang: Lang) -> list[Reply]:
    """/forget: every log entry and ticket of this conversation is deleted."""
    count = desk.store.forget(incoming.session_key)
    return [Reply(text("staff.forgotten", lang, count=count))]


# ---------------------------------------------------------------------- the staff's side
