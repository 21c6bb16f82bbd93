"""Every user-facing sentence of the dialogue, in zh-Hans and en, and the command table.

Traditional Chinese (zh-Hant) is made from the Simplified text with OpenCC (``s2twp``) unless
an entry gives its own ``hant`` text; quotations of the documents never pass through here.
Channels read ``COMMAND_TABLE`` for their menus (Telegram's ``setMyCommands``), and the
dialogue reads it to know which commands exist, so the two can never disagree.

    text("welcome", lang="zh", traditional=False, **values) -> str
    command_menu(locale) -> tuple[tuple[str, str], ...]      # ("check", "资格检查：…")
    words(name) -> frozenset[str]                             # control words, normalised
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.text import normalize, to_traditional

Locale = Literal["zh-Hans", "zh-Hant", "en"]


@dataclass(frozen=True)
class Command:
    """One slash command: its name, what the menu says, and whether the menu lists it."""

    name: str
    zh: str
    en: str
    in_menu: bool = True

    def describe(self, locale: Locale) -> str:
        if locale == "en":
            return self.en
        return to_traditional(self.zh) if locale == "zh-Hant" else self.zh


# The command table: the dialogue's router dispatches on these names, channels list them.
COMMAND_TABLE: Final[tuple[Command, ...]] = (
    Command("start", "开始：介绍与菜单", "Start: introduction and menu"),
    Command("help", "帮助：能问什么、怎么问", "Help: what to ask and how"),
    Command("check", "资格检查：看看能申请哪些扶持", "Check which support you may qualify for"),
    Command("cancel", "取消进行中的资格检查", "Cancel the eligibility check"),
    Command("lang", "切换语言 中文 / English", "Switch language English / 中文"),
    Command("about", "政策来源与有效期", "Policy sources and their validity"),
    Command("back", "修改上一个回答", "Change the last answer", in_menu=False),
    Command("why", "为什么问这个", "Why this question", in_menu=False),
)
COMMAND_NAMES: Final[frozenset[str]] = frozenset(c.name for c in COMMAND_TABLE)


def command_menu(locale: Locale) -> tuple[tuple[str, str], ...]:
    """(name, description) pairs of the commands a channel's menu lists, in ``locale``."""
    return tuple((c.name, c.describe(locale)) for c in COMMAND_TABLE if c.in_menu)


def _commands_line() -> str:
    return " ".join(f"/{c.name}" for c in COMMAND_TABLE if c.in_menu)


_CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    "welcome": (
        "您好！我是上海市和嘉定区直播、短视频产业政策助手。\n"
        "我依据的文件：{covered}。\n"
        "· 直接提问，我会给出答案并注明出处，例如：“嘉定直播企业营收首次超过1亿元奖励多少？”\n"
        "· 发送 /check 或选择“检查我能申请什么”，我会问几个问题，告诉您可能符合哪些扶持、金额多少、依据哪一条。\n"
        "命令：/help 帮助，/check 资格检查，/cancel 取消，/lang 切换语言，/about 政策来源。",
        "Hello! I answer questions about the Shanghai and Jiading live-streaming and "
        "short-video industry policies.\n"
        "The documents I use: {covered}.\n"
        '· Ask a question and I answer with the source, e.g. "How much does '
        'Jiading award a company whose revenue first exceeds 100 million yuan?"\n'
        '· Send /check or choose "Check my eligibility": I ask a few questions '
        "and tell you what your company may qualify for, how much, and under which clause.\n"
        "Commands: /help, /check, /cancel, /lang (language), /about (sources).",
    ),
    "help": (
        "我可以：\n1. 回答上海市、嘉定区直播和短视频产业政策的问题，并注明出处；\n"
        "2. 通过几个问题帮您检查可能符合的扶持（/check）。\n"
        "资格检查中可以发送“返回”修改上一个回答、“为什么”了解提问原因、“取消”结束；"
        "中途也可以直接提问，答完后会回到原来的问题。\n"
        "我依据的文件：{covered}。\n"
        "命令：{commands}",
        "I can:\n1. answer questions about the Shanghai and Jiading live-streaming and "
        "short-video policies, with the source;\n2. check which support your company "
        'may qualify for with a few questions (/check).\nDuring the check, send "back" to '
        'change your last answer, "why" to see why I ask, "cancel" to stop; you can also '
        "ask a policy question at any time and we return to the same question.\n"
        "The documents I use: {covered}.\n"
        "Commands: {commands}",
    ),
    "menu.check": ("检查我能申请什么", "Check my eligibility"),
    "menu.about": ("政策来源与有效期", "Sources and validity"),
    "menu.lang": ("English", "中文"),
    "menu.help": ("帮助", "Help"),
    "menu.check_all": ("检查全部扶持", "Check everything"),
    "menu.check_again": ("重新检查", "Check again"),
    "opt.check_offer": ("检查我是否符合", "Check if I qualify"),
    "opt.full_text": ("原文", "Full text"),
    "opt.related": ("相关条款", "Related"),
    # the staff desk (bot/staff): what users read of a hand-off; staff cards stay Chinese
    "opt.ask_staff": ("问工作人员", "Ask our staff"),
    "opt.person": ("转人工", "Talk to a person"),
    "staff.handed": (
        "好的，已为您转接工作人员（工单 #{ticket}）。{promise}\n"
        "工作人员的答复会发到这里。等待期间也可以继续向我提问。",
        "OK, I have passed this to our staff (ticket #{ticket}). {promise}\n"
        "Their answer will arrive here. Meanwhile you can keep asking me.",
    ),
    "staff.already": (
        "您的问题已经转给工作人员（工单 #{ticket}），请耐心等待。{promise}\n等待期间也可以继续向我提问。",
        "Your question is already with our staff (ticket #{ticket}). {promise}\n"
        "Meanwhile you can keep asking me.",
    ),
    "staff.reply": (
        "【工作人员回复】\n{answer}\n（工单 #{ticket}。还有问题可以继续问我，或再次发送“转人工”。）",
        "[Reply from staff]\n{answer}\n"
        '(ticket #{ticket}. Ask me anything else, or send "talk to a person" again.)',
    ),
    "staff.closed": (
        "工作人员已处理完您的咨询（工单 #{ticket}）。如需继续咨询，可以直接提问或再次发送“转人工”。",
        "Our staff have closed your request (ticket #{ticket}). Ask me anything, "
        'or send "talk to a person" again.',
    ),
    "staff.curated": ("【工作人员答复 · {date}】", "[Answer from staff, {date}]"),
    "staff.based_on": ("依据：{clauses}", "Based on: {clauses}"),
    "staff.thanks": ("谢谢您的反馈！", "Thanks for your feedback!"),
    "staff.thanks_down": (
        "谢谢反馈，我会请工作人员看一下。",
        "Thanks; I will ask our staff to look at it.",
    ),
    "staff.expired": ("这个按钮已经过期了。", "That button is no longer active."),
    "staff.forgotten": (
        "已删除您的对话记录、提问记录和转人工工单（{count} 条），对话从头开始。",
        "Your conversation, question log and staff tickets are deleted ({count} entries); "
        "we start afresh.",
    ),
    "greeting": (
        "您好！我可以解答上海市和嘉定区直播、短视频产业政策的问题（补贴金额、条件、有效期、负责部门），"
        "也可以发送 /check 帮您检查能申请哪些扶持。请直接提问吧。",
        "Hello! I can answer questions about the Shanghai and Jiading live-streaming and "
        "short-video policies (amounts, conditions, validity, responsible departments), or "
        "check with /check what your company may apply for. Just ask.",
    ),
    "thanks": (
        "不客气！还有其他问题可以随时问我。",
        "You're welcome! Ask me anything else any time.",
    ),
    "goodbye": (
        "再见！有政策问题随时来问。",
        "Goodbye! Come back any time with a policy question.",
    ),
    "ack": (
        "好的。还有什么想了解的，直接问我就行。",
        "OK. Ask me anything else about the policies.",
    ),
    "check.intro": (
        "好的，我来帮您看看可能符合哪些扶持。可以选择选项或直接输入（如“2.5亿”“是”）。"
        "随时发送“返回”修改上一个回答，“为什么”了解原因，“取消”结束。",
        "Let's check what support you may qualify for. Choose an option or type "
        '(e.g. "250 million", "yes"). Send "back" to change your last '
        'answer, "why" to see why I ask, "cancel" to stop.',
    ),
    "check.restart_broken": (
        "抱歉，之前的回答无法继续使用，我们从头开始。",
        "Sorry, your earlier answers can no longer be used; let's start again.",
    ),
    "check.done": ("检查完成。还想了解什么？可以直接提问。", "Done. Anything else? Just ask."),
    # issue 15: loaded documents whose benefit clauses have no eligibility rules yet
    "check.unruled_none": (
        "按您的回答，已写好规则的项目中暂无符合的；下面的条款尚未评估。",
        "Going by your answers, none of the programs with written rules applies; the clauses "
        "below are not evaluated yet.",
    ),
    "check.unruled": (
        "未评估（尚未编写规则）：以下{n}条扶持条款适用于{place}，是否符合请向责任单位咨询：",
        "Not evaluated (no rules written yet): these {n} support clauses apply to {place}; ask "
        "the responsible units whether you qualify:",
    ),
    "check.unruled_more": (
        "……另有{n}条，可直接提问查看。",
        "…and {n} more; ask about them directly.",
    ),
    "check.unruled_place_unknown": ("贵单位所在地", "your place"),
    "check.covered": (
        "检查完成。这次只检查了：{names}。想看看其他扶持，可以选择“检查全部扶持”。",
        'Done. This check covered only: {names}. Choose "Check everything" for the other support.',
    ),
    "check.cancelled": (
        "已取消资格检查。您可以继续提问，或发送 /check 重新开始。",
        "The eligibility check is cancelled. Ask a question, or send /check to start again.",
    ),
    "check.none_running": ("当前没有进行中的资格检查。", "There is no check in progress."),
    "check.no_back": ("没有可以返回的上一个问题。", "There is no previous question to go back to."),
    "check.redo": ("好的，重新回答上一个问题：", "OK, let's redo the previous question:"),
    "check.no_question": ("现在没有待回答的问题。", "There is no open question right now."),
    "check.why": ("为什么问这个：{why}", "Why I ask: {why}"),
    "check.hint_skip": (
        "\n如果不确定，可以选择“不清楚 / 跳过”，或发送“取消”结束检查。",
        '\nIf you are not sure, choose "Don\'t know / skip", or send "cancel" to stop.',
    ),
    "check.checklist": (
        "以下哪些情况适用于贵单位？可多选：点选后按“完成”，或回复序号（如“1,3”）；都不适用请回复“都没有”。",
        'Which of these apply to you? Tick all that do and press "Done", or reply with numbers '
        '(e.g. "1,3"); reply "none" if none applies.',
    ),
    # the terminal has no buttons to tick: its checklist header asks for typed numbers
    "check.checklist_typed": (
        "以下哪些情况适用于贵单位？请回复适用的序号（如“1,3”）；都不适用请回复“都没有”，不确定请回复“不清楚”。",
        'Which of these apply to you? Reply with the numbers that do (e.g. "1,3"); reply '
        '"none" if none applies, "not sure" if you do not know.',
    ),
    "terminal.hint": (
        "（输入选项前的数字即可选择；↑ ↓ 翻看已输入的内容；输入 /quit 或 /exit 退出。）",
        "(Type an option's number to choose it; up and down arrows recall what you typed; "
        "/quit or /exit leaves.)",
    ),
    "check.checklist_help": (
        "请回复适用的序号（1到{n}，如“1,3”），或“都没有”“不清楚”。",
        'Please reply with the numbers that apply (1 to {n}, e.g. "1,3"), or "none" / "not sure".',
    ),
    "check.done_button": ("完成", "Done"),
    "check.ambiguous_place": (
        "“{place}”跨长宁、闵行、青浦几个区，请告诉我是哪个区（例如“闵行区”）。",
        '"{place}" spans several districts (Changning, Minhang, Qingpu); which district is it?',
    ),
    "check.none_button": ("都没有", "None of these"),
    "check.resume": ("回到刚才的问题：", "Back to where we were:"),
    "check.noted": ("已记下：{facts}。", "Noted: {facts}."),
    # validity in an eligibility result: one entry per status of the program's document
    "check.valid.in_force": ("政策有效期至{until}。", "In force until {until}."),
    "check.valid.not_yet": ("该政策自{since}起施行。", "The policy takes effect on {since}."),
    "check.valid.expired": (
        "该政策已于{until}到期，请向责任单位咨询是否有后续政策。",
        "The policy expired on {until}; ask the responsible unit whether a successor policy applies.",
    ),
    "check.valid.expired_eligible": (
        "按所述情况本可符合条件，但该政策已于{until}到期，请向责任单位咨询是否有后续政策。",
        "Would have qualified; the policy expired on {until}; ask the responsible unit whether a successor policy applies.",
    ),
    "check.note.expired": (
        "注：{title}有效期至{until}，截至{day}已失效。",
        "Note: {title} was valid until {until} and has expired as of {day}.",
    ),
    "check.note.not_yet": (
        "注：{title}自{since}起施行，截至{day}尚未生效。",
        "Note: {title} takes effect on {since}; not in force as of {day}.",
    ),
    "lang.switched": ("已切换为中文。", "Switched to English."),
    "button.stale": ("这个按钮已经过期了。", "That button is no longer active."),
    "button.unknown": ("这个按钮无法识别。", "I don't recognise that button."),
    "command.unknown": (
        "抱歉，没有 /{name} 这个命令。可用命令：{commands}",
        "Sorry, there is no /{name} command. Commands: {commands}",
    ),
    "too_long": (
        "消息太长了（{n}字），请用一两句话，不超过{limit}字。",
        "That message is too long ({n} characters); please keep it under {limit}.",
    ),
    "unsupported": (
        "抱歉，我只能阅读文字消息和按钮，暂时看不了贴纸、图片、语音或文件。请用文字提问。",
        "Sorry, I can only read text and buttons, not stickers, photos, voice or files. "
        "Please type your question.",
    ),
    "about.head": ("我依据的政策文件：", "The policy documents I use:"),
    "about.as_of": ("（按 {today} 判断）", "(as of {today})"),
    "nothing_to_render": (
        "还没有可以重新显示的回答，请先提一个问题。",
        "There is no answer to show again yet; please ask a question first.",
    ),
    "no_more": ("这条回答没有更多内容了。", "There is nothing more for that answer."),
    "wechat.choices": ("回复 {choices}", "Reply {choices}"),
    "wechat.more": ("（回复“原文”看全文）", '(Reply "full text" for the rest)'),
    "wechat.earlier": ("工作人员已回复您之前的问题：", "Our staff replied to your earlier question:"),
    "wechat.late": ("您之前的问题的回答：", "The answer to your earlier question:"),
    "wechat.menu.ask": ("政策问答", "Policy Q&A"),
    "wechat.menu.check": ("资格检查", "Eligibility"),
    "wechat.menu.person": ("人工服务", "Talk to staff"),
    "disclaimer": (
        "以上内容依据政策原文，具体以主管部门解释为准。",
        "Based on the policy texts; the responsible departments have the final word.",
    ),
    # An answer whose lead a language model worded (it passed the guard): said in one line.
    "llm.worded": (
        "（以上由语言模型根据下列条款组织文字，以条款原文为准。）",
        "(Worded by a language model from the clause below; the clause's own words prevail.)",
    ),
}

