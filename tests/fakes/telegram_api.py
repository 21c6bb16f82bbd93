"""A fake Telegram Bot API server on 127.0.0.1 for tests.

The real client code (python-telegram-bot, or plain httpx) talks to it over HTTP, so what is
tested is the bot as it runs, down to the request encoding. Only the standard library is used:
a ``ThreadingHTTPServer`` served from a background thread.

    with FakeTelegram() as tg:
        bot = telegram.Bot(tg.token, base_url=tg.ptb_base_url)   # f"{tg.base_url}/bot"
        tg.push_text(42, "/start")                                # an update for getUpdates
        ...
        tg.wait_for("sendMessage")
        assert tg.sent_messages(42)[-1]["text"] == "..."

What it does:

* Routes ``{base_url}/bot{token}/{method}``; any other token or path answers 404
  ``Not Found`` (python-telegram-bot reports that as ``InvalidToken``), an unknown method answers
  404 ``Not Found: method not found``. Method names are case-insensitive, as on Telegram.
* Accepts query strings, ``application/x-www-form-urlencoded``, ``multipart/form-data`` and JSON
  bodies, and decodes them into one dict: nested fields that clients JSON-encode in form data
  (``reply_markup``, ``commands``, ``allowed_updates``, ``entities``...) become dicts and lists,
  numbers and booleans become ``int``/``bool``; free-text fields (``text``, ``data``...) stay
  strings. Uploaded files become :class:`UploadedFile`.
* Keeps the state the supported methods need: a queue of updates for ``getUpdates`` (long poll,
  ``offset``/``limit``/``timeout``/``allowed_updates``), the messages in each chat (so that
  ``editMessageText`` can answer "message is not modified" or "message to edit not found"),
  pending callback queries, the command lists, the webhook.
* ``parse_mode=HTML`` is parsed the way Telegram does it: the stored text is plain and the
  formatting becomes ``entities``; an unsupported or unbalanced tag answers 400 "can't parse
  entities". Markdown modes are passed through unparsed.
* Records every call (:class:`Call`) and lets a test wait for calls, inject updates with
  realistic shapes, and inject faults (an HTTP error status, a slow answer, a dropped
  connection), each consumed in the order it was queued, or an outage (``go_down``: every
  call dropped for some seconds).

Deliberately not modelled: file downloads (404), media uploads other than being recorded,
flood limits unless injected, the 409 Conflict between two concurrent ``getUpdates``.
"""

import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self, cast

JSONDict = dict[str, Any]
ChatType = Literal["private", "group", "supergroup"]
Predicate = Callable[["Call"], bool]

#: Update types Telegram sends when ``allowed_updates`` was never set or was set to ``[]``.
DEFAULT_ALLOWED_UPDATES: frozenset[str] = frozenset(
    [
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    ]
)

# Fields whose form-encoded value is free text and must never be JSON-decoded ("123" stays a
# string in `text`, `data` may hold anything the bot put in a button).
_STRING_FIELDS: frozenset[str] = frozenset(
    [
        "text",
        "caption",
        "data",
        "query",
        "question",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "business_connection_id",
        "parse_mode",
        "caption_parse_mode",
        "action",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "name",
        "title",
        "description",
        "short_description",
        "custom_title",
        "emoji",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "file_id",
        "payload",
        "provider_token",
        "currency",
        "start_parameter",
        "sticker_set_name",
        "photo",
        "audio",
        "document",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "certificate",
    ]
)

_CHAT_ACTIONS: frozenset[str] = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_MAX_TEXT_LENGTH = 4096


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as recorded in :attr:`Call.params`."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One recorded request to the fake.

    ``time`` is when the request arrived (``time.time()``); calls are recorded, in this order,
    when their answer is decided, so a long poll appears when it returns. ``response`` is the
    JSON body that was sent, ``None`` for a dropped connection. ``fault`` names the injected
    fault that was applied: the status as a string (``"429"``, ``"502"``), ``"slow"`` or
    ``"drop"``; ``None`` for a normal call.
    """

    method: str
    params: JSONDict
    time: float
    status: int
    response: JSONDict | None
    fault: str | None = None

    @property
    def faulted(self) -> bool:
        """Whether an injected fault was applied to this call (a slow answer counts)."""
        return self.fault is not None

    @property
    def ok(self) -> bool:
        """Whether the call got ``{"ok": true, ...}``."""
        return self.status == 200 and self.response is not None and bool(self.response["ok"])

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call, else ``None``."""
        return self.response["result"] if self.ok and self.response is not None else None

    def __str__(self) -> str:
        params = repr(self.params)
        if len(params) > 300:
            params = params[:297] + "..."
        fault = f" [fault {self.fault}]" if self.fault else ""
        return f"{self.method} {params} -> {self.status}{fault}"


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class _Fault:
    method: str | None  # lower-case method name, None for any method
    kind: Literal["status", "slow", "drop", "drop_after", "garbled"]
    remaining: int
    status: int = 0
    description: str = ""
    parameters: JSONDict | None = None
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return str(self.status) if self.kind == "status" else self.kind


