"""Hybrid retrieval: dense vectors (Chroma + e5) and BM25 (jieba tokens), fused by rank."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain import Clause
from bot.knowledge.index import KnowledgeBase
from bot.retrieval.bm25 import Bm25Index
from bot.retrieval.fusion import reciprocal_rank_fusion
from bot.retrieval.intent import KINDS, question_kinds
from bot.retrieval.tokens import Tokenizer, char_bigrams, expansions
from bot.retrieval.vectors import VectorStore
from bot.text import normalize

CANDIDATES = 20  # how deep each ranking goes before fusion


@dataclass(frozen=True)
class Hit:
    """A retrieved clause with the evidence for it."""

    clause: Clause
    score: float  # fused score
    dense: float  # cosine similarity to the question (0 when not in the dense candidates)
    bm25: float  # BM25 score (0 when no keyword matched)


@dataclass(frozen=True)
class Retrieval:
    """The ranked hits for one question, and the question as it was searched."""

    question: str
    query: str  # normalised question
    tokens: tuple[str, ...]  # keyword tokens, expansions included
    hits: tuple[Hit, ...]
    terms: tuple[str, ...] = ()  # the glossary's document words for the question's words

    @property
    def top_dense(self) -> float:
        return max((h.dense for h in self.hits), default=0.0)

    @property
    def top_bm25(self) -> float:
        return max((h.bm25 for h in self.hits), default=0.0)


class Retriever:
    """Searches the knowledge base by meaning and by keywords and fuses the two rankings."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: VectorStore,
        tokenizer: Tokenizer,
        glossary: Mapping[str, Sequence[str]],
        dense_weight: float = 0.5,
        bm25_weight: float = 1.0,
        bigram_weight: float = 1.0,
        bm25_floor: float = 0.3,
        bm25_min: float = 1.0,
        dense_margin: float = 0.06,
        expand_dense: bool = True,
        other_doc: float = 0.6,
        kind_boost: float = 0.25,
    ) -> None:
        self._kb = kb
        self._store = store
        self._tokenizer = tokenizer
        self._glossary = glossary
        self._weights = (dense_weight, bm25_weight, bigram_weight)
        self._bm25_floor = bm25_floor
        self._bm25_min = bm25_min
        self._dense_margin = dense_margin
        self._expand_dense = expand_dense
        self._other_doc = other_doc
        self._kind_boost = kind_boost
        # Place names of the documents' regions (上海, 嘉定, Shanghai...) are in nearly every
        # question and say nothing about the clause; they steer document preference instead
        # (``preferred_documents``), and are left out of keyword matching.
        places = [meta.region for meta in kb.documents.values()] + [
            alias
            for meta in kb.documents.values()
            for alias in meta.aliases
            if normalize(alias) in normalize(meta.region) or (alias.isalpha() and alias.isascii())
        ]
        self._region_words = frozenset(
            t for place in places for t in tokenizer.tokens(place) + char_bigrams(place)
        )
        ids = [u.id for u in kb.units]
        frequency: dict[str, int] = {}
        for unit in kb.units:
            for token in set(self._words(unit.text)):
                frequency[token] = frequency.get(token, 0) + 1
        # Words of two or more characters found in few units: the documents' own vocabulary.
        self._distinctive = frozenset(
            t for t, n in frequency.items() if len(t) >= 2 and n <= 0.15 * len(kb.units)
        )
        self._bm25 = Bm25Index(ids, [self._words(u.text) for u in kb.units])
        self._bigrams = Bm25Index(ids, [self._pairs(u.text) for u in kb.units])

    def _words(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.tokens(text) if t not in self._region_words]

    def _pairs(self, text: str) -> list[str]:
        return [t for t in char_bigrams(text) if t not in self._region_words]

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._bm25.vocabulary

    def _keyword_tokens(self, query: str, terms: Sequence[str]) -> list[str]:
        """Word tokens of the normalised question and of its glossary expansions."""
        tokens = self._words(query)
        for term in terms:
            tokens.extend(self._words(term))
        return tokens

    def distinctive_terms(self, question: str) -> list[str]:
        """Words of the question that are distinctive words of the documents."""
        return [t for t in self._words(normalize(question)) if t in self._distinctive]

    def words(self, question: str) -> list[str]:
        return self._tokenizer.words(question)

    def _bigram_tokens(self, query: str, terms: Sequence[str]) -> list[str]:
        pairs = self._pairs(query)
        for term in terms:
            pairs.extend(self._pairs(term))
        return pairs

    def _keyword_keep(self, score: float, best: float) -> bool:
        """A keyword match votes when it is near the best one and not a stray common word."""
        return score >= self._bm25_floor * best and score >= self._bm25_min

    def preferred_documents(self, query: str) -> frozenset[str]:
        """Documents the (normalised) question names; the most specific region wins.

        "嘉定" names the Jiading opinions; "上海" alone names the city plan, but "上海嘉定"
        is still about Jiading: of the named documents, those with the longest region stay.
        """
        named = [
            meta
            for meta in self._kb.documents.values()
            if any(normalize(alias) in query for alias in meta.aliases)
        ]
        if not named:
            return frozenset()
        longest = max(len(m.region) for m in named)
        return frozenset(m.id for m in named if len(m.region) == longest)

    def search(self, question: str, k: int = 5) -> Retrieval:
        query = normalize(question)
        terms = expansions(query, self._glossary)
        tokens = self._keyword_tokens(query, terms)
        dense_query = f"{query} {' '.join(terms)}" if self._expand_dense and terms else query
        dense = _best_per_clause(self._store.search(dense_query, CANDIDATES * 3), self._kb)
        keyword = _best_per_clause(self._bm25.search(tokens, CANDIDATES * 3), self._kb)
        pairs = _best_per_clause(
            self._bigrams.search(self._bigram_tokens(query, terms), CANDIDATES * 3), self._kb
        )
        # In a small corpus every list reaches deep into weak matches, and rank fusion would
        # let many weak votes outweigh one strong one: only near-best candidates may vote.
        keyword = _near_best(keyword, self._keyword_keep)
        pairs = _near_best(pairs, self._keyword_keep)
        dense = _near_best(dense, lambda s, best: s >= best - self._dense_margin)
        fused = reciprocal_rank_fusion(
            [[key for key, _ in ranking] for ranking in (dense, keyword, pairs)],
            weights=self._weights,
        )
        preferred = self.preferred_documents(query)
        patterns = [KINDS[k].boosts for k in question_kinds(question)]
        if patterns:
            # A clause that states the kind of thing asked for (an amount, a date...) is
            # nudged up: among equally relevant clauses it is the one that can answer.
            fused = sorted(
                (
                    (
                        key,
                        score * (1.0 + self._kind_boost)
                        if any(re.search(p, self._kb.by_key[key].norm) for p in patterns)
                        else score,
                    )
                    for key, score in fused
                ),
                key=lambda item: -item[1],
            )
        if preferred:
            fused = sorted(
                (
                    (
                        key,
                        score
                        * (1.0 if self._kb.by_key[key].doc_id in preferred else self._other_doc),
                    )
                    for key, score in fused
                ),
                key=lambda item: -item[1],
            )
        dense_score = dict(dense)
        bm25_score = dict(keyword)
        hits = tuple(
            Hit(self._kb.by_key[key], score, dense_score.get(key, 0.0), bm25_score.get(key, 0.0))
            for key, score in fused[:k]
        )
        return Retrieval(
            question=question, query=query, tokens=tuple(tokens), hits=hits, terms=tuple(terms)
        )


def _near_best(
    ranking: list[tuple[str, float]], keep: Callable[[float, float], bool]
) -> list[tuple[str, float]]:
    return [(key, s) for key, s in ranking if keep(s, ranking[0][1])] if ranking else ranking


def _best_per_clause(
    unit_hits: Sequence[tuple[str, float]], kb: KnowledgeBase
) -> list[tuple[str, float]]:
    """Unit hits -> clause hits: each clause ranked by its best unit; unknown ids dropped."""
    best: dict[str, float] = {}
    for unit_id, score in unit_hits:
        key = unit_id.rsplit("#", 1)[0]
        if key in kb.by_key and key not in best:
            best[key] = score
    return list(best.items())
