"""Updates in: the durable inbox, the flood gate, and translation to ``Incoming``; they
arrive by long polling (``polling``) or the webhook (``webhook``).

* The inbox (the shared ``channel_inbox`` of ``bot.channels.durable``, channel "telegram",
  key = update_id): every update is stored with its ``update_id`` before Telegram is
  told it arrived: in polling mode the next getUpdates ``offset`` moves past a batch only
  after the batch is committed; in webhook mode the HTTP answer (200) comes after the commit.
  A repeat of a stored update_id is dropped. An update is marked done in the transaction that
  saves its turn's session and queues its replies (``Conversation.turn(..., within=...)``),
  so after a crash an update is processed again only if its turn never committed; at start
  the unfinished ones are processed first.
* Translation: text -> ``Incoming(text)``; a button -> ``Incoming(choice)`` (callback data
  decoded from the store); stickers, photos, voice, files... in a private chat ->
  ``Incoming(kind="unsupported")``; edited messages and channel posts are ignored. In groups
  only commands (``/cmd`` or ``/cmd@this_bot``), mentions of the bot and replies to it count.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.request import HTTPXRequest

from bot.channels import durable
from bot.domain import Incoming
from bot.store import Store

_log = logging.getLogger(__name__)

ALLOWED_UPDATES: Final = ("message", "edited_message", "channel_post", "callback_query")
INBOX_KEEP_S: Final = 7 * 24 * 3600.0  # done updates kept this long (repeats dropped meanwhile)

# Telegram's own inbox table of earlier versions; its rows move to the shared inbox
# (``channel_inbox``, channel "telegram", key = the update_id) when a file is upgraded.
INBOX_STEPS: tuple[str, ...] = (
    """
CREATE TABLE IF NOT EXISTS tg_inbox (
    update_id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    received_at REAL NOT NULL,
    done_at REAL
);
CREATE INDEX IF NOT EXISTS tg_inbox_pending ON tg_inbox (done_at, update_id);
""",
    """
INSERT OR IGNORE INTO channel_inbox (channel, key, chat, payload, received_at, done_at)
    SELECT 'telegram', CAST(update_id AS TEXT), '', payload, received_at, done_at
    FROM tg_inbox ORDER BY update_id;
DROP TABLE tg_inbox
""",
)
CHANNEL: Final = "telegram"

# Message contents a user sends that the assistant cannot read (service messages are not here:
# a pinned message or a new member is no reason to answer).
_USER_CONTENT = (
    "sticker",
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "animation",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
    "story",
    "game",
    "paid_media",
)


# --- the inbox table ----------------------------------------------------------------------------


def store_updates(
    store: Store, payloads: list[dict[str, Any]], done: bool = False
) -> list[tuple[int, dict[str, Any]]]:
    """Store updates not seen before in the shared inbox (one transaction); returns those, in
    update_id order. ``done`` stores them as already handled (answered while the store was
    unavailable)."""
    ordered = sorted(payloads, key=lambda p: int(p["update_id"]))
    items = [(str(int(p["update_id"])), "", p) for p in ordered]
    new = set(durable.inbox.store_batch(store, CHANNEL, items, done))
    for key, _, _ in items:
        if key not in new:
            _log.info("update %s was already stored: repeat dropped", key)
    return [(int(key), payload) for key, _, payload in items if key in new]


def unfinished_updates(store: Store) -> list[tuple[int, dict[str, Any]]]:
    """Stored updates whose turn never committed, oldest first."""
    rows = durable.unfinished(store, CHANNEL)
    return sorted(((int(key), payload) for key, _, payload in rows), key=lambda r: r[0])


def stale_updates(store: Store, stale_after: float) -> list[tuple[int, dict[str, Any]]]:
    """Several workers: the stored updates whose worker took them ``stale_after`` seconds ago
    and never finished them (it died), now taken over by the caller, oldest first."""
    taken = [
        (int(key), payload)
        for key, _, payload in durable.unfinished(store, CHANNEL)
        if durable.take_over(store, CHANNEL, key, stale_after) == "taken"
    ]
    return sorted(taken, key=lambda r: r[0])


def last_update_id(store: Store) -> int | None:
    with store.reading() as db:
        row = db.execute(
            "SELECT MAX(CAST(key AS INTEGER)) FROM channel_inbox WHERE channel = ?", (CHANNEL,)
        ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def mark_done(db: Any, update_id: int) -> bool:
    """Inside the transaction of the update's turn; False when another worker finished it."""
    return durable.mark_done(db, CHANNEL, str(update_id))


# --- flood limit --------------------------------------------------------------------------------

Verdict = Literal["ok", "warn", "drop"]


