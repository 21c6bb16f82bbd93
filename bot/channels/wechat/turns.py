"""The turn of one WeChat message, in a worker thread: a local action ("原文": the next page
of a long answer) or a turn through the one turn owner, whose transaction also merges this
user's replies (with what waited for them) into one message, queues it in the shared outbox
held for its passive answer, routes replies for others and marks the message done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from bot.channels import durable
from bot.channels.durable.outbox import reply_payload
from bot.conversation import Conversation, Within
from bot.domain import Incoming, Reply, Turn
from bot.errors import StoreUnavailable
from bot.messages import words
from bot.store import Store, StoreTx
from bot.text import normalize

from . import users
from .protocol import Inbound
from .render import Rendered, held, merge, pages
from .sender import CHANNEL, PREFIX
from .translate import to_incoming

_log = logging.getLogger(__name__)

# A reply waits this long for its passive answer before the customer-service sender may send it.
HOLD_S: Final = 6.0
FULL_TEXT: Final = words("full_text")


def turn_of(turns: Conversation, incoming: Incoming, today: date, within: Within) -> Turn:
    """The one call into the core, exactly as Telegram makes it."""
    return turns.turn(incoming, today, within)


class TurnWork:
    """Runs a message's turn and writes its reply (called in a worker thread)."""

    def __init__(
        self,
        store: Store,
        turns: Conversation,
        conversation: Conversation,
        today: Callable[[], date],
    ) -> None:
        self.store = store
        self.turns = turns  # the conversation, with the staff desk when one is configured
        self.conversation = conversation
        self.today = today

    def turn(self, inbound: Inbound) -> str | None:
        """One message: a local action or a turn; None when the reply is in the outbox, else
        the text to answer with from memory (the store could not be written)."""
        chat = PREFIX + inbound.openid
        with self.store.reading() as db:
            state = users.load(db, chat)
        text = (inbound.text or "").strip()
        if inbound.kind == "text" and state.rest and normalize(text).strip(" 。.!！") in FULL_TEXT:
            with contextlib.suppress(durable.AlreadyDone):  # another worker sent the page
                self._more(inbound, state)
            return None
        incoming = to_incoming(inbound, state)
        if incoming is None:  # unsubscribe: logged, nothing to say
            _log.info("%s unfollowed the account", chat)
            with self.store.transaction() as tx:
                durable.mark_done(tx.db, CHANNEL, inbound.key)
            return None
        today = self.today()

        def within(tx: StoreTx, turn: Turn) -> None:
            self._queue(tx.db, inbound, turn.replies)

        try:
            turn_of(self.turns, incoming, today, within)
            return None
        except durable.AlreadyDone:
            return None  # another worker answered it: its reply is in the outbox
        except StoreUnavailable as exc:
            turn = self.conversation.answer_unstored(incoming, today, str(exc))
        mine = [r for r in turn.replies if r.to in (None, chat)]
        return merge([reply_payload(r) for r in mine]).text

    def _queue(self, db: Any, inbound: Inbound, replies: tuple[Reply, ...] | list[Reply]) -> None:
        """Inside the turn's transaction: route replies for others, merge this user's (with
        what waited for them) into one message, remember the choices, mark the message done."""
        chat = PREFIX + inbound.openid
        mine: list[dict[str, Any]] = []
        for reply in replies:
            if reply.to in (None, chat):
                mine.append(reply_payload(reply))
            else:
                _route(db, reply)
        waiting = durable.pending_for(db, CHANNEL, chat)
        durable.take(db, [row.id for row in waiting])
        if not durable.mark_done(db, CHANNEL, inbound.key):
            raise durable.AlreadyDone(inbound.key)  # first: nothing of this turn is kept
        rendered = merge([held(row.payload, row.source) for row in waiting] + mine)
        self._store_rendered(db, inbound, rendered, bool(mine or waiting))

    def _store_rendered(
        self, db: Any, inbound: Inbound, rendered: Rendered, has_content: bool
    ) -> None:
        """The merged reply into the outbox (held for its passive answer), and what the user
        may type next: the choices offered, the rest behind "原文"; the 48 h window opens."""
        chat = PREFIX + inbound.openid
        now = time.time()
        if has_content and rendered.text:
            durable.enqueue(
                db,
                CHANNEL,
                chat,
                {"text": rendered.text, "raw": True},
                source=inbound.key,
                not_before=now + HOLD_S,
            )
        state = users.load(db, chat)
        users.save(
            db,
            dataclasses.replace(
                state,
                options=rendered.options,
                typed_only=rendered.typed_only,
                rest=rendered.rest,
                last_in=now,
                cs_sent=0,
            ),
        )

    def _more(self, inbound: Inbound, state: users.UserState) -> None:
        """The next page of a long answer ("原文"), without a turn."""
        page, rest = pages(state.rest, "en" if (inbound.text or "").isascii() else "zh")
        now = time.time()
        with self.store.transaction() as tx:
            if not durable.mark_done(tx.db, CHANNEL, inbound.key):
                raise durable.AlreadyDone(inbound.key)
            durable.enqueue(
                tx.db,
                CHANNEL,
                state.chat,
                {"text": page, "raw": True},
                source=inbound.key,
                not_before=now + HOLD_S,
            )
            users.save(tx.db, dataclasses.replace(state, rest=rest, last_in=now, cs_sent=0))

    def apology(self, inbound: Inbound, text: str) -> str | None:
        """A reply that is not a turn's (a turn that failed): queued, or the text to answer
        with from memory when the store cannot be written."""
        try:
            with self.store.transaction() as tx:
                self._queue(tx.db, inbound, [Reply(text)])
            return None
        except durable.AlreadyDone:
            return None
        except StoreUnavailable:
            return text


def _route(db: Any, reply: Reply) -> None:
    """A reply for someone else: a WeChat user, or a Telegram chat (the staff group)."""
    to = reply.to or ""
    if to.startswith(PREFIX):
        durable.enqueue(db, CHANNEL, to, reply_payload(reply))
        return
    try:
        durable.enqueue_reply(db, "telegram", to, reply)
    except ValueError:
        _log.error("reply to an unknown recipient %r dropped", to)
