"""Vectors kept beside an embedded index generation: a process that only serves reads them
instead of opening Chroma (the cold start of `policybot ask`), and gets the same search."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bot.retrieval.vectors import KEPT_VECTORS, VectorStore, _keep, _read_kept, open_generation
from bot.services import embedder_of, generations


def _refuse() -> Any:
    raise AssertionError("Chroma was opened although the vectors are kept beside the generation")


def test_serving_reads_the_kept_vectors_and_finds_what_chroma_finds(services: Any) -> None:
    folder = generations(services.settings).path(services.generation)
    assert (folder / KEPT_VECTORS).is_file()  # written when the services first read Chroma
    embeddings = embedder_of(services)
    kept = VectorStore(_refuse, "unused", embeddings, kept=folder)
    chroma = open_generation(services.settings, folder, services.generation, embeddings)
    chroma._kept = None  # the store of record itself
    assert kept.warm() == chroma.warm() == chroma.count() > 0
    ids, matrix, rows = kept._loaded()
    chroma_ids, chroma_matrix, chroma_rows = chroma._loaded()
    assert ids == chroma_ids
    assert np.array_equal(matrix, chroma_matrix)
    assert rows.keys() == chroma_rows.keys()
    assert all(np.array_equal(rows[d], chroma_rows[d]) for d in rows)
    for question, docs in (("直播企业营收首超1亿元奖励多少", None), ("補貼上限", ["jiading-livestream-2024"])):
        assert kept.search(question, 5, docs) == chroma.search(question, 5, docs)


def test_kept_vectors_are_trusted_only_when_they_match_the_manifest(tmp_path: Path) -> None:
    matrix = np.eye(3, 384, dtype=np.float32)
    rows = {"a": np.asarray([0, 2], dtype=np.int64), "b": np.asarray([1], dtype=np.int64)}
    _keep(tmp_path, (["a#1", "b#1", "a#2"], matrix, rows))
    read = _read_kept(tmp_path, 3)
    assert read is not None
    assert read[0] == ["a#1", "b#1", "a#2"]
    assert np.array_equal(read[1], matrix)
    assert {d: r.tolist() for d, r in read[2].items()} == {"a": [0, 2], "b": [1]}
    assert _read_kept(tmp_path, 4) is None  # another count than the generation stored
    assert _read_kept(tmp_path, None) is None  # no manifest to check against
    (tmp_path / KEPT_VECTORS).write_bytes(b"not a numpy file")
    assert _read_kept(tmp_path, 3) is None


def test_the_ask_path_imports_neither_chroma_nor_langchains_wrapper() -> None:
    """A cold `policybot ask` on a kept generation must not pay for importing them."""
    probe = (
        "import sys, bot.cli, bot.dialogue, bot.services\n"
        "print(sorted(m for m in ('chromadb', 'langchain_chroma') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
