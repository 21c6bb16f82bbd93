"""The eligibility walk-through as pure state transitions on the session.

Each function takes the session (and the rules, today) and returns the new session with the
replies to show; nothing here reads a clock or a store. The states: idle -> eligibility
(``pending`` names the fact asked) -> idle with a result. Facts stated in the user's own words
(the opening message, or any message during the walk-through) are taken in at once, so they
are never asked again; a correction replaces them. An opening that states facts of two or more
programs checks every program, not only the one its words name. The district a user names is
kept beside the facts (``PLACE``): at the result, the benefit clauses of loaded documents
without rules that govern that district are listed as not evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from bot.dialogue.context import Ctx, checkable, idle, menu, script, step
from bot.dialogue.facts import approximate_note, facts_from_text, noted_line
from bot.domain import Citation, Option, Reply, Session, Turn
from bot.eligibility import (
    UNKNOWN,
    Ask,
    Fact,
    Outcome,
    Rulebook,
    checklist,
    evaluate,
    is_unknown,
    outcome_reply,
    parse_answer,
    parse_district,
    question_reply,
)
from bot.eligibility.answers import AMBIGUOUS_PLACES
from bot.eligibility.serialize import outcome_data
from bot.eligibility.unruled import unruled_clauses, unruled_reply
from bot.errors import BadInput
from bot.knowledge.rules_check import find_clause
from bot.messages import text as msg
from bot.messages import words
from bot.text import normalize

MAX_RETRIES_BEFORE_HINT = 2
# The district named for the firm, kept beside the facts (it is no rule's fact): which loaded
# documents without rules govern it.
PLACE = "_place"
# Facts that bear on every program (who asks, where): they do not widen a narrowed check.
_GENERAL_FACTS = frozenset({"entity_type", "registered_in_jiading", PLACE})
# Words of the clauses a kind of applicant is listed first (clauses without rules).
_PREFER = {
    "company": ("企业",),
    "park": ("企业", "园区", "基地"),
    "other_org": ("企业", "机构", "单位"),
    "individual": ("个人", "人员", "人才"),
}
CHECKLIST = "checklist"  # ``Session.pending`` while a "which of these apply?" question is open
# Typed answers to a checklist that pick none or all of it (the catalogue's control words).
_NONE_WORDS = words("none_of_these")
_ALL_WORDS = words("all_of_these")


def checklist_reply(rulebook: Rulebook, session: Session) -> Reply:
    """The checklist with toggles (a channel that can edit messages edits it in place)."""
    lang, trad = session.lang, session.traditional and session.lang == "zh"
    facts = [rulebook.facts[f] for f in session.checklist if f in rulebook.facts]
    head = msg("check.checklist", lang, trad)
    lines = [head] + [f"{n}. {f.label.get(lang)}" for n, f in enumerate(facts, start=1)]
    options = [
        Option(f"chk:{f.id}", ("☑ " if f.id in session.ticked else "☐ ") + f.label.get(lang))
        for f in facts
    ]
    options += [
        Option("chk:done", msg("check.done_button", lang, trad)),
        Option("chk:none", msg("check.none_button", lang, trad)),
    ]
    reply = Reply("\n".join(lines), options=tuple(options), slot=CHECKLIST)
    return replace(script(reply, trad), slot=CHECKLIST)


def toggle(ctx: Ctx, item: str) -> Turn:
    """A pressed checklist button: tick or untick, finish, or "none of these"."""
    session = ctx.session
    if session.pending != CHECKLIST:
        return step(session, reshow(ctx, ctx.say("button.stale")))
    if item == "done":
        return finish_checklist(ctx, set(session.ticked))
    if item == "none":
        return finish_checklist(ctx, set())
    if item not in session.checklist:
        return step(session, reshow(ctx, ctx.say("button.stale")))
    ticked = tuple(f for f in session.checklist if (f in session.ticked) != (f == item))
    updated = replace(session, ticked=ticked)
    return step(updated, [checklist_reply(ctx.services.rulebook, updated)])


def finish_checklist(ctx: Ctx, ticked: set[str], unknown: bool = False) -> Turn:
    session = ctx.session
    value = (lambda f: UNKNOWN) if unknown else (lambda f: f in ticked)
    facts = {f: value(f) for f in session.checklist}
    cleared = replace(session, checklist=(), ticked=(), pending=None)
    return _take(ctx.with_session(cleared), cleared, facts, "", quiet=True)


def checklist_text(ctx: Ctx, raw: str) -> Turn:
    """Typed answers to a checklist: "1,3", "都没有", "都有", "不清楚"."""
    session = ctx.session
    key = normalize(raw).strip(" 。.!！")
    if key in _NONE_WORDS:
        return finish_checklist(ctx, set())
    if key in _ALL_WORDS:
        return finish_checklist(ctx, set(session.checklist))
    if is_unknown(raw):
        return finish_checklist(ctx, set(), unknown=True)
    numbers = re.findall(r"\d+", key)
    if numbers and re.fullmatch(r"[\d\s,，、;；和及与and]+", key):
        picked = {int(n) for n in numbers}
        if all(1 <= n <= len(session.checklist) for n in picked):
            return finish_checklist(ctx, {session.checklist[n - 1] for n in picked})
    stated = facts_from_text(ctx.services.rulebook, raw, session.facts)
    if stated:
        return _take(ctx, session, stated, raw)
    lead = ctx.say("check.checklist_help", n=len(session.checklist))
    return step(
        replace(session, retries=session.retries + 1),
        [Reply(lead), checklist_reply(ctx.services.rulebook, session)],
    )


def namespaced(reply: Reply, fact_id: str) -> Reply:
    """Answer buttons carry the fact they answer, so a stale button cannot answer another."""
    return replace(
        reply, options=tuple(Option(f"ans:{fact_id}:{o.id}", o.label) for o in reply.options)
    )


def question(fact: Fact, session: Session) -> Reply:
    reply = namespaced(question_reply(fact, session.lang), fact.id)
    return script(reply, session.traditional and session.lang == "zh")


def next_step(ctx: Ctx, session: Session, lead: str = "") -> Turn:
    """Ask the next question of the walk-through, or give the result and end it."""
    rulebook: Rulebook = ctx.services.rulebook
    today = ctx.today
    lang, trad = session.lang, session.traditional and session.lang == "zh"
    try:
        found = evaluate(rulebook, session.facts, today, focus=session.focus or None)
    except ValueError:  # saved answers or focus the current rules no longer accept
        session = replace(session, facts={}, focus=(), answered=())
        found = evaluate(rulebook, {}, today)
        lead = msg("check.restart_broken", lang, trad)
    replies = [Reply(lead)] if lead else []
    if isinstance(found, Ask):
        items = (
            checklist(rulebook, session.facts, today, focus=session.focus or None)
            if found.fact.type == "yes_no" and found.fact.yes_district is None
            else ()
        )
        if len(items) >= 2:
            listed = replace(
                session,
                flow="eligibility",
                pending=CHECKLIST,
                checklist=tuple(f.id for f in items),
                ticked=(),
                retries=0,
            )
            return step(listed, [*replies, checklist_reply(rulebook, listed)])
        return step(
            replace(session, flow="eligibility", pending=found.fact.id, retries=0),
            [*replies, question(found.fact, session)],
        )
    assert isinstance(found, Outcome)
    return step(idle(session), [*replies, *_result(ctx, session, found)])


def _result(ctx: Ctx, session: Session, found: Outcome) -> list[Reply]:
    """The result of a finished walk-through: the outcome, the loaded clauses no rules cover
    yet for the firm's place, and a closing line that offers another check."""
    rulebook: Rulebook = ctx.services.rulebook
    today = ctx.today
    lang, trad = session.lang, session.traditional and session.lang == "zh"
    place = _place(session.facts)
    unruled = unruled_clauses(
        ctx.services.kb.documents,
        ctx.services.kb.clauses,
        {p.source.doc for p in rulebook.programs.values()},
        place,
        today,
        prefer=_PREFER.get(str(session.facts.get("entity_type")), ()),
    )
    result = outcome_reply(rulebook, found, lang, unruled=bool(unruled))
    result = replace(
        script(result, trad),
        citations=_full_text(ctx, result.citations),
        data={"result": outcome_data(rulebook, found)},
    )
    not_evaluated = [unruled_reply(unruled, place, lang, trad)] if unruled else []
    done_text = msg("check.done", lang, trad)
    again = msg("menu.check_again", lang, trad)
    if session.focus:  # a check narrowed by the opening words says so and offers the rest
        names = [rulebook.programs[p].name.get(lang) for p in session.focus if p in rulebook.programs]
        done_text = msg("check.covered", lang, trad, names=("、" if lang == "zh" else "; ").join(names))
        again = msg("menu.check_all", lang, trad)
    closing = Reply(
        done_text,
        options=(
            Option("menu:check", again),
            Option("menu:help", msg("menu.help", lang, trad)),
        ),
    )
    return [result, *not_evaluated, closing]


