"""The Telegram channel (python-telegram-bot 22): updates in, the core's replies out.

The only module that imports ``telegram``. It translates and delivers; the conversation itself
lives in ``bot.dialogue`` and its state in the SQLite ``Store``, keyed by chat, so a restart
resumes a walk-through at the question it was on.

* Updates: text -> ``Incoming(text)``; a button -> ``answerCallbackQuery`` then
  ``Incoming(choice)``; stickers, photos, voice, files... in a private chat ->
  ``Incoming(kind="unsupported")``; edited messages and channel posts are ignored. In groups
  only commands (``/cmd`` or ``/cmd@this_bot``), mentions of the bot and replies to it count.
* Order and concurrency: PTB hands updates over one at a time, in order; each becomes a task
  that first queues on its chat's lock (FIFO), so one chat's messages are answered in order
  while chats run concurrently. The dialogue and retrieval are synchronous CPU work and run in
  a worker thread (a pool of the channel's own), loading and saving the session in the same
  call, so the event loop keeps polling and sending.
* Rendering: HTML with every dynamic text escaped, citations as a compact block, options as an
  inline keyboard (callback data within 64 bytes), messages split at paragraph, line or
  sentence boundaries to fit 4096 characters, the keyboard on the last part.
* Faults: ``RetryAfter`` sleeps the delay Telegram gives, 5xx and timeouts back off
  exponentially, all bounded; a reply that still cannot be delivered is logged and recorded in
  ``Sender.failures``, never dropped silently. A per-user flood limit answers "please slow
  down" once per window and drops the excess instead of queueing it.
* Secrets: the token is part of every request URL, so the ``httpx`` logger (which logs URLs)
  is kept at WARNING and nothing here logs settings or URLs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import json
import logging
import os
import random
import re
import secrets
import time
import unicodedata
import urllib.parse
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final, Literal, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.conversation import Conversation
from bot.domain import Citation, Incoming, Option, Reply
from bot.errors import PolicyBotError
from bot.services import Services
from bot.store import Store

_log = logging.getLogger(__name__)

T = TypeVar("T")
Today = Callable[[], date]
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
App = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]

MAX_MESSAGE_LENGTH: Final = 4096  # UTF-16 code units of the text after entity parsing
MAX_CALLBACK_BYTES: Final = 64
ALLOWED_UPDATES: Final = ("message", "edited_message", "channel_post", "callback_query")

SLOW_DOWN = "请慢一点，稍等几秒再发。 / Please slow down a little and try again in a few seconds."

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

COMMANDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "zh": (
        ("start", "开始：介绍与菜单"),
        ("help", "帮助：能问什么、怎么问"),
        ("check", "资格检查：看看能申请哪些扶持"),
        ("cancel", "取消进行中的资格检查"),
        ("lang", "切换语言 中文 / English"),
        ("about", "政策来源与有效期"),
    ),
    "en": (
        ("start", "Start: introduction and menu"),
        ("help", "Help: what to ask and how"),
        ("check", "Check which support you may qualify for"),
        ("cancel", "Cancel the eligibility check"),
        ("lang", "Switch language English / 中文"),
        ("about", "Policy sources and their validity"),
    ),
}


# --- rendering (pure) ---------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram's message length limit."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (``&``, ``<``, ``>``)."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML, the same text without markup, and the keyboard rows."""

    html: str
    plain: str  # sent instead when Telegram refuses the HTML
    keyboard: tuple[tuple[Button, ...], ...] = ()


class CallbackCodec:
    """Option ids as callback data: as they are when they fit in 64 bytes, else a short key."""

    _PREFIX = "#"

    def __init__(self) -> None:
        self._long: dict[str, str] = {}

    def encode(self, option_id: str) -> str:
        if len(option_id.encode()) <= MAX_CALLBACK_BYTES and not option_id.startswith(self._PREFIX):
            return option_id
        key = self._PREFIX + hashlib.sha256(option_id.encode()).hexdigest()[:32]
        self._long[key] = option_id
        return key

    def decode(self, data: str) -> str:
        """The option id; an unknown key (from before a restart) goes to the core as it is."""
        return self._long.get(data, data)


