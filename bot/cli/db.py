"""`policybot db status | upgrade`: the stores' schema versions, and their migrations.

Every command that opens a store migrates what it uses at start; ``db upgrade`` runs every
component's steps at once (before starting new workers on a shared PostgreSQL database, so
that no worker of the old version meets a half-known table), and ``db status`` shows where
each component stands. Under SQLite the console's accounts are a file of their own
(``console.sqlite3``); under ``POLICYBOT_DATABASE_URL`` everything is in the one database.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from bot.cli.common import StoreDirOption, plain_settings
from bot.config import Settings
from bot.errors import StoreUnavailable
from bot.store.base import Database, Step

db_app = typer.Typer(no_args_is_help=True, help="The database: schema versions, migrations.")


def _components() -> list[tuple[str, str, tuple[Step, ...]]]:
    """(file under SQLite, component, steps) of every store, in the order they migrate."""
    from bot.channels.durable.schema import STEPS as DURABLE
    from bot.channels.jsonl import CHATS_STEPS
    from bot.channels.telegram.outbox import OUTBOX_STEPS
    from bot.channels.telegram.updates import INBOX_STEPS
    from bot.channels.wechat.client import TOKEN_STEPS
    from bot.channels.wechat.users import USER_STEPS
    from bot.console.accounts import CONSOLE_DB
    from bot.console.accounts import STEPS as CONSOLE
    from bot.staff.records import STEPS as STAFF

    main = "policybot.sqlite3"
    return [
        (main, "channels.durable", tuple(DURABLE)),
        (main, "telegram.outbox", OUTBOX_STEPS),
        (main, "telegram.inbox", INBOX_STEPS),
        (main, "wechat.users", USER_STEPS),
        (main, "wechat.token", TOKEN_STEPS),
        (main, "jsonl.chats", CHATS_STEPS),
        (main, "staff", STAFF),
        (CONSOLE_DB, "console", CONSOLE),
    ]


def _each(settings: Settings, act: Callable[[Database, str, tuple[Step, ...]], None]) -> None:
    """Open each database (its own schema upgraded on open) and ``act`` on its components."""
    from bot.store.conversations import STEPS as STORE

    main = settings.store_location("policybot.sqlite3")
    opened: dict[str, Database] = {str(main): Database.open(main, STORE)}  # a bad URL: at once
    try:
        act(opened[str(main)], "store", STORE)
        for file_name, component, steps in _components():
            where = settings.store_location(file_name)
            if str(where) not in opened:
                opened[str(where)] = Database.open(where)
            act(opened[str(where)], component, steps)
    finally:
        for database in opened.values():
            database.close()


def _state(have: int, known: int) -> str:
    if have == known:
        return "up to date"
    return f"{known - have} step(s) to run" if have < known else "NEWER than this version"


@db_app.command("status")
def status(data_dir: StoreDirOption = None) -> None:
    """Each component's schema version: what the database has and what this version knows."""
    settings = plain_settings(data_dir)
    typer.echo(f"database: {_describe(settings)}")

    def show(database: Database, component: str, steps: tuple[Step, ...]) -> None:
        have = database.schema_version if component == "store" else (
            database.versions().get(component, 0)
        )  # fmt: skip
        typer.echo(f"{component:<18} {have:>3} / {len(steps):<3} {_state(have, len(steps))}")

    _guarded(lambda: _each(settings, show))


@db_app.command("upgrade")
def upgrade(data_dir: StoreDirOption = None) -> None:
    """Run every migration this version has that the database has not run yet."""
    settings = plain_settings(data_dir)

    def run(database: Database, component: str, steps: tuple[Step, ...]) -> None:
        if component != "store":  # the database's own steps ran when it was opened
            database.migrate(component, steps)

    _guarded(lambda: _each(settings, run))
    typer.echo(f"{_describe(settings)}: every component is up to date")


def _describe(settings: Settings) -> str:
    from bot.store.postgres import redact

    where = settings.db_location
    return redact(where) if isinstance(where, str) else f"SQLite files in {settings.data_dir}"


def _guarded(work: Callable[[], None]) -> None:
    try:
        work()
    except StoreUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