# --- request decoding -------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _decode_form_value(name: str, value: str) -> Any:
    """Turn one form field back into the value the client JSON-encoded."""
    if name in _STRING_FIELDS:
        return value
    try:
        decoded = json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        return value
    # A bare JSON string means the client sent a quoted string; keep what was sent.
    return value if isinstance(decoded, str) else decoded


def _decode_json_value(name: str, value: Any) -> Any:
    """Nested fields may arrive JSON-encoded even in a JSON body; decode those."""
    if isinstance(value, str) and name not in _STRING_FIELDS and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_multipart(content_type: str, body: bytes) -> JSONDict:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise _bad_request("can't parse multipart form data")
    params: JSONDict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        filename = part.get_filename()
        if filename is not None:
            params[name] = UploadedFile(filename, part.get_content_type(), payload)
        else:
            charset = part.get_content_charset() or "utf-8"
            params[name] = _decode_form_value(name, payload.decode(charset, "replace"))
    return params


def parse_params(query: str, content_type: str, body: bytes) -> JSONDict:
    """Decode the query string and body of a Bot API request into one dict of parameters."""
    params: JSONDict = {
        name: _decode_form_value(name, value)
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True)
    }
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return params
    if mime == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise _bad_request("can't parse JSON object") from exc
        if not isinstance(decoded, dict):
            raise _bad_request("JSON object expected")
        params.update({name: _decode_json_value(name, value) for name, value in decoded.items()})
    elif mime == "multipart/form-data":
        params.update(_parse_multipart(content_type, body))
    else:  # form-urlencoded, and what Telegram assumes when no type is given
        text = body.decode("utf-8", "replace")
        for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            params[name] = _decode_form_value(name, value)
    return params


# --- HTML parse mode --------------------------------------------------------------------------

_HTML_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _HtmlToEntities(HTMLParser):
    """Telegram's HTML parse mode: plain text plus entities, or a 400 for bad markup."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._source_lines = source.split("\n")
        self._parts: list[str] = []
        self._offset = 0
        self._open: list[tuple[str, JSONDict | None]] = []
        self.entities: list[JSONDict] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        before = sum(len(text.encode()) + 1 for text in self._source_lines[: line - 1])
        current = self._source_lines[line - 1] if line - 1 < len(self._source_lines) else ""
        return before + len(current[:column].encode())

    def _fail(self, reason: str) -> ApiError:
        return _bad_request(f"can't parse entities: {reason}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_ENTITY_TYPES.get(tag)
        attributes = dict(attrs)
        if kind is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        entity: JSONDict = {"type": kind, "offset": self._offset}
        if tag == "a":
            entity["url"] = attributes.get("href") or ""
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self._open and self._open[-1][0] == "pre":
            language = attributes.get("class") or ""
            pre = self._open[-1][1]
            if language.startswith("language-") and pre is not None:
                pre["language"] = language.removeprefix("language-")
                # <pre><code class="language-x"> is one pre entity
                self._open.append((tag, None))
                return
        self._open.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            expected = f'expected "</{self._open[-1][0]}>", ' if self._open else ""
            raise self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'{expected}found "</{tag}>"'
            )
        _, entity = self._open.pop()
        if entity is not None and self._offset > entity["offset"]:
            entity["length"] = self._offset - entity["offset"]
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self._parts.append(data)
        self._offset += utf16_len(data)

    def result(self) -> tuple[str, list[JSONDict]]:
        self.feed(self._source)
        self.close()
        if self._open:
            raise self._fail(
                f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"'
            )
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self._parts), entities


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Split Telegram HTML into plain text and entities; raises :class:`ApiError` (400)."""
    return _HtmlToEntities(text).result()


