"""The eligibility engine: facts known so far -> the next question, or the result per program.

Pure: no I/O, no clock, no globals; "today" is passed in. Facts are a plain
``Mapping[str, object]`` keyed by fact id; a skipped / "don't know" answer is the string
``"unknown"``. Values: yes/no -> ``bool``; money and number -> ``int`` (yuan for money);
choice -> the option id; date -> ``datetime.date`` (an ISO string is accepted too).
Keys that are not facts of the rulebook are ignored.

Public API:

    evaluate(rulebook: Rulebook, facts: Mapping[str, object], today: date,
             focus: Collection[str] | None = None) -> Ask | Outcome
        The next question while one can still change an undecided program's outcome,
        otherwise the result. ``focus`` restricts the walk-through to these program ids
        (None or empty: all programs); an unknown id raises ``ValueError``.
    assess(rulebook, facts, today, focus=None) -> Outcome
        The result with what is known now; programs still waiting for answers are
        "undetermined" and list the facts they wait for in ``missing``.
    focus_from_text(rulebook: Rulebook, text: str) -> frozenset[str]
        Program ids whose keywords (zh or en, from the YAML) occur in a free-text question;
        empty when none match. "营收首超3亿能拿多少" -> {"jd-revenue-milestone"}.

    Ask(fact: Fact, programs: tuple[str, ...])      the question and the programs it can decide
    Outcome(as_of, results: tuple[ProgramResult, ...], disclaimer: LocalText)
        .eligible / .undetermined / .not_eligible -> tuple[ProgramResult, ...]
    ProgramResult(program_id, name, status, amount, reasons, hints, missing, in_force, notice)
        status: "eligible" | "not_eligible" | "undetermined"
        amount: AmountResult | None (None when not eligible, or when it cannot be told yet)
        reasons: tuple[LocalText, ...], the trace, e.g.
                 "年主营业务收入3.2亿元，首超3亿元档 → 100万元"
        hints: near misses, e.g. "首超5亿元档为200万元（还差1.8亿元）"
        notice: LocalText | None, set when the document is not in force on ``today``
        failed_on: LocalText | None, the first failed condition with the answer given
    AmountResult(qualifier, yuan, per, max_years, applied, note)
        qualifier: "exact" | "up_to" | "at_least" | "none" (the text states no figure)
        yuan: int | None; per: "once" | "year" | "month"; applied: the tier or cap used

Programs whose document is not in force on ``today`` are still evaluated and flagged (``in_force``,
``notice``), so a user learns what they would have got; leave them out with ``focus``.

How the next question is chosen: for every program in focus that is not ruled out yet, each
unanswered fact in its conditions scores 2 and each unanswered fact only needed for its amount
scores 1; the fact with the highest total is asked, ties going to the fact listed first in
facts.yaml (entry questions such as the applicant type come first there). A program that has
failed a condition no longer asks anything, so no question is asked whose answer cannot change
a result.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.eligibility.fmt import LocalText, format_date, normalize
from bot.eligibility.payout import AmountResult, amount_of, drop_once, tier_hints
from bot.eligibility.schema import UNKNOWN, Condition, Document, Fact, Program, Rulebook
from bot.eligibility.trace import FactValue, condition_line, value_text
from bot.messages import text as msg
from bot.text import whole_word

Status = Literal["eligible", "not_eligible", "undetermined"]
_State = Literal["pass", "fail", "unknown", "pending"]


@dataclass(frozen=True)
class ProgramResult:
    """The verdict on one program, with its explanation."""

    program_id: str
    name: LocalText
    status: Status
    amount: AmountResult | None
    reasons: tuple[LocalText, ...]
    hints: tuple[LocalText, ...]
    missing: tuple[str, ...]  # unanswered / "unknown" facts it waits on (empty if not eligible)
    in_force: bool
    notice: LocalText | None = None
    failed_on: LocalText | None = None  # "在嘉定注册：否": the first condition that failed

    @property
    def in_total(self) -> bool:
        """Whether its amount counts in a total: eligible, in force, a fixed one-off sum."""
        fixed = self.amount is not None and self.amount.fixed_one_off
        return self.status == "eligible" and self.in_force and fixed


@dataclass(frozen=True)
class Outcome:
    """The result of a walk-through on ``as_of``; the disclaimer is always shown with it."""

    as_of: date
    results: tuple[ProgramResult, ...]
    disclaimer: LocalText

    def _with(self, status: Status) -> tuple[ProgramResult, ...]:
        return tuple(r for r in self.results if r.status == status)

    @property
    def eligible(self) -> tuple[ProgramResult, ...]:
        return self._with("eligible")

    @property
    def undetermined(self) -> tuple[ProgramResult, ...]:
        return self._with("undetermined")

    @property
    def not_eligible(self) -> tuple[ProgramResult, ...]:
        return self._with("not_eligible")

    def result(self, program_id: str) -> ProgramResult:
        return next(r for r in self.results if r.program_id == program_id)


@dataclass(frozen=True)
class Ask:
    """The next question: the fact to ask and the programs its answer can decide."""

    fact: Fact
    programs: tuple[str, ...]


# ------------------------------------------------------------------------------ public API


def evaluate(
    rulebook: Rulebook,
    facts: Mapping[str, object],
    today: date,
    focus: Collection[str] | None = None,
) -> Ask | Outcome:
    """Return the most decisive open question, or the result when no question is left."""
    programs = _select(rulebook, focus)
    known = _coerce_all(rulebook, facts)
    scores: dict[str, int] = {}
    current: dict[str, int] = {}  # the same, counting only programs whose document is in force
    askers: dict[str, list[str]] = {}
    for program in programs:
        in_force = rulebook.documents[program.source.doc].in_force(today)
        open_conditions, open_amount = _open_facts(program, known, today)
        for fact_id, weight in [(f, 2) for f in open_conditions] + [(f, 1) for f in open_amount]:
            scores[fact_id] = scores.get(fact_id, 0) + weight
            current[fact_id] = current.get(fact_id, 0) + (weight if in_force else 0)
            askers.setdefault(fact_id, []).append(program.id)
    if scores:
        order = {fact_id: i for i, fact_id in enumerate(rulebook.facts)}
        # Entry facts (who is asking, where) decide most programs and go first; then the
        # questions of programs in force come before those of expired documents.
        best = max(
            scores,
            key=lambda f: (
                rulebook.facts[f].priority,
                current.get(f, 0) > 0,
                scores[f],
                -order[f],
            ),
        )
        return Ask(fact=rulebook.facts[best], programs=tuple(askers[best]))
    return _outcome(rulebook, programs, known, today)


def checklist(
    rulebook: Rulebook,
    facts: Mapping[str, object],
    today: date,
    focus: Collection[str] | None = None,
) -> tuple[Fact, ...]:
    """Independent yes/no facts that can be asked together as one "which of these apply?"
    question: each open yes/no condition of a program still in play that no open number,
    amount, date or choice condition of that program comes before; programs in force first.
    Facts that name a place (where a firm is registered) are asked on their own."""
    known = _coerce_all(rulebook, facts)
    programs = sorted(
        _select(rulebook, focus),
        key=lambda p: not rulebook.documents[p.source.doc].in_force(today),
    )
    found: dict[str, Fact] = {}
    for program in programs:
        states = [_check(c, known, today) for c in program.conditions]
        if "fail" in states:
            continue
        for cond, state in zip(program.conditions, states, strict=True):
            if state != "pending":
                continue
            fact = rulebook.facts[cond.fact]
            if fact.type != "yes_no" or fact.yes_district is not None:
                break
            found.setdefault(fact.id, fact)
    return tuple(found.values())


def assess(
    rulebook: Rulebook,
    facts: Mapping[str, object],
    today: date,
    focus: Collection[str] | None = None,
) -> Outcome:
    """The result from what is known now, without asking anything more."""
    return _outcome(rulebook, _select(rulebook, focus), _coerce_all(rulebook, facts), today)


def focus_from_text(rulebook: Rulebook, text: str) -> frozenset[str]:
    """Programs whose keywords occur in ``text`` (Chinese as substrings, English as words)."""
    norm = normalize(text)
    hits = set()
    for program in rulebook.programs.values():
        words = program.keywords
        if any(normalize(k) in norm for k in words.zh) or any(
            whole_word(normalize(k)).search(norm) for k in words.en
        ):
            hits.add(program.id)
    return frozenset(hits)


# ------------------------------------------------------------------------------ facts


def _select(rulebook: Rulebook, focus: Collection[str] | None) -> list[Program]:
    if not focus:
        return list(rulebook.programs.values())
    unknown = sorted(set(focus) - set(rulebook.programs))
    if unknown:
        raise ValueError(f"unknown program id(s) in focus: {', '.join(unknown)}")
    return [p for p in rulebook.programs.values() if p.id in focus]


def _coerce_all(rulebook: Rulebook, facts: Mapping[str, object]) -> dict[str, FactValue]:
    return {k: _coerce(rulebook.facts[k], v) for k, v in facts.items() if k in rulebook.facts}


def _coerce(fact: Fact, value: object) -> FactValue:
    """Check a stored answer against its fact's type (accepting JSON-friendly forms)."""
    if value == UNKNOWN:
        return UNKNOWN
    if fact.type == "yes_no":
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
    elif fact.type in ("money", "number"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            if fact.minimum is not None and value < fact.minimum:
                raise ValueError(f"fact '{fact.id}': {value!r} is below the minimum {fact.minimum}")
            return round(value)
    elif fact.type == "choice":
        if isinstance(value, str) and fact.option(value) is not None:
            return value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"fact '{fact.id}' ({fact.type}): unusable value {value!r}")


