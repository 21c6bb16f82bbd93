"""A fake WeChat for tests: the API server the bot calls, and WeChat's side of the message
server (it signs, encrypts and retries as WeChat does).

    with FakeWeChatAPI() as api:                       # /cgi-bin/stable_token, custom/send, menu
        env["POLICYBOT_WECHAT_API_URL"] = api.url
        ...
        wx = WeChatPush(f"http://127.0.0.1:{port}/wechat", TOKEN, AES_KEY, APP_ID)
        answer = wx.text("oUser1", "你好")            # signed, encrypted, retried; the reply text
        api.wait_sent("oUser1", 1)

The API server (standard library ``ThreadingHTTPServer`` in a thread):

* ``POST /cgi-bin/stable_token``: checks appid and secret (40125 otherwise), hands out
  ``token-1``, ``token-2``...; ``force_refresh`` or an expired token makes a new one.
* ``POST /cgi-bin/message/custom/send?access_token=``: 40001 for a token that is not the
  current one, then WeChat's own rules when enabled: 48001 when the account is not verified,
  45047 after ``quota`` messages since the user's last message; records the message.
* ``POST /cgi-bin/menu/create``: records the menu.
* ``expire_token()`` invalidates the current token (the next call with it gets 40001).

``WeChatPush`` builds the XML WeChat posts (text, voice with ``Recognition``, events), signs
it (``signature``; ``msg_signature`` in safe mode), encrypts it with wechatpy's
``WeChatCrypto`` in safe mode, checks and decrypts the reply, and, like WeChat, posts the same
message again (same ``MsgId``) when no answer came within ``timeout`` seconds, up to three
retries.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner


@dataclass
class Sent:
    openid: str
    content: str
    token: str
    at: float


@dataclass
class _State:
    app_id: str
    secret: str
    token: str = ""
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    expired: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    menus: list[Any] = field(default_factory=list)
    rejected: int = 0
    verified: bool = True
    quota: int = 5
    since_user: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeWeChatAPI:
    """The WeChat API on 127.0.0.1 (a free port)."""

    def __init__(self, app_id: str = "wxfakeapp", secret: str = "fake-app-secret") -> None:
        self.state = _State(app_id, secret)
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                answer = _answer(state, parts.path, query, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what tests use --------------------------------------------------------------------------

    def expire_token(self) -> str:
        with self.state.lock:
            self.state.expired.add(self.state.token)
            return self.state.token

    def user_wrote(self, openid: str) -> None:
        """A user message opens the customer-service allowance again (as WeChat counts)."""
        with self.state.lock:
            self.state.since_user[openid] = 0

    def sent_to(self, openid: str) -> list[str]:
        with self.state.lock:
            return [s.content for s in self.state.sent if s.openid == openid]

    def sent_at(self, openid: str) -> list[tuple[float, str]]:
        """(time, content) of the customer-service messages to one user."""
        with self.state.lock:
            return [(s.at, s.content) for s in self.state.sent if s.openid == openid]

    def wait_sent(self, openid: str, count: int, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.sent_to(openid)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{openid}: {len(self.sent_to(openid))} messages, not {count}")

    def calls(self, path: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [body for p, body in self.state.calls if p == path]


def _answer(state: _State, path: str, query: dict[str, str], body: dict[str, Any]) -> Any:
    with state.lock:
        state.calls.append((path, body))
        if path == "/cgi-bin/stable_token":
            if body.get("appid") != state.app_id or body.get("secret") != state.secret:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            if not state.token or body.get("force_refresh") or state.token in state.expired:
                state.token = f"token-{next(state.counter)}"
            return {"access_token": state.token, "expires_in": 7200}
        token = query.get("access_token", "")
        if not token or token != state.token or token in state.expired:
            state.rejected += 1
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        if path == "/cgi-bin/menu/create":
            state.menus.append(body.get("button"))
            return {"errcode": 0, "errmsg": "ok"}
        if path == "/cgi-bin/message/custom/send":
            if not state.verified:
                return {"errcode": 48001, "errmsg": "api unauthorized"}
            openid = str(body.get("touser"))
            used = state.since_user.get(openid, 0)
            if used >= state.quota:
                return {"errcode": 45047, "errmsg": "out of response count limit"}
            state.since_user[openid] = used + 1
            content = str((body.get("text") or {}).get("content", ""))
            state.sent.append(Sent(openid, content, token, time.time()))
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 40066, "errmsg": "invalid url"}


# --- WeChat's side of the message server ---------------------------------------------------------


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


@dataclass
class Answer:
    text: str  # "" when the server said "success" (nothing to show)
    status: int
    attempts: int
    seconds: float
    raw: bytes = b""


class WeChatPush:
    """Posts messages to the bot's server as WeChat does (plaintext or safe mode)."""

    _ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000)

    def __init__(
        self,
        url: str,
        token: str,
        aes_key: str | None,
        app_id: str,
        account: str = "gh_fakeaccount",
        timeout: float = 5.0,
        retries: int = 3,
        retry_gap: float = 0.0,
    ) -> None:
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.account = account
        self.timeout = timeout
        self.retries = retries
        self.retry_gap = retry_gap

    def xml(self, openid: str, kind: str, **fields: Any) -> tuple[str, int]:
        msg_id = next(self._ids)
        created = int(time.time())
        body = {"ToUserName": self.account, "FromUserName": openid, "CreateTime": created,
                "MsgType": kind, **fields}  # fmt: skip
        if kind != "event":
            body["MsgId"] = msg_id
        return xmltodict.unparse({"xml": body}, full_document=False), msg_id

    def signed(self, xml: str, encrypted: bool | None = None) -> tuple[dict[str, str], str]:
        """Query and body of the POST, as WeChat sends it."""
        timestamp, nonce = str(int(time.time())), f"n{next(self._ids)}"
        query = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp,
                 "nonce": nonce, "openid": "x"}  # fmt: skip
        safe = self.crypto is not None if encrypted is None else encrypted
        if not safe:
            return query, xml
        assert self.crypto is not None
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        return query, xmltodict.unparse(
            {"xml": {"ToUserName": self.account, "Encrypt": sealed["Encrypt"]}}, full_document=False
        )

    def open_reply(self, raw: bytes, safe: bool) -> str:
        if not raw or raw == b"success":
            return ""
        data = xmltodict.parse(raw)["xml"]
        if safe:
            assert self.crypto is not None
            assert data["MsgSignature"] == sign(
                self.token, data["TimeStamp"], data["Nonce"], data["Encrypt"]
            ), "reply signature"
            data = xmltodict.parse(
                self.crypto.decrypt_message(
                    raw, data["MsgSignature"], data["TimeStamp"], data["Nonce"]
                )
            )["xml"]
        assert data["MsgType"] == "text"
        return str(data["Content"])

    def post(
        self,
        xml: str,
        client: httpx.Client | None = None,
        encrypted: bool | None = None,
        timeouts: list[float] | None = None,
        retries: int | None = None,
    ) -> Answer:
        """One message with WeChat's retries: the same body again after a timeout or a
        refused connection (up to ``retries`` more times); ``timeouts`` per attempt."""
        safe = self.crypto is not None if encrypted is None else encrypted
        own = client is None
        http = client or httpx.Client()
        started = time.monotonic()
        try:
            retries = self.retries if retries is None else retries
            for attempt in range(1, retries + 2):
                query, body = self.signed(xml, encrypted)
                try:
                    wait = timeouts[attempt - 1] if timeouts else self.timeout
                    response = http.post(
                        self.url, params=query, content=body.encode(), timeout=wait
                    )
                except httpx.TransportError:
                    time.sleep(self.retry_gap)
                    continue
                if response.status_code != 200:
                    return Answer("", response.status_code, attempt, time.monotonic() - started)
                text = self.open_reply(response.content, safe)
                return Answer(text, 200, attempt, time.monotonic() - started, response.content)
            return Answer("", 0, retries + 1, time.monotonic() - started)
        finally:
            if own:
                http.close()

    def text(self, openid: str, content: str, **kw: Any) -> Answer:
        xml, _ = self.xml(openid, "text", Content=content)
        return self.post(xml, **kw)

    def event(self, openid: str, event: str, key: str | None = None) -> Answer:
        fields: dict[str, Any] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        xml, _ = self.xml(openid, "event", **fields)
        return self.post(xml)
