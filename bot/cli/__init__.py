"""The command line: `policybot ingest | documents | rules | ask | eval | chat | check |
telegram | triage | faq | stats | forget | console | staff | wechat | db`.

This package is the one place that builds ``Services`` from the settings and hands them to a
channel. One module a command group: ``index`` (ingest, documents, rules), ``answers`` (ask,
check), ``evaluate`` (eval), ``chat`` (chat, telegram), ``triage`` (triage, stats, forget),
``faq``, ``console`` (console, staff), ``wechat``, ``db``; ``common`` holds what they share.
The commands are registered here, in the order `policybot --help` lists them.
"""

from __future__ import annotations

import sys

import typer

from bot.cli import answers, chat, console, db, evaluate, faq, index, triage, wechat
from bot.cli.common import err

# No local variables in tracebacks: a frame may hold the bot token.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The policy assistant.",
    pretty_exceptions_show_locals=False,
)

app.command()(index.ingest)
app.command()(index.documents)
app.add_typer(index.rules_app, name="rules")
app.command()(answers.ask)
app.command("eval")(evaluate.eval_)
app.command()(chat.chat)
app.command()(answers.check)
app.command()(chat.telegram)
app.add_typer(triage.triage_app, name="triage")
app.add_typer(faq.faq_app, name="faq")
app.command("stats")(triage.stats)
app.command("forget")(triage.forget)
app.command("console")(console.console)
app.add_typer(console.staff_app, name="staff")
app.add_typer(wechat.wechat_app, name="wechat")
app.add_typer(db.db_app, name="db")


def main() -> None:
    """The `policybot` entry point: a database that is down or a setting that cannot be read
    ends with one line each, never a traceback."""
    from pydantic import ValidationError

    from bot.errors import StoreUnavailable

    try:
        app()
    except StoreUnavailable as exc:  # a database that is down, or refuses the password
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except ValidationError as exc:  # a setting that cannot be read: one line each
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"])
            line = f"error: POLICYBOT_{where.upper()}: {problem['msg']}"
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
