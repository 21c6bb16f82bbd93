"""The catalogue's sentences of the conversation: welcome and help, menus and options, the
staff desk's hand-offs as users read them, small talk, the eligibility walk-through and its
results' validity, commands and buttons, the channels' own lines (terminal, WeChat).

``bot.messages.text(key, lang, …)`` is where they are looked up; each entry is (zh-Hans, en).
"""

from __future__ import annotations

from typing import Final

ENTRIES: Final[dict[str, tuple[str, str]]] = {
    # what the assistant is, from what an office loaded: the documents' own phrase
    # ({covered}), and the eligibility check only where rules for them pass ({check})
    "welcome": (
        "您好！我是政策助手，根据已载入的政策文件回答问题，并注明出处。\n"
        "我依据的文件：{covered}。\n"
        "· 直接提问，例如某项扶持能拿多少、要满足什么条件、违反规定罚多少、找哪个部门办理。\n"
        "{check}"
        "命令：/help 帮助，{check_command}/cancel 取消，/lang 切换语言，/about 政策来源。",
        "Hello! I am a policy assistant: I answer questions from the policy documents loaded "
        "here, with the source.\n"
        "The documents I use: {covered}.\n"
        "· Ask a question, e.g. how much a programme pays, what its conditions are, what the "
        "fine for a breach is, or which office handles it.\n"
        "{check}"
        "Commands: /help, {check_command}/cancel, /lang (language), /about (sources).",
    ),
    "welcome.check": (
        "· 发送 /check 或选择“检查我能申请什么”，我会问几个问题，告诉您可能符合哪些扶持、金额多少、依据哪一条。\n",
        '· Send /check or choose "Check my eligibility": I ask a few questions '
        "and tell you what your company may qualify for, how much, and under which clause.\n",
    ),
    "welcome.check_command": ("/check 资格检查，", "/check, "),
    "help": (
        "我可以：\n1. 回答已载入的政策文件中的问题，并注明出处；\n"
        "{check}"
        "我依据的文件：{covered}。\n"
        "命令：{commands}",
        "I can:\n1. answer questions from the policy documents loaded here, with the source;\n"
        "{check}"
        "The documents I use: {covered}.\n"
        "Commands: {commands}",
    ),
    "help.check": (
        "2. 通过几个问题帮您检查可能符合的扶持（/check）。\n"
        "资格检查中可以发送“返回”修改上一个回答、“为什么”了解提问原因、“取消”结束；"
        "中途也可以直接提问，答完后会回到原来的问题。\n",
        "2. check which support your company may qualify for with a few questions (/check).\n"
        'During the check, send "back" to change your last answer, "why" to see why I ask, '
        '"cancel" to stop; you can also ask a policy question at any time and we return to '
        "the same question.\n",
    ),
    "check.no_programs": (
        "目前载入的文件中没有可以做资格检查的扶持项目。您可以直接提问，我会依据文件回答。",
        "The documents loaded here have no support programmes to check eligibility for. "
        "Ask a question and I answer from the documents.",
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
        "您好！我可以依据已载入的政策文件回答问题（金额、条件、期限、罚则、负责部门），{check}请直接提问吧。",
        "Hello! I can answer questions from the policy documents loaded here (amounts, "
        "conditions, deadlines, fines, responsible departments){check}. Just ask.",
    ),
    "greeting.check": (
        "也可以发送 /check 帮您检查能申请哪些扶持。",
        ", or check with /check what your company may apply for",
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
    "intro.ack": (
        "好的，了解。您想了解哪方面的规定？直接问我就行，例如要办什么手续、有什么要求、违反了会怎么处罚。",
        "Noted. What would you like to know? Just ask, e.g. what permit you need, what a rule "
        "requires of you, or what a fine is.",
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
    "wechat.earlier": (
        "工作人员已回复您之前的问题：",
        "Our staff replied to your earlier question:",
    ),
    "wechat.late": ("您之前的问题的回答：", "The answer to your earlier question:"),
    "wechat.menu.ask": ("政策问答", "Policy Q&A"),
    "wechat.menu.check": ("资格检查", "Eligibility"),
    "wechat.menu.person": ("人工服务", "Talk to staff"),
    # One part of a message of several questions asks about a place no document governs.
    "part.elsewhere": (
        "「{part}」：已加载的文件不涉及{place}，这一问无法回答。",
        "\u201c{part}\u201d: the loaded documents do not cover {place}, so that part cannot be answered.",
    ),
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
