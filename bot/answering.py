"""The answer to a question in a conversation: the rules table, the clauses and the topic.

``answer(query, ask_result, rules, topic, today)`` decides what the question asks (an amount
for a tier or level, an amount computed from the user's figures, the document's validity, its
number or issuers, the responsible units, what the documents do not say, how long, on what
conditions) and which program, clause and document it is about: its own words first, else the
topic of the previous turn (a follow-up such as "那5亿呢？" or "这个谁负责？"). The first line
answers; the supporting sentence is quoted on the next; a computation, one compact source line
and (for an expired document) one notice follow. Amounts come only from the rules table
(through the eligibility engine), the cited clause or the document's metadata.

Pure: no I/O; ``today`` is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.compose import _finish, _v, best_sentence, citation_of, money_glosses
from bot.domain import Citation, Clause, DocumentMeta, Lang
from bot.eligibility import AmountResult, Program, Rulebook, assess, format_yuan
from bot.messages import text as msg
from bot.question import Query
from bot.retrieval.retriever import Hit
from bot.text import normalize, strip_spaces, whole_word

MAX_CITATIONS = 3
LEVEL_WORDS = {"national": "国家级", "municipal": "市级", "district": "区级"}
LEVEL_EN = {"national": "national", "municipal": "municipal", "district": "district"}
_COMPANY_WORDS = ("企业", "公司", "company", "companies", "firm", "business", "mcn")
_INDIVIDUAL_WORDS = ("个人", "主播", "人才", "我自己", "individual", "streamer", "talent", "myself")
# Words that say nothing about a subject: left out when looking for a subject no document covers.
_GENERIC = frozenset(
    [
        "嘉定",
        "嘉定区",
        "上海",
        "上海市",
        "直播",
        "短视频",
        "企业",
        "公司",
        "政策",
        "补贴",
        "奖励",
        "扶持",
        "支持",
        "资金",
        "多少",
        "有没有",
        "没有",
        "哪些",
        "什么",
        "怎么",
        "可以",
        "能",
        "申请",
        "我们",
        "我",
        "你们",
        "请问",
        "一下",
        "如何",
        "这个",
        "那个",
        "是否",
        "给",
        "对",
        "的",
        "了",
        "吗",
        "呢",
        "有",
        "区",
        "市",
        "方面",
        "相关",
        "规定",
        "文件",
        "优惠",
        "措施",
        "一个",
        "现在",
        "还",
        "能不能",
        "可不可以",
        "行业",
        "产业",
        "发展",
        "办法",
        "情况",
        "问题",
        "多",
        "少",
        "钱",
        "元",
        "万",
    ]
)


@dataclass(frozen=True)
class Topic:
    """What the conversation is about after an answer (kept in the session as JSON)."""

    doc: str | None = None
    clause: str | None = None  # clause key of the main citation
    programs: tuple[str, ...] = ()
    amount: int | None = None  # the last figure the user stated (yuan)
    question: str = ""
    related: tuple[str, ...] = ()  # clause keys of the other citations
    asks: tuple[str, ...] = ()  # what the last question asked (validity, number, ...)

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "clause": self.clause,
            "programs": list(self.programs),
            "amount": self.amount,
            "question": self.question,
            "related": list(self.related),
            "asks": list(self.asks),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Topic:
        amount = data.get("amount")
        return cls(
            doc=str(data["doc"]) if data.get("doc") else None,
            clause=str(data["clause"]) if data.get("clause") else None,
            programs=tuple(str(p) for p in data.get("programs") or ()),
            amount=int(amount) if isinstance(amount, int | float) else None,
            question=str(data.get("question") or ""),
            related=tuple(str(k) for k in data.get("related") or ()),
            asks=tuple(str(a) for a in data.get("asks") or ()),
        )


@dataclass(frozen=True)
class Composed:
    """An answer ready for the dialogue: text, citations (full clauses, rank order), topic."""

    text: str
    citations: tuple[Citation, ...]
    topic: Topic
    followup: bool = False
    has_programs: bool = False
    figures: tuple[str, ...] = field(default=())  # computed values shown with their working


@dataclass(frozen=True)
class Sources:
    """What answering reads: the documents and clauses, the rules, the vocabulary."""

    documents: Mapping[str, DocumentMeta]
    clauses: Sequence[Clause]
    rulebook: Rulebook
    vocabulary: frozenset[str] = frozenset()  # the documents' words and the glossary's


# ------------------------------------------------------------------------------ programs


def _kw_hit(keyword: str, norm: str) -> bool:
    key = normalize(keyword)
    if key.isascii():
        return whole_word(key).search(norm) is not None
    return key in norm


def match_programs(rules: Rulebook, query: Query, docs: frozenset[str] = frozenset()) -> list[str]:
    """Programs the question names by their keywords, best first (ties kept)."""
    scores: dict[str, float] = {}
    for program in rules.programs.values():
        if docs and program.source.doc not in docs:
            continue
        words = [*program.keywords.zh, *program.keywords.en]
        score = float(sum(len(normalize(k)) for k in words if _kw_hit(k, query.norm)))
        if not score:
            continue
        name = program.name.zh
        for level in query.levels:
            if LEVEL_WORDS[level] in name:
                score += 3
            elif any(w in name for w in LEVEL_WORDS.values()):
                score -= 2
        scores[program.id] = score
    if not scores:
        return []
    best = max(scores.values())
    return [p for p, s in scores.items() if s >= best and s >= 2]


def _strip_levels(name: str) -> str:
    for word in LEVEL_WORDS.values():
        name = name.replace(word, "")
    return name


def _swap_level(
    rules: Rulebook, programs: tuple[str, ...], levels: tuple[str, ...]
) -> tuple[str, ...]:
    """ "市级的呢？" after a question about the national-honour subsidy: the sibling program of the
    same clause whose name differs only by the level."""
    if not levels or not programs:
        return programs
    level_word = LEVEL_WORDS[levels[0]]
    out: list[str] = []
    for pid in programs:
        program = rules.programs[pid]
        if level_word in program.name.zh or not any(
            w in program.name.zh for w in LEVEL_WORDS.values()
        ):
            out.append(pid)
            continue
        sibling = next(
            (
                p.id
                for p in rules.programs.values()
                if p.source.doc == program.source.doc
                and p.source.clause == program.source.clause
                and level_word in p.name.zh
                and _strip_levels(p.name.zh) == _strip_levels(program.name.zh)
            ),
            pid,
        )
        out.append(sibling)
    return tuple(dict.fromkeys(out))


# ------------------------------------------------------------------------------ helpers


def _clause_of(sources: Sources, program: Program) -> Clause | None:
    quote = normalize(program.source.quote)
    candidates = [
        c
        for c in sources.clauses
        if c.doc_id == program.source.doc and c.clause == program.source.clause
    ]
    for clause in candidates:
        if quote[:20] in clause.norm:
            return clause
    return candidates[0] if candidates else None


def _date(d: date, lang: Lang) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def _short_en(rules: Rulebook, meta: DocumentMeta) -> str:
    document = rules.documents.get(meta.id)
    if document is not None and document.short_en:
        return document.short_en
    return meta.title_en or f"《{meta.title}》"


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _unit_names(rules: Rulebook, units: Sequence[str], lang: Lang) -> str:
    if lang == "zh":
        return _v("、".join(units))
    return "; ".join(rules.units.get(u, u) for u in units)


def _doc_title(meta: DocumentMeta, lang: Lang) -> str:
    return _v(f"《{meta.title}》") if lang == "zh" else (meta.title_en or f"《{meta.title}》")


def _who(meta: DocumentMeta, clause: Clause | None, program: Program | None) -> tuple[str, ...]:
    if program is not None:
        return program.responsible
    if clause is not None and clause.responsible:
        return clause.responsible
    if meta.interpreter:
        return (meta.interpreter,)
    return meta.issuers[:1]


def _per(per: str, lang: Lang) -> str:
    return {
        "once": _t(lang, "一次性", "one-off"),
        "year": _t(lang, "每年", "per year"),
        "month": _t(lang, "每月", "per month"),
    }[per]


def _per_of(program: Program, lang: Lang) -> str:
    """"一次性" / "每年" / "每月" as the clause says it: a one-off is named only where the
    clause itself says "一次性"."""
    if program.amount.per == "once" and "一次性" not in program.source.quote:
        return ""
    return _per(program.amount.per, lang)


def _yuan(amount: int, lang: Lang) -> str:
    return format_yuan(amount, lang)


def _said(query: Query) -> int | None:
    return max((a.yuan for a in query.amounts), default=None)


# ------------------------------------------------------------------------------ leads


def _amount_lead(
    rules: Rulebook, program: Program, query: Query, value: int | None, today: date, lang: Lang
) -> tuple[str, list[str]]:
    """The first line for "how much" about ``program``, and the working (next lines)."""
    rule = program.amount
    name = _v(program.name.zh) if lang == "zh" else program.name.en
    working: list[str] = []
    if rule.kind in ("tiers", "percent") and value is not None and rule.fact is not None:
        facts: dict[str, object] = {rule.fact: value}
        result = assess(rules, facts, today, focus={program.id}).result(program.id)
        amount: AmountResult | None = result.amount
        bound = next((a for a in query.amounts if a.yuan == value), None)
        stated = ""
        if bound is not None and (
            bound.bound == "about" or "多" in bound.said or "以上" in bound.said
        ):
            stated = _t(
                lang,
                f"（按您说的“{_v(bound.said)}”，以{_yuan(value, lang)}计）",
                f' (taking your "{bound.said}" as {_yuan(value, lang)})',
            )
        if rule.kind == "tiers":
            if amount is None or amount.yuan is None:
                first = rule.tiers[0]
                return (
                    _t(
                        lang,
                        f"不够：{_yuan(value, lang)}未达到最低一档（{_v(first.label.zh)}），{name}不适用{stated}。",
                        f"Not enough: {_yuan(value, lang)} is below the lowest tier ({first.label.en}); the {name} does not apply{stated}.",
                    ),
                    [],
                )
            label = amount.applied
            tier = label.zh if label else ""
            lead = _t(
                lang,
                f"{_per_of(program, lang)}奖励{_yuan(amount.yuan, lang)}（{_v(tier)}）{stated}。",
                f"{_yuan(amount.yuan, 'en')}, {_per_of(program, 'en')} ({label.en if label else ''}){stated}: {name}.",
            )
            hints = result.hints
            if hints:
                working.append(_t(lang, f"下一档：{hints[0].zh}", f"Next tier: {hints[0].en}"))
            return lead, working
        # percent of a cost, capped
        assert amount is not None and amount.yuan is not None and rule.rate_percent is not None
        raw = value * rule.rate_percent // 100
        capped = rule.cap_yuan is not None and raw > rule.cap_yuan
        years = f"，可连续{rule.max_years}年" if rule.max_years else ""
        years_en = f", for up to {rule.max_years} consecutive years" if rule.max_years else ""
        lead = _t(
            lang,
            f"可补贴{_yuan(amount.yuan, lang)}"
            + ("（达到上限）" if capped else "")
            + f"{stated}。",
            f"{_yuan(amount.yuan, 'en')}" + (" (the cap)" if capped else "") + f"{stated}: {name}.",
        )
        if capped:
            working.append(
                _t(
                    lang,
                    f"计算：{_yuan(value, lang)} × {rule.rate_percent}% = {_yuan(raw, lang)}，超过上限{_yuan(rule.cap_yuan or 0, lang)}，按{_yuan(amount.yuan, lang)}计{years}。",
                    f"How: {_yuan(value, 'en')} × {rule.rate_percent}% = {_yuan(raw, 'en')}, above the cap of {_yuan(rule.cap_yuan or 0, 'en')} → {_yuan(amount.yuan, 'en')}{years_en}.",
                )
            )
        else:
            working.append(
                _t(
                    lang,
                    f"计算：{_yuan(value, lang)} × {rule.rate_percent}% = {_yuan(raw, lang)}（上限{_yuan(rule.cap_yuan or 0, lang)}）{years}。",
                    f"How: {_yuan(value, 'en')} × {rule.rate_percent}% = {_yuan(raw, 'en')} (cap {_yuan(rule.cap_yuan or 0, 'en')}){years_en}.",
                )
            )
        return lead, working
    if rule.kind == "tiers":
        if query.has("max"):
            top = rule.tiers[-1]
            return (
                _t(
                    lang,
                    f"最高{_per_of(program, lang)}奖励{_yuan(top.yuan, lang)}（{_v(top.label.zh)}）。",
                    f"At most {_yuan(top.yuan, 'en')} {_per_of(program, 'en')} ({top.label.en}): {name}.",
                ),
                [],
            )
        parts_zh = "、".join(f"{_v(t.label.zh)}{_yuan(t.yuan, 'zh')}" for t in rule.tiers)
        parts_en = "; ".join(f"{t.label.en}: {_yuan(t.yuan, 'en')}" for t in rule.tiers)
        return _t(
            lang,
            f"按档{_per_of(program, lang)}奖励：{parts_zh}。",
            f"{name}, {_per_of(program, 'en')} by tier: {parts_en}.",
        ), []
    if rule.kind == "by_choice" and rule.choices and rule.fact is not None:
        fact = rules.facts[rule.fact]
        chosen = next((lv for lv in query.levels if lv in rule.choices), None)
        if chosen is not None:
            option = fact.option(chosen)
            label = option.label if option else None
            return (
                _t(
                    lang,
                    f"{_per_of(program, lang)}补贴{_yuan(rule.choices[chosen], lang)}（{_v(label.zh) if label else ''}）。",
                    f"{_yuan(rule.choices[chosen], 'en')}, {_per_of(program, 'en')} ({label.en if label else chosen}): {name}.",
                ),
                [],
            )
        parts = []
        for option_id, yuan in rule.choices.items():
            option = fact.option(option_id)
            parts.append((option.label if option else None, yuan))
        return (
            _t(
                lang,
                f"{_per_of(program, lang)}补贴："
                + "、".join(f"{_v(lbl.zh) if lbl else ''}{_yuan(y, 'zh')}" for lbl, y in parts)
                + "。",
                f"{name}, {_per_of(program, 'en')}: "
                + "; ".join(f"{lbl.en if lbl else ''} {_yuan(y, 'en')}" for lbl, y in parts)
                + ".",
            ),
            [],
        )
    if rule.kind == "percent" and rule.rate_percent is not None:
        cap = f"，{_per_of(program, lang)}最高{_yuan(rule.cap_yuan, lang)}" if rule.cap_yuan else ""
        cap_en = (
            f", at most {_yuan(rule.cap_yuan, 'en')} {_per_of(program, 'en')}"
            if rule.cap_yuan
            else ""
        )
        years = f"，可连续{rule.max_years}年" if rule.max_years else ""
        years_en = f", for up to {rule.max_years} consecutive years" if rule.max_years else ""
        return (
            _t(
                lang,
                f"按举办费的{rule.rate_percent}%补贴{cap}{years}。",
                f"{rule.rate_percent}% of the cost{cap_en}{years_en}: {name}.",
            ),
            [],
        )
    if rule.kind == "fixed" and rule.yuan is not None:
        return (
            _t(
                lang,
                f"{_per_of(program, lang)}{_reward_word(program)}{_yuan(rule.yuan, lang)}。",
                f"{_yuan(rule.yuan, 'en')}, {_per_of(program, 'en')}: {name}.",
            ),
            [],
        )
    if rule.kind == "up_to" and rule.yuan is not None:
        per = "" if rule.per == "once" else _per_of(program, lang)
        years = f"，最长{rule.max_years}年" if rule.max_years else ""
        years_en = f", for at most {rule.max_years} years" if rule.max_years else ""
        return (
            _t(
                lang,
                f"最高{per}{_yuan(rule.yuan, lang)}{years}。",
                f"Up to {_yuan(rule.yuan, 'en')}{' ' + _per_of(program, 'en') if rule.per != 'once' else ''}{years_en}: {name}.",
            ),
            [],
        )
    if rule.kind == "at_least" and rule.yuan is not None:
        lead = _t(
            lang,
            f"{_per_of(program, lang)}奖励{_yuan(rule.yuan, lang)}以上（视贡献确定）。",
            f"At least {_yuan(rule.yuan, 'en')}, {_per_of(program, 'en')} (set by contribution): {name}.",
        )
        if query.has("max"):
            lead = _t(
                lang,
                f"文件没有写明上限：条款只说{_per_of(program, lang)}奖励“{_yuan(rule.yuan, lang)}以上”，视贡献确定。",
                f"The documents do not state a maximum: the clause says at least {_yuan(rule.yuan, 'en')} ({_per_of(program, 'en')}), set by contribution.",
            )
        return lead, []
    note = rule.note.zh if rule.note else ""
    note_en = rule.note.en if rule.note else ""
    return (
        _t(
            lang,
            f"文件没有写明具体金额：{_v(program.name.zh)}，{_v(note)}。",
            f"The documents do not state a figure for the {name}: {note_en}.",
        ),
        [],
    )


def _reward_word(program: Program) -> str:
    return "奖励" if "奖" in program.name.zh else "补贴"


def _validity_lead(meta: DocumentMeta, today: date, lang: Lang, who: str, query: Query) -> str:
    title = _doc_title(meta, lang)
    if meta.valid_until is not None and today > meta.valid_until:
        return _t(
            lang,
            f"不能了：{title}有效期至{_date(meta.valid_until, lang)}，截至{_date(today, lang)}已经失效。是否有后续政策，请咨询{who}。",
            f"No: the {title} expired on {meta.valid_until.isoformat()} (as of {today.isoformat()}); it is no longer in force. Ask {who} whether a successor policy applies.",
        )
    if meta.valid_from is not None and today < meta.valid_from:
        return _t(
            lang,
            f"还没有生效：{title}自{_date(meta.valid_from, lang)}起施行。",
            f"Not yet: the {title} takes effect on {meta.valid_from.isoformat()}.",
        )
    until = meta.valid_until
    if until is None:
        return _t(
            lang,
            f"可以：{title}现行有效，文件没有写明截止日期。",
            f"Yes: the {title} is in force; it states no end date.",
        )
    next_year = "明年" in query.norm or "next year" in query.norm
    if next_year and until.year < today.year + 1:
        return _t(
            lang,
            f"目前有效，但有效期只到{_date(until, lang)}，明年（{today.year + 1}年）已不在有效期内；是否延续，请咨询{who}。",
            f"In force now, but only until {until.isoformat()}: next year ({today.year + 1}) it is no longer valid unless renewed; ask {who}.",
        )
    return _t(
        lang,
        f"可以：{title}有效期至{_date(until, lang)}，目前（{_date(today, lang)}）仍在有效期内。",
        f"Yes: the {title} is in force until {until.isoformat()} (as of {today.isoformat()}).",
    )


# ------------------------------------------------------------------------------ answer


def is_followup(query: Query, topic: Topic, own: list[str], named: frozenset[str]) -> bool:
    """Does the question lean on the previous turn?"""
    if not topic.doc and not topic.programs:
        return False
    if own and not set(own) & set(topic.programs):
        # its own program, unless it only names a level or a figure ("市级的呢") of the topic
        return False
    if named and topic.doc and topic.doc not in named:
        return False
    if query.asks and not own and not named:  # "who handles it?", "要什么材料": about the topic
        return True
    return query.marked_followup or (query.short and _content_light(query))


def _content_light(query: Query) -> bool:
    """Little besides a figure, a level or question words: "那5亿呢？", "For how many years?"."""
    rest = query.norm
    for amount in query.amounts:
        rest = rest.replace(amount.said, "")
    for word in sorted(_GENERIC | _LIGHT, key=len, reverse=True):
        rest = rest.replace(word, "")
    rest = re.sub(r"[\W\d_]", "", rest)
    if query.lang == "en":
        return len(rest) <= 14
    return len(rest) <= 4


_LIGHT = frozenset(
    [
        "那",
        "呢",
        "要是",
        "如果",
        "假如",
        "的话",
        "过了",
        "超过",
        "首超",
        "第一次",
        "国家级",
        "市级",
        "区级",
        "几年",
        "多久",
        "最多",
        "最高",
        "能拿",
        "拿",
        "补",
        "奖",
        "谁",
        "负责",
        "部门",
        "条件",
        "需要",
        "申请",
        "还能",
        "还",
        "吗",
        "找",
        "哪个",
        "呀",
        "啊",
        "么",
        "个",
        "亿",
        "万",
        "元",
        "只是",
        "是",
        "and",
        "what",
        "how",
        "about",
        "for",
        "the",
        "a",
        "is",
        "that",
        "it",
        "this",
        "many",
        "years",
        "who",
        "which",
        "much",
        "more",
        "long",
        "still",
        "valid",
        "available",
        "park",
        "company",
    ]
)


def answer(
    query: Query,
    hits: Sequence[Hit],
    in_scope: bool,
    sources: Sources,
    topic: Topic,
    today: date,
    lang: Lang,
    traditional: bool,
    named: frozenset[str] = frozenset(),
) -> Composed | None:
    """The answer, or None when the question is out of scope and is no follow-up."""
    rules = sources.rulebook
    own = match_programs(rules, query, named)
    if (
        not own
        and named
        and topic.doc
        and topic.doc not in named
        and topic.asks
        and not query.asks
        and query.short
        and query.marked_followup
    ):
        # "上海那个呢？" after "嘉定的文号是啥": the same question about the other document
        query = replace(query, asks=topic.asks)
        topic = Topic(doc=next(iter(sorted(named))), asks=topic.asks, question=topic.question)
    followup = is_followup(query, topic, own, named)
    if not in_scope and not followup and not own:
        return None
    programs: tuple[str, ...]
    if followup:
        programs = _swap_level(rules, topic.programs, query.levels)
        if own and set(own) & set(topic.programs):
            programs = tuple(p for p in topic.programs if p in own) or programs
    else:
        programs = tuple(own)
        if not programs and _states_cost(query):
            # "办了个带货节花了60万": a figure spent is a base for a percentage subsidy
            programs = tuple(
                p.id
                for p in rules.programs.values()
                if p.amount.kind == "percent" and (not named or p.source.doc in named)
            )
        if not programs and hits and not _uncovered(query, sources.vocabulary):
            programs = _programs_of_clause(rules, hits[0].clause, query)
    # Narrow several programs to those a stated level, rank or figure fits.
    programs = _narrow(rules, programs, query)
    value = _said(query)
    if value is None and followup and not query.amounts and not query.has("max"):
        value = topic.amount if topic.amount is not None and _uses_amount(rules, programs) else None
    program = rules.programs[programs[0]] if programs else None

    # The clause and document the answer is about.
    clause: Clause | None
    if program is not None:
        clause = _clause_of(sources, program)
    elif followup:
        clause = next((c for c in sources.clauses if c.key == topic.clause), None)
    else:
        clause = hits[0].clause if hits else None
    doc_id = (
        program.source.doc
        if program is not None
        else clause.doc_id
        if clause is not None
        else topic.doc
        if followup
        else next(iter(named), None)
    )
    if (
        named
        and not followup
        and doc_id not in named
        and (
            query.has("number")
            or query.has("issuers")
            or query.has("validity")
            or query.has("issue_date")
        )
    ):
        doc_id = next(iter(sorted(named)))
        clause = None if clause is None or clause.doc_id != doc_id else clause
    if doc_id is None:
        return None
    meta = sources.documents[doc_id]
    who_units = _who(meta, clause, program)
    who = _unit_names(rules, who_units, lang) if who_units else ""

    lines: list[str] = []
    working: list[str] = []
    asks = list(query.asks)
    doc_only = any(a in asks for a in ("number", "issuers", "issue_date"))
    if "validity" in asks:
        lines.append(_validity_lead(meta, today, lang, who, query))
    if "number" in asks:
        lines.append(
            _t(
                lang,
                f"{_doc_title(meta, lang)}的文号是{_v(meta.number)}。",
                f"The {_doc_title(meta, lang)} has the document number {meta.number}.",
            )
            if meta.number
            else _t(
                lang,
                f"{_doc_title(meta, lang)}没有写明文号（文件中未列发文字号）。",
                f"The {_doc_title(meta, lang)} does not state a document number.",
            )
        )
    if "issuers" in asks:
        issuers = "、".join(meta.issuers)
        lines.append(
            _t(
                lang,
                f"{_doc_title(meta, lang)}由{_v(issuers)}联合印发。",
                f"The {_doc_title(meta, lang)} was issued jointly by {_unit_names(rules, meta.issuers, 'en')}.",
            )
        )
    if "issue_date" in asks and meta.issue_date:
        lines.append(
            _t(
                lang,
                f"{_doc_title(meta, lang)}的发布日期是{_date(meta.issue_date, lang)}。",
                f"The {_doc_title(meta, lang)} is dated {meta.issue_date.isoformat()}.",
            )
        )
    if "department" in asks and not doc_only:
        if (
            program is None
            and clause is not None
            and not clause.responsible
            and not meta.interpreter
        ):
            lines.append(
                _t(
                    lang,
                    f"这一条没有写明责任单位；{_doc_title(meta, lang)}由{_v('、'.join(meta.issuers))}联合印发。",
                    f"The clause names no responsible unit; the {_doc_title(meta, lang)} was issued by {_unit_names(rules, meta.issuers, 'en')}.",
                )
            )
        else:
            lines.append(_t(lang, f"负责单位：{who}。", f"Responsible: {who}."))
    if "procedure" in asks:
        lines.append(
            _t(
                lang,
                f"文件没有写明申报流程、材料、截止时间或联系方式，请咨询{who}。",
                f"The documents do not state the application procedure, materials, deadline or contact details; ask {who}.",
            )
        )
    if "duration" in asks and program is not None and not doc_only:
        rule = program.amount
        if rule.max_years:
            verb = "可连续" if rule.kind == "percent" else "最长"
            lines.append(
                _t(
                    lang,
                    f"{verb}{rule.max_years}年（{_v(program.name.zh)}）。",
                    f"For up to {rule.max_years} years ({program.name.en}).",
                )
            )
        elif rule.per == "once":
            lines.append(
                _t(
                    lang,
                    f"这是一次性{_reward_word(program)}，不按年发放。",
                    f"It is a one-off payment, not yearly ({program.name.en}).",
                )
            )
    if "conditions" in asks and program is not None:
        lines.append(
            _t(
                lang,
                f"面向：{_v(program.applicants.zh)}。",
                f"Who can apply: {program.applicants.en}.",
            )
        )
    mismatch = program is not None and _applicant_mismatch(program, query)
    if mismatch and program is not None:
        lines.insert(
            0,
            _t(
                lang,
                f"文件没有写明针对企业的此类支持；相关的只有{_v(program.name.zh)}，面向{_v(program.applicants.zh)}。",
                f"The documents do not state such support for companies; the related one is the {program.name.en}, for {program.applicants.en}.",
            ),
        )
    uncovered = [] if program is not None or followup else _uncovered(query, sources.vocabulary)
    if uncovered and not lines:
        lines.append(
            _t(
                lang,
                f"政策文件没有涉及“{'、'.join(uncovered)}”的内容。",
                f"The policy documents do not cover {', '.join(uncovered)}.",
            )
        )
    other_asks = any(a in asks for a in ("validity", "department", "conditions", "duration"))
    wants_amount = (
        program is not None
        and not doc_only
        and not uncovered
        and (not other_asks or _asks_money(query))
    )
    if program is not None and wants_amount:
        lead, working = _amount_lead(rules, program, query, value, today, lang)
        if "procedure" in asks:
            lines.append(_t(lang, f"文件写明的是：{lead}", f"What the documents do say: {lead}"))
        elif mismatch or "validity" in asks:
            lines.append(lead)
        else:
            lines.insert(0, lead)
    quote = ""
    if program is not None:
        quote = strip_spaces(program.source.quote)
    elif clause is not None and not doc_only and not uncovered:
        best = best_sentence(
            query.text, [h for h in hits if h.clause.key == clause.key] or hits[:1]
        )
        if best is not None:
            quote = best.text
            if not lines and not uncovered:
                if lang == "zh":  # the answering sentence is the first line itself
                    lines.append(f"据{_doc_title(meta, lang)}{_v(clause.clause)}：{_v(strip_spaces(best.text))}")
                    quote = ""
                else:
                    lines.append(f"The {_short_en(rules, meta)}, {clause.clause}, says:")
                if lang == "en":
                    glosses = money_glosses(best.text)
                    if glosses:
                        working.append("Amounts: " + "; ".join(glosses) + ".")
                    if not meta.title_en:
                        working.append(
                            "(This document has no English glossary; the source is quoted in Chinese.)"
                        )
    if not lines:
        return None
    if followup and lines:
        note = _followup_note(rules, programs, query, value, lang)
        if note:
            lines[0] = note + lines[0]
    out: list[str] = [lines[0]]
    if quote:
        out.append(f"「{_v(quote)}」")
    out.extend(lines[1:])
    out.extend(working)
    # one compact source line
    if clause is not None or program is not None:
        label = program.source.clause if program is not None else clause.clause if clause else ""
        source = _t(
            lang,
            f"出处：{_doc_title(meta, lang)}{_v(label)}",
            f"Source: {_short_en(rules, meta)}, {label}",
        )
        if who_units and "department" not in asks and "procedure" not in asks and not doc_only:
            source += _t(lang, f"；责任单位：{_v('、'.join(who_units))}", "")
        out.append(source)
    contact = meta.interpreter or (
        who_units[0] if who_units else meta.issuers[0] if meta.issuers else ""
    )
    if (
        not meta.in_force(today)
        and "validity" not in asks
        and meta.valid_until is not None
        and today > meta.valid_until
    ):
        out.append(
            _t(
                lang,
                f"⚠ 该文件已于{_date(meta.valid_until, lang)}失效，是否有后续政策请咨询{_v(contact)}。",
                f"⚠ This document expired on {meta.valid_until.isoformat()}; ask {_unit_names(rules, (contact,), 'en')} about a successor policy.",
            )
        )
    text = _finish("\n".join(out), traditional)
    cited: list[Clause] = []
    if clause is not None:
        cited.append(clause)
    for extra in (p for p in programs[1:]):
        c = _clause_of(sources, rules.programs[extra])
        if c is not None and c not in cited:
            cited.append(c)
    if not doc_only:
        for hit in hits:
            if len(cited) >= MAX_CITATIONS:
                break
            if hit.clause not in cited and (not followup or hit.clause.doc_id == doc_id):
                cited.append(hit.clause)
    cited = cited[:MAX_CITATIONS]
    new_topic = Topic(
        doc=doc_id,
        clause=clause.key if clause is not None else None,
        programs=programs,
        amount=value,
        question=query.text if not followup else topic.question,
        related=tuple(c.key for c in cited[1:]),
        asks=query.asks,
    )
    return Composed(
        text=text,
        citations=tuple(citation_of(c) for c in cited),
        topic=new_topic,
        followup=followup,
        has_programs=bool(programs),
    )


_MONEY_CUES = (
    "多少", "几万", "金额", "最高", "最多", "上限", "给钱", "钱", "比例", "how much", "amount", "maximum",
    "what award", "what does", "what subsidy", "rate", "percent",
)  # fmt: skip


def _asks_money(query: Query) -> bool:
    """The question asks for a sum (not merely naming an award: "营收奖励还能申请吗")."""
    return bool(query.amounts) or any(_kw_hit(c, query.norm) for c in _MONEY_CUES)


_COST_CUES = ("花了", "花费", "费用", "成本", "投入", "举办费", "spent", "cost", "spend")


def _states_cost(query: Query) -> bool:
    return bool(query.amounts) and any(_kw_hit(c, query.norm) for c in _COST_CUES)


def _uses_amount(rules: Rulebook, programs: tuple[str, ...]) -> bool:
    return any(rules.programs[p].amount.kind in ("tiers", "percent") for p in programs)


def _programs_of_clause(rules: Rulebook, clause: Clause, query: Query) -> tuple[str, ...]:
    """Programs whose quote lies in ``clause`` and whose keywords the question touches."""
    inside = [
        p
        for p in rules.programs.values()
        if p.source.doc == clause.doc_id and normalize(p.source.quote)[:20] in clause.norm
    ]
    if len(inside) == 1 and ("amount" in query.kinds or query.amounts):
        return (inside[0].id,)
    return ()


def _narrow(rules: Rulebook, programs: tuple[str, ...], query: Query) -> tuple[str, ...]:
    if len(programs) <= 1:
        return programs
    value = _said(query)
    keep = list(programs)
    if value is not None:
        amounted = [p for p in keep if rules.programs[p].amount.kind in ("tiers", "percent")]
        keep = amounted or keep
    if query.rank is not None:
        ranked = [
            p
            for p in keep
            if any(
                c.fact == "park_assessment_rank" and c.lte is not None and query.rank <= c.lte
                for c in rules.programs[p].conditions
            )
        ]
        if ranked:
            keep = ranked[-1:] if query.levels == () else ranked
    if query.levels:
        level_word = LEVEL_WORDS[query.levels[0]]
        leveled = [p for p in keep if level_word in rules.programs[p].name.zh]
        keep = leveled or keep
    return tuple(keep)


def _applicant_mismatch(program: Program, query: Query) -> bool:
    """The question asks for companies, the program is for individuals only."""
    entity = next((c for c in program.conditions if c.fact == "entity_type"), None)
    if entity is None:
        return False
    allowed = {entity.equals} if entity.equals is not None else set(entity.in_ or ())
    asks_company = any(_kw_hit(w, query.norm) for w in _COMPANY_WORDS)
    asks_person = any(_kw_hit(w, query.norm) for w in _INDIVIDUAL_WORDS)
    return asks_company and not asks_person and "company" not in allowed


def _uncovered(query: Query, vocabulary: frozenset[str]) -> list[str]:
    """Subject words of the question that no document uses ("新能源汽车", "购车")."""
    if not vocabulary or query.lang != "zh":
        return []
    import jieba.posseg

    words = [
        p.word
        for p in jieba.posseg.lcut(query.norm)
        if len(p.word) >= 2
        and p.flag.startswith(("n", "vn"))
        and re.fullmatch(r"[\u4e00-\u9fff]+", p.word)
        and not re.search("[一二两三四五六七八九十百千万亿]", p.word)
    ]
    missing = [
        w
        for w in words
        if w not in _GENERIC
        and w not in vocabulary
        and not any(w in v for v in vocabulary if len(v) <= 6)
    ]
    return (
        missing[:3]
        if len(missing) >= 1 and len(missing) * 3 >= len([w for w in words if w not in _GENERIC])
        else []
    )


def _followup_note(
    rules: Rulebook, programs: tuple[str, ...], query: Query, value: int | None, lang: Lang
) -> str:
    """ "接上题：" and what was carried over, in a few words."""
    bits: list[str] = []
    if programs:
        bits.append(
            rules.programs[programs[0]].name.zh
            if lang == "zh"
            else rules.programs[programs[0]].name.en
        )
    if value is not None and query.amounts:
        bits.append(_yuan(value, lang))
    if query.levels and lang == "zh":
        bits.append(LEVEL_WORDS[query.levels[0]])
    if lang == "zh":
        return f"接上题（{_v('，'.join(bits))}）：" if bits else "接上题："
    return f"Following up ({', '.join(bits)}): " if bits else "Following up: "


def rerender(composed: Composed, traditional: bool) -> Composed:
    return replace(composed, text=_finish(composed.text, traditional))


def disclaimer(lang: Lang, traditional: bool) -> str:
    return msg("disclaimer", lang, traditional)
