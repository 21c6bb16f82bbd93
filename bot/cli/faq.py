"""`policybot faq …`: curated answers written by staff, with the amounts they state checked
against the linked clauses; CSV in and out for spreadsheets.

Like the triage commands they work on the staff store directly, so they run beside the bot;
the bot picks up curated-answer changes at its next question. Only the commands that need
the clauses (adding or checking a curated answer) load the documents.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import (
    AsJson,
    StoreDirOption,
    fail,
    plain_settings,
    print_listing,
    staff_store,
)
from bot.domain import Clause
from bot.staff.csvio import CsvError, export_bytes, parse_csv
from bot.staff.store import FAQ_STATUSES, FaqEntry, NotFound, StaffStore

faq_app = typer.Typer(no_args_is_help=True, help="Curated answers (FAQ) written by staff.")


def _clauses(data_dir: Path | None) -> Mapping[str, Clause]:
    from bot.knowledge.documents import load_documents
    from bot.knowledge.index import KnowledgeBase

    settings = plain_settings(data_dir)
    return KnowledgeBase.from_sources(load_documents(settings.documents_dir)).by_key


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
        raise fail(f"unknown clause keys: {', '.join(unknown)} (see `policybot ask --json`)", 2)


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
    data_dir: StoreDirOption = None,
) -> None:
    """Add a suggested curated answer (approve it with `faq approve`)."""
    keys = list(clause or [])
    clauses = _clauses(data_dir)
    _check_clauses(keys, clauses)
    store = staff_store(data_dir)
    try:
        entry = store.add_faq(
            question, answer, keys, author, unverified_amounts=_flags(store, answer, keys, clauses)
        )
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    typer.echo(f"added #{entry.id} (suggested)")
    if entry.unverified_amounts:
        typer.echo("amounts no linked clause states: " + ", ".join(entry.unverified_amounts))


@faq_app.command("list")
def faq_list(
    status: Annotated[
        str, typer.Option("--status", help="suggested, approved, retired or all.")
    ] = "all",
    as_json: AsJson = False,
    data_dir: StoreDirOption = None,
) -> None:
    """Curated answers."""
    if status != "all" and status not in FAQ_STATUSES:
        raise typer.BadParameter("suggested, approved, retired or all", param_hint="--status")
    entries = staff_store(data_dir).faqs(None if status == "all" else status)  # type: ignore[arg-type]
    print_listing(entries, as_json, "no curated answers", _faq_line)


@faq_app.command("edit")
def faq_edit(
    faq_id: Annotated[int, typer.Argument()],
    question: Annotated[list[str] | None, typer.Option("--question", "-q")] = None,
    answer: Annotated[str | None, typer.Option("--answer", "-a")] = None,
    clause: Annotated[list[str] | None, typer.Option("--clause", "-c")] = None,
    data_dir: StoreDirOption = None,
) -> None:
    """Change the questions, the answer or the clauses (amounts are checked again)."""
    store = staff_store(data_dir)
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
        raise fail(str(exc)) from exc
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    typer.echo(_faq_line(entry))


@faq_app.command("approve")
def faq_approve(
    faq_id: Annotated[int, typer.Argument()],
    by: Annotated[str, typer.Option("--by", help="Who approves.")] = "staff (cli)",
    confirm_amounts: Annotated[
        bool, typer.Option("--confirm-amounts", help="Confirm amounts no linked clause states.")
    ] = False,
    data_dir: StoreDirOption = None,
) -> None:
    """Approve a curated answer: it is served to matching questions from now on."""
    store = staff_store(data_dir)
    try:
        entry = store.faq(faq_id)
    except NotFound as exc:
        raise fail(str(exc)) from exc
    if entry.unverified_amounts and not entry.amounts_confirmed and not confirm_amounts:
        raise fail(
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
    data_dir: StoreDirOption = None,
) -> None:
    """Stop serving a curated answer (kept for the record)."""
    try:
        entry = staff_store(data_dir).set_faq_status(faq_id, "retired", by)
    except NotFound as exc:
        raise fail(str(exc)) from exc
    typer.echo(_faq_line(entry))


@faq_app.command("export")
def faq_export(
    file: Annotated[Path | None, typer.Argument(help="CSV file to write; stdout without.")] = None,
    status: Annotated[str, typer.Option("--status")] = "all",
    data_dir: StoreDirOption = None,
) -> None:
    """Curated answers as CSV (UTF-8 with BOM, formula cells neutralised) for a spreadsheet."""
    if status != "all" and status not in FAQ_STATUSES:
        raise typer.BadParameter("suggested, approved, retired or all", param_hint="--status")
    data = export_bytes(staff_store(data_dir).faqs(None if status == "all" else status))  # type: ignore[arg-type]
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
    data_dir: StoreDirOption = None,
) -> None:
    """Add or update curated answers from CSV; an approved row whose amounts no clause states
    comes in as suggested, for review."""
    try:
        rows = parse_csv(file.read_bytes())
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}", 2) from exc
    except CsvError as exc:
        raise fail(f"{file}: {exc}", 2) from exc
    clauses = _clauses(data_dir)
    for row in rows:
        unknown = [k for k in row.clauses if k not in clauses]
        if unknown:
            raise fail(f"{file}: line {row.line}: unknown clause keys: {', '.join(unknown)}", 2)
    store = staff_store(data_dir)
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
