"""Rendering a core reply as Telegram messages: pure functions, no I/O.

HTML with every dynamic text escaped, citations as a compact block, options as an inline
keyboard (callback data within 64 bytes: longer option ids go through a codec that keeps them
server-side), messages split at paragraph, line or sentence boundaries to fit 4096 characters,
the keyboard on the last part.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import Citation, Option, Reply
from bot.text import book

MAX_MESSAGE_LENGTH: Final = 4096  # UTF-16 code units of the text after entity parsing
MAX_CALLBACK_BYTES: Final = 64
CALLBACK_PREFIX: Final = "#"


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


class Codec(Protocol):
    """Option ids as callback data and back."""

    def encode(self, option_id: str) -> str: ...

    def decode(self, data: str) -> str: ...


def callback_key(option_id: str) -> str:
    """The short callback data standing for an option id too long for Telegram's 64 bytes."""
    return CALLBACK_PREFIX + hashlib.sha256(option_id.encode()).hexdigest()[:32]


def fits(option_id: str) -> bool:
    """Whether an option id can be callback data as it is."""
    return len(option_id.encode()) <= MAX_CALLBACK_BYTES and not option_id.startswith(
        CALLBACK_PREFIX
    )


class CallbackCodec:
    """Option ids as callback data, long ones kept in a bounded in-memory map (least recently
    used dropped first). For rendering without a store; the running bot keeps long ids in
    SQLite (``delivery.StoredCallbacks``) so buttons survive a restart."""

    def __init__(self, size: int = 10_000) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def encode(self, option_id: str) -> str:
        if fits(option_id):
            return option_id
        key = callback_key(option_id)
        self._long[key] = option_id
        self._long.move_to_end(key)
        while len(self._long) > self._size:
            self._long.popitem(last=False)
        return key

    def decode(self, data: str) -> str:
        """The option id; an unknown key goes to the core as it is."""
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
    return f"📄 {book(citation.title)}{where}"


def _width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)


def keyboard(options: tuple[Option, ...], codec: Codec) -> tuple[tuple[Button, ...], ...]:
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


def render(reply: Reply, codec: Codec, limit: int = MAX_MESSAGE_LENGTH) -> list[Outgoing]:
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


def markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def keyboard_json(rows: tuple[tuple[Button, ...], ...]) -> str:
    """The keyboard as JSON text (to keep a rendered message in the outbox)."""
    return json.dumps([[[b.label, b.data] for b in row] for row in rows], ensure_ascii=False)


def keyboard_from_json(text: str) -> tuple[tuple[Button, ...], ...]:
    rows = json.loads(text or "[]")
    return tuple(tuple(Button(str(label), str(data)) for label, data in row) for row in rows)
