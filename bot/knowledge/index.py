"""The knowledge base in memory, and ingest: keeping the vector index in step with knowledge/.

Ingest is idempotent. Each stored clause carries a fingerprint of its document (content
hash, parser version, embedder): a document whose fingerprint matches is skipped, a changed
one is replaced, a removed one is deleted. The same check runs at start-up, so the index is
built on first use and never serves clauses of an older text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.domain import Clause, DocumentMeta, Unit
from bot.knowledge.documents import SourceDocument
from bot.knowledge.parse import PARSER_VERSION, split_clauses, units_of
from bot.retrieval.vectors import VectorStore


@dataclass(frozen=True)
class KnowledgeBase:
    """Every document's metadata and every clause, in document order."""

    documents: dict[str, DocumentMeta]
    clauses: tuple[Clause, ...]
    units: tuple[Unit, ...] = ()
    by_key: dict[str, Clause] = field(default_factory=dict)

    @classmethod
    def from_sources(cls, sources: Sequence[SourceDocument]) -> KnowledgeBase:
        clauses = tuple(c for s in sources for c in split_clauses(s.meta, s.body))
        return cls(
            documents={s.meta.id: s.meta for s in sources},
            clauses=clauses,
            units=tuple(u for c in clauses for u in units_of(c)),
            by_key={c.key: c for c in clauses},
        )

    def units_of(self, doc_id: str) -> list[Unit]:
        return [u for u in self.units if u.clause.doc_id == doc_id]


@dataclass(frozen=True)
class IngestReport:
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    units_written: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def fingerprint(source: SourceDocument, embedder_id: str) -> str:
    return f"{source.sha256}:{PARSER_VERSION}:{embedder_id}"


def ingest(
    sources: Sequence[SourceDocument],
    kb: KnowledgeBase,
    store: VectorStore,
    embedder_id: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> IngestReport:
    """Bring the vector index in line with ``sources``; ``progress(doc_id, done, total)``."""
    indexed = store.indexed()
    stored_ids: dict[str, list[str]] = {}
    stored_prints: dict[str, set[str]] = {}
    for key, meta in indexed.items():
        doc_id = str(meta.get("doc_id", ""))
        stored_ids.setdefault(doc_id, []).append(key)
        stored_prints.setdefault(doc_id, set()).add(str(meta.get("fingerprint", "")))

    added: list[str] = []
    replaced: list[str] = []
    unchanged: list[str] = []
    written = 0
    for number, source in enumerate(sources, start=1):
        doc_id = source.meta.id
        units = kb.units_of(doc_id)
        print_ = fingerprint(source, embedder_id)
        current = stored_ids.get(doc_id, [])
        if stored_prints.get(doc_id) == {print_} and sorted(current) == sorted(u.id for u in units):
            unchanged.append(doc_id)
        else:
            (replaced if current else added).append(doc_id)
            store.delete(current)
            store.add_units(units, {"fingerprint": print_})
            written += len(units)
        if progress is not None:
            progress(doc_id, number, len(sources))

    removed = sorted(set(stored_ids) - {s.meta.id for s in sources})
    for doc_id in removed:
        store.delete(stored_ids[doc_id])
    return IngestReport(tuple(added), tuple(replaced), tuple(unchanged), tuple(removed), written)
