"""Reading the rule files: ``load_rulebook`` (from the knowledge directory) and
``parse_rulebook`` (from parsed YAML, no I/O; the file names only appear in errors) validate
them against the schema (``bot.eligibility.schema``) and check that they refer to each other
consistently: facts defined, documents and units listed, conditions that fit their fact.

Every problem raises ``bot.errors.KnowledgeError`` whose message names the file, the program
(or fact) id and the field, e.g. ``programs.yaml: program 'jd-events': field 'amount.cap_yuan':
...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.eligibility.schema import (
    TIE_FACTS,
    Condition,
    Fact,
    FactsFile,
    Program,
    ProgramsFile,
    Rulebook,
    read_yaml,
)
from bot.errors import KnowledgeError

_M = TypeVar("_M", bound=BaseModel)


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
    facts_file_model = _validate(FactsFile, facts_data, facts_file, "facts", "fact")
    programs_model = _validate(ProgramsFile, programs_data, programs_file, "programs", "program")

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
    program: Program, facts: Mapping[str, Fact], file_model: ProgramsFile, file: str
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
