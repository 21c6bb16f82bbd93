"""The command line: `policybot ingest | documents | rules check | ask | eval | chat | check |
telegram`.

This is the one place that builds ``Services`` from the settings and hands them to a channel.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from bot.config import Settings
from bot.domain import shanghai_today
from bot.errors import BadInput, PolicyBotError
from bot.store import private_dir
from bot.text import detect_lang

if TYPE_CHECKING:  # imported when used: `policybot stats` must start without chromadb
    from bot.services import Services
    from bot.staff.front import StaffFront

# No local variables in tracebacks: a frame may hold the bot token.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The policy assistant.",
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)
out = Console()

TodayOption = Annotated[
    str | None, typer.Option("--today", help="As-of date YYYY-MM-DD (default: the real date).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the index and database live.")
]


def _today(value: str | None) -> date:
    if value is None:
        return shanghai_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"not a date (YYYY-MM-DD): {value}", param_hint="--today"
        ) from None


_NOISY = ("httpx", "httpcore", "chromadb", "jieba", "bm25s")


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Below WARNING, libraries' chatter stays out of the log (the token may be in it, too)."""
    if record.levelno >= logging.WARNING:
        return True
    return not any(record.name == n or record.name.startswith(n + ".") for n in _NOISY)


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # bm25s sets its logger to DEBUG when it is imported, which happens later now (imports
    # are lazy so staff commands start fast): a filter on our handlers outlasts that.
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet_libraries)
    if settings.log_format == "json":
        from bot.ops.logs import use_json_logs

        use_json_logs()
    private_dir(settings.data_dir)  # conversations and company figures: owner only
    return settings


def _progress_printer(quiet: bool) -> Any:
    last = [0.0]

    def progress(stage: str, done: int, total: int, left: float | None) -> None:
        if quiet:
            return
        now = time.monotonic()
        if done < total and now - last[0] < 1.0:
            return
        last[0] = now
        eta = f", about {left:.0f} s left" if left is not None and done < total else ""
        filled = round(20 * done / total) if total else 20
        bar = "#" * filled + "-" * (20 - filled)
        err.print(f"[{stage}] [{bar}] {done}/{total}{eta}", markup=False, soft_wrap=True)

    return progress


def _services(settings: Settings, quiet: bool = True) -> Services:
    from bot.services import build_services

    try:
        return build_services(settings, _progress_printer(quiet))
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


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


@app.command()
def ingest(
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Print the outline of one file for review; index nothing."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Build a new generation anyway.")] = False,
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
            _print_outline(check, _today(today))
        except PolicyBotError as exc:
            err.print(f"error: {exc}", markup=False, soft_wrap=True)
            raise typer.Exit(1) from exc
        return
    settings = _settings(data_dir)
    from bot.services import (
        build_services,
        generations,
        progress_path,
        record_progress,
        run_ingest,
    )

    printer = _progress_printer(False)

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
    if report.changed:
        # Tokenise the new generation now, so the assistant's next start is quick.
        start = time.monotonic()
        try:
            build_services(settings, ingest=False)
        except PolicyBotError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        err.print(f"ready to serve in {time.monotonic() - start:.1f} s", markup=False)
    if _rules_refused(settings, report.generation):
        raise typer.Exit(3)
    if report.problems:
        raise typer.Exit(1)


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