# --- the HTTP layer ---------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True  # server_close() joins the handler threads
    # socketserver's default backlog is 5: a client opening many connections at once (a bot
    # answering hundreds of chats) would see SYNs dropped and one-second retransmits.
    request_queue_size = 1024

    def __init__(self, fake: "FakeTelegram") -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Tracked here, in the serving thread, so that no connection escapes close_connections().
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        if getattr(request, "getsockopt", None) and request.getsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, 8
        ) == struct.pack("ii", 1, 0):  # reset (go_down): no FIN first, the close sends RST
            self.close_request(request)
            return
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked reading an idle keep-alive connection."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A client that went away (a cancelled long poll, a test that timed out) is normal here.
        if isinstance(error, ConnectionError | TimeoutError) or self.fake.closing:
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        server = cast(_Server, self.server)
        body = self._read_body()
        answer = server.fake._dispatch(self.path, self.headers.get("Content-Type", ""), body)
        if answer is None:  # an injected dropped connection: no status line, no body
            self.close_connection = True
            return
        if answer == "reset":  # unreachable: the connection is reset (RST), as a dead route is
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        status, payload = answer
        data = (
            payload
            if isinstance(payload, bytes)
            else json.dumps(payload, ensure_ascii=False).encode()
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if server.fake.closing:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)


# --- the fake ---------------------------------------------------------------------------------


