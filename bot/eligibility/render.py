"""User-facing texts for the eligibility walk-through, in Chinese or English. Pure functions.

Public API:

    question_reply(ask: Ask | Fact, lang: Lang) -> Reply
        The question with its "why we ask" line and its buttons.
    question_text(fact: Fact, lang: Lang) -> str
    question_options(fact: Fact, lang: Lang) -> tuple[Option, ...]
        Buttons: yes / no / unknown, the choice options + unknown, or just unknown (skip) for
        typed answers. A pressed button's id is a valid answer for ``answers.parse_answer``.
    outcome_reply(rulebook: Rulebook, outcome: Outcome, lang: Lang) -> Reply
        ``render_outcome`` plus a citation for every eligible or undetermined program.
    render_outcome(rulebook: Rulebook, outcome: Outcome, lang: Lang) -> str
        Eligible and undetermined programs in full (name, amount, why, clause and quote,
        responsible units, in-force notice), not-eligible ones briefly with the reason, and
        the line that final decisions rest with the responsible department.
    render_result(rulebook: Rulebook, result: ProgramResult, lang: Lang) -> str
        One program's block as in ``render_outcome``.
    format_amount(amount: AmountResult | None, lang: Lang) -> str
        "一次性 100万元（1,000,000 元）（首超3亿元档）" / "one-off 100万元 (1,000,000 yuan) ..."
    citation(rulebook: Rulebook, program_id: str) -> bot.domain.Citation
        doc id, document title, section path, clause number, exact quote, responsible units.
"""

from __future__ import annotations

from bot.domain import Citation, Lang, Option, Reply
from bot.eligibility.engine import Ask, Outcome, ProgramResult
from bot.eligibility.fmt import LocalText, format_date, format_money_label
from bot.eligibility.payout import AmountResult
from bot.eligibility.schema import UNKNOWN, Fact, Program, Rulebook
from bot.messages import text as msg

_YES = LocalText(zh="是", en="Yes")
_NO = LocalText(zh="否", en="No")
_SKIP = LocalText(zh="不清楚 / 跳过", en="Don't know / skip")


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


# ------------------------------------------------------------------------------ questions


def question_text(fact: Fact, lang: Lang) -> str:
    why = fact.why.get(lang)
    return fact.prompt.get(lang) + "\n" + _t(lang, f"（为什么问：{why}）", f"(Why we ask: {why})")


def question_options(fact: Fact, lang: Lang) -> tuple[Option, ...]:
    skip = Option(UNKNOWN, _SKIP.get(lang))
    if fact.type == "yes_no":
        return (Option("yes", _YES.get(lang)), Option("no", _NO.get(lang)), skip)
    if fact.type == "choice":
        return (*(Option(o.id, o.label.get(lang)) for o in fact.options), skip)
    return (skip,)


def question_reply(ask: Ask | Fact, lang: Lang) -> Reply:
    fact = ask.fact if isinstance(ask, Ask) else ask
    return Reply(text=question_text(fact, lang), options=question_options(fact, lang))


# ------------------------------------------------------------------------------ citations


def citation(rulebook: Rulebook, program_id: str) -> Citation:
    program = rulebook.programs[program_id]
    document = rulebook.documents[program.source.doc]
    return Citation(
        doc=program.source.doc,
        title=document.title,
        section=program.source.section,
        clause=program.source.clause,
        text=program.source.quote,
        responsible=program.responsible,
    )


# ------------------------------------------------------------------------------ amounts

_PER = {
    "once": LocalText(zh="一次性", en="one-off"),
    "year": LocalText(zh="每年", en="per year"),
    "month": LocalText(zh="每月", en="per month"),
}