def _place(facts: Mapping[str, Any]) -> str | None:
    """The firm's district id, as far as the answers tell (None: not known)."""
    if facts.get("registered_in_jiading") is True:
        return "jiading"
    place = facts.get(PLACE)
    return place if isinstance(place, str) else None


def _with_place(facts: dict[str, Any], raw: str) -> dict[str, Any]:
    district = parse_district(raw) if raw else None
    return {**facts, PLACE: district} if district is not None else facts


def _widened(rulebook: Rulebook, focus: tuple[str, ...], facts: dict[str, Any]) -> tuple[str, ...]:
    """The focus of a check opened with ``facts``: a message that states facts bearing on two
    or more programs, or on one outside the focus, checks every program ("我们是区级特色园区，
    第一次拿到国家级荣誉，能拿哪些？"); one program's facts keep the focus narrow."""
    specific = set(facts) - _GENERAL_FACTS
    touched = {
        p.id for p in rulebook.programs.values() if any(c.fact in specific for c in p.conditions)
    }
    if focus and (len(touched) >= 2 or not touched <= set(focus)):
        return ()
    return focus


def start(ctx: Ctx, focus: frozenset[str] | tuple[str, ...] = (), text: str = "") -> Turn:
    """Begin a check; facts the opening words state are taken in and said back. With no
    programme to check (no rules for the documents loaded), says so instead of "no
    programme matches your answers" before asking anything."""
    session = ctx.session
    rulebook = ctx.services.rulebook
    if not checkable(ctx):
        return step(idle(session), [Reply(ctx.say("check.no_programs"), options=menu(ctx))])
    facts = facts_from_text(rulebook, text, {}) if text else {}
    fresh = replace(
        session,
        flow="eligibility",
        facts=_with_place(facts, text),
        focus=_widened(rulebook, tuple(sorted(focus)), facts),
        pending=None,
        answered=tuple(facts),
        retries=0,
        offer=(),
    )
    lead = ctx.say("check.intro")
    noted = noted_line(ctx.services.rulebook, facts, session.lang, session.traditional)
    if noted:
        lead += "\n" + noted + approximate_note(text, session.lang)
    return next_step(ctx, fresh, lead)


