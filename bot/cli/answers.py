"""`policybot ask` and `policybot check`: one answer, one eligibility assessment."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    DataDirOption,
    TodayOption,
    emit,
    err,
    load_services,
    load_settings,
    parse_today,
)
from bot.errors import BadInput, PolicyBotError
from bot.messages import both
from bot.text import detect_lang

if TYPE_CHECKING:
    from bot.services import Services


def _error_json(message: str, lang: str) -> dict[str, Any]:
    return {"error": message, "answer": message, "in_scope": False, "lang": lang, "citations": []}


def _question_of(line: str) -> str:
    """The question of an input line: the line itself, or the "q" (or "question", "text") of
    a line that is a JSON object, as a script feeding JSON lines would write it (answered as
    the question, never as its JSON)."""
    if not line.lstrip().startswith("{"):
        return line
    try:
        data = json.loads(line)
    except ValueError:
        return line
    if isinstance(data, dict):
        for key in ("q", "question", "text"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return line


def _ask_lines(services: Services, as_of: date) -> None:
    """`ask --jsonl`: one JSON line out per line in; a bad line gets an error object."""
    from bot.channels.jsonl import MAX_LINE_BYTES, bounded_lines
    from bot.dialogue import answer_once

    for raw in bounded_lines(sys.stdin.buffer, MAX_LINE_BYTES):
        if len(raw) > MAX_LINE_BYTES:  # cut by the reader: never held whole
            emit(_error_json(both("notice.line_too_long", limit=MAX_LINE_BYTES), "zh"))
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            emit(_error_json(both("notice.not_utf8"), "zh"))
            continue
        line = _question_of(line.rstrip("\r\n"))
        try:
            emit(answer_once(services, line, as_of).to_json())
        except BadInput as exc:
            emit(_error_json(exc.user_message, detect_lang(line)))
        except Exception:  # one bad line must not end the stream
            logging.getLogger(__name__).exception("question failed")
            emit(_error_json(PolicyBotError.user_message, detect_lang(line)))


def ask(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Questions on stdin, one per line (plain text, or a JSON object with "q"); '
            "one JSON answer line each.",
        ),
    ] = False,
    today: TodayOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Answer a policy question with quoted, cited clauses."""
    from bot.dialogue import answer_once

    as_of = parse_today(today)
    services = load_services(load_settings(data_dir))
    if jsonl:
        _ask_lines(services, as_of)
        return
    if question is None:
        err.print("Give a question, or use --jsonl to read questions from stdin.")
        raise typer.Exit(2)
    try:
        answer = answer_once(services, question, as_of)
    except BadInput as exc:
        if as_json:
            emit(_error_json(exc.user_message, detect_lang(question)))
        else:
            err.print(exc.user_message)
        raise typer.Exit(1) from exc
    if as_json:
        emit(answer.to_json())
    else:
        typer.echo(answer.text)


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

    as_of = parse_today(today)
    settings = load_settings(data_dir)
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
        emit(outcome_data(rulebook, outcome))  # the "result" object of chat --jsonl
    else:
        typer.echo(render_outcome(rulebook, outcome, "zh" if lang == "zh" else "en"))
