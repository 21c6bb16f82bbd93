"""`policybot wechat` (the Official Account's message server) and `policybot wechat menu`
(sets the account's custom menu from the command table)."""

from __future__ import annotations

import asyncio
import logging

import typer

from bot.cli.common import (
    DataDirOption,
    TodayOption,
    err,
    load_settings,
    parse_today,
    staff_conversation,
)
from bot.config import Settings

wechat_app = typer.Typer(
    help="The WeChat Official Account: the message server, and its menu.",
    invoke_without_command=True,
    pretty_exceptions_show_locals=False,
)


def _protect(settings: Settings) -> None:
    """Keep the WeChat secrets out of whatever reaches the log handlers."""
    from bot.channels.telegram.redact import TokenFilter

    logging.getLogger("httpx").setLevel(logging.WARNING)
    for secret in (settings.wechat_app_secret, settings.wechat_token, settings.wechat_aes_key):
        if secret is not None and secret.get_secret_value():
            for handler in logging.getLogger().handlers:
                handler.addFilter(TokenFilter(secret.get_secret_value()))


@wechat_app.callback()
def wechat(ctx: typer.Context, today: TodayOption = None, data_dir: DataDirOption = None) -> None:
    """Run the WeChat message server (POLICYBOT_WECHAT_*; see the README's "WeChat")."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.domain import shanghai_today
    from bot.errors import PolicyBotError

    fixed = parse_today(today) if today is not None else None
    settings = load_settings(data_dir)
    _protect(settings)
    if not settings.wechat_app_id or settings.wechat_token is None:
        err.print("[red]error:[/red] set POLICYBOT_WECHAT_APP_ID and POLICYBOT_WECHAT_TOKEN")
        raise typer.Exit(2)
    from bot.channels.wechat import WeChatChannel
    from bot.services import build_services

    try:
        services = build_services(settings, with_store=True, serving=True)
        channel = WeChatChannel(
            settings,
            services,
            (lambda: fixed) if fixed else shanghai_today,
            front=staff_conversation(settings, services),
        )
        from bot.ops.server import operations

        with operations(services):
            channel.run()
    except PolicyBotError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except OSError as exc:  # the port is taken
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None


@wechat_app.command("menu")
def menu(data_dir: DataDirOption = None) -> None:
    """Set the account's custom menu (政策问答, 资格检查, 人工服务) through the WeChat API."""
    from bot.channels.wechat.client import Credentials, WeChatClient, WeChatError
    from bot.channels.wechat.menu import buttons
    from bot.store import Store

    settings = load_settings(data_dir)
    _protect(settings)
    secret = settings.wechat_app_secret
    if not settings.wechat_app_id or secret is None or not secret.get_secret_value():
        err.print("[red]error:[/red] set POLICYBOT_WECHAT_APP_ID and POLICYBOT_WECHAT_APP_SECRET")
        raise typer.Exit(2)
    store = Store(settings.db_location)
    client = WeChatClient(
        settings.wechat_api_url,
        Credentials(settings.wechat_app_id, secret.get_secret_value()),
        store,
    )

    async def create() -> None:
        try:
            await client.create_menu(buttons())
        finally:
            await client.close()

    try:
        asyncio.run(create())
    except WeChatError as exc:
        err.print(f"error: WeChat refused the menu: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    finally:
        store.close()
    typer.echo("menu set: " + " · ".join(b["name"] for b in buttons()))
