"""Table-driven engine cases, OpenFisca style: one YAML file per program in tests/eligibility/.

A case gives the facts, the as-of date and the expected outcome of that program alone:

    expect: {status, amount, in_force}        required unless `ask` is given
            qualifier, per, max_years         optional checks of the amount
            applied, hint, reason, notice     optional: a text the zh trace must contain
            missing                           optional: the facts still missing
            no_hints                          optional: true when no near-miss hint is expected
            ask                               the fact id of the question expected next
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.eligibility import Ask, Outcome, evaluate, load_rulebook

HERE = Path(__file__).resolve().parent
CASE_DIR = HERE / "eligibility"
RULEBOOK = load_rulebook(HERE.parent / "knowledge")


def _cases():
    for path in sorted(CASE_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(data["program"], case, id=f"{path.stem}: {case['name']}")


CASES = list(_cases())


def test_every_program_has_a_case_file_with_both_outcomes():
    files = {p.stem for p in CASE_DIR.glob("*.yaml")}
    assert files == set(RULEBOOK.programs)
    for path in CASE_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["program"] == path.stem
        statuses = {c["expect"].get("status") for c in data["cases"]}
        assert {"eligible", "not_eligible"} <= statuses, path.name


@pytest.mark.parametrize("program_id, case", CASES)
def test_case(program_id, case):
    expect = case["expect"]
    step = evaluate(RULEBOOK, case["facts"], case["as_of"], focus={program_id})
    if "ask" in expect:
        assert isinstance(step, Ask)
        assert step.fact.id == expect["ask"]
        assert program_id in step.programs
        return
    assert isinstance(step, Outcome), f"unexpected question: {getattr(step, 'fact', None)}"
    (result,) = step.results
    assert result.program_id == program_id
    assert result.status == expect["status"]
    assert result.in_force == expect["in_force"]
    amount = result.amount.yuan if result.amount is not None else None
    assert amount == expect["amount"]
    if result.status == "not_eligible":
        assert result.amount is None
    for key in ("qualifier", "per", "max_years"):
        if key in expect:
            assert getattr(result.amount, key) == expect[key]
    zh_trace = "\n".join(r.zh for r in result.reasons)
    hints = "\n".join(h.zh for h in result.hints)
    if "applied" in expect:
        assert result.amount.applied is not None
        assert expect["applied"] in result.amount.applied.zh
    if "hint" in expect:
        assert expect["hint"] in hints
    if expect.get("no_hints"):
        assert not result.hints
    if "reason" in expect:
        assert expect["reason"] in zh_trace
    if "missing" in expect:
        assert list(result.missing) == expect["missing"]
    if "notice" in expect:
        assert result.notice is not None
        assert str(expect["notice"]) in result.notice.zh
        assert str(expect["notice"]) in result.notice.en
    else:
        assert result.notice is None
    assert step.disclaimer.zh and step.disclaimer.en
