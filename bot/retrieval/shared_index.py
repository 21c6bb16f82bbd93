"""The shared index on a Chroma server: the generations' files and the pointer to the current one.

With ``POLICYBOT_CHROMA_HOST`` every worker, on any machine, reads the same Chroma server. A
generation there is three things:

    <collection>-<generation>         its vectors (``bot.retrieval.vectors``)
    <collection>-files-<generation>   its manifest and portable clause table, in chunks, and
                                      its passages once built (``bot.knowledge.passages``)
    <collection>-pointer              one record: the current generation and the previous one

``policybot ingest`` uploads the files, then moves the pointer (one upsert), so a worker that
reads the pointer finds a complete generation. A worker polls the pointer (one small request
every few seconds) and loads a new generation aside before it swaps it in. The files are kept
in Chroma rather than in the database so the index needs one server, and a generation's
vectors and clauses cannot drift apart. Chroma stores documents, not bytes: chunks are base64
with a one-number placeholder vector (Chroma is never asked to embed anything).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import time
from typing import Any

from bot.errors import ServiceError

CHUNK_BYTES = 256 * 1024
BATCH = 8  # chunks per request: about 2.7 MB of base64
_PLACEHOLDER = [1.0]
_GENERATION = r"g\d{8}T\d{6}-\d{9}"


class ChromaGenerations:
    """The ``Remote`` of ``bot.knowledge.generations`` on a Chroma server."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._names = re.compile(rf"^{re.escape(prefix)}-(?:files-)?({_GENERATION})$")

    def pointer(self) -> tuple[str | None, str | None]:
        got = self._call(
            lambda: self._collection(f"{self._prefix}-pointer").get(
                ids=["current"], include=["metadatas"]
            )
        )
        metas = got.get("metadatas") or []
        if not metas or not metas[0]:
            return None, None
        meta = metas[0]
        current, previous = meta.get("generation"), meta.get("previous")
        return (
            str(current) if current else None,
            str(previous) if previous else None,
        )

    def point(self, name: str) -> None:
        current, _ = self.pointer()
        meta = {"generation": name, "previous": current or "", "at": time.time()}
        self._call(
            lambda: self._collection(f"{self._prefix}-pointer").upsert(
                ids=["current"], embeddings=[_PLACEHOLDER], documents=[name], metadatas=[meta]
            )
        )

    def upload(self, name: str, files: dict[str, bytes]) -> None:
        ids: list[str] = []
        documents: list[str] = []
        metas: list[dict[str, Any]] = []
        for file_name, data in files.items():
            parts = max(1, -(-len(data) // CHUNK_BYTES))
            digest = hashlib.sha256(data).hexdigest()
            for part in range(parts):
                chunk = data[part * CHUNK_BYTES : (part + 1) * CHUNK_BYTES]
                ids.append(f"{file_name}#{part:05d}")
                documents.append(base64.b64encode(chunk).decode("ascii"))
                metas.append({"file": file_name, "part": part, "parts": parts, "sha256": digest})
        collection = self._call(lambda: self._collection(self._files(name)))
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            self._call(
                lambda s=start, e=end: collection.upsert(
                    ids=ids[s:e],
                    embeddings=[_PLACEHOLDER] * len(ids[s:e]),
                    documents=documents[s:e],
                    metadatas=metas[s:e],
                )
            )

    def download(self, name: str) -> dict[str, bytes]:
        """The generation's complete files; one still being added (its passages, uploaded
        after it was published) is left out, and which ones it needs is the caller's to say
        (``Generations.ensure_local``)."""
        collection = self._call(lambda: self._collection(self._files(name)))
        files = {f: data for f, data in self._read_files(collection).items() if data is not None}
        if not files:
            raise ServiceError(f"index generation {name} has no files on the Chroma server")
        return files

    def fetch(self, name: str, file_name: str) -> bytes | None:
        collection = self._existing(self._files(name))
        if collection is None:
            return None
        return self._read_files(collection, {"file": file_name}).get(file_name)

    def _read_files(
        self, collection: Any, where: dict[str, str] | None = None
    ) -> dict[str, bytes | None]:
        """The files of a files collection (those ``where`` selects), put together from their
        chunks, a batch of chunks per request; None for a file whose chunks do not add up to
        its digest (incomplete on the server)."""
        chunks: dict[str, dict[int, bytes]] = {}
        expected: dict[str, tuple[int, str]] = {}
        offset = 0
        while True:
            got = self._call(
                lambda o=offset: collection.get(
                    where=where, include=["documents", "metadatas"], limit=BATCH, offset=o
                )
            )
            docs, metas = got["documents"] or [], got["metadatas"] or []
            for doc, meta in zip(docs, metas, strict=True):
                file_name = str(meta["file"])
                chunks.setdefault(file_name, {})[int(meta["part"])] = base64.b64decode(doc)
                expected[file_name] = (int(meta["parts"]), str(meta["sha256"]))
            if len(docs) < BATCH:
                break
            offset += BATCH
        files: dict[str, bytes | None] = {}
        for file_name, (parts, digest) in expected.items():
            data = b"".join(chunks[file_name].get(p, b"") for p in range(parts))
            files[file_name] = data if hashlib.sha256(data).hexdigest() == digest else None
        return files

    def holds(self, name: str, file_name: str) -> bool:
        collection = self._existing(self._files(name))
        if collection is None:
            return False
        got = self._call(lambda: collection.get(where={"file": file_name}, limit=1, include=[]))
        return bool(got["ids"])

    def _existing(self, name: str) -> Any:
        """The collection if the server has it (a generation dropped meanwhile: None; never
        created again by asking for it)."""
        try:
            return self._client.get_collection(name, embedding_function=None)
        except Exception:
            # chromadb raises NotFoundError (or ValueError in older versions) for a missing
            # collection; an unreachable server surfaces on the next call
            return None

    def names(self) -> list[str]:
        found = self._call(self._client.list_collections)
        names = {m.group(1) for c in found if (m := self._names.match(getattr(c, "name", str(c))))}
        return sorted(names)

    def drop(self, name: str) -> None:
        """Remove a generation's files and its vectors (the collection ``vectors`` names)."""
        for collection in (self._files(name), f"{self._prefix}-{name}"):
            with contextlib.suppress(Exception):  # already gone, or the server is away
                self._client.delete_collection(collection)

    def _files(self, name: str) -> str:
        return f"{self._prefix}-files-{name}"

    def _collection(self, name: str) -> Any:
        return self._client.get_or_create_collection(name, embedding_function=None)

    @staticmethod
    def _call(action: Any) -> Any:
        try:
            return action()
        except ServiceError:
            raise
        except Exception as exc:  # chromadb raises many kinds; the operator needs the cause
            raise ServiceError(f"the shared index on the Chroma server: {exc}") from exc
