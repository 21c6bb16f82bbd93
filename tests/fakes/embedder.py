"""``HashEmbeddings``: a deterministic embedder that is a real langchain ``Embeddings``.

Modelled on simonw/llm's ``EmbedDemo`` (a fake model that is a real subclass): each text
becomes the normalised counts of its hashed character n-grams (one to three characters, of
the normalised text), so texts that share words are near and the same text always gets the
same vector, on any machine, without e5, its threads or its load time. Dialogue and
answering tests that need *a* dense signal, not e5's, use it with ``MemoryVectors``.
"""

from __future__ import annotations

import hashlib
import math

from langchain_core.embeddings import Embeddings

from bot.text import normalize

DIMENSIONS = 256


def _bucket(gram: str) -> int:
    # blake2b, not hash(): Python salts str hashes per process
    digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little") % DIMENSIONS


class HashEmbeddings(Embeddings):
    """Hashed character 1-3-grams, L2-normalised; ``calls`` counts texts embedded."""

    model_id = "test/hashed-char-ngrams"

    def __init__(self, dimensions: int = DIMENSIONS, max_n: int = 3) -> None:
        self.dimensions = dimensions
        self.max_n = max_n
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        self.calls += 1
        norm = normalize(text).replace(" ", "")
        vector = [0.0] * self.dimensions
        for n in range(1, self.max_n + 1):
            for start in range(len(norm) - n + 1):
                vector[_bucket(norm[start : start + n]) % self.dimensions] += 1.0 / n
        length = math.sqrt(sum(x * x for x in vector))
        return [x / length for x in vector] if length else vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
