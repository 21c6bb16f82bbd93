"""Frozen value types shared by the core and the channels; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Lang = Literal["zh", "en"]
Validity = Literal["in_force", "expired", "not_yet", "unknown"]


@dataclass(frozen=True)
class DocumentMeta:
    """One policy document's metadata, as kept beside its text under knowledge/."""

    id: str
    title: str
    title_en: str = ""
    number: str | None = None
    issuers: tuple[str, ...] = ()
    issue_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    region: str = ""
    script: str = "zh-Hans"
    interpreter: str | None = None
    source: str = ""
    # Names people use for the document or its region; a question naming one prefers it.
    aliases: tuple[str, ...] = ()
    # A later document that repeals or replaces this one (front matter only): it is expired.
    repealed_by: str | None = None
    superseded_by: str | None = None
    # The source file, relative to the documents folder (for `policybot documents`).
    file: str = ""

    def validity(self, today: date) -> Validity:
        """The document's status on ``today``; the one rule every caller uses.

        ``unknown`` when the document states no date at all (it may well be in force, but the
        assistant cannot say so); ``expired`` after ``valid_until`` or once repealed or
        superseded; ``not_yet`` before ``valid_from``; else ``in_force`` (open ends allowed
        once one of the dates is known).
        """
        if self.repealed_by or self.superseded_by:
            return "expired"
        if self.valid_until is not None and today > self.valid_until:
            return "expired"
        if self.valid_from is not None and today < self.valid_from:
            return "not_yet"
        if self.valid_from is None and self.valid_until is None:
            return "unknown"
        return "in_force"

    def in_force(self, today: date) -> bool:
        """True when ``today`` lies inside the document's effective period (open ends allowed).

        An undated document is not said to be in force (its validity is unknown), nor is a
        repealed one.
        """
        return self.validity(today) == "in_force"


@dataclass(frozen=True)
class Clause:
    """A retrievable unit: one clause (or one sentence group of a long clause) of a document."""

    key: str  # unique and stable: "<doc id>/<clause number>[/<part>]"
    doc_id: str
    doc_title: str
    section: (
        str  # title path, e.g. "二、培育直播和短视频产业生态 > （三）鼓励直播和短视频企业做大做强"
    )
    clause: str  # the clause number as printed: "（三）", "三是", "附则", "目标", "通知"
    text: str  # the original text, quoted to users
    norm: str  # the normalised text that is indexed
    kind: str = "item"  # header | preamble | goal | item | task | final
    responsible: tuple[str, ...] = ()
    order: int = 0  # position in the document
    part: int = 0  # sentence-group index within a long clause (0 when not split)


@dataclass(frozen=True)
class Unit:
    """What is embedded and keyword-indexed: a whole clause, or one of its sentences in context."""

    id: str  # "<clause key>#0" for the whole clause, "#1", "#2"... for its sentences
    clause: Clause
    text: str  # normalised text to index


@dataclass(frozen=True)
class Citation:
    """A quoted clause with its source, as shown to users and emitted in JSON."""

    doc: str
    title: str
    section: str
    clause: str
    text: str
    responsible: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "title": self.title,
            "section": self.section,
            "clause": self.clause,
            "text": self.text,
            "responsible": list(self.responsible),
        }


@dataclass(frozen=True)
class Option:
    """A button: ``id`` comes back as a choice, ``label`` is shown."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message from the assistant to a user, before a channel renders it."""

    text: str
    options: tuple[Option, ...] = ()
    citations: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "citations": [c.to_json() for c in self.citations],
        }


@dataclass(frozen=True)
class Answer:
    """The answer to one policy question (the `ask` result)."""

    text: str
    in_scope: bool
    lang: Lang
    citations: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "in_scope": self.in_scope,
            "lang": self.lang,
            "citations": [c.to_json() for c in self.citations],
        }


@dataclass(frozen=True)
class Incoming:
    """One user event from any channel: typed text, or a pressed button (``choice``)."""

    chat_id: str
    text: str | None = None
    choice: str | None = None
    user_id: str | None = None
    # "unsupported" marks stickers, photos, files...: the core answers them politely.
    kind: Literal["text", "choice", "unsupported"] = "text"
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
