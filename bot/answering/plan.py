"""The values the answer path passes along: what answering reads (``Sources``), what the
conversation keeps (``Topic``), the decision about one question (``AnswerPlan``) and the
answer ready for the dialogue (``Composed``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain import Citation, Clause, DocumentMeta
from bot.eligibility import Rulebook


@dataclass(frozen=True)
class Topic:
    """What the conversation is about after an answer (kept in the session as JSON)."""

    doc: str | None = None
    clause: str | None = None  # clause key of the main citation
    programs: tuple[str, ...] = ()
    amount: int | None = None  # the last figure the user stated (yuan)
    question: str = ""
    related: tuple[str, ...] = ()  # clause keys of the other citations
    asks: tuple[str, ...] = ()  # what the last question asked (validity, number, ...)
    # the last answer said the documents do not say it (or cover it): a follow-up asking a
    # figure of it ("提前几天？") is not answered from the clause quoted beside that
    unsaid: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "clause": self.clause,
            "programs": list(self.programs),
            "amount": self.amount,
            "question": self.question,
            "related": list(self.related),
            "asks": list(self.asks),
            "unsaid": self.unsaid,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Topic:
        amount = data.get("amount")
        return cls(
            doc=str(data["doc"]) if data.get("doc") else None,
            clause=str(data["clause"]) if data.get("clause") else None,
            programs=tuple(str(p) for p in data.get("programs") or ()),
            amount=int(amount) if isinstance(amount, int | float) else None,
            question=str(data.get("question") or ""),
            related=tuple(str(k) for k in data.get("related") or ()),
            asks=tuple(str(a) for a in data.get("asks") or ()),
            unsaid=bool(data.get("unsaid")),
        )


@dataclass(frozen=True)
class Sources:
    """What answering reads: the documents and clauses, the rules, the vocabulary, places."""

    documents: Mapping[str, DocumentMeta]
    clauses: Sequence[Clause]
    rulebook: Rulebook
    vocabulary: frozenset[str] = frozenset()  # the documents' words and the glossary's
    places: frozenset[str] = frozenset()  # place names known to exist (normalised)
    expressed: frozenset[str] = frozenset()  # words the documents say in other words (司机)
    # a question's word -> the documents' more usual words for it (抽烟: 吸烟; the retriever's)
    usual: Callable[[str], Sequence[str]] = field(default=lambda word: ())


@dataclass(frozen=True)
class AnswerPlan:
    """What one answer says, decided before any sentence is written.

    ``asked`` is what the question asks (``reading.ASKED``); ``verdict`` answers a yes/no
    question (yes / no / unsaid); ``sentence`` is the evidence sentence of ``clause``, whole;
    ``value`` the figure the user stated; ``uncovered`` the subjects no document covers;
    ``place`` a place the question names that the document does not govern.
    """

    doc: str
    clause: Clause | None
    programs: tuple[str, ...]
    asked: str
    value: int | None = None
    sentence: str = ""
    verdict: str | None = None
    reason: str = ""  # the words of the clause a verdict rests on ("首次", "在嘉定注册")
    uncovered: tuple[str, ...] = ()
    place: str = ""
    followup: bool = False
    mismatch: bool = False  # the program is for individuals, the question about companies
    read: bool = False  # the verdict was read from a sentence with a modal word (yesno.py)
    # an English question's clause holds few of the dictionary's words for it: its figure is
    # quoted, not stated as the answer
    loose: bool = False
    # asked again with a figure that reaches a higher tier than the last ("明年到了3亿还能再拿
    # 吗" after 2.5亿): that tier's amount, and that the documents do not say how the tiers add
    higher_tier: bool = False


@dataclass(frozen=True)
class Composed:
    """An answer ready for the dialogue: text, citations (full clauses, rank order), topic."""

    text: str
    citations: tuple[Citation, ...]
    topic: Topic
    followup: bool = False
    has_programs: bool = False
    figures: tuple[str, ...] = field(default=())  # computed values shown with their working
