"""Staff commands: `policybot triage …`, `policybot faq …`, `policybot stats`.

They work on the staff store (the staff tables of ``<data_dir>/policybot.sqlite3``) directly, so they run beside the
bot; the bot picks up curated-answer changes at its next question and sends answers written
here (``triage answer``) at the user's next message or its next delivery round. Only the
commands that need the clauses (adding or checking a curated answer) load the documents.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.config import Settings
from bot.domain import Clause
from bot.staff.csvio import CsvError, export_bytes, parse_csv
from bot.staff.handoff import STATUSES, InvalidTransition
from bot.staff.store import FAQ_STATUSES, FaqEntry, NotFound, StaffStore, Ticket, utcnow

triage_app = typer.Typer(no_args_is_help=True, help="Tickets: questions handed to staff.")
faq_app = typer.Typer(no_args_is_help=True, help="Curated answers (FAQ) written by staff.")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where the databases live.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"data_dir": data_dir}) if data_dir else settings


def _store(data_dir: Path | None) -> StaffStore:
    return StaffStore.for_settings(_settings(data_dir))


def _clauses(data_dir: Path | None) -> Mapping[str, Clause]:
    from bot.knowledge.documents import load_documents
    from bot.knowledge.index import KnowledgeBase

    settings = _settings(data_dir)
    return KnowledgeBase.from_sources(load_documents(settings.documents_dir)).by_key


def _emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


# ---------------------------------------------------------------------------- triage


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
    data_dir: DataDir = None,
) -> None:
    """Tickets by status (waiting by default), oldest first."""
    if status != "all" and status not in STATUSES:
        raise typer.BadParameter("waiting, answered, resolved or all", param_hint="--status")
    store = _store(data_dir)
    tickets = store.tickets(None if status == "all" else status, limit)  # type: ignore[arg-type]
    if as_json:
        _emit([t.to_json() for t in tickets])
        return
    if not tickets:
        typer.echo("no tickets")
    for t in tickets:
        typer.echo(_ticket_line(t))


@triage_app.command("show")
def triage_show(
    ticket_id: Annotated[int, typer.Argument()], as_json: AsJson = False, data_dir: DataDir = None
) -> None:
    """One ticket with its transcript, facts and clauses."""
    from bot.staff.handler import ticket_card

    try:
        ticket = _store(data_dir).ticket(ticket_id)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        _emit(ticket.to_json())
    else:
        typer.echo(ticket_card(ticket))


@triage_app.command("answer")
def triage_answer(
    ticket_id: Annotated[int, typer.Argument()],
    text: Annotated[str, typer.Argument(help="The answer the user gets, marked as from staff.")],
    staff: Annotated[str, typer.Option("--staff", help="Who answers.")] = "staff (cli)",
    data_dir: DataDir = None,
) -> None:
    """Answer a ticket; the bot sends it to the user (next message or delivery round)."""
    if not text.strip():
        raise _fail("the answer is empty", 2)
    store = _store(data_dir)
    try:
        store.advance_ticket(
            ticket_id, "staff_reply", staff=staff, answer=text.strip(), now=utcnow()
        )
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    except InvalidTransition as exc:
        raise _fail(f"ticket {ticket_id} is closed") from exc
    store.mark_staff_answered(ticket_id, text.strip())
    store.set_delivered(ticket_id, False)
    typer.echo(f"ticket #{ticket_id} answered; the answer is queued for the user")


@triage_app.command("close")
def triage_close(
    ticket_id: Annotated[int, typer.Argument()],
    staff: Annotated[str, typer.Option("--staff")] = "staff (cli)",
    data_dir: DataDir = None,
) -> None:
    """Close (resolve) a ticket."""
    try:
        _store(data_dir).advance_ticket(ticket_id, "close", staff=staff)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    except InvalidTransition as exc:
        raise _fail(f"ticket {ticket_id} is already resolved") from exc
    typer.echo(f"ticket #{ticket_id} resolved")


@triage_app.command("purge")
def triage_purge(
    days: Annotated[
        int | None, typer.Option("--days", help="Default: the retention setting.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Delete log entries and resolved tickets older than the retention period."""
    keep = days if days is not None else _settings(data_dir).log_retention_days
    removed = _store(data_dir).purge(keep)
    typer.echo(f"removed {removed} entries older than {keep} days")


