"""Resolve: a question (``Query``), the conversation's topic and the retrieved clauses ->
an ``AnswerPlan``: which document, clause and sentence, what was asked, the value.

What the question asks decides what leads (``reading.asked``). The rules table leads only
when the question names one of its programs, and only for what the table holds (an amount, a
duration, who may apply); a question about a count, a date, a penalty or anything else is
answered from the clauses. A yes/no question gets a verdict: no when the asker's place is one
the document does not govern, or when a benefit given once is asked for again; "the documents
do not say" when combining or late applications are asked about and no clause speaks to them.
A follow-up ("那5亿呢？", "这个谁负责？") leans on the topic of the previous turn. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from bot.answering import programs as prog
from bot.answering import reading
from bot.answering.evidence import Sentence, best_sentence
from bot.answering.places import other_place, states_registration
from bot.answering.plan import AnswerPlan, Sources, Topic
from bot.answering.uncovered import (
    focus_words,
    mostly_spoken,
    none_spoken,
    subject_words,
    uncovered,
    unspoken,
)
from bot.answering.yesno import (
    permits,
    permits_asked,
    permits_not_doing,
    rule_against,
    speaks_to,
    yesno_reading,
)
from bot.domain import Clause
from bot.knowledge.coverage import governing
from bot.question import Query
from bot.retrieval.intent import IN_FORCE, asks_when_in_force
from bot.retrieval.retriever import Hit
from bot.text import normalize, strip_spaces

# What the rules table answers; anything else asked is read from the clauses.
_TABLE_ASKS = frozenset({"amount", "yesno", "general", "duration", "conditions", "who"})
_DOC_ASKS = ("number", "issuers", "issue_date", "validity")
_COMBINED = re.compile(r"叠加|同时享受|不重复|兼得|就高")


def said(query: Query) -> int | None:
    return max((a.yuan for a in query.amounts), default=None)


def _programs(
    query: Query,
    hits: Sequence[Hit],
    sources: Sources,
    topic: Topic,
    named: frozenset[str],
    kind: str,
) -> tuple[tuple[str, ...], bool]:
    """The programs the question is about, and whether it is a follow-up."""
    rules = sources.rulebook
    docs = set(named) or {h.clause.doc_id for h in hits[:3]}
    own = [
        p
        for p in prog.match_programs(rules, query, named)
        if (not hits or rules.programs[p].source.doc in docs)
        and (kind == "amount" or rules.programs[p].amount.kind != "none")
    ]
    followup = prog.is_followup(query, topic, own, named)
    if followup:
        programs = prog.swap_level(rules, topic.programs, query.levels)
        if own and set(own) & set(programs):
            programs = tuple(p for p in topic.programs if p in own) or programs
    else:
        programs = tuple(own)
        if not programs and prog.states_cost(query):
            # "办了个带货节花了60万": a figure spent is a base for a percentage subsidy
            programs = tuple(
                p.id
                for p in rules.programs.values()
                if p.amount.kind == "percent" and (not named or p.source.doc in named)
            )
        top = hits[0].clause if hits else None
        asks_amount = kind == "amount" or "amount" in query.kinds
        # the top clause's one program, when the clause speaks to the question's subject
        if (
            not programs
            and top is not None
            and asks_amount
            and not unspoken(query, top.text, sources)
        ):
            programs = prog.programs_of_clause(rules, top, query)
    if kind not in _TABLE_ASKS and not followup:
        programs = ()
    return programs, followup


def _value(
    query: Query, sources: Sources, programs: tuple[str, ...], topic: Topic, followup: bool
) -> int | None:
    """The user's own figure; a cap or amount the clause itself states is not one ("50万上限
    是每年还是三年合计" asks about the cap, it spends nothing)."""
    value = said(query)
    if value is not None and programs:
        rule = sources.rulebook.programs[programs[0]].amount
        if value in {rule.cap_yuan, rule.yuan} and (query.has("max") or reading.asks_choice(query)):
            return None
    carried = value is None and followup and not query.amounts and not query.has("max")
    if carried and topic.amount is not None and prog.uses_amount(sources.rulebook, programs):
        return topic.amount
    return value


def _clause_and_doc(
    query: Query,
    hits: Sequence[Hit],
    sources: Sources,
    topic: Topic,
    programs: tuple[str, ...],
    followup: bool,
    named: frozenset[str],
) -> tuple[Clause | None, str | None]:
    program = sources.rulebook.programs[programs[0]] if programs else None
    clause: Clause | None
    if program is not None:
        clause = prog.clause_of(sources, program)
    elif followup:
        clause = next((c for c in sources.clauses if c.key == topic.clause), None)
    else:
        clause = hits[0].clause if hits else None
    if program is not None:
        doc_id: str | None = program.source.doc
    elif clause is not None:
        doc_id = clause.doc_id
    else:
        doc_id = topic.doc if followup else next(iter(sorted(named)), None)
    if named and not followup and doc_id not in named and _about_doc(query):
        doc_id = sorted(named)[0]
        clause = clause if clause is not None and clause.doc_id == doc_id else None
    return clause, doc_id


