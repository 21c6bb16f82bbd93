"""The dialogue core: ``handle(session, incoming, services, today) -> Turn``.

Channel-independent and pure (no I/O): ``bot.conversation`` loads the session, calls
``handle`` and saves what it returns. Modules:

    router.py       dispatch tables: buttons, commands, control words, extra handlers
    walkthrough.py  the eligibility walk-through as state transitions on the session
    talk.py         policy questions in context, small talk, re-rendering, full text
    facts.py        facts read from the user's own words
    context.py      ``Ctx`` (session, event, services, today) and small helpers
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.dialogue.context import Ctx
from bot.dialogue.router import Router, default_router
from bot.domain import Answer, Incoming, Session, Turn

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["IDLE_AFTER", "Router", "Session", "answer_once", "default_router", "handle"]

IDLE_AFTER = timedelta(minutes=30)  # a conversation ends after this long without a message
_ROUTER = default_router()


def handle(
    session: Session,
    incoming: Incoming,
    services: Services,
    today: date,
    router: Router | None = None,
) -> Turn:
    """One turn: the incoming event against the session; no I/O (the caller saves and logs)."""
    session = _resume(session, incoming.at)
    turn = (router or _ROUTER).route(Ctx(session, incoming, services, today))
    if incoming.at is not None:
        turn = replace(turn, session=replace(turn.session, last_at=incoming.at.isoformat()))
    return turn


def _resume(session: Session, at: datetime | None) -> Session:
    """A message after a long pause starts a new conversation: the topic and the disclaimer
    go (a walk-through in progress stays: its answers are the user's work)."""
    if at is None or not session.last_at:
        return session
    try:
        last = datetime.fromisoformat(session.last_at)
    except ValueError:
        return replace(session, last_at=None)
    if last.tzinfo is None or at.tzinfo is None:
        last, at = last.replace(tzinfo=None), at.replace(tzinfo=None)
    if at - last > IDLE_AFTER:
        return replace(session, topic={}, disclaimed=False, offer=())
    return session


def answer_once(services: Services, question: str, today: date) -> Answer:
    """One question with no conversation before it, answered exactly as the chat answers a
    first message (``policybot ask``): the answer first, short, with up to three cited
    clauses in full. Raises ``BadInput`` for a message that cannot be a question."""
    from bot.answering import check_question
    from bot.text import detect_lang

    check_question(question)
    incoming = Incoming(chat_id="ask", text=question)
    turn = handle(Session(chat_id="ask"), incoming, services, today)
    first = turn.replies[0]
    citations = first.citations or next((r.citations for r in turn.replies if r.citations), ())
    in_scope = turn.log[-1].in_scope if turn.log else bool(citations)
    lang = turn.session.lang if turn.session.lang_fixed else detect_lang(question)
    return Answer(text=first.text, in_scope=in_scope, lang=lang, citations=citations)
