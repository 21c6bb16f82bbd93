"""BM25 over jieba tokens (bm25s), in memory; documents with a zero score are never returned."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import bm25s
import numpy as np


class Bm25Index:
    """A BM25 index of token lists, searched by token list."""

    def __init__(
        self,
        keys: Sequence[str],
        corpus_tokens: Sequence[Sequence[str]],
        kept: Path | None = None,
        key: str = "",
    ) -> None:
        """``kept``: a folder where the built index is kept for ``key`` (what the tokens were
        made from): a later start with the same key loads it instead of indexing again."""
        if len(keys) != len(corpus_tokens):
            raise ValueError("one token list per key")
        self._keys = list(keys)
        if kept is not None and self._load(kept, key):
            return
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus_tokens]
        self._vocab = vocab
        self._bm25 = bm25s.BM25()
        if self._keys:
            self._bm25.index(
                bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False
            )
            if kept is not None:
                self._save(kept, key)

    def _load(self, folder: Path, key: str) -> bool:
        try:
            if not key or (folder / "key").read_text(encoding="utf-8") != key:
                return False
            vocab = json.loads((folder / "words.json").read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(folder), load_vocab=False, show_progress=False)
        except (OSError, ValueError, KeyError, EOFError):  # missing or damaged: index again
            return False
        self._vocab, self._bm25 = dict(vocab), model
        return True

    def _save(self, folder: Path, key: str) -> None:
        """Written beside, then renamed into place: a reader finds all of it or none."""
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp, ignore_errors=True)
            self._bm25.save(str(tmp), show_progress=False)
            (tmp / "words.json").write_text(json.dumps(self._vocab, ensure_ascii=False), "utf-8")
            (tmp / "key").write_text(key, encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        shutil.rmtree(tmp, ignore_errors=True)

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._vocab)

    def postings(self, token: str) -> np.ndarray:
        """Positions of the documents that hold ``token`` (sorted; empty for an unknown one)."""
        if token not in self._vocab or not self._keys:
            return np.zeros(0, dtype=np.int64)
        scores = np.asarray(self._bm25.get_scores([self._vocab[token]]))
        return np.flatnonzero(scores > 0.0)

    def _counts(
        self, query_tokens: Sequence[str], weights: Mapping[str, float] | None
    ) -> dict[int, float]:
        """Token id -> how much it counts: its occurrences in the query times its weight
        (1 unless ``weights`` says otherwise). Unknown words are dropped."""
        counts: dict[int, float] = {}
        for t in query_tokens:
            if t in self._vocab:
                weight = 1.0 if weights is None else weights.get(t, 1.0)
                counts[self._vocab[t]] = counts.get(self._vocab[t], 0.0) + weight
        return counts

    def _scores(self, counts: Mapping[int, float]) -> np.ndarray:
        if all(c == 1.0 for c in counts.values()):
            return np.asarray(self._bm25.get_scores(list(counts)), dtype=np.float64)
        scores = np.zeros(len(self._keys), dtype=np.float64)
        for token_id, count in counts.items():
            scores += count * np.asarray(self._bm25.get_scores([token_id]), dtype=np.float64)
        return scores

    def scores(
        self, query_tokens: Sequence[str], weights: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """The score of every document (zeros when no word of the query is known)."""
        counts = self._counts(query_tokens, weights)
        if not counts or not self._keys:
            return np.zeros(len(self._keys), dtype=np.float64)
        return self._scores(counts)

    def search(
        self,
        query_tokens: Sequence[str],
        k: int,
        within: np.ndarray | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> list[tuple[str, float]]:
        """Up to ``k`` (key, score) pairs, best first, only those with a positive score;
        ``within`` limits the search to those positions of the index; ``weights`` scales the
        score a token brings (words added to the question count less than its own).

        Unknown words are dropped first: bm25s would otherwise return arbitrary documents
        with score 0 for a query made only of unknown words.
        """
        counts = self._counts(query_tokens, weights)
        if not counts or not self._keys:
            return []
        scores = self._scores(counts)
        if within is not None:
            # Only these positions (the units of some documents), ranked among themselves.
            picked = scores[within]
            order = within[np.argsort(-picked, kind="stable")[:k]]
        else:
            order = np.argsort(-scores, kind="stable")[:k]
        return [(self._keys[i], float(scores[i])) for i in order if scores[i] > 0.0]

    def search_group(
        self,
        query_tokens: Sequence[str],
        k: int,
        within: np.ndarray,
        weights: Mapping[str, float] | None = None,
    ) -> list[tuple[str, float]]:
        """Like ``search`` within those positions, but with the word statistics of the group:
        each token's IDF is recomputed over the group's units, so a word found in every one
        of them (直播 in the live-streaming policy) no longer counts, however rare it is in
        the whole index. Exact for the IDF (Lucene's ``log(1 + (N - df + .5) / (df + .5))``);
        lengths keep the whole index's average."""
        counts = self._counts(query_tokens, weights)
        if not counts or not self._keys or within.size == 0:
            return []
        total = len(self._keys)
        size = within.size
        scores = np.zeros(size, dtype=np.float64)
        for token_id, count in counts.items():
            column = np.asarray(self._bm25.get_scores([token_id]), dtype=np.float64)
            df_all = int(np.count_nonzero(column))
            if df_all == 0:
                continue
            local = column[within]
            df = int(np.count_nonzero(local))
            if df == 0:
                continue
            idf_all = math.log(1 + (total - df_all + 0.5) / (df_all + 0.5))
            idf_group = math.log(1 + (size - df + 0.5) / (df + 0.5))
            scores += local * (count * idf_group / idf_all)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self._keys[within[i]], float(scores[i])) for i in order if scores[i] > 0.0]