def resolve(
    query: Query,
    hits: Sequence[Hit],
    sources: Sources,
    topic: Topic,
    named: frozenset[str],
    terms: Sequence[str] = (),
    in_scope: bool = True,
) -> tuple[AnswerPlan, Query] | None:
    """The plan of the answer to ``query`` and the question as answered ("上海那个呢？" after
    "嘉定的文号是啥" asks for the number again); None when nothing can be said (out of scope
    and neither a follow-up nor about a program of the rules table)."""
    own = prog.match_programs(sources.rulebook, query, named)
    query, topic = prog.switch_document(query, topic, own, named)
    if not _about_doc(query):
        # a regulation's header (its title, when it was adopted and amended) says what the
        # document is, not what it says: no answer to a question on its content
        hits = [h for h in hits if not _bare_header(h.clause)] or hits
    if not in_scope and not own and not prog.is_followup(query, topic, own, named):
        return None
    kind = reading.asked(query)
    programs, followup = _programs(query, hits, sources, topic, named, kind)
    programs = prog.narrow(sources.rulebook, programs, query, said(query))
    value = _value(query, sources, programs, topic, followup)
    clause, doc_id = _clause_and_doc(query, hits, sources, topic, programs, followup, named)
    if doc_id is None:
        return None
    program = sources.rulebook.programs[programs[0]] if programs else None
    plan = AnswerPlan(
        doc=doc_id, clause=clause, programs=programs, asked=kind, value=value, followup=followup
    )
    if program is not None:
        plan = replace(
            plan,
            sentence=strip_spaces(program.source.quote),
            mismatch=prog.applicant_mismatch(program, query),
        )
    elif clause is not None:
        plan = _with_evidence(plan, query, hits, sources, followup, named, terms)
        if _about_doc(query) and named and plan.doc not in named:
            plan = replace(plan, doc=doc_id, clause=clause if clause.doc_id == doc_id else None)
    if program is None and not followup:
        plan = replace(plan, uncovered=uncovered(query, sources, hits))
    if program is None and query.has("number"):
        plan = _citing_number(plan, sources)
    higher = _higher_tier(plan, topic, sources)
    plan = _verdict(plan, query, sources, terms, higher)
    if plan.followup and topic.unsaid and not plan.programs and plan.asked in _DETAILS:
        # the documents did not say what was asked ("物业停电梯维修要提前通知业主吗"), nor then
        # how many days ahead: the 60 days of the clause quoted beside it are another case's
        plan = replace(plan, verdict="unsaid")
    elif (
        plan.followup
        and not plan.programs
        and plan.verdict is None
        and plan.asked in _FIGURES_ASKED
        and plan.clause is not None
        and not reading.states_figure(plan.asked, plan.clause.norm)
    ):
        # "那工作许可证办下来要多久" after the plan's article on work permits for foreign
        # streamers: it states no time, and quoting it again would not answer
        plan = replace(plan, verdict="unsaid")
    return plan, query


# what a follow-up asks of the last answer's subject: a figure, a time, a penalty, an office
_DETAILS: Final = frozenset(["amount", "count", "duration", "penalty", "who"])


def _citing_number(plan: AnswerPlan, sources: Sources) -> AnswerPlan:
    """ "文号是多少" is answered from the document's record; the clause quoted with it is the
    one that holds the number (the notice wrapping the document), when there is one."""
    meta = sources.documents.get(plan.doc)
    number = normalize(meta.number) if meta is not None and meta.number else ""
    if not number or (plan.clause is not None and number in plan.clause.norm):
        return plan
    holder = next((c for c in sources.clauses if c.doc_id == plan.doc and number in c.norm), None)
    if holder is None:
        return plan
    line = next((ln for ln in holder.text.splitlines() if number in normalize(ln)), holder.text)
    return replace(plan, clause=holder, sentence=line.strip())


_NOTICE_WORDS = re.compile(r"印发给|现将|应当|可以|不得|鼓励|支持|给予|同意|请")


def _bare_header(clause: Clause) -> bool:
    """A header that holds no notice (a title, an adoption and amendment history), unlike the
    notice issuing a plan ("经市政府同意，现将…印发给你们")."""
    return clause.kind == "header" and _NOTICE_WORDS.search(clause.norm) is None


