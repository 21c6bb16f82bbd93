"""Questions and small talk outside the walk-through: answers in context, re-rendering the
last answer in another language or script, the full clause and related clauses on request.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.answering import Composed, Sources, Topic, answer, citation_of, match_programs
from bot.answering.gate import Gated, out_of_scope
from bot.answering.programs import is_followup
from bot.answering.worded import word as word_answer
from bot.dialogue.context import Ctx, menu, step
from bot.domain import Citation, Lang, LogEntry, Option, Reply, Session, Turn
from bot.eligibility import focus_from_text
from bot.errors import BadInput
from bot.question import Corrector, Query, analyse
from bot.services import load_glossary
from bot.text import book, to_traditional

if TYPE_CHECKING:
    from bot.services import Services

# Key terms whose misspellings by sound are corrected (家定 -> 嘉定).
KEY_TERMS = (
    "嘉定", "上海", "直播", "短视频", "补贴", "奖励", "园区", "基地", "营收", "企业", "人才", "购房",
    "租房", "上市", "挂牌", "荣誉", "示范", "论坛", "主播", "政策", "扶持", "特色", "认定", "考核",
)  # fmt: skip

_CACHE: dict[int, tuple[Corrector, Sources]] = {}


def _tools(services: Services) -> tuple[Corrector, Sources]:
    """The corrector and the answer sources of these services (built once per knowledge base)."""
    key = id(services.kb)
    cached = _CACHE.get(key)
    if cached is None or cached[1].documents is not services.kb.documents:
        vocabulary = services.qa.retriever.vocabulary
        corrector = Corrector(KEY_TERMS, known=vocabulary)
        glossary = load_glossary(services.settings.knowledge_dir / "glossary.yaml")
        # the answering sources of ``policybot ask``, with the rules of these services and the
        # glossary's words as the documents' own
        sources = replace(
            services.qa.sources(),
            rulebook=services.rulebook,
            vocabulary=vocabulary | frozenset(glossary),
        )
        cached = _CACHE[key] = (corrector, sources)
    return cached


def understand(services: Services, text: str) -> Query:
    return analyse(text, _tools(services)[0])


def policy(
    ctx: Ctx, text: str, log_out_of_scope: bool = True, lang_override: str | None = None
) -> tuple[Turn, bool]:
    """Answer a policy question in the conversation's context; the bool says whether it was
    answered (in scope)."""
    services, session = ctx.services, ctx.session
    corrector, sources = _tools(services)
    query = analyse(text, corrector)
    lang: Lang = "en" if lang_override == "en" else "zh" if lang_override == "zh" else session.lang
    traditional = session.traditional and lang == "zh"
    topic = Topic.from_json(session.topic) if session.topic else Topic()
    retriever = services.qa.retriever
    named = retriever.preferred_documents(query.norm)
    try:
        gated, standalone = _gate(ctx, query, topic, named)
    except BadInput as exc:
        return step(session, [Reply(exc.user_message, options=menu(ctx))]), False
    if standalone is not None:  # the model's rewrite is what is answered
        query = analyse(standalone, corrector)
    hits = gated.retrieval.hits
    parts = [] if gated.scope.elsewhere else _parts(services, text, sources)
    if len(parts) > 1:  # "营收奖励多少？人才租房补贴多少？": each part with its own clause
        multi = _answer_parts(ctx, parts, sources, lang, traditional)
        if multi is not None:
            composed_multi, entry = multi
            reply, updated = _reply(ctx, composed_multi, query, lang, traditional)
            return step(updated, [reply], (entry,)), True
    # A question about another place ("深圳直播基地补贴多少") is refused even where it
    # names a program of the rules table: its amount is the loaded document's, not that place's.
    composed = (
        None
        if gated.scope.elsewhere
        else answer(
            query,
            hits,
            sources,
            topic,
            ctx.today,
            lang,
            traditional,
            named,
            gated.retrieval.terms,
            gated.scope.in_scope,
        )
    )
    worded = ""
    if composed is not None and composed.citations and services.writer is not None:
        composed, worded = word_answer(
            services.writer, composed, query, hits, sources, lang, traditional, (topic.question,)
        )
    logged = composed is not None or log_out_of_scope
    log = (_log_entry(text, query, composed, worded),) if logged else ()
    if composed is None:
        refusal = out_of_scope(lang, traditional, dict(services.kb.documents)).text
        return step(replace(session, offer=()), [Reply(refusal, options=menu(ctx))], log), False
    reply, session = _reply(ctx, composed, query, lang, traditional)
    return step(session, [reply], log), True


def _log_entry(text: str, query: Query, composed: Composed | None, worded: str) -> LogEntry:
    """The question log's entry for a question: in scope (answered or not), its top clause,
    whether a language model worded the answer."""
    in_scope = composed is not None
    return LogEntry(
        text=text,
        lang=query.lang,
        in_scope=in_scope,
        answered=in_scope and bool(composed and composed.citations),
        top_clause=composed.citations[0].doc + "/" + composed.citations[0].clause
        if composed and composed.citations
        else None,
        worded=worded,
    )


def _gate(ctx: Ctx, query: Query, topic: Topic, named: frozenset[str]) -> tuple[Gated, str | None]:
    """Retrieve once: a follow-up ("那5亿呢？") is searched with the topic's question, so that
    its citations stay on the topic. The second value is the language model's standalone
    rewrite of the message when that is what was retrieved."""
    services = ctx.services
    own = match_programs(services.rulebook, query, named)
    if topic.question and is_followup(query, topic, own, named):
        return services.qa.gate(f"{topic.question} {query.text}"), None
    gated = services.qa.gate(query.text)
    if services.writer is not None and topic.question and not gated.scope.in_scope:
        # The topic rules saw no follow-up and the message alone is about nothing: the model
        # may make it a standalone question ("它什么时候截止？" after a question on a subsidy).
        standalone = services.writer.rewrite(topic.question, "", query.text)
        if isinstance(standalone, str):
            again = services.qa.gate(standalone)
            if again.scope.in_scope:
                return again, standalone
    return gated, None


def _parts(services: Services, text: str, sources: Sources) -> list[str]:
    """The questions of a message that asks about several programs, one per part."""
    pieces = [
        p.strip() for p in re.split(r"[？?；;]|(?:另外|还有|以及)", text) if len(p.strip()) >= 4
    ]
    if len(pieces) < 2:
        return []
    named: list[tuple[str, ...]] = [
        tuple(match_programs(services.rulebook, understand(services, p))) for p in pieces
    ]
    if not all(named) or len({programs[0] for programs in named}) < len(named):
        return []
    clauses = {services.rulebook.programs[programs[0]].source.clause for programs in named}
    return pieces if len(clauses) == len(pieces) or len(pieces) == len(named) else []


def _answer_parts(
    ctx: Ctx, parts: list[str], sources: Sources, lang: Lang, traditional: bool
) -> tuple[Composed, LogEntry] | None:
    from bot.messages import text as msg

    texts: list[str] = []
    cited: list[Citation] = []
    last: Composed | None = None
    for part in parts:
        query = analyse(part, _tools(ctx.services)[0])
        try:
            gated = ctx.services.qa.gate(query.text)
        except BadInput:
            return None
        if gated.scope.elsewhere:  # "深圳直播基地补贴多少？": not the loaded program's amount
            place = gated.scope.place
            texts.append(msg("part.elsewhere", lang, traditional, part=part, place=place))
            continue
        named = ctx.services.qa.retriever.preferred_documents(query.norm)
        composed = answer(
            query,
            gated.retrieval.hits,
            sources,
            Topic(),
            ctx.today,
            lang,
            traditional,
            named,
        )
        if composed is None:
            return None
        seen = {line for t in texts for line in t.splitlines() if line.startswith("⚠")}
        texts.append("\n".join(ln for ln in composed.text.splitlines() if ln not in seen))
        cited.extend(c for c in composed.citations[:1] if c not in cited)
        last = composed
    if last is None:  # every part is about another place: refused as one question
        return None
    joined = replace(last, text="\n\n".join(texts), citations=tuple(cited[:3]))
    entry = LogEntry(
        text=" / ".join(parts),
        lang=lang,
        in_scope=True,
        answered=True,
        top_clause=cited[0].doc + "/" + cited[0].clause if cited else None,
    )
    return joined, entry


def _reply(
    ctx: Ctx, composed: Composed, query: Query, lang: Lang, traditional: bool
) -> tuple[Reply, Session]:
    session = ctx.session
    text = composed.text
    if not session.disclaimed:
        from bot.messages import text as msg

        text += "\n" + msg("disclaimer", lang, traditional)
    options: list[Option] = []
    offer: tuple[str, ...] = ()
    if composed.has_programs and session.flow == "idle":
        offer = tuple(sorted(composed.topic.programs)) or tuple(
            sorted(focus_from_text(ctx.services.rulebook, query.text))
        )
        options.append(Option("menu:check_offer", _label("opt.check_offer", lang, traditional)))
    if composed.citations:
        options.append(Option("menu:full", _label("opt.full_text", lang, traditional)))
    if composed.topic.related:
        options.append(Option("menu:related", _label("opt.related", lang, traditional)))
    new = replace(
        session,
        topic=composed.topic.to_json(),
        offer=offer,
        disclaimed=True,
    )
    return Reply(text, options=tuple(options), citations=composed.citations), new


def _label(key: str, lang: str, traditional: bool) -> str:
    from bot.messages import text as msg

    return msg(key, lang, traditional)


def rerender(ctx: Ctx, lang: Lang, traditional: bool) -> Turn:
    """The last answer again in ``lang`` / script ("用英文说一遍", "繁體")."""
    session = replace(ctx.session, lang=lang, traditional=traditional)
    topic = Topic.from_json(session.topic) if session.topic else Topic()
    if not topic.question:
        return step(session, [Reply(ctx.with_session(session).say("lang.switched"))])
    inner = ctx.with_session(replace(session, topic={}, disclaimed=True))
    turn, _ = policy(inner, topic.question, lang_override=lang)
    return replace(turn, session=replace(turn.session, topic=session.topic))


def full_text(ctx: Ctx) -> Turn:
    """The whole clause of the last answer, as the source prints it."""
    topic = Topic.from_json(ctx.session.topic) if ctx.session.topic else Topic()
    clause = ctx.services.kb.by_key.get(topic.clause or "")
    if clause is None:
        return step(ctx.session, [Reply(ctx.say("no_more"))])
    meta = ctx.services.kb.documents[clause.doc_id]
    head = f"{book(meta.title)}{clause.section}"
    if clause.responsible:
        unit = "责任单位" if ctx.lang == "zh" else "Responsible units"
        tail = f"\n{unit}{'：' if ctx.lang == 'zh' else ': '}{'、'.join(clause.responsible)}"
    else:
        tail = ""
    return step(
        ctx.session, [Reply(f"{head}\n「{clause.text}」{tail}", citations=(citation_of(clause),))]
    )


def related(ctx: Ctx) -> Turn:
    topic = Topic.from_json(ctx.session.topic) if ctx.session.topic else Topic()
    clauses = [ctx.services.kb.by_key[k] for k in topic.related if k in ctx.services.kb.by_key]
    if not clauses:
        return step(ctx.session, [Reply(ctx.say("no_more"))])
    lines = []
    for clause in clauses:
        meta = ctx.services.kb.documents[clause.doc_id]
        snippet = clause.text.replace("\n", " ")
        snippet = snippet if len(snippet) <= 90 else snippet[:90] + "…"
        lines.append(f"· {book(meta.title)}{clause.clause}：{snippet}")
    head = "相关条款：" if ctx.lang == "zh" else "Related clauses:"
    if ctx.traditional:
        head = to_traditional(head)
    return step(
        ctx.session,
        [Reply(head + "\n" + "\n".join(lines), citations=tuple(citation_of(c) for c in clauses))],
    )


# Words that say who is asking, not what about: they never narrow a check.
_ENTITY_WORDS = (
    "直播基地", "基地", "园区", "園區", "运营方", "公司", "企业", "企業", "人才", "park", "base",
    "company", "talent",
)  # fmt: skip


def opening_focus(services: Services, text: str) -> tuple[str, ...]:
    """Programs an opening message names by a specific word ("营收", "上市"); words that only
    say who is asking ("我们园区", "直播基地的运营方") do not narrow the check."""
    stripped = text
    for word in _ENTITY_WORDS:
        stripped = stripped.replace(word, " ")
    return tuple(match_programs(services.rulebook, understand(services, stripped)))
