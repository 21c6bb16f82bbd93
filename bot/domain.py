"""Frozen value types shared by the core and the channels; no I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Lang = Literal["zh", "en"]
Flow = Literal["idle", "eligibility"]
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

    @classmethod
    def of(cls, clause: Clause) -> Citation:
        """The citation of a clause: its document, section, number, full text and units."""
        return cls(
            doc=clause.doc_id,
            title=clause.doc_title,
            section=clause.section,
            clause=clause.clause,
            text=clause.text,
            responsible=clause.responsible,
        )

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
    """One message from the assistant, before a channel renders it.

    ``to`` names the recipient when it is not the chat the turn came from (a staff group, or
    the user a staff member answers): a channel id string as the channel knows it. ``slot``
    names a message that a later reply with the same slot replaces in place where the channel
    can edit messages (a checklist whose toggles edit it); elsewhere it is shown anew.
    ``data`` carries structured content (an eligibility result) beside the text.
    """

    text: str
    options: tuple[Option, ...] = ()
    citations: tuple[Citation, ...] = ()
    to: str | None = None
    slot: str | None = None
    data: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "citations": [c.to_json() for c in self.citations],
        }
        if self.to is not None:
            out["to"] = self.to
        if self.slot is not None:
            out["slot"] = self.slot
        if self.data is not None:
            out.update(self.data)
        return out


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
    # A group chat: several people share the chat, each with a conversation of their own.
    group: bool = False
    # When the user sent it; ``Conversation.turn`` stamps the time when a channel did not.
    at: datetime | None = None

    @property
    def session_key(self) -> str:
        """Whose conversation this is: the chat, or (chat, user) in a group chat."""
        if self.group and self.user_id:
            return f"{self.chat_id}:{self.user_id}"
        return self.chat_id


@dataclass(frozen=True)
class Session:
    """One chat's conversation state; JSON-serialisable through ``to_json``/``from_json``."""

    chat_id: str
    lang: Lang = "zh"
    lang_fixed: bool = False  # chosen with /lang: no longer follows the user's writing
    flow: Flow = "idle"
    facts: Mapping[str, Any] = field(default_factory=dict)
    focus: tuple[str, ...] = ()
    pending: str | None = None  # the fact id asked and not yet answered
    answered: tuple[str, ...] = ()  # fact ids in the order they were answered (for "back")
    retries: int = 0  # invalid answers to the pending question so far
    offer: tuple[str, ...] = ()  # programs to check if the user presses "check eligibility"
    traditional: bool = False  # the user writes Traditional Chinese: generated text follows
    # What the conversation is about: the last answer's document, clause, programs, facts,
    # question (plain JSON data; see bot.dialogue.context). Empty at the start.
    topic: Mapping[str, Any] = field(default_factory=dict)
    last_at: str | None = None  # ISO time of the last message (a conversation idles out)
    disclaimed: bool = False  # the disclaimer was shown in this conversation
    # A "which of these apply?" question: its fact ids, and those ticked so far.
    checklist: tuple[str, ...] = ()
    ticked: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        facts = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.facts.items()}
        return {
            "lang": self.lang,
            "lang_fixed": self.lang_fixed,
            "flow": self.flow,
            "facts": facts,
            "focus": list(self.focus),
            "pending": self.pending,
            "answered": list(self.answered),
            "retries": self.retries,
            "offer": list(self.offer),
            "traditional": self.traditional,
            "topic": dict(self.topic),
            "last_at": self.last_at,
            "disclaimed": self.disclaimed,
            "checklist": list(self.checklist),
            "ticked": list(self.ticked),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], chat_id: str) -> Session:
        """Rebuild a saved session; raises TypeError/ValueError for data of the wrong shape."""
        if not isinstance(data, Mapping):
            raise TypeError("session data must be an object")
        lang = data.get("lang", "zh")
        flow = data.get("flow", "idle")
        if lang not in ("zh", "en") or flow not in ("idle", "eligibility"):
            raise ValueError("bad session data")
        facts = data.get("facts") or {}
        if not isinstance(facts, Mapping):
            raise TypeError("facts must be an object")
        return cls(
            chat_id=chat_id,
            lang=lang,
            lang_fixed=bool(data.get("lang_fixed", False)),
            flow=flow,
            facts=dict(facts),
            focus=tuple(str(x) for x in data.get("focus") or ()),
            pending=str(data["pending"]) if data.get("pending") else None,
            answered=tuple(str(x) for x in data.get("answered") or ()),
            retries=int(data.get("retries", 0)),
            offer=tuple(str(x) for x in data.get("offer") or ()),
            traditional=bool(data.get("traditional", False)),
            topic=dict(data.get("topic") or {})
            if isinstance(data.get("topic") or {}, Mapping)
            else {},
            last_at=str(data["last_at"]) if data.get("last_at") else None,
            disclaimed=bool(data.get("disclaimed", False)),
            checklist=tuple(str(x) for x in data.get("checklist") or ()),
            ticked=tuple(str(x) for x in data.get("ticked") or ()),
        )


@dataclass(frozen=True)
class LogEntry:
    """A question and how it was answered, for the question log (staff triage, statistics)."""

    text: str
    lang: str
    in_scope: bool
    answered: bool
    top_clause: str | None = None
    answer: str = ""  # the reply's first text, as the user saw it
    token: str | None = None  # the id the reply's 👍/👎 buttons carry
    answered_by: Literal["assistant", "faq", "staff", "none"] | None = None  # None: by answered
    faq_id: int | None = None
    # With a language model: "model" when it worded the answer, "fallback:<reason>" when the
    # assistant's own answer was kept (guard, timeout, rate_limited, error, malformed).
    worded: str = ""


@dataclass(frozen=True)
class Effect:
    """Something a turn asks the turn owner to write besides the session and the log (a
    ticket opened, a 👍 recorded, staff answers delivered): data, applied by
    ``bot.conversation`` in the turn's transaction. The kinds are the staff desk's
    (``bot.staff.effects``)."""


@dataclass(frozen=True)
class Forget(Effect):
    """``/forget``: the saved session goes (not saved again), and with it everything kept
    about the conversation: its question log entries and tickets."""


@dataclass(frozen=True)
class Turn:
    """What one turn produced: the new session, the replies, what to log, what else to write.

    The dialogue (and the staff stage in its router) returns it and does no I/O;
    ``bot.conversation`` saves the session, logs, applies the effects and (for channels with
    an outbox) queues the replies, in one transaction.
    """

    session: Session
    replies: tuple[Reply, ...]
    log: tuple[LogEntry, ...] = ()
    effects: tuple[Effect, ...] = ()


SHANGHAI_TZ = "Asia/Shanghai"


def shanghai_today() -> date:
    """Today's date in Shanghai, whatever the machine's time zone (UTC on most servers): a
    policy that ends on 31 December has ended at midnight Shanghai time, eight hours before
    UTC midnight."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(SHANGHAI_TZ)).date()
