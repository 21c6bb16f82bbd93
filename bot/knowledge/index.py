"""The knowledge base in memory, and ingest: building a new index generation from knowledge/.

Ingest never touches the index in service. It reads every document file (a file that cannot
be read is reported with its name and line and skipped), parses the clauses, embeds what is
not in the embedding cache yet, writes the vectors, the clauses and a manifest into a new
generation, and only then swaps the ``CURRENT`` pointer (``bot.knowledge.generations``). A
crash or a kill at any point leaves the previous generation serving; unchanged clauses are
never embedded twice, so re-ingesting after one file changed takes seconds.

What is embedded: every clause of an outline document (opinions, plans) as a whole and each
of its sentences; for documents of articles (regulations), one vector per article: the
document's title and the article's own text, up to ``EMBED_CHARS`` characters (most of a
typical article: their median is 111). multilingual-e5-small is cross-lingual, so an English
question can meet a Chinese article by what the article says, with no glossary. The cost is
embedding time, which grows with the characters embedded (about 1,800 a second on two idle
cores): a city's 10,000 articles are 0.9 million characters this way, about nine minutes of a
fresh ingest (extrapolated); every article whole would be 1.7 million, fifteen. BM25
indexes every sentence of every article either way. ``EMBED_VERSION`` names this choice: a generation
embedded otherwise is rebuilt.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.domain import Clause, DocumentMeta, Unit
from bot.errors import KnowledgeError
from bot.knowledge import portable
from bot.knowledge.documents import Problem, SourceDocument, document_files, scan_documents
from bot.knowledge.embed_cache import EmbeddingCache
from bot.knowledge.generations import KB_FILE, MANIFEST, PORTABLE_FILE, Generations
from bot.knowledge.parse import PARSER_VERSION, split_clauses, units_of
from bot.knowledge.versions import with_repeals, with_versions
from bot.text import normalize

EMBED_CHARS = 96
EMBED_VERSION = "article-title-text-96"
EMBED_BATCH = 48


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
        return cls.build({s.meta.id: s.meta for s in sources}, clauses)

    @classmethod
    def build(
        cls, documents: dict[str, DocumentMeta], clauses: tuple[Clause, ...]
    ) -> KnowledgeBase:
        documents = with_repeals(with_versions(documents), clauses)
        by_key: dict[str, Clause] = {}
        for clause in clauses:
            if clause.key in by_key:  # the parser makes keys unique; this guards the index
                raise KnowledgeError(f"{clause.doc_id}: two clauses share the key {clause.key}")
            by_key[clause.key] = clause
        return cls(
            documents=documents,
            clauses=clauses,
            units=tuple(u for c in clauses for u in units_of(c)),
            by_key=by_key,
        )

    def units_of(self, doc_id: str) -> list[Unit]:
        return [u for u in self.units if u.clause.doc_id == doc_id]

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.doc_id == doc_id]

    def article_documents(self) -> frozenset[str]:
        return frozenset(c.doc_id for c in self.clauses if c.kind == "article")


@dataclass(frozen=True)
class IngestReport:
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    units_written: int = 0  # texts embedded in this run (cache misses)
    units_cached: int = 0  # vectors taken from the embedding cache
    problems: tuple[Problem, ...] = ()
    generation: str = ""
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


# Progress: (stage, done, total, seconds left or None)
Progress = Callable[[str, int, int, float | None], None]


def fingerprint(source: SourceDocument, embedder_id: str) -> str:
    return f"{source.sha256}:{PARSER_VERSION}:{embedder_id}:{EMBED_VERSION}"


def folder_signature(folder: Path) -> list[list[Any]]:
    """Name, size and modification time of every document file: cheap to compare at start-up."""
    out: list[list[Any]] = []
    for path in document_files(folder):
        stat = path.stat()
        out.append([path.name, stat.st_size, stat.st_mtime_ns])
    return out


def embed_text(unit: Unit, article_docs: frozenset[str]) -> str | None:
    """The text embedded for ``unit``, or None when the unit is keyword-indexed only.

    Outline documents: every unit. Documents of articles: each article once (its first part
    when the parser split a long one), as "title text": the title tells e5 what a terse
    article is about ("违反本条例第十二条规定的…" of a regulation on dogs)."""
    if unit.clause.doc_id not in article_docs:
        return unit.text
    if not unit.id.endswith("#0") or unit.clause.part > 1:
        return None
    clause = unit.clause
    if clause.kind == "header":
        return unit.text[:EMBED_CHARS]
    return normalize(f"{clause.doc_title} {clause.text}")[:EMBED_CHARS]


def load_generation(gens: Generations, name: str) -> tuple[KnowledgeBase, dict[str, Any]]:
    """The knowledge base and manifest of a complete generation; a shared one is mirrored
    first, and its portable clause table decoded once into the local ``kb.pickle``."""
    gens.ensure_local(name)
    folder = gens.path(name)
    if not (folder / KB_FILE).is_file() and (folder / PORTABLE_FILE).is_file():
        documents, clauses, units = portable.decode((folder / PORTABLE_FILE).read_bytes())
        by_key = {c.key: c for c in clauses}
        _write_pickle(folder / KB_FILE, KnowledgeBase(documents, clauses, units, by_key))
    with open(folder / KB_FILE, "rb") as handle:
        kb = pickle.load(handle)
    if not isinstance(kb, KnowledgeBase):
        raise KnowledgeError(f"index generation {name} is not a knowledge base")
    return kb, gens.manifest(name)


def parse_sources(
    sources: Sequence[SourceDocument],
) -> tuple[list[SourceDocument], list[Clause], list[Problem]]:
    """Clauses of every document; a document the parser chokes on is reported and skipped."""
    kept: list[SourceDocument] = []
    clauses: list[Clause] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            got = split_clauses(source.meta, source.body)
        except Exception as exc:  # a parser bug must not take the others down
            problems.append(Problem(source.path.name, f"{source.path.name}: cannot parse: {exc!r}"))
            continue
        if not got:
            problems.append(Problem(source.path.name, f"{source.path.name}: no clause found"))
            continue
        kept.append(source)
        clauses.extend(got)
    return kept, clauses, problems


def build_generation(
    folder: Path,
    gens: Generations,
    embeddings: Embeddings,
    embedder_id: str,
    cache: EmbeddingCache,
    open_store: Callable[[Path, str], Any],
    drop_store: Callable[[str], None] = lambda name: None,
    progress: Progress | None = None,
    force: bool = False,
    max_mb: float | None = None,
) -> IngestReport:
    """Build a new index generation from ``folder`` and publish it; returns what changed.

    Nothing is published when the documents are the same as the current generation's
    (unless ``force``). ``open_store(directory, generation)`` opens the new generation's
    vector store. A file over ``max_mb`` is skipped as a problem.
    """
    start = time.monotonic()
    with gens.lock():
        scan = _scan(folder, max_mb, embedder_id)
        current = gens.current()
        before: dict[str, str] = {}
        if current is not None:
            manifest = gens.manifest(current)
            before = dict(manifest.get("documents", {}))
            # Vectors chosen or cut otherwise by an earlier release: every document again.
            force = force or manifest.get("embedding") != EMBED_VERSION
        added, replaced, unchanged, removed = _changes(before, scan.prints)
        if current is not None and not force and not (added or replaced or removed):
            # Same documents: record the folder's new signature so start-up stays cheap.
            _rewrite_manifest(gens, current, scan.signature, scan.problems)
            return IngestReport(
                unchanged=unchanged,
                problems=tuple(scan.problems),
                generation=current,
                seconds=time.monotonic() - start,
            )
        name, embedded, cached = _new_generation(
            gens, scan, embeddings, embedder_id, cache, open_store, progress, start
        )
        gens.publish(name)
        for old in gens.stale():
            drop_store(old)
            gens.remove(old)
        return IngestReport(
            added=added,
            replaced=replaced,
            unchanged=unchanged,
            removed=removed,
            units_written=embedded,
            units_cached=cached,
            problems=tuple(scan.problems),
            generation=name,
            seconds=time.monotonic() - start,
        )


@dataclass(frozen=True)
class _Scan:
    """The documents folder as read for one ingest."""

    signature: list[list[Any]]
    sources: list[SourceDocument]
    clauses: list[Clause]
    problems: list[Problem]
    prints: dict[str, str]  # document id -> fingerprint


def _scan(folder: Path, max_mb: float | None, embedder_id: str) -> _Scan:
    signature = folder_signature(folder)
    scanned, problems = scan_documents(folder, max_mb)
    sources, clauses, parse_problems = parse_sources(scanned)
    prints = {s.meta.id: fingerprint(s, embedder_id) for s in sources}
    return _Scan(signature, sources, clauses, problems + parse_problems, prints)


def _new_generation(
    gens: Generations,
    scan: _Scan,
    embeddings: Embeddings,
    embedder_id: str,
    cache: EmbeddingCache,
    open_store: Callable[[Path, str], Any],
    progress: Progress | None,
    start: float,
) -> tuple[str, int, int]:
    """A new generation written beside the others (not yet published): its name, with how
    many texts were embedded and how many vectors came from the cache."""
    kb = KnowledgeBase.build({s.meta.id: s.meta for s in scan.sources}, tuple(scan.clauses))
    name = gens.new_name()
    folder_path = gens.path(name)
    folder_path.mkdir(parents=True, exist_ok=False)
    units, keys, vectors, embedded, cached = _vectors(kb, embeddings, cache, progress)
    store = open_store(folder_path, name)
    store.add_vectors(units, [vectors[k] for k in keys], {"generation": name})
    if progress is not None:
        progress("store", len(units), len(units), 0.0)
    _write_knowledge(folder_path, kb, portable_too=gens.remote is not None)
    manifest = {
        **_identity(name, embedder_id, scan.signature),
        "documents": scan.prints,
        "files": {s.meta.id: s.path.name for s in scan.sources},
        "problems": [[p.file, p.message] for p in scan.problems],
        "units": len(kb.units),
        "vectors": len(units),
        "seconds": round(time.monotonic() - start, 3),  # the ingest's duration (metrics)
    }
    _write_json(folder_path / MANIFEST, manifest)
    return name, embedded, cached


def _write_knowledge(folder: Path, kb: KnowledgeBase, portable_too: bool) -> None:
    """The generation's knowledge base (pickle, read by this machine), and with a shared
    index the portable form other machines load (they never unpickle)."""
    _write_pickle(folder / KB_FILE, kb)
    if portable_too:
        (folder / PORTABLE_FILE).write_bytes(portable.encode(kb.documents, kb.clauses, kb.units))


def _identity(name: str, embedder_id: str, signature: list[list[Any]]) -> dict[str, Any]:
    """What a generation's manifest says it is: made when, by which embedder, parser and
    vector choice, from which state of the documents folder."""
    return {
        "generation": name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedder": embedder_id,
        "embedding": EMBED_VERSION,
        "parser": PARSER_VERSION,
        "signature": signature,
    }


def _changes(
    before: dict[str, str], prints: dict[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Documents added, replaced, unchanged and removed, by their fingerprints."""
    added = tuple(d for d in prints if d not in before)
    replaced = tuple(d for d in prints if d in before and before[d] != prints[d])
    unchanged = tuple(d for d in prints if before.get(d) == prints[d])
    return added, replaced, unchanged, tuple(sorted(set(before) - set(prints)))


