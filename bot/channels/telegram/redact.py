"""Secrets in logs: the bot token is part of every Bot API URL, so the ``httpx`` logger (which
logs URLs) is kept at WARNING, PTB's URL loggers get a filter, and, as a last line of defence,
so does every handler of the root logger (``protect_token``)."""

from __future__ import annotations

import logging

from bot.config import Settings


class TokenFilter(logging.Filter):
    """Replaces a secret in any log record that would carry it (a last line of defence)."""

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
        elif record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


# PTB's Bot logs its API URLs, token included, at DEBUG when it is created.
_PTB_URL_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.request")


def quiet_token_loggers(token: str) -> None:
    # httpx logs every request URL at INFO, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in _PTB_URL_LOGGERS:
        _add_filter(logging.getLogger(name), token)


def _add_filter(target: logging.Logger | logging.Handler, token: str) -> None:
    if not any(isinstance(f, TokenFilter) and f.token == token for f in target.filters):
        target.addFilter(TokenFilter(token))


def protect_token(settings: Settings) -> None:
    """Keep the token and the webhook secret out of the logs: quiet httpx, redact them in
    PTB's URL messages and, as a last line of defence, in whatever reaches the root logger's
    handlers."""
    for secret in (settings.telegram_token, settings.telegram_webhook_secret):
        if secret is None or not secret.get_secret_value():
            continue
        value = secret.get_secret_value()
        quiet_token_loggers(value)
        for handler in logging.getLogger().handlers:
            _add_filter(handler, value)
