"""Several worker processes on one PostgreSQL database behind a round-robin front, for
``tests/test_workers.py`` and ``bench/workers.py``.

* ``Front``: a loopback HTTP proxy that hands each request to the next worker in turn, as a
  load balancer does. A worker that refuses the connection is skipped (nothing reached it);
  one that drops a request it had received is passed on as a dropped connection (the caller,
  WeChat, sends the message again, and the front hands the retry to another worker).
* ``Worker``: ``tests/worker.py`` (the real channel over fake services) in a subprocess.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
_SENDER = re.compile(r"<FromUserName>(?:<!\[CDATA\[)?([^<\]]+)")


class Front:
    """Round-robin over ``upstreams`` (base URLs) on 127.0.0.1; ``served`` records which
    worker answered each request: (the sender named in a plaintext WeChat body, worker)."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.served: list[tuple[str, int]] = []  # (sender, worker index)
        self._next = itertools.count()
        self._lock = threading.Lock()
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                front.forward(self, b"")

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                front.forward(self, self.rfile.read(size))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._client = httpx.Client(timeout=30.0)

    def __enter__(self) -> Front:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()

    def forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        for _ in range(len(self.upstreams)):
            with self._lock:
                index = next(self._next) % len(self.upstreams)
            try:
                response = self._client.request(
                    handler.command,
                    self.upstreams[index] + handler.path,
                    content=body,
                    headers={"Content-Type": handler.headers.get("Content-Type", "text/xml")},
                )
            except httpx.ConnectError:
                continue  # a dead worker: nothing reached it, the next one gets the request
            except httpx.TransportError:
                handler.close_connection = True  # dropped mid-request: the caller retries
                return
            sender = _SENDER.search(body.decode("utf-8", "replace"))
            with self._lock:
                self.served.append((sender.group(1) if sender else "", index))
            handler.send_response(response.status_code)
            handler.send_header("Content-Type", response.headers.get("Content-Type", "text/plain"))
            handler.send_header("Content-Length", str(len(response.content)))
            handler.end_headers()
            handler.wfile.write(response.content)
            return
        handler.close_connection = True


@dataclass
class Worker:
    """One ``tests/worker.py`` process."""

    channel: str
    env: dict[str, str]
    log: Path
    today: str
    proc: subprocess.Popen[bytes] | None = None
    extra: list[str] = field(default_factory=list)

    def start(self) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 - the child writes it
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), self.channel, "--today", self.today],
            env=self.env, stdout=handle, stderr=handle, cwd=HERE.parent,
        )  # fmt: skip
        handle.close()

    def wait_listening(self, url: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.tail()
            try:
                httpx.get(url, timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"the worker did not start: {self.tail()}")

    def tail(self, size: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def base_env(guard: Path | None = None) -> dict[str, str]:
    """The environment of a worker: no setting of the developer's, the network guard."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("POLICYBOT_")}
    paths = [str(guard)] if guard is not None else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(HERE.parent)])
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONWARNINGS", None)
    return env
