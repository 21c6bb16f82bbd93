"""A turn's replies as one WeChat text message: pure functions, no I/O.

A passive reply is one message of at most 2048 bytes. The replies of a turn are merged into
one text; choices become numbered lines ("回复 1 是 · 2 否 · 3 不清楚") whose numbers are
also ``weixin://bizmsgmenu`` links (a tap sends the number, as if typed). A text that would
not fit a phone screen comfortably is cut at a paragraph, line or sentence boundary and the
rest waits behind a typed word ("回复“原文”看全文"), never cut mid-sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.messages import text as catalogue
from bot.text import detect_lang

MAX_BYTES: Final = 2048  # WeChat's limit for a text message's content
SCREEN_BYTES: Final = 1500  # what we show before "the rest behind a word": a phone's screenful
# Where a long text may be cut, best first: a paragraph, a line, a sentence, a clause.
_BOUNDARIES = (
    re.compile(r"\n\n"),
    re.compile(r"\n"),
    re.compile(r"[。！？；]|(?<![0-9A-Za-z])[.!?;] "),
    re.compile(r"[，、]|, "),
)


@dataclass(frozen=True)
class Rendered:
    """The text to send now, the rest held for the typed word, and the choices offered
    (option ids in order, for a typed number)."""

    text: str
    rest: str = ""
    options: tuple[str, ...] = ()
    typed_only: bool = False  # a question answered by typing: a number is the answer


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def lang_of(payloads: Sequence[dict[str, Any]]) -> str:
    joined = "".join(str(p.get("text", "")) for p in payloads)
    return "en" if joined and detect_lang(joined) == "en" else "zh"


def _choices(options: list[dict[str, Any]], lang: str) -> str:
    links = [
        f'<a href="weixin://bizmsgmenu?msgmenucontent={n}&msgmenuid={n}">{n}</a> '
        f"{_plain(str(o.get('label', '')))}"
        for n, o in enumerate(options, start=1)
    ]
    return catalogue("wechat.choices", lang, choices=" · ".join(links))


def _plain_choices(options: list[dict[str, Any]]) -> str:
    return " · ".join(f"{n} {_plain(str(o.get('label', '')))}" for n, o in enumerate(options, 1))


def _plain(label: str) -> str:
    return label.replace("<", "‹").replace(">", "›")


def _escape(text: str) -> str:
    # WeChat renders <a> in text messages; anything else that looks like a tag is shown
    # literally by some clients and swallowed by others, so answers never carry "<".
    return text.replace("<", "‹").replace(">", "›")


def merge(payloads: Iterable[dict[str, Any]], head: str = "") -> Rendered:
    """One message for a turn's replies (outbox payloads: text, options, slot)."""
    items = list(payloads)
    lang = lang_of(items)
    parts = [head] if head else []
    options: list[dict[str, Any]] = []
    typed_only = checklist = False
    for item in items:
        raw = str(item.get("text", ""))
        body = (raw if item.get("raw") else _escape(raw)).strip()
        if body:
            parts.append(body)
        opts = [o for o in item.get("options") or () if isinstance(o, dict)]
        if opts:
            options, typed_only = opts, _typed_answer(opts)
            checklist = bool(item.get("slot"))
    body = "\n\n".join(parts)
    tail = ""
    if checklist:
        # A checklist's text numbers its items and says how to answer ("1,3", "都没有"):
        # typed numbers go to the dialogue as text, and no second list of choices is shown.
        typed_only = True
    elif options and not typed_only:
        tail = _choices(options, lang)
    elif options:
        tail = f"({_plain(str(options[0].get('label', '')))})"
    # One answer gets a screenful; several (a late answer or a staff reply with this one)
    # may use what WeChat allows, so that none of them waits behind "原文".
    budget = SCREEN_BYTES if len(items) <= 1 else MAX_BYTES - 64
    shown, rest = cut(body, budget - size(tail) - 2, lang)
    text = "\n\n".join(p for p in (shown, tail) if p)
    if size(text) > MAX_BYTES:  # very many or very long choices: plain numbers, then cut
        text = _prefix(text if not tail else f"{shown}\n\n{_plain_choices(options)}", MAX_BYTES)
    return Rendered(text, rest, tuple(str(o.get("id", "")) for o in options), typed_only)


def _typed_answer(options: list[dict[str, Any]]) -> bool:
    """A question answered by typing whose only button is "skip" (see the terminal chat)."""
    only = str(options[0].get("id", "")) if len(options) == 1 else ""
    return only.startswith("ans:") and only.endswith(":unknown")


def cut(body: str, budget: int, lang: str) -> tuple[str, str]:
    """``body`` within ``budget`` bytes and the rest; the shown part ends at a boundary and
    says how to get the rest."""
    if size(body) <= budget:
        return body, ""
    note = catalogue("wechat.more", lang)
    room = max(budget - size(note) - 1, 200)
    head = _prefix(body, room)
    cut_at = _boundary(head)
    shown, rest = body[:cut_at].rstrip(), body[cut_at:].lstrip()
    return f"{shown}\n{note}", rest


def _boundary(head: str) -> int:
    """Where to cut ``head``: after the last boundary of the best kind found in its last two
    thirds; the whole of it when there is none."""
    for pattern in _BOUNDARIES:
        ends = [m.end() for m in pattern.finditer(head) if m.end() > len(head) // 3]
        if ends:
            return ends[-1]
    return len(head)


def _prefix(text: str, budget: int) -> str:
    """The longest prefix of ``text`` within ``budget`` UTF-8 bytes."""
    return text.encode("utf-8")[:budget].decode("utf-8", "ignore")


def pages(rest: str, lang: str) -> tuple[str, str]:
    """The next page of held text (within the limit) and what is still held after it."""
    return cut(rest, MAX_BYTES - 16, lang)


_DIGITS = re.compile(r"^\s*(\d{1,2})\s*$")


def picked(text: str, options: Sequence[str], typed_only: bool) -> str | None:
    """The option a typed number picks, or None when the text is not such a number."""
    match = _DIGITS.match(text)
    if match is None or typed_only:
        return None
    n = int(match.group(1))
    return options[n - 1] if 1 <= n <= len(options) else None


def held(payload: dict[str, Any], source: str | None) -> dict[str, Any]:
    """A queued message shown later (with the user's next message, or through the
    customer-service API), headed by what it is: the late answer to one of their messages
    (``source``), or a staff reply."""
    key = "wechat.late" if source else "wechat.earlier"
    head = catalogue(key, lang_of([payload]))
    return {**payload, "text": f"{head}\n{payload.get('text', '')}"}