# ------------------------------------------------------------------------------ conditions


def _check(cond: Condition, known: Mapping[str, FactValue], today: date) -> _State:
    if cond.fact not in known:
        return "pending"
    value = known[cond.fact]
    if value == UNKNOWN:
        return "unknown"
    kind = cond.kind
    if kind == "equals":
        ok = value == cond.equals
    elif kind == "in":
        ok = value in (cond.in_ or ())
    elif kind == "gte":
        ok = isinstance(value, int) and cond.gte is not None and value >= cond.gte
    elif kind == "lte":
        ok = isinstance(value, int) and cond.lte is not None and value <= cond.lte
    else:
        ok = (
            isinstance(value, date)
            and cond.within_years is not None
            and value <= today < _add_years(value, cond.within_years)
        )
    return "pass" if ok else "fail"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _open_facts(
    program: Program, known: Mapping[str, FactValue], today: date
) -> tuple[list[str], list[str]]:
    """Unanswered facts that can still change this program's outcome: (conditions, amount)."""
    states = [_check(c, known, today) for c in program.conditions]
    if "fail" in states:
        return [], []
    conditions = list(
        dict.fromkeys(
            c.fact for c, s in zip(program.conditions, states, strict=True) if s == "pending"
        )
    )
    amount_fact = program.amount.fact
    amount = (
        [amount_fact]
        if amount_fact is not None and amount_fact not in known and amount_fact not in conditions
        else []
    )
    return conditions, amount