def cancel(ctx: Ctx) -> Turn:
    session = ctx.session
    key = "check.cancelled" if session.flow == "eligibility" else "check.none_running"
    return step(idle(session), [Reply(ctx.say(key), options=menu(ctx))])


def reshow(ctx: Ctx, lead: str, session: Session | None = None) -> list[Reply]:
    """A lead message, then the pending question again (if a walk-through is running)."""
    session = session or ctx.session
    if session.flow == "eligibility" and session.pending == CHECKLIST:
        return [Reply(lead), checklist_reply(ctx.services.rulebook, session)]
    if session.flow == "eligibility" and session.pending:
        fact = ctx.services.rulebook.facts.get(session.pending)
        if fact is not None:
            return [Reply(lead), question(fact, session)]
    return [Reply(lead)]


def back(ctx: Ctx) -> Turn:
    session = ctx.session
    if session.flow != "eligibility" or not session.answered:
        return step(session, reshow(ctx, ctx.say("check.no_back")))
    last = session.answered[-1]
    facts = {k: v for k, v in session.facts.items() if k != last}
    return next_step(
        ctx, replace(session, facts=facts, answered=session.answered[:-1]), ctx.say("check.redo")
    )


def why(ctx: Ctx) -> Turn:
    session = ctx.session
    if session.flow == "eligibility" and session.pending == CHECKLIST:
        whys = [ctx.services.rulebook.facts[f].why.get(session.lang) for f in session.checklist]
        lead = ctx.say("check.why", why=" ".join(whys))
        return step(session, [Reply(lead), checklist_reply(ctx.services.rulebook, session)])
    fact = ctx.services.rulebook.facts.get(session.pending or "")
    if session.flow != "eligibility" or fact is None:
        return step(session, [Reply(ctx.say("check.no_question"))])
    return step(
        session,
        [Reply(ctx.say("check.why", why=fact.why.get(session.lang))), question(fact, session)],
    )


