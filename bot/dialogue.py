"""The dialogue core: ``handle(session, incoming, services, today) -> Turn``.

Channel-independent (no Telegram here). A session is plain data that the caller saves after
every turn, so a restart never loses a conversation. Intents, in order: buttons (answers to
the pending question, menu actions), commands (/start /help /check /cancel /lang /about
/back /why), control words in text (取消, 返回, 为什么, English...), an answer to the pending
eligibility question, a policy question (answered, and the walk-through resumes at the same
question), a request to check eligibility.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.domain import Incoming, Lang, LogEntry, Option, Reply, Session, Turn
from bot.eligibility import (
    UNKNOWN,
    Ask,
    Outcome,
    Rulebook,
    evaluate,
    focus_from_text,
    outcome_reply,
    parse_answer,
    question_reply,
)
from bot.errors import BadInput
from bot.qa import MAX_QUESTION_CHARS, check_question
from bot.text import detect_lang, normalize

if TYPE_CHECKING:
    from bot.services import Services

MAX_RETRIES_BEFORE_HINT = 2
ENTRY_FACT = "entity_type"  # who is asking: inferred from the request when it says so

COMMANDS = ("start", "help", "check", "cancel", "lang", "about", "back", "why")


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


# Control words typed instead of commands (matched on the whole normalised message).
_CANCEL = {"取消", "退出", "结束", "不查了", "算了", "cancel", "stop", "quit", "exit"}
_BACK = {"返回", "上一步", "回到上一步", "改上一个", "back", "go back", "previous", "undo"}
_WHY = {
    "为什么",
    "为什么问",
    "为啥",
    "为什么要问",
    "为什么问这个",
    "why",
    "why?",
    "why do you ask",
    "why do you ask?",
}
_HELP = {"帮助", "help", "菜单", "menu", "?", "？"}
_RESTART = {"重新开始", "重来", "restart", "start over"}
_TO_EN = {"english", "english please", "in english", "说英文", "英文"}
_TO_ZH = {"中文", "说中文", "用中文", "chinese", "in chinese"}
_ELIGIBILITY_CUES = (
    "资格",
    "能拿什么",
    "能拿哪些",
    "可以拿什么",
    "能申请什么",
    "能申请哪些",
    "可以申请哪些",
    "可以享受",
    "能享受",
    "符合哪些",
    "符合什么",
    "符合条件",
    "能领什么",
    "政策计算器",
    "测一测",
    "帮我查",
    "我们公司能",
    "我公司能",
    "我们能拿",
    "我们可以拿",
    "我司能",
    "我们企业能",
    "检查我的",
    "eligib",
    "qualify",
    "what can we get",
    "what can i get",
    "what could we get",
    "check my",
    "can we get",
    "can my company",
    "can our company",
)
# English words count only at the start: "Is there a rent subsidy" asks, while "Yes, we are
# registered in Jiading" answers (an auxiliary inside a sentence is no question).
_QUESTION_CUES = re.compile(
    r"[?？]|吗|么|什么|多少|怎么|如何|哪|几|是否|有没有|能不能|可不可以|"
    r"^\s*(what|how|which|when|where|who|why|does|do|is|are|can|could|should)\b",
    re.IGNORECASE,
)


def _menu(lang: Lang) -> tuple[Option, ...]:
    return (
        Option("menu:check", _t(lang, "检查我能申请什么", "Check my eligibility")),
        Option("menu:about", _t(lang, "政策来源与有效期", "Sources and validity")),
        Option("menu:lang", _t(lang, "English", "中文")),
    )


def _welcome(lang: Lang) -> Reply:
    return Reply(
        _t(
            lang,
            "您好！我是上海市和嘉定区直播、短视频产业政策助手。\n"
            "· 直接提问，我会引用政策原文并注明出处，例如：“嘉定直播企业营收首次超过1亿元奖励多少？”\n"
            "· 发送 /check 或点“检查我能申请什么”，我会一步步问几个问题，告诉您可能符合哪些扶持、金额多少、依据哪一条。\n"
            "命令：/help 帮助，/check 资格检查，/cancel 取消，/lang 切换语言，/about 政策来源。",
            "Hello! I answer questions about the Shanghai and Jiading live-streaming and "
            "short-video industry policies.\n"
            '· Ask a question and I quote the policy text with its source, e.g. "How much does '
            'Jiading award a company whose revenue first exceeds 100 million yuan?"\n'
            '· Send /check or press "Check my eligibility": I ask a few questions, one at a '
            "time, and tell you what your company may qualify for, how much, and under which clause.\n"
            "Commands: /help, /check, /cancel, /lang (language), /about (sources).",
        ),
        options=_menu(lang),
    )


def _help(lang: Lang) -> Reply:
    return Reply(
        _t(
            lang,
            "我可以：\n1. 回答上海市、嘉定区直播和短视频产业政策的问题，并引用原文条款；\n"
            "2. 通过几个问题帮您检查可能符合的扶持（/check）。\n"
            "资格检查中可以发送“返回”修改上一个回答、“为什么”了解提问原因、“取消”结束；"
            "中途也可以直接提问，答完后会回到原来的问题。\n"
            "命令：/start /help /check /cancel /lang /about",
            "I can:\n1. answer questions about the Shanghai and Jiading live-streaming and "
            "short-video policies, quoting the clauses;\n2. check which support your company "
            'may qualify for with a few questions (/check).\nDuring the check, send "back" to '
            'change your last answer, "why" to see why I ask, "cancel" to stop; you can also '
            "ask a policy question at any time and we return to the same question.\n"
            "Commands: /start /help /check /cancel /lang /about",
        ),
        options=_menu(lang),
    )


def _about(services: Services, lang: Lang, today: date) -> Reply:
    lines = [_t(lang, "我依据的政策文件：", "The policy documents I use:")]
    for meta in services.kb.documents.values():
        number = f"（{meta.number}）" if meta.number else ""
        issuers = "、".join(meta.issuers)
        period = f"{meta.valid_from or '?'} — {meta.valid_until or '?'}"
        status = (
            _t(lang, "现行有效", "in force")
            if meta.in_force(today)
            else _t(lang, f"已于{meta.valid_until}失效", f"expired on {meta.valid_until}")
            if meta.valid_until and today > meta.valid_until
            else _t(lang, "尚未生效", "not yet in force")
        )
        title = (
            meta.title
            if lang == "zh"
            else f"{meta.title} ({meta.title_en})"
            if meta.title_en
            else meta.title
        )
        lines.append(
            f"· 《{title}》{number}\n  "
            + _t(
                lang,
                f"印发：{issuers}；发布日期：{meta.issue_date}；有效期：{period}（{status}）",
                f"Issued by {issuers} on {meta.issue_date}; valid {period} ({status})",
            )
        )
    lines.append(_t(lang, f"（按 {today.isoformat()} 判断）", f"(as of {today.isoformat()})"))
    return Reply("\n".join(lines))


def _namespaced(reply: Reply, fact_id: str) -> Reply:
    """Answer buttons carry the fact they answer, so a stale button cannot answer another."""
    return replace(
        reply, options=tuple(Option(f"ans:{fact_id}:{o.id}", o.label) for o in reply.options)
    )


def _ask_next(
    session: Session, services: Services, today: date, lead: str = ""
) -> tuple[Session, list[Reply]]:
    """Ask the next question of the walk-through, or give the result and end it."""
    rulebook: Rulebook = services.rulebook
    try:
        step = evaluate(rulebook, session.facts, today, focus=session.focus or None)
    except ValueError:  # saved answers or focus the current rules no longer accept
        session = replace(session, facts={}, focus=(), answered=())
        step = evaluate(rulebook, {}, today)
        lead = _t(
            session.lang,
            "抱歉，之前的回答无法继续使用，我们从头开始。",
            "Sorry, your earlier answers can no longer be used; let's start again.",
        )
    replies = [Reply(lead)] if lead else []
    if isinstance(step, Ask):
        reply = _namespaced(question_reply(step, session.lang), step.fact.id)
        return replace(session, flow="eligibility", pending=step.fact.id, retries=0), [
            *replies,
            reply,
        ]
    assert isinstance(step, Outcome)
    result = outcome_reply(rulebook, step, session.lang)
    closing = Reply(
        _t(
            session.lang, "检查完成。还想了解什么？可以直接提问。", "Done. Anything else? Just ask."
        ),
        options=(
            Option("menu:check", _t(session.lang, "重新检查", "Check again")),
            Option("menu:help", _t(session.lang, "帮助", "Help")),
        ),
    )
    done = replace(session, flow="idle", pending=None, facts={}, focus=(), answered=(), retries=0)
    return done, [*replies, result, closing]


def _start_check(
    session: Session,
    services: Services,
    today: date,
    focus: frozenset[str] | tuple[str, ...] = (),
    text: str = "",
) -> tuple[Session, list[Reply]]:
    lead = _t(
        session.lang,
        "好的，我来帮您看看可能符合哪些扶持。我一次只问一个问题；可以点按钮或直接输入"
        "（如“2.5亿”“是”）。随时发送“返回”修改上一个回答，“为什么”了解原因，“取消”结束。",
        "Let's check what support you may qualify for. I ask one question at a time; press a "
        'button or type (e.g. "250 million", "yes"). Send "back" to change your last '
        'answer, "why" to see why I ask, "cancel" to stop.',
    )
    fresh = replace(
        session,
        flow="eligibility",
        facts=_implied_facts(services.rulebook, text),
        focus=tuple(sorted(focus)),
        pending=None,
        answered=(),
        retries=0,
        offer=(),
    )
    return _ask_next(fresh, services, today, lead)


def _implied_facts(rulebook: Rulebook, text: str) -> dict[str, Any]:
    """Who is asking, when the request says so ("我们公司能拿什么补贴" -> a company)."""
    fact = rulebook.facts.get(ENTRY_FACT)
    if fact is None or not text.strip():
        return {}
    try:
        value = parse_answer(fact, text)
    except BadInput:
        return {}
    return {} if value == UNKNOWN else {fact.id: value}


def _cancel(session: Session) -> tuple[Session, list[Reply]]:
    text = (
        _t(
            session.lang,
            "已取消资格检查。您可以继续提问，或发送 /check 重新开始。",
            "The eligibility check is cancelled. Ask a question, or send /check to start again.",
        )
        if session.flow == "eligibility"
        else _t(session.lang, "当前没有进行中的资格检查。", "There is no check in progress.")
    )
    idle = replace(session, flow="idle", pending=None, facts={}, focus=(), answered=(), retries=0)
    return idle, [Reply(text, options=_menu(session.lang))]


def _back(session: Session, services: Services, today: date) -> tuple[Session, list[Reply]]:
    if session.flow != "eligibility" or not session.answered:
        return session, [
            *_reshow(
                session,
                services,
                today,
                _t(
                    session.lang,
                    "没有可以返回的上一个问题。",
                    "There is no previous question to go back to.",
                ),
            )
        ]
    last = session.answered[-1]
    facts = {k: v for k, v in session.facts.items() if k != last}
    back = replace(session, facts=facts, answered=session.answered[:-1])
    return _ask_next(
        back,
        services,
        today,
        _t(session.lang, "好的，重新回答上一个问题：", "OK, let's redo the previous question:"),
    )


def _reshow(session: Session, services: Services, today: date, lead: str) -> list[Reply]:
    """A lead message, then the pending question again (if a walk-through is running)."""
    if session.flow == "eligibility" and session.pending:
        fact = services.rulebook.facts.get(session.pending)
        if fact is not None:
            return [Reply(lead), _namespaced(question_reply(fact, session.lang), fact.id)]
    return [Reply(lead)]


def _why(session: Session, services: Services) -> list[Reply]:
    fact = services.rulebook.facts.get(session.pending or "")
    if session.flow != "eligibility" or fact is None:
        return [
            Reply(
                _t(session.lang, "现在没有待回答的问题。", "There is no open question right now.")
            )
        ]
    return [
        Reply(
            _t(
                session.lang,
                f"为什么问这个：{fact.why.get('zh')}",
                f"Why I ask: {fact.why.get('en')}",
            )
        ),
        _namespaced(question_reply(fact, session.lang), fact.id),
    ]


def _with_question(session: Session, services: Services, replies: list[Reply]) -> list[Reply]:
    """``replies``, then the pending question again, so a walk-through visibly goes on."""
    fact = services.rulebook.facts.get(session.pending or "")
    if session.flow != "eligibility" or fact is None:
        return replies
    return [*replies, _namespaced(question_reply(fact, session.lang), fact.id)]


def _set_lang(
    session: Session, services: Services, lang: Lang | None
) -> tuple[Session, list[Reply]]:
    new: Lang = lang or ("en" if session.lang == "zh" else "zh")
    updated = replace(session, lang=new, lang_fixed=True)
    done = Reply(_t(new, "已切换为中文。", "Switched to English."))
    return updated, _with_question(updated, services, [done])


def _answer(
    session: Session, services: Services, today: date, raw: str
) -> tuple[Session, list[Reply]]:
    """Record an answer to the pending question, or re-ask with the reason it was not understood."""
    fact = services.rulebook.facts.get(session.pending or "")
    if fact is None:  # the rules changed under a saved session: start the question flow again
        return _ask_next(replace(session, pending=None), services, today)
    try:
        value = parse_answer(fact, raw, session.lang)
    except BadInput as exc:
        retries = session.retries + 1
        lead = exc.user_message
        if retries >= MAX_RETRIES_BEFORE_HINT:
            lead += _t(
                session.lang,
                "\n如果不确定，可以点“不清楚 / 跳过”，或发送“取消”结束检查。",
                '\nIf you are not sure, press "Don\'t know / skip", or send "cancel" to stop.',
            )
        updated = replace(session, retries=retries)
        return updated, _reshow(updated, services, today, lead)
    stored = value.isoformat() if isinstance(value, date) else value
    facts = {**session.facts, fact.id: stored}
    answered = (*tuple(a for a in session.answered if a != fact.id), fact.id)
    return _ask_next(
        replace(session, facts=facts, answered=answered, pending=None), services, today
    )


def _policy_answer(
    session: Session, services: Services, today: date, text: str, log_out_of_scope: bool = True
) -> tuple[Session, list[Reply], bool, tuple[LogEntry, ...]]:
    """Answer a policy question; the bool says whether it was in scope. ``log_out_of_scope``
    False: an out-of-scope message is not logged (it is taken as an answer instead)."""
    result = services.qa.ask(text, today)
    answer = result.answer
    log: tuple[LogEntry, ...] = ()
    if answer.in_scope or log_out_of_scope:
        log = (
            LogEntry(
                text=text,
                lang=answer.lang,
                in_scope=answer.in_scope,
                answered=answer.in_scope and bool(answer.citations),
                top_clause=result.retrieval.hits[0].clause.key
                if answer.in_scope and result.retrieval.hits
                else None,
            ),
        )
    options: tuple[Option, ...] = ()
    offer: tuple[str, ...] = ()
    if answer.in_scope and session.flow == "idle":
        focus = focus_from_text(services.rulebook, text)
        if focus:
            offer = tuple(sorted(focus))
            options = (
                Option(
                    "menu:check_offer", _t(session.lang, "检查我是否符合", "Check if I qualify")
                ),
            )
    reply = Reply(answer.text, options=options, citations=answer.citations)
    return replace(session, offer=offer or session.offer), [reply], answer.in_scope, log


def _command(text: str) -> tuple[str, str] | None:
    """("lang", "en") for "/lang en" or "/lang@policy_bot en"; None when not a command."""
    match = re.match(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", text.strip(), re.DOTALL)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def _choice(
    session: Session, services: Services, today: date, choice: str
) -> tuple[Session, list[Reply]]:
    if choice.startswith("ans:"):
        _, fact_id, option_id = ([*choice.split(":", 2), "", ""])[:3]
        if session.flow != "eligibility" or fact_id != session.pending:
            return session, _reshow(
                session,
                services,
                today,
                _t(session.lang, "这个按钮已经过期了。", "That button is no longer active."),
            )
        return _answer(session, services, today, option_id)
    action = choice.split(":", 1)[1] if choice.startswith("menu:") else choice
    if action == "check":
        return _start_check(session, services, today)
    if action == "check_offer":
        return _start_check(session, services, today, session.offer)
    if action == "about":
        return session, [_about(services, session.lang, today)]
    if action == "help":
        return session, [_help(session.lang)]
    if action == "lang":
        return _set_lang(session, services, None)
    if action == "cancel":
        return _cancel(session)
    return session, _reshow(
        session,
        services,
        today,
        _t(session.lang, "这个按钮无法识别。", "I don't recognise that button."),
    )


def handle(session: Session, incoming: Incoming, services: Services, today: date) -> Turn:
    """One turn: the incoming event against the session; no I/O (the caller saves and logs)."""
    result = _dispatch(session, incoming, services, today)
    if isinstance(result, Turn):
        return result
    new, replies = result
    return Turn(new, tuple(replies))


def _dispatch(
    session: Session, incoming: Incoming, services: Services, today: date
) -> tuple[Session, list[Reply]] | Turn:
    if incoming.kind == "unsupported":
        lead = _t(
            session.lang,
            "抱歉，我只能阅读文字消息和按钮，暂时看不了贴纸、图片、语音或文件。请用文字提问。",
            "Sorry, I can only read text and buttons, not stickers, photos, voice or files. Please type your question.",
        )
        return session, _reshow(session, services, today, lead)
    if incoming.choice is not None:
        return _choice(session, services, today, incoming.choice)

    raw = incoming.text or ""
    command = _command(raw)
    if command is not None:
        name, arg = command
        if name == "start":
            return replace(session, flow="idle", pending=None, facts={}, focus=(), answered=()), [
                _welcome(session.lang)
            ]
        if name == "help":
            return session, [_help(session.lang)]
        if name == "check":
            focus = focus_from_text(services.rulebook, arg) if arg else frozenset()
            return _start_check(session, services, today, focus)
        if name == "cancel":
            return _cancel(session)
        if name == "lang":
            wanted = arg.lower()
            lang: Lang | None = (
                "en"
                if wanted.startswith("en")
                else "zh"
                if wanted.startswith(("zh", "中"))
                else None
            )
            return _set_lang(session, services, lang)
        if name == "about":
            return session, [_about(services, session.lang, today)]
        if name == "back":
            return _back(session, services, today)
        if name == "why":
            return session, _why(session, services)
        return session, _reshow(
            session,
            services,
            today,
            _t(
                session.lang,
                f"抱歉，没有 /{name} 这个命令。可用命令：/start /help /check /cancel /lang /about",
                f"Sorry, there is no /{name} command. Commands: /start /help /check /cancel /lang /about",
            ),
        )

    text = raw.strip()
    if len(text) > MAX_QUESTION_CHARS:
        return session, _reshow(
            session,
            services,
            today,
            _t(
                session.lang,
                f"消息太长了（{len(text)}字），请用一两句话，不超过{MAX_QUESTION_CHARS}字。",
                f"That message is too long ({len(text)} characters); please keep it under {MAX_QUESTION_CHARS}.",
            ),
        )
    key = normalize(text).rstrip("。.!！")
    if key in _TO_EN:
        return _set_lang(session, services, "en")
    if key in _TO_ZH:
        return _set_lang(session, services, "zh")
    if key in _CANCEL:
        return _cancel(session)
    if key in _RESTART:
        return _start_check(session, services, today, session.focus)
    if key in _HELP:
        return session, _reshow(session, services, today, _help(session.lang).text)
    if key in _BACK:  # outside a walk-through these say there is nothing to go back to
        return _back(session, services, today)
    if key in _WHY:
        return session, _why(session, services)
    if session.flow == "eligibility" and session.pending:
        return _eligibility_text(session, services, today, text)

    if not session.lang_fixed and text:
        session = replace(session, lang=detect_lang(text))
    try:
        check_question(text)
    except BadInput as exc:
        return session, [Reply(exc.user_message, options=_menu(session.lang))]
    if any(cue in key for cue in _ELIGIBILITY_CUES):
        return _start_check(
            session, services, today, focus_from_text(services.rulebook, text), text
        )
    updated, replies, _, log = _policy_answer(session, services, today, text)
    return Turn(updated, tuple(replies), log)


def _eligibility_text(
    session: Session, services: Services, today: date, text: str
) -> tuple[Session, list[Reply]] | Turn:
    """Typed text while a question is pending: a policy question in between, or an answer.

    A message phrased as a question ("人才租房补贴每月多少？") is a question even when it
    happens to contain an answer word; it is answered, and the walk-through resumes.
    """
    if _QUESTION_CUES.search(text) and len(text) >= 6:
        try:
            updated, replies, in_scope, log = _policy_answer(
                session, services, today, text, log_out_of_scope=False
            )
        except BadInput:
            in_scope = False
        if in_scope:
            resume = _reshow(
                updated,
                services,
                today,
                _t(session.lang, "回到刚才的问题：", "Back to where we were:"),
            )
            return Turn(updated, (*replies, *resume), log)
    return _answer(session, services, today, text)