def format_amount(amount: AmountResult | None, lang: Lang) -> str:
    if amount is None:
        return _t(
            lang, "待定（取决于尚未确认的情况）", "not known yet (depends on answers still missing)"
        )
    if amount.qualifier == "none" or amount.yuan is None:
        note = amount.note.get(lang) if amount.note else ""
        return note or _t(lang, "文件未规定具体金额", "the text states no amount")
    money = format_money_label(amount.yuan, lang)
    per = _PER[amount.per].get(lang) if amount.per != "once" or amount.once_stated else ""
    if amount.qualifier == "up_to":
        text = _t(lang, f"{per}最高 {money}", f"up to {money} {per}".strip())
    elif amount.qualifier == "at_least":
        text = _t(lang, f"{per} {money}以上".strip(), f"at least {money}, {per}".rstrip(", "))
    else:
        text = _t(lang, f"{per} {money}".strip(), f"{money} {per}".strip())
    if amount.max_years:
        years = amount.max_years
        text += _t(lang, f"，最长{years}年", f", for at most {years} years")
    extras = [x.get(lang) for x in (amount.applied, amount.note) if x is not None]
    if extras:
        text += _t(lang, "（" + "；".join(extras) + "）", " (" + "; ".join(extras) + ")")
    return text


# ------------------------------------------------------------------------------ results

_HEAD = {
    "eligible": LocalText(
        zh="✅ {name}：符合所述条件", en="✅ {name}: meets the stated conditions"
    ),
    "undetermined": LocalText(zh="❔ {name}：尚待确认", en="❔ {name}: not settled yet"),
    "not_eligible": LocalText(zh="✗ {name}：不符合", en="✗ {name}: does not qualify"),
}


def _units(rulebook: Rulebook, program: Program, lang: Lang) -> str:
    units = list(program.responsible)
    more = len(units) - 3
    if more > 1:  # a plan co-issued by six departments: the lead one, and how many more
        units = units[:1]
    if lang == "zh":
        return "、".join(units) + (f"等{len(program.responsible)}个部门" if more > 1 else "")
    names = "; ".join(rulebook.units.get(u, u) for u in units)
    return names + (f" and {len(program.responsible) - 1} more departments" if more > 1 else "")


def _clause_ref(rulebook: Rulebook, program: Program, lang: Lang) -> str:
    document = rulebook.documents[program.source.doc]
    if lang == "zh":
        number = f"（{document.number}）" if document.number else ""
        return f"《{document.title}》{number}{program.source.clause}"
    number = f" ({document.number})" if document.number else ""
    return f"{document.title_en}{number}, clause {program.source.clause}"


def render_result(rulebook: Rulebook, result: ProgramResult, lang: Lang) -> str:
    program = rulebook.programs[result.program_id]
    document = rulebook.documents[program.source.doc]
    lines = [_HEAD[result.status].get(lang).format(name=result.name.get(lang))]
    label = _t(lang, "金额（如符合条件）：", "Amount (if eligible): ")
    if result.status == "eligible":
        label = _t(lang, "金额：", "Amount: ")
    lines.append(label + format_amount(result.amount, lang))
    if result.status == "undetermined" and result.missing:
        missing = [rulebook.facts[f].label.get(lang) for f in result.missing]
        lines.append(
            _t(lang, "还需确认：" + "、".join(missing), "Still to confirm: " + "; ".join(missing))
        )
    # What the user answered is not repeated (✓ lines); what was computed or is missing is.
    why = [r.get(lang) for r in result.reasons if not r.get(lang).startswith("✓")]
    if why:
        lines.append(_t(lang, "依据：", "Why:"))
        lines.extend("  " + line for line in why)
    lines.extend(_t(lang, "提示：", "Note: ") + h.get(lang) for h in result.hints)
    if program.note:
        lines.append(_t(lang, "说明：", "Note: ") + program.note.get(lang))
    lines.append(_t(lang, "条款：", "Clause: ") + _clause_ref(rulebook, program, lang))
    lines.append(_t(lang, "责任单位：", "Responsible: ") + _units(rulebook, program, lang))
    if result.notice is not None:
        lines.append("⚠️ " + result.notice.get(lang))
    else:
        lines.append(msg("check.valid.in_force", lang, until=format_date(document.valid_until)))
    return "\n".join(lines)


