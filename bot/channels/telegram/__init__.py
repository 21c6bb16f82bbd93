"""The Telegram channel (python-telegram-bot 22): updates in, the core's replies out.

The only package that imports ``telegram``. It translates and delivers; the conversation
lives in ``bot.conversation`` and its state, with the inbox and the outbox, in the SQLite
``Store``, so neither a crash nor an outage loses a message.

* ``render``: a core reply as Telegram messages (HTML, keyboards, splitting); pure.
* ``updates``: the durable inbox, polling and the webhook server, update -> ``Incoming``.
* ``delivery``: the durable outbox and its sender (retries, pacing, slots, button data).
* ``app``: ``TelegramChannel``, which wires them to ``Conversation.turn``.
"""

from .app import (
    COMMANDS,
    SLOW_DOWN,
    FatalError,
    InstanceLock,
    TelegramChannel,
    Timeouts,
    TokenFilter,
    protect_token,
)
from .delivery import OutboxSender, Pacer, RetryPolicy, queue_replies, retry_after_seconds
from .render import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE_LENGTH,
    Button,
    CallbackCodec,
    Outgoing,
    citation_line,
    escape,
    keyboard,
    render,
    split_text,
    utf16_len,
)
from .updates import ALLOWED_UPDATES, FloodGate, parsable

_parsable = parsable  # the name the render tests use

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "MAX_CALLBACK_BYTES",
    "MAX_MESSAGE_LENGTH",
    "SLOW_DOWN",
    "Button",
    "CallbackCodec",
    "FatalError",
    "FloodGate",
    "InstanceLock",
    "OutboxSender",
    "Outgoing",
    "Pacer",
    "RetryPolicy",
    "TelegramChannel",
    "Timeouts",
    "TokenFilter",
    "citation_line",
    "escape",
    "keyboard",
    "protect_token",
    "queue_replies",
    "render",
    "retry_after_seconds",
    "split_text",
    "utf16_len",
]