def with_question(ctx: Ctx, session: Session, replies: list[Reply]) -> list[Reply]:
    """``replies``, then the pending question again, so a walk-through visibly goes on."""
    if session.flow == "eligibility" and session.pending == CHECKLIST:
        return [*replies, checklist_reply(ctx.services.rulebook, session)]
    fact = ctx.services.rulebook.facts.get(session.pending or "")
    if session.flow != "eligibility" or fact is None:
        return replies
    return [*replies, question(fact, session)]


def answer(ctx: Ctx, raw: str) -> Turn:
    """Record an answer to the pending question (and any other fact the message states), or
    re-ask with the reason it was not understood."""
    session = ctx.session
    rulebook = ctx.services.rulebook
    if session.pending == CHECKLIST:
        return checklist_text(ctx, raw)
    fact = rulebook.facts.get(session.pending or "")
    if fact is None:  # the rules changed under a saved session: start the question flow again
        return next_step(ctx, replace(session, pending=None))
    stated = facts_from_text(rulebook, raw, session.facts, pending=fact.id)
    if stated and fact.id not in stated and not _plain_answer(fact, raw):
        # "拿过市级的，第一次" while the park level is asked: it states another fact; take it
        # and ask the open question again rather than read "市级" as its answer too
        return _take(ctx, session, stated, raw)
    if fact.yes_district is not None and parse_district(raw) is None:
        place = next((p for p in AMBIGUOUS_PLACES if p in normalize(raw)), None)
        if place is not None:  # 虹桥 lies in three districts: ask which one
            lead = ctx.say("check.ambiguous_place", place=place)
            return step(session, reshow(ctx, lead, session))
    try:
        value: Any = parse_answer(fact, raw, session.lang)
    except BadInput as exc:
        if stated:  # the message answers other questions (or corrects an earlier answer)
            return _take(ctx, session, stated, raw)
        retries = session.retries + 1
        lead = exc.user_message
        if session.traditional and session.lang == "zh":
            from bot.text import to_traditional

            lead = to_traditional(lead)
        if retries >= MAX_RETRIES_BEFORE_HINT:
            lead += ctx.say("check.hint_skip")
        updated = replace(session, retries=retries)
        return step(updated, reshow(ctx, lead, updated))
    stored = value.isoformat() if isinstance(value, date) else value
    facts = {**stated, fact.id: stored} if fact.id not in stated else stated
    return _take(ctx, session, facts, raw, quiet=set(stated) <= {fact.id})


def _plain_answer(fact: Fact, raw: str) -> bool:
    """A short reply that only answers the question: an option, yes / no, a figure."""
    key = normalize(raw).strip(" 。.!！")
    if fact.type == "choice":
        return any(
            key in {normalize(o.id), normalize(o.label.zh), normalize(o.label.en), *map(normalize, o.aliases)}
            for o in fact.options
        ) or key.isdigit()
    return len(key) <= 6


def _take(ctx: Ctx, session: Session, facts: dict[str, Any], raw: str, quiet: bool = False) -> Turn:
    merged = _with_place({**session.facts, **facts}, raw)
    answered = (*tuple(a for a in session.answered if a not in facts), *facts)
    lead = ""
    if not quiet:
        lead = noted_line(ctx.services.rulebook, facts, session.lang, session.traditional)
        if lead and any(f in facts for f in ("annual_revenue", "event_cost")):
            lead += approximate_note(raw, session.lang)
    return next_step(ctx, replace(session, facts=merged, answered=answered, pending=None), lead)


def _full_text(ctx: Ctx, citations: tuple[Citation, ...]) -> tuple[Citation, ...]:
    """The rules cite a clause by its quote; a citation carries the whole clause text (the
    contract of ``citations[].text``), found in the index by its number and quote."""
    kb = ctx.services.kb
    out = []
    for cited in citations:
        clause = find_clause(kb, cited.doc, cited.clause, cited.text)
        out.append(Citation.of(clause) if clause is not None else cited)
    return tuple(out)
