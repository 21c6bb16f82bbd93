"""The console's Starlette application: the route table, login and logout, the language
switch, security headers, static files from the package.

    create_app(console) -> Starlette          # a test or ``policybot console`` serves it
    build_console(settings, services, ...)    # the state the pages share
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import Settings
from bot.console import curated, documents, figures, tickets
from bot.console.accounts import CONSOLE_DB, Accounts
from bot.console.publish import Publisher
from bot.console.web import COOKIE, Console, Page, render_template, route, set_session_cookie
from bot.services import Services
from bot.staff.desk import StaffDesk

LOGIN_CSRF = "pb_login"
STATIC = Path(__file__).parent / "static"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def build_console(
    settings: Settings,
    services: Services,
    today: Callable[[], date],
    now: Callable[[], datetime] | None = None,
) -> Console:
    return Console(
        settings=settings,
        services=services,
        desk=StaffDesk.build(settings, services),
        accounts=open_accounts(settings),
        publisher=Publisher(services, settings.console_upload_mb * 1024 * 1024),
        today=today,
        now=now or (lambda: datetime.now(UTC)),
    )


def open_accounts(settings: Settings) -> Accounts:
    return Accounts(
        settings.store_location(CONSOLE_DB),
        session_hours=settings.console_session_hours,
        lockout_failures=settings.console_lockout_failures,
        lockout_minutes=settings.console_lockout_minutes,
    )


def _safe_next(target: str) -> str:
    """Only a path of this site (never //host or a scheme) after login."""
    return target if target.startswith("/") and not target.startswith("//") else "/queue"


def _lang_of(request: Request) -> str:
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh"


async def login_form(request: Request) -> Response:
    lang = _lang_of(request)
    token = secrets.token_urlsafe(24)
    failed = request.query_params.get("failed") == "1"
    response = render_template(
        "login.html", lang, 401 if failed else 200, csrf=token, failed=failed,
        out=request.query_params.get("out") == "1",
        next=_safe_next(request.query_params.get("next", "/queue")), login=None,
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/login")
    return response


async def login(request: Request) -> Response:
    console: Console = request.app.state.console
    form = await request.form(max_files=0, max_fields=10)
    sent, expected = form.get("csrf"), request.cookies.get(LOGIN_CSRF, "")
    lang = _lang_of(request)
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        return render_template(
            "message.html", lang, 403, message=render_lang(lang, "error.csrf"), back="/login",
            login=None,
        )
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/queue")))
    account = console.accounts.login(name[:40], password[:200], console.now())
    if account is None:
        return RedirectResponse(f"/login?failed=1&next={quote(target)}", status_code=303)
    token = console.accounts.open_session(account, lang, console.now())
    console.accounts.audit(account.name, "login", "", console.now())
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, console, token)
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


def render_lang(lang: str, key: str) -> str:
    from bot.console.messages import text

    return text(key, lang)


def logout(page: Page) -> Response:
    page.console.accounts.close_session(page.token)
    page.audit("logout")
    response = RedirectResponse("/login?out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def switch_lang(page: Page) -> Response:
    page.console.accounts.set_lang(page.token, "zh" if page.lang == "en" else "en")
    back = page.field("back", 300)
    return RedirectResponse(_safe_next(back), status_code=303)


def audit(page: Page) -> Response:
    return page.render("audit.html", rows=page.console.accounts.audit_log())


def home(page: Page) -> Response:
    return RedirectResponse("/queue", status_code=303)


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def routes() -> list[Route | Mount]:
    get, post = ["GET"], ["POST"]
    return [
        Route("/login", login_form, methods=get),
        Route("/login", login, methods=post),
        Route("/logout", route(logout), methods=post),
        Route("/lang", route(switch_lang), methods=post),
        Route("/", route(home), methods=get),
        Route("/queue", route(tickets.queue), methods=get),
        Route("/tickets/{id}", route(tickets.show), methods=get),
        Route("/tickets/{id}/claim", route(tickets.claim), methods=post),
        Route("/tickets/{id}/reply", route(tickets.reply), methods=post),
        Route("/tickets/{id}/note", route(tickets.note), methods=post),
        Route("/tickets/{id}/close", route(tickets.close), methods=post),
        Route("/tickets/{id}/faq", route(tickets.save_faq), methods=post),
        Route("/faq", route(curated.listing), methods=get),
        Route("/faq/export.csv", route(curated.export), methods=get),
        Route("/faq/import", route(curated.import_csv, admin=True), methods=post),
        Route("/faq/{id}", route(curated.show), methods=get),
        Route("/faq/{id}/edit", route(curated.edit), methods=post),
        Route("/faq/{id}/approve", route(curated.approve, admin=True), methods=post),
        Route("/faq/{id}/retire", route(curated.retire, admin=True), methods=post),
        Route("/documents", route(documents.listing), methods=get),
        Route("/documents/check", route(documents.check), methods=post),
        Route("/documents/publish", route(documents.publish, admin=True), methods=post),
        Route("/documents/jobs/{id}", route(documents.job), methods=get),
        Route("/figures", route(figures.page_view), methods=get),
        Route("/audit", route(audit, admin=True), methods=get),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def create_app(console: Console) -> Starlette:
    app = Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])
    app.state.console = console
    return app
