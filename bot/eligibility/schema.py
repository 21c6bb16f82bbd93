"""Rules as data: the schema of ``knowledge/programs.yaml`` and ``knowledge/facts.yaml``.

Also the loader that validates them.

Public API:

    load_rulebook(knowledge_dir: Path) -> Rulebook
        Reads ``programs.yaml`` and ``facts.yaml`` from ``knowledge_dir`` and validates them.
    parse_rulebook(programs_data: object, facts_data: object, *,
                   programs_file: str = "programs.yaml", facts_file: str = "facts.yaml") -> Rulebook
        The same from already-parsed YAML (no I/O); the file names only appear in errors.

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

Every problem raises ``bot.errors.KnowledgeError`` whose message names the file, the program
(or fact) id and the field, e.g. ``programs.yaml: program 'jd-events': field 'amount.cap_yuan':
...``. The rule objects are frozen pydantic models: they are the validated form of the rule files
and are read, never changed, by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.eligibility.fmt import LocalText
from bot.errors import KnowledgeError

UNKNOWN = "unknown"

_M = TypeVar("_M", bound=BaseModel)

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


class _ProgramsFile(_Model):
    disclaimer: LocalText
    documents: dict[str, Document]
    units: dict[str, str]
    programs: tuple[Program, ...]


class _FactsFile(_Model):
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


def load_rulebook(knowledge_dir: Path) -> Rulebook:
    """Read and validate ``programs.yaml`` and ``facts.yaml`` under ``knowledge_dir``."""
    programs_path = knowledge_dir / "programs.yaml"
    facts_path = knowledge_dir / "facts.yaml"
    return parse_rulebook(
        _read_yaml(programs_path),
        _read_yaml(facts_path),
        programs_file=str(programs_path),
        facts_file=str(facts_path),
    )


# libyaml's loader where PyYAML was built with it (the wheels are): the same safe subset,
# several times faster, which a cold `policybot ask` feels (rules and glossary at start).
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> object:
    """YAML text read with the safe loader (libyaml's when available)."""
    return yaml.load(text, Loader=SAFE_LOADER)


def _read_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as handle:
            return read_yaml(handle.read())
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read the rule file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc


def parse_rulebook(
    programs_data: object,
    facts_data: object,
    *,
    programs_file: str = "programs.yaml",
    facts_file: str = "facts.yaml",
) -> Rulebook:
    """Validate parsed rule files and check that they refer to each other consistently."""
    facts_file_model = _validate(_FactsFile, facts_data, facts_file, "facts", "fact")
    programs_model = _validate(_ProgramsFile, programs_data, programs_file, "programs", "program")

    facts: dict[str, Fact] = {}
    for fact in facts_file_model.facts:
        if fact.id in facts:
            raise KnowledgeError(f"{facts_file}: fact '{fact.id}': field 'id': duplicate id")
        facts[fact.id] = fact

    programs: dict[str, Program] = {}
    for program in programs_model.programs:
        if program.id in programs:
            raise KnowledgeError(
                f"{programs_file}: program '{program.id}': field 'id': duplicate id"
            )
        _check_program(program, facts, programs_model, programs_file)
        programs[program.id] = _with_tie(program, facts, programs_file)

    return Rulebook(
        documents=dict(programs_model.documents),
        facts=facts,
        programs=programs,
        units=dict(programs_model.units),
        disclaimer=programs_model.disclaimer,
    )


def _with_tie(program: Program, facts: Mapping[str, Fact], file: str) -> Program:
    """The program with the condition its district tie implies (first, so it is decisive)."""
    if program.tie is None or program.tie.kind not in TIE_FACTS:
        return program
    fact_id = TIE_FACTS[program.tie.kind]
    if fact_id not in facts:
        raise KnowledgeError(f"{file}: program '{program.id}': field 'tie': needs fact '{fact_id}'")
    if any(c.fact == fact_id for c in program.conditions):
        return program
    tie = Condition(fact=fact_id, equals=True)
    if program.tie.kind == "event":  # where the event is held matters once there is one
        return program.model_copy(update={"conditions": (*program.conditions, tie)})
    head = [c for c in program.conditions if c.fact == "entity_type"]
    rest = [c for c in program.conditions if c.fact != "entity_type"]
    return program.model_copy(update={"conditions": (*head, tie, *rest)})


def _validate(model: type[_M], data: object, file: str, list_key: str, noun: str) -> _M:
    if not isinstance(data, dict):
        raise KnowledgeError(f"{file}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise KnowledgeError(
            _describe(first["loc"], first["msg"], data, file, list_key, noun)
        ) from exc


def _describe(
    loc: tuple[int | str, ...], msg: str, data: dict[str, Any], file: str, list_key: str, noun: str
) -> str:
    """Turn a pydantic error location into "file: program 'id': field 'a.b': message"."""
    if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
        items = data.get(list_key)
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        item_id = item.get("id") if isinstance(item, dict) else None
        who = f"{noun} '{item_id}'" if item_id else f"{noun} #{loc[1] + 1}"
        field = _dotted(loc[2:]) or "(whole entry)"
        return f"{file}: {who}: field '{field}': {msg}"
    return f"{file}: field '{_dotted(loc)}': {msg}"


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("in" if part == "in_" else part)
    return out


def _check_program(
    program: Program, facts: Mapping[str, Fact], file_model: _ProgramsFile, file: str
) -> None:
    def fail(field: str, msg: str) -> KnowledgeError:
        return KnowledgeError(f"{file}: program '{program.id}': field '{field}': {msg}")

    if program.source.doc not in file_model.documents:
        raise fail("source.doc", f"unknown document '{program.source.doc}'")
    for unit in program.responsible:
        if unit not in file_model.units:
            raise fail("responsible", f"unit '{unit}' is not listed under 'units'")

    for i, cond in enumerate(program.conditions):
        where = f"conditions[{i}]"
        fact = facts.get(cond.fact)
        if fact is None:
            raise fail(f"{where}.fact", f"unknown fact '{cond.fact}'")
        problem = _condition_problem(cond, fact)
        if problem:
            raise fail(f"{where}.{cond.kind}", problem)

    rule = program.amount
    if rule.fact is not None:
        fact = facts.get(rule.fact)
        if fact is None:
            raise fail("amount.fact", f"unknown fact '{rule.fact}'")
        if rule.kind in ("tiers", "percent") and fact.type not in ("money", "number"):
            raise fail("amount.fact", f"'{fact.id}' is not a money or number fact")
        if rule.kind == "by_choice":
            if fact.type != "choice":
                raise fail("amount.fact", f"'{fact.id}' is not a choice fact")
            for option_id in rule.choices or {}:
                if fact.option(option_id) is None:
                    raise fail("amount.choices", f"'{option_id}' is not an option of '{fact.id}'")


def _condition_problem(cond: Condition, fact: Fact) -> str | None:
    kind = cond.kind
    if fact.type == "yes_no":
        if kind != "equals" or not isinstance(cond.equals, bool):
            return f"'{fact.id}' is yes/no: use 'equals: true' or 'equals: false'"
    elif fact.type == "choice":
        values = (cond.equals,) if kind == "equals" else cond.in_
        if kind not in ("equals", "in") or values is None:
            return f"'{fact.id}' is a choice: use 'equals' or 'in'"
        for value in values:
            if not isinstance(value, str) or fact.option(value) is None:
                return f"'{value}' is not an option of '{fact.id}'"
    elif fact.type in ("money", "number"):
        if kind not in ("gte", "lte"):
            return f"'{fact.id}' is a {fact.type} fact: use 'gte' or 'lte'"
    elif kind != "within_years":
        return f"'{fact.id}' is a date fact: use 'within_years'"
    return None