# ------------------------------------------------------------------------------- faq


def _faq_line(e: FaqEntry) -> str:
    flag = (
        " ⚠" + ",".join(e.unverified_amounts)
        if e.unverified_amounts and not e.amounts_confirmed
        else ""
    )
    return f"#{e.id}\t{e.status}\thits {e.hits}\t{e.variants[0][:50]}{flag}"


def _check_clauses(keys: list[str], clauses: Mapping[str, Clause]) -> None:
    unknown = [k for k in keys if k not in clauses]
    if unknown:
        raise _fail(f"unknown clause keys: {', '.join(unknown)} (see `policybot ask --json`)", 2)


def _flags(
    store: StaffStore, answer: str, keys: list[str], clauses: Mapping[str, Clause], skip: int = 0
) -> list[str]:
    from bot.staff.faq import amount_sources, unverified_amounts

    return unverified_amounts(answer, amount_sources(keys, clauses, store, skip))


@faq_app.command("add")
def faq_add(
    question: Annotated[
        list[str], typer.Option("--question", "-q", help="A question variant (repeat).")
    ],
    answer: Annotated[str, typer.Option("--answer", "-a")],
    clause: Annotated[
        list[str] | None, typer.Option("--clause", "-c", help="A clause key (repeat).")
    ] = None,
    author: Annotated[str, typer.Option("--author")] = "staff (cli)",
    data_dir: DataDir = None,
) -> None:
    """Add a suggested curated answer (approve it with `faq approve`)."""
    keys = list(clause or [])
    clauses = _clauses(data_dir)
    _check_clauses(keys, clauses)
    store = _store(data_dir)
    try:
        entry = store.add_faq(
            question, answer, keys, author, unverified_amounts=_flags(store, answer, keys, clauses)
        )
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    typer.echo(f"added #{entry.id} (suggested)")
    if entry.unverified_amounts:
        typer.echo("amounts no linked clause states: " + ", ".join(entry.unverified_amounts))


