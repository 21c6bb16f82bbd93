"""The HTTP servers channels listen on for a platform's calls (Telegram's webhook, WeChat's
messages): one route, no access log (the URL may carry a secret), and the body refused from
its Content-Length before it is read when it is over the limit (tornado's ``max_body_size``).
Plain HTTP: a TLS reverse proxy sits in front."""

from __future__ import annotations

from typing import Any

import tornado.httpserver
import tornado.web


def one_route_server(
    path: str,
    handler: type[tornado.web.RequestHandler],
    arguments: dict[str, Any],
    max_body: int,
    body_timeout: float,
) -> tornado.httpserver.HTTPServer:
    """A server whose only route ``/path`` is served by ``handler`` (``initialize(**arguments)``)."""
    app = tornado.web.Application(
        [(f"/{path.strip('/')}", handler, arguments)],
        log_function=lambda handler: None,
    )
    return tornado.httpserver.HTTPServer(app, max_body_size=max_body, body_timeout=body_timeout)