# Split points, coarsest first: paragraphs, lines, sentence ends.
_SPLITS = (
    re.compile(r"(?<=\n\n)"),
    re.compile(r"(?<=\n)"),
    re.compile(r"(?<=[。！？；!?;])|(?<=[.:] )"),
)


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Cut plain text into pieces of at most ``limit`` UTF-16 units at clause boundaries:
    blank lines first, then line ends, then sentence ends, a hard cut only as a last resort."""
    text = text.strip()
    if not text:
        return []
    pieces = _split(text, limit, 0)
    return [p.strip() for p in pieces if p.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if level >= len(_SPLITS):
        return _hard_split(text, limit)
    pieces = [p for p in _SPLITS[level].split(text) if p]
    if len(pieces) < 2:
        return _split(text, limit, level + 1)
    out: list[str] = []
    current, size = "", 0
    for piece in pieces:
        n = utf16_len(piece)
        # a separator left at the end of a chunk is stripped, so it need not fit
        if size + utf16_len(piece.rstrip()) <= limit:
            current, size = current + piece, size + n
            continue
        if current:
            out.append(current)
        if n <= limit:
            current, size = piece, n
        else:
            *whole, current = _split(piece, limit, level + 1)
            out.extend(whole)
            size = utf16_len(current)
    if current:
        out.append(current)
    return out


def _hard_split(text: str, limit: int) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:  # code points: a surrogate pair is never cut
        n = 2 if ord(char) > 0xFFFF else 1
        if size + n > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += n
    if current:
        out.append("".join(current))
    return out


def citation_line(citation: Citation) -> str:
    """``📄 《title》（三）clause heading``: where a quote comes from, on one line."""
    heading = citation.section.rsplit(" > ", 1)[-1].strip()
    clause = citation.clause.strip()
    where = heading if heading.startswith(clause) else " ".join(x for x in (clause, heading) if x)
    return f"📄 《{citation.title}》{where}"


def _width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)


def keyboard(options: tuple[Option, ...], codec: CallbackCodec) -> tuple[tuple[Button, ...], ...]:
    """Short labels (yes / no / skip) share a row, three at most; long ones get a row each."""
    buttons = [Button(o.label, codec.encode(o.id)) for o in options]
    if all(_width(o.label) <= 14 for o in options):
        return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))
    return tuple((b,) for b in buttons)


def _body_html(text: str, lead: bool) -> str:
    """Escaped text; a short first line of a longer message (a question, a heading) in bold."""
    first, newline, rest = text.partition("\n")
    if lead and newline and 0 < len(first) <= 80:
        return f"<b>{escape(first)}</b>\n{escape(rest)}"
    return escape(text)


def render(reply: Reply, codec: CallbackCodec, limit: int = MAX_MESSAGE_LENGTH) -> list[Outgoing]:
    """One core reply as Telegram messages (one unless it is longer than ``limit``)."""
    body = split_text(reply.text, limit) or ["…"]
    quote = list(dict.fromkeys(citation_line(c) for c in reply.citations))
    parts: list[tuple[str, str]] = [(chunk, "") for chunk in body]
    if quote:
        block = "\n".join(quote)
        last = parts[-1][0]
        if utf16_len(f"{last}\n\n{block}") <= limit:
            parts[-1] = (last, block)
        else:
            parts += [("", chunk) for chunk in split_text(block, limit)]
    out: list[Outgoing] = []
    for i, (text, block) in enumerate(parts):
        pieces_html = [_body_html(text, lead=i == 0)] if text else []
        pieces_plain = [text] if text else []
        if block:
            pieces_html.append(f"<blockquote>{escape(block)}</blockquote>")
            pieces_plain.append(block)
        out.append(Outgoing("\n\n".join(pieces_html), "\n\n".join(pieces_plain)))
    if reply.options:
        last_part = out[-1]
        out[-1] = Outgoing(last_part.html, last_part.plain, keyboard(reply.options, codec))
    return out


def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


# --- flood limit --------------------------------------------------------------------------------

Verdict = Literal["ok", "warn", "drop"]


class FloodGate:
    """A sliding window per user: at most ``limit`` messages in ``window`` seconds.

    Over the limit the first message gets "warn" (answer "please slow down") and the rest of
    the window "drop"; dropped messages do not count, so a user who pauses is served again.
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


