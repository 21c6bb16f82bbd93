"""The ops port: ``/healthz`` (alive), ``/readyz`` (ready to serve) and ``/metrics``.

A small threaded HTTP server of the standard library in a daemon thread, beside whatever the
command serves (Telegram's webhook, WeChat's message server, the console's uvicorn), so a
stuck event loop does not take the health check down with it, and the same code serves all
three. Off unless ``POLICYBOT_OPS_PORT`` is set: two processes on one machine must not fight
over a default port, and the README's first command starts nothing new.

``/readyz`` answers 200 ``ready`` when the index is loaded, the database answers and no
outbox is stuck (a reply due more than ``STUCK_AFTER_S`` ago that nobody sent nor
rescheduled); otherwise 503 with one reason a line.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST

from bot.errors import ServiceError
from bot.ops.figures import STUCK_AFTER_S, reachable, read_figures
from bot.ops.metrics import Metrics

if TYPE_CHECKING:
    from bot.services import Services

_log = logging.getLogger(__name__)


def not_ready(services: Services) -> list[str]:
    """Why the process should get no traffic now (empty: ready)."""
    reasons: list[str] = []
    if not services.generation or not services.kb.clauses:
        reasons.append("index not loaded")
    store = services.store
    if store is None:
        return reasons
    problem = reachable(store.reading)
    if problem is not None:
        return [*reasons, problem]
    for outbox in read_figures(store.reading).outboxes:
        if outbox.overdue > STUCK_AFTER_S:
            reasons.append(
                f"{outbox.channel} outbox stuck: a reply is {outbox.overdue:.0f} s overdue"
            )
    return reasons


class OpsServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` of one process, in a thread."""

    def __init__(self, services: Services, host: str, port: int) -> None:
        self.services = services
        self.metrics = services.metrics or Metrics(services)
        services.metrics = self.metrics
        handler = type("Handler", (_Handler,), {"ops": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ops-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> OpsServer:
        self._thread.start()
        _log.info("ops endpoints on port %d: /healthz /readyz /metrics", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    ops: OpsServer
    server_version = "policybot-ops"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            if path == "/healthz":
                self._send(200, b"ok\n")
            elif path == "/readyz":
                reasons = not_ready(self.ops.services)
                body = ("\n".join(reasons) if reasons else "ready") + "\n"
                self._send(503 if reasons else 200, body.encode("utf-8"))
            elif path == "/metrics":
                self._send(200, self.ops.metrics.exposition(), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found: /healthz /readyz /metrics\n")
        except Exception as exc:  # a failing figure must answer, not drop the connection
            _log.exception("ops request %s failed", path)
            self._send(500, f"error: {exc}\n".encode())

    def _send(self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds are not news: debug level only."""
        _log.debug("ops %s", format % args)


def start_ops(services: Services) -> OpsServer | None:
    """The ops server on ``POLICYBOT_OPS_PORT``, started; None when no port is set."""
    settings = services.settings
    if settings.ops_port is None:
        return None
    try:
        return OpsServer(services, settings.ops_listen, settings.ops_port).start()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise ServiceError(
            f"cannot serve the ops endpoints on {settings.ops_listen}:{settings.ops_port}"
            f" (POLICYBOT_OPS_PORT): {exc.strerror or exc}"
        ) from exc


@contextlib.contextmanager
def operations(services: Services, watch: bool = True) -> Iterator[OpsServer | None]:
    """What runs beside every long-running command's own server: the ops endpoints (when a
    port is set) and, with ``watch``, the index watch that switches to a newly published
    generation (``Services.watch``; Telegram runs its own refresh loop)."""
    server = start_ops(services)
    stop = services.watch() if watch else None
    try:
        yield server
    finally:
        if stop is not None:
            stop.set()
        if server is not None:
            server.stop()
