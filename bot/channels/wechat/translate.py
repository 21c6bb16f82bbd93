"""What a WeChat message or event asks of the core, as an ``Incoming``: pure functions.

Text is text, and a typed number picks the choice last offered (``users.UserState``);
a voice message with WeChat's ``Recognition`` is its text; images, voice without text,
video, locations and links are "unsupported" (the core says it reads text); following the
account is ``/start`` (the welcome), a menu tap the command it stands for; unfollowing asks
for nothing (None)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import Incoming

from .menu import click_text
from .protocol import Inbound
from .render import picked
from .sender import CHANNEL, PREFIX
from .users import UserState


def answered(inbound: Inbound) -> bool:
    """Whether a message or event is one the assistant answers or records."""
    if inbound.kind != "event":
        return True
    if inbound.event in ("subscribe", "unsubscribe"):
        return True
    return inbound.event == "click" and click_text(inbound.event_key) is not None


def quick(inbound: Inbound) -> bool:
    """Whether a message surely needs no retrieval (an event, a number, a short word): only
    a scheduling hint, a wrong guess costs time, never correctness."""
    text = (inbound.text or "").strip()
    return inbound.kind != "text" or text.startswith("/") or len(text) <= 8


def to_incoming(inbound: Inbound, state: UserState) -> Incoming | None:
    """The core's event for a message (None: nothing to answer)."""
    at = datetime.fromtimestamp(inbound.created, UTC) if inbound.created else None
    base = {"chat_id": PREFIX + inbound.openid, "user_id": inbound.openid,
            "meta": {"channel": CHANNEL}, "at": at}  # fmt: skip
    if inbound.kind == "media":
        return Incoming(kind="unsupported", **base)  # type: ignore[arg-type]
    if inbound.kind == "event":
        if inbound.event == "unsubscribe":
            return None
        typed = "/start" if inbound.event == "subscribe" else click_text(inbound.event_key)
        return Incoming(text=typed or "/help", **base)  # type: ignore[arg-type]
    text = inbound.text or ""
    choice = picked(text, state.options, state.typed_only)
    if choice:
        return Incoming(kind="choice", choice=choice, **base)  # type: ignore[arg-type]
    return Incoming(text=text, **base)  # type: ignore[arg-type]
