"""What every handler of a turn sees: the session, the event, the services, today.

``Ctx`` carries the user's language and script so handlers say things through the message
catalogue (``ctx.say("welcome")``) in zh-Hans, zh-Hant or en without repeating the choice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.domain import Incoming, Lang, LogEntry, Option, Reply, Session, Turn
from bot.messages import text
from bot.text import to_traditional

if TYPE_CHECKING:
    from bot.services import Services

# What a handler gives back: the new session and the replies (and, for questions, log entries).
Step = Turn


@dataclass(frozen=True)
class Ctx:
    session: Session
    incoming: Incoming
    services: Services
    today: date

    @property
    def lang(self) -> Lang:
        return self.session.lang

    @property
    def traditional(self) -> bool:
        return self.session.traditional and self.session.lang == "zh"

    def say(self, key: str, **values: object) -> str:
        return text(key, self.lang, self.traditional, **values)

    def with_session(self, session: Session) -> Ctx:
        return replace(self, session=session)


def script(reply: Reply, traditional: bool) -> Reply:
    """A generated reply in Traditional script for users who write it (quotes excepted:
    generated replies passed through here carry no quotations)."""
    if not traditional:
        return reply
    return replace(
        reply,
        text=to_traditional(reply.text),
        options=tuple(Option(o.id, to_traditional(o.label)) for o in reply.options),
    )


def step(
    session: Session, replies: list[Reply] | tuple[Reply, ...], log: tuple[LogEntry, ...] = ()
) -> Turn:
    return Turn(session, tuple(replies), log)


def checkable(ctx: Ctx) -> bool:
    """Rules of support programmes passed for the documents loaded: the eligibility check
    has something to check (an office that loads only regulations has none)."""
    return bool(ctx.services.rulebook.programs)


def menu(ctx: Ctx) -> tuple[Option, ...]:
    check = (Option("menu:check", ctx.say("menu.check")),) if checkable(ctx) else ()
    return (
        *check,
        Option("menu:about", ctx.say("menu.about")),
        Option("menu:lang", ctx.say("menu.lang")),
    )


def idle(session: Session) -> Session:
    """The session with no walk-through running."""
    return replace(session, flow="idle", pending=None, facts={}, focus=(), answered=(), retries=0)
