"""The JSON-lines channel for scripts and tests: one stdin line in, exactly one stdout line out.

In:  {"chat": id, "text": str}  or  {"chat": id, "choice": option_id}
Out: {"chat": id, "replies": [{"text", "options": [{"id", "label"}], "citations": [...]}]}
A line that cannot be used gets {"chat": id or null, "error": message, "replies": [...]}
and the stream goes on.

Every input is bounded: a line is read at most ``MAX_LINE_BYTES`` at a time (the rest of an
overlong line is skipped, never held in memory), and JSON nested deeper than ``MAX_DEPTH`` is
refused before it is parsed (Python's parser would recurse until it fails). When the store
cannot be written (disk full, locked) the line is still answered and the log says so.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any, TextIO

from bot.conversation import Conversation
from bot.domain import Incoming, Reply
from bot.errors import PolicyBotError, StoreUnavailable
from bot.services import Services

_log = logging.getLogger(__name__)
MAX_LINE_BYTES = 256 * 1024
MAX_DEPTH = 20
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def bounded_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of ``stream`` (without the newline), each at most ``limit + 1`` bytes: a
    longer line is cut there (so that it reads as too long) and its rest is skipped in
    chunks, never held in memory whole."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drop the rest of this line
                rest = stream.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line.rstrip(b"\r\n")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON ``text`` nests arrays and objects deeper than ``limit`` (strings aside)."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _encodable(value: str) -> bool:
    """False for strings with lone surrogates (JSON allows "\\ud800"; UTF-8 does not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _error(chat: Any, message: str) -> dict[str, Any]:
    return {"chat": chat, "error": message, "replies": [Reply(message).to_json()]}


def process_line(raw: bytes, services: Services, today: date) -> dict[str, Any]:
    """One input line to one output object; no input, however bad, makes it raise."""
    if len(raw) > MAX_LINE_BYTES:
        return _error(None, f"line too long (more than {MAX_LINE_BYTES} bytes)")
    try:
        text_line = raw.decode("utf-8")
        if too_deep(text_line):
            return _error(None, f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
        data = json.loads(text_line)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _error(None, 'not a JSON object: expected {"chat": id, "text": "..."}')
    if not isinstance(data, dict) or "chat" not in data:
        return _error(None, 'expected {"chat": id, "text": "..."} or {"chat": id, "choice": "..."}')
    chat = data["chat"]
    if not isinstance(chat, str | int) or isinstance(chat, bool):
        return _error(None, "chat must be a string or an integer")
    if isinstance(chat, str) and not _encodable(chat):  # echoing it would break the output
        return _error(None, "chat must be valid Unicode text")
    text, choice = data.get("text"), data.get("choice")
    if (text is not None and not isinstance(text, str)) or (
        choice is not None and not isinstance(choice, str)
    ):
        return _error(chat, "text and choice must be strings")
    if not all(_encodable(x) for x in (text, choice) if x is not None):
        return _error(chat, "text and choice must be valid Unicode text")
    incoming = Incoming(
        chat_id=str(chat),
        text=text,
        choice=choice,
        kind="choice" if choice is not None else "text" if text is not None else "unsupported",
    )
    store = services.store
    if store is None:
        raise RuntimeError("the JSON-lines chat needs the session store")
    conversation = Conversation(services, store)
    try:
        try:
            replies = conversation.turn(incoming, today).replies
        except StoreUnavailable as exc:
            replies = conversation.answer_unstored(incoming, today, str(exc)).replies
    except PolicyBotError as exc:
        _log.exception("turn failed for chat %s", chat)
        return _error(chat, exc.user_message)
    except Exception:
        _log.exception("turn failed for chat %s", chat)
        return _error(chat, PolicyBotError.user_message)
    return {"chat": chat, "replies": [r.to_json() for r in replies]}


def run(lines: Iterable[bytes], out: TextIO, services: Services, today: date) -> None:
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        out.write(json.dumps(process_line(line, services, today), ensure_ascii=False) + "\n")
        out.flush()
