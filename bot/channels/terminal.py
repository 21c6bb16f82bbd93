"""The terminal chat: replies printed as text, options as numbered choices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.dialogue import handle
from bot.domain import Incoming, Option, Reply
from bot.services import Services

CHAT_ID = "terminal"


def render(reply: Reply) -> str:
    lines = [reply.text]
    for n, option in enumerate(reply.options, start=1):
        lines.append(f"  [{n}] {option.label}")
    return "\n".join(lines)


def to_incoming(line: str, options: tuple[Option, ...]) -> Incoming:
    """A typed number picks the matching option of the last reply; anything else is text."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return Incoming(chat_id=CHAT_ID, choice=options[int(stripped) - 1].id, kind="choice")
    return Incoming(chat_id=CHAT_ID, text=line)


def run(
    read: Callable[[str], str], write: Callable[[str], None], services: Services, today: date
) -> None:
    """Loop until end of input; the session is saved after every turn."""
    store = services.store
    if store is None:
        raise RuntimeError("the terminal chat needs the session store")
    session = store.load_session(CHAT_ID)
    session, replies = handle(session, Incoming(chat_id=CHAT_ID, text="/start"), services, today)
    options: tuple[Option, ...] = ()
    while True:
        for reply in replies:
            write(render(reply))
            if reply.options:
                options = reply.options
        store.save_session(session)
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        incoming = to_incoming(line, options)
        options = ()
        session, replies = handle(session, incoming, services, today)
