"""``MemoryVectors``: the ``VectorStore`` surface the retriever uses, held in memory.

What Chroma does for the real index (store the units' vectors, return the nearest by cosine),
over the units of a ``KnowledgeBase`` embedded with any ``Embeddings`` (``HashEmbeddings`` in
tests): no Chroma client, no files. The texts embedded are the ones ingest embeds
(``bot.knowledge.index.embed_text``), so the retriever sees the same units it sees in service.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.knowledge.index import KnowledgeBase, embed_text


class MemoryVectors:
    """Unit vectors of a knowledge base; ``search`` as ``bot.retrieval.vectors.VectorStore``."""

    def __init__(self, kb: KnowledgeBase, embeddings: Embeddings) -> None:
        self.embeddings = embeddings
        articles = kb.article_documents()
        chosen = [(u, embed_text(u, articles)) for u in kb.units]
        kept = [(u, text) for u, text in chosen if text is not None]
        self._ids = [u.id for u, _ in kept]
        self._docs = np.asarray([u.clause.doc_id for u, _ in kept])
        vectors = embeddings.embed_documents([text for _, text in kept])
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(kept), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self._matrix = matrix / np.maximum(norms, 1e-12)

    def count(self) -> int:
        return len(self._ids)

    def warm(self) -> int:
        return len(self._ids)

    def search(
        self,
        query: str,
        k: int,
        doc_ids: Sequence[str] | None = None,
        passages: bool = False,
    ) -> list[tuple[str, float]]:
        """(unit id, cosine similarity) of the ``k`` nearest units, best first (there are no
        passages: a generation whose passages are not built yet)."""
        if k <= 0 or not self._ids:
            return []
        vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        positions = np.arange(len(self._ids))
        if doc_ids is not None:
            positions = positions[np.isin(self._docs, list(doc_ids))]
        scores = self._matrix[positions] @ vector
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self._ids[positions[i]], float(scores[i])) for i in order]
