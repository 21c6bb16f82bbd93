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
from bot.eligibility.fmt import format_date, format_money_label
from bot.eligibility.payout import AmountResult
from bot.eligibility.schema import UNKNOWN, Fact, Program, Rulebook
from bot.messages import text as msg
from bot.text import book, in_book

# ------------------------------------------------------------------------------ questions


def question_text(fact: Fact, lang: Lang) -> str:
    why = fact.why.get(lang)
    return fact.prompt.get(lang) + "\n" + msg("result.why_ask", lang, why=why)


def question_options(fact: Fact, lang: Lang) -> tuple[Option, ...]:
    skip = Option(UNKNOWN, msg("result.skip", lang))
    if fact.type == "yes_no":
        return (Option("yes", msg("result.yes", lang)), Option("no", msg("result.no", lang)), skip)
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


def format_amount(amount: AmountResult | None, lang: Lang) -> str:
    if amount is None:
        return msg("result.amount_unknown", lang)
    if amount.qualifier == "none" or amount.yuan is None:
        note = amount.note.get(lang) if amount.note else ""
        return note or msg("result.no_amount", lang)
    money = format_money_label(amount.yuan, lang)
    per = msg(f"ans.per.{amount.per}", lang) if amount.per != "once" or amount.once_stated else ""
    # without a period the words around it go: "最高 100万元", "at least 1 million yuan"
    if amount.qualifier == "up_to":
        text = msg("result.up_to", lang, per=per, money=money).strip()
    elif amount.qualifier == "at_least":
        text = msg("result.at_least", lang, per=per, money=money).strip().rstrip(",")
    else:
        text = msg("result.exact", lang, per=per, money=money).strip()
    if amount.max_years:
        text += msg("result.max_years", lang, years=amount.max_years)
    extras = [x.get(lang) for x in (amount.applied, amount.note) if x is not None]
    if extras:
        text += msg("result.extras", lang, extras=msg("result.sep", lang).join(extras))
    return text


# ------------------------------------------------------------------------------ results


def _units(rulebook: Rulebook, program: Program, lang: Lang) -> str:
    units = list(program.responsible)
    more = len(units) - 3
    if more > 1:  # a plan co-issued by six departments: the lead one, and how many more
        units = units[:1]
    names = units if lang == "zh" else [rulebook.units.get(u, u) for u in units]
    rest = len(program.responsible)
    others = msg("result.more_units", lang, all=rest, more=rest - 1) if more > 1 else ""
    return msg("result.list", lang).join(names) + others


def _clause_ref(rulebook: Rulebook, program: Program, lang: Lang) -> str:
    document = rulebook.documents[program.source.doc]
    number = msg("result.doc_number", lang, number=document.number) if document.number else ""
    title = document.title if lang == "zh" else document.title_en
    return msg(
        "result.clause_ref", lang, title=in_book(title), number=number, clause=program.source.clause
    )


def render_result(rulebook: Rulebook, result: ProgramResult, lang: Lang) -> str:
    program = rulebook.programs[result.program_id]
    document = rulebook.documents[program.source.doc]
    lines = [msg(f"result.head.{result.status}", lang, name=result.name.get(lang))]
    label = msg("result.amount" if result.status == "eligible" else "result.amount_if", lang)
    lines.append(label + format_amount(result.amount, lang))
    if result.status == "undetermined" and result.missing:
        missing = [rulebook.facts[f].label.get(lang) for f in result.missing]
        lines.append(msg("result.missing", lang, facts=msg("result.list", lang).join(missing)))
    # What the user answered is not repeated (✓ lines); what was computed or is missing is.
    why = [r.get(lang) for r in result.reasons if not r.get(lang).startswith("✓")]
    if why:
        lines.append(msg("result.why", lang))
        lines.extend("  " + line for line in why)
    lines.extend(msg("result.hint", lang) + h.get(lang) for h in result.hints)
    if program.note:
        lines.append(msg("result.note", lang) + program.note.get(lang))
    lines.append(msg("result.clause", lang) + _clause_ref(rulebook, program, lang))
    lines.append(msg("result.responsible", lang) + _units(rulebook, program, lang))
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
            line = f"- {result.name.get(lang)}" + (
                msg("result.colon", lang) + reason if reason else ""
            )
            if result.hints:
                line += msg("result.sep", lang) + result.hints[0].get(lang)
        else:
            names = msg("result.list", lang).join(r.name.get(lang) for r in members)
            line = f"- {reason} → " + msg("result.not_applicable", lang, names=names)
        lines.append(line)
    return lines


def render_outcome(rulebook: Rulebook, outcome: Outcome, lang: Lang, unruled: bool = False) -> str:
    """The whole result; ``unruled``: clauses without rules follow, so "nothing applies" is
    not said of them."""
    day = format_date(outcome.as_of)
    parts = [msg("result.title", lang, day=day)]
    # programs in force first, then those of expired documents
    shown = tuple(sorted(outcome.eligible + outcome.undetermined, key=lambda r: not r.in_force))
    parts.extend(render_result(rulebook, r, lang) for r in shown)
    total = [r for r in outcome.eligible if r.in_total]
    if len(total) > 1:
        amount = format_money_label(
            sum(r.amount.yuan for r in total if r.amount and r.amount.yuan), lang
        )
        parts.append(msg("result.total", lang, amount=amount))
    if not shown and unruled:
        parts.append(msg("check.unruled_none", lang))
    elif not shown:
        parts.append(msg("result.nothing", lang))
    if outcome.not_eligible:
        parts.append("\n".join(_not_eligible_part(rulebook, outcome, lang)))
    parts.append(outcome.disclaimer.get(lang))
    return "\n\n".join(parts)


def _not_eligible_part(rulebook: Rulebook, outcome: Outcome, lang: Lang) -> list[str]:
    """The programs ruled out, grouped by reason, and a note on each document they rely on
    that is not in force (a result from an expired document says so, even when it rules
    out)."""
    lines = [msg("result.not_eligible", lang)]
    lines.extend(_not_eligible_lines(outcome.not_eligible, lang))
    day = format_date(outcome.as_of)
    expired = dict.fromkeys(
        rulebook.programs[r.program_id].source.doc for r in outcome.not_eligible if not r.in_force
    )
    for doc_id in expired:
        doc = rulebook.documents[doc_id]
        title = book(doc.title) if lang == "zh" else doc.title_en
        key = (
            "check.note.not_yet" if doc.status(outcome.as_of) == "not_yet" else "check.note.expired"
        )
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
