"""What every command module of the command line shares: the consoles, the common options,
reading the settings (with or without the log set up), building ``Services``, the date.

Nothing heavy is imported here: `policybot stats` and the staff commands must start without
chromadb or the embedder.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from bot.config import Settings
from bot.domain import shanghai_today
from bot.errors import PolicyBotError
from bot.store import private_dir

if TYPE_CHECKING:  # imported when used: `policybot stats` must start without chromadb
    from bot.conversation import Conversation
    from bot.services import Services
    from bot.staff.store import StaffStore

err = Console(stderr=True)
out = Console()

TodayOption = Annotated[
    str | None, typer.Option("--today", help="As-of date YYYY-MM-DD (default: the real date).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the index and database live.")
]
# The staff and database commands open only the stores, never the index.
StoreDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the databases live.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def parse_today(value: str | None) -> date:
    """``--today``: the date given, or today in Shanghai."""
    if value is None:
        return shanghai_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"not a date (YYYY-MM-DD): {value}", param_hint="--today"
        ) from None


def plain_settings(data_dir: Path | None) -> Settings:
    """The settings, ``--data-dir`` applied; the log left as it is (the store commands)."""
    settings = Settings()
    return settings.model_copy(update={"data_dir": data_dir}) if data_dir else settings


_NOISY = ("httpx", "httpcore", "chromadb", "jieba", "bm25s")


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Below WARNING, libraries' chatter stays out of the log (the token may be in it, too)."""
    if record.levelno >= logging.WARNING:
        return True
    return not any(record.name == n or record.name.startswith(n + ".") for n in _NOISY)


def load_settings(data_dir: Path | None) -> Settings:
    """The settings, ``--data-dir`` applied, with the log set up and the data directory made
    private (the commands that serve or index)."""
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


def progress_printer(quiet: bool) -> Any:
    """A progress callback that draws a bar on stderr at most once a second."""
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


def load_services(settings: Settings, quiet: bool | None = None) -> Services:
    """``Services`` for the commands that read the index (no store); exit 2 on an error. What
    they build first (an ingest of changed documents, the passages) draws its progress on a
    terminal's stderr, never into a pipe (``quiet`` None): `policybot ask` after adding
    documents waits minutes, a script reading its JSON lines sees nothing else."""
    from bot.services import build_services

    if quiet is None:
        quiet = not sys.stderr.isatty()
    try:
        return build_services(settings, progress_printer(quiet))
    except PolicyBotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def serving_services(settings: Settings) -> Services:
    """``Services`` with the store and background refresh, for the chat channels."""
    from bot.services import build_services

    return build_services(settings, progress_printer(False), with_store=True, background=True)


def staff_conversation(settings: Settings, services: Services) -> Conversation:
    """The one turn owner with the staff desk as a stage: hand-offs, tickets, curated
    answers."""
    from bot.conversation import Conversation
    from bot.staff.desk import StaffDesk

    assert services.store is not None
    return Conversation(services, services.store, StaffDesk.build(settings, services))


def emit(obj: Any) -> None:
    """One JSON line on stdout, flushed (a script reads it at once)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_listing(
    rows: Sequence[Any], as_json: bool, empty: str, line: Callable[[Any], str]
) -> None:
    """``--json``: one JSON array of the rows; else a line each, or ``empty`` for none."""
    if as_json:
        emit([row.to_json() for row in rows])
        return
    if not rows:
        typer.echo(empty)
    for row in rows:
        typer.echo(line(row))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say ``message`` on stderr; the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def staff_store(data_dir: Path | None) -> StaffStore:
    """The staff store (tickets, curated answers, the question log) of ``--data-dir``."""
    from bot.staff.store import StaffStore

    return StaffStore.for_settings(plain_settings(data_dir))
