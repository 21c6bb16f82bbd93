"""Curated answers as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads the
Chinese), every field quoted, and cells that a spreadsheet would run as a formula (starting
with = + - @, or a tab or carriage return) neutralised with a leading apostrophe (OWASP's
advice against CSV injection). Import undoes the apostrophe it finds on such cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from bot.staff.store import FAQ_STATUSES, FaqEntry, FaqStatus
from bot.text.privacy import mask

COLUMNS = (
    "id",
    "status",
    "questions",
    "answer",
    "clauses",
    "author",
    "hits",
    "created_at",
    "approved_at",
)
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_SEP = "\n"  # several questions or clause keys in one cell, one per line


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    return "'" + cell if cell.startswith(_RISKY) else cell


def restore(cell: str) -> str:
    """Undo ``neutralise``."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_RISKY) else cell


def export_csv(entries: Iterable[FaqEntry]) -> str:
    """The entries as CSV text (write it with encoding="utf-8-sig", or use ``export_bytes``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in entries:
        row = [
            str(e.id),
            e.status,
            _SEP.join(e.variants),
            mask(e.answer),
            _SEP.join(e.clause_keys),
            e.author,
            str(e.hits),
            e.created_at,
            e.approved_at or "",
        ]
        writer.writerow([neutralise(c) for c in row])
    return buffer.getvalue()


def export_bytes(entries: Iterable[FaqEntry]) -> bytes:
    return export_csv(entries).encode("utf-8-sig")


@dataclass(frozen=True)
class ImportRow:
    line: int
    id: int | None
    status: FaqStatus
    variants: tuple[str, ...]
    answer: str
    clauses: tuple[str, ...]
    author: str


class CsvError(ValueError):
    """A file that is not a curated-answer CSV, with the line at fault."""


def parse_csv(data: bytes) -> list[ImportRow]:
    """Rows of an exported (or hand-made) file: a header with at least questions and answer."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError("the file is not UTF-8 text (save it as CSV UTF-8)") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = set(reader.fieldnames or ())
    if not {"questions", "answer"} <= header:
        raise CsvError("the first row must name the columns, with at least: questions, answer")
    rows: list[ImportRow] = []
    for row in reader:
        line = reader.line_num
        cells = {k: restore((v or "").strip()) for k, v in row.items() if k is not None}
        variants = tuple(v.strip() for v in cells.get("questions", "").split(_SEP) if v.strip())
        answer = cells.get("answer", "")
        if not variants and not answer:
            continue
        if not variants or not answer:
            raise CsvError(f"line {line}: a question and an answer are both needed")
        status = cells.get("status") or "suggested"
        if status not in FAQ_STATUSES:
            raise CsvError(f"line {line}: status must be one of {', '.join(FAQ_STATUSES)}")
        raw_id = cells.get("id", "")
        if raw_id and not raw_id.isdigit():
            raise CsvError(f"line {line}: id must be a number")
        rows.append(
            ImportRow(
                line=line,
                id=int(raw_id) if raw_id else None,
                status=status,
                variants=variants,
                answer=answer,
                clauses=tuple(c.strip() for c in cells.get("clauses", "").split(_SEP) if c.strip()),
                author=cells.get("author") or "import",
            )
        )
    return rows
