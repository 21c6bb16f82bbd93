"""The trace of an eligibility verdict: what was answered, what a condition requires, in both
languages ("✓ 在嘉定注册：是", "✗ 年主营业务收入：2.5亿元（要求：不低于3亿元）")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

from bot.eligibility.fmt import LocalText, format_date, format_yuan
from bot.eligibility.schema import UNKNOWN, Condition, Fact, Rulebook

FactValue = bool | int | str | date
State = Literal["pass", "fail", "unknown", "pending"]


def money(yuan: int) -> LocalText:
    return LocalText(zh=format_yuan(yuan, "zh"), en=format_yuan(yuan, "en"))


def value_text(fact: Fact, value: FactValue) -> LocalText:
    if value == UNKNOWN:
        return LocalText(zh="不清楚", en="not known")
    if isinstance(value, bool):
        return LocalText(zh="是", en="yes") if value else LocalText(zh="否", en="no")
    if fact.type == "money" and isinstance(value, int):
        return LocalText(zh=format_yuan(value, "zh"), en=format_yuan(value, "en"))
    if fact.type == "choice" and isinstance(value, str):
        option = fact.option(value)
        if option is not None:
            return option.label
    if isinstance(value, date):
        return LocalText(zh=format_date(value), en=format_date(value))
    return LocalText(zh=str(value), en=str(value))


def _requirement(fact: Fact, cond: Condition) -> LocalText:
    kind = cond.kind
    if kind == "equals":
        assert cond.equals is not None
        return value_text(fact, cond.equals)
    if kind == "in":
        labels = [value_text(fact, v) for v in cond.in_ or ()]
        return LocalText(
            zh="、".join(t.zh for t in labels) + ("之一" if len(labels) > 1 else ""),
            en=" or ".join(t.en for t in labels),
        )
    if kind in ("gte", "lte"):
        bound = cond.gte if kind == "gte" else cond.lte
        assert bound is not None
        shown = value_text(fact, bound)
        if kind == "gte":
            return LocalText(zh=f"不低于{shown.zh}", en=f"at least {shown.en}")
        return LocalText(zh=f"不超过{shown.zh}", en=f"at most {shown.en}")
    years = cond.within_years
    return LocalText(zh=f"{years}年内", en=f"within the last {years} years")


def condition_line(
    rulebook: Rulebook,
    cond: Condition,
    state: State,
    known: Mapping[str, FactValue],
) -> LocalText:
    fact = rulebook.facts[cond.fact]
    need = _requirement(fact, cond)
    if state == "pending":
        return LocalText(
            zh=f"? {fact.label.zh}：尚未回答（要求：{need.zh}）",
            en=f"? {fact.label.en}: not answered yet (required: {need.en})",
        )
    shown = value_text(fact, known[cond.fact])
    if state == "pass":
        return LocalText(zh=f"✓ {fact.label.zh}：{shown.zh}", en=f"✓ {fact.label.en}: {shown.en}")
    mark = "✗" if state == "fail" else "?"
    return LocalText(
        zh=f"{mark} {fact.label.zh}：{shown.zh}（要求：{need.zh}）",
        en=f"{mark} {fact.label.en}: {shown.en} (required: {need.en})",
    )
