"""The amount a program of the rules table gives, as the lead of an answer: a tier or level
the user named, a sum computed from the user's own figure (with the working), the maximum,
or the table of tiers. Amounts come only from the rules table (through the eligibility
engine); no figure is derived that the text does not give (no "next tier" distance)."""

from __future__ import annotations

from datetime import date

from bot.answering.evidence import verbatim as _v
from bot.answering.programs import LEVEL_WORDS
from bot.domain import Lang
from bot.eligibility import Program, Rulebook, assess, format_yuan
from bot.messages import text as msg
from bot.question import Query

Lead = tuple[str, list[str]]  # the first line and the working that follows it


def _yuan(amount: int, lang: Lang) -> str:
    return format_yuan(amount, lang)


def per_of(program: Program, lang: Lang) -> str:
    """ "一次性" / "每年" / "每月" as the clause says it: a one-off is named only where the
    clause itself says "一次性"."""
    if program.amount.per == "once" and "一次性" not in program.source.quote:
        return ""
    return msg(f"ans.per.{program.amount.per}", lang)


def reward_word(program: Program) -> str:
    return "奖励" if "奖" in program.name.zh else "补贴"


def _name(program: Program, lang: Lang) -> str:
    return _v(program.name.zh) if lang == "zh" else program.name.en


def _stated(query: Query, value: int, lang: Lang) -> str:
    bound = next((a for a in query.amounts if a.yuan == value), None)
    if bound is not None and (bound.bound == "about" or "多" in bound.said or "以上" in bound.said):
        return msg("ans.taking_said", lang, said=_v(bound.said), value=_yuan(value, lang))
    return ""


def amount_lead(
    rules: Rulebook, program: Program, query: Query, value: int | None, today: date, lang: Lang
) -> Lead:
    """The first line for "how much" about ``program``, and the working (next lines)."""
    rule = program.amount
    if rule.kind in ("tiers", "percent") and value is not None and rule.fact is not None:
        return _computed(rules, program, query, value, today, lang)
    name, per = _name(program, lang), per_of(program, lang)
    if rule.kind == "tiers":
        if query.has("max"):
            top = rule.tiers[-1]
            tier = _v(top.label.zh) if lang == "zh" else top.label.en
            return msg(
                "ans.tier_max", lang, per=per, amount=_yuan(top.yuan, lang), tier=tier, name=name
            ), []
        sep = "、" if lang == "zh" else "; "
        parts = sep.join(
            f"{_v(t.label.zh)}{_yuan(t.yuan, 'zh')}"
            if lang == "zh"
            else f"{t.label.en}: {_yuan(t.yuan, 'en')}"
            for t in rule.tiers
        )
        return msg("ans.tiers", lang, per=per, parts=parts, name=name), []
    if rule.kind == "by_choice" and rule.choices and rule.fact is not None:
        return _by_choice(rules, program, query, lang), []
    return _fixed_kinds(program, query, lang), []


def _computed(
    rules: Rulebook, program: Program, query: Query, value: int, today: date, lang: Lang
) -> Lead:
    rule = program.amount
    assert rule.fact is not None
    result = assess(rules, {rule.fact: value}, today, focus={program.id}).result(program.id)
    amount = result.amount
    stated = _stated(query, value, lang)
    name = _name(program, lang)
    if rule.kind == "tiers":
        if amount is None or amount.yuan is None:
            first = rule.tiers[0]
            tier = _v(first.label.zh) if lang == "zh" else first.label.en
            return msg(
                "ans.tier_below",
                lang,
                value=_yuan(value, lang),
                tier=tier,
                name=name,
                stated=stated,
            ), []
        label = amount.applied
        tier = (_v(label.zh) if lang == "zh" else label.en) if label else ""
        lead = msg(
            "ans.tier",
            lang,
            per=per_of(program, lang),
            amount=_yuan(amount.yuan, lang),
            tier=tier,
            stated=stated,
            name=name,
        )
        return lead, []
    assert amount is not None and amount.yuan is not None and rule.rate_percent is not None
    raw = value * rule.rate_percent // 100
    capped = rule.cap_yuan is not None and raw > rule.cap_yuan
    years = msg("ans.running_years", lang, years=rule.max_years) if rule.max_years else ""
    lead = msg(
        "ans.percent",
        lang,
        amount=_yuan(amount.yuan, lang),
        capped=msg("ans.capped", lang) if capped else "",
        stated=stated,
        name=name,
    )
    how = "ans.percent_how_capped" if capped else "ans.percent_how"
    working = msg(
        how,
        lang,
        value=_yuan(value, lang),
        rate=rule.rate_percent,
        raw=_yuan(raw, lang),
        cap=_yuan(rule.cap_yuan or 0, lang),
        amount=_yuan(amount.yuan, lang),
        years=years,
    )
    return lead, [working]


