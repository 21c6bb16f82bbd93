"""The console's frame: the shared state, login sessions on every page, CSRF checks on every
form, role checks, rendering through the catalogue, and one-shot notices after a redirect.

Every page handler is a plain function ``handler(page) -> Response`` run in a worker thread
(the staff store and the index are synchronous); ``route`` wraps it with the checks:

    no or expired session   -> 303 to /login (the page asked for comes back after login)
    POST without the form's CSRF token -> 403 with a message, nothing done
    an admin page for staff -> 403 with a message
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.console.accounts import Accounts, LoginSession
from bot.console.messages import text
from bot.text import in_book

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.console.publish import Publisher
    from bot.services import Services
    from bot.staff.desk import StaffDesk

COOKIE = "pb_console"
FLASH = "pb_flash"
MAX_TEXT = 4000
Handler = Callable[["Page"], Response]

_Record = TypeVar("_Record")


@dataclass
class Console:
    """What the pages need, built once by ``policybot console`` (or a test)."""

    settings: Settings
    services: Services
    desk: StaffDesk
    accounts: Accounts
    publisher: Publisher
    today: Callable[[], date]
    now: Callable[[], datetime]
    # one reply at a time per process: the check "nobody replied meanwhile" and the reply
    # itself must not interleave
    reply_lock: threading.Lock = field(default_factory=threading.Lock)


_env = Environment(
    loader=PackageLoader("bot.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["in_book"] = in_book  # a title within 《…》: 〈…〉 for a title inside it


def render_template(name: str, lang: str, code: int = 200, **values: Any) -> HTMLResponse:
    def t(key: str, **more: object) -> str:
        return text(key, lang, **more)

    html = _env.get_template(name).render(t=t, lang=lang, **values)
    return HTMLResponse(html, status_code=code)


@dataclass
class Page:
    """One request of a logged-in member of staff."""

    request: Request
    console: Console
    login: LoginSession
    token: str
    form: FormData | None = None

    @property
    def lang(self) -> str:
        return self.login.lang

    @property
    def who(self) -> str:
        return self.login.account.name

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def field(self, name: str, limit: int = MAX_TEXT) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip()[: limit + 1] if isinstance(value, str) else ""

    def render(self, name: str, code: int = 200, **values: Any) -> HTMLResponse:
        notice = _read_flash(self.request)
        response = render_template(
            name,
            self.lang,
            code,
            login=self.login,
            csrf=self.login.csrf,
            path=self.request.url.path,
            notice=notice,
            **values,
        )
        if notice is not None:
            response.delete_cookie(FLASH, path="/")
        return response

    def text_field(self, name: str = "text") -> str | HTMLResponse:
        """A required free-text field, or the page saying why it cannot be taken."""
        value = self.field(name)
        if not value:
            return self.error(self.t("ticket.empty"))
        if len(value) > MAX_TEXT:
            return self.error(self.t("ticket.too_long", n=MAX_TEXT))
        return value

    def by_id(self, fetch: Callable[[int], _Record]) -> _Record | HTMLResponse:
        """The record the URL's ``id`` names (``fetch`` raises ``NotFound`` for none), or the
        page saying it is no id or names nothing."""
        from bot.staff.store import NotFound

        record_id = number(self.request.path_params["id"])
        if record_id is None:
            return self.error(self.t("error.bad_number"), 404)
        try:
            return fetch(record_id)
        except NotFound:
            return self.error(self.t("error.not_found", what=f"#{record_id}"), 404)

    def error(self, message: str, status: int = 400) -> HTMLResponse:
        back = self.request.headers.get("referer", "/queue")
        if not back.startswith(str(self.request.base_url)):
            back = "/queue"
        return self.render("message.html", status, message=message, back=back)

    def audit(self, action: str, target: str = "") -> None:
        self.console.accounts.audit(self.who, action, target, self.console.now())

    def redirect(self, url: str, key: str | None = None, kind: str = "ok", **values: Any) -> Response:
        response = RedirectResponse(url, status_code=303)
        if key is not None:
            payload = json.dumps([kind, key, values], ensure_ascii=False).encode()
            response.set_cookie(
                FLASH, base64.urlsafe_b64encode(payload).decode(), max_age=60, httponly=True,
                samesite="strict", path="/",
            )
        return response


def _read_flash(request: Request) -> tuple[str, str] | None:
    """The notice a redirect left: (kind, sentence), from catalogue keys only."""
    raw = request.cookies.get(FLASH)
    if not raw:
        return None
    try:
        kind, key, values = json.loads(base64.urlsafe_b64decode(raw.encode()))
        lang = request.state.lang if hasattr(request.state, "lang") else "zh"
        return (str(kind), text(str(key), lang, **dict(values)))
    except (ValueError, KeyError, TypeError, binascii.Error, IndexError):
        return None


def set_session_cookie(response: Response, console: Console, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(console.accounts.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=console.settings.console_https,
        path="/",
    )


def route(handler: Handler, admin: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for ``handler`` with the session, CSRF and role checks in front."""

    async def endpoint(request: Request) -> Response:
        console: Console = request.app.state.console
        token = request.cookies.get(COOKIE, "")
        login = console.accounts.session(token, console.now()) if token else None
        if login is None:
            target = request.url.path if request.method == "GET" else "/queue"
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        request.state.lang = login.lang
        limit = console.settings.console_upload_mb * 1024 * 1024 + 65536
        if int(request.headers.get("content-length") or 0) > limit:
            refused = Page(request, console, login, token)
            return refused.error(refused.t("docs.too_big", mb=console.settings.console_upload_mb), 413)
        form = await request.form(max_files=1, max_fields=60) if request.method == "POST" else None
        page = Page(request, console, login, token, form)
        try:
            sent = form.get("csrf") if form is not None else None
            if form is not None and (
                not isinstance(sent, str) or not secrets.compare_digest(sent, login.csrf)
            ):
                return page.error(page.t("error.csrf"), 403)
            if admin and not login.account.admin:
                return page.error(page.t("error.forbidden"), 403)
            return await run_in_threadpool(handler, page)
        finally:
            if form is not None:
                await form.close()

    return endpoint


def number(value: str) -> int | None:
    """A positive id from a URL part, or None."""
    return int(value) if value.isdigit() and len(value) < 10 else None
