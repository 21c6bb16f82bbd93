"""Rules as data: the schema of ``knowledge/programs.yaml`` and ``knowledge/facts.yaml``.

The loader that reads and validates them is ``bot.eligibility.loader`` (``load_rulebook``,
``parse_rulebook``); ``read_yaml`` (the safe loader) is here, shared by whatever reads YAML.

    Rulebook      frozen: documents, facts, programs (mappings by id, in file order),
                  units (printed unit name -> English name), disclaimer (LocalText)
    Document      title, title_en, number, valid_from, valid_until, issuers; .in_force(today)
    Fact          id, type ("yes_no" | "money" | "number" | "choice" | "date"), label, prompt,
                  why, options (FactOption: id, label, aliases), yes_district, minimum
    Program       id, name, source (Source: doc, section, clause, quote), applicants,
                  conditions (Condition), amount (AmountRule), responsible, keywords, note
    Condition     fact + exactly one of: equals, in, gte, lte, within_years
    AmountRule    kind: "fixed" | "by_choice" | "tiers" | "percent" | "up_to" | "at_least" | "none"
    UNKNOWN       the fact value stored for a skipped / "don't know" answer: "unknown"

Every problem the loader finds raises ``bot.errors.KnowledgeError`` whose message names the file, the program
(or fact) id and the field, e.g. ``programs.yaml: program 'jd-events': field 'amount.cap_yuan':
...``. The rule objects are frozen pydantic models: they are the validated form of the rule files
and are read, never changed, by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.eligibility.fmt import LocalText

UNKNOWN = "unknown"


FactType = Literal["yes_no", "money", "number", "choice", "date"]
AmountKind = Literal["fixed", "by_choice", "tiers", "percent", "up_to", "at_least", "none"]
Period = Literal["once", "year", "month"]

_ID = r"^[a-z][a-z0-9_]*$"
_PROGRAM_ID = r"^[a-z][a-z0-9-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Document(_Model):
    """A policy document's title and effective period, as the programs need them."""

    title: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    number: str | None = None
    valid_from: date
    valid_until: date
    issuers: tuple[str, ...] = ()
    # A short English name for compact source lines ("Jiading Opinions").
    short_en: str | None = None

    @model_validator(mode="after")
    def _period(self) -> Document:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self

    def in_force(self, today: date) -> bool:
        return self.status(today) == "in_force"

    def status(self, today: date) -> Literal["not_yet", "in_force", "expired"]:
        """The rule of ``DocumentMeta.validity`` for a document with both dates."""
        if today < self.valid_from:
            return "not_yet"
        return "in_force" if today <= self.valid_until else "expired"


class FactOption(_Model):
    """A button for a choice fact; ``aliases`` are extra words a typed answer may use."""

    id: str = Field(pattern=_ID)
    label: LocalText
    aliases: tuple[str, ...] = ()


class Fact(_Model):
    """One thing we may ask the user, with its question and the reason we ask it."""

    id: str = Field(pattern=_ID)
    type: FactType
    label: LocalText
    prompt: LocalText
    why: LocalText
    options: tuple[FactOption, ...] = ()
    # yes/no facts about a place: a district name as the answer means yes for this district.
    yes_district: str | None = None
    minimum: int | None = None
    # Entry facts (who is asking, where it is registered) are asked before any other open
    # question: a higher priority first. They rule out whole groups of programs at once.
    priority: int = 0

    @model_validator(mode="after")
    def _shape(self) -> Fact:
        if self.type == "choice":
            if len(self.options) < 2:
                raise ValueError("a choice fact needs at least two options")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError("option ids must be unique")
            if UNKNOWN in ids:
                raise ValueError(f"'{UNKNOWN}' is reserved for skipped answers")
        elif self.options:
            raise ValueError("only choice facts have options")
        if self.yes_district is not None and self.type != "yes_no":
            raise ValueError("yes_district is only for yes_no facts")
        if self.minimum is not None and self.type not in ("money", "number"):
            raise ValueError("minimum is only for money and number facts")
        return self

    def option(self, option_id: str) -> FactOption | None:
        return next((o for o in self.options if o.id == option_id), None)