def _by_choice(rules: Rulebook, program: Program, query: Query, lang: Lang) -> str:
    rule = program.amount
    assert rule.fact is not None and rule.choices
    fact = rules.facts[rule.fact]
    per, name = per_of(program, lang), _name(program, lang)
    chosen = next((lv for lv in query.levels if lv in rule.choices), None)
    if chosen is not None:
        option = fact.option(chosen)
        label = (_v(option.label.zh) if lang == "zh" else option.label.en) if option else chosen
        return msg(
            "ans.choice",
            lang,
            per=per,
            amount=_yuan(rule.choices[chosen], lang),
            label=label,
            name=name,
        )
    # a level the program has no tier for ("国家级的呢？" of the 市级 and 区级 featured parks)
    missing = next(
        (
            lv
            for lv in query.levels
            if lv not in rule.choices and set(rule.choices) <= set(LEVEL_WORDS)
        ),
        None,
    )
    parts = []
    for option_id, yuan in rule.choices.items():
        option = fact.option(option_id)
        label = (_v(option.label.zh) if lang == "zh" else option.label.en) if option else ""
        parts.append(
            f"{label}{_yuan(yuan, 'zh')}" if lang == "zh" else f"{label} {_yuan(yuan, 'en')}"
        )
    listed = msg(
        "ans.choices", lang, per=per, parts=("、" if lang == "zh" else "; ").join(parts), name=name
    )
    if missing is None:
        return listed
    level = LEVEL_WORDS[missing] if lang == "zh" else missing  # the level's id is its English
    return msg("ans.level_unsaid", lang, level=level, name=name) + listed


def _fixed_kinds(program: Program, query: Query, lang: Lang) -> str:
    rule = program.amount
    per, name = per_of(program, lang), _name(program, lang)
    if rule.kind == "percent" and rule.rate_percent is not None:
        cap = (
            msg("ans.percent_cap", lang, per=per, cap=_yuan(rule.cap_yuan, lang))
            if rule.cap_yuan
            else ""
        )
        years = msg("ans.running_years", lang, years=rule.max_years) if rule.max_years else ""
        return msg(
            "ans.percent_rule", lang, rate=rule.rate_percent, cap=cap, years=years, name=name
        )
    if rule.kind == "fixed" and rule.yuan is not None:
        return msg(
            "ans.fixed",
            lang,
            per=per,
            word=reward_word(program),
            amount=_yuan(rule.yuan, lang),
            name=name,
        )
    if rule.kind == "up_to" and rule.yuan is not None:
        per_up = "" if rule.per == "once" else (per if lang == "zh" else f" {per}")
        years = msg("ans.at_most_years", lang, years=rule.max_years) if rule.max_years else ""
        return msg(
            "ans.up_to", lang, per=per_up, amount=_yuan(rule.yuan, lang), years=years, name=name
        )
    if rule.kind == "at_least" and rule.yuan is not None:
        key = "ans.at_least_no_max" if query.has("max") else "ans.at_least"
        return msg(key, lang, per=per, amount=_yuan(rule.yuan, lang), name=name)
    note = (_v(rule.note.zh) if lang == "zh" else rule.note.en) if rule.note else ""
    return msg("ans.no_figure", lang, name=name, note=note)
