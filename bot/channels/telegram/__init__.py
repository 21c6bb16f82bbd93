"""The Telegram channel (python-telegram-bot 22): updates in, the core's replies out.

The only package that imports ``telegram``. It translates and delivers; the conversation
lives in ``bot.conversation`` and its state, with the inbox and the outbox, in the SQLite
``Store``, so neither a crash nor an outage loses a message.

* ``render``: a core reply as Telegram messages (HTML, keyboards, splitting); pure.
* ``updates``: the durable inbox, polling and the webhook server, update -> ``Incoming``.
* ``outbox``: the durable outbox table (replies queued in the turn, slots, button data).
* ``delivery``: the outbox's sender; ``retry``: retries, back-off, pacing.
* ``polling``, ``webhook``: the two ways updates arrive; ``intake`` stores them and queues
  them on their chat's lane; ``lanes`` runs their turns through ``Conversation.turn``.
* ``instance``: the lock per token, the fatal error, the client; ``redact``: secrets in logs.
* ``app``: ``TelegramChannel``, which wires them together and runs them.
"""

from .app import COMMANDS, TelegramChannel
from .delivery import OutboxSender
from .instance import FatalError, InstanceLock, Timeouts
from .lanes import SLOW_DOWN
from .outbox import queue_replies
from .redact import TokenFilter, protect_token
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
from .retry import Pacer, RetryPolicy, retry_after_seconds
from .updates import ALLOWED_UPDATES, FloodGate

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