# The answer path's sentences (bot/answering/phrase.py): leads, verdicts, validity, sources.
# Verbatim values (titles, quotes, unit names) arrive already marked; {title} is 《…》 in
# Chinese and the English title in English.
_CATALOGUE.update(
    {
        "ans.yes": ("可以：", "Yes: "),
        "ans.yes_have": ("有：", "Yes: "),
        "ans.no": ("不能：", "No: "),
        "ans.states_en": ("", "The {title}, {clause}, states {figure}:"),
        "ans.says": ("据{title}{clause}：{sentence}", "The {title}, {clause}, says:"),
        "ans.yes_says": ("可以。据{title}{clause}：{sentence}", "Yes. The {title}, {clause}, says:"),
        "ans.no_says": ("不能。据{title}{clause}：{sentence}", "No. The {title}, {clause}, says:"),
        "ans.supported_says": (
            "支持。据{title}{clause}：{sentence}",
            "Yes, it is supported. The {title}, {clause}, says:",
        ),
        "ans.forbidden_says": (
            "文件不允许这样做。据{title}{clause}：{sentence}",
            "This is not allowed. The {title}, {clause}, says:",
        ),
        "ans.must_says": (
            "需要。据{title}{clause}：{sentence}",
            "Yes, it is required. The {title}, {clause}, says:",
        ),
        "ans.unsaid_says": (
            "文件没有写明这一点。相关的是{title}{clause}：{sentence}",
            "The documents do not say. The related clause, {title}, {clause}:",
        ),
        "ans.no_place": (
            "不能：{title}是{region}的政策，只适用于{region}；您说的{place}不在其中。",
            "No: the {title} is a policy of {region} and applies only there; {place} is not covered.",
        ),
        "ans.no_place_quote": ("条款写明：“{words}”。", "The clause says: “{words}”."),
        "ans.no_again": (
            "不能：这一项只给“{word}”的情形，文件没有写明第二次还能再给。",
            "No: the clause gives it only for the “{word}” case; the documents do not provide it a second time.",
        ),
        "ans.combine_unsaid": (
            "文件没有写明这些奖励能否同时享受，请咨询{who}。",
            "The documents do not say whether these can be combined; ask {who}.",
        ),
        "ans.choice_unsaid": (
            "文件没有写明这一点，原文只有：",
            "The documents do not say; the text only states:",
        ),
        "ans.uncovered": (
            "政策文件没有涉及“{subjects}”的内容。",
            "The policy documents do not cover {subjects}.",
        ),
        "ans.uncovered_en": (
            "政策文件没有涉及这方面的内容。",
            "The policy documents do not cover this.",
        ),
        "ans.procedure": (
            "文件没有写明申报流程、材料、截止时间或联系方式，请咨询{who}。",
            "The documents do not state the application procedure, materials, deadline or contact details; ask {who}.",
        ),
        "ans.procedure_nowho": (
            "文件没有写明申报流程、材料、截止时间或联系方式，请咨询文件的主管部门。",
            "The documents do not state the application procedure, materials, deadline or contact details; ask the department in charge of the document.",
        ),
        "ans.said_instead": ("文件写明的是：{lead}", "What the documents do say: {lead}"),
        "ans.number": ("{title}的文号是{number}。", "The {title} has the document number {number}."),
        "ans.no_number": (
            "{title}没有写明文号（文件中未列发文字号）。",
            "The {title} does not state a document number.",
        ),
        "ans.issuers": ("{title}由{issuers}联合印发。", "The {title} was issued jointly by {issuers}."),
        "ans.issuer": ("{title}由{issuers}印发。", "The {title} was issued by {issuers}."),
        "ans.issue_date": ("{title}的发布日期是{date}。", "The {title} is dated {date}."),
        "ans.effective": ("{title}自{date}起施行。", "The {title} took effect on {date}."),
        "ans.no_effective": (
            "{title}没有写明施行日期。",
            "The {title} does not state when it takes effect.",
        ),
        "ans.who": ("负责单位：{who}。", "Responsible: {who}."),
        "ans.who_none": (
            "这一条没有写明责任单位；{title}由{issuers}印发。",
            "The clause names no responsible unit; the {title} was issued by {issuers}.",
        ),
        "ans.years_up_to": ("最长{years}年（{name}）。", "For up to {years} years ({name})."),
        "ans.years_running": ("可连续{years}年（{name}）。", "For up to {years} years ({name})."),
        "ans.once": ("这是一次性{word}，不按年发放。", "It is a one-off payment, not yearly ({name})."),
        "ans.applicants": ("面向：{who}。", "Who can apply: {who}."),
        "ans.mismatch": (
            "文件没有写明针对企业的此类支持；相关的只有{name}，面向{who}。",
            "The documents do not state such support for companies; the related one is the {name}, for {who}.",
        ),
        "ans.followup": ("接上题：", "Following up: "),
        "ans.followup_on": ("接上题（{bits}）：", "Following up ({bits}): "),
        "ans.source": ("出处：{title}{clause}", "Source: {title}, {clause}"),
        "ans.source_units": ("出处：{title}{clause}；责任单位：{units}", "Source: {title}, {clause}"),
        "ans.amounts_en": ("", "Amounts: {glosses}."),
        "ans.no_glossary_en": ("", "(This document has no English glossary; the source is quoted in Chinese.)"),
        # validity: one entry per status (DocumentMeta.validity)
        "ans.valid.in_force": (
            "可以：{title}有效期至{until}，目前（{today}）仍在有效期内。",
            "Yes: the {title} is in force until {until} (as of {today}).",
        ),
        "ans.valid.in_force_open": (
            "可以：{title}自{since}起施行，文件没有写明截止日期。",
            "Yes: the {title} has been in force since {since}; it states no end date.",
        ),
        "ans.valid.next_year": (
            "目前有效，但有效期只到{until}，明年（{year}年）已不在有效期内；是否延续，请咨询{who}。",
            "In force now, but only until {until}: next year ({year}) it is no longer valid unless renewed; ask {who}.",
        ),
        "ans.valid.expired": (
            "不能了：{title}有效期至{until}，截至{today}已经失效。是否有后续政策，请咨询{who}。",
            "No: the {title} expired on {until} (as of {today}); it is no longer in force. Ask {who} whether a successor policy applies.",
        ),
        "ans.valid.repealed": (
            "不能了：{title}已被{by}废止或取代，不再有效。",
            "No: the {title} has been repealed or replaced by {by}; it is no longer in force.",
        ),
        "ans.valid.not_yet": (
            "还没有生效：{title}自{since}起施行。",
            "Not yet: the {title} takes effect on {since}.",
        ),
        "ans.valid.unknown": (
            "{title}没有写明施行日期和有效期，无法判断目前是否有效，请咨询{who}。",
            "The {title} states no dates, so whether it is in force cannot be told; ask {who}.",
        ),
        "ans.notice.expired": (
            "⚠ 该文件已于{until}失效，是否有后续政策请咨询{who}。",
            "⚠ This document expired on {until}; ask {who} about a successor policy.",
        ),
        "ans.notice.repealed": (
            "⚠ 该文件已被{by}废止或取代。",
            "⚠ This document has been repealed or replaced by {by}.",
        ),
        "ans.notice.not_yet": (
            "⚠ 该文件自{since}起施行，目前尚未生效。",
            "⚠ This document takes effect on {since}; it is not yet in force.",
        ),
        # amounts from the rules table (bot/answering/amounts.py)
        "ans.taking_said": ("（按您说的“{said}”，以{value}计）", ' (taking your "{said}" as {value})'),
        "ans.tier_below": (
            "不够：{value}未达到最低一档（{tier}），{name}不适用{stated}。",
            "Not enough: {value} is below the lowest tier ({tier}); the {name} does not apply{stated}.",
        ),
        "ans.tier": ("{per}奖励{amount}（{tier}）{stated}。", "{amount}, {per} ({tier}){stated}: {name}."),
        "ans.tier_max": ("最高{per}奖励{amount}（{tier}）。", "At most {amount} {per} ({tier}): {name}."),
        "ans.tiers": ("按档{per}奖励：{parts}。", "{name}, {per} by tier: {parts}."),
        "ans.percent": ("可补贴{amount}{capped}{stated}。", "{amount}{capped}{stated}: {name}."),
        "ans.capped": ("（达到上限）", " (the cap)"),
        "ans.percent_how_capped": (
            "计算：{value} × {rate}% = {raw}，超过上限{cap}，按{amount}计{years}。",
            "How: {value} × {rate}% = {raw}, above the cap of {cap} → {amount}{years}.",
        ),
        "ans.percent_how": (
            "计算：{value} × {rate}% = {raw}（上限{cap}）{years}。",
            "How: {value} × {rate}% = {raw} (cap {cap}){years}.",
        ),
        "ans.running_years": ("，可连续{years}年", ", for up to {years} consecutive years"),
        "ans.at_most_years": ("，最长{years}年", ", for at most {years} years"),
        "ans.choice": ("{per}补贴{amount}（{label}）。", "{amount}, {per} ({label}): {name}."),
        "ans.choices": ("{per}补贴：{parts}。", "{name}, {per}: {parts}."),
        "ans.percent_rule": ("按举办费的{rate}%补贴{cap}{years}。", "{rate}% of the cost{cap}{years}: {name}."),
        "ans.percent_cap": ("，{per}最高{cap}", ", at most {cap} {per}"),
        "ans.fixed": ("{per}{word}{amount}。", "{amount}, {per}: {name}."),
        "ans.up_to": ("最高{per}{amount}{years}。", "Up to {amount}{per}{years}: {name}."),
        "ans.at_least": ("{per}奖励{amount}以上（视贡献确定）。", "At least {amount}, {per} (set by contribution): {name}."),
        "ans.at_least_no_max": (
            "文件没有写明上限：条款只说{per}奖励“{amount}以上”，视贡献确定。",
            "The documents do not state a maximum: the clause says at least {amount} ({per}), set by contribution.",
        ),
        "ans.no_figure": ("文件没有写明具体金额：{name}，{note}。", "The documents do not state a figure for the {name}: {note}."),
        "ans.per.once": ("一次性", "one-off"),
        "ans.per.year": ("每年", "per year"),
        "ans.per.month": ("每月", "per month"),
    }
)


