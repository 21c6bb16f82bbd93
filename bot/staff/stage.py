"""The staff stage of the router: the staff desk's decisions inside the turn, without I/O.

``claim`` looks at the event before the assistant does and takes it when it is for the
desk, in this order:

1. staff traffic (the staff group, staff commands of staff ids, ticket and FAQ buttons);
2. the user's 👍/👎 and 转人工 buttons, ``/forget``, a request for a person;
3. an approved curated answer, when one matches the question (outside a walk-through).

Otherwise the assistant answers and ``finish`` puts the desk's buttons on its answer: 👍/👎
(answered), 转人工 (out of scope) or 问工作人员 (the documents do not say), with the token
the log entry carries. Both return a ``Turn`` whose effects (``bot.staff.effects``) say what
to write; ``bot.conversation`` applies them in the turn's transaction. Every user turn also
delivers staff answers still waiting, first, and a user's message after a staff answer
resolves the ticket.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from bot.answering import asks_procedure  # the answering layer's cue table
from bot.domain import Effect, Forget, Incoming, Lang, LogEntry, Option, Reply, Session, Turn
from bot.messages import text
from bot.staff.commands import is_staff_traffic, parse_command
from bot.staff.desk import StaffDesk
from bot.staff.effects import (
    DeliverPending,
    FaqHit,
    FollowUp,
    OpenTicket,
    StaffTraffic,
    UserButton,
)
from bot.staff.faq import faq_reply
from bot.staff.triggers import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    HANDOFF_CHOICE,
    feedback,
    offer_for,
    wants_person,
)
from bot.text import detect_lang, is_traditional, normalize, to_traditional

_QUESTION_MIN = 4  # shorter messages ("是", "2") are answers or words, never FAQ questions
_PERSON_WORDS = ("转人工", "人工客服", "找工作人员", "联系工作人员", "talk to a person", "人工")


def _user_effects(incoming: Incoming) -> tuple[Effect, ...]:
    """What every user turn does besides its own: deliver waiting staff answers and, on a
    message, resolve a ticket staff have answered."""
    text = (incoming.text or "").strip() if incoming.kind == "text" else ""
    return (DeliverPending(), FollowUp()) if text else (DeliverPending(),)


def claim(desk: StaffDesk, session: Session, incoming: Incoming) -> Turn | None:
    """The turn when the event is for the staff desk; None when the assistant answers."""
    if is_staff_traffic(desk, incoming):
        return Turn(session, (), effects=(StaffTraffic(),))
    usual = _user_effects(incoming)
    choice = incoming.choice
    if choice is not None:
        if choice.startswith(HANDOFF_CHOICE) or feedback(choice) is not None:
            return Turn(session, (), effects=(*usual, UserButton()))
        return None
    text = (incoming.text or "").strip() if incoming.kind == "text" else ""
    if not text:
        return None
    lang: Lang = session.lang if session.lang_fixed else detect_lang(text)
    command = parse_command(text)
    if command is not None and command[0] == "forget":
        return Turn(
            Session(chat_id=session.chat_id, lang=session.lang), (), effects=(*usual, Forget())
        )
    if wants_person(text):
        rest = _rest_of_request(text)
        asked = OpenTicket("asked", lang, text if len(rest) >= 6 else None, is_traditional(text))
        return Turn(session, (), effects=(*usual, asked))
    if session.flow == "idle" and not text.startswith("/") and len(text) >= _QUESTION_MIN:
        return _curated(desk, session, text, lang, usual)
    return None


def _curated(
    desk: StaffDesk, session: Session, text: str, lang: Lang, usual: tuple[Effect, ...]
) -> Turn | None:
    """An approved curated answer to ``text``, when one matches."""
    match = desk.faq.match(text, read=False)  # the entries the turn owner read
    if match is None:
        return None
    entry = match.entry
    token = uuid.uuid4().hex[:12]
    reply = faq_reply(
        entry,
        desk.clauses,
        lang,
        options=(Option(f"{FEEDBACK_UP}:{token}", "👍"), Option(f"{FEEDBACK_DOWN}:{token}", "👎")),
    )
    if lang == "zh" and is_traditional(text):
        reply = replace(reply, text=to_traditional(reply.text))
    logged = LogEntry(
        text,
        lang,
        in_scope=True,
        answered=True,
        top_clause=entry.clause_keys[0] if entry.clause_keys else None,
        answer=reply.text,
        token=token,
        answered_by="faq",
        faq_id=entry.id,
    )
    return Turn(session, (reply,), log=(logged,), effects=(*usual, FaqHit(entry.id)))


def finish(desk: StaffDesk, incoming: Incoming, turn: Turn) -> Turn:
    """The assistant's turn with the desk's buttons on its answer, the token and the answer
    in its log entry, and the desk's usual effects."""
    effects = (*_user_effects(incoming), *turn.effects)
    if not (turn.log and turn.replies):
        return replace(turn, effects=effects)
    entry = turn.log[-1]
    token = uuid.uuid4().hex[:12]
    # The composer answers a procedure question with the clause and "the documents do not
    # state the procedure": an answer in part, worth a way to staff.
    partial = entry.in_scope and asks_procedure(entry.text)
    first = decorate(
        turn.replies[0], token, entry.in_scope, entry.answered, turn.session.lang, partial
    )
    logged = replace(entry, token=token, answer=first.text)
    return replace(
        turn,
        replies=(first, *turn.replies[1:]),
        log=(*turn.log[:-1], logged),
        effects=effects,
    )


def decorate(
    reply: Reply, token: str, in_scope: bool, answered: bool, lang: str, partial: bool = False
) -> Reply:
    """The answer with its buttons: 👍/👎 when it answered, a way to staff when it could not
    (and beside 👍/👎 when it answered only in part: the documents do not give the procedure)."""
    ask_staff = Option(f"{HANDOFF_CHOICE}:not_found", text("opt.ask_staff", lang))
    extra: tuple[Option, ...]
    offer = offer_for(in_scope, answered)
    if offer == "out_of_scope":
        person = text("opt.person", lang)
        extra = (Option(f"{HANDOFF_CHOICE}:out_of_scope", person),)
    elif offer == "not_found":
        extra = (ask_staff,)
    else:
        extra = (Option(f"{FEEDBACK_UP}:{token}", "👍"), Option(f"{FEEDBACK_DOWN}:{token}", "👎"))
        if partial:
            extra = (*extra, ask_staff)
    return replace(reply, options=(*reply.options, *extra))


def _rest_of_request(text: str) -> str:
    """What a "转人工" message asks besides asking for a person (may be empty)."""
    norm = normalize(text)
    for phrase in _PERSON_WORDS:
        norm = norm.replace(phrase, "")
    return norm.strip(" ,，。.!！?？:：")
