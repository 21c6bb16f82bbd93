"""A fake OpenAI-compatible chat server on 127.0.0.1, scripted per test.

The real client (langchain-openai's ``ChatOpenAI`` with ``base_url``) talks to it over HTTP.

    with FakeOpenAI() as llm:
        llm.reply_json({"answer": "可获80万元。", "citations": ["doc/1"]})
        llm.fail(429)                   # next call: rate limited
        llm.slow(5.0, {...})            # next call: answered after 5 s
        llm.raw("not json at all")      # next call: content that is no JSON
        ...
        llm.requests[-1]["messages"]    # what the client sent

Each scripted answer is used once, in order; with none left it answers 500.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    """``/v1/chat/completions`` with queued answers; every request body is recorded."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._script: deque[tuple[int, str, float]] = deque()
        self._responder: Callable[[str], dict[str, Any]] | None = None
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, content, delay = fake._next(body)
                if delay:
                    time.sleep(delay)
                payload = content.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ scripting

    def reply_json(self, obj: dict[str, Any], delay: float = 0.0) -> None:
        """The next answer's message content is ``obj`` as JSON."""
        self.raw(json.dumps(obj, ensure_ascii=False), delay)

    def raw(self, content: str, delay: float = 0.0) -> None:
        """The next answer's message content, as given."""
        self._push(200, _completion(content), delay)

    def respond_with(self, responder: Callable[[str], dict[str, Any]]) -> None:
        """Answer every call not otherwise scripted with ``responder(prompt)`` as JSON."""
        self._responder = responder

    def slow(self, delay: float, obj: dict[str, Any]) -> None:
        self.reply_json(obj, delay)

    def fail(self, status: int, body: str = '{"error": {"message": "scripted failure"}}') -> None:
        """The next call answers ``status`` with ``body``."""
        self._push(status, body, 0.0)

    def broken_body(self) -> None:
        """The next call answers 200 with a body that is not JSON."""
        self._push(200, "{not json", 0.0)

    def _push(self, status: int, body: str, delay: float) -> None:
        with self._lock:
            self._script.append((status, body, delay))

    def _next(self, body: dict[str, Any]) -> tuple[int, str, float]:
        with self._lock:
            self.requests.append(body)
            if self._script:
                return self._script.popleft()
            if self._responder is not None:
                content = json.dumps(self._responder(_last_user_text(body)), ensure_ascii=False)
                return 200, _completion(content), 0.0
            return 500, '{"error": {"message": "nothing scripted"}}', 0.0

    def prompt(self, index: int = -1) -> str:
        """The text of the last user message of request ``index``."""
        return _last_user_text(self.requests[index])


def _last_user_text(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def _completion(content: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
        ensure_ascii=False,
    )
