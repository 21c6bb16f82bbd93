"""The JSON-lines channel for scripts and tests: one stdin line in, exactly one stdout line out.

In:  {"chat": id, "text": str}  or  {"chat": id, "choice": option_id}
Out: {"chat": id, "replies": [{"text", "options": [{"id", "label"}], "citations": [...]}]}
A line that cannot be used gets {"chat": id or null, "error": message, "replies": [...]}
and the stream goes on.

Every input is bounded: a line is read at most ``MAX_LINE_BYTES`` at a time (the rest of an
overlong line is skipped, never held in memory), and JSON nested deeper than ``MAX_DEPTH`` is
refused before it is parsed (Python's parser would recurse until it fails). When the store
cannot be written (disk full, locked) the line is still answered and the log says so.

Through the staff desk (``front``, as Telegram): hand-offs open tickets, curated answers are
served, and a staff reply written in the web console waits in the staff store; ``Outbox``
writes those replies, as they arrive, to a JSON-lines file of their own (``chat --jsonl
--outbox FILE``), so stdout keeps one line per input line; without an outbox they come with
the chat's next output line. The chats this channel has served are recorded
(``jsonl_chats``), so the console can tell a ticket's channel and the outbox sends only its
own chats' replies.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from bot.conversation import Conversation
from bot.domain import Incoming, Reply
from bot.errors import PolicyBotError, StoreUnavailable
from bot.services import Services
from bot.store import Store

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

_log = logging.getLogger(__name__)
MAX_LINE_BYTES = 256 * 1024
MAX_DEPTH = 20
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


CHATS_STEPS: tuple[str, ...] = (
    "CREATE TABLE jsonl_chats (chat_id TEXT PRIMARY KEY, first_at TEXT NOT NULL)",
)


def remember_chat(store: Store, chat_id: str) -> None:
    """Record that ``chat_id`` talks through this channel (for the console and the outbox)."""
    store.migrate("jsonl.chats", CHATS_STEPS)
    with store.transaction() as tx:
        tx.db.execute(
            "INSERT OR IGNORE INTO jsonl_chats (chat_id, first_at) VALUES (?, ?)",
            (chat_id, datetime.now(UTC).isoformat(timespec="seconds")),
        )


def known_chats(store: Store) -> set[str]:
    """The chats that have talked through the JSON-lines channel."""
    store.migrate("jsonl.chats", CHATS_STEPS)
    with store.reading() as db:
        return {r[0] for r in db.execute("SELECT chat_id FROM jsonl_chats")}


class Outbox:
    """Staff replies to this channel's chats, appended to a JSON-lines file as they arrive:
    ``{"chat": id, "replies": [...], "from_staff": true}``. Each is marked delivered after
    its line is written and flushed (a crash in between writes it once more, never loses it)."""

    def __init__(self, path: Path, desk: StaffDesk, store: Store, every: float = 1.0) -> None:
        self.path = path
        self.desk = desk
        self.store = store
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="jsonl-outbox", daemon=True)

    def flush(self) -> int:
        """Write the staff replies waiting for this channel's chats; how many."""
        mine = known_chats(self.store)
        waiting = [t for t in self.desk.store.undelivered() if t.chat_id in mine]
        if not waiting:
            return 0
        from bot.staff.handler import staff_answer

        with self.path.open("a", encoding="utf-8") as out:
            for ticket in waiting:
                reply = staff_answer(ticket)
                line = {"chat": ticket.chat_id, "replies": [reply.to_json()], "from_staff": True}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                out.flush()
                self.desk.store.set_delivered(ticket.id, True)
        return len(waiting)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.flush()
            except Exception:  # the next round tries again; the stream goes on
                _log.exception("the JSON-lines outbox could not be written")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()


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


def process_line(
    raw: bytes, services: Services, today: date, front: Conversation | None = None
) -> dict[str, Any]:
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
            if front is not None:
                remember_chat(store, incoming.chat_id)
            replies = (front or conversation).turn(incoming, today).replies
        except StoreUnavailable as exc:
            replies = conversation.answer_unstored(incoming, today, str(exc)).replies
    except PolicyBotError as exc:
        _log.exception("turn failed for chat %s", chat)
        return _error(chat, exc.user_message)
    except Exception:
        _log.exception("turn failed for chat %s", chat)
        return _error(chat, PolicyBotError.user_message)
    # replies addressed elsewhere (a staff group's ticket card) are not this chat's
    mine = [r for r in replies if r.to is None or r.to == str(chat)]
    return {"chat": chat, "replies": [r.to_json() for r in mine]}


def run(
    lines: Iterable[bytes],
    out: TextIO,
    services: Services,
    today: date,
    front: Conversation | None = None,
    outbox: Outbox | None = None,
) -> None:
    if outbox is not None:
        outbox.start()
    try:
        for raw in lines:
            line = raw.rstrip(b"\r\n")
            if front is not None:  # a document published meanwhile (the console, ingest)
                services.refresh_if_stale()
            answer = process_line(line, services, today, front)
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if outbox is not None:
            outbox.stop()