def _about_doc(query: Query) -> bool:
    return any(query.has(a) for a in _DOC_ASKS) or reading.asked(query) in ("effective", "expiry")


def _with_evidence(
    plan: AnswerPlan,
    query: Query,
    hits: Sequence[Hit],
    sources: Sources,
    followup: bool,
    named: frozenset[str],
    terms: Sequence[str],
) -> AnswerPlan:
    """The evidence sentence: in the plan's clause, else the best of the top clauses of the
    plan's document that states what was asked."""
    own = [h for h in hits if plan.clause is not None and h.clause.key == plan.clause.key]
    # the documents the question names, and above them those of the wider region holding
    # theirs that retrieval put first (a province's regulation applies in the city named)
    wider = governing(named, sources.documents) if named else frozenset()
    first = next((i for i, h in enumerate(hits) if h.clause.doc_id in named), len(hits))
    preferred = [
        h
        for i, h in enumerate(hits)
        if h.clause.doc_id in named or (i < first and h.clause.doc_id in wider)
    ][:3]
    pool = own if followup and own else preferred or list(hits[:3]) or own
    if followup and not own and plan.clause is not None:
        # "提前几天？" after a question on a property firm's notice to owners is asked of that
        # regulation: searched with the topic's question, another one's "提前三十日…通知"
        # (a worker's notice to quit) would answer it. Its best clauses, else the topic's own.
        doc_id = plan.clause.doc_id
        pool = [h for h in hits if h.clause.doc_id == doc_id][:3] or [
            Hit(plan.clause, 0.0, 0.0, 0.0)
        ]
    if (
        not followup
        and hits
        and (not named or hits[0].clause.doc_id in named)
        and asks_when_in_force(query.norm)
        and IN_FORCE.search(hits[0].clause.norm)
    ):
        # retrieval put the force clause of the document meant first (``Retriever``): its
        # "本规定自…起施行", not another document's "本条例自…起施行", which shares 条例 with
        # "When does the regulation on pre-paid cards take effect?"
        pool = list(hits[:1])
    asks_yesno = reading.is_yesno(query) or reading.asks_yesno_last(query)
    if asks_yesno and plan.asked in ("yesno", "general") and not plan.programs:
        found = yesno_reading(query, pool, sources, terms)
        if found is not None:
            said = found.sentence
            verdict = found.verdict if found.verdict != "duty" else None
            return replace(
                plan, clause=said.clause, sentence=said.text, doc=said.clause.doc_id,
                verdict=verdict, read=True,
            )  # fmt: skip
    best = best_sentence(query.text, pool, plan.asked, terms, focus_words(query, sources))
    if best is None:
        return plan
    return replace(
        plan, clause=best.clause, sentence=best.text, doc=best.clause.doc_id,
        loose=query.lang != "zh" and _loosely_found(best.clause, terms, plan.asked),
    )  # fmt: skip


LOOSE: Final = 0.12  # share of an English question's dictionary words its clause must hold


def _loosely_found(clause: Clause, terms: Sequence[str], asked: str = "") -> bool:
    """The clause holds under ``LOOSE`` of the documents' words the dictionary found for an
    English question, or, asked for a figure (``asked``), one of them only: the right clause
    holds several (a lab's records kept six years: 检测, 保存, 记录, 报告 of 12); one found by a
    word or two (记录, 保存 of 14 for a firm's payroll records; 工资 of five for when final wages
    are due) states a figure of something else. A clause on when a text takes effect holds few
    of any question's words ("本规定自…起施行")."""
    found = list(dict.fromkeys(terms))
    held = sum(t in clause.norm for t in found)
    return bool(found) and (held < LOOSE * len(found) or (held < 2 and asked in _FIGURE_ASKS))


_FIGURE_ASKS: Final = frozenset(["amount", "count", "duration", "penalty"])
# ...of which a follow-up is told the documents do not say it when its clause states none (a
# penalty is read from the penalty article, which the clause quoted need not be)
_FIGURES_ASKED: Final = _FIGURE_ASKS - {"penalty"}


def _higher_tier(plan: AnswerPlan, topic: Topic, sources: Sources) -> bool:
    """A follow-up's figure reaches a higher tier of the program than the topic's did: "首超
    3亿元" is a threshold of its own, first reached then, not the 1亿 one again."""
    if not plan.followup or not plan.programs or plan.value is None or topic.amount is None:
        return False
    rule = sources.rulebook.programs[plan.programs[0]].amount
    if rule.kind != "tiers":
        return False
    reached = [sum(1 for t in rule.tiers if v >= t.min) for v in (topic.amount, plan.value)]
    return reached[0] >= 1 and reached[1] > reached[0]