@app.command()
def documents(
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """List the documents in service: status on the date, clause count, source file."""
    as_of = _today(today)
    settings = _settings(data_dir)
    services = _services(settings)
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
            _emit(row)
        else:
            out.print(
                f"{row['status']:<9} {row['clauses']:>4} clauses  {meta.title}  [{row['file']}]",
                markup=False,
            )
    for file, message in manifest.get("problems", []):
        if as_json:
            _emit({"skipped": file, "error": message})
        else:
            out.print(f"skipped   {message}", markup=False, soft_wrap=True)
    from bot.services import read_progress

    running = read_progress(settings)
    if running is not None:  # an ingest builds the next generation now
        left = running.get("left")
        eta = f", about {float(str(left)):.0f} s left" if left is not None else ""
        line = f"{running['stage']} {running['done']}/{running['total']}{eta}"
        if as_json:
            _emit({"ingest": "running", "progress": line})
        else:
            out.print(f"ingest    running: {line}", markup=False, soft_wrap=True)
    for problem in services.rules_refused:  # the last good rules serve meanwhile
        if as_json:
            _emit({"rules": "refused", "error": problem})
        else:
            out.print(f"rules     refused: {problem}", markup=False, soft_wrap=True)


rules_app = typer.Typer(help="The eligibility rules (knowledge/programs.yaml).")
app.add_typer(rules_app, name="rules")


@rules_app.command("check")
def rules_check(data_dir: DataDirOption = None) -> None:
    """Verify the rules: facts defined, each program's document loaded, each quote found in
    its clause."""
    from bot.knowledge.index import load_generation
    from bot.knowledge.rules_guard import rule_problems
    from bot.services import generations

    settings = _settings(data_dir)
    gens = generations(settings)
    current = gens.current()
    if current is None:  # no index yet: build one (the rules are checked against it)
        current = _services(settings).generation
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

    settings = _settings(None)
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


def _error_json(message: str, lang: str) -> dict[str, Any]:
    return {"error": message, "answer": message, "in_scope": False, "lang": lang, "citations": []}


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Questions on stdin, one JSON line each.")
    ] = False,
    today: TodayOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Answer a policy question with quoted, cited clauses."""
    from bot.dialogue import answer_once

    as_of = _today(today)
    services = _services(_settings(data_dir))
    if jsonl:
        from bot.channels.jsonl import MAX_LINE_BYTES, bounded_lines

        for raw in bounded_lines(sys.stdin.buffer, MAX_LINE_BYTES):
            if len(raw) > MAX_LINE_BYTES:  # cut by the reader: never held whole
                message = f"这一行太长了（超过 {MAX_LINE_BYTES} 字节）。 / This line is too long."
                _emit(_error_json(message, "zh"))
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                _emit(
                    _error_json(
                        "这一行不是有效的 UTF-8 文本。 / This line is not valid UTF-8 text.", "zh"
                    )
                )
                continue
            line = line.rstrip("\r\n")
            try:
                _emit(answer_once(services, line, as_of).to_json())
            except BadInput as exc:
                _emit(_error_json(exc.user_message, detect_lang(line)))
            except Exception:  # one bad line must not end the stream
                logging.getLogger(__name__).exception("question failed")
                _emit(_error_json(PolicyBotError.user_message, detect_lang(line)))
        return
    if question is None:
        err.print("Give a question, or use --jsonl to read questions from stdin.")
        raise typer.Exit(2)
    try:
        answer = answer_once(services, question, as_of)
    except BadInput as exc:
        if as_json:
            _emit(_error_json(exc.user_message, detect_lang(question)))
        else:
            err.print(exc.user_message)
        raise typer.Exit(1) from exc
    if as_json:
        _emit(answer.to_json())
    else:
        typer.echo(answer.text)


@app.command("eval")
def eval_(
    file: Annotated[
        Path, typer.Argument(help="Question file (the format of shared/eval/dev.yaml).")
    ],
    min_recall1: Annotated[float, typer.Option("--min-recall1")] = 0.0,
    min_recall3: Annotated[float, typer.Option("--min-recall3")] = 0.0,
    min_mrr: Annotated[float, typer.Option("--min-mrr")] = 0.0,
    min_must: Annotated[float, typer.Option("--min-must")] = 0.0,
    min_scope: Annotated[float, typer.Option("--min-scope")] = 0.0,
    min_turns: Annotated[
        float, typer.Option("--min-turns", help="Conversation files: least share of turns passed.")
    ] = 0.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every miss.")] = False,
    today: TodayOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Score a question file (recall@1, recall@3, MRR, must-hit rate, scope accuracy) or a
    conversation file (turns passed, direct first lines, follow-ups, gold citations, figures)."""
    from bot.conversation_eval import is_conversation_file
    from bot.dialogue import answer_once
    from bot.evaluation import evaluate, load_items

    as_of = _today(today)
    services = _services(_settings(data_dir))
    if is_conversation_file(file):
        _eval_conversations(file, services, as_of, verbose, min_turns)
        return
    try:
        items = load_items(file)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    report = evaluate(items, lambda q: answer_once(services, q, as_of))  # what a user gets
    if verbose:
        for r in report.results:
            problems = []
            if r.item.gold and (r.rank is None or r.rank > 1):
                problems.append(f"rank={r.rank}")
            if r.must_ok is False:
                problems.append("must")
            if r.scope_ok is False:
                problems.append("scope")
            if not r.forbid_ok:
                problems.append("forbid")
            if r.unsourced:
                problems.append(f"unsourced={list(r.unsourced)}")
            if problems:
                cited = [c.clause for c in r.answer.citations[:3]] if r.answer else []
                out.print(
                    f"{r.item.id} {' '.join(problems)} {r.item.q} -> {cited}",
                    markup=False,
                    soft_wrap=True,
                )
    metrics = report.metrics()
    bars = {
        "recall@1": min_recall1,
        "recall@3": min_recall3,
        "mrr": min_mrr,
        "must_hit": min_must,
        "scope_accuracy": min_scope,
    }
    out.print(f"questions: {len(report.results)}  file: {file}", markup=False, soft_wrap=True)
    if services.writer is not None:
        out.print(services.writer.summary(), markup=False, soft_wrap=True)
    for name, value in metrics.items():
        bar = bars.get(name, 0.0)
        flag = "" if value >= bar else f"  BELOW {bar:.2f}"
        out.print(f"{name:>15}: {value:.3f}{flag}", markup=False, soft_wrap=True)
    # One line with every figure, last, for scripts and hooks that read the tail.
    out.print(
        "  ".join(f"{name} {value:.3f}" for name, value in metrics.items()),
        markup=False,
        soft_wrap=True,
    )
    if any(metrics[name] < bar for name, bar in bars.items()):
        raise typer.Exit(1)


