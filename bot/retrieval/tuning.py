"""The retriever's weights and thresholds, in one place (measured on the project's own and
held-out question sets: ``bench/recall.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """How the rankings are made and fused.

    ``dense``, ``bm25`` and ``bigram`` weigh the three rankings in the fusion; a keyword match
    votes only at ``bm25_floor`` of the best one and at least ``bm25_min``, a dense one within
    ``dense_margin`` of the best; ``expand_dense`` adds the glossary's and the dictionary's words
    to the question embedded (at most ``dense_terms`` to an English one: embedding time grows
    with the text, and the keyword side takes them all); clauses of documents other than those
    the question names are scaled by ``other_doc`` (those of a wider region holding the named
    documents' by ``wider_doc``: 浙江省's regulations for a question naming 杭州; 0.8 lifted a
    Shandong clause from third to first for a question naming 济南, and one seed question a
    place, lowering none; the same as ``other_doc`` is the old rule), clauses stating the kind of thing asked raised by
    ``kind_boost``;
    words added to a Chinese question count ``expansion_weight`` of its own words; the named
    documents ranked among themselves vote with ``named_weight`` of the global rankings' weight;
    ``group_docs`` (0 = off) ranks the best documents again with their own statistics;
    ``scores`` (dense, words, bigrams) weigh the normalised scores added up for every question
    (``by_score``; see ``Retriever._by_score``; False fuses the three rankings by rank with
    ``dense``, ``bm25`` and ``bigram``), whose clauses stating the kind of thing asked are
    raised by ``kind_boost_by_score`` (added scores spread wider than fused ranks: 0.25 moved
    such a clause fewer places; 0.25, 0.5 and 1.0 measured); ``passages`` searches the articles'
    passages beside their own vectors, once they are built (``bot.knowledge.passages``);
    clauses of a version of a document that a later version replaced are scaled by
    ``superseded`` (``bot.knowledge.versions``); asked about a penalty, an article citing
    another by number scores at least ``cited`` times that one (``bot.knowledge.references``;
    0 = off); a document's header (the notice or title that opens it: ``kind == "header"``)
    is scaled by ``header`` for a question that names no document and does not ask when one
    takes effect (a regulation's header is its title alone, whose vector sits near any question
    on its subject: "can we defer our social insurance?" got the title of the regulation on
    social insurance contributions second, above the article on deferring them; 0.3, 0.5 and
    0.75 measured, the same: four questions of the city's sets from second to first, none
    lower; a question that names its document or asks about its force keeps the header, which
    answers who issued it and when); a Chinese question is also embedded as asked, without
    the words added to it and sentence by sentence when it has several, each unit's best score
    for those weighing ``sentences`` beside its score for the question with its words (0 = off;
    ``Retriever._nearest``; 492 held-out city questions, recall@3 375 -> 379, recall@1 of the
    452 older ones 271 -> 276; 0.7 the same, 1.0, the question as asked alone, 377; an English
    question's sentences, each with fewer of the dictionary's words, 355: not for English).
    """

    dense: float = 0.5
    bm25: float = 1.0
    bigram: float = 1.0
    bm25_floor: float = 0.3
    bm25_min: float = 1.0
    dense_margin: float = 0.06
    expand_dense: bool = True
    dense_terms: int = 12  # at most this many added words in an embedded English question (0: all)
    other_doc: float = 0.6
    wider_doc: float = 0.8
    kind_boost: float = 0.25
    expansion_weight: float = 0.7
    named_weight: float = 0.5
    group_docs: int = 0
    by_score: bool = True
    scores: tuple[float, float, float] = (1.0, 0.5, 0.5)
    kind_boost_by_score: float = 0.5
    passages: bool = True
    superseded: float = 0.7
    cited: float = 1.0
    header: float = 0.5
    sentences: float = 0.5

    @property
    def weights(self) -> tuple[float, float, float]:
        return (self.dense, self.bm25, self.bigram)
