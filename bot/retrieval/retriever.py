"""Hybrid retrieval: dense vectors (Chroma + e5) and BM25 (jieba tokens and character
bigrams), their scores added up (or, as an option, fused by rank)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.domain import Clause
from bot.knowledge.coverage import governing
from bot.knowledge.index import KnowledgeBase
from bot.knowledge.passages import PASSAGE_MARK, passages_of
from bot.knowledge.references import cited_by
from bot.knowledge.versions import counterparts
from bot.retrieval.fusion import blended, reciprocal_rank_fusion, score_fusion
from bot.retrieval.intent import (
    IN_FORCE,
    KINDS,
    asks_when_in_force,
    meant_words,
    minors,
    question_kinds,
)
from bot.retrieval.keywords import KeywordIndex
from bot.retrieval.named import NamedDocuments
from bot.retrieval.tokens import Tokenizer, expansions
from bot.retrieval.tuning import Tuning
from bot.retrieval.vectors import VectorStore
from bot.text import has_cjk, normalize, sentences

CANDIDATES = 20  # how deep each ranking goes before fusion
GROUP_UNITS = 4000  # named documents up to this many units are ranked by their own statistics
DENSE_DEPTH = 300  # units read from the dense side when scores are added up
SENTENCE_MIN = 6  # characters of a question's sentence embedded on its own (``_as_asked``)


@dataclass(frozen=True)
class Hit:
    """A retrieved clause with the evidence for it."""

    clause: Clause
    score: float  # fused score
    dense: float  # cosine similarity to the question (0 when not in the dense candidates)
    bm25: float  # BM25 score (0 when no keyword matched)
    # the passage of the clause whose vector is nearest the question (``knowledge.passages``;
    # ``Retriever._near_text``), "" when none is or the nearest is the article's own vector
    near: str = ""


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
        tuning: Tuning | None = None,
        token_cache: Path | None = None,
    ) -> None:
        self._kb = kb
        self._store = store
        self._tokenizer = tokenizer
        self._glossary = glossary
        self.tuning = tuning or Tuning()
        self._named = NamedDocuments(kb, tokenizer)
        by_doc: dict[str, list[int]] = {}
        for position, unit in enumerate(kb.units):
            by_doc.setdefault(unit.clause.doc_id, []).append(position)
        self._positions = {d: np.asarray(p, dtype=np.int64) for d, p in by_doc.items()}
        self._force_clauses: dict[str, list[str]] = {}
        for clause in kb.clauses:
            if IN_FORCE.search(clause.norm):
                self._force_clauses.setdefault(clause.doc_id, []).append(clause.key)
        self._keywords = KeywordIndex(kb, tokenizer, self._named.region_words, token_cache)
        self._bm25 = self._keywords.words_index
        self._bigrams = self._keywords.pairs_index
        self._bilingual = self._keywords.bilingual
        self._words = self._keywords.words
        self._pairs = self._keywords.pairs
        # older versions of a document loaded beside its latest (``knowledge.versions``)
        self._superseded = frozenset(d for d, m in kb.documents.items() if m.superseded_by)
        # each of their clauses -> its counterpart in the text in force (0.2 s for the city's
        # 15 replaced texts: at start-up, not at the first question)
        self._counterparts = (
            {old: (new,) for old, new in counterparts(kb, self._superseded).items()}
            if self._superseded
            else {}
        )
        # each article -> the articles that cite it by number (the penalty for breaking it)
        self._cited_by = cited_by(kb.clauses)
        self._clause_index = {c.key: i for i, c in enumerate(kb.clauses)}
        self._unit_clause = np.asarray(
            [self._clause_index[u.clause.key] for u in kb.units], dtype=np.int64
        )

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._bm25.vocabulary

    @property
    def expressed(self) -> frozenset[str]:
        """Words the documents say in other words (司机: 驾驶员; ``crosslingual.expressed``)."""
        return self._bilingual.expressed

    @staticmethod
    def _with_terms(
        own: Sequence[str], terms: Sequence[str], split: Callable[[str], list[str]]
    ) -> list[str]:
        """The question's own tokens followed by those of its added words."""
        tokens = list(own)
        for term in terms:
            tokens.extend(split(term))
        return tokens

    def usual_words(self, word: str) -> tuple[str, ...]:
        """The documents' more usual words for a Chinese word (抽烟: 吸烟; ``alternatives``)."""
        return tuple(self._bilingual.alternatives([word]))

    def distinctive_terms(self, question: str) -> list[str]:
        """Words of the question that are distinctive words of the documents."""
        return [t for t in self._words(normalize(question)) if t in self._keywords.distinctive]

    def words(self, question: str) -> list[str]:
        return self._tokenizer.words(question)

    def _term_weights(
        self, query: str, own: Sequence[str], tokens: Sequence[str]
    ) -> dict[str, float]:
        """Tokens the glossary or the dictionary added to a Chinese question count less than
        the question's own words (an English question has no words of its own to prefer)."""
        weight = self.tuning.expansion_weight
        if weight == 1.0 or not has_cjk(query):
            return {}
        mine = set(own)
        return {t: weight for t in tokens if t not in mine}

    def _dense_keep(self, score: float, best: float) -> bool:
        """A dense match votes when it is within ``dense_margin`` of the best one."""
        return score >= best - self.tuning.dense_margin

    def _keyword_keep(self, score: float, best: float) -> bool:
        """A keyword match votes when it is near the best one and not a stray common word."""
        return score >= self.tuning.bm25_floor * best and score >= self.tuning.bm25_min

    def preferred_documents(self, query: str) -> frozenset[str]:
        """Documents the (normalised) question names (``NamedDocuments.preferred``)."""
        return self._named.preferred(query)

    def _rankings(
        self,
        dense_query: str,
        tokens: Sequence[str],
        pair_tokens: Sequence[str],
        documents: frozenset[str] | None,
        weights: tuple[dict[str, float], dict[str, float]] = ({}, {}),
        passages: bool = False,
        parts: Sequence[str] = (),
    ) -> tuple[Ranking, Ranking, Ranking]:
        """Dense, word and bigram rankings of clauses (of ``documents`` only, when given; the
        dense one over the articles' passages too with ``passages``, and with the question as
        asked, ``parts``: ``_nearest``)."""
        doc_ids = None
        word_w, pair_w = weights
        if documents is None:
            keyword = self._bm25.search(tokens, CANDIDATES * 3, None, word_w)
            pairs = self._bigrams.search(pair_tokens, CANDIDATES * 3, None, pair_w)
        else:
            doc_ids = sorted(documents)
            within = np.concatenate([self._positions[d] for d in doc_ids if d in self._positions])
            if within.size <= GROUP_UNITS:
                keyword = self._bm25.search_group(tokens, CANDIDATES * 3, within, word_w)
                pairs = self._bigrams.search_group(pair_tokens, CANDIDATES * 3, within, pair_w)
            else:
                keyword = self._bm25.search(tokens, CANDIDATES * 3, within, word_w)
                pairs = self._bigrams.search(pair_tokens, CANDIDATES * 3, within, pair_w)
        dense = _best_per_clause(
            self._nearest(dense_query, parts, CANDIDATES * 3, doc_ids, passages), self._kb
        )
        keyword = _best_per_clause(keyword, self._kb)
        pairs = _best_per_clause(pairs, self._kb)
        # In a small corpus every list reaches deep into weak matches, and rank fusion would
        # let many weak votes outweigh one strong one: only near-best candidates may vote.
        keyword = _near_best(keyword, self._keyword_keep)
        pairs = _near_best(pairs, self._keyword_keep)
        dense = _near_best(dense, self._dense_keep)
        return dense, keyword, pairs

    def _fused(
        self,
        query: str,
        terms: Sequence[str],
        own: Sequence[str],
        tokens: Sequence[str],
        preferred: frozenset[str],
    ) -> tuple[Ranking, dict[str, float], dict[str, float], dict[str, str]]:
        """Every clause ranked by the vectors, the words and the bigrams (of the question and
        of the glossary's and dictionary's document words for it), over every document: their
        scores added up (``_by_score``), or with ``Tuning.by_score`` off fused by reciprocal
        rank; with the dense and keyword scores of the candidates and the unit or passage of
        each clause nearest the question. ``own`` are the question's word tokens, ``tokens``
        those followed by the words of ``terms``."""
        own_pairs = self._pairs(query)
        pair_tokens = self._with_terms(own_pairs, terms, self._pairs)
        term_w = (
            self._term_weights(query, own, tokens),
            self._term_weights(query, own_pairs, pair_tokens),
        )
        tuning = self.tuning
        # An English question's dictionary words steer its vector towards the Chinese text
        # (12 of them: English questions at the city's scale, recall@3 49 -> 60 of 99 with the
        # passages; 4 or 8 steered less); more would lengthen the text embedded (its time
        # grows with it), and the keyword side takes them all.
        cap = tuning.dense_terms if tuning.dense_terms and not has_cjk(query) else len(terms)
        added = list(terms[:cap])
        dense_query = f"{query} {' '.join(added)}" if tuning.expand_dense and added else query
        named = bool(tuning.named_weight and preferred)
        named = named and len(preferred) < len(self._kb.documents)
        # the articles' passages (``bot.knowledge.passages``), once they are built
        passages = tuning.passages
        parts = _as_asked(query, dense_query) if tuning.sentences and has_cjk(query) else ()
        if tuning.by_score:
            named_docs = preferred if named else frozenset()
            return self._by_score(
                dense_query, tokens, pair_tokens, named_docs, term_w, passages, parts
            )
        dense, keyword, pairs = self._rankings(
            dense_query, tokens, pair_tokens, None, term_w, passages, parts
        )
        lists = [[key for key, _ in ranking] for ranking in (dense, keyword, pairs)]
        weights = list(tuning.weights)
        if named:
            # The documents the question names (by place or alias), ranked again among
            # themselves with their own word statistics: extra votes, so that a named
            # document's clause is a candidate even when the whole index ranks it too low
            # (直播 is rare among 235 documents but says nothing within the live-streaming plan).
            within = self._rankings(
                dense_query, tokens, pair_tokens, preferred, term_w, passages, parts
            )
            lists += [[key for key, _ in ranking] for ranking in within]
            weights += [w * tuning.named_weight for w in tuning.weights]
        if tuning.group_docs and len(self._kb.documents) > tuning.group_docs:
            # Optional: the best documents ranked again with their own word statistics, as
            # extra votes beside the global ranking (never instead of it).
            group = set(preferred)
            for key, _ in reciprocal_rank_fusion(lists, weights=weights):
                if len(group) >= tuning.group_docs:
                    break
                group.add(self._kb.by_key[key].doc_id)
            if group:
                within = self._rankings(
                    dense_query, tokens, pair_tokens, frozenset(group), term_w, passages, parts
                )
                lists += [[key for key, _ in ranking] for ranking in within[1:]]
                weights += list(tuning.weights[1:])
        return reciprocal_rank_fusion(lists, weights=weights), dict(dense), dict(keyword), {}

    def _by_score(
        self,
        dense_query: str,
        tokens: Sequence[str],
        pair_tokens: Sequence[str],
        named: frozenset[str],
        term_w: tuple[dict[str, float], dict[str, float]],
        passages: bool = False,
        parts: Sequence[str] = (),
    ) -> tuple[Ranking, dict[str, float], dict[str, float], dict[str, str]]:
        """Clauses ranked by their dense, word and bigram scores added up, each normalised
        over the candidates (the best of each ranking) and weighed by ``Tuning.scores``; the
        ``named`` documents' own ranking adds its scores at ``Tuning.named_weight``. With the
        near-best dense and keyword scores and the nearest units, as ``_fused`` gives them.

        The keyword side of an English question rests on the dictionary's guesses: the right
        article matches several of them, many others one wrong sense each. Rank fusion counts
        each of those weak matches as a vote as good as a strong one; added scores keep how
        strongly each side matched (English questions at the city's scale, recall@3: set (a)
        0.50 -> 0.70, held-out 0.52 -> 0.72 and 0.49 -> 0.60). So with a Chinese question asked
        in a firm's own words: its words match many articles about as weakly as the right one,
        whose vector is among the nearest (a set of such questions 0.40 -> 0.55, the third
        held-out city set 0.48 -> 0.50, no other set lower). The sum is the ranking's score:
        fused again by rank as a single list, neighbours' scores would differ by a hair and
        the nudges (``_nudged``) would reorder the top twenty regardless of relevance."""
        depth, tuning, clauses = CANDIDATES * 3, self.tuning, self._kb.clauses
        dense: dict[str, float] = {}
        nearest: dict[str, str] = {}  # each clause's unit or passage nearest the question
        for unit_id, score in self._nearest(dense_query, parts, DENSE_DEPTH, None, passages):
            key = unit_id.rsplit("#", 1)[0]
            if key in self._kb.by_key and key not in dense:
                dense[key] = score
                nearest[key] = unit_id
        words = self._by_clause(self._bm25.scores(tokens, term_w[0]))
        pairs = self._by_clause(self._bigrams.scores(pair_tokens, term_w[1]))
        near = list(dense.items())[:depth]
        best_words = [(clauses[i].key, float(words[i])) for i in _best(words, depth)]
        chosen = [self._clause_index[key] for key, _ in near + best_words]
        at = np.union1d(_best(pairs, depth), chosen).astype(np.int64)
        keys = [clauses[i].key for i in at]
        fused = score_fusion(
            [
                dict(near),  # the others get the lowest of these
                dict(zip(keys, words[at].tolist(), strict=True)),
                dict(zip(keys, pairs[at].tolist(), strict=True)),
            ],
            tuning.scores,
        )
        if named:
            within = self._rankings(
                dense_query, tokens, pair_tokens, named, term_w, passages, parts
            )
            own = score_fusion([dict(r) for r in within], tuning.scores)
            fused = _added(fused, own, tuning.named_weight)
        seen = _near_best(near, self._dense_keep)
        return fused, dict(seen), dict(_near_best(best_words, self._keyword_keep)), nearest

    def _nearest(
        self,
        dense_query: str,
        parts: Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        passages: bool = False,
    ) -> list[tuple[str, float]]:
        """The ``k`` units nearest ``dense_query``, with each unit's best score for the
        question as asked (``parts``: ``_as_asked``) blended in at ``Tuning.sentences``.

        The words added to a Chinese question (the glossary's, the documents' usual words for
        its own) pull its vector towards every article using them, and a firm tells its case
        before it asks ("我们在上海新开一家火锅店，后厨……污水要排进市政下水管，开业前需要办什么证？
        找哪个部门办？": the article on the sewer permit came in, from fourth): embedded whole,
        the story outweighs the sentence that names what the article is about.
        See ``Tuning.sentences`` for what it changed."""
        whole = self._store.search(dense_query, k, doc_ids, passages)
        if not parts:
            return whole
        best: dict[str, float] = {}
        for part in parts:
            for unit_id, score in self._store.search(part, k, doc_ids, passages):
                if score > best.get(unit_id, -1.0):
                    best[unit_id] = score
        return blended(whole, best, self.tuning.sentences)[:k]

    def _by_clause(self, unit_scores: np.ndarray) -> np.ndarray:
        """Each clause's best unit score."""
        out = np.zeros(len(self._kb.clauses), dtype=np.float64)
        np.maximum.at(out, self._unit_clause, unit_scores)
        return out

    def _carried_over(self, fused: Ranking) -> Ranking:
        """A clause of a replaced version scores its counterpart in the text in force as well
        (``knowledge.versions``): the 2004 text's "不得向未成年人出售烟酒" matches "卖酒" better
        than the 2024 text's "禁止向未成年人销售烟、酒", which is what is in force."""
        if not self._counterparts:
            return fused
        return _passed_on(fused, self._counterparts, 1.0, len(fused))

    def _penalties(self, fused: Ranking) -> Ranking:
        """For a question about a penalty: an article that cites another by number
        ("违反本条例第二十条规定的，…给予处罚") scores at least ``Tuning.cited`` times that
        article's score. The question describes what the firm did in the words of the article
        it breaks; the penalty article names it only by its number (``knowledge.references``).
        Then the nudge for clauses stating a penalty puts it first."""
        weight = self.tuning.cited
        if not weight or not self._cited_by:
            return fused
        return _passed_on(fused, self._cited_by, weight, CANDIDATES * 3)

    def _nudged(
        self,
        fused: Ranking,
        kinds: Sequence[str],
        preferred: frozenset[str],
        boost: float,
        in_force: bool = False,
    ) -> Ranking:
        """Clauses stating the ``kinds`` of thing asked for (``question_kinds``) nudged up by
        ``boost``; other documents than those the question names (by place or alias) moved
        down, and versions of a document that a later one loaded beside them replaced;
        documents' headers moved down when the question names none and does not ask when one
        is ``in_force`` (``Tuning.header``)."""
        patterns = [KINDS[k].boosts for k in kinds]
        # documents of a wider region that holds the named one's (浙江省's for a question
        # naming 杭州, which names Hangzhou's own regulation): they apply there too
        wider = governing(preferred, self._kb.documents) if preferred else frozenset()
        header = 1.0 if preferred or in_force else self.tuning.header

        def factor(key: str) -> float:
            clause = self._kb.by_key[key]
            out = 1.0
            if patterns and any(re.search(p, clause.norm) for p in patterns):
                # Among equally relevant clauses, the one that states an amount, a date…
                out *= 1.0 + boost
            if preferred and clause.doc_id in wider:
                out *= self.tuning.wider_doc
            elif preferred and clause.doc_id not in preferred:
                out *= self.tuning.other_doc
            if clause.doc_id in self._superseded:
                out *= self.tuning.superseded
            if clause.kind == "header":
                out *= header
            return out

        if not patterns and not preferred and not self._superseded and header == 1.0:
            return fused
        return sorted(((key, score * factor(key)) for key, score in fused), key=lambda i: -i[1])

    def _without_repeats(self, fused: Ranking) -> Ranking:
        """A clause of a replaced version whose counterpart in the text in force ranks above
        it says nothing new to a user: it goes after all the others. (The 2010 and 2020 texts
        of the regulation on residential property management took the three places a property
        firm's question got with two paragraphs of its 46th article each; the 2020 one's on the
        notice a firm owes when it will not renew was fourth.)"""
        if not self._counterparts:
            return fused
        shown: set[str] = set()
        kept: Ranking = []
        repeats: Ranking = []
        for key, score in fused:
            counterpart = self._counterparts.get(key)
            if counterpart is not None and counterpart[0] in shown:
                repeats.append((key, score))
            else:
                shown.add(key)
                kept.append((key, score))
        return kept + repeats

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

    def _near_text(self, unit_id: str | None) -> str:
        """The passage of an article (``knowledge.passages``) that is its vector nearest the
        question, normalised, without the document's title embedded with it; "" for any
        other vector. The answer quotes the sentence of the clause there
        (``answering.evidence``). An article's own vector holds the title and the article's
        opening: nearest by it, a question is near the article, not one of its sentences (the
        answer moved to the opening: +0 -2); an outline's units are its sentences already,
        and picking among them by nearness lost a seed conversation's turn and a new user's."""
        key, _, mark = (unit_id or "").rpartition("#")
        clause = self._kb.by_key.get(key)
        if clause is None or not mark.startswith(PASSAGE_MARK[1:]) or not mark[1:].isdigit():
            return ""
        texts = passages_of(clause)
        number = int(mark[1:])
        text = texts[number - 1] if 0 < number <= len(texts) else ""
        title = normalize(clause.doc_title)
        return text[len(title) :].lstrip() if text.startswith(title) else text

    def search(self, question: str, k: int = 5) -> Retrieval:
        query = normalize(question)
        terms = expansions(query, self._glossary)
        terms += [t for t in self._bilingual.terms(query, meant_words(query)) if t not in terms]
        terms += [t for t in minors(query) if t not in terms]
        # The documents' usual words for the question's own (删掉 -> 删除), or for the
        # dictionary's translations of an English question's, help find the clause; what the
        # question says is still read in its own words (not in ``terms``).
        own = self._words(query)
        usual = self._bilingual.alternatives(own if has_cjk(query) else terms)
        searched = terms + [t for t in usual if t not in terms]
        tokens = self._with_terms(own, searched, self._words)
        preferred = self.preferred_documents(query)
        fused, dense_score, bm25_score, nearest = self._fused(
            query, searched, own, tokens, preferred
        )
        tuning = self.tuning
        boost = tuning.kind_boost_by_score if tuning.by_score else tuning.kind_boost
        fused = self._carried_over(fused)
        kinds = question_kinds(question)
        if "penalty" in kinds:
            fused = self._penalties(fused)
        in_force = asks_when_in_force(query)
        fused = self._nudged(fused, kinds, preferred, boost, in_force)
        fused = self._without_repeats(fused)
        if in_force:
            fused = self._in_force_first(fused, preferred)
        hits = tuple(
            Hit(
                self._kb.by_key[key],
                score,
                dense_score.get(key, 0.0),
                bm25_score.get(key, 0.0),
                self._near_text(nearest.get(key)),
            )
            for key, score in fused[:k]
        )
        return Retrieval(
            question=question,
            query=query,
            tokens=tuple(tokens),
            hits=hits,
            terms=tuple(terms),
        )