# --- sending with retries -----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Network errors, 5xx and timeouts: ``attempts`` per request, the
    back-off doubling from ``base_delay``. A 429 says when to come back: waiting as told is
    always right, so it costs no attempt, up to ``max_flood_wait`` seconds in all."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_flood_wait: float = 300.0

    def backoff(self, attempt: int) -> float:
        delay: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return delay * random.uniform(0.75, 1.0)  # spread the retries of many chats


@dataclass(frozen=True)
class Undelivered:
    """A message that could not be delivered after every retry."""

    chat_id: int
    text: str
    error: str
    at: float = field(default_factory=time.time)


def retry_after_seconds(error: RetryAfter) -> float:
    """The delay of a 429, whether PTB gives it as int or timedelta (no deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = error.retry_after
    seconds: float = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return seconds


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class Sender:
    """Calls the Bot API with retries: 429 waits as told, 5xx and timeouts back off."""

    def __init__(self, application: App, policy: RetryPolicy) -> None:
        self._application = application
        self.policy = policy
        self.failures: deque[Undelivered] = deque(maxlen=1000)
        self.sent = 0

    async def call(
        self, label: str, request: Callable[[], Awaitable[T]], attempts: int | None = None
    ) -> T:
        """Run ``request`` until it succeeds; raise its last error when retries are exhausted
        or the error is not worth retrying (400, 403...)."""
        tries = attempts or self.policy.attempts
        failures, waited = 0, 0.0
        while True:
            try:
                return await request()
            except RetryAfter as exc:
                delay = retry_after_seconds(exc)
                if waited + delay > self.policy.max_flood_wait:
                    raise
                waited += delay
                error: TelegramError = exc
            except BadRequest:
                raise  # a NetworkError subclass, but retrying cannot fix the request
            except NetworkError as exc:  # 5xx, dropped connections, TimedOut
                failures += 1
                if failures >= tries:
                    raise
                delay, error = self.policy.backoff(failures), exc
            _log.warning("%s failed (%s); retrying in %.1fs", label, _describe(error), delay)
            await asyncio.sleep(delay)

    async def send(self, chat_id: int, message: Outgoing) -> bool:
        """Deliver one message; on final failure log it and record it in ``failures``."""
        bot = self._application.bot
        markup = _markup(message.keyboard)
        text = message.html
        mode: ParseMode | None = ParseMode.HTML
        for _ in range(3):  # at most: a chat migration, a fall-back to plain text
            try:
                await self.call(
                    f"sendMessage to chat {chat_id}",
                    functools.partial(
                        bot.send_message, chat_id, text, parse_mode=mode, reply_markup=markup
                    ),
                )
                self.sent += 1
                return True
            except ChatMigrated as exc:  # a group became a supergroup
                _log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
            except BadRequest as exc:
                if mode is None or "parse entities" not in exc.message.lower():
                    self._give_up(chat_id, message, exc)
                    return False
                _log.error("Telegram refused the HTML of a reply to chat %s: %s", chat_id, exc)
                text, mode = message.plain, None
            except TelegramError as exc:
                self._give_up(chat_id, message, exc)
                return False
        self._give_up(chat_id, message, TelegramError("too many redirections"))
        return False

    def _give_up(self, chat_id: int, message: Outgoing, error: TelegramError) -> None:
        self.failures.append(Undelivered(chat_id, message.plain, _describe(error)))
        _log.error(
            "reply to chat %s NOT delivered after retries (%s): %.80r",
            chat_id,
            _describe(error),
            message.plain,
        )


# --- the getUpdates request that survives malformed updates -------------------------------------


class _UpdatesRequest(HTTPXRequest):
    """getUpdates through HTTPX, replacing updates that PTB cannot parse by empty ones.

    PTB parses a whole batch at once; one malformed update would fail the batch again and
    again and stop polling for good. An empty update keeps its ``update_id``, so the offset
    moves past it, and no handler matches it.
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
        data["result"] = [u for u in (_parsable(item) for item in result) if u is not None]
        return code, json.dumps(data).encode()


