"""`policybot ingest`, `documents` and `rules check|draft`: building the index, what is in
service, and the eligibility rules checked against it."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import (
    DataDirOption,
    TodayOption,
    emit,
    err,
    load_services,
    load_settings,
    out,
    parse_today,
    progress_printer,
)
from bot.config import Settings
from bot.errors import PolicyBotError

if TYPE_CHECKING:  # imported when used: the index modules are heavy
    from bot.knowledge.index import IngestReport, Progress

rules_app = typer.Typer(help="The eligibility rules (knowledge/programs.yaml).")


def _print_outline(path: Path, today: date) -> None:
    from bot.knowledge.documents import read_document
    from bot.knowledge.parse import split_clauses

    doc = read_document(path)
    meta = doc.meta
    out.print(f"file: {path.name}", markup=False, soft_wrap=True)
    for label, value in (
        ("id", meta.id),
        ("title", meta.title),
        ("number", meta.number or "(none found)"),
        ("issuers", "、".join(meta.issuers) or "(none found)"),
        ("issue date", meta.issue_date or "(none found)"),
        ("valid from", meta.valid_from or "(not stated)"),
        ("valid until", meta.valid_until or "(not stated)"),
        ("status today", meta.validity(today)),
        ("region", meta.region or "(none found)"),
        ("script", meta.script),
    ):
        out.print(f"{label:>12}: {value}", markup=False, soft_wrap=True)
    clauses = split_clauses(meta, doc.body)
    out.print(f"{len(clauses)} clauses:", markup=False, soft_wrap=True)
    for clause in clauses:
        units = f"  [责任单位：{'、'.join(clause.responsible)}]" if clause.responsible else ""
        head = clause.text.replace("\n", " ")
        head = head[:50] + ("…" if len(head) > 50 else "")
        out.print(
            f"  {clause.key}  ({clause.kind})  {clause.section}{units}",
            markup=False,
            soft_wrap=True,
        )
        out.print(f"      {len(clause.text)} chars: {head}", markup=False, soft_wrap=True)


def ingest(
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Print the outline of one file for review; index nothing."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Build a new generation anyway.")] = False,
    passages: Annotated[
        bool,
        typer.Option(
            "--passages/--no-passages",
            help="After publishing, embed the rest of every long article (the assistant serves"
            " meanwhile).",
        ),
    ] = True,
    data_dir: DataDirOption = None,
    today: TodayOption = None,
) -> None:
    """Index the documents in knowledge/documents into a new index generation.

    Unreadable files are reported and skipped; the index in service is replaced only once
    the new one is complete. Unchanged texts are never embedded again. The rules are then
    checked against the new index. Exit codes: 0 all well; 1 a document was skipped; 2 nothing
    was published (an error); 3 the rule files were refused (the last good rules serve).
    """
    if check is not None:
        try:
            _print_outline(check, parse_today(today))
        except PolicyBotError as exc:
            err.print(f"error: {exc}", markup=False, soft_wrap=True)
            raise typer.Exit(1) from exc
        return
    settings = load_settings(data_dir)
    from bot.services import build_services, progress_path, record_progress, run_ingest

    printer = progress_printer(False)

    def progress(stage: str, done: int, total: int, left: float | None) -> None:
        printer(stage, done, total, left)
        record_progress(settings, stage, done, total, left)  # for `policybot documents`

    try:
        report = run_ingest(settings, progress=progress, force=force)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        progress_path(settings).unlink(missing_ok=True)
    _print_report(settings, report)
    if report.changed:
        # Tokenise the new generation now, so the assistant's next start is quick.
        start = time.monotonic()
        try:
            build_services(settings, ingest=False)
        except PolicyBotError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        err.print(f"ready to serve in {time.monotonic() - start:.1f} s", markup=False)
    if passages and report.generation:
        _passages(settings, report.generation, progress)
    if _rules_refused(settings, report.generation):
        raise typer.Exit(3)
    if report.problems:
        raise typer.Exit(1)


def _passages(settings: Settings, generation: str, progress: Progress) -> None:
    """Embed the passages of the generation in service, which serves meanwhile; a failure
    leaves it serving without them (the next ingest tries again)."""
    from bot.services import progress_path, run_passages

    start = time.monotonic()
    try:
        built = run_passages(settings, generation, progress=progress)
    except (PolicyBotError, OSError) as exc:
        err.print(f"passages not built ({exc}); the index serves without them", markup=False)
        return
    finally:
        progress_path(settings).unlink(missing_ok=True)
    if built is not None and built[0]:
        count, embedded = built
        err.print(
            f"{count} passages of long articles ({embedded} embedded) in "
            f"{time.monotonic() - start:.1f} s",
            markup=False,
        )


def _print_report(settings: Settings, report: IngestReport) -> None:
    """What an ingest did: skipped files, documents added, replaced, kept, removed; sizes."""
    from bot.services import generations

    for problem in report.problems:
        err.print(f"skipped: {problem.message}", markup=False, soft_wrap=True)
    for label, ids in (
        ("added", report.added),
        ("replaced", report.replaced),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        if ids:
            shown = ", ".join(ids) if len(ids) <= 12 else f"{len(ids)} documents"
            err.print(f"{label}: {shown}", markup=False, soft_wrap=True)
    manifest = generations(settings).manifest(report.generation)
    err.print(
        f"{len(manifest.get('documents', {}))} documents, {manifest.get('units', 0)} units, "
        f"{manifest.get('vectors', 0)} vectors; {report.units_written} units written "
        f"({report.units_cached} from the cache) in {report.seconds:.1f} s; "
        f"generation {report.generation}",
        markup=False,
        soft_wrap=True,
    )


def _rules_refused(settings: Settings, generation: str) -> bool:
    """Check the rules against the index ``generation``; print each problem; True if refused."""
    from bot.knowledge.index import load_generation
    from bot.knowledge.rules_guard import load_checked_rules
    from bot.services import generations, rules_keep_dir

    kb, _manifest = load_generation(generations(settings), generation)
    try:
        verdict = load_checked_rules(settings.knowledge_dir, kb, rules_keep_dir(settings))
    except PolicyBotError as exc:
        err.print(f"rules refused: {exc}", markup=False, soft_wrap=True)
        return True
    for problem in verdict.problems:
        err.print(f"rules refused: {problem}", markup=False, soft_wrap=True)
    if verdict.refused:
        err.print(
            f"the last good rules ({rules_keep_dir(settings)}) keep serving until these are fixed",
            markup=False,
            soft_wrap=True,
        )
    return verdict.refused


def documents(
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """List the documents in service: status on the date, clause count, source file."""
    as_of = parse_today(today)
    settings = load_settings(data_dir)
    services = load_services(settings)
    counts: dict[str, int] = {}
    for clause in services.kb.clauses:
        if clause.part <= 1:
            counts[clause.doc_id] = counts.get(clause.doc_id, 0) + 1
    from bot.services import generations

    manifest = generations(settings).manifest(services.generation)
    for meta in services.kb.documents.values():
        row = {
            "id": meta.id,
            "title": meta.title,
            "status": meta.validity(as_of),
            "valid_from": meta.valid_from.isoformat() if meta.valid_from else None,
            "valid_until": meta.valid_until.isoformat() if meta.valid_until else None,
            "clauses": counts.get(meta.id, 0),
            "file": meta.file or manifest.get("files", {}).get(meta.id, ""),
            "region": meta.region,
        }
        if as_json:
            emit(row)
        else:
            out.print(
                f"{row['status']:<9} {row['clauses']:>4} clauses  {meta.title}  [{row['file']}]",
                markup=False,
            )
    for file, message in manifest.get("problems", []):
        if as_json:
            emit({"skipped": file, "error": message})
        else:
            out.print(f"skipped   {message}", markup=False, soft_wrap=True)
    from bot.services import read_progress

    running = read_progress(settings)
    if running is not None:  # an ingest builds the next generation now
        left = running.get("left")
        eta = f", about {float(str(left)):.0f} s left" if left is not None else ""
        line = f"{running['stage']} {running['done']}/{running['total']}{eta}"
        if as_json:
            emit({"ingest": "running", "progress": line})
        else:
            out.print(f"ingest    running: {line}", markup=False, soft_wrap=True)
    for problem in services.rules_refused:  # the last good rules serve meanwhile
        if as_json:
            emit({"rules": "refused", "error": problem})
        else:
            out.print(f"rules     refused: {problem}", markup=False, soft_wrap=True)


@rules_app.command("check")
def rules_check(data_dir: DataDirOption = None) -> None:
    """Verify the rules: facts defined, each program's document loaded, each quote found in
    its clause."""
    from bot.knowledge.index import load_generation
    from bot.knowledge.rules_guard import rule_problems
    from bot.services import generations

    settings = load_settings(data_dir)
    gens = generations(settings)
    current = gens.current()
    if current is None:  # no index yet: build one (the rules are checked against it)
        current = load_services(settings).generation
    kb, _manifest = load_generation(gens, current)
    rulebook, problems = rule_problems(settings.knowledge_dir, kb)
    for problem in problems:
        out.print(problem, markup=False, soft_wrap=True)
    if rulebook is None:
        raise typer.Exit(1)
    out.print(
        f"{len(rulebook.programs)} programs, {len(rulebook.facts)} facts: "
        + ("all anchored in their documents" if not problems else f"{len(problems)} problems"),
        markup=False,
        soft_wrap=True,
    )
    if problems:
        raise typer.Exit(1)


@rules_app.command("draft")
def rules_draft(
    doc: Annotated[str, typer.Argument(help="A document file, or the id of a loaded document.")],
) -> None:
    """Print program skeletons for a document's benefit clauses, for staff to complete."""
    from bot.eligibility.draft import draft_rules
    from bot.knowledge.documents import load_documents, read_document
    from bot.knowledge.index import KnowledgeBase

    settings = load_settings(None)
    try:
        path = Path(doc)
        if path.is_file():
            source = read_document(path)
        else:
            known = {s.meta.id: s for s in load_documents(settings.documents_dir)}
            if doc not in known:
                err.print(f"error: no file and no loaded document '{doc}'", markup=False)
                raise typer.Exit(1)
            source = known[doc]
        kb = KnowledgeBase.from_sources([source])
    except PolicyBotError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    typer.echo(draft_rules(source.meta, kb.clauses), nl=False)
