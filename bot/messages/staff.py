"""The catalogue's words of the staff desk (``bot/staff/``): the ticket card and its reason
and status words, the buttons, the curated-answer review, the staff commands' replies and the
statistics report; each entry is (zh-Hans, en).

The desk works in Chinese: the card, the review and the replies are looked up in ``zh``
(their English stands ready for an English-speaking desk). A line staff may read without a
known language is said in both at once by ``both(key, …)`` ("zh / en"); a button label is
the two side by side ("认领 Claim"); the statistics report is either language.

The user-facing staff sentences (a handoff, a staff answer as the user receives it) are the
``staff.*`` entries of ``dialogue``; these are ``staff.card.*``, ``staff.button.*``,
``staff.review.*``, ``staff.desk.*`` and ``staff.stats.*``.
"""

from __future__ import annotations

from typing import Final

ENTRIES: Final[dict[str, tuple[str, str]]] = {
    # the ticket card in the staff group; ``bot.staff.cards`` parses the head's "#<id>" back
    "staff.card.head": ("🎫 工单 #{ticket} · {status}", "🎫 Ticket #{ticket} · {status}"),
    "staff.card.handler": (" · 处理人：{staff}", " · handled by {staff}"),
    "staff.card.reason": ("原因：{reason}", "Reason: {reason}"),
    "staff.card.question": ("问题：{question}", "Question: {question}"),
    "staff.card.earlier": ("最近对话：", "Recent conversation:"),
    "staff.card.turn": ("· 问：{q}\n  答：{a}", "· Q: {q}\n  A: {a}"),
    "staff.card.facts": ("资格检查信息：{facts}", "Eligibility check: {facts}"),
    "staff.card.clauses": ("相关条款：", "Related clauses:"),
    "staff.card.clause": ("· 《{title}》{clause}（{ref}）", "· {title} {clause} ({ref})"),
    "staff.card.units": ("责任单位：{units}", "Responsible units: {units}"),
    "staff.card.answer": ("答复：{answer}", "Answer: {answer}"),
    "staff.card.reply_hint": (
        "↩️ 直接回复本消息即可答复用户。",
        "↩️ Reply to this message to answer the user.",
    ),
    "staff.card.sep": ("；", "; "),
    "staff.card.list": ("、", ", "),
    # why a ticket was opened, and where it stands
    "staff.reason.asked": ("用户要求转人工", "the user asked for a person"),
    "staff.reason.thumbs_down": ("用户对回答点了👎", "the user gave the answer 👎"),
    "staff.reason.not_found": ("政策文件中没有找到答案", "no answer in the policy documents"),
    "staff.reason.out_of_scope": (
        "超出助手范围，用户要求转人工",
        "beyond the assistant's scope; the user asked for a person",
    ),
    "staff.status.waiting": ("等待回复", "waiting for a reply"),
    "staff.status.answered": ("已回复", "answered"),
    "staff.status.resolved": ("已结束", "closed"),
    # buttons (the label shows both: "认领 Claim")
    "staff.button.claim": ("认领", "Claim"),
    "staff.button.close": ("关闭", "Close"),
    "staff.button.save_faq": ("保存为常见问答", "Save as FAQ"),
    "staff.button.confirm_approve": ("确认金额并批准", "Confirm amounts & approve"),
    "staff.button.approve": ("批准", "Approve"),
    "staff.button.discard": ("不采用", "Discard"),
    # a suggested curated answer under review
    "staff.review.head": ("📝 常见问答 #{faq}（待批准）", "📝 Curated answer #{faq} (to approve)"),
    "staff.review.variants": (" / ", " / "),
    "staff.review.linked": ("关联条款：{linked}", "Linked clauses: {linked}"),
    "staff.review.clause": ("《{title}》{clause}", "{title} {clause}"),
    "staff.review.no_clause": ("无", "none"),
    "staff.review.unverified": (
        "⚠️ 以下金额在关联条款和已批准的答复中都没有找到，请核对后再批准：{amounts}",
        "⚠️ These amounts are in neither the linked clauses nor an approved answer; "
        "check them before approving: {amounts}",
    ),
    # the staff commands' and buttons' replies
    "staff.desk.answer_empty": ("答复不能为空。", "The answer is empty."),
    "staff.desk.no_ticket": ("没有工单 #{ticket}。", "There is no ticket #{ticket}."),
    "staff.desk.cannot_answer": (
        "工单 #{ticket} 已经结束，无法再答复。",
        "Ticket #{ticket} is closed.",
    ),
    "staff.desk.not_answered": (
        "工单 #{ticket} 还没有答复，无法保存为常见问答。",
        "Ticket #{ticket} has no answer yet to save as a curated answer.",
    ),
    "staff.desk.already_saved": (
        "工单 #{ticket} 已保存为常见问答 #{faq}。",
        "Ticket #{ticket} is already saved as curated answer #{faq}.",
    ),
    "staff.desk.staff_only": ("只有工作人员可以操作工单。", "Only staff can do this."),
    "staff.desk.claimed": ("已认领工单 #{ticket}。", "Ticket #{ticket} claimed."),
    "staff.desk.approved": (
        "✅ 常见问答 #{faq} 已批准：之后相似的问题会直接得到这条答复，并注明日期和依据条款。",
        "✅ Curated answer #{faq} approved: similar questions now get this answer, "
        "with its date and the clauses it rests on.",
    ),
    "staff.desk.retired": ("常见问答 #{faq} 已停用。", "Curated answer #{faq} retired."),
    "staff.desk.not_found": ("找不到：{what}", "Not found: {what}"),
    "staff.desk.closed": ("工单 #{ticket} 已经结束。", "Ticket #{ticket} is already closed."),
    "staff.desk.queue_empty": ("目前没有待处理的工单。", "The queue is empty."),
    "staff.desk.queue_head": (
        "待回复 {waiting} 个，已回复待结束 {answered} 个：",
        "{waiting} waiting for a reply, {answered} answered and not yet closed:",
    ),
    "staff.desk.queue_line": (
        "#{ticket} [{status}] {opened}Z {reason}：{question}",
        "#{ticket} [{status}] {opened}Z {reason}: {question}",
    ),
    "staff.desk.queue_handler": ("（{staff}）", " ({staff})"),
    "staff.desk.ticket_usage": (
        "用法：/ticket 工单号，例如 /ticket 12",
        "Usage: /ticket <number>, e.g. /ticket 12",
    ),
    "staff.desk.no_faq": ("没有常见问答 #{faq}。", "There is no curated answer #{faq}."),
    "staff.desk.faq_head": (
        "常见问答：已批准 {approved} 条，待批准 {suggested} 条。",
        "Curated answers: {approved} approved, {suggested} to approve.",
    ),
    "staff.desk.faq_suggested": (
        "#{faq} 待批准：{question}（/faq {faq}）",
        "#{faq} to approve: {question} (/faq {faq})",
    ),
    "staff.desk.faq_approved": (
        "#{faq} 命中 {hits} 次：{question}",
        "#{faq} used {hits} times: {question}",
    ),
    # the statistics report (/stats, ``policybot stats``)
    "staff.stats.head_since": ("统计（自 {since} 起）", "Statistics since {since}"),
    "staff.stats.head_all": ("统计（全部）", "Statistics (all time)"),
    "staff.stats.questions": (
        "问题 {questions} 个；助手回答 {assistant}，常见问答 {faq}，工作人员 {staff}，"
        "未答 {none}；属于政策范围 {share}",
        "{questions} questions; answered by the assistant {assistant}, curated answers {faq}, "
        "staff {staff}, unanswered {none}; in scope {share}",
    ),
    "staff.stats.handoffs": (
        "转人工 {handoffs} 次（{reasons}）；待处理 {waiting}；首次回复中位数 {reply} 分钟",
        "handoffs {handoffs} ({reasons}); waiting {waiting}; median first staff reply {reply} min",
    ),
    "staff.stats.reason_sep": ("，", ", "),
    "staff.stats.feedback": (
        "常见问答命中 {hits} 次；👍 {up} 👎 {down}",
        "curated answer hits {hits}; 👍 {up} 👎 {down}",
    ),
    "staff.stats.worded": (
        "语言模型组织文字 {model} 次；改用原文作答 {fallbacks}",
        "worded by the language model {model}; fell back {fallbacks}",
    ),
    "staff.stats.top_clauses": ("最常问的条款：{clauses}", "Most asked clauses: {clauses}"),
    "staff.stats.clause_sep": ("；", "; "),
    "staff.stats.per_day": ("每日问题：{days}", "Questions per day: {days}"),
    "staff.stats.reason.asked": ("要求转人工", "asked for a person"),
    "staff.stats.reason.thumbs_down": ("点了👎", "thumbs down"),
    "staff.stats.reason.not_found": ("文件没有答案", "not in the documents"),
    "staff.stats.reason.out_of_scope": ("超出范围", "out of scope"),
}
