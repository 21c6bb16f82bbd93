"""The HTTP side: the message server WeChat calls (tornado, as the Telegram webhook).

* GET: the URL verification of the server configuration page: the signature is checked and
  ``echostr`` echoed; a wrong signature gets 403.
* POST: 403 for a wrong ``signature`` or ``msg_signature`` (nothing is processed), 400 for
  what is not a WeChat message, 413 for a body over ``MAX_BODY`` (refused from its
  Content-Length before it is read: tornado's ``max_body_size``), else 200 with the passive
  reply, or "success" (nothing to say now; WeChat does not retry).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import tornado.httpserver
import tornado.web

from bot.channels.http import one_route_server

from .protocol import NO_REPLY, Codec, Inbound, Malformed, Refused, Request

_log = logging.getLogger(__name__)

MAX_BODY: Final = 64 * 1024  # a WeChat message is a few KB; a text is at most 2048 bytes
# (the message, when WeChat sent it by its timestamp, whether the connection is still open)
Handle = Callable[[Inbound, float | None, Callable[[], bool]], Awaitable[str | None]]


class _Handler(tornado.web.RequestHandler):
    def initialize(self, codec: Codec, handle: Handle) -> None:
        self._codec = codec
        self._handle = handle
        self._closed = False

    def on_connection_close(self) -> None:
        """WeChat gave up waiting (5 s): a reply written now would be lost."""
        self._closed = True

    def check_xsrf_cookie(self) -> None:
        """WeChat sends no cookie; the signature authenticates."""

    def _request(self) -> Request:
        arg = self.get_query_argument
        return Request(
            signature=arg("signature", ""),
            timestamp=arg("timestamp", ""),
            nonce=arg("nonce", ""),
            encrypt_type=arg("encrypt_type", ""),
            msg_signature=arg("msg_signature", ""),
        )

    def get(self) -> None:
        try:
            self._codec.verify(self._request())
        except Refused:
            self.set_status(403)
            return
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(self.get_query_argument("echostr", ""))

    async def post(self) -> None:
        request = self._request()
        try:
            inbound = self._codec.open(request, self.request.body)
        except Refused:
            _log.warning("a request with a wrong signature was refused")
            self.set_status(403)
            return
        except Malformed as exc:
            _log.warning("a request that is not a WeChat message: %s", exc)
            self.set_status(400)
            return
        try:
            sent_at: float | None = float(request.timestamp)
        except ValueError:
            sent_at = None
        if inbound is None:
            reply: str | None = NO_REPLY
        else:
            reply = await self._handle(inbound, sent_at, lambda: not self._closed)
        if reply is None:
            self.set_status(503)  # not stored: WeChat sends it again
            return
        if reply != NO_REPLY:
            reply = self._codec.seal(request, reply)
            self.set_header("Content-Type", "application/xml; charset=utf-8")
        self.write(reply)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        _log.error("WeChat request failed: %s", value, exc_info=(typ, value, tb))


def message_server(
    path: str, codec: Codec, handle: Handle, max_body: int = MAX_BODY
) -> tornado.httpserver.HTTPServer:
    """The HTTP server for WeChat's calls (plain HTTP behind an HTTPS reverse proxy)."""
    arguments = {"codec": codec, "handle": handle}
    return one_route_server(path, _Handler, arguments, max_body, body_timeout=10)
