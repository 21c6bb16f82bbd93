"""The router: which handler answers an event, as dispatch tables rather than an if-chain.

Tables, consulted in this order:
    ``choices``   button ids by prefix ("ans:", "menu:")        -> handler(ctx, payload)
    ``commands``  slash commands by name (bot.messages.COMMAND_TABLE) -> handler(ctx, argument)
    ``words``     control words matched on the whole message (bot.messages word groups)
    ``before``    extra text handlers tried before the defaults, each may decline with None
The staff desk's stage (``bot.staff.stage``), when the services carry a desk, claims its
events before these tables and puts its buttons on the assistant's answer after them.
    then: a message while a walk-through question is pending, a request to check eligibility,
    and otherwise a policy question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.answering import MAX_QUESTION_CHARS, check_question
from bot.dialogue import talk, walkthrough
from bot.dialogue.context import Ctx, checkable, idle, menu, step
from bot.dialogue.facts import facts_from_text
from bot.domain import Lang, Reply, Turn
from bot.eligibility import focus_from_text
from bot.errors import BadInput
from bot.knowledge import coverage
from bot.messages import COMMAND_NAMES, text, words
from bot.retrieval.intent import question_kinds
from bot.retrieval.scope import FIRM
from bot.text import book, detect_lang, is_traditional, normalize

Handler = Callable[[Ctx, str], Turn]
TextHandler = Callable[[Ctx, str], Turn | None]

# Asking for the eligibility walk-through: these words do it on their own...
_ELIGIBILITY_CUES = (
    "能拿什么", "能拿哪些", "可以拿什么", "能申请什么", "能申请哪些", "可以申请哪些", "可以申请什么",
    "符合哪些", "能领什么", "政策计算器", "测一测", "帮我查", "帮我看看", "检查我的",
    "what can we get", "what can i get", "what could we get", "check my", "what can we apply",
)  # fmt: skip
# ...and a firm asking what it can get ("我们公司能拿营收奖励吗", "can our company get…");
# "我们公司能不能用员工的照片做广告" and "can our company refuse to hire…" ask whether something
# is allowed, which the documents answer
_GETTING = re.compile(
    r"(?:我们公司|我公司|我司|我们企业|我们)(?:能不能|能否|能|可不可以|可以)"
    r"(?:拿|申请|申报|享受|领|获得|得到)"
    r"|\bcan (?:our|my) (?:company|firm|business|enterprise|shop|store|factory|studio) "
    r"(?:get|apply|receive|claim|obtain|enjoy|qualify|be eligible)\b"
)
# ...these only when the asker speaks of themselves ("被取消资格的出租车司机…", "企业招用就业困难
# 人员，能享受哪些社保补贴" ask what a document says, not what the asker can get)
_OWN_CUES = (
    "资格", "可以享受", "能享受", "符合什么", "符合条件", "eligib", "qualify", "can we get",
)  # fmt: skip
_FIRST_PERSON = re.compile(r"我|本公司|本企业|\b(?:we|our|us|i|my)\b")
# ...or asks which of them it can apply for, in that order ("…，有哪些政策可以申请？",
# "有什么补贴能拿"): walked through where the walk-through has something to check
# "…能拿到什么支持？", "What support can we get?" (with a word between, which the outright
# cues "能拿什么", "what can we get" do not allow)
_WHICH_TO_GET = re.compile(
    r"(?:哪些|什么)[^，。？！,.?!]{0,6}(?:可以|能)(?:申请|申报|享受|拿|领)"
    r"|(?:可以|能)(?:申请|申报|享受|拿|领|获得|得到)到?(?:哪些|什么)"
    r"|\bwhat (?:\w+ ){1,3}(?:can|could) (?:we|i) (?:get|apply for|receive|claim)\b"
)
_WHICH = re.compile(r"哪些|什么|\b(?:which|what)\b")
# A question asking for one fact (how many years, which department, what fine) is answered
# from the documents even when it says "can we get".
_ONE_FACT = frozenset({"count", "duration", "date", "department", "penalty", "document"})
# A firm asking whether it can get something (not asking for the check outright) is walked
# through only where the walk-through has something to check: the message names a program or
# asks for support in these words, and the clause that best matches it is in a document the
# rules cover. Among a city's regulations "can we get a business licence for a shop there?",
# "can we get the money back from the stallholder?", "我们培训学校新招了一位刚拿到教师资格的毕业
# 生，试用期该定多长？" (培训 names the staff-training program) or "can we get any help with
# the rent?" (a regulation's rent support for start-ups) ask what a document without rules
# says, and its article answers them.
_SUPPORT = re.compile(
    r"补贴|扶持|奖励|资助|补助|奖补|支持|优惠|津贴|资金|"
    r"\b(?:subsid\w*|support\w*|grants?|fund\w*|rewards?|incentives?|allowances?|bonus\w*)\b"
)
# A message phrased as a question while a walk-through question is pending.
_QUESTION_CUES = re.compile(
    r"[?？]|吗|么|什么|多少|怎么|如何|哪|几|谁|是否|有没有|能不能|可不可以|"
    r"^\s*(what|how|which|when|where|who|why|does|do|is|are|can|could|should)\b",
    re.IGNORECASE,
)

# ...and a short one that can only be a question ("找谁申请", "去哪办", "要多久"), not an answer
# such as "是吗" or "大概吧？"
_ASKING = re.compile(r"谁|哪|什么|多少|多久|怎么|如何|几[天年月个]")


# ------------------------------------------------------------------------------ handlers


def _covered(ctx: Ctx) -> str:
    """The documents actually loaded, in a phrase, for the welcome and the help."""
    return coverage.describe(ctx.services.kb.documents, ctx.lang, today=ctx.today)


def _start(ctx: Ctx, _: str) -> Turn:
    check = checkable(ctx)
    welcome = ctx.say(
        "welcome",
        covered=_covered(ctx),
        check=ctx.say("welcome.check") if check else "",
        check_command=ctx.say("welcome.check_command") if check else "",
    )
    return step(replace(idle(ctx.session), topic={}), [Reply(welcome, options=menu(ctx))])


def _help_text(ctx: Ctx) -> str:
    check = ctx.say("help.check") if checkable(ctx) else ""
    return ctx.say("help", covered=_covered(ctx), check=check)


def _help(ctx: Ctx, _: str = "") -> Turn:
    """/help: the help and the menu (a walk-through's question stays open)."""
    return step(ctx.session, [Reply(_help_text(ctx), options=menu(ctx))])


def _help_word(ctx: Ctx, _: str = "") -> Turn:
    """ "帮助" typed: the help, then the open question again so the walk-through goes on."""
    return step(ctx.session, walkthrough.reshow(ctx, _help_text(ctx)))


def _check(ctx: Ctx, arg: str) -> Turn:
    focus = focus_from_text(ctx.services.rulebook, arg) if arg else frozenset()
    return walkthrough.start(ctx, focus)  # "/check 上市" names a topic, it states no fact


def _lang(ctx: Ctx, arg: str) -> Turn:
    wanted = arg.lower()
    lang: Lang | None = (
        "en" if wanted.startswith("en") else "zh" if wanted.startswith(("zh", "中")) else None
    )
    return _set_lang(ctx, lang)


def _set_lang(ctx: Ctx, lang: Lang | None) -> Turn:
    new: Lang = lang or ("en" if ctx.session.lang == "zh" else "zh")
    updated = replace(ctx.session, lang=new, lang_fixed=True)
    done = Reply(text("lang.switched", new, updated.traditional))
    return step(updated, walkthrough.with_question(ctx, updated, [done]))


def _about(ctx: Ctx, _: str = "") -> Turn:
    lang, today = ctx.lang, ctx.today
    lines = [ctx.say("about.head")]
    for meta in ctx.services.kb.documents.values():
        number = f"（{meta.number}）" if meta.number else ""
        issuers = "、".join(meta.issuers)
        period = f"{meta.valid_from or '?'} — {meta.valid_until or '?'}"
        status = coverage.validity_label(meta, today, lang)  # undated: never "in force"
        title = (
            meta.title if lang == "zh" or not meta.title_en else f"{meta.title} ({meta.title_en})"
        )
        issued = meta.issue_date or ("未写明" if lang == "zh" else "date not stated")
        issuers = issuers or ("未写明" if lang == "zh" else "not stated")
        detail = (
            f"印发：{issuers}；发布日期：{issued}；有效期：{period}（{status}）"
            if lang == "zh"
            else f"Issued by {issuers} on {issued}; valid {period} ({status})"
        )
        lines.append(f"· {book(title)}{number}\n  {detail}")
    lines.append(ctx.say("about.as_of", today=today.isoformat()))
    return step(ctx.session, [Reply("\n".join(lines))])


def _cancel(ctx: Ctx, _: str = "") -> Turn:
    return walkthrough.cancel(ctx)


def _back(ctx: Ctx, _: str = "") -> Turn:
    return walkthrough.back(ctx)


def _why(ctx: Ctx, _: str = "") -> Turn:
    return walkthrough.why(ctx)


def _restart(ctx: Ctx, _: str = "") -> Turn:
    return walkthrough.start(ctx, ctx.session.focus)


def _answer_button(ctx: Ctx, payload: str) -> Turn:
    fact_id, _, option_id = payload.partition(":")
    session = ctx.session
    if session.flow != "eligibility" or fact_id != session.pending:
        return step(session, walkthrough.reshow(ctx, ctx.say("button.stale")))
    return walkthrough.answer(ctx, option_id)


def _small(key: str) -> Handler:
    def handler(ctx: Ctx, _: str) -> Turn:
        options = menu(ctx) if key == "greeting" else ()
        if key == "greeting":
            said = ctx.say(key, check=ctx.say("greeting.check") if checkable(ctx) else "")
        else:
            said = ctx.say(key)
        return step(
            ctx.session,
            walkthrough.reshow(ctx, said) if not options else [Reply(said, options=options)],
        )

    return handler


def _to_en(ctx: Ctx, _: str) -> Turn:
    if ctx.session.flow == "eligibility" or not ctx.session.topic:
        return _set_lang(ctx, "en")
    return talk.rerender(ctx, "en", False)


def _to_zh(ctx: Ctx, _: str) -> Turn:
    if ctx.session.flow == "eligibility" or not ctx.session.topic:
        return _set_lang(ctx, "zh")
    return talk.rerender(ctx, "zh", False)


def _to_hant(ctx: Ctx, _: str) -> Turn:
    session = replace(ctx.session, lang="zh", traditional=True, lang_fixed=True)
    if session.flow == "eligibility" or not session.topic:
        done = Reply(text("lang.switched", "zh", True))
        return step(session, walkthrough.with_question(ctx, session, [done]))
    return talk.rerender(ctx.with_session(session), "zh", True)


def _full(ctx: Ctx, _: str = "") -> Turn:
    return talk.full_text(ctx)


def _related(ctx: Ctx, _: str = "") -> Turn:
    return talk.related(ctx)


def _menu_button(ctx: Ctx, action: str) -> Turn:
    handler = MENU_ACTIONS.get(action)
    if handler is None:
        return step(ctx.session, walkthrough.reshow(ctx, ctx.say("button.unknown")))
    return handler(ctx, "")


MENU_ACTIONS: dict[str, Handler] = {
    "check": lambda ctx, _: walkthrough.start(ctx),
    "check_offer": lambda ctx, _: walkthrough.start(ctx, ctx.session.offer),
    "about": _about,
    "help": _help,
    "lang": lambda ctx, _: _set_lang(ctx, None),
    "cancel": _cancel,
    "full": _full,
    "related": _related,
}


@dataclass
class Router:
    """Dispatch tables for one assistant; ``before`` takes extra text handlers."""

    choices: dict[str, Handler] = field(default_factory=dict)
    commands: dict[str, Handler] = field(default_factory=dict)
    words: dict[str, Handler] = field(default_factory=dict)
    before: list[TextHandler] = field(default_factory=list)
    idle_words: dict[str, Handler] = field(default_factory=dict)  # only outside a walk-through

    def route(self, ctx: Ctx) -> Turn:
        """The turn for ``ctx``; with a staff desk, its stage comes first and last."""
        desk = ctx.services.desk
        if desk is None:
            return self._route(ctx)
        from bot.staff import stage  # the staff desk's stage: only when there is a desk

        claimed = stage.claim(desk, ctx.session, ctx.incoming)
        if claimed is not None:
            return claimed
        return stage.finish(desk, ctx.incoming, self._route(ctx))

    def _route(self, ctx: Ctx) -> Turn:
        incoming = ctx.incoming
        if incoming.kind == "unsupported":
            return step(ctx.session, walkthrough.reshow(ctx, ctx.say("unsupported")))
        if incoming.choice is not None:
            prefix, _, payload = incoming.choice.partition(":")
            handler = self.choices.get(prefix)
            if handler is None:  # a bare action id ("check") from an older client
                return _menu_button(ctx, incoming.choice)
            return handler(ctx, payload)
        raw = incoming.text or ""
        command = _command(raw)
        if command is not None:
            name, arg = command
            handler = self.commands.get(name)
            if handler is None:
                return step(
                    ctx.session, walkthrough.reshow(ctx, ctx.say("command.unknown", name=name))
                )
            return handler(ctx, arg)
        message = raw.strip()
        if len(message) > MAX_QUESTION_CHARS:
            return step(
                ctx.session,
                walkthrough.reshow(
                    ctx, ctx.say("too_long", n=len(message), limit=MAX_QUESTION_CHARS)
                ),
            )
        key = normalize(message).rstrip("。.!！~～")
        for group, handler in self.words.items():
            if key in words(group):
                return handler(ctx, message)
        ctx = _follow_writing(ctx, message)
        if ctx.session.flow != "eligibility" or not ctx.session.pending:
            for group, handler in self.idle_words.items():
                if key in words(group):
                    return handler(ctx, message)
        for extra in self.before:
            turn = extra(ctx, message)
            if turn is not None:
                return turn
        if ctx.session.flow == "eligibility" and ctx.session.pending:
            return _pending_text(ctx, message)
        try:
            check_question(message)
        except BadInput as exc:
            return step(ctx.session, [Reply(exc.user_message, options=menu(ctx))])
        greeting = _strip_greeting(key)
        if greeting is not None:
            message = greeting
            key = normalize(message)
        if _introduces(key):
            # "我们是嘉定的一家直播公司": where the rules cover what it is (an applicant they
            # name) the check, with what it said taken in; elsewhere what it would like to know,
            # not a clause picked by the firm's name
            focus = talk.opening_focus(ctx.services, message)
            said = facts_from_text(ctx.services.rulebook, message, {})
            if checkable(ctx) and (focus or "entity_type" in said) and _rules_cover(ctx, message):
                return walkthrough.start(ctx, focus, message)
            return step(ctx.session, [Reply(ctx.say("intro.ack"), options=menu(ctx))])
        asked = _asks_for_check(key)
        if asked is not None:
            focus = talk.opening_focus(ctx.services, message)
            if asked == "outright" or _checkable(ctx, message, key, focus):
                return walkthrough.start(ctx, focus, message)
        turn, _ = talk.policy(ctx, message)
        return turn


def _asks_for_check(key: str) -> str | None:
    """Does the (normalised) message ask what the asker's firm can get? "outright" (检查我的
    资格, "what can we get"), "whether" (a firm asking whether it can get something) or None."""
    if any(kind in _ONE_FACT for kind in question_kinds(key)):
        return None
    if any(cue in key for cue in _ELIGIBILITY_CUES):
        return "outright"
    if _GETTING.search(key) or (_WHICH_TO_GET.search(key) and _FIRST_PERSON.search(key)):
        return "whether"
    if not any(cue in key for cue in _OWN_CUES) or _FIRST_PERSON.search(key) is None:
        return None
    # "我们是松江的直播公司，能享受哪些政策？" asks which: the check, outright
    return "outright" if _WHICH.search(key) else "whether"


# A message that only says what the asker's firm is ("我们是嘉定的一家直播公司", "我们在浦东开了
# 家宠物店", "We are a small restaurant in Pudong."): no question, no figure
_INTRO_ZH = re.compile(
    rf"^(?:我们|我|我司|本公司)(?:公司|这边)?(?:是|在)[^？?。！!]*?(?:{FIRM})(?:的?老板)?[。.!！~～]*$"
)
_INTRO_EN = re.compile(r"^(?:we are|we're|i am|i'm|we run|i run|we own|i own|this is)\b[^?]*$")


def _introduces(key: str) -> bool:
    """Does the (normalised) message only say what the asker's firm is?"""
    if re.search(r"\d|[万亿呢]", key) or (_QUESTION_CUES.search(key) and not key.isascii()):
        return False
    if _INTRO_ZH.match(key):
        return True
    return (
        bool(_INTRO_EN.match(key))
        and len(key.split()) <= 15
        and not re.search(
            r"\b(?:what|how|which|when|where|who|why|can|could|should|may|must|need)\b", key
        )
    )


def _rules_cover(ctx: Ctx, message: str) -> bool:
    """The clause that best matches the message is in a document the rules cover."""
    hits = ctx.services.qa.retriever.search(message, 1).hits
    return bool(hits) and hits[0].clause.doc_id in ctx.services.rulebook.documents


def _checkable(ctx: Ctx, message: str, key: str, focus: tuple[str, ...]) -> bool:
    """Has the walk-through something to check for a firm asking whether it can get
    something (``_SUPPORT``)? It names a program (``focus``) or support, and its best clause
    is in a document the rules cover."""
    services = ctx.services
    if not services.rulebook.documents or not (
        focus or _SUPPORT.search(key) or _WHICH_TO_GET.search(key)
    ):
        return False
    return _rules_cover(ctx, message)


def _strip_greeting(key: str) -> str | None:
    """ "你好，请问…" -> the question after the greeting."""
    for word in sorted(words("greeting"), key=len, reverse=True):
        if key.startswith(word) and len(key) > len(word) + 3:
            return key[len(word) :].lstrip(",，!！。. ")
    return None


def _follow_writing(ctx: Ctx, message: str) -> Ctx:
    """The reply language and script follow how the user writes (unless fixed with /lang)."""
    session = ctx.session
    if session.lang_fixed or not message or not any(c.isalpha() for c in message):
        return ctx
    if session.flow == "eligibility" and session.pending:
        return ctx  # "yes", "2.5亿", "asdf" answer the question; they do not switch language
    lang = detect_lang(message)
    traditional = session.traditional
    if lang == "zh" and sum(1 for c in message if "\u4e00" <= c <= "\u9fff") >= 2:
        traditional = is_traditional(message)
    return ctx.with_session(replace(session, lang=lang, traditional=traditional))


def _pending_text(ctx: Ctx, message: str) -> Turn:
    """Typed text while a question is pending: a policy question in between, or an answer."""
    if _QUESTION_CUES.search(message) and (len(message) >= 6 or _ASKING.search(message)):
        try:
            turn, answered = talk.policy(ctx, message, log_out_of_scope=False)
        except BadInput:
            answered = False
        if answered:
            resume = walkthrough.reshow(ctx, ctx.say("check.resume"), turn.session)
            return replace(turn, replies=(*turn.replies, *resume))
    return walkthrough.answer(ctx, message)


def _yes_to_offer(ctx: Ctx, message: str) -> Turn:
    if ctx.session.offer:
        return walkthrough.start(ctx, ctx.session.offer)
    return _small("ack")(ctx, message)


def _command(raw: str) -> tuple[str, str] | None:
    """("lang", "en") for "/lang en" or "/lang@policy_bot en"; None when not a command."""
    match = re.match(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", raw.strip(), re.DOTALL)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def default_router() -> Router:
    """The assistant's tables; every command of ``COMMAND_TABLE`` has a handler."""
    commands: dict[str, Handler] = {
        "start": _start,
        "help": _help,
        "check": _check,
        "cancel": _cancel,
        "lang": _lang,
        "about": _about,
        "back": _back,
        "why": _why,
    }
    assert set(commands) == COMMAND_NAMES, "the command table and the router disagree"
    return Router(
        choices={"ans": _answer_button, "menu": _menu_button, "chk": walkthrough.toggle},
        commands=commands,
        words={
            "to_en": _to_en,
            "to_zh": _to_zh,
            "to_hant": _to_hant,
            "cancel": _cancel,
            "quit": _cancel,
            "restart": _restart,
            "help": _help_word,
            "back": _back,
            "why": _why,
            "full_text": _full,
            "related": _related,
        },
        idle_words={
            "greeting": _small("greeting"),
            "thanks": _small("thanks"),
            "goodbye": _small("goodbye"),
            "yes": _yes_to_offer,
            "ack": _small("ack"),
        },
    )
