"""The Chroma vector store: embedded PersistentClient by default, HttpClient when configured.

Every write and every query passes vectors computed by our own embedder. Chroma must never
embed text itself: it would download its default model, so the collection is opened with no
embedding function and every write sends vectors. (The collection is used directly, not
through langchain's ``Chroma`` wrapper: importing that wrapper pulled in langchain's tracers
and langsmith, about 0.3 s of every ``policybot ask``, for nothing the search uses.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import Embeddings

from bot.config import Settings
from bot.domain import Unit
from bot.errors import ServiceError


def make_client(settings: Settings, path: Path | None = None) -> Any:
    """A Chroma client: a server when ``chroma_host`` is set, else on disk at ``path`` (by
    default the data dir's ``chroma``)."""
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
    settings: Settings, folder: Path, generation: str, embeddings: Embeddings
) -> VectorStore:
    """The vector store of one index generation (``folder`` is the generation's directory)."""
    client = make_client(settings, folder / "chroma")
    return VectorStore(client, generation_collection(settings, generation), embeddings)


def drop_generation(settings: Settings, generation: str) -> None:
    """Remove a generation's collection from a Chroma server (embedded: its folder goes)."""
    if not settings.chroma_host:
        return
    with contextlib.suppress(Exception):  # already gone, or the server is away: not fatal
        make_client(settings).delete_collection(generation_collection(settings, generation))


class VectorStore:
    """Clause vectors in one Chroma collection (cosine distance)."""

    def __init__(self, client: Any, collection: str, embeddings: Embeddings) -> None:
        self.embeddings = embeddings
        self._collection = client.get_or_create_collection(
            name=collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._memory: tuple[list[str], np.ndarray, dict[str, np.ndarray]] | None = None

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
        self, query: str, k: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(unit id, cosine similarity) for the ``k`` nearest retrieval units, best first;
        ``doc_ids`` limits the search to the units of those documents.

        Searches run over the collection's vectors held in memory (read once from Chroma,
        which stays the store of record): a filtered Chroma query took 20 ms, a matrix
        product over a city's 11,000 vectors takes about one.
        """
        if k <= 0:
            return []
        vector = self.embeddings.embed_query(query)
        ids, matrix, rows = self._loaded()
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

    def warm(self) -> int:
        """Read the vectors into memory now (at start-up), not at the first question."""
        return len(self._loaded()[0])

    def _loaded(self) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
        if self._memory is None:
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
            by_doc: dict[str, list[int]] = {}
            for row, meta in enumerate(metas):
                by_doc.setdefault(str((meta or {}).get("doc_id", "")), []).append(row)
            rows = {d: np.asarray(r, dtype=np.int64) for d, r in by_doc.items()}
            self._memory = (ids, matrix, rows)
        return self._memory
