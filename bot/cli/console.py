"""`policybot console` (the staff web console) and `policybot staff add|list` (its accounts).

The console serves the pages on ``POLICYBOT_CONSOLE_LISTEN:PORT`` (127.0.0.1 by default:
put an HTTPS reverse proxy in front, README "Staff console"). It opens the staff store and
the index in service itself, so it runs beside `policybot telegram` on the same data dir.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from bot.cli.common import StoreDirOption, plain_settings

staff_app = typer.Typer(no_args_is_help=True, help="Staff accounts of the web console.")

PASSWORD_ENV = "POLICYBOT_NEW_PASSWORD"


def _read_password() -> str:
    """From the environment (scripts), else asked twice without echo."""
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        typer.echo("the two passwords differ", err=True)
        raise typer.Exit(2)
    return first


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option("--role", help="staff or admin")] = "staff",
    data_dir: StoreDirOption = None,
) -> None:
    """Create an account (or set a new password and role); the password is asked for, or read
    from POLICYBOT_NEW_PASSWORD or a line on stdin."""
    from bot.console.accounts import AccountError
    from bot.console.app import open_accounts

    accounts = open_accounts(plain_settings(data_dir))
    try:
        account = accounts.add(name, role, _read_password(), datetime.now(UTC))
    except AccountError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        accounts.close()
    typer.echo(f"{account.name} ({account.role}) can log in")


@staff_app.command("list")
def staff_list(data_dir: StoreDirOption = None) -> None:
    """The accounts and their roles."""
    from bot.console.app import open_accounts

    accounts = open_accounts(plain_settings(data_dir))
    for account in accounts.accounts():
        typer.echo(f"{account.name}\t{account.role}")
    accounts.close()


def console(
    today: Annotated[
        str | None, typer.Option("--today", help="Judge validity on this date (YYYY-MM-DD).")
    ] = None,
    data_dir: StoreDirOption = None,
) -> None:
    """Serve the staff web console (tickets, curated answers, documents, figures)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from bot.console.app import build_console, create_app
    from bot.errors import PolicyBotError
    from bot.services import build_services
    from bot.staff.hours import SHANGHAI

    settings = plain_settings(data_dir)
    fixed: date | None = None
    if today is not None:
        try:
            fixed = date.fromisoformat(today)
        except ValueError:
            raise typer.BadParameter("YYYY-MM-DD", param_hint="--today") from None
    try:
        services = build_services(settings, with_store=True, serving=True)
    except PolicyBotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    def today_of() -> date:
        return fixed or datetime.now(SHANGHAI).date()

    app = create_app(build_console(settings, services, today_of))
    typer.echo(
        f"staff console on http://{settings.console_listen}:{settings.console_port}/", err=True
    )
    from bot.ops.server import operations

    try:
        with operations(services):  # the ops port (when set) and the index watch
            uvicorn.run(
                app,
                host=settings.console_listen,
                port=settings.console_port,
                log_level="warning",
                # JSON logs: uvicorn's loggers go through ours (its own config prints text)
                log_config=None if settings.log_format == "json" else LOGGING_CONFIG,
                proxy_headers=True,
                forwarded_allow_ips="127.0.0.1",
            )
    except PolicyBotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
