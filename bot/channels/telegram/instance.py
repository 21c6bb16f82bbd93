"""What one bot process needs before it runs: the error that stops it (a token Telegram
rejects, another instance), the lock that keeps one process per token and data directory,
and the Bot API client with its timeouts."""

from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.errors import PolicyBotError
from bot.store import private_dir

from .updates import UpdatesRequest

TOKEN_SETTING: Final = "POLICYBOT_TELEGRAM_TOKEN"


class FatalError(PolicyBotError):
    """The bot cannot run (the token was rejected, another instance runs): exit non-zero."""


class Stopped(Exception):
    """Stopped (a signal) before the bot was running."""


def token_rejected() -> FatalError:
    return FatalError(
        f"Telegram rejected the bot token (401/404): check {TOKEN_SETTING} "
        "(the token BotFather gave you; /revoke gives a new one)"
    )


# --- one process per token ----------------------------------------------------------------------


class InstanceLock:
    """An exclusive lock per bot token in the data directory, held while the bot runs."""

    def __init__(self, data_dir: Path, token: str) -> None:
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        private_dir(data_dir)
        self.path = data_dir / f"telegram-{digest}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> InstanceLock:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise FatalError(
                f"another `policybot telegram` (pid {holder}) is already running with this "
                f"token and data directory (lock {self.path}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# --- timeouts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeouts:
    """Seconds for the Bot API requests; ``poll`` is the long-poll wait of getUpdates."""

    read: float = 30.0
    poll: float = 30.0
    connect: float = 5.0
    write: float = 10.0
    pool: float = 10.0
    connections: int = 128


def build_bot(settings: Settings, token: str, t: Timeouts) -> Bot:
    """The Bot API client: a connection pool for sending, one connection for getUpdates."""
    root = settings.telegram_api_url.rstrip("/")
    request = HTTPXRequest(
        connection_pool_size=t.connections,
        connect_timeout=t.connect,
        read_timeout=t.read,
        write_timeout=t.write,
        pool_timeout=t.pool,
    )
    # PTB adds the long-poll wait to this read timeout for getUpdates.
    updates_request = UpdatesRequest(
        connection_pool_size=1,
        connect_timeout=t.connect,
        read_timeout=min(t.read, 10.0),
        write_timeout=t.write,
        pool_timeout=t.pool,
    )
    return Bot(
        token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
        get_updates_request=updates_request,
    )