class FloodGate:
    """A sliding window per user: at most ``limit`` messages in ``window`` seconds.

    Over the limit the first message gets "warn" (answer "please slow down") and the rest of
    the window "drop"; dropped messages do not count, so a user who pauses is served again.
    Button presses are not counted (a walk-through is many presses in a row).
    """

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, key: int) -> Verdict:
        if self.limit <= 0 or self.window <= 0:
            return "ok"
        now = self._clock()
        if len(self._seen) > 10_000:
            self._forget_idle(now)
        stamps = self._seen.setdefault(key, deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            return "ok"
        warned = self._warned.get(key)
        if warned is None or now - warned >= self.window:
            self._warned[key] = now
            return "warn"
        return "drop"

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, s in self._seen.items() if not s or now - s[-1] >= self.window]
        for key in idle:
            self._seen.pop(key, None)
            self._warned.pop(key, None)


# --- translation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What one update asks of the bot."""

    chat_id: int
    user_key: int  # whose flood window it counts in
    incoming: Incoming
    button: bool = False
    query_id: str | None = None  # a button press to acknowledge
    callback_data: str | None = None  # decoded from the store before the turn
    reply_to: int | None = None  # the id of our message this one replies to
    typing: bool = False
    sent_at: float = field(default=0.0, compare=False)  # Telegram's date of the message


def translate(update: Update, bot_id: int, username: str) -> Work | None:
    """The work an update asks for, or None to ignore it."""
    if update.callback_query is not None:
        return _button(update.callback_query)
    message = update.message
    if message is None:
        return None  # edited messages, channel posts
    chat = message.chat
    user = message.from_user
    private = chat.type == ChatType.PRIVATE
    meta = {"channel": "telegram", "chat_type": str(chat.type)}
    if user is not None and user.language_code:
        meta["language_code"] = user.language_code
    if user is not None:
        meta["user_name"] = user.full_name  # shown on a ticket a staff member handles
    replied = message.reply_to_message
    reply_to = (
        replied.message_id
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
        else None
    )
    user_key = user.id if user else chat.id
    sent_at = message.date.timestamp() if message.date else 0.0
    if message.text is not None:
        text = message.text if private else addressed(message, bot_id, username)
        if text is None:
            return None
        incoming = Incoming(
            chat_id=str(chat.id),
            text=text,
            user_id=str(user.id) if user else None,
            kind="text",
            meta=meta,
            group=not private,
        )
        return Work(chat.id, user_key, incoming, reply_to=reply_to, typing=True, sent_at=sent_at)
    if private and any(getattr(message, name, None) for name in _USER_CONTENT):
        incoming = Incoming(
            chat_id=str(chat.id),
            user_id=str(user.id) if user else None,
            kind="unsupported",
            meta=meta,
        )
        return Work(chat.id, user_key, incoming, sent_at=sent_at)
    return None


def _button(query: CallbackQuery) -> Work | None:
    """A button pressed under one of our messages: its option, acknowledged after the turn."""
    message = query.message
    if message is None or query.data is None:
        return None  # a button of an inline message, or a game: not ours
    return Work(
        chat_id=message.chat.id,
        user_key=query.from_user.id,
        incoming=Incoming(
            chat_id=str(message.chat.id),
            choice=query.data,
            user_id=str(query.from_user.id),
            kind="choice",
            meta={"channel": "telegram", "chat_type": str(message.chat.type)},
            group=message.chat.type != ChatType.PRIVATE,
        ),
        button=True,
        query_id=query.id,
        callback_data=query.data,
    )


def addressed(message: Message, bot_id: int, username: str) -> str | None:
    """The text of a group message meant for the bot, or None to stay quiet."""
    text = message.text or ""
    username = username.lower()
    for entity, value in message.parse_entities([MessageEntity.BOT_COMMAND]).items():
        if entity.offset == 0:
            _, at, target = value.partition("@")
            return text if not at or target.lower() == username else None
    if username and f"@{username}" in text.lower():
        stripped = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
        return " ".join(stripped.split()) or "/help"
    replied = message.reply_to_message
    replier = replied.from_user if replied is not None else None
    return text if replier is not None and replier.id == bot_id else None


# --- the getUpdates request that survives malformed updates -------------------------------------


class UpdatesRequest(HTTPXRequest):
    """getUpdates through HTTPX, replacing updates that PTB cannot parse by empty ones.

    PTB parses a whole batch at once; one malformed update would fail the batch again and
    again and stop polling for good. An empty update keeps its ``update_id``, so the offset
    moves past it, and nothing handles it.
    """

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, *args, **kwargs)
        if code != 200 or not url.endswith("/getUpdates"):
            return code, payload
        try:
            data = json.loads(payload)
        except ValueError:
            return code, payload  # PTB reports it
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, list):
            return code, payload
        data["result"] = [u for u in (parsable(item) for item in result) if u is not None]
        return code, json.dumps(data).encode()


def parsable(item: object) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        _log.warning("dropped an update that is not an object: %.200r", item)
        return None
    update_id = item.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        _log.warning("dropped an update without an update_id: %.200r", item)
        return None
    try:
        Update.de_json(dict(item), None)
    except Exception:
        _log.warning("update %s is malformed and is skipped", update_id, exc_info=True)
        return {"update_id": update_id}
    return item