def _parsable(item: object) -> dict[str, Any] | None:
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


# --- the channel --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeouts:
    """Seconds for the Bot API requests; ``poll`` is the long-poll wait of getUpdates."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 10.0
    poll: float = 30.0
    connections: int = 128


class _Lane:
    """One chat's queue: the lock orders its turns; ``users`` counts queued or running ones."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class TelegramChannel:
    """The bot: a PTB ``Application`` wired to the dialogue core and the session store."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        today: Today = date.today,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        clock: Callable[[], float] = time.monotonic,
        workers: int | None = None,
    ) -> None:
        if services.store is None:
            raise ValueError("the Telegram channel needs the session store (with_store=True)")
        if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
            raise ValueError("POLICYBOT_TELEGRAM_TOKEN is not set")
        _quiet_token_loggers(settings.telegram_token.get_secret_value())
        # Opt in to PTB 23's behaviour now: RetryAfter.retry_after as a timedelta. Without it
        # PTB warns on every 429 (and in the tests warnings are errors).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.settings = settings
        self.services = services
        self.store: Store = services.store
        self.conversation = Conversation(services, services.store)
        self.today = today
        self.timeouts = timeouts or Timeouts()
        self.codec = CallbackCodec()
        self.flood = FloodGate(settings.flood_max_messages, settings.flood_window_seconds, clock)
        self._lanes: dict[int, _Lane] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Turns run in two thread pools of the channel's own. Answering a question is CPU
        # work (embedding, BM25; later perhaps a wait for an LLM) bounded by ``workers``
        # threads, since more CPU-bound threads only take the GIL from the event loop; a
        # button or a command takes a millisecond and must not queue behind the questions of
        # other chats, so it has a pool of its own.
        self._workers = workers or 8
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self.application: App = self._build(settings.telegram_token.get_secret_value())
        self.sender = Sender(self.application, retry or RetryPolicy())

    def _build(self, token: str) -> App:
        root = self.settings.telegram_api_url.rstrip("/")
        t = self.timeouts
        request = HTTPXRequest(
            connection_pool_size=t.connections,
            connect_timeout=t.connect,
            read_timeout=t.read,
            write_timeout=t.write,
            pool_timeout=t.pool,
        )
        # PTB adds the long-poll wait to this read timeout for getUpdates.
        updates_request = _UpdatesRequest(
            connection_pool_size=1,
            connect_timeout=t.connect,
            read_timeout=t.read,
            write_timeout=t.write,
            pool_timeout=t.pool,
        )
        application: App = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .request(request)
            .get_updates_request(updates_request)
            .post_init(self._post_init)
            .post_stop(self._post_stop)
            .post_shutdown(self._post_shutdown)
            .build()
        )
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_message))
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(
            MessageHandler(
                filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, self._on_ignored
            )
        )
        application.add_error_handler(self._on_error)
        return application

    # -- running ---------------------------------------------------------------------------------

    @property
    def pending_turns(self) -> int:
        """Turns queued or running, over all chats (zero when the bot is idle)."""
        return sum(lane.users for lane in self._lanes.values())

    @property
    def webhook(self) -> bool:
        """Webhook mode when a public URL is configured; long polling otherwise."""
        return bool(self.settings.telegram_webhook_url)

    def run(self) -> None:
        """Run until interrupted (Ctrl-C, SIGTERM): a webhook server or long polling."""
        protect_token(self.settings)
        if self.webhook:
            kwargs = self._webhook_kwargs()
            _log.info(
                "webhook: listening on %s:%s/%s",
                kwargs["listen"],
                kwargs["port"],
                kwargs["url_path"],
            )
            self.application.run_webhook(**kwargs)
        else:
            _log.info("long polling %s", self.settings.telegram_api_url)
            self.application.run_polling(**self._polling_kwargs())

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[TelegramChannel]:
        """Start as ``run`` does (polling or webhook) inside an existing event loop; on exit
        stop fetching, let every queued turn finish and its replies go out, then shut down."""
        application = self.application
        try:
            async with application:
                await self._post_init(application)
                await application.start()
                try:
                    await self._start_updater()
                    yield self
                finally:
                    updater = application.updater
                    if updater is not None and updater.running:
                        await updater.stop()
                    await application.stop()
                    await self._post_stop(application)
        finally:
            await self._post_shutdown(application)

    async def _start_updater(self) -> None:
        updater = self.application.updater
        assert updater is not None
        if self.webhook:
            await updater.start_webhook(**self._webhook_kwargs())
        else:
            await updater.start_polling(**self._polling_kwargs())

    def _polling_kwargs(self) -> dict[str, Any]:
        return {
            "poll_interval": 0.0,
            "timeout": timedelta(seconds=self.timeouts.poll),
            "allowed_updates": list(ALLOWED_UPDATES),
            "bootstrap_retries": 5,
        }

    def _webhook_kwargs(self) -> dict[str, Any]:
        url = self.settings.telegram_webhook_url or ""
        secret = self.settings.telegram_webhook_secret
        # Telegram echoes the secret in a header of every delivery; without a configured one a
        # fresh random secret still shuts out anyone who merely knows the URL.
        return {
            "listen": self.settings.telegram_webhook_listen,
            "port": self.settings.telegram_webhook_port,
            "url_path": urllib.parse.urlsplit(url).path.strip("/"),
            "webhook_url": url,
            "secret_token": secret.get_secret_value() if secret else secrets.token_urlsafe(32),
            "allowed_updates": list(ALLOWED_UPDATES),
            "bootstrap_retries": 5,
        }

    async def _post_shutdown(self, application: App) -> None:
        """Release the worker threads once every turn has finished."""
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.shutdown(wait=True)

    async def _post_init(self, application: App) -> None:
        """Start the worker threads; register the command menu in Chinese (also the default)
        and English."""
        if not self._pools:
            self._pools = {
                "slow": ThreadPoolExecutor(self._workers, thread_name_prefix="policybot-turn"),
                "quick": ThreadPoolExecutor(4, thread_name_prefix="policybot-quick"),
            }
        for language, commands in (("", "zh"), ("zh", "zh"), ("en", "en")):
            listed = [BotCommand(name, text) for name, text in COMMANDS[commands]]
            try:
                await self.sender.call(
                    "setMyCommands",
                    functools.partial(
                        application.bot.set_my_commands, listed, language_code=language or None
                    ),
                )
            except TelegramError as exc:  # the menu is a convenience: run without it
                _log.error("setMyCommands(%s) failed: %s", language or "default", _describe(exc))

    # -- handlers: translate and queue -----------------------------------------------------------

    async def _on_message(self, update: Update, context: Context) -> None:
        """A message: text (in groups only when addressed to the bot) or unreadable content."""
        message = update.message
        if message is None:
            return
        chat = message.chat
        user = message.from_user
        private = chat.type == ChatType.PRIVATE
        meta = {"channel": "telegram", "chat_type": str(chat.type)}
        if user is not None and user.language_code:
            meta["language_code"] = user.language_code
        if message.text is not None:
            text = message.text if private else self._addressed(message, context)
            if text is None:
                return
            incoming = Incoming(
                chat_id=str(chat.id),
                text=text,
                user_id=str(user.id) if user else None,
                kind="text",
                meta=meta,
                group=not private,
            )
            self._submit(update, chat.id, user.id if user else chat.id, incoming, typing=True)
        elif private and any(getattr(message, name, None) for name in _USER_CONTENT):
            incoming = Incoming(
                chat_id=str(chat.id),
                user_id=str(user.id) if user else None,
                kind="unsupported",
                meta=meta,
            )
            self._submit(update, chat.id, user.id if user else chat.id, incoming)
        else:
            _log.debug("ignored a message without text in chat %s", chat.id)

    async def _on_button(self, update: Update, context: Context) -> None:
        """A button press: acknowledge it at once, then queue the choice."""
        query = update.callback_query
        if query is None:
            return
        self._spawn(self._answer_query(query.id))
        message = query.message
        if message is None or query.data is None:
            return  # a button of an inline message, or a game: not ours
        incoming = Incoming(
            chat_id=str(message.chat.id),
            choice=self.codec.decode(query.data),
            user_id=str(query.from_user.id),
            kind="choice",
            meta={"channel": "telegram", "chat_type": str(message.chat.type)},
            group=message.chat.type != ChatType.PRIVATE,
        )
        self._submit(update, message.chat.id, query.from_user.id, incoming)

    async def _on_ignored(self, update: Update, context: Context) -> None:
        """Edited messages and channel posts: nothing to answer."""
        _log.debug("ignored update %s (edited message or channel post)", update.update_id)

    async def _on_error(self, update: object, context: Context) -> None:
        """The application's one error handler: log the traceback, tell the user politely."""
        chat_id: int | None = None
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type != ChatType.CHANNEL:
            chat_id = chat.id
        error = context.error or RuntimeError("unknown error")
        await self._report(update, error, chat_id)

    def _addressed(self, message: Message, context: Context) -> str | None:
        """The text of a group message meant for the bot, or None to stay quiet."""
        text = message.text or ""
        username = (context.bot.username or "").lower()
        for entity, value in message.parse_entities([MessageEntity.BOT_COMMAND]).items():
            if entity.offset == 0:
                _, at, target = value.partition("@")
                return text if not at or target.lower() == username else None
        if username and f"@{username}" in text.lower():
            stripped = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
            return " ".join(stripped.split()) or "/help"
        replied = message.reply_to_message
        replier = replied.from_user if replied is not None else None
        return text if replier is not None and replier.id == context.bot.id else None

    def _submit(
        self, update: Update, chat_id: int, user_key: int, incoming: Incoming, typing: bool = False
    ) -> None:
        """Queue one turn on its chat's lane (synchronously, so the order is the update order)."""
        verdict = self.flood.check(user_key)
        if verdict == "drop":
            _log.info("flood limit: dropped a message from user %s", user_key)
            return
        if verdict == "warn":
            _log.info("flood limit: user %s told to slow down", user_key)
            work: Callable[[], Awaitable[None]] = functools.partial(
                self._deliver, chat_id, [Reply(SLOW_DOWN)]
            )
        else:
            work = functools.partial(self._turn, update, chat_id, incoming, typing)
        lane = self._lanes.get(chat_id)
        if lane is None:
            lane = self._lanes[chat_id] = _Lane()
        lane.users += 1
        self._spawn(self._in_lane(update, chat_id, lane, work))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run in the background, tracked: stopping waits for it (PTB's ``create_task`` stops
        tracking once ``Application.stop`` has begun, while queued updates still come in)."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("background task failed", exc_info=task.exception())

    async def _post_stop(self, application: App) -> None:
        """After PTB has handed over its last update: let every queued turn finish."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- the work of a turn ----------------------------------------------------------------------

    async def _in_lane(
        self, update: Update, chat_id: int, lane: _Lane, work: Callable[[], Awaitable[None]]
    ) -> None:
        try:
            async with lane.lock:  # FIFO: turns run in the order they were queued
                try:
                    await work()
                except Exception as exc:  # one failing turn: an apology, the others go on
                    await self._report(update, exc, chat_id)
        finally:
            lane.users -= 1
            if lane.users == 0 and self._lanes.get(chat_id) is lane:
                del self._lanes[chat_id]

    async def _turn(self, update: Update, chat_id: int, incoming: Incoming, typing: bool) -> None:
        typing_task = asyncio.create_task(self._typing(chat_id)) if typing else None
        try:
            pool = self._pools.get("quick" if _quick(incoming) else "slow")
            loop = asyncio.get_running_loop()
            replies = await loop.run_in_executor(pool, self._dialogue, incoming)
        finally:
            await _settle(typing_task)
        await self._deliver(chat_id, replies)

    def _dialogue(self, incoming: Incoming) -> list[Reply]:
        """In a worker thread: one turn of the conversation (load, handle, save, log)."""
        return list(self.conversation.turn(incoming, self.today()).replies)

    async def _deliver(self, chat_id: int, replies: list[Reply]) -> None:
        for reply in replies:
            target = _chat_id(reply.to) if reply.to is not None else chat_id
            if target is None:
                _log.error("reply to an unknown recipient %r dropped", reply.to)
                continue
            for message in render(reply, self.codec):
                await self.sender.send(target, message)

    async def _typing(self, chat_id: int) -> None:
        """Best effort: a failed typing action never holds up the answer."""
        try:
            await self.application.bot.send_chat_action(
                chat_id, ChatAction.TYPING, read_timeout=2.0, connect_timeout=2.0
            )
        except TelegramError as exc:
            _log.debug("typing action for chat %s failed: %s", chat_id, _describe(exc))

    async def _answer_query(self, query_id: str) -> None:
        """Stop the button's spinner; the answer itself comes as a message."""
        try:
            await self.sender.call(
                "answerCallbackQuery",
                functools.partial(self.application.bot.answer_callback_query, query_id),
                attempts=2,
            )
        except TelegramError as exc:
            _log.warning("answerCallbackQuery failed: %s", _describe(exc))

    async def _report(self, update: object, error: BaseException, chat_id: int | None) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        _log.error(
            "update %s (chat %s) failed: %s", update_id, chat_id, _describe(error), exc_info=error
        )
        if chat_id is None:
            return
        text = (
            error.user_message if isinstance(error, PolicyBotError) else PolicyBotError.user_message
        )
        await self._deliver(chat_id, [Reply(text)])