class Condition(_Model):
    """A test on one fact; exactly one comparison is given."""

    fact: str
    equals: bool | str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    gte: int | None = None
    lte: int | None = None
    within_years: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> Condition:
        given = [
            name
            for name in ("equals", "in_", "gte", "lte", "within_years")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError("give exactly one of equals, in, gte, lte, within_years")
        return self

    @property
    def kind(self) -> Literal["equals", "in", "gte", "lte", "within_years"]:
        if self.equals is not None:
            return "equals"
        if self.in_ is not None:
            return "in"
        if self.gte is not None:
            return "gte"
        if self.lte is not None:
            return "lte"
        return "within_years"


class Tier(_Model):
    """A threshold tier: a value of at least ``min`` earns ``yuan``."""

    min: int = Field(ge=0)
    yuan: int = Field(gt=0)
    label: LocalText


class AmountRule(_Model):
    """How a program's amount is fixed by its clause.

    fixed      ``yuan``, the same for everyone who qualifies
    by_choice  ``choices`` maps an option of ``fact`` to yuan (municipal 200万 / district 100万)
    tiers      the highest ``tiers`` entry whose ``min`` the value of ``fact`` reaches
    percent    ``rate_percent`` of the value of ``fact``, at most ``cap_yuan``
    up_to      at most ``yuan`` (with ``per: month`` and ``max_years`` for monthly subsidies)
    at_least   ``yuan`` or more, at the department's discretion (视其贡献)
    none       the clause states no amount; ``note`` says what it does state
    """

    kind: AmountKind
    yuan: int | None = Field(default=None, gt=0)
    fact: str | None = None
    choices: dict[str, int] | None = None
    tiers: tuple[Tier, ...] = ()
    rate_percent: int | None = Field(default=None, gt=0, le=100)
    cap_yuan: int | None = Field(default=None, gt=0)
    per: Period = "once"
    max_years: int | None = Field(default=None, gt=0)
    note: LocalText | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> AmountRule:
        need: dict[str, tuple[str, ...]] = {
            "fixed": ("yuan",),
            "by_choice": ("fact", "choices"),
            "tiers": ("fact", "tiers"),
            "percent": ("fact", "rate_percent"),
            "up_to": ("yuan",),
            "at_least": ("yuan",),
            "none": ("note",),
        }
        for name in need[self.kind]:
            if getattr(self, name) in (None, ()):
                raise ValueError(f"kind '{self.kind}' needs '{name}'")
        if self.kind == "tiers":
            mins = [t.min for t in self.tiers]
            if mins != sorted(set(mins)):
                raise ValueError("tiers must be in increasing order of min")
        if self.choices is not None and any(v <= 0 for v in self.choices.values()):
            raise ValueError("choice amounts must be positive")
        return self


class Source(_Model):
    """Where a program comes from: the clause and an exact quote of its text."""

    doc: str
    section: str = Field(min_length=1)
    clause: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class Keywords(_Model):
    """Words in a user's question that point at this program (matched after NFKC + lower)."""

    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)


TieKind = Literal["registered", "located", "settling", "event", "talent", "none"]
# The fact each tie adds as a condition: a district's opinions apply to that district's firms,
# parks and events even where a clause does not repeat "在嘉定注册".
TIE_FACTS: dict[str, str] = {
    "registered": "registered_in_jiading",
    "located": "registered_in_jiading",
    "event": "event_in_jiading",
}


class Tie(_Model):
    """What ties a district program to its district, and why (the clause or the document)."""

    kind: TieKind
    reason: LocalText


class Program(_Model):
    """One benefit of one clause, with who may apply, the conditions and the amount."""

    id: str = Field(pattern=_PROGRAM_ID)
    name: LocalText
    source: Source
    applicants: LocalText
    conditions: tuple[Condition, ...] = Field(min_length=1)
    amount: AmountRule
    responsible: tuple[str, ...] = Field(min_length=1)
    keywords: Keywords
    note: LocalText | None = None
    tie: Tie | None = None


class ProgramsFile(_Model):
    """The shape of ``programs.yaml``."""

    disclaimer: LocalText
    documents: dict[str, Document]
    units: dict[str, str]
    programs: tuple[Program, ...]


class FactsFile(_Model):
    """The shape of ``facts.yaml``."""

    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Rulebook:
    """Everything the engine needs, validated. Mappings keep file order."""

    documents: Mapping[str, Document]
    facts: Mapping[str, Fact]
    programs: Mapping[str, Program]
    units: Mapping[str, str]
    disclaimer: LocalText

    def fact(self, fact_id: str) -> Fact:
        return self.facts[fact_id]

    def program(self, program_id: str) -> Program:
        return self.programs[program_id]

    def document(self, doc_id: str) -> Document:
        return self.documents[doc_id]

    def amounts(self) -> frozenset[int]:
        """Every amount the rules state (fixed sums, tiers and their thresholds, caps, choices,
        money thresholds of conditions): what an answer may say without a clause stating it."""
        values: set[int] = set()
        for program in self.programs.values():
            rule = program.amount
            values.update(v for v in (rule.yuan, rule.cap_yuan) if v)
            values.update((rule.choices or {}).values())
            for tier in rule.tiers:
                values.update((tier.yuan, tier.min))
            for cond in program.conditions:
                values.update(v for v in (cond.gte, cond.lte) if isinstance(v, int) and v > 100)
        return frozenset(values)


# libyaml's loader where PyYAML was built with it (the wheels are): the same safe subset,
# several times faster, which a cold `policybot ask` feels (rules and glossary at start).
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> object:
    """YAML text read with the safe loader (libyaml's when available)."""
    return yaml.load(text, Loader=SAFE_LOADER)
