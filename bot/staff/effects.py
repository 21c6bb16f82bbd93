"""The staff desk's effects: what the staff stage decides (data), and how the turn owner
applies each one in the turn's transaction.

``apply`` runs inside ``bot.conversation``'s transaction: the staff store shares the
conversation store's connection, so a ticket opened, a 👍 recorded or a staff answer marked
delivered lands together with the session and the log, or not at all. An effect's replies
may depend on what was written (a ticket's number): they are made here, from the record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain import Effect, Forget, Incoming, Lang, Reply, Session
from bot.staff import handler
from bot.staff.cards import staff_answer
from bot.staff.commands import staff_traffic
from bot.staff.desk import StaffDesk
from bot.staff.triggers import Reason
from bot.text import is_traditional, to_traditional

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffTraffic(Effect):
    """A staff command, a staff button, or a staff reply to a ticket card."""


@dataclass(frozen=True)
class UserButton(Effect):
    """The user pressed 👍/👎 or 转人工 / 问工作人员 under an answer."""


@dataclass(frozen=True)
class OpenTicket(Effect):
    """Hand the conversation to staff (the user asked for a person)."""

    reason: Reason
    lang: Lang
    question: str | None = None  # the question asked with the request, if any
    traditional: bool = False  # the request was written in Traditional characters


@dataclass(frozen=True)
class FollowUp(Effect):
    """The user wrote again: a ticket staff have answered is resolved."""


@dataclass(frozen=True)
class DeliverPending(Effect):
    """Staff answers written away from the chat (the CLI, the console) go out first."""


@dataclass(frozen=True)
class FaqHit(Effect):
    """A curated answer was given: its hit count goes up."""

    faq_id: int


@dataclass(frozen=True)
class Applied:
    """The replies an effect adds: ``first`` before the turn's own, ``after`` behind them."""

    first: tuple[Reply, ...] = ()
    after: tuple[Reply, ...] = ()


def apply(
    desk: StaffDesk, effect: Effect, incoming: Incoming, session: Session, now: datetime
) -> Applied:
    """Write ``effect`` (inside the caller's transaction); the replies it adds."""
    key = incoming.session_key
    if isinstance(effect, StaffTraffic):
        return Applied(after=tuple(staff_traffic(desk, incoming, now)))
    if isinstance(effect, UserButton):
        return Applied(after=tuple(handler.user_choice(desk, incoming, session, now) or ()))
    if isinstance(effect, OpenTicket):
        return Applied(after=tuple(_open_ticket(desk, effect, incoming, session, now)))
    if isinstance(effect, FollowUp):
        if handler.user_followed_up(desk, key, now) is not None:
            _log.info("ticket of %s resolved by the user's next message", key)
        return Applied()
    if isinstance(effect, DeliverPending):
        waiting = desk.store.undelivered(key)
        for ticket in waiting:
            desk.store.set_delivered(ticket.id, True)
        return Applied(first=tuple(staff_answer(t) for t in waiting))
    if isinstance(effect, FaqHit):
        desk.store.count_hit(effect.faq_id, now)
        return Applied()
    if isinstance(effect, Forget):  # the session row is the turn owner's to delete
        return Applied(after=tuple(handler.forget(desk, incoming, session.lang)))
    raise TypeError(f"the staff desk does not know the effect {effect!r}")


def _open_ticket(
    desk: StaffDesk, effect: OpenTicket, incoming: Incoming, session: Session, now: datetime
) -> list[Reply]:
    asking = replace(session, lang=effect.lang)
    _, replies = handler.open_ticket(desk, incoming, asking, effect.reason, now, effect.question)
    # "人工客服" is the same in both scripts: the question before it tells
    earlier = desk.store.recent(incoming.session_key, 2)
    if effect.traditional or any(is_traditional(r.question) for r in earlier):
        replies = [
            r if r.to is not None else replace(r, text=to_traditional(r.text)) for r in replies
        ]
    return replies