def _verdict(
    plan: AnswerPlan,
    query: Query,
    sources: Sources,
    terms: Sequence[str] = (),
    higher: bool = False,
) -> AnswerPlan:
    """A yes/no question's verdict, with the words of the clause it rests on (``terms``: the
    documents' words found for the question, which an English question is read through)."""
    if reading.asks_choice(query) and plan.value is None and plan.programs and query.has("max"):
        return replace(plan, asked="choice", verdict="unsaid")
    # "其实我们注册在松江" after an answer: the answer again, for a firm registered there
    corrects_place = plan.followup and states_registration(query.norm)
    if plan.followup and not reading.is_yesno(query) and not corrects_place:
        return plan
    meta = sources.documents[plan.doc]
    yesno = reading.is_yesno(query) or corrects_place
    if (yesno and plan.sentence) or (yesno and plan.programs):
        place = other_place(query.norm, meta, sources.places)
        if place:
            return replace(
                plan, verdict="no", place=place, reason=_region_words(plan.sentence, meta.region)
            )
    once = reading.once_word(plan.sentence)
    if once and reading.asks_again(query) and higher:
        return replace(plan, higher_tier=True, reason=once)
    if once and reading.asks_again(query):
        return replace(plan, verdict="no", reason=once)
    if yesno and reading.asks_combination(query) and not _COMBINED.search(normalize(plan.sentence)):
        return replace(plan, asked="combine", verdict="unsaid")
    if reading.asks_late(query):
        return replace(plan, asked="procedure", programs=())
    if (
        plan.asked == "who"
        and not plan.programs
        and plan.clause is not None
        and plan.clause.responsible
        and none_spoken(query, plan.sentence, sources)
    ):
        # the units of a clause about something else are no answer to who handles what was
        # asked ("门店外墙挂招牌，要找谁批" was told Jiading's units for its offline outlets)
        return replace(plan, verdict="unsaid")
    if plan.read:
        return plan  # read from the sentence with a modal word that speaks to the question
    if (
        yesno
        and not plan.programs
        and plan.sentence
        and not plan.uncovered
        and plan.asked in ("yesno", "general")
    ):
        verdict = reading.verdict_of(normalize(plan.sentence))
        if verdict == "no" and query.lang == "zh":
            # the modal reading (yesno.py) read this sentence's prohibition and found it about
            # something else ("招收已满十六周岁…的，…不得安排其从事过重…的劳动" is no 不能 to
            # hiring a sixteen-year-old for the summer): quoted without a verdict
            return replace(plan, verdict=None)
        if verdict == "yes" and plan.clause is not None:
            rule = rule_against(Sentence(plan.sentence, plan.clause, 0.0), sources)
            if rule is not None:  # the permission is an exception to the article's rule
                return replace(plan, clause=rule.clause, sentence=rule.text, verdict="no")
        if query.lang != "zh" and verdict == "yes" and permits(plan.sentence):
            # read through the dictionary's words, a permission is a "yes" only when it names
            # half of them: "Can our factory run the line at night?" is not answered "Yes" by
            # 鼓励制造业企业…; short of that the sentence is quoted without a verdict
            words = subject_words(query, sources, terms)
            if not speaks_to(query, plan.sentence, words) or not permits_asked(
                plan.sentence, words
            ):
                return replace(plan, verdict=None)
        elif query.lang != "zh":
            # read through the glossary, a duty ("应当") is no "yes" and a "不能" somewhere in
            # the sentence no "no": the modal reading (yesno.py) found no sentence on the subject
            verdict = "unsaid"
        if verdict == "yes" and not permits_not_doing(normalize(plan.sentence), query.norm):
            return replace(plan, verdict="unsaid")  # "可以不交…吗" is not answered by "可以…"
        if unspoken(query, plan.sentence, sources, strict=verdict == "yes"):
            if mostly_spoken(query, plan.sentence, sources):
                # about what was asked, in other words: quoted without a verdict, not led by
                # "文件没有写明这一点" (held-out city questions: 2 such leads of the right
                # article's sentence, none of a wrong one's)
                return replace(plan, verdict=None)
            return replace(plan, verdict="unsaid")  # a sentence about something else says nothing
        return replace(plan, verdict=verdict)
    return plan


def _region_words(sentence: str, region: str) -> str:
    """The words of the clause that tie it to its place ("对在嘉定注册的直播和短视频企业")."""
    for piece in sentence.replace("，", ",").split(","):
        if any(
            part and part in piece for part in (region[-3:-1], region[-2:], "注册", "本区", "本市")
        ):
            return piece.strip("，,。 ")
    return ""
