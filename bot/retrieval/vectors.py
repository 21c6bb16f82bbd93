"""The Chroma vector store: embedded PersistentClient by default, HttpClient when configured.

Every write and every query passes vectors computed by our own embedder. Chroma must never
embed text itself: it would download its default model, so the collection is opened with no
embedding function and every write sends vectors. (The collection is used directly, not
through langchain's ``Chroma`` wrapper: importing that wrapper pulled in langchain's tracers
and langsmith, about 0.3 s of every ``policybot ask``, for nothing the search uses.)

Searches run over the vectors held in memory. An embedded generation keeps them beside it as
well (``vectors.npz``, written the first time they are read from Chroma, trusted only when it
holds as many vectors as the generation's manifest says were stored), so that a process that
only serves never opens Chroma: importing chromadb and opening the client were about 0.8 s of
a cold ``policybot ask``. Chroma stays the store of record; a generation is never written
after it is published, but for its passages (``bot.knowledge.passages``), added beside it once
they are embedded (on a shared index, to its files on the server, fetched by every worker) and
searched with the clauses' own vectors.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.config import Settings
from bot.domain import Unit
from bot.errors import ServiceError
from bot.knowledge.generations import MANIFEST
from bot.knowledge.passages import PASSAGES, read_passages
from bot.knowledge.vector_files import Kept, read_vectors, write_atomically, write_vectors

KEPT_VECTORS = "vectors.npz"
PASSAGES_LOOK = 10.0  # seconds between looks for the passages of a generation that has none yet
_log = logging.getLogger(__name__)
# ids, the normalised matrix, and each row's document: what a search needs.
_Memory = tuple[list[str], np.ndarray, dict[str, np.ndarray]]


def make_client(settings: Settings, path: Path | None = None) -> Any:
    """A Chroma client: a server when ``chroma_host`` is set, else on disk at ``path`` (by
    default the data dir's ``chroma``)."""
    import chromadb  # deferred: half a second to import, and serving may not need it
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        folder = path or settings.chroma_dir
        folder.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as exc:  # chromadb raises many kinds; the operator needs the cause
        raise ServiceError(f"cannot open the Chroma vector store: {exc}") from exc


def generation_collection(settings: Settings, generation: str) -> str:
    """The collection of an index generation: on a server each generation has its own;
    embedded, each generation has its own directory and the configured name."""
    return (
        f"{settings.chroma_collection}-{generation}"
        if settings.chroma_host
        else (settings.chroma_collection)
    )


def open_generation(
    settings: Settings,
    folder: Path,
    generation: str,
    embeddings: Embeddings,
    fetch_passages: Callable[[], bytes | None] | None = None,
) -> VectorStore:
    """The vector store of one index generation (``folder`` is the generation's directory, or
    its local mirror of a shared one); Chroma is opened when first needed. An embedded
    generation keeps its vectors beside it; a shared one's passages are fetched from the
    server (``fetch_passages``) into the mirror once they are there."""
    return VectorStore(
        lambda: make_client(settings, folder / "chroma"),
        generation_collection(settings, generation),
        embeddings,
        kept=None if settings.chroma_host else folder,
        passages_dir=folder,
        fetch_passages=fetch_passages,
    )


def drop_generation(settings: Settings, generation: str) -> None:
    """Remove a generation's collection from a Chroma server (embedded: its folder goes)."""
    if not settings.chroma_host:
        return
    with contextlib.suppress(Exception):  # already gone, or the server is away: not fatal
        make_client(settings).delete_collection(generation_collection(settings, generation))


class VectorStore:
    """Clause vectors in one Chroma collection (cosine distance)."""

    def __init__(
        self,
        connect: Callable[[], Any],
        collection: str,
        embeddings: Embeddings,
        kept: Path | None = None,
        passages_dir: Path | None = None,
        fetch_passages: Callable[[], bytes | None] | None = None,
    ) -> None:
        """``connect`` makes the Chroma client; ``kept`` is the generation's folder, where its
        vectors are kept beside it (None: always read them from Chroma); ``passages_dir``
        where its passages are looked for (default ``kept``), ``fetch_passages`` brings
        them there from a shared index (None while the server has none)."""
        self.embeddings = embeddings
        self._connect = connect
        self._name = collection
        self._kept = kept
        self._passages_dir = passages_dir or kept
        self._fetch_passages = fetch_passages
        self._opened: Any = None
        self._memory: _Memory | None = None
        self._with_passages: _Memory | None = None  # the vectors and the passages together
        self._passages_looked = -PASSAGES_LOOK

    @property
    def _collection(self) -> Any:
        if self._opened is None:
            self._opened = self._connect().get_or_create_collection(
                name=self._name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        return self._opened

    def indexed(self) -> dict[str, dict[str, Any]]:
        """Every stored record's metadata, by id."""
        got = self._collection.get(include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"] or [], strict=False)}

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self._collection.delete(ids=list(ids))

    def add_units(self, units: Sequence[Unit], extra: dict[str, Any]) -> None:
        """Embed and store retrieval units; ``extra`` metadata (the document fingerprint) on each."""
        if not units:
            return
        texts = [u.text for u in units]
        self._collection.upsert(
            ids=[u.id for u in units],
            embeddings=np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32),
            documents=texts,
            metadatas=[
                {
                    "clause_key": u.clause.key,
                    "doc_id": u.clause.doc_id,
                    "section": u.clause.section,
                    "clause": u.clause.clause,
                    "kind": u.clause.kind,
                    "text": u.clause.text,
                    "responsible": "、".join(u.clause.responsible),
                    **extra,
                }
                for u in units
            ],
        )

    def add_vectors(
        self, units: Sequence[Unit], vectors: Sequence[Sequence[float]], extra: dict[str, Any]
    ) -> None:
        """Store units with vectors computed (or cached) by us: Chroma embeds nothing."""
        for start in range(0, len(units), 1000):
            chunk = units[start : start + 1000]
            self._collection.upsert(
                ids=[u.id for u in chunk],
                embeddings=np.asarray(vectors[start : start + 1000], dtype=np.float32),
                documents=[u.text for u in chunk],
                metadatas=[
                    {
                        "clause_key": u.clause.key,
                        "doc_id": u.clause.doc_id,
                        "kind": u.clause.kind,
                        **extra,
                    }
                    for u in chunk
                ],
            )

    def count(self) -> int:
        return int(self._collection.count())

    def search(
        self,
        query: str,
        k: int,
        doc_ids: Sequence[str] | None = None,
        passages: bool = False,
    ) -> list[tuple[str, float]]:
        """(unit id, cosine similarity) for the ``k`` nearest retrieval units, best first;
        ``doc_ids`` limits the search to the units of those documents; with ``passages`` the
        generation's passages are searched too, once they are there ("<clause key>#p2").

        Searches run over the collection's vectors held in memory (read once, from the copy
        kept beside the generation or from Chroma, the store of record): a filtered Chroma
        query took 20 ms, a matrix product over a city's 11,000 vectors takes about one.
        """
        if k <= 0:
            return []
        vector = self.embeddings.embed_query(query)
        ids, matrix, rows = (passages and self._passages()) or self._loaded()
        if not ids:
            return []
        query_vector = np.asarray(vector, dtype=np.float32)
        if doc_ids is not None:
            parts = [rows[d] for d in doc_ids if d in rows]
            if not parts:
                return []
            allowed = np.concatenate(parts)
            scores = matrix[allowed] @ query_vector
            positions = allowed
        else:
            scores = matrix @ query_vector
            positions = np.arange(len(ids))
        if len(scores) > k:
            best = np.argpartition(-scores, k - 1)[:k]
            best = best[np.argsort(-scores[best], kind="stable")]
        else:
            best = np.argsort(-scores, kind="stable")
        return [(ids[positions[i]], float(scores[i])) for i in best]

    def _passages(self) -> _Memory | None:
        """The vectors with the generation's passages, when they have been built (looked for
        every ``PASSAGES_LOOK`` seconds until they are; a server's generations have none)."""
        if self._with_passages is not None or self._passages_dir is None:
            return self._with_passages
        now = time.monotonic()
        if now - self._passages_looked < PASSAGES_LOOK:
            return None
        self._passages_looked = now
        found = read_passages(self._passages_dir)
        if found is None and self._fetch_passages is not None:
            found = self._fetched(self._passages_dir, self._fetch_passages)
        if found is None:
            return None
        ids, matrix, rows = self._loaded()
        more_ids, more, docs = found
        self._with_passages = (
            ids + more_ids,
            np.concatenate([matrix, more]) if len(ids) else more,
            _rows_by_doc(_docs_of(rows, len(ids)) + docs),
        )
        _log.info("searching %d passages beside %d vectors", len(more_ids), len(ids))
        return self._with_passages

    @staticmethod
    def _fetched(folder: Path, fetch: Callable[[], bytes | None]) -> Kept | None:
        """A shared generation's passages, brought from the server into its local mirror."""
        try:
            data = fetch()
            if data is None:
                return None
            write_atomically(folder / PASSAGES, data)
        except Exception as exc:  # the server away, a full disk: served without, looked again
            _log.warning("cannot fetch the passages of %s yet: %s", folder.name, exc)
            return None
        return read_passages(folder)

    def warm(self) -> int:
        """Read the vectors into memory now (at start-up), not at the first question."""
        return len(self._loaded()[0])

    def _loaded(self) -> _Memory:
        if self._memory is None:
            stored = self._stored_count()
            kept = _read_kept(self._kept, stored)
            if kept is None:
                kept = self._read_chroma()
                if self._kept is not None and stored is not None and len(kept[0]) == stored:
                    _keep(self._kept, kept)
            self._memory = kept
        return self._memory

    def _stored_count(self) -> int | None:
        """How many vectors the generation's manifest says were stored (None: unknown)."""
        if self._kept is None:
            return None
        try:
            count = json.loads((self._kept / MANIFEST).read_text(encoding="utf-8"))["vectors"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return count if isinstance(count, int) else None

    def _read_chroma(self) -> _Memory:
        # Read in pages: one call for a city's vectors builds a large transient list.
        ids: list[str] = []
        blocks: list[np.ndarray] = []
        metas: list[Any] = []
        total = self._collection.count()
        for offset in range(0, total, 2000):
            got = self._collection.get(
                include=["embeddings", "metadatas"], limit=2000, offset=offset
            )
            ids.extend(str(i) for i in got["ids"])
            if got["embeddings"] is not None and len(got["ids"]):
                blocks.append(np.asarray(got["embeddings"], dtype=np.float32))
            metas.extend(got["metadatas"] or [])
        matrix = np.concatenate(blocks) if blocks else np.zeros((0, 384), dtype=np.float32)
        if len(ids):
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = matrix / np.maximum(norms, 1e-12)
        docs = [str((meta or {}).get("doc_id", "")) for meta in metas]
        return ids, matrix, _rows_by_doc(docs)


def _rows_by_doc(docs: Sequence[str]) -> dict[str, np.ndarray]:
    by_doc: dict[str, list[int]] = {}
    for row, doc in enumerate(docs):
        by_doc.setdefault(doc, []).append(row)
    return {d: np.asarray(r, dtype=np.int64) for d, r in by_doc.items()}


def _docs_of(rows: dict[str, np.ndarray], count: int) -> list[str]:
    """Each row's document (the inverse of ``_rows_by_doc``)."""
    docs = [""] * count
    for doc, positions in rows.items():
        for row in positions:
            docs[int(row)] = doc
    return docs


def _read_kept(folder: Path | None, stored: int | None) -> _Memory | None:
    """The vectors kept beside the generation, when there are as many as were stored."""
    if folder is None or stored is None:
        return None
    kept = read_vectors(folder / KEPT_VECTORS)
    if kept is None or len(kept[0]) != stored:
        return None
    ids, matrix, docs = kept
    return ids, matrix, _rows_by_doc(docs)


def _keep(folder: Path, memory: _Memory) -> None:
    """Write the vectors beside the generation (a read-only folder keeps none)."""
    ids, matrix, rows = memory
    try:
        write_vectors(folder / KEPT_VECTORS, ids, matrix, _docs_of(rows, len(ids)))
    except OSError as exc:
        _log.debug("cannot keep the vectors beside %s: %s", folder, exc)
