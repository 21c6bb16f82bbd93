"""JSON form of an eligibility outcome (for `policybot check --json` and scripts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.eligibility.engine import Outcome, ProgramResult
from bot.eligibility.fmt import LocalText
from bot.eligibility.schema import Rulebook


def _text(value: LocalText | None) -> dict[str, str] | None:
    return None if value is None else {"zh": value.zh, "en": value.en}


def outcome_data(rulebook: Rulebook, outcome: Outcome) -> dict[str, Any]:
    """The result as data, the shape ``chat --jsonl`` and ``check --json`` share:
    ``{"as_of", "programs": [{"id", "title", "doc", "doc_title", "clause", "status",
    "amount_yuan", "amount": {...}, "in_force", "validity", "reasons"}], "total": {...}}``."""
    summed = [r for r in outcome.results if r.in_total]
    return {
        "as_of": outcome.as_of.isoformat(),
        "programs": [_program_data(rulebook, r, outcome.as_of) for r in outcome.results],
        "total": {
            "amount_yuan": sum(r.amount.yuan for r in summed if r.amount and r.amount.yuan),
            "programs": [r.program_id for r in summed],
            "assumes": "eligible programs in force with an exact one-off amount",
        },
        "disclaimer": _text(outcome.disclaimer),
    }


def _program_data(rulebook: Rulebook, r: ProgramResult, as_of: date) -> dict[str, Any]:
    """One program's verdict as data."""
    program = rulebook.programs[r.program_id]
    document = rulebook.documents[program.source.doc]
    amount = r.amount
    yuan = amount.yuan if amount is not None and r.status != "not_eligible" else None
    return {
        "id": r.program_id,
        "title": r.name.zh,
        "title_en": r.name.en,
        "doc": program.source.doc,
        "doc_title": document.title,
        "clause": program.source.clause,
        "status": r.status,
        "amount_yuan": yuan,
        "amount": None
        if amount is None
        else {
            "qualifier": amount.qualifier,
            "per": amount.per,
            "max_years": amount.max_years,
            "up_to": amount.qualifier == "up_to",
            "at_least": amount.qualifier == "at_least",
            "applied": _text(amount.applied),
            "note": _text(amount.note),
        },
        "notice": _text(r.notice),
        "missing": list(r.missing),
        "in_force": r.in_force,
        "validity": document.status(as_of),
        "reasons": [x.zh for x in r.reasons] + [x.zh for x in r.hints],
        "responsible": list(program.responsible),
    }