@faq_app.command("list")
def faq_list(
    status: Annotated[
        str, typer.Option("--status", help="suggested, approved, retired or all.")
    ] = "all",
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Curated answers."""
    if status != "all" and status not in FAQ_STATUSES:
        raise typer.BadParameter("suggested, approved, retired or all", param_hint="--status")
    entries = _store(data_dir).faqs(None if status == "all" else status)  # type: ignore[arg-type]
    if as_json:
        _emit([e.to_json() for e in entries])
        return
    if not entries:
        typer.echo("no curated answers")
    for e in entries:
        typer.echo(_faq_line(e))


@faq_app.command("edit")
def faq_edit(
    faq_id: Annotated[int, typer.Argument()],
    question: Annotated[list[str] | None, typer.Option("--question", "-q")] = None,
    answer: Annotated[str | None, typer.Option("--answer", "-a")] = None,
    clause: Annotated[list[str] | None, typer.Option("--clause", "-c")] = None,
    data_dir: DataDir = None,
) -> None:
    """Change the questions, the answer or the clauses (amounts are checked again)."""
    store = _store(data_dir)
    clauses = _clauses(data_dir)
    try:
        entry = store.faq(faq_id)
        keys = list(clause) if clause is not None else list(entry.clause_keys)
        _check_clauses(keys, clauses)
        text = answer if answer is not None else entry.answer
        entry = store.edit_faq(
            faq_id,
            variants=question,
            answer=answer,
            clause_keys=clause,
            unverified_amounts=_flags(store, text, keys, clauses, faq_id),
        )
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    typer.echo(_faq_line(entry))


@faq_app.command("approve")
def faq_approve(
    faq_id: Annotated[int, typer.Argument()],
    by: Annotated[str, typer.Option("--by", help="Who approves.")] = "staff (cli)",
    confirm_amounts: Annotated[
        bool, typer.Option("--confirm-amounts", help="Confirm amounts no linked clause states.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Approve a curated answer: it is served to matching questions from now on."""
    store = _store(data_dir)
    try:
        entry = store.faq(faq_id)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    if entry.unverified_amounts and not entry.amounts_confirmed and not confirm_amounts:
        raise _fail(
            "these amounts are in no linked clause: "
            + ", ".join(entry.unverified_amounts)
            + "\ncheck them, then approve with --confirm-amounts"
        )
    entry = store.set_faq_status(faq_id, "approved", by, confirm_amounts=confirm_amounts)
    typer.echo(_faq_line(entry))


@faq_app.command("retire")
def faq_retire(
    faq_id: Annotated[int, typer.Argument()],
    by: Annotated[str, typer.Option("--by")] = "staff (cli)",
    data_dir: DataDir = None,
) -> None:
    """Stop serving a curated answer (kept for the record)."""
    try:
        entry = _store(data_dir).set_faq_status(faq_id, "retired", by)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    typer.echo(_faq_line(entry))


@faq_app.command("export")
def faq_export(
    file: Annotated[Path | None, typer.Argument(help="CSV file to write; stdout without.")] = None,
    status: Annotated[str, typer.Option("--status")] = "all",
    data_dir: DataDir = None,
) -> None:
    """Curated answers as CSV (UTF-8 with BOM, formula cells neutralised) for a spreadsheet."""
    if status != "all" and status not in FAQ_STATUSES:
        raise typer.BadParameter("suggested, approved, retired or all", param_hint="--status")
    data = export_bytes(_store(data_dir).faqs(None if status == "all" else status))  # type: ignore[arg-type]
    if file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        file.write_bytes(data)
        typer.echo(f"wrote {file}", err=True)


@faq_app.command("import")
def faq_import(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with columns questions, answer[, id, status, clauses, author]."),
    ],
    by: Annotated[str, typer.Option("--by")] = "staff (cli import)",
    data_dir: DataDir = None,
) -> None:
    """Add or update curated answers from CSV; an approved row whose amounts no clause states
    comes in as suggested, for review."""
    try:
        rows = parse_csv(file.read_bytes())
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc}", 2) from exc
    except CsvError as exc:
        raise _fail(f"{file}: {exc}", 2) from exc
    clauses = _clauses(data_dir)
    for row in rows:
        unknown = [k for k in row.clauses if k not in clauses]
        if unknown:
            raise _fail(f"{file}: line {row.line}: unknown clause keys: {', '.join(unknown)}", 2)
    store = _store(data_dir)
    added = updated = held = 0
    for row in rows:
        flags = _flags(store, row.answer, list(row.clauses), clauses, row.id or 0)
        try:
            existing = store.faq(row.id) if row.id else None
        except NotFound:
            existing = None
        if existing is not None:
            entry = store.edit_faq(
                existing.id,
                variants=row.variants,
                answer=row.answer,
                clause_keys=row.clauses,
                unverified_amounts=flags,
            )
            updated += 1
        else:
            entry = store.add_faq(
                row.variants, row.answer, row.clauses, row.author, unverified_amounts=flags
            )
            added += 1
        status = row.status
        if status == "approved" and flags and not entry.amounts_confirmed:
            status = "suggested"
            held += 1
            typer.echo(
                f"line {row.line}: #{entry.id} kept for review: {', '.join(flags)}", err=True
            )
        if status != entry.status:
            store.set_faq_status(entry.id, status, by)
    typer.echo(f"added {added}, updated {updated}, held for review {held}")


# ------------------------------------------------------------------------------ stats


def stats(
    since: Annotated[
        str | None, typer.Option("--since", help="From this date on (YYYY-MM-DD).")
    ] = None,
    as_json: AsJson = False,
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh",
    data_dir: DataDir = None,
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
    figures = compute(_store(data_dir), start)
    if as_json:
        _emit(figures.to_json())
    else:
        typer.echo(figures.render(lang))


def forget(
    chat: Annotated[
        str, typer.Argument(help="The chat id, or CHAT:USER for one member of a group.")
    ],
    data_dir: DataDir = None,
) -> None:
    """Delete everything kept about one conversation, as the user's /forget does: session,
    messages in and out, question log, tickets, notes, and their wording in curated answers."""
    store = _store(data_dir)
    try:
        removed = store.forget(chat.strip())
    finally:
        store.close()
    typer.echo(f"removed or reworded {removed} rows about {chat.strip()}")


def register(app: typer.Typer) -> None:
    """Add `triage`, `faq`, `stats` and `forget` to the main command line."""
    app.add_typer(triage_app, name="triage")
    app.add_typer(faq_app, name="faq")
    app.command("stats")(stats)
    app.command("forget")(forget)