class FakeTelegram:
    """A fake Telegram Bot API for one bot, served on 127.0.0.1 from a background thread."""

    def __init__(self, token: str = "123:TEST", bot_username: str = "policy_test_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123
        self._cond = threading.Condition()  # guards all state below; RLock, so re-entrant
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._updates: list[tuple[int, JSONDict]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._messages: dict[tuple[int | str, int], JSONDict] = {}
        self._chats: dict[int | str, JSONDict] = {}
        self._pending_callbacks: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._webhook: JSONDict = {}
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._faults: list[_Fault] = []
        self._down_until = 0.0
        self._chaos: tuple[float, frozenset[str], float] | None = None
        self._chaos_rng: Any = None
        self._observers: list[Callable[[Call], None]] = []
        self._handlers: dict[str, tuple[str, Callable[[JSONDict], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("deleteWebhook", self._delete_webhook),
                ("setWebhook", self._set_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("close", self._return_true),
                ("logOut", self._return_true),
            )
        }

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve from a background thread."""
        if self._server is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # how long stop() waits for the serving loop
            name="fake-telegram",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns promptly, waking long polls and slow answers first."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self._cond:
            self._stopping.set()
            self._cond.notify_all()
        server.shutdown()
        server.close_connections()
        server.server_close()  # closes the listening socket and joins handler threads
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def closing(self) -> bool:
        """Whether :meth:`stop` has begun."""
        return self._stopping.is_set()

    @property
    def base_url(self) -> str:
        """The Bot API root, e.g. ``http://127.0.0.1:PORT``; requests go to ``/bot{token}/...``."""
        if self._server is None:
            raise RuntimeError("FakeTelegram is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def ptb_base_url(self) -> str:
        """What python-telegram-bot takes as ``base_url``: ``f"{base_url}/bot"``."""
        return f"{self.base_url}/bot"

    def method_url(self, method: str) -> str:
        """The URL of one Bot API method for this bot's token."""
        return f"{self.base_url}/bot{self.token}/{method}"

    @property
    def bot_user(self) -> JSONDict:
        """The bot's ``User`` object, as ``getMe`` returns it and as ``from`` of its messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Policy Test Bot",
            "username": self.bot_username,
        }

    # -- recording ------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first; only those of ``method`` if given (faulted ones too)."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """``Message`` results of successful sendMessage/editMessageText calls, oldest first."""
        with self._cond:
            return [
                copy.deepcopy(c.result)
                for c in self._calls
                if c.method in ("sendMessage", "editMessageText")
                and isinstance(c.result, dict)
                and (chat_id is None or c.result["chat"]["id"] == chat_id)
            ]

    def message(self, chat_id: int | str, message_id: int) -> JSONDict | None:
        """The current state of a message (after edits), or ``None`` if the fake never saw it."""
        with self._cond:
            stored = self._messages.get((chat_id, message_id))
            return copy.deepcopy(stored) if stored is not None else None

    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by a getUpdates ``offset``."""
        with self._cond:
            return [copy.deepcopy(update) for _, update in self._updates]

    def wait_for(
        self, predicate_or_method: str | Predicate, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Block until ``count`` recorded calls match; returns all matching calls.

        A string matches calls of that method (faulted ones included); a callable receives
        each :class:`Call`. Raises ``AssertionError`` listing the recorded calls on timeout.
        """
        predicate: Predicate
        if isinstance(predicate_or_method, str):
            method = predicate_or_method

            def has_method(call: Call) -> bool:
                return call.method == method

            predicate, wanted = has_method, repr(method)
        else:
            predicate = predicate_or_method
            wanted = getattr(predicate, "__name__", repr(predicate))
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._calls if predicate(c)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) matching "
                        f"{wanted}; {len(matching)} matched.\n{self._describe_calls()}"
                    )
                self._cond.wait(remaining)

    def clear(self) -> None:
        """Forget the recorded calls (queued updates, messages and faults stay)."""
        with self._cond:
            self._calls.clear()

    def _describe_calls(self, last: int = 50) -> str:
        if not self._calls:
            return "No calls were recorded."
        first = max(len(self._calls) - last, 0)
        lines = [f"Recorded calls ({len(self._calls)}, showing from #{first + 1}):"]
        lines += [f"  {i}. {call}" for i, call in enumerate(self._calls[first:], first + 1)]
        return "\n".join(lines)

    def observe(self, callback: Callable[[Call], None]) -> None:
        """Call ``callback(call)`` as each call is recorded (for load tests that must not scan
        the whole record). It runs in a server thread with the fake's lock held: keep it
        short and do not call back into the fake."""
        with self._cond:
            self._observers.append(callback)

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            for callback in self._observers:
                callback(call)
            self._cond.notify_all()

    # -- fault injection ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str | None,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``None`` or ``"*"``: any) with an error.

        429 carries ``parameters.retry_after``; other statuses get Telegram's usual description
        unless ``description`` is given.
        """
        parameters: JSONDict | None = None
        if status == 429:
            parameters = {"retry_after": retry_after}
            default = f"Too Many Requests: retry after {retry_after}"
        else:
            default = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._add_fault(
            _Fault(
                _fault_method(method),
                "status",
                times,
                status=status,
                description=description or default,
                parameters=parameters,
            )
        )

    def slow_next(self, method: str | None, seconds: float, times: int = 1) -> None:
        """Sleep ``seconds`` before answering the next ``times`` calls of ``method``."""
        self._add_fault(_Fault(_fault_method(method), "slow", times, seconds=seconds))

    def drop_next(self, method: str | None, times: int = 1) -> None:
        """Close the connection without any response on the next ``times`` calls."""
        self._add_fault(_Fault(_fault_method(method), "drop", times))

    def drop_after_next(self, method: str | None, times: int = 1) -> None:
        """Carry out the next ``times`` calls (the message is delivered), then close the
        connection without any response: the request was written, the answer never came."""
        self._add_fault(_Fault(_fault_method(method), "drop_after", times))

    def garble_next(self, method: str | None, times: int = 1) -> None:
        """Carry out the next ``times`` calls, then answer 200 with a body that is no JSON."""
        self._add_fault(_Fault(_fault_method(method), "garbled", times))

    def random_faults(
        self,
        share: float,
        methods: tuple[str, ...] = ("sendMessage", "editMessageText", "getUpdates"),
        slow_seconds: float = 2.5,
        seed: int = 1,
    ) -> None:
        """Give a random ``share`` of the calls of ``methods`` a fault: 429 (retry after 1 s),
        500, 502, a dropped connection, or a slow answer (``slow_seconds``), in equal parts."""
        import random

        with self._cond:
            self._chaos = (share, frozenset(m.lower() for m in methods), slow_seconds)
            self._chaos_rng = random.Random(seed)

    def _random_fault(self, method: str) -> _Fault | None:
        with self._cond:
            if self._chaos is None:
                return None
            share, methods, slow = self._chaos
            if method.lower() not in methods or self._chaos_rng.random() >= share:
                return None
            kind = self._chaos_rng.choice(["429", "500", "502", "drop", "slow"])
        if kind == "drop":
            return _Fault(None, "drop", 1)
        if kind == "slow":
            return _Fault(None, "slow", 1, seconds=slow)
        status = int(kind)
        parameters = {"retry_after": 1} if status == 429 else None
        description = (
            "Too Many Requests: retry after 1" if status == 429 else _DEFAULT_DESCRIPTIONS[status]
        )
        return _Fault(
            None, "status", 1, status=status, description=description, parameters=parameters
        )

    def go_down(self, seconds: float) -> None:
        """Be unreachable for ``seconds``: every request's connection is reset unanswered
        (recorded with fault ``"down"``), as when the network or Telegram is out."""
        with self._cond:
            self._down_until = time.monotonic() + seconds

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    def _add_fault(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._faults.append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method is None or fault.method == method.lower():
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- update factories -----------------------------------------------------------------------

    def push_raw(self, update: Mapping[str, Any]) -> int:
        """Queue an update as given (for malformed ones); ``update_id`` is added if missing."""
        payload = copy.deepcopy(dict(update))
        with self._cond:
            given = payload.get("update_id")
            if isinstance(given, int) and not isinstance(given, bool):
                # Keep the counter ahead so later updates still sort after this one.
                self._update_ids = itertools.count(max(given + 1, next(self._update_ids)))
                update_id = given
            else:
                update_id = next(self._update_ids)
                payload.setdefault("update_id", update_id)
            self._updates.append((update_id, payload))
            self._updates.sort(key=lambda entry: entry[0])
            self._cond.notify_all()
        return update_id

    def push_text(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
        entities: list[JSONDict] | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Queue a text message; a leading ``/command`` or ``/command@bot`` gets its entity.

        ``reply_to_message_id`` makes it a reply to a message of the chat (e.g. the bot's).
        """
        content: JSONDict = {"text": text}
        detected = entities if entities is not None else command_entities(text)
        if detected:
            content["entities"] = detected
        if reply_to_message_id is not None:
            with self._cond:
                replied = self._messages.get((chat_id, reply_to_message_id))
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
                content["reply_to_message"] = {
                    k: copy.deepcopy(v) for k, v in replied.items() if k != "reply_to_message"
                }
        return self._push_message(chat_id, user_id, chat_type, username, first_name, content)

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int | None = None,
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
    ) -> int:
        """Queue a button press on a bot message (by default the bot's last one in the chat)."""
        with self._cond:
            chat = self._chat(chat_id, chat_type, username, first_name)
            user = self._user(chat_id, user_id, chat_type, username, first_name)
            message = self._bot_message_for_callback(chat, message_id)
            query_id = str(4_000_000_000_000_000 + next(self._callback_ids))
            self._pending_callbacks.add(query_id)
            callback = {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(abs(hash((self.bot_id, chat_id)))),
                "data": data,
            }
            return self.push_raw({"callback_query": callback})

    def push_sticker(
        self,
        chat_id: int,
        emoji: str = "👍",
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
    ) -> int:
        """Queue a sticker message."""
        n = next(self._file_ids)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAI{n:06d}",
            "file_unique_id": f"AgAD{n:06d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "FakeStickers",
            "file_size": 24_000,
        }
        content = {"sticker": sticker}
        return self._push_message(chat_id, user_id, chat_type, username, first_name, content)

    def push_photo(
        self,
        chat_id: int,
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
    ) -> int:
        """Queue a photo message (three sizes, as Telegram sends them)."""
        n = next(self._file_ids)
        sizes = [(90, 67, 1_200), (320, 240, 15_000), (800, 600, 60_000)]
        photo = [
            {
                "file_id": f"AgACAgIAAxkBAAI{n:06d}{i}",
                "file_unique_id": f"AQAD{n:06d}{i}",
                "width": width,
                "height": height,
                "file_size": size,
            }
            for i, (width, height, size) in enumerate(sizes)
        ]
        content: JSONDict = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self._push_message(chat_id, user_id, chat_type, username, first_name, content)

    def push_voice(
        self,
        chat_id: int,
        duration: int = 3,
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
    ) -> int:
        """Queue a voice message."""
        n = next(self._file_ids)
        voice = {
            "file_id": f"AwACAgIAAxkBAAI{n:06d}",
            "file_unique_id": f"AgAD{n:06d}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 8_000 * duration,
        }
        content = {"voice": voice}
        return self._push_message(chat_id, user_id, chat_type, username, first_name, content)

    def push_document(
        self,
        chat_id: int,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
    ) -> int:
        """Queue a document message."""
        n = next(self._file_ids)
        document = {
            "file_id": f"BQACAgIAAxkBAAI{n:06d}",
            "file_unique_id": f"AgAD{n:06d}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": 52_000,
        }
        content: JSONDict = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._push_message(chat_id, user_id, chat_type, username, first_name, content)

    def push_edited_text(
        self,
        chat_id: int,
        text: str,
        message_id: int | None = None,
        user_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = "tester",
        first_name: str = "Tester",
    ) -> int:
        """Queue an ``edited_message``: by default of the user's last text message in the chat."""
        with self._cond:
            chat = self._chat(chat_id, chat_type, username, first_name)
            user = self._user(chat_id, user_id, chat_type, username, first_name)
            if message_id is None:
                mine = [
                    mid
                    for (cid, mid), m in self._messages.items()
                    if cid == chat_id and m.get("from", {}).get("id") == user["id"] and "text" in m
                ]
                message_id = max(mine) if mine else next(self._message_ids)
            original = self._messages.get((chat_id, message_id), {})
            message: JSONDict = {
                "message_id": message_id,
                "from": user,
                "chat": chat,
                "date": original.get("date", int(time.time())),
                "edit_date": int(time.time()),
                "text": text,
            }
            detected = command_entities(text)
            if detected:
                message["entities"] = detected
            self._messages[(chat_id, message_id)] = message
            return self.push_raw({"edited_message": message})

    def push_channel_post(self, chat_id: int, text: str, title: str = "Test Channel") -> int:
        """Queue a ``channel_post`` from a channel (negative ``chat_id``)."""
        if chat_id >= 0:
            raise ValueError("channel ids are negative (e.g. -1001234567890)")
        with self._cond:
            chat = {"id": chat_id, "type": "channel", "title": title}
            self._chats[chat_id] = chat
            message: JSONDict = {
                "message_id": next(self._message_ids),
                "sender_chat": chat,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            self._messages[(chat_id, message["message_id"])] = message
            return self.push_raw({"channel_post": message})

    def _push_message(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: ChatType,
        username: str | None,
        first_name: str,
        content: JSONDict,
    ) -> int:
        with self._cond:
            message: JSONDict = {
                "message_id": next(self._message_ids),
                "from": self._user(chat_id, user_id, chat_type, username, first_name),
                "chat": self._chat(chat_id, chat_type, username, first_name),
                "date": int(time.time()),
                **content,
            }
            self._messages[(chat_id, message["message_id"])] = message
            return self.push_raw({"message": message})

    def _chat(
        self,
        chat_id: int,
        chat_type: ChatType,
        username: str | None = None,
        first_name: str = "Tester",
    ) -> JSONDict:
        if chat_type == "private" and chat_id <= 0:
            raise ValueError(f"a private chat id is the user's id, positive: got {chat_id}")
        if chat_type in ("group", "supergroup") and chat_id >= 0:
            raise ValueError(f"{chat_type} chat ids are negative: got {chat_id}")
        if chat_type == "private":
            chat: JSONDict = {"id": chat_id, "type": "private", "first_name": first_name}
            if username is not None:
                chat["username"] = username
        else:
            title = "Test Supergroup" if chat_type == "supergroup" else "Test Group"
            chat = {"id": chat_id, "type": chat_type, "title": title}
        known = self._chats.setdefault(chat_id, chat)
        return copy.deepcopy(known)

    def _user(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: ChatType,
        username: str | None,
        first_name: str,
    ) -> JSONDict:
        if chat_type == "private":
            if user_id is not None and user_id != chat_id:
                raise ValueError("in a private chat the user id equals the chat id")
            user_id = chat_id
        elif user_id is None:
            user_id = 424_242
        user: JSONDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "zh-hans",
        }
        if username is not None:
            user["username"] = username
        return user

    def _bot_message_for_callback(self, chat: JSONDict, message_id: int | None) -> JSONDict:
        chat_id = chat["id"]
        if message_id is None:
            from_bot = [
                mid
                for (cid, mid), m in self._messages.items()
                if cid == chat_id and m.get("from", {}).get("id") == self.bot_id
            ]
            if from_bot:
                message_id = max(from_bot)
        if message_id is not None and (chat_id, message_id) in self._messages:
            return copy.deepcopy(self._messages[(chat_id, message_id)])
        stub: JSONDict = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            "text": "…",
        }
        self._messages[(chat_id, stub["message_id"])] = stub
        return copy.deepcopy(stub)

    # -- request dispatch -----------------------------------------------------------------------

    def _dispatch(
        self, raw_path: str, content_type: str, body: bytes
    ) -> tuple[int, JSONDict | bytes] | Literal["reset"] | None:
        """Answer one HTTP request: ``(status, JSON body)`` (raw bytes for a garbled body),
        ``None`` to close the connection unanswered, ``"reset"`` to reset it (down)."""
        received = time.time()
        split = urllib.parse.urlsplit(raw_path)
        segments = urllib.parse.unquote(split.path).strip("/").split("/")
        method = segments[-1] if segments else ""
        try:
            params = parse_params(split.query, content_type, body)
        except ApiError as unparsable:
            self._record(Call(method, {}, received, unparsable.status, unparsable.body()))
            return unparsable.status, unparsable.body()

        if len(segments) != 2 or segments[0] != f"bot{self.token}":
            not_found = ApiError(404, "Not Found").body()
            self._record(Call(method, params, received, 404, not_found))
            return 404, not_found
        known = self._handlers.get(method.lower())
        if known is None:
            no_method = ApiError(404, "Not Found: method not found").body()
            self._record(Call(method, params, received, 404, no_method))
            return 404, no_method
        method, handler = known

        if time.monotonic() < self._down_until:  # unreachable: every connection reset
            self._record(Call(method, params, received, 0, None, "down"))
            return "reset"
        fault = self._take_fault(method) or self._random_fault(method)
        if fault is not None and fault.kind == "drop":
            self._record(Call(method, params, received, 0, None, fault.label))
            return None
        if fault is not None and fault.kind == "status":
            failure = ApiError(fault.status, fault.description, fault.parameters).body()
            self._record(Call(method, params, received, fault.status, failure, fault.label))
            return fault.status, failure
        if fault is not None and fault.kind == "slow":
            self._stopping.wait(fault.seconds)

        label = fault.label if fault is not None else None
        with self._cond:
            try:
                response: JSONDict = {"ok": True, "result": handler(params)}
                status = 200
            except ApiError as error:
                response, status = error.body(), error.status
            except Exception as exc:  # a bug in the fake: make it visible in the failing test
                status = 500
                response = ApiError(500, f"Internal Server Error: fake failed: {exc!r}").body()
            self._record(Call(method, params, received, status, response, label))
            if fault is not None and fault.kind == "drop_after":
                return None
            if fault is not None and fault.kind == "garbled":
                return status, b'{"ok": true, "result": {"message_id'
            return status, copy.deepcopy(response)

    # -- Bot API methods (called with self._cond held) ------------------------------------------

    def _return_true(self, params: JSONDict) -> bool:
        return True

    def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_float_param(params, "timeout", 0.0), 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):  # remembered until changed, as on Telegram
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset > 0:
            self._updates = [entry for entry in self._updates if entry[0] >= offset]

        deadline = time.monotonic() + timeout
        while True:
            # Updates of types the bot did not ask for are never delivered.
            self._updates = [
                entry for entry in self._updates if _is_allowed(entry[1], self._allowed_updates)
            ]
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0 or self.closing:
                return [copy.deepcopy(update) for _, update in self._updates[:limit]]
            self._cond.wait(remaining)

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        text, entities = self._message_text(params)
        message: JSONDict = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if isinstance(params.get("message_thread_id"), int):
            message["message_thread_id"] = params["message_thread_id"]
        if params.get("link_preview_options"):
            message["link_preview_options"] = params["link_preview_options"]
        reply_to = self._replied_message(chat["id"], params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text, entities = self._message_text(params)
        if params.get("inline_message_id"):
            return True
        stored = self._editable_message(params)
        if "text" not in stored:
            raise _bad_request("there is no text in the message to edit")
        edited = {k: v for k, v in stored.items() if k not in ("entities", "reply_markup")}
        edited["text"] = text
        if entities:
            edited["entities"] = entities
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            edited["reply_markup"] = markup
        return self._store_edit(stored, edited)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        stored = self._editable_message(params)
        edited = {k: v for k, v in stored.items() if k != "reply_markup"}
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            edited["reply_markup"] = markup
        return self._store_edit(stored, edited)

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._pending_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._pending_callbacks.discard(query_id)
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request('parameter "commands" is required')
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        if len(cleaned) > 100:
            raise _bad_request("too many commands")
        self._commands[_commands_key(params)] = cleaned
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(_commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        self._webhook = {}
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url", ""))
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        self._webhook = {"url": url} if url else {}
        if url:
            for name in ("max_connections", "ip_address", "allowed_updates"):
                if name in params:
                    self._webhook[name] = params[name]
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": "",
            **copy.deepcopy(self._webhook),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    # -- method helpers -------------------------------------------------------------------------

    def _target_chat(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username") == chat_id[1:]:
                    return copy.deepcopy(chat)
            raise _bad_request("chat not found")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad_request("chat not found")
        if chat_id in self._chats:
            return copy.deepcopy(self._chats[chat_id])
        # A chat the fake never saw: assume it exists, shaped by the sign of its id.
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        if chat_id <= -1_000_000_000_000:
            return {"id": chat_id, "type": "supergroup", "title": "Chat"}
        return {"id": chat_id, "type": "group", "title": "Chat"}

    def _message_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        raw = params.get("text")
        text = "" if raw is None else str(raw)
        entities = params.get("entities")
        if str(params.get("parse_mode", "")).lower() == "html":
            text, entities = parse_html(text)
        if not text.strip():
            raise _bad_request("message text is empty")
        if utf16_len(text) > _MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        return text, entities if isinstance(entities, list) else []

    def _replied_message(self, chat_id: int | str, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        else:
            message_id = params.get("reply_to_message_id")
        if message_id is None:
            return None
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            if allow_missing:
                return None
            raise _bad_request("message to be replied not found")
        return {k: copy.deepcopy(v) for k, v in stored.items() if k != "reply_to_message"}

    def _editable_message(self, params: JSONDict) -> JSONDict:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        if chat_id is None or message_id is None:
            raise _bad_request("message identifier is not specified")
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            raise _bad_request("message to edit not found")
        if stored.get("from", {}).get("id") != self.bot_id:
            raise _bad_request("message can't be edited")
        return stored

    def _store_edit(self, stored: JSONDict, edited: JSONDict) -> JSONDict:
        def content(message: JSONDict) -> tuple[Any, ...]:
            return (
                message.get("text"),
                message.get("entities", []),
                message.get("reply_markup"),
            )

        if content(stored) == content(edited):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = int(time.time())
        self._messages[(stored["chat"]["id"], stored["message_id"])] = edited
        return copy.deepcopy(edited)


# --- small helpers ----------------------------------------------------------------------------


def command_entities(text: str) -> list[JSONDict]:
    """The ``bot_command`` entity of a leading ``/command`` or ``/command@bot``, if any."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def _fault_method(method: str | None) -> str | None:
    return None if method is None or method == "*" else method.lower()


def _update_type(update: JSONDict) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def _is_allowed(update: JSONDict, allowed: frozenset[str]) -> bool:
    kind = _update_type(update)
    return kind is None or kind in allowed or kind not in _ALL_KNOWN_TYPES


# Updates of a type Telegram does not know (malformed ones pushed with push_raw) are always
# delivered: they exist to test how the bot copes with them.
_ALL_KNOWN_TYPES: frozenset[str] = DEFAULT_ALLOWED_UPDATES | {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


def _inline_markup(markup: Any) -> JSONDict | None:
    # A Message only ever carries an inline keyboard; reply keyboards are not echoed.
    if isinstance(markup, dict) and isinstance(markup.get("inline_keyboard"), list):
        return copy.deepcopy(markup)
    return None


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _bad_request(f"wrong parameter {name}") from exc


def _float_param(params: JSONDict, name: str, default: float) -> float:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise _bad_request(f"wrong parameter {name}") from exc


def _commands_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")
