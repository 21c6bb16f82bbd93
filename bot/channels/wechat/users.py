"""What the channel remembers per WeChat user (``wechat_users``), written in the turn's
transaction: the choices last offered (a typed number picks one), the text held behind
"原文", and the customer-service window: WeChat allows those messages only within 48 hours
of the user's last message and only a few per user message."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Final

from bot.store.base import Connection

USER_STEPS: tuple[str, ...] = (
    """
CREATE TABLE IF NOT EXISTS wechat_users (
    chat TEXT PRIMARY KEY,
    options TEXT NOT NULL DEFAULT '[]',
    typed_only INTEGER NOT NULL DEFAULT 0,
    rest TEXT NOT NULL DEFAULT '',
    last_in REAL NOT NULL DEFAULT 0,
    cs_sent INTEGER NOT NULL DEFAULT 0
);
""",
)
WINDOW_S: Final = 48 * 3600.0 - 600.0  # WeChat's 48 h, less a margin for clocks and queues
CS_PER_MESSAGE: Final = 5  # customer-service messages per user message


@dataclass(frozen=True)
class UserState:
    chat: str
    options: tuple[str, ...] = ()
    typed_only: bool = False
    rest: str = ""
    last_in: float = 0.0
    cs_sent: int = 0

    def may_send(self, now: float | None = None) -> bool:
        """Whether WeChat accepts a customer-service message for this user now."""
        moment = time.time() if now is None else now
        return moment - self.last_in < WINDOW_S and self.cs_sent < CS_PER_MESSAGE


def load(db: Connection, chat: str) -> UserState:
    row = db.execute(
        "SELECT options, typed_only, rest, last_in, cs_sent FROM wechat_users WHERE chat = ?",
        (chat,),
    ).fetchone()
    if row is None:
        return UserState(chat)
    return UserState(
        chat, tuple(json.loads(row[0])), bool(row[1]), str(row[2]), float(row[3]), int(row[4])
    )


def save(db: Connection, state: UserState) -> None:
    db.execute(
        "INSERT INTO wechat_users (chat, options, typed_only, rest, last_in, cs_sent) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(chat) DO UPDATE SET options = excluded.options, "
        "typed_only = excluded.typed_only, rest = excluded.rest, last_in = excluded.last_in, "
        "cs_sent = excluded.cs_sent",
        (
            state.chat,
            json.dumps(list(state.options)),
            int(state.typed_only),
            state.rest,
            state.last_in,
            state.cs_sent,
        ),
    )
