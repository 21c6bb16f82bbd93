"""JSON form of an eligibility outcome (for `policybot check --json` and scripts)."""

from __future__ import annotations

from typing import Any

from bot.eligibility.engine import AmountResult, Outcome
from bot.eligibility.fmt import LocalText
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