# ------------------------------------------------------------------------------ result


def _outcome(
    rulebook: Rulebook, programs: list[Program], known: Mapping[str, FactValue], today: date
) -> Outcome:
    results = tuple(_program_result(rulebook, p, known, today) for p in programs)
    return Outcome(as_of=today, results=results, disclaimer=rulebook.disclaimer)


def _program_result(
    rulebook: Rulebook, program: Program, known: Mapping[str, FactValue], today: date
) -> ProgramResult:
    states = [_check(c, known, today) for c in program.conditions]
    reasons = [
        condition_line(rulebook, c, s, known)
        for c, s in zip(program.conditions, states, strict=True)
    ]
    missing = list(
        dict.fromkeys(
            c.fact
            for c, s in zip(program.conditions, states, strict=True)
            if s in ("pending", "unknown")
        )
    )
    amount: AmountResult | None = None
    hints: list[LocalText] = []
    failed_on: LocalText | None = None
    if "fail" in states:
        status: Status = "not_eligible"
        missing = []  # nothing more can change it
        hints = tier_hints(rulebook, program, known, states)
        first = program.conditions[states.index("fail")]
        fact, shown = (
            rulebook.facts[first.fact],
            value_text(rulebook.facts[first.fact], known[first.fact]),
        )
        failed_on = LocalText(zh=f"{fact.label.zh}：{shown.zh}", en=f"{fact.label.en}: {shown.en}")
    else:
        status = "eligible" if all(s == "pass" for s in states) else "undetermined"
        amount, amount_lines, hints = amount_of(rulebook, program.amount, known)
        if amount is not None and amount.per == "once" and "一次性" not in program.source.quote:
            amount = replace(amount, once_stated=False)
            amount_lines = [drop_once(line) for line in amount_lines]
        reasons.extend(amount_lines)
        fact_id = program.amount.fact
        if (
            fact_id is not None
            and known.get(fact_id, UNKNOWN) == UNKNOWN
            and fact_id not in missing
        ):
            missing.append(fact_id)

    document = rulebook.documents[program.source.doc]
    in_force = document.in_force(today)
    return ProgramResult(
        program_id=program.id,
        name=program.name,
        status=status,
        amount=amount,
        reasons=tuple(reasons),
        hints=tuple(hints),
        missing=tuple(missing),
        in_force=in_force,
        notice=_validity_notice(document, today, status),
        failed_on=failed_on,
    )


def _validity_notice(document: Document, today: date, status: Status) -> LocalText | None:
    """Why a program of a document not in force on ``today`` is shown anyway."""
    state = document.status(today)
    if state == "in_force":
        return None
    if state == "not_yet":
        return _both("check.valid.not_yet", since=format_date(document.valid_from))
    key = "check.valid.expired_eligible" if status == "eligible" else "check.valid.expired"
    return _both(key, until=format_date(document.valid_until))


def _both(key: str, **values: object) -> LocalText:
    """A catalogue entry in both languages."""
    return LocalText(zh=msg(key, "zh", False, **values), en=msg(key, "en", False, **values))
