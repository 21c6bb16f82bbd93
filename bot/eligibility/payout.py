"""What a program that is not ruled out pays: the amount, its trace line and near-miss hints,
one function per kind of amount rule (fixed, up to / at least, none, by choice, tiers, percent
of a base)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.eligibility.fmt import LocalText
from bot.eligibility.schema import UNKNOWN, AmountRule, Fact, Program, Rulebook
from bot.eligibility.trace import FactValue, money, value_text

Qualifier = Literal["exact", "up_to", "at_least", "none"]


@dataclass(frozen=True)
class AmountResult:
    """What a program pays, as far as the clause and the facts tell."""

    qualifier: Qualifier
    yuan: int | None
    per: Literal["once", "year", "month"] = "once"
    max_years: int | None = None
    applied: LocalText | None = None  # the tier or the cap that applied
    note: LocalText | None = None  # e.g. "视其贡献确定"
    # False where the clause does not say "一次性" (a one-off is then not claimed in words)
    once_stated: bool = True

    @property
    def fixed_one_off(self) -> bool:
        """A fixed sum paid once: what may be added up (a cap, a yearly sum or a lower bound
        may not)."""
        return self.qualifier == "exact" and self.yuan is not None and self.per == "once"


_PER_ZH = {"once": "一次性", "year": "每年", "month": "每月"}
_PER_EN = {"once": "one-off", "year": "per year", "month": "per month"}


Payout = tuple[AmountResult | None, list[LocalText], list[LocalText]]
_NOTHING: Payout = (None, [], [])


def amount_of(rulebook: Rulebook, rule: AmountRule, known: Mapping[str, FactValue]) -> Payout:
    """The amount of a program that is not ruled out, its trace lines and near-miss hints."""
    if rule.kind == "fixed":
        return _fixed(rule)
    if rule.kind in ("up_to", "at_least"):
        return _bound(rule)
    if rule.kind == "none":  # the note is shown as the amount; no trace line to add
        return AmountResult("none", None, rule.per, rule.max_years, None, rule.note), [], []
    assert rule.fact is not None
    fact, value = rulebook.facts[rule.fact], known.get(rule.fact, UNKNOWN)
    if rule.kind == "by_choice":
        return _by_choice(rule, fact, value)
    if rule.kind == "tiers":
        return _tiers(rule, fact, value)
    return _percent(rule, fact, value)


def _fixed(rule: AmountRule) -> Payout:
    assert rule.yuan is not None
    sum_ = money(rule.yuan)
    line = LocalText(
        zh=f"条款规定{_PER_ZH[rule.per]}{sum_.zh}",
        en=f"the clause sets {sum_.en} {_PER_EN[rule.per]}",
    )
    return AmountResult("exact", rule.yuan, rule.per, rule.max_years, None, rule.note), [line], []


def _bound(rule: AmountRule) -> Payout:
    """ "up to" or "at least" a sum, for at most some years, with the clause's note."""
    assert rule.yuan is not None
    sum_, per, years, note = money(rule.yuan), rule.per, rule.max_years, rule.note
    if rule.kind == "up_to":
        zh, en = f"{_PER_ZH[per]}最高{sum_.zh}", f"up to {sum_.en} {_PER_EN[per]}"
    else:
        zh, en = f"{_PER_ZH[per]}{sum_.zh}以上", f"at least {sum_.en} {_PER_EN[per]}"
    if years:
        zh += f"，最长{years}年"
        en += f", for at most {years} years"
    if note:
        zh += f"（{note.zh}）"
        en += f" ({note.en})"
    kind: Qualifier = "up_to" if rule.kind == "up_to" else "at_least"
    return AmountResult(kind, rule.yuan, per, years, None, note), [LocalText(zh, en)], []


def _by_choice(rule: AmountRule, fact: Fact, value: FactValue) -> Payout:
    """A sum per answer of a choice (a national / municipal honour...)."""
    if not isinstance(value, str) or value == UNKNOWN:
        return _NOTHING
    choices = rule.choices or {}
    yuan = choices.get(value)
    if yuan is None:
        return _NOTHING
    shown, sum_ = value_text(fact, value), money(yuan)
    line = LocalText(
        zh=f"{fact.label.zh}：{shown.zh} → {sum_.zh}",
        en=f"{fact.label.en}: {shown.en} → {sum_.en}",
    )
    higher = [
        LocalText(
            zh=f"{value_text(fact, other).zh}为{money(more).zh}",
            en=f"{value_text(fact, other).en}: {money(more).en}",
        )
        for other, more in choices.items()
        if more > yuan
    ]
    result = AmountResult("exact", yuan, rule.per, rule.max_years, shown, rule.note)
    return result, [line], higher


