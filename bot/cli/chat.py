"""`policybot chat` (terminal, JSON lines) and `policybot telegram`: the channels that talk
to users, each on the one turn owner with the staff desk."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import (
    DataDirOption,
    TodayOption,
    err,
    load_settings,
    parse_today,
    serving_services,
    staff_conversation,
)
from bot.domain import shanghai_today
from bot.errors import PolicyBotError


def chat(
    jsonl: Annotated[bool, typer.Option("--jsonl", help="JSON lines on stdin and stdout.")] = False,
    today: TodayOption = None,
    data_dir: DataDirOption = None,
    outbox: Annotated[
        Path | None,
        typer.Option(
            "--outbox", help="With --jsonl: append staff replies to this file as they come."
        ),
    ] = None,
) -> None:
    """Chat with the assistant in the terminal (questions and the eligibility check)."""
    as_of = parse_today(today)
    settings = load_settings(data_dir)
    try:
        services = serving_services(settings)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if jsonl:
        from bot.channels import jsonl as channel

        front = staff_conversation(settings, services)  # hand-offs, curated answers
        assert services.store is not None and front.desk is not None
        box = channel.Outbox(outbox, front.desk, services.store) if outbox else None
        lines = channel.bounded_lines(sys.stdin.buffer)
        channel.run(lines, sys.stdout, services, as_of, front, box)
        return
    from bot.channels import terminal

    if isinstance(sys.stdin, io.TextIOWrapper):
        # Piped input with a stray undecodable byte must not end the chat.
        sys.stdin.reconfigure(errors="replace")
    if sys.stdin.isatty():
        terminal.enable_editing()
    terminal.run(input, typer.echo, services, as_of)


def telegram(today: TodayOption = None, data_dir: DataDirOption = None) -> None:
    """Run the Telegram bot: long polling, or a webhook when POLICYBOT_TELEGRAM_WEBHOOK_URL is set."""
    fixed = parse_today(today) if today is not None else None
    settings = load_settings(data_dir)
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        err.print("[red]error:[/red] set POLICYBOT_TELEGRAM_TOKEN (the token BotFather gave you)")
        raise typer.Exit(2)
    from bot.channels.telegram import FatalError, InstanceLock, TelegramChannel, protect_token

    protect_token(settings)
    try:
        # First, before the index is loaded: a second instance says so at once (SQLite files;
        # workers on one database share the polling through a lease instead).
        lock = InstanceLock(settings.data_dir, settings.telegram_token.get_secret_value())
        if settings.database_url is None:
            lock.acquire()
    except FatalError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=False, highlight=False)
        raise typer.Exit(3) from None
    try:
        services = serving_services(settings)
        channel = TelegramChannel(
            settings,
            services,
            (lambda: fixed) if fixed else shanghai_today,
            lock=lock,
            front=staff_conversation(settings, services),
        )
        from bot.ops.server import operations

        with operations(services):  # the ops port and the index watch (2 s, off the turns)
            channel.run()
    except FatalError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(3) from None
    except PolicyBotError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    finally:
        lock.release()
