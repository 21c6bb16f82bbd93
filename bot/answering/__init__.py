"""The one answer path: gate -> resolve -> phrase -> evidence -> cite.

    gate.py      is it a question, is it about the documents (retrieval done once)
    resolve.py   Query + topic + retrieved clauses -> AnswerPlan (document, clause, sentence,
                 what was asked, the value, a yes/no verdict)
    reading.py   what a question asks; generic patterns for a sentence stating it
    evidence.py  the sentence that states it, whole (never cut before its figure)
    phrase.py    AnswerPlan -> lines, every sentence from the catalogue (bot.messages)
    amounts.py   the rules table's amounts as a lead (only for the programs asked about)
    validity.py  the document's status from DocumentMeta.validity, one sentence per status
    uncovered.py "the documents do not cover X", only when true
    places.py    places a question names and whether a document governs them
    programs.py  the programs a question names; follow-ups

``answer(query, hits, sources, topic, today, lang, traditional, named)`` returns the answer
for the dialogue (``Composed``) or None when nothing can be said. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.answering.evidence import MAX_CITATIONS, asks_procedure, citation_of, finish
from bot.answering.evidence import verbatim as _v
from bot.answering.gate import MAX_QUESTION_CHARS, QA, AskResult, Gated, check_question
from bot.answering.phrase import (
    Frame,
    cited_clauses,
    closing_notice,
    followup_note,
    lines_of,
    source_line,
)
from bot.answering.plan import AnswerPlan, Composed, Sources, Topic
from bot.answering.programs import match_programs
from bot.answering.resolve import resolve as resolve_plan
from bot.domain import Lang
from bot.messages import text as msg
from bot.question import Query
from bot.retrieval.retriever import Hit

__all__ = [
    "MAX_QUESTION_CHARS",
    "QA",
    "AnswerPlan",
    "AskResult",
    "Composed",
    "Gated",
    "Sources",
    "Topic",
    "answer",
    "asks_procedure",
    "check_question",
    "citation_of",
    "disclaimer",
    "match_programs",
    "rerender",
]


def answer(
    query: Query,
    hits: Sequence[Hit],
    sources: Sources,
    topic: Topic,
    today: date,
    lang: Lang,
    traditional: bool = False,
    named: frozenset[str] = frozenset(),
    terms: Sequence[str] = (),
    in_scope: bool = True,
) -> Composed | None:
    """The answer in the conversation's context; None when there is none (a question out of
    scope that is no follow-up and names no program)."""
    resolved = resolve_plan(query, hits, sources, topic, named, terms, in_scope)
    if resolved is None:
        return None
    plan, query = resolved
    frame = Frame(plan, query, sources, sources.documents[plan.doc], today, lang)
    lines, quote, working = lines_of(frame)
    if not lines:
        return None
    if plan.followup:
        lines[0] = followup_note(frame) + lines[0]
    out = [lines[0], *([f"「{_v(quote)}」"] if quote else []), *lines[1:], *working]
    source = source_line(frame)
    if source:
        out.append(source)
    warning = closing_notice(frame)
    if warning:
        out.append(warning)
    cited = cited_clauses(frame, [h.clause for h in hits], MAX_CITATIONS)
    new_topic = Topic(
        doc=plan.doc,
        clause=plan.clause.key if plan.clause is not None else None,
        programs=plan.programs,
        amount=plan.value,
        question=query.text if not plan.followup else topic.question,
        related=tuple(c.key for c in cited[1:]),
        asks=query.asks,
        unsaid=plan.verdict == "unsaid" or bool(plan.uncovered),
    )
    return Composed(
        text=finish("\n".join(out), traditional),
        citations=tuple(citation_of(c) for c in cited),
        topic=new_topic,
        followup=plan.followup,
        has_programs=bool(plan.programs),
    )


def rerender(composed: Composed, traditional: bool) -> Composed:
    return replace(composed, text=finish(composed.text, traditional))


def disclaimer(lang: Lang, traditional: bool) -> str:
    return msg("disclaimer", lang, traditional)
