"""Load policy documents from knowledge/documents: any supported format, optional front matter.

A document file is ``.txt``, ``.md``, ``.docx``, ``.pdf`` (with a text layer) or ``.html``
(see ``bot.knowledge.readers``). Text and Markdown files may start with a YAML front matter
block (``---`` lines). Every field is optional: what the front matter does not give is read
from the text itself (``bot.knowledge.metadata``: title, number, issuers, date, validity,
region), and the file name becomes the id. Front matter always wins, including
``repealed_by`` / ``superseded_by``.

``scan_documents`` is what ingest uses: a file that cannot be read is reported (name and
line) and skipped, the others load. ``load_documents`` is the strict form for tools and
tests: the first problem raises.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.domain import DocumentMeta
from bot.errors import KnowledgeError
from bot.knowledge.metadata import extract, region_of, title_candidate
from bot.knowledge.readers import SUFFIXES, read_file
from bot.text import is_traditional

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_ID_CHARS = re.compile(r"[^a-zA-Z0-9._-]+")


@dataclass(frozen=True)
class SourceDocument:
    """A document's metadata, its body text and the hash that decides re-indexing."""

    meta: DocumentMeta
    body: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class Problem:
    """A file that was skipped, and why (the message names the file, and the line if known)."""

    file: str
    message: str


def _as_date(value: Any, field: str, path: Path) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeError(
            f"{path.name}: field {field!r} is not a date (YYYY-MM-DD): {value!r}"
        ) from exc


def _first_title_line(body: str) -> str:
    """The first short line that could be a title (no breadcrumb, date or section heading)."""
    for line in body.splitlines():
        line = line.strip().lstrip("#").strip()
        if line and title_candidate(line):
            return line
    return ""


def _front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        loaded = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 2}" if mark is not None else ""
        raise KnowledgeError(f"{path.name}{where}: front matter is not valid YAML: {exc}") from exc
    except ValueError as exc:  # a date such as 2025-13-01
        raise KnowledgeError(f"{path.name}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise KnowledgeError(f"{path.name}, line 2: front matter must be a mapping of fields")
    return loaded, text[match.end() :]


def parse_document(path: Path, raw: str) -> SourceDocument:
    """Split front matter from body and build the document's metadata."""
    text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    fields, text = _front_matter(path, text)
    body = text.strip("\n")
    if not body.strip():
        raise KnowledgeError(f"{path.name}: the document has no text")
    sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    # Ids are ASCII (Chroma metadata, URLs); a Chinese file name keeps what it can and a
    # short content hash makes it unique.
    doc_id = _ID_CHARS.sub("-", str(fields.get("id") or path.stem)).strip("-")
    if not fields.get("id") and (not doc_id or not path.stem.isascii()):
        doc_id = "-".join(p for p in (doc_id, sha[:8]) if p)
    found = extract(body)
    issuers = fields.get("issuers")
    if isinstance(issuers, str):
        issuers = [issuers]
    issuer_tuple = tuple(str(i) for i in issuers) if issuers else found.issuers
    title = str(fields.get("title") or found.title or _first_title_line(body) or path.stem)

    def dated(name: str, default: date | None) -> date | None:
        return _as_date(fields[name], name, path) if name in fields else default

    number = fields.get("number", found.number)
    meta = DocumentMeta(
        id=doc_id,
        title=title,
        title_en=str(fields.get("title_en") or ""),
        number=str(number) if number else None,
        issuers=issuer_tuple,
        issue_date=dated("issue_date", found.issue_date),
        valid_from=dated("valid_from", found.valid_from),
        valid_until=dated("valid_until", found.valid_until),
        region=str(fields.get("region") or region_of(title, issuer_tuple, body) or found.region),
        script=str(fields.get("script") or ("zh-Hant" if is_traditional(body) else "zh-Hans")),
        interpreter=str(fields["interpreter"]) if fields.get("interpreter") else None,
        source=str(fields.get("source") or path.name),
        aliases=tuple(str(a) for a in (fields.get("aliases") or [])),
        repealed_by=str(fields["repealed_by"]) if fields.get("repealed_by") else None,
        superseded_by=str(fields["superseded_by"]) if fields.get("superseded_by") else None,
        file=path.name,
    )
    return SourceDocument(meta=meta, body=body, path=path, sha256=sha)


def read_document(path: Path) -> SourceDocument:
    """One document file of any supported format; ``KnowledgeError`` names the file."""
    return parse_document(path, read_file(path))


def _fingerprint(body: str) -> str:
    """The text without spacing and Markdown marks: equal for one document in two formats."""
    return hashlib.sha256(re.sub(r"[\s#*>|_-]+", "", body).encode("utf-8")).hexdigest()


def document_files(folder: Path) -> list[Path]:
    """The document files of ``folder`` (supported suffixes, no hidden or temporary files)."""
    if not folder.is_dir():
        raise KnowledgeError(f"knowledge folder not found: {folder}")
    return [
        p
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in SUFFIXES and p.is_file() and not p.name.startswith((".", "~$"))
    ]


def _too_big(path: Path, max_mb: float | None) -> str:
    """Why ``path`` is over the size limit for one document, or "" when it is not."""
    if max_mb is None:
        return ""
    try:
        size = path.stat().st_size
    except OSError:
        return ""  # read_document says what is wrong with it
    if size <= max_mb * 1024 * 1024:
        return ""
    return (
        f"{path.name}: {size / 1024 / 1024:.1f} MB is over the limit of {max_mb:g} MB for one "
        "document (POLICYBOT_MAX_DOCUMENT_MB); split it or raise the limit"
    )


def scan_documents(
    folder: Path, max_mb: float | None = None
) -> tuple[list[SourceDocument], list[Problem]]:
    """Every readable document of ``folder`` in file-name order, and the files skipped (a file
    over ``max_mb`` is skipped unread: one huge file must not hold up the whole index)."""
    docs: list[SourceDocument] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    texts: dict[str, Path] = {}
    for path in document_files(folder):
        too_big = _too_big(path, max_mb)
        if too_big:
            problems.append(Problem(path.name, too_big))
            continue
        try:
            doc = read_document(path)
        except KnowledgeError as exc:
            problems.append(Problem(path.name, str(exc)))
            continue
        except Exception as exc:  # a library's own error on a malformed file
            problems.append(Problem(path.name, f"{path.name}: cannot be read: {exc!r}"))
            continue
        if doc.meta.id in seen:
            problems.append(
                Problem(
                    path.name,
                    f"{path.name}: id {doc.meta.id!r} already used by {seen[doc.meta.id].name}",
                )
            )
            continue
        same = texts.get(_fingerprint(doc.body))
        if same is not None:
            # The same text saved twice (a .docx and its .pdf): indexed once.
            problems.append(Problem(path.name, f"{path.name}: same text as {same.name}; skipped"))
            continue
        texts[_fingerprint(doc.body)] = path
        seen[doc.meta.id] = path
        docs.append(doc)
    return docs, problems


def load_documents(folder: Path) -> list[SourceDocument]:
    """Every document file in ``folder``, sorted by file name; the first problem raises."""
    docs, problems = scan_documents(folder)
    if problems:
        raise KnowledgeError(problems[0].message)
    return docs
