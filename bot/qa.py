"""Policy question answering: validate the question, gate its scope, retrieve, compose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.compose import compose
from bot.domain import Answer, DocumentMeta, Lang
from bot.errors import BadInput
from bot.knowledge.coverage import refusal
from bot.knowledge.index import KnowledgeBase
from bot.retrieval.retriever import Retrieval, Retriever
from bot.retrieval.scope import ScopeDecision, ScopeRules, decide
from bot.text import clean, detect_lang, is_traditional, to_traditional

MAX_QUESTION_CHARS = 1000
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
class AskResult:
    """An answer with the evidence behind it (for logs, evaluation and the dialogue)."""

    answer: Answer
    scope: ScopeDecision
    retrieval: Retrieval


class QA:
    """Answers policy questions from the knowledge base."""

    def __init__(
        self, kb: KnowledgeBase, retriever: Retriever, scope: ScopeRules, top_k: int = 5
    ) -> None:
        self.kb = kb
        self.retriever = retriever
        self.scope = scope
        self.top_k = top_k

    def ask(self, question: str, today: date) -> AskResult:
        """Answer ``question`` as of ``today``; raises BadInput for unusable questions."""
        text = check_question(question)
        lang = detect_lang(text)
        traditional = lang == "zh" and is_traditional(text)
        retrieval = self.retriever.search(text, self.top_k)
        decision = decide(
            text,
            self.retriever.words(text),
            self.scope,
            glossary_terms=retrieval.terms,
            corpus_terms=self.retriever.distinctive_terms(text),
            top_dense=retrieval.top_dense,
        )
        if not decision.in_scope:
            answer = out_of_scope(lang, traditional, self.kb.documents)
        else:
            answer = compose(
                text,
                retrieval.hits,
                self.kb.documents,
                today,
                lang,
                traditional,
                terms=retrieval.terms,
            )
        return AskResult(answer, decision, retrieval)
