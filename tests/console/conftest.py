"""Fixtures of the console tests: a console over the session's index with a data dir of the
test's own (staff store, accounts, conversations), two accounts, a logged-in HTTP client,
and a conversation that hands a question to staff through the real JSON-lines channel."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY
from starlette.testclient import TestClient

from bot.channels.jsonl import process_line
from bot.config import Settings
from bot.console.app import build_console, create_app
from bot.console.web import Console
from bot.conversation import Conversation
from bot.store import Store

ADMIN, STAFF = "lin.admin", "wang.staff"
PASSWORD = "a long enough secret 1"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
UNANSWERED = "申请直播补贴需要准备哪些材料？"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def make_console(services: Any, data_dir: Path, settings: Settings | None = None) -> Console:
    settings = settings or Settings(_env_file=None, data_dir=data_dir)
    store = Store(data_dir / "policybot.sqlite3")
    own = dataclasses.replace(services, store=store)
    console = build_console(settings, own, lambda: TODAY, lambda: NOW)
    console.accounts.add(ADMIN, "admin", PASSWORD, NOW)
    console.accounts.add(STAFF, "staff", PASSWORD, NOW)
    return console


@pytest.fixture()
def console(services: Any, tmp_path: Path) -> Iterator[Console]:
    made = make_console(services, tmp_path)
    yield made
    made.accounts.close()
    made.desk.store.close()
    assert made.services.store is not None
    made.services.store.close()


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "name": name, "password": password, "next": "/queue"},
        follow_redirects=False,
    )


@pytest.fixture()
def client_for(console: Console) -> Iterator[Callable[[str | None], TestClient]]:
    """``client_for(name)``: a client logged in as ``name`` (None: not logged in)."""
    made: list[TestClient] = []

    def make(name: str | None) -> TestClient:
        client = TestClient(create_app(console), follow_redirects=False)
        made.append(client)
        if name is not None:
            assert login(client, name).status_code == 303
        return client

    yield make
    for client in made:
        client.close()


def user_says(console: Console, chat: str, text: str) -> dict[str, Any]:
    """One line through the real JSON-lines channel with the staff desk in front."""
    front = Conversation(console.services, console.services.store, console.desk)
    line = f'{{"chat": "{chat}", "text": "{text}"}}'.encode()
    return process_line(line, console.services, TODAY, front)


@pytest.fixture()
def ticket_id(console: Console) -> int:
    """A ticket opened by a real conversation: a question, then "转人工"."""
    user_says(console, "u-1", UNANSWERED)
    out = user_says(console, "u-1", "转人工")
    waiting = console.desk.store.tickets("waiting")
    assert len(waiting) == 1 and f"#{waiting[0].id}" in out["replies"][0]["text"]
    return waiting[0].id