def _eval_conversations(
    file: Path, services: Services, as_of: date, verbose: bool, min_turns: float
) -> None:
    """Play a conversation file in-process through the JSON-lines channel on a scratch store."""
    import statistics
    import tempfile
    from dataclasses import replace as with_

    from bot.channels.jsonl import process_line
    from bot.conversation_eval import (
        TYPICAL_PATHS,
        count_questions,
        load_conversations,
        play_checked,
    )
    from bot.store import Store

    try:
        convs = load_conversations(file)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with tempfile.TemporaryDirectory() as scratch:
        played = with_(services, store=Store(Path(scratch) / "eval.sqlite3"))

        def send(chat_id: str, text: str) -> list[dict[str, Any]]:
            line = json.dumps({"chat": chat_id, "text": text}, ensure_ascii=False).encode()
            replies = process_line(line, played, as_of).get("replies", [])
            return list(replies)

        report = play_checked(convs, send, services.rulebook, services.kb.documents.values(), as_of)

        def choose(chat_id: str, option: str) -> list[dict[str, Any]]:
            line = json.dumps({"chat": chat_id, "choice": option}).encode()
            return list(process_line(line, played, as_of).get("replies", []))

        paths = {
            name: count_questions(send, choose, opening, answers, f"path-{name}")
            for name, (opening, answers) in TYPICAL_PATHS.items()
        }
    for turn in report.turns:
        if turn.fails:
            out.print(f"{turn.conversation} turn {turn.index + 1} FAIL: {turn.say}", markup=False)
            for fail in turn.fails:
                out.print(f"   - {fail}", markup=False)
    for problem in report.figure_problems:
        out.print(f"figure without a source: {problem}", markup=False)
    metrics = report.metrics()
    for lang in ("zh", "en"):
        lengths = report.lengths(lang)
        if lengths:
            p95 = lengths[min(len(lengths) - 1, int(0.95 * len(lengths)))]
            out.print(
                f"answer length {lang}: median {statistics.median(lengths):.0f}, p95 {p95} chars",
                markup=False,
            )
    out.print(
        "questions on typical check paths: "
        + ", ".join(f"{name} {n}" for name, n in paths.items()),
        markup=False,
    )
    out.print(f"conversations: {len(convs)}  turns: {len(report.turns)}  file: {file}", markup=False)
    if services.writer is not None:
        out.print(services.writer.summary(), markup=False, soft_wrap=True)
    out.print(
        "  ".join(f"{name} {value:.3f}" for name, value in metrics.items())
        + f"  figures_without_source {len(report.figure_problems)}",
        markup=False,
        soft_wrap=True,
    )
    if metrics["turns"] < min_turns:
        raise typer.Exit(1)