def _vectors(
    kb: KnowledgeBase,
    embeddings: Embeddings,
    cache: EmbeddingCache,
    progress: Progress | None,
) -> tuple[list[Unit], list[str], dict[str, list[float]], int, int]:
    """The units that get a vector, their cache keys and the vectors by key (from the cache,
    the missing ones embedded shortest first and cached); with how many were embedded and
    how many came from the cache."""
    articles = kb.article_documents()
    chosen = [(u, t) for u in kb.units if (t := embed_text(u, articles)) is not None]
    keys, vectors, embedded, cached = embed_through_cache(
        [t for _, t in chosen], embeddings, cache, progress, "embed"
    )
    return [u for u, _ in chosen], keys, vectors, embedded, cached


def embed_through_cache(
    texts: Sequence[str],
    embeddings: Embeddings,
    cache: EmbeddingCache,
    progress: Progress | None,
    stage: str,
) -> tuple[list[str], dict[str, list[float]], int, int]:
    """The cache keys of ``texts`` and their vectors by key: from the cache, the missing ones
    embedded shortest first (``stage`` of the progress) and cached batch by batch; with how
    many were embedded and how many came from the cache."""
    keys = [cache.key(t) for t in texts]
    vectors = cache.get_many(keys)
    cached = sum(1 for k in set(keys) if k in vectors)
    missing = sorted(
        {k: t for t, k in zip(texts, keys, strict=True) if k not in vectors}.items(),
        key=lambda kt: len(kt[1]),
    )
    embedded = 0
    t0 = time.monotonic()
    for i in range(0, len(missing), EMBED_BATCH):
        batch = missing[i : i + EMBED_BATCH]
        got = embeddings.embed_documents([t for _, t in batch])
        cache.put_many([(k, v) for (k, _), v in zip(batch, got, strict=True)])
        vectors.update({k: list(v) for (k, _), v in zip(batch, got, strict=True)})
        embedded += len(batch)
        if progress is not None:
            rate = embedded / max(time.monotonic() - t0, 1e-6)
            progress(stage, embedded, len(missing), (len(missing) - embedded) / rate)
    return keys, vectors, embedded, cached


def is_current(gens: Generations, folder: Path, embedder_id: str) -> bool:
    """True when the generation in service was built from the folder as it is now."""
    current = gens.current()
    if current is None:
        return False
    manifest = gens.manifest(current)
    return (
        manifest.get("embedder") == embedder_id
        and manifest.get("embedding") == EMBED_VERSION
        and manifest.get("parser") == PARSER_VERSION
        and manifest.get("signature") == folder_signature(folder)
    )


def _rewrite_manifest(
    gens: Generations, name: str, signature: list[list[Any]], problems: list[Problem]
) -> None:
    manifest = gens.manifest(name)
    manifest["signature"] = signature
    manifest["problems"] = [[p.file, p.message] for p in problems]
    _write_json(gens.path(name) / MANIFEST, manifest)


def _write_pickle(path: Path, kb: KnowledgeBase) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
