"""`policybot triage …` (questions handed to staff), `policybot stats` and `policybot forget`.

They work on the staff store (the staff tables of ``<data_dir>/policybot.sqlite3``) directly,
so they run beside the bot, which sends answers written here (``triage answer``) at the user's
next message or its next delivery round.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from bot.cli.common import (
    AsJson,
    StoreDirOption,
    emit,
    fail,
    plain_settings,
    print_listing,
    staff_store,
)
from bot.staff.handoff import STATUSES, InvalidTransition
from bot.staff.store import NotFound, Ticket, utcnow

triage_app = typer.Typer(no_args_is_help=True, help="Tickets: questions handed to staff.")


def _ticket_line(t: Ticket) -> str:
    staff = f" [{t.staff}]" if t.staff else ""
    return f"#{t.id}\t{t.status}\t{t.reason}\t{t.created_at}\t{t.question[:60]}{staff}"


@triage_app.command("list")
def triage_list(
    status: Annotated[
        str, typer.Option("--status", help="waiting, answered, resolved or all.")
    ] = "waiting",
    limit: Annotated[int, typer.Option("--limit")] = 100,
    as_json: AsJson = False,
    data_dir: StoreDirOption = None,
) -> None:
    """Tickets by status (waiting by default), oldest first."""
    if status != "all" and status not in STATUSES:
        raise typer.BadParameter("waiting, answered, resolved or all", param_hint="--status")
    store = staff_store(data_dir)
    tickets = store.tickets(None if status == "all" else status, limit)  # type: ignore[arg-type]
    print_listing(tickets, as_json, "no tickets", _ticket_line)


@triage_app.command("show")
def triage_show(
    ticket_id: Annotated[int, typer.Argument()],
    as_json: AsJson = False,
    data_dir: StoreDirOption = None,
) -> None:
    """One ticket with its transcript, facts and clauses."""
    from bot.staff.handler import ticket_card

    try:
        ticket = staff_store(data_dir).ticket(ticket_id)
    except NotFound as exc:
        raise fail(str(exc)) from exc
    if as_json:
        emit(ticket.to_json())
    else:
        typer.echo(ticket_card(ticket))


@triage_app.command("answer")
def triage_answer(
    ticket_id: Annotated[int, typer.Argument()],
    text: Annotated[str, typer.Argument(help="The answer the user gets, marked as from staff.")],
    staff: Annotated[str, typer.Option("--staff", help="Who answers.")] = "staff (cli)",
    data_dir: StoreDirOption = None,
) -> None:
    """Answer a ticket; the bot sends it to the user (next message or delivery round)."""
    if not text.strip():
        raise fail("the answer is empty", 2)
    store = staff_store(data_dir)
    try:
        store.advance_ticket(
            ticket_id, "staff_reply", staff=staff, answer=text.strip(), now=utcnow()
        )
    except NotFound as exc:
        raise fail(str(exc)) from exc
    except InvalidTransition as exc:
        raise fail(f"ticket {ticket_id} is closed") from exc
    store.mark_staff_answered(ticket_id, text.strip())
    store.set_delivered(ticket_id, False)
    typer.echo(f"ticket #{ticket_id} answered; the answer is queued for the user")


@triage_app.command("close")
def triage_close(
    ticket_id: Annotated[int, typer.Argument()],
    staff: Annotated[str, typer.Option("--staff")] = "staff (cli)",
    data_dir: StoreDirOption = None,
) -> None:
    """Close (resolve) a ticket."""
    try:
        staff_store(data_dir).advance_ticket(ticket_id, "close", staff=staff)
    except NotFound as exc:
        raise fail(str(exc)) from exc
    except InvalidTransition as exc:
        raise fail(f"ticket {ticket_id} is already resolved") from exc
    typer.echo(f"ticket #{ticket_id} resolved")


@triage_app.command("purge")
def triage_purge(
    days: Annotated[
        int | None, typer.Option("--days", help="Default: the retention setting.")
    ] = None,
    data_dir: StoreDirOption = None,
) -> None:
    """Delete log entries and resolved tickets older than the retention period."""
    keep = days if days is not None else plain_settings(data_dir).log_retention_days
    removed = staff_store(data_dir).purge(keep)
    typer.echo(f"removed {removed} entries older than {keep} days")


def stats(
    since: Annotated[
        str | None, typer.Option("--since", help="From this date on (YYYY-MM-DD).")
    ] = None,
    as_json: AsJson = False,
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh",
    data_dir: StoreDirOption = None,
) -> None:
    """Questions per day, who answered, handoffs, time to first staff reply, FAQ hits, 👍/👎."""
    from bot.staff.stats import compute

    start: date | None = None
    if since is not None:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            raise typer.BadParameter(
                f"not a date (YYYY-MM-DD): {since}", param_hint="--since"
            ) from None
    figures = compute(staff_store(data_dir), start)
    if as_json:
        emit(figures.to_json())
    else:
        typer.echo(figures.render(lang))


def forget(
    chat: Annotated[
        str, typer.Argument(help="The chat id, or CHAT:USER for one member of a group.")
    ],
    data_dir: StoreDirOption = None,
) -> None:
    """Delete everything kept about one conversation, as the user's /forget does: session,
    messages in and out, question log, tickets, notes, and their wording in curated answers."""
    store = staff_store(data_dir)
    try:
        removed = store.forget(chat.strip())
    finally:
        store.close()
    typer.echo(f"removed or reworded {removed} rows about {chat.strip()}")