@app.command()
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
    as_of = _today(today)
    settings = _settings(data_dir)
    from bot.services import build_services

    try:
        services = build_services(
            settings, _progress_printer(False), with_store=True, background=True
        )
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if jsonl:
        from bot.channels import jsonl as channel

        front = _staff_front(settings, services)  # hand-offs and curated answers, as Telegram
        assert services.store is not None
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


@app.command()
def check(
    facts: Annotated[Path, typer.Option("--facts", help="JSON object of fact id -> value.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh",
    today: TodayOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Evaluate every eligibility program for a set of facts."""
    from bot.eligibility import assess, load_rulebook, render_outcome
    from bot.eligibility.serialize import outcome_data

    as_of = _today(today)
    settings = _settings(data_dir)
    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--lang")
    try:
        data = json.loads(facts.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err.print(f"[red]error:[/red] cannot read facts from {facts}: {exc}")
        raise typer.Exit(2) from exc
    if not isinstance(data, dict):
        err.print("[red]error:[/red] the facts file must hold a JSON object")
        raise typer.Exit(2)
    try:
        rulebook = load_rulebook(settings.knowledge_dir)
        outcome = assess(rulebook, data, as_of)
    except (PolicyBotError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        _emit(outcome_data(rulebook, outcome))  # the "result" object of chat --jsonl
    else:
        typer.echo(render_outcome(rulebook, outcome, "zh" if lang == "zh" else "en"))


@app.command()
def telegram(today: TodayOption = None, data_dir: DataDirOption = None) -> None:
    """Run the Telegram bot: long polling, or a webhook when POLICYBOT_TELEGRAM_WEBHOOK_URL is set."""
    fixed = _today(today) if today is not None else None
    settings = _settings(data_dir)
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
    from bot.services import build_services

    try:
        services = build_services(
            settings, _progress_printer(False), with_store=True, background=True
        )
        channel = TelegramChannel(
            settings,
            services,
            (lambda: fixed) if fixed else shanghai_today,
            lock=lock,
            front=_staff_front(settings, services),
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


def _staff_front(settings: Settings, services: Services) -> StaffFront:
    """The staff desk in front of the conversation: hand-offs, tickets, curated answers."""
    from bot.conversation import Conversation
    from bot.staff.desk import StaffDesk
    from bot.staff.front import StaffFront

    assert services.store is not None
    return StaffFront(Conversation(services, services.store), StaffDesk.build(settings, services))


def main() -> None:
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


from bot.cli_staff import register  # noqa: E402 - staff commands: triage, faq, stats

register(app)
from bot.cli_console import register as register_console  # noqa: E402 - console, staff add

register_console(app)

from bot.cli_wechat import register as register_wechat  # noqa: E402 - `policybot wechat`

register_wechat(app)

from bot.cli_db import register as register_db  # noqa: E402 - `policybot db status|upgrade`

register_db(app)


if __name__ == "__main__":
    main()
