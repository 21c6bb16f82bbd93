"""``StaffFront``: the staff desk in front of ``Conversation``, one call for a channel.

A channel that calls ``front.turn(incoming, today, within)`` instead of
``conversation.turn(incoming, today, within)`` gets, in this order:

1. staff traffic (the staff group, staff commands of staff ids, ticket and FAQ buttons);
2. the user's 👍/👎 and 转人工 buttons, ``/forget``, a request for a person;
3. an approved curated answer, when one matches the question (outside a walk-through);
4. otherwise the assistant's turn, its answer carrying 👍/👎 (answered), 转人工 (out of
   scope) or 问工作人员 (the documents do not say), logged in the staff store.

The user's first message after a staff answer resolves the ticket. ``within(tx, turn)`` is
called exactly once per handled event inside a conversation-store transaction, whichever
path answered, so a channel's outbox sees every reply, including those with ``to`` set.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import uuid
from dataclasses import replace
from datetime import date, datetime

from bot.answering import asks_procedure
from bot.conversation import Conversation, Within
from bot.domain import Incoming, Lang, Option, Reply, Session, Turn
from bot.staff import handler
from bot.staff.desk import StaffDesk
from bot.staff.faq import faq_reply
from bot.staff.store import utcnow
from bot.staff.triggers import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    HANDOFF_CHOICE,
    offer_for,
    wants_person,
)
from bot.store import StoreTx
from bot.text import detect_lang, is_traditional, normalize, to_traditional

_log = logging.getLogger(__name__)
_QUESTION_MIN = 4  # shorter messages ("是", "2") are answers or words, never FAQ questions


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def decorate(
    reply: Reply, token: str, in_scope: bool, answered: bool, lang: str, partial: bool = False
) -> Reply:
    """The answer with its buttons: 👍/👎 when it answered, a way to staff when it could not
    (and beside 👍/👎 when it answered only in part: the documents do not give the procedure)."""
    ask_staff = Option(f"{HANDOFF_CHOICE}:not_found", _t(lang, "问工作人员", "Ask our staff"))
    extra: tuple[Option, ...]
    offer = offer_for(in_scope, answered)
    if offer == "out_of_scope":
        extra = (Option(f"{HANDOFF_CHOICE}:out_of_scope", _t(lang, "转人工", "Talk to a person")),)
    elif offer == "not_found":
        extra = (ask_staff,)
    else:
        extra = (Option(f"{FEEDBACK_UP}:{token}", "👍"), Option(f"{FEEDBACK_DOWN}:{token}", "👎"))
        if partial:
            extra = (*extra, ask_staff)
    return replace(reply, options=(*reply.options, *extra))


def _traditional(reply: Reply) -> Reply:
    """A reply to a user who writes Traditional Chinese, in Traditional (not staff's cards)."""
    return reply if reply.to is not None else replace(reply, text=to_traditional(reply.text))


def _rest_of_request(text: str) -> str:
    """What a "转人工" message asks besides asking for a person (may be empty)."""
    norm = normalize(text)
    for phrase in ("转人工", "人工客服", "找工作人员", "联系工作人员", "talk to a person", "人工"):
        norm = norm.replace(phrase, "")
    return norm.strip(" ,，。.!！?？:：")


class StaffFront:
    """Routes one event to the staff desk or the assistant; see the module docstring."""

    def __init__(self, conversation: Conversation, desk: StaffDesk) -> None:
        self.conversation = conversation
        self.desk = desk
        self._purged: date | None = None

    def _emit(self, session: Session, replies: list[Reply], within: Within | None) -> Turn:
        turn = Turn(session, tuple(replies))
        if within is not None:
            with self.conversation.store.transaction() as tx:
                within(tx, turn)
        return turn

    def turn(
        self,
        incoming: Incoming,
        today: date,
        within: Within | None = None,
        now: datetime | None = None,
    ) -> Turn:
        now = now or utcnow()
        desk = self.desk
        key = incoming.session_key
        session = self.conversation.store.load_session(key)
        if self._purged != today:  # the retention setting, applied once a day
            removed = desk.store.purge(desk.retention_days, now)
            self._purged = today
            if removed:
                _log.info("purged %d log entries and tickets past retention", removed)

        # 1. staff traffic
        if incoming.choice is not None:
            staff = handler.staff_choice(desk, incoming, now)
        elif incoming.kind == "text":
            staff = handler.staff_message(desk, incoming, now)
        else:
            staff = None
        if staff is not None:
            return self._emit(session, staff, within)

        # 2. the user's own requests to the desk; staff answers not yet delivered come first,
        # marked delivered once the turn has gone through
        waiting = desk.store.undelivered(key)
        pending = [handler.staff_answer(t) for t in waiting]
        turn = self._user_turn(incoming, today, within, now, session, pending)
        for ticket in waiting:
            desk.store.set_delivered(ticket.id, True)
        return turn

    def _user_turn(
        self,
        incoming: Incoming,
        today: date,
        within: Within | None,
        now: datetime,
        session: Session,
        pending: list[Reply],
    ) -> Turn:
        desk = self.desk
        key = incoming.session_key
        if incoming.choice is not None:
            mine = handler.user_choice(desk, incoming, session, now)
            if mine is not None:
                return self._emit(session, [*pending, *mine], within)
        text = (incoming.text or "").strip() if incoming.kind == "text" else ""
        if text:
            lang = session.lang if session.lang_fixed else detect_lang(text)
            if handler.user_followed_up(desk, key, now) is not None:
                _log.info("ticket of %s resolved by the user's next message", key)
            command = handler.parse_command(text)
            if command is not None and command[0] == "forget":
                return self._forget(incoming, session, within)
            if wants_person(text):
                rest = _rest_of_request(text)
                question = text if len(rest) >= 6 else None
                asking = replace(session, lang=lang)
                _, replies = handler.open_ticket(desk, incoming, asking, "asked", now, question)
                # "人工客服" is the same in both scripts: the question before it tells
                earlier = desk.store.recent(key, 2)
                if is_traditional(text) or any(is_traditional(r.question) for r in earlier):
                    replies = [_traditional(r) for r in replies]
                return self._emit(session, [*pending, *replies], within)
            # 3. a curated answer
            if session.flow == "idle" and not text.startswith("/") and len(text) >= _QUESTION_MIN:
                match = desk.faq.match(text)
                if match is not None:
                    return self._faq(
                        incoming, session, match.entry.id, text, lang, now, within, pending
                    )

        # 4. the assistant
        token = uuid.uuid4().hex[:12]

        def decorated(turn: Turn) -> Turn:
            replies = turn.replies
            if turn.log and replies:
                entry = turn.log[-1]
                # The composer answers a procedure question with the clause and "the documents
                # do not state the procedure": an answer in part, worth a way to staff.
                partial = entry.in_scope and asks_procedure(entry.text)
                first = decorate(
                    replies[0], token, entry.in_scope, entry.answered, turn.session.lang, partial
                )
                replies = (first, *replies[1:])
            return replace(turn, replies=(*pending, *replies))

        def wrapped(tx: StoreTx, turn: Turn) -> None:
            if within is not None:
                within(tx, decorated(turn))

        turn = self.conversation.turn(incoming, today, wrapped if within is not None else None)
        if turn.log and turn.replies:
            entry = turn.log[-1]
            self.desk.store.log(
                session_key=key,
                chat_id=incoming.chat_id,
                question=entry.text,
                answer=turn.replies[0].text,
                lang=entry.lang,
                in_scope=entry.in_scope,
                answered_by="assistant" if entry.answered else "none",
                top_clause=entry.top_clause,
                token=token,
                now=now,
            )
        return decorated(turn)

    def _faq(
        self,
        incoming: Incoming,
        session: Session,
        faq_id: int,
        text: str,
        lang: str,
        now: datetime,
        within: Within | None,
        pending: list[Reply],
    ) -> Turn:
        entry = self.desk.store.faq(faq_id)
        token = uuid.uuid4().hex[:12]
        reply_lang: Lang = "en" if lang == "en" else "zh"
        reply = faq_reply(
            entry,
            self.desk.clauses,
            reply_lang,
            options=(
                Option(f"{FEEDBACK_UP}:{token}", "👍"),
                Option(f"{FEEDBACK_DOWN}:{token}", "👎"),
            ),
        )
        self.desk.store.count_hit(faq_id, now)
        self.desk.store.log(
            session_key=incoming.session_key,
            chat_id=incoming.chat_id,
            question=text,
            answer=reply.text,
            lang=reply_lang,
            in_scope=True,
            answered_by="faq",
            top_clause=entry.clause_keys[0] if entry.clause_keys else None,
            faq_id=faq_id,
            token=token,
            now=now,
        )
        if reply_lang == "zh" and is_traditional(text):
            reply = _traditional(reply)
        return self._emit(session, [*pending, reply], within)

    def _forget(self, incoming: Incoming, session: Session, within: Within | None) -> Turn:
        """/forget: the staff store's rows, the saved session and the conversation log."""
        replies = handler.forget(self.desk, incoming, session.lang)
        key = incoming.session_key
        fresh = Session(chat_id=key, lang=session.lang)
        turn = Turn(fresh, tuple(replies))
        with self.conversation.store.transaction() as tx:
            tx.db.execute("DELETE FROM sessions WHERE chat_id = ?", (key,))
            # the conversation store's question log, where it keeps one
            with contextlib.suppress(sqlite3.OperationalError):
                tx.db.execute("DELETE FROM questions WHERE chat_id = ?", (key,))
            if within is not None:
                within(tx, turn)
        return turn
