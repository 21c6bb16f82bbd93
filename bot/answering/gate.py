"""The gate: is the message a question at all (``check_question``), and is it about the
documents (the scope decision over the retrieval evidence)? ``QA.gate`` retrieves once and
decides; nothing is composed here. ``QA.ask`` answers a question with no conversation before
it through the one answer path (``bot.answering.answer``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.answering.plan import Sources, Topic
from bot.domain import Answer, DocumentMeta, Lang
from bot.eligibility import LocalText, Rulebook
from bot.errors import BadInput
from bot.knowledge.coverage import refusal
from bot.knowledge.index import KnowledgeBase
from bot.question import analyse
from bot.retrieval.retriever import Retrieval, Retriever
from bot.retrieval.scope import ScopeDecision, ScopeRules, decide
from bot.text import clean, detect_lang, is_traditional, to_traditional

MAX_QUESTION_CHARS = 1000
# Without a rules table the answer comes from the clauses alone.
_NO_RULES = Rulebook(
    documents={}, facts={}, programs={}, units={}, disclaimer=LocalText(zh="", en="")
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def check_question(raw: str) -> str:
    """The question cleaned of control characters; BadInput when it cannot be a question."""
    text = clean(raw).strip()
    lang: Lang = detect_lang(raw) if raw else "zh"
    if not text:
        raise BadInput(
            "empty question",
            "请输入您想了解的政策问题。"
            if lang == "zh"
            else "Please type a question about the policies.",
        )
    if len(text) > MAX_QUESTION_CHARS:
        raise BadInput(
            f"question of {len(text)} characters",
            f"问题太长了（{len(text)}字）。请用一两句话提问，不超过{MAX_QUESTION_CHARS}字。"
            if lang == "zh"
            else f"That message is too long ({len(text)} characters). Please ask in a sentence "
            f"or two, at most {MAX_QUESTION_CHARS} characters.",
        )
    if not _LETTER.search(text):
        raise BadInput(
            "no words in the question",
            "我只能读懂文字问题，请用文字描述您想了解的政策内容。"
            if lang == "zh"
            else "I can only read questions written in words; please type your question.",
        )
    return text


def out_of_scope(lang: Lang, traditional: bool, documents: dict[str, DocumentMeta]) -> Answer:
    """The refusal, naming the places and documents actually loaded."""
    text = refusal(lang, documents)
    return Answer(
        text=to_traditional(text) if traditional and lang == "zh" else text,
        in_scope=False,
        lang=lang,
    )


@dataclass(frozen=True)
class Gated:
    """A question past the gate: its text, the retrieval (done once) and the scope decision."""

    text: str
    lang: Lang
    traditional: bool
    scope: ScopeDecision
    retrieval: Retrieval


@dataclass(frozen=True)
class AskResult:
    """An answer with the evidence behind it (for logs, evaluation and tests)."""

    answer: Answer
    scope: ScopeDecision
    retrieval: Retrieval


class QA:
    """The gate over the knowledge base: check, retrieve once, decide the scope."""

    def __init__(
        self,
        kb: KnowledgeBase,
        retriever: Retriever,
        scope: ScopeRules,
        top_k: int = 5,
        rulebook: Rulebook | None = None,
    ) -> None:
        self.kb = kb
        self.retriever = retriever
        self.scope = scope
        self.top_k = top_k
        self.rulebook = rulebook if rulebook is not None else _NO_RULES

    def gate(self, question: str) -> Gated:
        """Check and retrieve ``question`` once; raises BadInput for unusable questions."""
        text = check_question(question)
        lang = detect_lang(text)
        retrieval = self.retriever.search(text, self.top_k)
        decision = decide(
            text,
            self.retriever.words(text),
            self.scope,
            glossary_terms=retrieval.terms,
            corpus_terms=self.retriever.distinctive_terms(text),
            top_dense=retrieval.top_dense,
        )
        return Gated(text, lang, lang == "zh" and is_traditional(text), decision, retrieval)

    def sources(self) -> Sources:
        return Sources(
            documents=self.kb.documents,
            clauses=self.kb.clauses,
            rulebook=self.rulebook,
            vocabulary=self.retriever.vocabulary,
            # a district of a city whose documents are loaded is a place, never a subject
            places=self.scope.covered_places | self.scope.located,
            expressed=self.retriever.expressed,
            usual=self.retriever.usual_words,
        )

    def ask(self, question: str, today: date) -> AskResult:
        """Answer ``question`` as of ``today`` with no conversation before it, through the one
        answer path (without the dialogue's context: use ``dialogue.answer_once`` for that)."""
        from bot.answering import answer

        gated = self.gate(question)
        if not gated.scope.in_scope:
            refused = out_of_scope(gated.lang, gated.traditional, dict(self.kb.documents))
            return AskResult(refused, gated.scope, gated.retrieval)
        query = analyse(gated.text)
        named = self.retriever.preferred_documents(query.norm)
        composed = answer(
            query,
            gated.retrieval.hits,
            self.sources(),
            Topic(),
            today,
            gated.lang,
            gated.traditional,
            named,
            gated.retrieval.terms,
        )
        if composed is None:
            refused = out_of_scope(gated.lang, gated.traditional, dict(self.kb.documents))
            return AskResult(refused, gated.scope, gated.retrieval)
        result = Answer(
            text=composed.text, in_scope=True, lang=gated.lang, citations=composed.citations
        )
        return AskResult(result, gated.scope, gated.retrieval)
