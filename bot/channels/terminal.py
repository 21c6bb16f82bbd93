"""The terminal chat: replies printed as text, options as numbered choices."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from bot.conversation import Conversation
from bot.domain import Incoming, Option, Reply
from bot.eligibility import UNKNOWN
from bot.errors import PolicyBotError, StoreUnavailable
from bot.messages import text, words
from bot.services import Services
from bot.text import detect_lang, normalize

CHAT_ID = "terminal"
_UNREADABLE = "这一行不是有效的 UTF-8 文本。 / This line is not valid UTF-8 text."
_log = logging.getLogger(__name__)
QUIT_WORDS = words("quit")


def _typed_answer(options: tuple[Option, ...]) -> bool:
    """A question answered by typing (an amount, a rank, a date) whose only button is "skip":
    a typed number there is the answer ("1" for first place), not the button."""
    return (
        len(options) == 1
        and options[0].id.startswith("ans:")
        and options[0].id.endswith(f":{UNKNOWN}")
    )


def render(reply: Reply) -> str:
    lines = [reply.text]
    if _typed_answer(reply.options):
        lines.append(f"  ({reply.options[0].label})")
        return "\n".join(lines)
    for n, option in enumerate(reply.options, start=1):
        lines.append(f"  [{n}] {option.label}")
    return "\n".join(lines)


def to_incoming(line: str, options: tuple[Option, ...]) -> Incoming:
    """A typed number picks the matching option of the last reply; anything else is text."""
    # Undecodable input bytes arrive as lone surrogates, which no later step can encode.
    line = line.encode("utf-8", "replace").decode("utf-8")
    stripped = line.strip()
    if _typed_answer(options):
        return Incoming(chat_id=CHAT_ID, text=line)
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
    conversation = Conversation(services, store)
    replies: list[Reply] = list(
        conversation.turn(Incoming(chat_id=CHAT_ID, text="/start"), today).replies
    )
    options: tuple[Option, ...] = ()
    while True:
        for reply in replies:
            write(render(reply))
            if reply.options:
                options = reply.options
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        except UnicodeDecodeError:
            replies = [Reply(_UNREADABLE)]
            continue
        if normalize(line.encode("utf-8", "replace").decode("utf-8")).strip(" 。.!！") in QUIT_WORDS:  # quit / exit / 退出 leave the chat
            write(text("goodbye", detect_lang(line)))
            return
        incoming = to_incoming(line, options)
        options = ()
        try:
            try:
                replies = list(conversation.turn(incoming, today).replies)
            except StoreUnavailable as exc:  # disk full, locked: answer, log what was lost
                replies = list(conversation.answer_unstored(incoming, today, str(exc)).replies)
        except Exception as exc:  # one failed turn must not end the chat; the session is kept
            _log.exception("turn failed")
            message = exc.user_message if isinstance(exc, PolicyBotError) else None
            replies = [Reply(message or PolicyBotError.user_message)]
