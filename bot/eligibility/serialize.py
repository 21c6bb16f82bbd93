"""JSON form of an eligibility outcome (for `policybot check --json` and scripts)."""

from __future__ import annotations

from typing import Any

from bot.eligibility.engine import Outcome
from bot.eligibility.fmt import LocalText
from bot.eligibility.payout import AmountResult
from bot.eligibility.render import citation
from bot.eligibility.schema import Rulebook


def _text(value: LocalText | None) -> dict[str, str] | None:
    return None if value is None else {"zh": value.zh, "en": value.en}


def _amount(amount: AmountResult | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {
        "qualifier": amount.qualifier,
        "yuan": amount.yuan,
        "per": amount.per,
        "max_years": amount.max_years,
        "applied": _text(amount.applied),
        "note": _text(amount.note),
    }


def outcome_json(rulebook: Rulebook, outcome: Outcome) -> dict[str, Any]:
    return {
        "as_of": outcome.as_of.isoformat(),
        "results": [
            {
                "program": r.program_id,
                "name": _text(r.name),
                "status": r.status,
                "amount": _amount(r.amount),
                "reasons": [_text(x) for x in r.reasons],
                "hints": [_text(x) for x in r.hints],
                "missing": list(r.missing),
                "in_force": r.in_force,
                "notice": _text(r.notice),
                "failed_on": _text(r.failed_on),
                "citation": citation(rulebook, r.program_id).to_json(),
            }
            for r in outcome.results
        ],
        "disclaimer": _text(outcome.disclaimer),
    }


def _validity(document: Any, as_of: Any) -> str:
    if as_of < document.valid_from:
        return "not_yet"
    if as_of > document.valid_until:
        return "expired"
    return "in_force"


def outcome_data(rulebook: Rulebook, outcome: Outcome) -> dict[str, Any]:
    """The result as data, the shape ``chat --jsonl`` and ``check --json`` share:
    ``{"as_of", "programs": [{"id", "title", "doc", "doc_title", "clause", "status",
    "amount_yuan", "amount": {...}, "in_force", "validity", "reasons"}], "total": {...}}``."""
    programs = []
    total = 0
    summed: list[str] = []
    for r in outcome.results:
        program = rulebook.programs[r.program_id]
        document = rulebook.documents[program.source.doc]
        amount = r.amount
        yuan = amount.yuan if amount is not None and r.status != "not_eligible" else None
        programs.append(
            {
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
                "validity": _validity(document, outcome.as_of),
                "reasons": [x.zh for x in r.reasons] + [x.zh for x in r.hints],
                "responsible": list(program.responsible),
            }
        )
        if (
            r.status == "eligible"
            and r.in_force
            and amount is not None
            and amount.qualifier == "exact"
            and amount.yuan is not None
            and amount.per == "once"
        ):
            total += amount.yuan
            summed.append(r.program_id)
    return {
        "as_of": outcome.as_of.isoformat(),
        "programs": programs,
        "total": {
            "amount_yuan": total,
            "programs": summed,
            "assumes": "eligible programs in force with an exact one-off amount",
        },
        "disclaimer": _text(outcome.disclaimer),
    }