def text(key: str, lang: str = "zh", traditional: bool = False, **values: object) -> str:
    """The catalogue entry ``key`` in the user's language and script, with ``values`` filled."""
    zh, en = _CATALOGUE[key]
    values.setdefault("commands", _commands_line())
    chosen = en if lang == "en" else zh
    out = chosen.format(**values) if values else chosen
    return to_traditional(out) if traditional and lang != "en" else out


# Control words typed instead of commands, matched on the whole normalised message.
_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "cancel": ("取消", "结束", "不查了", "算了", "cancel", "stop"),
    "quit": ("退出", "quit", "exit", "再见了", "bye bye"),
    "back": ("返回", "上一步", "回到上一步", "改上一个", "back", "go back", "previous", "undo"),
    "why": (
        "为什么", "为什么问", "为啥", "为什么要问", "为什么问这个", "why", "why?",
        "why do you ask", "why do you ask?",
    ),
    "help": ("帮助", "help", "菜单", "menu", "?", "？", "你能做什么", "你会什么", "what can you do"),
    "restart": ("重新开始", "重来", "restart", "start over"),
    "to_en": (
        "english", "english please", "in english", "in english please", "说英文", "英文",
        "用英文", "用英文说", "用英文说一遍", "用英语", "用英语说一遍", "英文版", "翻译成英文",
        "can you say that in english", "say it in english", "translate to english",
    ),
    "to_zh": (
        "中文", "说中文", "用中文", "用中文说一遍", "chinese", "in chinese", "简体", "简体中文",
        "in chinese please",
    ),
    "to_hant": ("繁体", "繁體", "繁体中文", "繁體中文", "用繁体", "用繁體", "traditional chinese"),
    "greeting": (
        "你好", "您好", "嗨", "哈喽", "哈啰", "早上好", "下午好", "晚上好", "在吗", "在不在",
        "hello", "hi", "hey", "good morning", "good afternoon", "good evening", "你好啊", "您好啊",
        "hello there", "hi there", "喂",
    ),
    "thanks": (
        "谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "非常感谢", "谢啦", "谢了", "thanks",
        "thank you", "thanks a lot", "thank you very much", "thx", "ty", "好的谢谢", "好的,谢谢",
        "ok thanks", "ok, thanks", "明白了,谢谢", "明白了谢谢", "知道了谢谢", "知道了,谢谢",
    ),
    "goodbye": ("再见", "拜拜", "bye", "goodbye", "see you", "回头见"),
    "ack": ("好的", "好", "ok", "okay", "嗯", "嗯嗯", "明白了", "知道了", "了解", "收到", "got it", "i see"),
    "yes": ("是", "是的", "好", "好的", "可以", "行", "要", "需要", "yes", "ok", "okay", "sure", "y", "嗯", "对"),
    "full_text": ("原文", "看原文", "全文", "完整条款", "full text", "show the full text"),
    "related": ("相关条款", "相关", "related", "related clauses"),
}  # fmt: skip


def words(name: str) -> frozenset[str]:
    """The control words of group ``name``, normalised (Traditional input matches too)."""
    return frozenset(normalize(w) for w in _WORDS[name])
