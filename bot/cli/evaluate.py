"""`policybot eval`: a question file scored on what a user gets, or a conversation file
played turn by turn."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    DataDirOption,
    TodayOption,
    err,
    load_services,
    load_settings,
    out,
    parse_today,
)
from bot.errors import PolicyBotError

if TYPE_CHECKING:
    from bot.conversation_eval import ConversationReport
    from bot.evaluation import Report
    from bot.services import Services


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

    as_of = parse_today(today)
    services = load_services(load_settings(data_dir))
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
        _print_misses(report)
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


def _print_misses(report: Report) -> None:
    """``--verbose``: each question that missed, with what went wrong and the clauses cited."""
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


def _eval_conversations(
    file: Path, services: Services, as_of: date, verbose: bool, min_turns: float
) -> None:
    """Play a conversation file in-process through the JSON-lines channel on a scratch store."""
    from bot.conversation_eval import load_conversations

    try:
        convs = load_conversations(file)
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    report, paths = _play(convs, services, as_of)
    _print_turns(report)
    metrics = report.metrics()
    out.print(
        "questions on typical check paths: "
        + ", ".join(f"{name} {n}" for name, n in paths.items()),
        markup=False,
    )
    out.print(
        f"conversations: {len(convs)}  turns: {len(report.turns)}  file: {file}", markup=False
    )
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


def _play(
    convs: list[dict[str, Any]], services: Services, as_of: date
) -> tuple[ConversationReport, dict[str, int]]:
    """The conversations played and checked, and the questions asked on each typical check
    path, on a scratch store of their own."""
    import tempfile
    from dataclasses import replace as with_

    from bot.channels.jsonl import process_line
    from bot.conversation_eval import TYPICAL_PATHS, count_questions, play_checked
    from bot.store import Store

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
    return report, paths


def _print_turns(report: ConversationReport) -> None:
    """The turns that failed and why, the figures without a source, the answer lengths."""
    import statistics

    for turn in report.turns:
        if turn.fails:
            out.print(f"{turn.conversation} turn {turn.index + 1} FAIL: {turn.say}", markup=False)
            for fail in turn.fails:
                out.print(f"   - {fail}", markup=False)
    for problem in report.figure_problems:
        out.print(f"figure without a source: {problem}", markup=False)
    for lang in ("zh", "en"):
        lengths = report.lengths(lang)
        if lengths:
            p95 = lengths[min(len(lengths) - 1, int(0.95 * len(lengths)))]
            out.print(
                f"answer length {lang}: median {statistics.median(lengths):.0f}, p95 {p95} chars",
                markup=False,
            )
