"""Load policy documents from knowledge/documents: text or Markdown with optional YAML front matter.

A document file is ``*.txt`` or ``*.md``. Its metadata comes from a YAML front matter block
(``---`` lines) at the top; every field is optional except that a file without a title gets
the first short line of its text as title and its file name as id. Dropping a new file into
the folder and running ``policybot ingest`` is all it takes to add a document.
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
from bot.text import is_traditional

SUFFIXES = (".txt", ".md", ".markdown")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_ID_CHARS = re.compile(r"[^a-zA-Z0-9._-]+")


@dataclass(frozen=True)
class SourceDocument:
    """A document's metadata, its body text and the hash that decides re-indexing."""

    meta: DocumentMeta
    body: str
    path: Path
    sha256: str


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
    for line in body.splitlines():
        line = line.strip().lstrip("#").strip()
        if line and len(line) <= 80 and not line.endswith(("：", ":", "，", ",")):
            return line
    return ""


def parse_document(path: Path, raw: str) -> SourceDocument:
    """Split front matter from body and build the document's metadata."""
    text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date such as 2025-13-01
            raise KnowledgeError(f"{path.name}: front matter is not valid YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise KnowledgeError(f"{path.name}: front matter must be a mapping of fields")
        fields = loaded
        text = text[match.end() :]
    body = text.strip("\n")
    if not body.strip():
        raise KnowledgeError(f"{path.name}: the document has no text")
    sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    # Ids are ASCII (Chroma metadata, URLs); a Chinese file name keeps what it can and a
    # short content hash makes it unique.
    doc_id = _ID_CHARS.sub("-", str(fields.get("id") or path.stem)).strip("-")
    if not fields.get("id") and (not doc_id or not path.stem.isascii()):
        doc_id = "-".join(p for p in (doc_id, sha[:8]) if p)
    issuers = fields.get("issuers") or []
    if isinstance(issuers, str):
        issuers = [issuers]
    meta = DocumentMeta(
        id=doc_id,
        title=str(fields.get("title") or _first_title_line(body) or path.stem),
        title_en=str(fields.get("title_en") or ""),
        number=str(fields["number"]) if fields.get("number") else None,
        issuers=tuple(str(i) for i in issuers),
        issue_date=_as_date(fields.get("issue_date"), "issue_date", path),
        valid_from=_as_date(fields.get("valid_from"), "valid_from", path),
        valid_until=_as_date(fields.get("valid_until"), "valid_until", path),
        region=str(fields.get("region") or ""),
        script=str(fields.get("script") or ("zh-Hant" if is_traditional(body) else "zh-Hans")),
        interpreter=str(fields["interpreter"]) if fields.get("interpreter") else None,
        source=str(fields.get("source") or path.name),
        aliases=tuple(str(a) for a in (fields.get("aliases") or [])),
    )
    return SourceDocument(meta=meta, body=body, path=path, sha256=sha)


def load_documents(folder: Path) -> list[SourceDocument]:
    """Every document file in ``folder``, sorted by file name; ids must be unique."""
    if not folder.is_dir():
        raise KnowledgeError(f"knowledge folder not found: {folder}")
    docs: list[SourceDocument] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise KnowledgeError(f"{path.name}: not UTF-8 text") from exc
        doc = parse_document(path, raw)
        if doc.meta.id in seen:
            raise KnowledgeError(
                f"{path.name}: id {doc.meta.id!r} already used by {seen[doc.meta.id].name}"
            )
        seen[doc.meta.id] = path
        docs.append(doc)
    return docs
