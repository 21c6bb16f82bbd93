"""The JSON-lines channel for scripts and tests: one stdin line in, exactly one stdout line out.

In:  {"chat": id, "text": str}  or  {"chat": id, "choice": option_id}
Out: {"chat": id, "replies": [{"text", "options": [{"id", "label"}], "citations": [...]}]}
A line that cannot be used gets {"chat": id or null, "error": message, "replies": [...]}
and the stream goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import date
from typing import Any, TextIO

from bot.conversation import Conversation
from bot.domain import Incoming, Reply
from bot.errors import PolicyBotError
from bot.services import Services

_log = logging.getLogger(__name__)
MAX_LINE_BYTES = 256 * 1024


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
        return _error(None, f"line too long ({len(raw)} bytes; at most {MAX_LINE_BYTES})")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
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
    try:
        replies = Conversation(services, store).turn(incoming, today).replies
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
