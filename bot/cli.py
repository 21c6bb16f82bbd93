"""The command line: `policybot ingest | ask | eval | chat | check | telegram`.

This is the one place that builds ``Services`` from the settings and hands them to a channel.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from bot.config import Settings
from bot.errors import BadInput, PolicyBotError
from bot.services import Services, build_services
from bot.text import detect_lang

app = typer.Typer(add_completion=False, no_args_is_help=True, help="The policy assistant.")
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
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"not a date (YYYY-MM-DD): {value}", param_hint="--today"
        ) from None


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "chromadb", "jieba", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return settings


def _services(settings: Settings, quiet: bool = True) -> Services:
    def progress(doc_id: str, done: int, total: int) -> None:
        if not quiet:
            err.print(f"[{done}/{total}] {doc_id}")

    try:
        return build_services(settings, progress)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def ingest(data_dir: DataDirOption = None) -> None:
    """Index the documents in knowledge/documents (unchanged documents are skipped)."""
    settings = _settings(data_dir)
    services = _services(settings, quiet=False)
    report = services.ingest_report
    for label, ids in (
        ("added", report.added),
        ("replaced", report.replaced),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        if ids:
            err.print(f"{label}: {', '.join(ids)}")
    err.print(
        f"{len(services.kb.documents)} documents, {len(services.kb.clauses)} clauses, "
        f"{report.units_written} units written"
    )


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
    as_of = _today(today)
    services = _services(_settings(data_dir))
    if jsonl:
        for raw in sys.stdin.buffer:
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
                _emit(services.qa.ask(line, as_of).answer.to_json())
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
        answer = services.qa.ask(question, as_of).answer
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
    report = evaluate(items, lambda q: services.qa.ask(q, as_of).answer)
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
            if problems:
                cited = [c.clause for c in r.answer.citations[:3]] if r.answer else []
                out.print(f"{r.item.id} {' '.join(problems)} {r.item.q} -> {cited}", markup=False)
    metrics = report.metrics()
    bars = {
        "recall@1": min_recall1,
        "recall@3": min_recall3,
        "mrr": min_mrr,
        "must_hit": min_must,
        "scope_accuracy": min_scope,
    }
    out.print(f"questions: {len(report.results)}  file: {file}", markup=False)
    for name, value in metrics.items():
        bar = bars.get(name, 0.0)
        flag = "" if value >= bar else f"  BELOW {bar:.2f}"
        out.print(f"{name:>15}: {value:.3f}{flag}", markup=False)
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
) -> None:
    """Chat with the assistant in the terminal (questions and the eligibility check)."""
    as_of = _today(today)
    settings = _settings(data_dir)
    try:
        services = build_services(settings, with_store=True)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if jsonl:
        from bot.channels import jsonl as channel

        channel.run(sys.stdin.buffer, sys.stdout, services, as_of)
        return
    from bot.channels import terminal

    if isinstance(sys.stdin, io.TextIOWrapper):
        # Piped input with a stray undecodable byte must not end the chat.
        sys.stdin.reconfigure(errors="replace")
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
    try:
        services = build_services(settings, with_store=True)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    from bot.channels.telegram import TelegramChannel

    TelegramChannel(settings, services, (lambda: fixed) if fixed else date.today).run()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
