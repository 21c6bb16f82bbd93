"""A generation's clause table in a portable form: zlib-compressed JSON, no pickle.

On a Chroma server (``POLICYBOT_CHROMA_HOST``) a generation travels to every worker, on any
machine: the vectors in its collection, and this payload (documents, clauses and the retrieval
units that BM25 and the vectors are built over) beside it. JSON rather than the local
``kb.pickle``: a worker never unpickles bytes it read from the network (a pickle runs code), and
the format does not depend on the Python that wrote it. A worker decodes it once and keeps the
knowledge base in its own data directory as the usual local generation.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from datetime import date
from typing import Any

from bot.domain import Clause, DocumentMeta, Unit
from bot.errors import KnowledgeError

FORMAT = 1
_DATES = frozenset({"issue_date", "valid_from", "valid_until"})


def encode(
    documents: dict[str, DocumentMeta], clauses: tuple[Clause, ...], units: tuple[Unit, ...]
) -> bytes:
    """The payload of one generation's knowledge base."""
    data = {
        "format": FORMAT,
        "documents": [_plain(meta) for meta in documents.values()],
        "clauses": [_plain(clause) for clause in clauses],
        "units": [[u.id, u.clause.key, u.text] for u in units],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def decode(
    payload: bytes,
) -> tuple[dict[str, DocumentMeta], tuple[Clause, ...], tuple[Unit, ...]]:
    """Documents, clauses and units back from ``encode``'s bytes (KnowledgeError if damaged)."""
    try:
        data = json.loads(zlib.decompress(payload).decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(
                f"unknown format {data.get('format') if isinstance(data, dict) else data!r}"
            )
        documents = {d["id"]: DocumentMeta(**_typed(d)) for d in data["documents"]}
        clauses = tuple(Clause(**_typed(c)) for c in data["clauses"])
        by_key = {c.key: c for c in clauses}
        units = tuple(Unit(uid, by_key[key], text) for uid, key, text in data["units"])
    except (zlib.error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise KnowledgeError(f"the shared index payload cannot be read: {exc}") from exc
    return documents, clauses, units


def _plain(value: DocumentMeta | Clause) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        out[f.name] = item.isoformat() if isinstance(item, date) else item
    return out


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    """JSON lists back to tuples, ISO dates back to dates."""
    out: dict[str, Any] = {}
    for key, item in data.items():
        if isinstance(item, list):
            item = tuple(item)
        elif key in _DATES and isinstance(item, str):
            item = date.fromisoformat(item)
        out[key] = item
    return out
