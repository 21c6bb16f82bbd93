"""Passages: vectors for the rest of every article, built after an index generation is published.

An article of a regulation gets one vector at ingest, from its document's title and its first
96 characters (``index.embed_text``): embedding time grows with the characters embedded, and a
city's articles whole would take the ingest over the ten minutes an office may wait. A
question asked in a firm's own words often matches the middle of a long article, or a later
part of one the parser split, which that vector never saw. So once the generation serves,
``build_passages`` embeds the rest of every article in passages of about ``PASSAGE_CHARS``
characters, each with its document's title, and keeps them beside the generation
(``passages.npz``, written once, atomically); a serving process picks the file up when it
appears (``vectors.VectorStore``). The generation serves without them meanwhile, and a
re-ingest embeds only passages whose text changed (the embedding cache).

Every question searches them (``Tuning.passages``). English questions did not at first (with
4 of the dictionary's words in their vector, the second held-out English set lost two
questions); with 12 they gain more than Chinese ones (English city questions 49 -> 60 of 99).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.domain import Clause
from bot.knowledge.embed_cache import EmbeddingCache
from bot.knowledge.index import EMBED_CHARS, KnowledgeBase, Progress, embed_through_cache
from bot.knowledge.parse import grouped
from bot.knowledge.vector_files import Kept, read_vectors, write_vectors
from bot.text import normalize

PASSAGES = "passages.npz"
PASSAGE_CHARS = 200  # a passage holds whole pieces of sentences up to about this many characters
PASSAGE_MARK = "#p"  # "<clause key>#p1": a passage of that clause
# Where a passage may end: after a sentence (in normalised text, where "，；：" are half-width,
# after 。！？).
_PIECE_END = re.compile(r"(?<=[。；！？，：])")


def passages_of(clause: Clause) -> list[str]:
    """The texts embedded for the rest of ``clause`` beyond its own vector's 96 characters
    (all of a later part of a split article, which has no vector), each with the document's
    title, as ``index.embed_text`` writes it; none for a clause its vector holds whole."""
    title = clause.doc_title
    text = normalize(clause.text)
    if clause.part > 1:
        covered = 0
    elif len(normalize(f"{title} {clause.text}")) <= EMBED_CHARS:
        return []
    else:
        covered = max(0, EMBED_CHARS - len(title) - 1)
    rest: list[str] = []
    position = 0
    for piece in (p for p in _PIECE_END.split(text) if p.strip()):
        position += len(piece)
        if position > covered:  # not within the clause's own vector
            rest.append(piece)
    return [normalize(f"{title} {p[: 2 * PASSAGE_CHARS]}") for p in grouped(rest, PASSAGE_CHARS)]


def passage_units(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    """(id, document, text) of every passage of the articles of ``kb``."""
    articles = kb.article_documents()
    return [
        (f"{clause.key}{PASSAGE_MARK}{n}", clause.doc_id, text)
        for clause in kb.clauses
        if clause.doc_id in articles and clause.kind != "header"
        for n, text in enumerate(passages_of(clause), start=1)
    ]


def build_passages(
    folder: Path,
    kb: KnowledgeBase,
    embeddings: Embeddings,
    cache: EmbeddingCache,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Embed the passages of the generation in ``folder`` (through the cache) and keep them
    beside it; (passages, embedded now). Nothing is written when there are none."""
    units = passage_units(kb)
    if not units:
        return 0, 0
    keys, vectors, embedded, _ = embed_through_cache(
        [t for _, _, t in units], embeddings, cache, progress, "passages"
    )
    matrix = np.asarray([vectors[k] for k in keys], dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    write_vectors(folder / PASSAGES, [i for i, _, _ in units], matrix, [d for _, d, _ in units])
    return len(units), embedded


def read_passages(folder: Path) -> Kept | None:
    """The passages kept beside a generation (ids, normalised matrix, documents), or None
    when there are none yet or the file cannot be read."""
    return read_vectors(folder / PASSAGES)
