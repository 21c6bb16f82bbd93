"""The webhook: a small tornado server of our own, and its registration with Telegram.

Our own server rather than PTB's for the same reason as our own polling loop: PTB's answers
200 once the update is in memory. This one refuses a body over ``MAX_WEBHOOK_BODY`` from its
Content-Length, before reading it (tornado's ``max_body_size``), checks the secret header in
constant time, and stores the update (``accept``) before answering 200.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final

import tornado.httpserver
import tornado.web
from telegram import Bot

from bot.channels.http import one_route_server
from bot.channels.jsonl import too_deep
from bot.config import Settings

from .updates import ALLOWED_UPDATES, parsable

_log = logging.getLogger(__name__)

MAX_WEBHOOK_BODY: Final = 1 << 20  # Telegram's updates are a few KB; a text is at most 4096
Accept = Callable[[dict[str, Any]], Awaitable[bool]]
Call = Callable[[str, Callable[[], Coroutine[Any, Any, Any]]], Awaitable[Any]]


class _HookHandler(tornado.web.RequestHandler):
    """POST an update: 403 without the right secret, 400 for what is not an update, 200 once
    it is stored, 503 when it could not be stored (Telegram sends it again)."""

    def initialize(self, secret: str, accept: Accept) -> None:
        self._secret = secret
        self._accept = accept

    def check_xsrf_cookie(self) -> None:
        """Telegram sends no cookie; the secret header authenticates."""

    async def post(self) -> None:
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            self.set_status(403)
            return
        try:
            text = self.request.body.decode("utf-8")
            if _too_deep(text):
                raise ValueError("nested too deeply")
            payload = json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            self.set_status(400)
            return
        item = parsable(payload)
        if item is None:
            self.set_status(400)
            return
        stored = await self._accept(item)
        self.set_status(200 if stored else 503)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        _log.error("webhook request failed: %s", value)


def _too_deep(text: str) -> bool:
    return too_deep(text, 64)


def webhook_server(
    path: str, secret: str, accept: Accept, max_body: int = MAX_WEBHOOK_BODY
) -> tornado.httpserver.HTTPServer:
    """The HTTP server for Telegram's webhook calls (plain HTTP behind a TLS proxy)."""
    arguments = {"secret": secret, "accept": accept}
    return one_route_server(path, _HookHandler, arguments, max_body, body_timeout=30)


async def start_webhook(
    settings: Settings, bot: Bot, accept: Accept, call: Call
) -> tornado.httpserver.HTTPServer:
    """Listen for Telegram's calls, then tell Telegram the URL (``setWebhook``) and the secret
    it is to echo in every delivery."""
    url = settings.telegram_webhook_url or ""
    configured = settings.telegram_webhook_secret
    # Telegram echoes the secret in a header of every delivery; without a configured one a
    # fresh random secret still shuts out anyone who merely knows the URL.
    secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
    path = urllib.parse.urlsplit(url).path
    server = webhook_server(path, secret, accept)
    server.listen(settings.telegram_webhook_port, settings.telegram_webhook_listen)
    _log.info(
        "webhook: listening on %s:%s%s",
        settings.telegram_webhook_listen,
        settings.telegram_webhook_port,
        path,
    )
    await call(
        "setWebhook",
        functools.partial(
            bot.set_webhook,
            url,
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
        ),
    )
    return server