def _not_eligible_lines(results: tuple[ProgramResult, ...], lang: Lang) -> list[str]:
    """One line per failed answer: programs ruled out by the same answer share a line."""
    groups: dict[str, list[ProgramResult]] = {}
    for result in results:
        key = result.failed_on.get(lang) if result.failed_on else ""
        groups.setdefault(key, []).append(result)
    lines = []
    for reason, members in groups.items():
        if len(members) == 1:
            (result,) = members
            failed = next((r.get(lang) for r in result.reasons if r.get(lang).startswith("✗")), "")
            reason = failed.removeprefix("✗").strip()
            line = f"- {result.name.get(lang)}" + (_t(lang, "：", ": ") + reason if reason else "")
            if result.hints:
                line += _t(lang, "；", "; ") + result.hints[0].get(lang)
        else:
            names = _t(lang, "、", "; ").join(r.name.get(lang) for r in members)
            line = f"- {reason} → " + _t(lang, f"不适用：{names}", f"not eligible: {names}")
        lines.append(line)
    return lines


def render_outcome(rulebook: Rulebook, outcome: Outcome, lang: Lang, unruled: bool = False) -> str:
    """The whole result; ``unruled``: clauses without rules follow, so "nothing applies" is
    not said of them."""
    day = format_date(outcome.as_of)
    parts = [_t(lang, f"评估结果（截至{day}）", f"Result (as of {day})")]
    # programs in force first, then those of expired documents
    shown = tuple(sorted(outcome.eligible + outcome.undetermined, key=lambda r: not r.in_force))
    parts.extend(render_result(rulebook, r, lang) for r in shown)
    total = [r for r in outcome.eligible if r.in_total]
    if len(total) > 1:
        amount = format_money_label(
            sum(r.amount.yuan for r in total if r.amount and r.amount.yuan), lang
        )
        parts.append(
            _t(
                lang,
                f"合计：{amount}（只计现行有效、金额确定的一次性项目）",
                f"Total: {amount} (only programs in force with a fixed one-off amount)",
            )
        )
    if not shown and unruled:
        parts.append(msg("check.unruled_none", lang))
    elif not shown:
        parts.append(
            _t(
                lang,
                "按您的回答，暂未找到符合条件的项目。",
                "Going by your answers, nothing applies.",
            )
        )
    if outcome.not_eligible:
        parts.append("\n".join(_not_eligible_part(rulebook, outcome, lang)))
    parts.append(outcome.disclaimer.get(lang))
    return "\n\n".join(parts)


def _not_eligible_part(rulebook: Rulebook, outcome: Outcome, lang: Lang) -> list[str]:
    """The programs ruled out, grouped by reason, and a note on each document they rely on
    that is not in force (a result from an expired document says so, even when it rules
    out)."""
    lines = [_t(lang, "不符合的项目：", "Not eligible:")]
    lines.extend(_not_eligible_lines(outcome.not_eligible, lang))
    day = format_date(outcome.as_of)
    expired = dict.fromkeys(
        rulebook.programs[r.program_id].source.doc for r in outcome.not_eligible if not r.in_force
    )
    for doc_id in expired:
        doc = rulebook.documents[doc_id]
        title = f"《{doc.title}》" if lang == "zh" else doc.title_en
        key = "check.note.not_yet" if doc.status(outcome.as_of) == "not_yet" else "check.note.expired"
        lines.append(
            msg(
                key,
                lang,
                title=title,
                until=format_date(doc.valid_until),
                since=format_date(doc.valid_from),
                day=day,
            )
        )
    return lines


def outcome_reply(rulebook: Rulebook, outcome: Outcome, lang: Lang, unruled: bool = False) -> Reply:
    shown = outcome.eligible + outcome.undetermined
    return Reply(
        text=render_outcome(rulebook, outcome, lang, unruled),
        citations=tuple(citation(rulebook, r.program_id) for r in shown),
    )
