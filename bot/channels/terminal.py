"""The terminal chat: replies printed as text, options as numbered choices.

A terminal has no buttons to tick, so a checklist is printed once, as its numbered list with a
header asking for typed numbers ("1,3"), and the typed numbers answer it in one go (no toggle
reprints the list). ``/quit``, ``/exit`` and the quit words end the chat; line editing and the
session's history come from ``readline`` where the standard library has it (``enable_editing``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from bot.conversation import Conversation
from bot.dialogue.walkthrough import CHECKLIST
from bot.domain import Incoming, Option, Reply
from bot.eligibility import UNKNOWN
from bot.errors import PolicyBotError, StoreUnavailable
from bot.messages import both, text, words
from bot.services import Services
from bot.text import detect_lang, normalize

CHAT_ID = "terminal"
_UNREADABLE = both("notice.not_utf8")
_log = logging.getLogger(__name__)
QUIT_WORDS = words("quit") | {"/quit", "/exit", "/q"}
_SCRIPTS = (("zh", False), ("zh", True), ("en", False))


def enable_editing() -> bool:
    """Arrow keys, Ctrl-A/E and the up-arrow history for ``input()`` (no history file: what a
    user typed is not kept on disk). False where readline is missing (Windows)."""
    try:
        import readline
    except ImportError:
        return False
    readline.parse_and_bind("set editing-mode emacs")
    return True


def _typed_answer(options: tuple[Option, ...]) -> bool:
    """A question answered by typing (an amount, a rank, a date) whose only button is "skip":
    a typed number there is the answer ("1" for first place), not the button."""
    return (
        len(options) == 1
        and options[0].id.startswith("ans:")
        and options[0].id.endswith(f":{UNKNOWN}")
    )


def _typed_checklist(body: str) -> str:
    """The checklist's header for typing: numbers, "none", "not sure" instead of ticking."""
    head, _, items = body.partition("\n")
    for lang, trad in _SCRIPTS:
        if head == text("check.checklist", lang, trad):
            return "\n".join([text("check.checklist_typed", lang, trad), items])
    return body


def render(reply: Reply) -> str:
    if reply.slot == CHECKLIST:  # its numbered list is in the text; its toggles are not shown
        return _typed_checklist(reply.text)
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


def _is_quit(line: str) -> bool:
    """quit / exit / 退出 / /quit / /exit leave the chat."""
    typed = normalize(line.encode("utf-8", "replace").decode("utf-8")).strip(" 。.!！")
    return typed.lower() in QUIT_WORDS


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
    # once, after the welcome and its options: how a terminal is used
    hint = text("terminal.hint", detect_lang(replies[0].text)) if replies else ""
    options: tuple[Option, ...] = ()
    while True:
        for reply in replies:
            write(render(reply))
            if reply.options and reply.slot != CHECKLIST:
                options = reply.options
        if hint:
            write(hint)
            hint = ""
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        except UnicodeDecodeError:
            replies = [Reply(_UNREADABLE)]
            continue
        if _is_quit(line):
            # "/quit" says nothing of the language: the chat's last reply does
            said = line if any(ord(c) > 0x2E7F for c in line) else (replies or [Reply("")])[-1].text
            write(text("goodbye", detect_lang(said)))
            return
        incoming = to_incoming(line, options)
        options = ()
        services.refresh_if_stale()  # a generation built in the background serves from now
        try:
            try:
                replies = list(conversation.turn(incoming, today).replies)
            except StoreUnavailable as exc:  # disk full, locked: answer, log what was lost
                replies = list(conversation.answer_unstored(incoming, today, str(exc)).replies)
        except Exception as exc:  # one failed turn must not end the chat; the session is kept
            _log.exception("turn failed")
            message = exc.user_message if isinstance(exc, PolicyBotError) else None
            replies = [Reply(message or PolicyBotError.user_message)]
