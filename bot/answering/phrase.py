"""Phrase: an ``AnswerPlan`` -> the lines of the answer, every sentence from the catalogue
(``bot.messages``, keys ``ans.*``). The first line answers what was asked; the evidence
sentence, the working, one compact source line and (for a document not in force) one notice
follow. Verbatim text (titles, quotes, unit names) is marked so that a Traditional rendering
never alters a quotation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.answering import reading
from bot.answering.amounts import amount_lead, reward_word
from bot.answering.evidence import money_glosses, quoted_for_english
from bot.answering.evidence import verbatim as _v
from bot.answering.numerals import english_figure
from bot.answering.plan import AnswerPlan, Sources
from bot.answering.validity import doc_title, effective_lead, notice, validity_lead
from bot.domain import Clause, DocumentMeta, Lang
from bot.eligibility import Program, Rulebook
from bot.knowledge.coverage import ask_whom
from bot.messages import text as msg
from bot.question import Query
from bot.text import book, normalize

_DOC_ONLY = ("number", "issuers", "issue_date")
# English answers gloss the money of the sentence only when money may be what was asked.
_MONEY_ASKS = ("amount", "penalty", "general", "yesno", "conditions")

_TAX = re.compile(r"税|\btax")


def _tax_stated(q: Query, clause: Clause | None) -> bool:
    """The question asks about tax and the clause answering it speaks of tax."""
    return clause is not None and bool(_TAX.search(q.norm)) and "税" in clause.text


_MATERIALS_ASKED = re.compile(r"材料|手续|证件|\bdocuments\b|\bpaperwork\b|\bmaterials\b")
_MATERIALS_STATED = re.compile(r"提交|提供|材料|证明|证件|许可证|执照|方案|资料|报告|申请书|文件")


def _procedure_unsaid(f: Frame) -> bool:
    """The procedure is not in the documents: said when it is what the question asks, and the
    clause answering does not state it (a question on tax is a procedure question about a
    subsidy, but a regulation's article on tax relief answers it). A word of procedure
    elsewhere in a question ("deadline", "paperwork", 材料) answered by an article of a
    regulation asks about an application only when the question speaks of applying and the
    sentence quoted does not: "we missed the payment deadline, what extra charge starts
    piling up?" is answered by the article's surcharge, not told that "the documents do not
    state the application procedure"."""
    q, plan = f.query, f.plan
    if _tax_stated(q, plan.clause):
        return False
    asked = plan.asked == "procedure"
    if not asked and not (
        q.has("procedure") and plan.asked in ("general", "yesno") and not plan.read
    ):
        return False
    if plan.clause is None or plan.clause.kind != "article" or f.program is not None:
        return True
    said = normalize(plan.sentence)
    stated = reading.states("procedure", said)
    if not asked:
        return reading.asks_applying(q) and not stated
    # an article of a regulation that says how or when to apply answers a question on the
    # procedure ("执业许可证快到期了，要提前多久申请续期" -> "应当在届满三十日前提出延续申请"),
    # one on what to hand in when it names what ("持建设工程规划许可证、掘路工程修复方案…")
    if _MATERIALS_ASKED.search(q.norm):
        stated = stated and _MATERIALS_STATED.search(said) is not None
    return not stated


@dataclass(frozen=True)
class Frame:
    """What every phrase needs: the plan, the question, the document and the language."""

    plan: AnswerPlan
    query: Query
    sources: Sources
    meta: DocumentMeta
    today: date
    lang: Lang

    @property
    def rules(self) -> Rulebook:
        return self.sources.rulebook

    @property
    def program(self) -> Program | None:
        return self.rules.programs[self.plan.programs[0]] if self.plan.programs else None

    @property
    def title(self) -> str:
        return doc_title(self.meta, self.lang)

    def units(self) -> tuple[str, ...]:
        if self.program is not None:
            return self.program.responsible
        # the clause's own units, else the interpreter, else the first issuer that administers
        # it (a people's congress adopts a regulation: it is nobody's contact)
        clause = self.plan.clause
        units = ask_whom(clause, self.meta)
        return units if clause is not None and clause.responsible else units[:1]

    def unit_names(self, units: Sequence[str]) -> str:
        if self.lang == "zh":
            return _v("、".join(units))
        return "; ".join(self.rules.units.get(u, u) for u in units)

    def who(self) -> str:
        return self.unit_names(self.units()) if self.units() else ""


def short_en(rules: Rulebook, meta: DocumentMeta) -> str:
    document = rules.documents.get(meta.id)
    if document is not None and document.short_en:
        return document.short_en
    return meta.title_en or book(meta.title)


def asks_issuers(q: Query) -> bool:
    """ "哪些部门印发" asks who issued the document; "哪些单位负责" asks who handles a clause."""
    return (
        q.has("issuers")
        and re.search(r"印发|发布|发文|发的|签发|issued|publish", q.norm) is not None
    )


def _doc_only(q: Query) -> bool:
    return q.has("number") or q.has("issue_date") or asks_issuers(q)


def _doc_lines(f: Frame) -> list[str]:
    q, lang, meta, title = f.query, f.lang, f.meta, f.title
    lines: list[str] = []
    if reading.asks_validity(q) or (
        f.plan.asked == "expiry" and (meta.valid_until or meta.validity(f.today) != "in_force")
    ):
        lines.append(validity_lead(meta, f.today, lang, f.who(), q))
    if q.has("number"):
        key = "ans.number" if meta.number else "ans.no_number"
        lines.append(msg(key, lang, title=title, number=_v(meta.number or "")))
    if asks_issuers(q):
        issuers = _v("、".join(meta.issuers)) if lang == "zh" else f.unit_names(meta.issuers)
        key = "ans.issuers" if len(meta.issuers) > 1 else "ans.issuer"
        lines.append(msg(key, lang, title=title, issuers=issuers))
    if q.has("issue_date") and meta.issue_date:
        from bot.answering.validity import say_date

        lines.append(msg("ans.issue_date", lang, title=title, date=say_date(meta.issue_date, lang)))
    return lines


def _topic_lines(f: Frame) -> list[str]:
    """What the question asks about a program or clause beyond its amount."""
    q, lang, plan, program = f.query, f.lang, f.plan, f.program
    lines: list[str] = []
    doc_only = _doc_only(q)
    if (
        q.has("department")
        or (q.has("issuers") and not asks_issuers(q))
        or (plan.asked == "who" and program is not None)
    ) and not doc_only:
        if (
            program is None
            and not plan.followup
            and not (plan.clause and plan.clause.responsible)
            and reading.states("who", normalize(plan.sentence))
        ):
            pass  # the evidence sentence names who ("依托虹桥海外发展服务中心…")
        elif (
            program is None
            and plan.clause is not None
            and not plan.clause.responsible
            and not f.meta.interpreter
        ):
            issuers = (
                _v("、".join(f.meta.issuers)) if lang == "zh" else f.unit_names(f.meta.issuers)
            )
            if f.meta.issuers:
                lines.append(msg("ans.who_none", lang, title=f.title, issuers=issuers))
            else:  # a document whose issuer no line of it names
                lines.append(msg("ans.who_none_unknown", lang))
        elif program is not None or (
            plan.clause is not None and plan.clause.responsible and plan.verdict != "unsaid"
        ):
            lines.append(msg("ans.who", lang, who=f.who()))
    if _procedure_unsaid(f):
        key = "ans.procedure" if f.who() else "ans.procedure_nowho"
        lines.append(msg(key, lang, who=f.who()))
    if program is not None and not doc_only:
        lines.extend(_program_facts(f, program))
    return lines


def _program_facts(f: Frame, program: Program) -> list[str]:
    q, lang = f.query, f.lang
    lines: list[str] = []
    name = _v(program.name.zh) if lang == "zh" else program.name.en
    if q.has("duration") or f.plan.asked == "duration":
        rule = program.amount
        if rule.max_years:
            key = "ans.years_running" if rule.kind == "percent" else "ans.years_up_to"
            lines.append(msg(key, lang, years=rule.max_years, name=name))
        elif rule.per == "once":
            lines.append(msg("ans.once", lang, word=reward_word(program), name=name))
    if q.has("conditions"):
        lines.append(
            msg(
                "ans.applicants",
                lang,
                who=_v(program.applicants.zh) if lang == "zh" else program.applicants.en,
            )
        )
    if f.plan.mismatch:
        who = _v(program.applicants.zh) if lang == "zh" else program.applicants.en
        lines.insert(0, msg("ans.mismatch", lang, name=name, who=who))
    return lines


# a question whether there is something ("有税收优惠吗", "有没有补贴"), not whether one may
# ("可以有…吗") nor whether one has a right (有权)
_ASKS_HAVING = re.compile(
    r"^(?!.*(?:可以|能|允许)).*(?:有没有|(?<![没所具享拥持])有(?![权关效限])[^，。？?]{0,12}吗)"
)


def _verdict_lines(f: Frame) -> list[str]:
    plan, lang = f.plan, f.lang
    if plan.verdict == "no" and plan.place:
        region = _v(f.meta.region or f.meta.title)
        return [msg("ans.no_place", lang, title=f.title, region=region, place=_v(plan.place))]
    if plan.verdict == "no" and plan.reason:
        return [msg("ans.no_again", lang, word=_v(plan.reason))]
    if plan.asked == "combine":
        key = "ans.combine_unsaid" if f.who() else "ans.combine_unsaid_nowho"
        return [msg(key, lang, who=f.who())]
    if plan.asked == "choice":
        return [msg("ans.choice_unsaid", lang)]
    return []


def _evidence_lead(f: Frame) -> tuple[str, bool]:
    """The lead that quotes the evidence sentence itself; True when the sentence is in it."""
    plan, lang, clause = f.plan, f.lang, f.plan.clause
    assert clause is not None
    key = {
        "yes": "ans.yes_says",
        "no": "ans.no_says",
        "must": "ans.must_says",
        "forbidden": "ans.forbidden_says",
        "supported": "ans.supported_says",
        "unsaid": "ans.unsaid_says",
    }.get(plan.verdict or "", "ans.says")
    if key == "ans.yes_says" and _ASKS_HAVING.search(f.query.norm):
        key = "ans.yes_have_says"  # "有税收优惠吗": 有。
    if lang == "zh":
        return msg(
            key, lang, title=f.title, clause=_v(clause.clause), sentence=_v(plan.sentence)
        ), True
    title = short_en(f.rules, f.meta)
    stated = reading.figure(normalize(plan.sentence), plan.asked)
    if stated and key == "ans.says" and not plan.loose:
        glosses = money_glosses(stated)
        # in figures and English: "200万元" as "2,000,000 yuan", a time limit in Chinese
        # numerals ("一小时内") as "within 1 hour" (money in Chinese numerals stays as stated)
        english = glosses[0].split(" = ")[1] if glosses else english_figure(stated)
        shown = f"{stated} ({english})" if english else stated
        return msg("ans.states_en", lang, title=title, clause=clause.clause, figure=shown), False
    return msg(key, lang, title=title, clause=clause.clause, sentence=""), False


def lines_of(f: Frame) -> tuple[list[str], str, list[str]]:
    """(lines, quote, working): the answer's lines, the sentence quoted after the first line
    ("" when the first line holds it) and the working that closes it."""
    plan, q, lang = f.plan, f.query, f.lang
    lines = _verdict_lines(f) or _doc_lines(f)
    if (
        plan.asked == "effective"
        and not lines
        and (lang == "en" or not reading.states("effective", plan.sentence))
    ):
        lead = effective_lead(f.meta, lang)
        lines = [lead] if lead else []
    lines += _topic_lines(f)
    if plan.uncovered and not lines:
        lines.append(msg("ans.uncovered", lang, subjects=_v("、".join(plan.uncovered))))
    working: list[str] = []
    program, quote = f.program, plan.sentence
    doc_only = _doc_only(q) or reading.asks_validity(q)
    if (
        program is not None
        and not plan.verdict
        and not doc_only
        and plan.asked != "combine"
        and (not lines or _asks_money(q))
    ):
        lead, working = amount_lead(f.rules, program, q, plan.value, f.today, lang)
        if q.has("procedure"):
            lines.append(msg("ans.said_instead", lang, lead=lead))
        elif plan.mismatch:
            lines.append(lead)
        else:
            prefix = (
                msg("ans.yes_have" if "有" in q.norm else "ans.yes", lang)
                if reading.is_yesno(q) and not lines and not plan.higher_tier
                else ""
            )
            lines.insert(0, prefix + lead)
        if plan.higher_tier:
            lines.append(msg("ans.higher_tier", lang, word=_v(plan.reason)))
    if not lines and plan.clause is not None and plan.sentence and not plan.uncovered:
        lead_line, inline = _evidence_lead(f)
        lines.append(lead_line)
        quote = "" if inline else quote
        if lang == "en":
            quote = quoted_for_english(plan.clause, quote)
            glosses = money_glosses(plan.sentence) if plan.asked in _MONEY_ASKS else []
            if glosses:
                working.append(msg("ans.amounts_en", lang, glosses="; ".join(glosses)))
            if not f.meta.title_en:
                working.append(msg("ans.no_glossary_en", lang))
    if plan.uncovered or (doc_only and program is None):
        quote = ""
    return lines, quote, working


_MONEY_CUES = (
    "多少", "几万", "金额", "最高", "最多", "上限", "给钱", "钱", "比例", "补贴", "奖励", "how much",
    "amount", "maximum", "what award", "what does", "what subsidy", "rate", "percent", "subsidy", "award",
)  # fmt: skip


def _asks_money(query: Query) -> bool:
    """The question asks for a sum (not merely naming an award: "营收奖励还能申请吗")."""
    from bot.answering.programs import kw_hit

    if query.has("validity"):
        return bool(query.amounts) or any(kw_hit(c, query.norm) for c in _MONEY_CUES[:9])
    return bool(query.amounts) or any(kw_hit(c, query.norm) for c in _MONEY_CUES)


def followup_note(f: Frame) -> str:
    """ "接上题：" and what was carried over, in a few words."""
    rules, q, lang = f.rules, f.query, f.lang
    bits: list[str] = []
    if f.program is not None:
        bits.append(f.program.name.zh if lang == "zh" else f.program.name.en)
    if f.plan.value is not None and q.amounts:
        from bot.eligibility import format_yuan

        bits.append(format_yuan(f.plan.value, lang))
    if q.levels and lang == "zh":
        from bot.answering.programs import LEVEL_WORDS

        bits.append(LEVEL_WORDS[q.levels[0]])
    del rules
    if not bits:
        return msg("ans.followup", lang)
    sep = "，" if lang == "zh" else ", "
    return msg("ans.followup_on", lang, bits=_v(sep.join(bits)) if lang == "zh" else sep.join(bits))


def source_line(f: Frame) -> str | None:
    clause, program = f.plan.clause, f.program
    if clause is None and program is None:
        return None
    label = program.source.clause if program is not None else clause.clause if clause else ""
    title = f.title if f.lang == "zh" else short_en(f.rules, f.meta)
    units = f.units()
    asks_who = (
        f.query.has("department")
        or f.query.has("procedure")
        or any(f.query.has(a) for a in _DOC_ONLY)
    )
    if f.plan.uncovered and program is None:
        label = _v(label) if f.lang == "zh" else label
        return msg("ans.nearest", f.lang, title=title, clause=label)
    if units and not asks_who and f.lang == "zh":
        return msg(
            "ans.source_units", f.lang, title=title, clause=_v(label), units=_v("、".join(units))
        )
    return msg("ans.source", f.lang, title=title, clause=_v(label) if f.lang == "zh" else label)


def closing_notice(f: Frame) -> str | None:
    """The validity notice for the document quoted, unless the lead already said it."""
    if reading.asks_validity(f.query) or f.plan.asked == "expiry":
        return None
    contact = f.meta.interpreter or (f.units()[0] if f.units() else "")
    return notice(f.meta, f.today, f.lang, f.unit_names((contact,)) if contact else "")


def cited_clauses(f: Frame, hits: Sequence[Clause], limit: int) -> list[Clause]:
    """The clauses cited: the plan's clause, other programs' clauses, then the hits."""
    from bot.answering.programs import clause_of

    cited: list[Clause] = [f.plan.clause] if f.plan.clause is not None else []
    for extra in f.plan.programs[1:]:
        c = clause_of(f.sources, f.rules.programs[extra])
        if c is not None and c not in cited:
            cited.append(c)
    if not _doc_only(f.query):
        for clause in hits:
            if len(cited) >= limit:
                break
            if clause not in cited and (not f.plan.followup or clause.doc_id == f.plan.doc):
                cited.append(clause)
    return cited[:limit]