def _chat_id(recipient: str) -> int | None:
    """A recipient as Telegram's chat id; None for one that is not a Telegram chat."""
    try:
        return int(recipient)
    except ValueError:
        return None


def _quick(incoming: Incoming) -> bool:
    """Whether a turn surely needs no retrieval: a button, a command, a short answer ("是",
    "3.2亿"). Only a scheduling hint: a wrong guess costs time, never correctness."""
    text = (incoming.text or "").strip()
    return incoming.kind != "text" or text.startswith("/") or len(text) <= 8


async def _settle(task: asyncio.Task[None] | None, wait: float = 1.0) -> None:
    """Let the typing action finish before the answer goes out (so the indicator does not
    linger after it), but never wait long for it."""
    if task is None:
        return
    done, _ = await asyncio.wait({task}, timeout=wait)
    if not done:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class TokenFilter(logging.Filter):
    """Replaces the bot token in any log record that would carry it (a last line of defence)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = text.replace(self.token, "<token>")
        return True


# PTB's Bot logs its API URLs, token included, at DEBUG when it is created.
_PTB_URL_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot")


def _quiet_token_loggers(token: str) -> None:
    # httpx logs every request URL at INFO, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in _PTB_URL_LOGGERS:
        _add_filter(logging.getLogger(name), token)


def _add_filter(target: logging.Logger | logging.Handler, token: str) -> None:
    if not any(isinstance(f, TokenFilter) and f.token == token for f in target.filters):
        target.addFilter(TokenFilter(token))


def protect_token(settings: Settings) -> None:
    """Keep the token out of the logs: quiet httpx, redact it in PTB's URL messages and, as a
    last line of defence, in whatever reaches the root logger's handlers."""
    if settings.telegram_token is None:
        return
    token = settings.telegram_token.get_secret_value()
    _quiet_token_loggers(token)
    for handler in logging.getLogger().handlers:
        _add_filter(handler, token)
