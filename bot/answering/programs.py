"""Which programs of the rules table a question is about, and whether it leans on the
previous turn. The rules table leads an answer only when the question names one of its
programs (by the program's keywords) or states a cost that a percentage program takes."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.answering.plan import Sources, Topic
from bot.domain import Clause
from bot.eligibility import Program, Rulebook
from bot.question import Query
from bot.text import normalize, whole_word

LEVEL_WORDS = {"national": "国家级", "municipal": "市级", "district": "区级"}
_COMPANY_WORDS = ("企业", "公司", "company", "companies", "firm", "business", "mcn")
_INDIVIDUAL_WORDS = ("个人", "主播", "人才", "我自己", "individual", "streamer", "talent", "myself")
_COST_CUES = ("花了", "花费", "费用", "成本", "投入", "举办费", "spent", "cost", "spend")
# Words that carry no subject: what is left of a short question without them shows whether it
# leans on the previous turn ("那5亿呢？", "For how many years?").
LIGHT_WORDS = frozenset(
    ["一下", "一个", "万", "上海", "上海市", "个", "么", "了", "产业", "亿", "什么", "企业", "优惠", "你们", "假如", "元", "公司", "几年", "办法", "区", "区级", "发展", "只是", "可不可以", "可以", "吗", "呀", "呢", "哪个", "哪些", "啊", "嘉定", "嘉定区", "国家级", "多", "多久", "多少", "奖", "奖励", "如何", "如果", "对", "少", "市", "市级", "怎么", "情况", "我", "我们", "扶持", "找", "拿", "措施", "支持", "政策", "文件", "方面", "是", "是否", "最多", "最高", "有", "有没有", "条件", "没有", "现在", "申请", "的", "的话", "直播", "相关", "短视频", "第一次", "给", "能", "能不能", "能拿", "行业", "补", "补贴", "要是", "规定", "请问", "谁", "负责", "资金", "超过", "过了", "还", "还能", "这个", "那", "那个", "部门", "钱", "问题", "需要", "首超", "a", "about", "and", "available", "company", "for", "how", "is", "it", "long", "many", "more", "much", "park", "still", "that", "the", "this", "valid", "what", "which", "who", "years"]
)  # fmt: skip


def kw_hit(keyword: str, norm: str) -> bool:
    key = normalize(keyword)
    if key.isascii():
        return whole_word(key).search(norm) is not None
    return key in norm


# An English question names a program only when it asks about a benefit: its keywords are
# everyday words ("rent", "housing", "talent"), and "Can we rent out part of our office to
# another company?" asks nothing of the rent subsidy for talent.
_BENEFIT_EN = re.compile(
    r"\b(?:subsid|support|grant|reward|award|fund|money|allowance|help|get|gets|getting|claim"
    r"|apply|applying|application|bonus|incentive|cover|discount|free|benefit|assist|aid"
    r"|eligib|qualif|how much|up to|cash|policy|policies|programme|program"
    # paying, unless someone did not ("our tenant hasn't paid rent": no subsidy is asked for)
    r"|(?<!n't )(?<!n’t )(?<!not )(?<!never )(?:pay|pays|paid)"
    r"|give|gives|giving|offer|offers|receive|entitled|reimburs|compensat|prize)"
)


def match_programs(rules: Rulebook, query: Query, docs: frozenset[str] = frozenset()) -> list[str]:
    """Programs the question names by their keywords, best first (ties kept)."""
    if query.lang == "en" and _BENEFIT_EN.search(query.norm) is None:
        return []
    scores: dict[str, float] = {}
    for program in rules.programs.values():
        if docs and program.source.doc not in docs:
            continue
        words = [*program.keywords.zh, *program.keywords.en]
        score = float(sum(len(normalize(k)) for k in words if kw_hit(k, query.norm)))
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


def swap_level(
    rules: Rulebook, programs: tuple[str, ...], levels: tuple[str, ...]
) -> tuple[str, ...]:
    """ "市级的呢？" after a question about the national-honour subsidy: the sibling program of
    the same clause whose name differs only by the level."""
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


def clause_of(sources: Sources, program: Program) -> Clause | None:
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


def is_followup(query: Query, topic: Topic, own: list[str], named: frozenset[str]) -> bool:
    """Does the question lean on the previous turn?"""
    if not topic.doc and not topic.programs:
        return False
    if own and not set(own) & set(topic.programs):
        return False
    if named and topic.doc and topic.doc not in named:
        return False
    if query.asks and not own and not named:  # "who handles it?", "要什么材料": about the topic
        return True
    return query.marked_followup or (query.short and content_light(query))


def switch_document(
    query: Query, topic: Topic, own: list[str], named: frozenset[str]
) -> tuple[Query, Topic]:
    """ "上海那个呢？" after "嘉定的文号是啥": the same question about the other document."""
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
        query = replace(query, asks=topic.asks)
        topic = Topic(doc=sorted(named)[0], asks=topic.asks, question=topic.question)
    return query, topic


def content_light(query: Query) -> bool:
    """Little besides a figure, a level or question words: "那5亿呢？", "For how many years?"."""
    rest = query.norm
    for amount in query.amounts:
        rest = rest.replace(amount.said, "")
    for word in sorted(LIGHT_WORDS, key=len, reverse=True):
        rest = rest.replace(word, "")
    rest = re.sub(r"[\W\d_]", "", rest)
    return len(rest) <= (14 if query.lang == "en" else 4)


def states_cost(query: Query) -> bool:
    return bool(query.amounts) and any(kw_hit(c, query.norm) for c in _COST_CUES)


def uses_amount(rules: Rulebook, programs: tuple[str, ...]) -> bool:
    return any(rules.programs[p].amount.kind in ("tiers", "percent") for p in programs)


def programs_of_clause(rules: Rulebook, clause: Clause, query: Query) -> tuple[str, ...]:
    """The one program whose quote lies in ``clause``, when the question asks an amount."""
    inside = [
        p
        for p in rules.programs.values()
        if p.source.doc == clause.doc_id and normalize(p.source.quote)[:20] in clause.norm
    ]
    if len(inside) == 1 and ("amount" in query.kinds or query.amounts):
        return (inside[0].id,)
    return ()


def narrow(
    rules: Rulebook, programs: tuple[str, ...], query: Query, value: int | None
) -> tuple[str, ...]:
    """Of several programs, those a stated level, rank or figure fits."""
    if len(programs) <= 1:
        return programs
    keep = list(programs)
    if value is not None:
        keep = [p for p in keep if rules.programs[p].amount.kind in ("tiers", "percent")] or keep
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
        keep = [p for p in keep if level_word in rules.programs[p].name.zh] or keep
    return tuple(keep)


def applicant_mismatch(program: Program, query: Query) -> bool:
    """The question asks for companies, the program is for individuals only."""
    entity = next((c for c in program.conditions if c.fact == "entity_type"), None)
    if entity is None:
        return False
    allowed = {entity.equals} if entity.equals is not None else set(entity.in_ or ())
    asks_company = any(kw_hit(w, query.norm) for w in _COMPANY_WORDS)
    asks_person = any(kw_hit(w, query.norm) for w in _INDIVIDUAL_WORDS)
    return asks_company and not asks_person and "company" not in allowed
