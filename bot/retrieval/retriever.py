"""Hybrid retrieval: dense vectors (Chroma + e5) and BM25 (jieba tokens), fused by rank."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.domain import Clause
from bot.knowledge.coverage import place_forms
from bot.knowledge.index import KnowledgeBase
from bot.retrieval.bm25 import Bm25Index
from bot.retrieval.crosslingual import DICTIONARY_VERSION, Bilingual, Table, translations
from bot.retrieval.fusion import reciprocal_rank_fusion
from bot.retrieval.intent import IN_FORCE, KINDS, asks_when_in_force, question_kinds
from bot.retrieval.kept import earlier, earlier_tokens, load, save
from bot.retrieval.tokens import Tokenizer, char_bigrams, expansions
from bot.retrieval.vectors import VectorStore
from bot.text import normalize

CANDIDATES = 20  # how deep each ranking goes before fusion
GROUP_UNITS = 4000  # named documents up to this many units are ranked by their own statistics
_PLACE_PART = re.compile(r"[\u4e00-\u9fff]+?(?:特别行政区|自治区|新区|省|市|区|县)")


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
        token_cache: Path | None = None,
        group_docs: int = 0,
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
        self._group_docs = group_docs
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
        # The most specific part of each document's region (嘉定 for 上海市嘉定区, 上海 for
        # 上海市): a question naming it prefers the document, without any alias being set.
        self._own_place = {
            meta.id: tuple(normalize(f) for f in place_forms(_PLACE_PART.findall(meta.region)[-1]))
            for meta in kb.documents.values()
            if _PLACE_PART.findall(meta.region)
        }
        ids = [u.id for u in kb.units]
        by_doc: dict[str, list[int]] = {}
        for position, unit in enumerate(kb.units):
            by_doc.setdefault(unit.clause.doc_id, []).append(position)
        self._positions = {d: np.asarray(p, dtype=np.int64) for d, p in by_doc.items()}
        self._force_clauses: dict[str, list[str]] = {}
        for clause in kb.clauses:
            if IN_FORCE.search(clause.norm):
                self._force_clauses.setdefault(clause.doc_id, []).append(clause.key)
        words, pairs = self._unit_tokens(kb, token_cache)
        frequency: dict[str, int] = {}
        for unit_words in words:
            for token in set(unit_words):
                frequency[token] = frequency.get(token, 0) + 1
        # Words of two or more characters found in few units: the documents' own vocabulary.
        self._distinctive = frozenset(
            t for t, n in frequency.items() if len(t) >= 2 and n <= 0.15 * len(kb.units)
        )
        kept = token_cache.parent if token_cache is not None else None
        built = self._cache_key("bm25-1", self._units_digest)
        self._bm25 = Bm25Index(ids, words, kept and kept / "bm25-words", built)
        self._bigrams = Bm25Index(ids, pairs, kept and kept / "bm25-pairs", built)
        self._word_vocabulary = self._bm25.vocabulary
        self._pair_vocabulary = self._bigrams.vocabulary
        self._bilingual = Bilingual(
            self._postings, self._may_hold, self._stored_translations(token_cache)
        )

    def _cache_key(self, kind: str, *more: str) -> str:
        """What a cached derivative of the index depends on besides the units themselves."""
        return hashlib.sha256(
            "\n".join([kind, self._tokenizer.signature, *sorted(self._region_words), *more]).encode(
                "utf-8"
            )
        ).hexdigest()

    def _unit_tokens(
        self, kb: KnowledgeBase, cache: Path | None
    ) -> tuple[list[list[str]], list[list[str]]]:
        """Word and bigram tokens of every unit; at a city's scale jieba takes most of the
        start-up, so they are kept beside the index generation (``cache``), keyed by the
        tokenizer's dictionary and the region words they leave out, with a digest of each
        unit's text: a new generation tokenises only the units an earlier one did not have
        (an ingest that changed one document, a worker switching to a published one)."""
        key = self._cache_key("tokens-3")
        digests = [
            hashlib.blake2b(u.text.encode("utf-8"), digest_size=16).digest() for u in kb.units
        ]
        self._units_digest = hashlib.sha256(b"".join(digests)).hexdigest()
        stored = load(cache, key)
        if stored is not None and stored["digests"] == digests:
            return stored["words"], stored["pairs"]
        before = earlier_tokens(cache, key)
        words: list[list[str]] = []
        pairs: list[list[str]] = []
        for unit, digest in zip(kb.units, digests, strict=True):
            known = before.get(digest)
            if known is None:
                # Interned: a city's units hold millions of tokens but only some 100,000
                # distinct ones; shared strings keep the lists (and their pickle) small.
                known = (
                    [sys.intern(t) for t in self._words(unit.text)],
                    [sys.intern(t) for t in self._pairs(unit.text)],
                )
            words.append(known[0])
            pairs.append(known[1])
        save(cache, {"key": key, "digests": digests, "words": words, "pairs": pairs})
        return words, pairs

    def _stored_translations(self, token_cache: Path | None) -> Table | None:
        """The bilingual dictionary cut to this index's words, kept beside the generation
        (reading CC-CEDICT takes seconds) and taken from an earlier generation with the same
        vocabulary; without a place to keep it, it is built on the first English question."""
        if token_cache is None:
            return None
        cache = token_cache.with_name("bilingual.pickle")
        vocabulary = hashlib.sha256(
            "\n".join([*sorted(self._word_vocabulary), "", *sorted(self._pair_vocabulary)]).encode()
        ).hexdigest()
        key = self._cache_key("bilingual-3", DICTIONARY_VERSION, vocabulary)
        stored = load(cache, key)
        if stored is not None:
            own: Table = stored["table"]
            return own
        stored = earlier(cache, key)
        table: Table = stored["table"] if stored is not None else translations(self._may_hold)
        save(cache, {"key": key, "table": table})
        return table

    def _may_hold(self, word: str) -> bool:
        """Whether ``word`` is a keyword of the documents, or all of its character pairs are."""
        if word in self._word_vocabulary:
            return True
        pairs = char_bigrams(word)
        return bool(pairs) and all(p in self._pair_vocabulary for p in pairs)

    def _postings(self, word: str) -> np.ndarray:
        """Units holding ``word``: as a keyword token, else by all of its character pairs
        (a word jieba splits in the documents, 法定代表人 as 法定/代表人)."""
        found = self._bm25.postings(word)
        if found.size or len(word) < 2:
            return found
        pairs = char_bigrams(word)
        found = self._bigrams.postings(pairs[0]) if pairs else found
        for pair in pairs[1:]:
            if not found.size:
                break
            found = np.intersect1d(found, self._bigrams.postings(pair), assume_unique=True)
        return found

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
            or any(form in query for form in self._own_place.get(meta.id, ()))
        ]
        if not named:
            return frozenset()
        longest = max(len(m.region) for m in named)
        return frozenset(m.id for m in named if len(m.region) == longest)

    def _rankings(
        self,
        dense_query: str,
        tokens: Sequence[str],
        pair_tokens: Sequence[str],
        documents: frozenset[str] | None,
    ) -> tuple[Ranking, Ranking, Ranking]:
        """Dense, word and bigram rankings of clauses (of ``documents`` only, when given)."""
        doc_ids = None
        if documents is None:
            keyword = self._bm25.search(tokens, CANDIDATES * 3)
            pairs = self._bigrams.search(pair_tokens, CANDIDATES * 3)
        else:
            doc_ids = sorted(documents)
            within = np.concatenate([self._positions[d] for d in doc_ids if d in self._positions])
            if within.size <= GROUP_UNITS:
                keyword = self._bm25.search_group(tokens, CANDIDATES * 3, within)
                pairs = self._bigrams.search_group(pair_tokens, CANDIDATES * 3, within)
            else:
                keyword = self._bm25.search(tokens, CANDIDATES * 3, within)
                pairs = self._bigrams.search(pair_tokens, CANDIDATES * 3, within)
        dense = _best_per_clause(self._store.search(dense_query, CANDIDATES * 3, doc_ids), self._kb)
        keyword = _best_per_clause(keyword, self._kb)
        pairs = _best_per_clause(pairs, self._kb)
        # In a small corpus every list reaches deep into weak matches, and rank fusion would
        # let many weak votes outweigh one strong one: only near-best candidates may vote.
        keyword = _near_best(keyword, self._keyword_keep)
        pairs = _near_best(pairs, self._keyword_keep)
        dense = _near_best(dense, lambda s, best: s >= best - self._dense_margin)
        return dense, keyword, pairs

    def _fused(
        self, query: str, terms: Sequence[str], preferred: frozenset[str]
    ) -> tuple[Ranking, dict[str, float], dict[str, float]]:
        """Every clause ranked by reciprocal-rank fusion of the vectors, the words and the
        bigrams (of the question and of the glossary's document words for it), over every
        document; with the dense and keyword scores of the candidates."""
        tokens = self._keyword_tokens(query, terms)
        pair_tokens = self._bigram_tokens(query, terms)
        dense_query = f"{query} {' '.join(terms)}" if self._expand_dense and terms else query
        dense, keyword, pairs = self._rankings(dense_query, tokens, pair_tokens, None)
        rankings = [dense, keyword, pairs]
        weights = list(self._weights)
        lists = [[key for key, _ in ranking] for ranking in rankings]
        if self._group_docs and len(self._kb.documents) > self._group_docs:
            # Optional: the best documents ranked again with their own word statistics, as
            # extra votes beside the global ranking (never instead of it).
            group = set(preferred)
            for key, _ in reciprocal_rank_fusion(lists, weights=weights):
                if len(group) >= self._group_docs:
                    break
                group.add(self._kb.by_key[key].doc_id)
            if group:
                within = self._rankings(dense_query, tokens, pair_tokens, frozenset(group))
                lists += [[key for key, _ in ranking] for ranking in within[1:]]
                weights += list(self._weights[1:])
        return reciprocal_rank_fusion(lists, weights=weights), dict(dense), dict(keyword)

    def _nudged(self, fused: Ranking, question: str, preferred: frozenset[str]) -> Ranking:
        """Clauses stating the kind of thing asked for nudged up; other documents than those
        the question names (by place or alias) moved down."""
        patterns = [KINDS[k].boosts for k in question_kinds(question)]

        def factor(key: str) -> float:
            clause = self._kb.by_key[key]
            out = 1.0
            if patterns and any(re.search(p, clause.norm) for p in patterns):
                # Among equally relevant clauses, the one that states an amount, a date…
                out *= 1.0 + self._kind_boost
            if preferred and clause.doc_id not in preferred:
                out *= self._other_doc
            return out

        if not patterns and not preferred:
            return fused
        return sorted(((key, score * factor(key)) for key, score in fused), key=lambda i: -i[1])

    def _in_force_first(self, fused: Ranking, preferred: frozenset[str]) -> Ranking:
        """ "When does it take effect" is answered by the document's own clause on its force
        (本条例自…起施行), which shares few words with the question: that clause of the
        document asked about (named, else ranked first) leads."""
        if not fused:
            return fused
        doc_id = min(preferred) if len(preferred) == 1 else self._kb.by_key[fused[0][0]].doc_id
        force = self._force_clauses.get(doc_id)
        if not force:
            return fused
        key = force[-1]  # the closing article, where a document says when it takes effect
        return [(key, fused[0][1] * 1.01), *((k, s) for k, s in fused if k != key)]

    def search(self, question: str, k: int = 5) -> Retrieval:
        query = normalize(question)
        terms = expansions(query, self._glossary)
        terms += [t for t in self._bilingual.terms(query) if t not in terms]
        preferred = self.preferred_documents(query)
        fused, dense_score, bm25_score = self._fused(query, terms, preferred)
        fused = self._nudged(fused, question, preferred)
        if asks_when_in_force(query):
            fused = self._in_force_first(fused, preferred)
        hits = tuple(
            Hit(self._kb.by_key[key], score, dense_score.get(key, 0.0), bm25_score.get(key, 0.0))
            for key, score in fused[:k]
        )
        return Retrieval(
            question=question,
            query=query,
            tokens=tuple(self._keyword_tokens(query, terms)),
            hits=hits,
            terms=tuple(terms),
        )


Ranking = list[tuple[str, float]]


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
