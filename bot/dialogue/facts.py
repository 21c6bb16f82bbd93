"""Facts stated in the user's own words, for the walk-through: "我是嘉定一个直播基地的运营方",
"营收三个多亿", "拿过市级的，第一次", "说错了，是6个亿".

``facts_from_text(rulebook, text, known, pending)`` returns the facts the message states (a
correction, "其实…"/"说错了…", replaces an earlier figure, district or applicant; a district
named decides "registered in Jiading" for firms and parks alike); ``noted_line`` says them back in a few words, with how
an approximate figure was read ("3亿多" is taken as at least 3亿元). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from bot.eligibility import UNKNOWN, Rulebook, format_yuan, parse_answer, parse_district
from bot.errors import BadInput
from bot.text import find_amounts, normalize, to_traditional, whole_word

_NEG = ("没", "未", "不", "無", "无", "not ", "no ", "never ", "haven't ", "hasn't ")
_CORRECTION = (
    "说错",
    "打错",
    "写错",
    "更正",
    "纠正",
    "不对",
    "改成",
    "改为",
    "应该是",
    "sorry",
    "correction",
    "i meant",
    "actually",
    "其实",
    "實際上",
    "实际上",
    "搞错",
    "弄错",
)
_NEWLY_RECOGNISED = (
    "新认定",
    "新增认定",
    "刚认定",
    "刚被认定",
    "刚获认定",
    "新获认定",
    "newly recognised",
    "newly recognized",
    "just recognised",
    "just recognized",
)


def _has(norm: str, words: tuple[str, ...]) -> int:
    """Position of the first word of ``words`` in ``norm``, or -1."""
    best = -1
    for w in words:
        if w.isascii():
            m = whole_word(w).search(norm)
            pos = m.start() if m else -1
        else:
            pos = norm.find(w)
        if pos >= 0 and (best < 0 or pos < best):
            best = pos
    return best


def _negated(norm: str, pos: int) -> bool:
    before = norm[max(0, pos - 4) : pos]
    return any(n in before for n in _NEG)


_ENTITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("park", ("基地的运营", "基地运营", "园区运营", "运营方", "园区的运营", "运营一个园区", "运营园区", "park operator", "run a park", "operate a park", "run a base", "operate a base")),
    ("individual", ("我是主播", "我是个人", "个人主播", "我个人", "我是一名主播", "我是人才", "i am a streamer", "i'm a streamer", "as an individual")),
    ("company", ("公司", "企业", "mcn", "工作室", "company", "firm", "our business", "平台")),
)  # fmt: skip
_REVENUE = (
    "营收",
    "营业收入",
    "收入",
    "营业额",
    "销售额",
    "流水",
    "主营业务",
    "revenue",
    "turnover",
    "sales",
    "income",
)
_COST = (
    "花了",
    "花费",
    "费用",
    "举办费",
    "成本",
    "投入",
    "预算",
    "cost",
    "spent",
    "spend",
    "budget",
)
_FIRST = (
    "第一次",
    "首次",
    "首超",
    "头一回",
    "头一次",
    "first time",
    "first passed",
    "first exceeded",
    "for the first time",
    "first",
)


_LISTED = (
    "刚上市",
    "已上市",
    "上市了",
    "新上市",
    "已经上市",
    "挂牌了",
    "已挂牌",
    "刚挂牌",
    "新挂牌",
    "we listed",
    "newly listed",
    "just listed",
    "went public",
)
_EVENT = (
    "办活动",
    "举办",
    "办了",
    "办一场",
    "直播节",
    "论坛",
    "节展",
    "展会",
    "峰会",
    "host an event",
    "hosted",
    "forum",
    "festival",
)


def facts_from_text(
    rulebook: Rulebook, text: str, known: Mapping[str, Any], pending: str | None = None
) -> dict[str, Any]:
    """The facts ``text`` states, by fact id (only facts of ``rulebook``)."""
    norm = normalize(text)
    found: dict[str, Any] = {}
    said = _Said(norm, text, known, pending, _has(norm, _CORRECTION) >= 0)
    _entity_fact(rulebook, said, found)
    _place_facts(rulebook, norm, text, found)
    _money_facts(rulebook, said, found)
    _company_facts(rulebook, norm, pending, found)
    _park_facts(rulebook, norm, known, found, pending)
    _person_facts(rulebook, norm, known, found)
    # keep only facts that are new or changed (a correction replaces)
    return {
        k: v
        for k, v in found.items()
        if known.get(k) != v and k in rulebook.facts and not (k == pending and not said.correcting)
    }


class _Said(NamedTuple):
    """A message being read: its normalised and raw text, the facts known before it, the
    question pending, and whether it corrects an earlier answer ("不对，其实…")."""

    norm: str
    text: str
    known: Mapping[str, Any]
    pending: str | None
    correcting: bool


def _entity_fact(rulebook: Rulebook, said: _Said, found: dict[str, Any]) -> None:
    """Who is asking, read once, unless the message corrects it ("不对，我们其实是一家公司")."""
    norm, text, known, pending, correcting = said
    open_entity = "entity_type" not in known or correcting
    if "entity_type" in rulebook.facts and open_entity and pending != "entity_type":
        entity = next((value for value, cues in _ENTITY if _has(norm, cues) >= 0), None)
        if entity is not None:
            found["entity_type"] = entity
        elif "entity_type" not in known:  # "我们园区…": the option's own words
            found.update(_entity_by_option(rulebook, text))


def _money_facts(rulebook: Rulebook, said: _Said, found: dict[str, Any]) -> None:
    """An amount: the revenue or an event's cost, by the words around it, by the question
    pending, or (a correction) by the money fact given last; "首次" with a revenue."""
    norm, text, known, pending, correcting = said
    amounts = find_amounts(text)
    if amounts:
        figure = max(a.yuan for a in amounts)
        money_facts = [f for f in ("annual_revenue", "event_cost") if f in rulebook.facts]
        target: str | None = None
        if _has(norm, _COST) >= 0:
            target = "event_cost"
        elif _has(norm, _REVENUE) >= 0 or _has(norm, ("亿",)) >= 0:
            target = "annual_revenue"
        elif pending in money_facts:
            target = pending
        elif correcting:
            target = next((f for f in reversed(list(known)) if f in money_facts), None)
        if target in money_facts and target != pending:
            found[target] = figure
    if _has(norm, _FIRST) >= 0 and ("annual_revenue" in found or _has(norm, _REVENUE) >= 0):
        found["revenue_first_time"] = True


def _company_facts(
    rulebook: Rulebook, norm: str, pending: str | None, found: dict[str, Any]
) -> None:
    """A demonstration enterprise, a new listing, an event hosted: said or denied."""
    facts = rulebook.facts
    if _has(norm, ("示范企业", "demonstration enterprise")) >= 0 and "demo_enterprise" in facts:
        found["demo_enterprise"] = not _negated(
            norm, _has(norm, ("示范企业", "demonstration enterprise"))
        )
    pos = _has(norm, _LISTED)
    if pos >= 0 and "newly_listed" in facts and pending != "newly_listed":
        found["newly_listed"] = not _negated(norm, pos)
    pos = _has(norm, _EVENT)
    if pos >= 0 and "hosts_event" in facts and pending != "hosts_event":
        found["hosts_event"] = not _negated(norm, pos)


def _person_facts(
    rulebook: Rulebook, norm: str, known: Mapping[str, Any], found: dict[str, Any]
) -> None:
    """A park that runs a live-streaming base; high-level talent; a foreign streamer."""
    facts = rulebook.facts
    entity = found.get("entity_type") or known.get("entity_type")
    if entity == "park" and "sh_fund_carrier" in facts and _has(norm, ("直播基地", "基地", "base")) >= 0:
        found["sh_fund_carrier"] = "base"  # "直播基地的运营方" runs a live-streaming base
    pos = _has(norm, ("高层次人才", "high-level talent"))
    if pos >= 0 and "talent_status" in facts:
        found["talent_status"] = "high_level" if not _negated(norm, pos) else "none"
    pos = _has(norm, ("外籍主播", "外国主播", "外籍", "foreign streamer", "foreign talent"))
    if pos >= 0 and "hires_foreign_streamer" in facts:
        found["hires_foreign_streamer"] = not _negated(norm, pos)


def _entity_by_option(rulebook: Rulebook, text: str) -> dict[str, Any]:
    try:
        said: object = parse_answer(rulebook.facts["entity_type"], text)
    except BadInput:
        return {}
    return {} if said == UNKNOWN else {"entity_type": said}


def _place_facts(rulebook: Rulebook, norm: str, text: str, found: dict[str, Any]) -> None:
    """Where the firm (or park) is: "我们在宝山" is "not in Jiading", for parks too."""
    district = parse_district(text)
    if district is not None and "registered_in_jiading" in rulebook.facts:
        pos = max(_has(norm, ("嘉定", "jiading")), 0)
        found["registered_in_jiading"] = (district == "jiading") and not _negated(norm, pos)


_PARK_LEVEL_WORDS = re.compile(r"(市级|区级|municipal|district)(-level)?\s*(特色|featured)")


def _park_facts(
    rulebook: Rulebook,
    norm: str,
    known: Mapping[str, Any],
    found: dict[str, Any],
    pending: str | None,
) -> None:
    """What a park says about itself: its level, new recognition, first honours."""
    if found.get("entity_type", known.get("entity_type")) != "park":
        return
    honour = _has(norm, ("荣誉", "示范基地", "拿过", "获得过", "honour", "honor"))
    if honour >= 0 or pending == "park_first_honour":
        # "市级特色园区" names the park's level, not an honour
        said = _PARK_LEVEL_WORDS.sub(" ", norm)
        levels = [
            lv for lv, cue in (("national", "国家"), ("municipal", "市级")) if cue in said or lv in said
        ]
        if len(levels) == 2:
            found["park_first_honour"] = "both"
        elif levels:
            found["park_first_honour"] = levels[0]
    pos = _has(norm, _NEWLY_RECOGNISED)
    if pos >= 0 and "park_newly_recognised" in rulebook.facts:
        found["park_newly_recognised"] = not _negated(norm, pos)
    for level, cues in (
        ("municipal", ("市级特色", "municipal featured", "municipal-level featured")),
        ("district", ("区级特色", "district featured", "district-level featured")),
    ):
        if _has(norm, cues) >= 0 and "park_level" in rulebook.facts:
            found["park_level"] = level


def noted_line(rulebook: Rulebook, facts: Mapping[str, Any], lang: str, traditional: bool) -> str:
    """ "已记下：在嘉定注册：是；年主营业务收入：3亿元。" — the facts said back."""
    if not facts:
        return ""
    parts = []
    for fact_id, value in facts.items():
        fact = rulebook.facts.get(fact_id)
        if fact is None:
            continue
        label = fact.label.en if lang == "en" else fact.label.zh
        shown: str
        if isinstance(value, bool):
            shown = ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
        elif isinstance(value, int) and fact.type == "money":
            shown = format_yuan(value, "en" if lang == "en" else "zh")
        elif isinstance(value, str) and fact.option(value) is not None:
            option = fact.option(value)
            assert option is not None
            shown = option.label.en if lang == "en" else option.label.zh
        else:
            shown = str(value)
        parts.append(f"{label}: {shown}" if lang == "en" else f"{label}：{shown}")
    if not parts:
        return ""
    line = (
        ("Noted: " + "; ".join(parts) + ".")
        if lang == "en"
        else ("已记下：" + "；".join(parts) + "。")
    )
    return to_traditional(line) if traditional and lang != "en" else line


def approximate_note(text: str, lang: str) -> str:
    """How an approximate revenue phrase was read, or ""."""
    for amount in find_amounts(text):
        if amount.bound == "at_least":
            return (
                f'(I read "{amount.said}" as at least {format_yuan(amount.yuan, "en")}.)'
                if lang == "en"
                else f"（“{amount.said}”按至少{format_yuan(amount.yuan, 'zh')}计）"
            )
        if amount.bound == "about":
            return (
                f'(I read "{amount.said}" as about {format_yuan(amount.yuan, "en")}; tiers near it may differ.)'
                if lang == "en"
                else f"（“{amount.said}”按约{format_yuan(amount.yuan, 'zh')}计，接近档位时请以实际数字为准）"
            )
    return ""
