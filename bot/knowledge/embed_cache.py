"""Embeddings cached by content hash, so an unchanged text is never embedded twice.

One SQLite table in the data dir: key = sha256(model id, text), value = the float32 vector.
Each batch is committed as soon as it is embedded, so an ingest that is killed keeps what it
had computed, and the next run starts where it stopped.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np


def text_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors by text hash for one embedding model."""

    def __init__(self, path: Path, model_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        self._model_id = model_id

    def key(self, text: str) -> str:
        return text_key(self._model_id, text)

    def get_many(self, keys: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, list[float]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
            ):
                found[str(key)] = np.frombuffer(blob, dtype=np.float32).astype(float).tolist()
        return found

    def put_many(self, items: Sequence[tuple[str, Sequence[float]]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        self._db.close()
