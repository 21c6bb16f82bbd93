"""The last step of the answer path when a language model is configured: it words the lead.

The plan and the extractive answer are the assistant's (``answer`` in this package); the model
may only re-word the lead lines, in the user's language and script, from the retrieved clauses.
Its text replaces them when the guard (``bot.llm.guard``) finds nothing it cannot back; the
quote, the source line and any validity notice stay the assistant's, and one short line says
that a model worded the answer. Otherwise the extractive answer is kept and the reason is
returned for the question log and ``policybot stats``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.answering.plan import Composed, Sources
from bot.domain import Clause, Lang
from bot.llm.guard import Sources as GuardSources
from bot.llm.writer import AnswerWriter, Draft, Fallback
from bot.messages import text as msg
from bot.question import Query
from bot.retrieval.retriever import Hit
from bot.text import to_traditional

_QUOTE = "「"


def _retrieved(hits: Sequence[Hit], composed: Composed, sources: Sources) -> list[Clause]:
    """The clauses the model may cite: those retrieved, and those the answer cites."""
    clauses = {h.clause.key: h.clause for h in hits}
    cited = {(c.doc, c.clause) for c in composed.citations}
    for clause in sources.clauses:
        if (clause.doc_id, clause.clause) in cited:
            clauses.setdefault(clause.key, clause)
    return list(clauses.values())


def _names(clauses: Iterable[Clause], sources: Sources) -> list[str]:
    names: list[str] = []
    for clause in clauses:
        meta = sources.documents.get(clause.doc_id)
        if meta is not None:
            names += [meta.title, meta.title_en, *meta.issuers]
        names += list(clause.responsible)
    return [n for n in dict.fromkeys(names) if n]


def word(
    writer: AnswerWriter,
    composed: Composed,
    query: Query,
    hits: Sequence[Hit],
    sources: Sources,
    lang: Lang,
    traditional: bool,
    said: Sequence[str] = (),
) -> tuple[Composed, str]:
    """``composed`` with its lead worded by the model, and "model"; or ``composed`` unchanged
    and "fallback:<reason>". ``said`` is what the user wrote before in this conversation."""
    lines = composed.text.splitlines()
    quote_at = next((i for i, ln in enumerate(lines) if ln.startswith(_QUOTE)), 1)
    lead, rest = lines[:quote_at] or lines[:1], lines[quote_at:] if quote_at else lines[1:]
    clauses = _retrieved(hits, composed, sources)
    locale = "en" if lang == "en" else "zh-Hant" if traditional else "zh-Hans"
    draft = Draft(
        question=query.text,
        locale=locale,
        asked=", ".join(query.asks) or "see the question",
        plan="\n".join(lead),
        clauses=[(c.key, c.doc_title, c.text) for c in clauses],
        sources=GuardSources(
            clauses=[(c.key, c.text) for c in clauses],
            extractive=composed.text,
            user_words=[query.text, *said],
            rule_money=sources.rulebook.amounts(),
            names=_names(clauses, sources),
        ),
    )
    outcome = writer.word(draft)
    if isinstance(outcome, Fallback):
        return composed, f"fallback:{outcome.reason}"
    worded = to_traditional(outcome.text) if traditional else outcome.text
    text = "\n".join([worded, msg("llm.worded", lang, traditional), *rest])
    return replace(composed, text=text), "model"
