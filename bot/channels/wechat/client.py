"""The WeChat API calls the assistant makes: the access token, customer-service messages and
the custom menu, with httpx against ``POLICYBOT_WECHAT_API_URL``.

* The access token comes from ``/cgi-bin/stable_token`` (unlike ``/cgi-bin/token`` it does
  not invalidate the token another process holds). It is cached in the conversation store
  (``wechat_token``), so every process that sends (``policybot wechat``, ``policybot wechat
  menu``) shares one; it is refreshed five minutes before it expires, and at once (with
  ``force_refresh``) when WeChat answers 40001 or 42001 for the token we hold.
* The secret and the token travel in the request body or query, never in a log line: the
  ``httpx`` logger (which logs URLs) is kept at WARNING, and errors name the call only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Final

import httpx

from bot.store import Store

_log = logging.getLogger(__name__)

TOKEN_STEPS: tuple[str, ...] = (
    """
CREATE TABLE IF NOT EXISTS wechat_token (
    app_id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    expires_at REAL NOT NULL
);
""",
)
REFRESH_MARGIN_S: Final = 300.0
TOKEN_ERRORS: Final = frozenset({40001, 40014, 42001})
# Customer-service answers that mean "not now for this user" rather than "try again":
# 45015 the 48 h window is closed, 45047 the quota per user message is used, 48001 the
# account is not allowed the API (not verified), 43004 the user unfollowed.
NOT_NOW: Final = frozenset({45015, 45047, 48001, 43004})


class WeChatError(Exception):
    """WeChat answered with an ``errcode``, or could not be reached (``code`` -1)."""

    def __init__(self, call: str, code: int, message: str) -> None:
        super().__init__(f"{call}: {code} {message}")
        self.call = call
        self.code = code


@dataclass(frozen=True)
class Credentials:
    app_id: str
    secret: str


class WeChatClient:
    """Token, customer-service text, menu. One per process; safe across processes."""

    def __init__(
        self, api_url: str, credentials: Credentials, store: Store, timeout: float = 10.0
    ) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs with the token
        self.root = api_url.rstrip("/")
        self.credentials = credentials
        self.store = store
        self.http = httpx.AsyncClient(timeout=timeout)
        self._lock = asyncio.Lock()
        store.migrate("wechat.token", TOKEN_STEPS)

    async def close(self) -> None:
        await self.http.aclose()

    # -- the access token ------------------------------------------------------------------------

    def _cached(self) -> tuple[str, float] | None:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT token, expires_at FROM wechat_token WHERE app_id = ?",
                (self.credentials.app_id,),
            ).fetchone()
        return None if row is None else (str(row[0]), float(row[1]))

    def _save(self, token: str, expires_at: float) -> None:
        with self.store.transaction() as tx:
            tx.db.execute(
                "INSERT INTO wechat_token (app_id, token, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT(app_id) DO UPDATE SET token = excluded.token, "
                "expires_at = excluded.expires_at",
                (self.credentials.app_id, token, expires_at),
            )

    async def token(self, rejected: str | None = None) -> str:
        """A valid access token; ``rejected`` is one WeChat just refused (40001/42001)."""
        async with self._lock:
            cached = await asyncio.to_thread(self._cached)
            fresh = cached is not None and cached[1] - REFRESH_MARGIN_S > time.time()
            if cached is not None and fresh and cached[0] != rejected:
                return cached[0]
            data = await self._post(
                "stable_token",
                "/cgi-bin/stable_token",
                {
                    "grant_type": "client_credential",
                    "appid": self.credentials.app_id,
                    "secret": self.credentials.secret,
                    "force_refresh": rejected is not None,
                },
            )
            token = str(data.get("access_token") or "")
            if not token:
                raise WeChatError("stable_token", -1, "no access_token in the answer")
            expires_at = time.time() + float(data.get("expires_in") or 7200)
            await asyncio.to_thread(self._save, token, expires_at)
            _log.info("WeChat access token refreshed (valid %.0f s)", expires_at - time.time())
            return token

    # -- calls -----------------------------------------------------------------------------------

    async def _post(
        self, call: str, path: str, body: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        params = {"access_token": token} if token is not None else None
        try:
            response = await self.http.post(f"{self.root}{path}", params=params, json=body)
            data = response.json() if response.content else {}
        except (httpx.HTTPError, ValueError) as exc:
            raise WeChatError(call, -1, type(exc).__name__) from None
        if response.status_code >= 500:
            raise WeChatError(call, -1, f"HTTP {response.status_code}")
        if not isinstance(data, dict):
            raise WeChatError(call, -1, "not a JSON object")
        code = int(data.get("errcode") or 0)
        if code:
            raise WeChatError(call, code, str(data.get("errmsg", ""))[:200])
        return data

    async def _with_token(self, call: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A call that needs the token: once more with a fresh token after 40001/42001."""
        token = await self.token()
        try:
            return await self._post(call, path, body, token)
        except WeChatError as exc:
            if exc.code not in TOKEN_ERRORS:
                raise
            _log.warning("%s: WeChat refused the access token (%s); refreshing", call, exc.code)
            return await self._post(call, path, body, await self.token(rejected=token))

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message (客服消息)."""
        await self._with_token(
            "custom/send",
            "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": content}},
        )

    async def create_menu(self, buttons: list[dict[str, Any]]) -> None:
        """Replace the account's custom menu."""
        await self._with_token("menu/create", "/cgi-bin/menu/create", {"button": buttons})