Ranking = list[tuple[str, float]]


def _as_asked(query: str, dense_query: str) -> tuple[str, ...]:
    """What is embedded beside ``dense_query`` (the question with the documents' words for
    it): the question as asked, sentence by sentence when it has several (long enough to
    stand alone); nothing when that is the same text."""
    said = tuple(part for part in sentences(query) if len(part) >= SENTENCE_MIN)
    if len(said) >= 2:
        return said
    return (query,) if dense_query != query else ()


def _passed_on(
    ranking: Ranking, links: Mapping[str, Sequence[str]], weight: float, depth: int
) -> Ranking:
    """``ranking`` with each clause that one of its first ``depth`` links to scoring at least
    ``weight`` times that one, best first."""
    total = dict(ranking)
    for key, score in ranking[:depth]:
        for other in links.get(key, ()):
            if total.get(other, 0.0) < weight * score:
                total[other] = weight * score
    return sorted(total.items(), key=lambda item: -item[1])


def _added(ranking: Ranking, more: Ranking, weight: float) -> Ranking:
    """``ranking`` with ``weight`` times the scores of ``more`` added, best first."""
    total = dict(ranking)
    for key, score in more:
        total[key] = total.get(key, 0.0) + weight * score
    return sorted(total.items(), key=lambda item: -item[1])


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best positive scores, best first."""
    order = np.argsort(-scores, kind="stable")[:k]
    return order[scores[order] > 0.0]


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