def _tiers(rule: AmountRule, fact: Fact, value: FactValue) -> Payout:
    """The highest tier the figure reaches, and the next one as a hint."""
    if not isinstance(value, int) or isinstance(value, bool):
        return _NOTHING
    reached = [t for t in rule.tiers if value >= t.min]
    if not reached:
        return None, [], _next_tier_hint(rule, value)
    tier = reached[-1]
    shown, sum_ = money(value), money(tier.yuan)
    line = LocalText(
        zh=f"{fact.label.zh}{shown.zh}，{tier.label.zh} → {sum_.zh}",
        en=f"{fact.label.en} {shown.en}, {tier.label.en} → {sum_.en}",
    )
    result = AmountResult("exact", tier.yuan, rule.per, rule.max_years, tier.label, rule.note)
    return result, [line], _next_tier_hint(rule, value)


def _percent(rule: AmountRule, fact: Fact, value: FactValue) -> Payout:
    """A share of a base the user states, optionally capped; the cap alone while it is not
    known."""
    assert rule.rate_percent is not None
    cap, per, years, rate = rule.cap_yuan, rule.per, rule.max_years, rule.rate_percent
    span_zh = f"，可连续{years}年" if years else ""
    span_en = f", for up to {years} consecutive years" if years else ""
    if not isinstance(value, int) or isinstance(value, bool):
        if cap is None:
            return _NOTHING
        top = money(cap)
        line = LocalText(
            zh=f"{fact.label.zh}未知：按{rate}%补贴，{_PER_ZH[per]}最高{top.zh}{span_zh}",
            en=f"{fact.label.en} not known: {rate}%, at most {top.en} {_PER_EN[per]}{span_en}",
        )
        return AmountResult("up_to", cap, per, years, None, rule.note), [line], []
    raw = value * rate // 100
    base, share = money(value), money(raw)
    if cap is not None and raw > cap:
        top = money(cap)
        applied = LocalText(zh=f"{_PER_ZH[per]}最高{top.zh}", en=f"cap of {top.en} {_PER_EN[per]}")
        line = LocalText(
            zh=f"{fact.label.zh}{base.zh} × {rate}% = {share.zh}，"
            f"超过{_PER_ZH[per]}最高{top.zh} → {top.zh}{span_zh}",
            en=f"{fact.label.en} {base.en} × {rate}% = {share.en}, above the cap of "
            f"{top.en} {_PER_EN[per]} → {top.en}{span_en}",
        )
        return AmountResult("exact", cap, per, years, applied, rule.note), [line], []
    line = LocalText(
        zh=f"{fact.label.zh}{base.zh} × {rate}% → {share.zh}{span_zh}",
        en=f"{fact.label.en} {base.en} × {rate}% → {share.en}{span_en}",
    )
    return AmountResult("exact", raw, per, years, None, rule.note), [line], []


def drop_once(line: LocalText) -> LocalText:
    return LocalText(
        zh=line.zh.replace("一次性", ""), en=line.en.replace(" one-off", "").replace("one-off ", "")
    )


def _next_tier_hint(rule: AmountRule, value: int) -> list[LocalText]:
    higher = [t for t in rule.tiers if t.min > value]
    if not higher:
        return []
    tier = higher[0]
    sum_, gap = money(tier.yuan), money(tier.min - value)
    return [
        LocalText(
            zh=f"{tier.label.zh}为{sum_.zh}（还差{gap.zh}）",
            en=f"the {tier.label.en} pays {sum_.en} ({gap.en} to go)",
        )
    ]


def tier_hints(
    rulebook: Rulebook, program: Program, known: Mapping[str, FactValue], states: Sequence[str]
) -> list[LocalText]:
    """Near miss: the only failed conditions are the tier threshold itself."""
    rule = program.amount
    if rule.kind != "tiers" or rule.fact is None:
        return []
    failed = {c.fact for c, s in zip(program.conditions, states, strict=True) if s == "fail"}
    value = known.get(rule.fact)
    if failed != {rule.fact} or not isinstance(value, int) or isinstance(value, bool):
        return []
    return _next_tier_hint(rule, value)
