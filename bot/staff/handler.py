"""Channel-independent staff handlers: an ``Incoming`` in, ``Reply`` objects out.

A reply whose ``to`` is set goes to another chat than the one the event came from: the staff
group (``to=staff chat id``) or the user a member of staff answers (``to=user's chat id``).
The ticket's message in the staff group has ``slot="ticket:<id>"``: later replies with that
slot edit it in place, and a staff message that replies to it arrives with
``incoming.meta["reply_to_slot"] == "ticket:<id>"``.

Every handler returns None when the event is not for it (a non-staff user sending /queue gets
the normal assistant), and a list (possibly empty) when it handled the event. State lives in
the ``StaffStore`` passed in with the desk; nothing here touches a channel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain import Clause, Incoming, Lang, Option, Reply, Session
from bot.staff.desk import StaffDesk
from bot.staff.faq import amount_sources, unverified_amounts
from bot.staff.handoff import InvalidTransition
from bot.staff.stats import compute
from bot.staff.store import FaqEntry, NotFound, Ticket
from bot.staff.triggers import FEEDBACK_DOWN, HANDOFF_CHOICE, REASONS, Reason, feedback

STAFF_COMMANDS = ("queue", "ticket", "stats", "faq")
TRANSCRIPT_TURNS = 6

_REASON_ZH = {
    "asked": "用户要求转人工",
    "thumbs_down": "用户对回答点了👎",
    "not_found": "政策文件中没有找到答案",
    "out_of_scope": "超出助手范围，用户要求转人工",
}
_STATUS_ZH = {"waiting": "等待回复", "answered": "已回复", "resolved": "已结束"}


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def parse_command(text: str | None) -> tuple[str, str] | None:
    match = re.match(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", (text or "").strip(), re.DOTALL)
    return (match.group(1).lower(), (match.group(2) or "").strip()) if match else None


def _who(incoming: Incoming) -> str:
    name = incoming.meta.get("user_name") or incoming.meta.get("username")
    uid = incoming.user_id or incoming.chat_id
    return f"{name} ({uid})" if name else str(uid)


# ------------------------------------------------------------------------- the ticket card


def ticket_card(ticket: Ticket) -> str:
    """The ticket as staff see it in the group (Chinese: the office works in Chinese)."""
    lines = [
        f"🎫 工单 #{ticket.id} · {_STATUS_ZH.get(ticket.status, ticket.status)}"
        + (f" · 处理人：{ticket.staff}" if ticket.staff else ""),
        f"原因：{_REASON_ZH.get(ticket.reason, ticket.reason)}",
        f"问题：{ticket.question}",
    ]
    earlier = [t for t in ticket.transcript if t.get("q") != ticket.question][-3:]
    if earlier:
        lines.append("最近对话：")
        lines.extend(f"· 问：{t.get('q', '')[:80]}\n  答：{t.get('a', '')[:80]}" for t in earlier)
    if ticket.facts:
        facts = "；".join(f"{k}={v}" for k, v in ticket.facts.items())
        lines.append(f"资格检查信息：{facts}")
    if ticket.clauses:
        lines.append("相关条款：")
        lines.extend(
            f"· 《{c.get('title', c.get('doc', ''))}》{c.get('clause', '')}（{c.get('key', '')}）"
            for c in ticket.clauses
        )
    if ticket.units:
        lines.append(f"责任单位：{'、'.join(ticket.units)}")
    if ticket.answer:
        lines.append(f"答复：{ticket.answer}")
    if ticket.status == "waiting":
        lines.append("↩️ 直接回复本消息即可答复用户。")
    return "\n".join(lines)


_CARD_HEAD = re.compile(r"^🎫 工单 #(\d+)")


def slot_of_card(text: str | None) -> str | None:
    """ "ticket:<id>" for the text of a ticket card (as Telegram returns it in a reply's
    ``reply_to_message``): a channel without a slot -> message map, or one restarted
    without it, can still tell which ticket a staff reply answers."""
    match = _CARD_HEAD.match(text or "")
    return f"ticket:{match.group(1)}" if match else None


def _card(desk: StaffDesk, ticket: Ticket) -> Reply | None:
    """The ticket's message in the staff group (edited in place through its slot)."""
    if desk.staff_chat_id is None:
        return None
    options: tuple[Option, ...] = ()
    if ticket.status == "waiting":
        options = (
            Option(f"t:claim:{ticket.id}", "认领 Claim"),
            Option(f"t:close:{ticket.id}", "关闭 Close"),
        )
    elif ticket.status == "answered":
        options = (Option(f"t:close:{ticket.id}", "关闭 Close"),)
        if ticket.faq_id is None:
            options = (Option(f"faq:save:{ticket.id}", "保存为常见问答 Save as FAQ"), *options)
    return Reply(
        ticket_card(ticket),
        options=options,
        to=desk.staff_chat_id,
        slot=f"ticket:{ticket.id}",
        data={"ticket": {"id": ticket.id, "status": ticket.status}},
    )


def _clause_record(clause: Clause) -> dict[str, Any]:
    return {
        "key": clause.key,
        "doc": clause.doc_id,
        "title": clause.doc_title,
        "clause": clause.clause,
        "responsible": list(clause.responsible),
    }


# ------------------------------------------------------------------------ the user's side


def open_ticket(
    desk: StaffDesk,
    incoming: Incoming,
    session: Session,
    reason: Reason,
    now: datetime,
    question: str | None = None,
) -> tuple[Ticket, list[Reply]]:
    """Hand the conversation to staff: a ticket with its context, the user told when staff
    will reply, the ticket posted to the staff group. A session that already has a ticket
    waiting is told so instead of getting a second one."""
    key = incoming.session_key
    lang: Lang = session.lang
    existing = desk.store.open_ticket_for(key)
    if existing is not None and existing.status == "waiting":
        return existing, [
            Reply(
                _t(
                    lang,
                    f"您的问题已经转给工作人员（工单 #{existing.id}），请耐心等待。"
                    + desk.hours.promise(now, lang)
                    + "\n等待期间也可以继续向我提问。",
                    f"Your question is already with our staff (ticket #{existing.id}). "
                    + desk.hours.promise(now, lang)
                    + "\nMeanwhile you can keep asking me.",
                ),
                data={"handoff": {"ticket": existing.id, "status": existing.status}},
            )
        ]
    recent = desk.store.recent(key, TRANSCRIPT_TURNS)
    asked = question or (recent[-1].question if recent else (incoming.text or ""))
    found = list(desk.retrieve(asked)) if asked.strip() else []
    if recent and recent[-1].top_clause and recent[-1].top_clause in desk.clauses:
        found.insert(0, desk.clauses[recent[-1].top_clause])
    # one entry per clause: the sentence groups of a long clause share its number
    clauses: list[Clause] = []
    for clause in found:
        if all((c.doc_id, c.clause) != (clause.doc_id, clause.clause) for c in clauses):
            clauses.append(clause)
    clauses = clauses[:3]
    ticket = desk.store.open_ticket(
        session_key=key,
        chat_id=incoming.chat_id,
        user_id=incoming.user_id,
        lang=lang,
        question=asked,
        transcript=[{"q": r.question, "a": r.answer} for r in recent],
        facts=dict(session.facts),
        clauses=[_clause_record(c) for c in clauses],
        reason=reason,
        now=now,
    )
    desk.store.attach_ticket(key, ticket.id, asked, lang, now)
    told = Reply(
        _t(
            lang,
            f"好的，已为您转接工作人员（工单 #{ticket.id}）。"
            + desk.hours.promise(now, lang)
            + "\n工作人员的答复会发到这里。等待期间也可以继续向我提问。",
            f"OK, I have passed this to our staff (ticket #{ticket.id}). "
            + desk.hours.promise(now, lang)
            + "\nTheir answer will arrive here. Meanwhile you can keep asking me.",
        ),
        data={"handoff": {"ticket": ticket.id, "status": ticket.status, "reason": reason}},
    )
    card = _card(desk, ticket)
    return ticket, [told, *([card] if card else [])]


def user_choice(
    desk: StaffDesk, incoming: Incoming, session: Session, now: datetime
) -> list[Reply] | None:
    """👍/👎 under an answer, and the 转人工 / 问工作人员 buttons; None for other buttons."""
    choice = incoming.choice or ""
    lang = session.lang
    if choice.startswith(HANDOFF_CHOICE):
        wanted = choice[len(HANDOFF_CHOICE) :].lstrip(":")
        reason: Reason = "asked"
        for known in REASONS:
            if wanted == known:
                reason = known
        return open_ticket(desk, incoming, session, reason, now)[1]
    vote = feedback(choice)
    if vote is None:
        return None
    value, token = vote
    row = desk.store.set_feedback(token, value, incoming.session_key)
    if row is None:
        return [Reply(_t(lang, "这个按钮已经过期了。", "That button is no longer active."))]
    if choice.startswith(FEEDBACK_DOWN):
        thanks = _t(
            lang, "谢谢反馈，我会请工作人员看一下。", "Thanks; I will ask our staff to look at it."
        )
        _, replies = open_ticket(desk, incoming, session, "thumbs_down", now, row.question)
        return [Reply(thanks), *replies]
    return [Reply(_t(lang, "谢谢您的反馈！", "Thanks for your feedback!"))]


def user_followed_up(desk: StaffDesk, session_key: str, now: datetime) -> Ticket | None:
    """The user's next message after a staff answer: the handoff is resolved, the assistant
    answers again. The resolved ticket, or None when there was none to resolve."""
    ticket = desk.store.open_ticket_for(session_key)
    if ticket is None or ticket.status != "answered":
        return None
    return desk.store.advance_ticket(ticket.id, "user_next", now=now)


def forget(desk: StaffDesk, incoming: Incoming, lang: Lang) -> list[Reply]:
    """/forget: every log entry and ticket of this conversation is deleted."""
    count = desk.store.forget(incoming.session_key)
    return [
        Reply(
            _t(
                lang,
                f"已删除您的对话记录、提问记录和转人工工单（{count} 条），对话从头开始。",
                f"Your conversation, question log and staff tickets are deleted ({count} entries); "
                "we start afresh.",
            )
        )
    ]


# ---------------------------------------------------------------------- the staff's side


def _authorised(desk: StaffDesk, incoming: Incoming) -> bool:
    """Staff ids always; anyone in the staff group while no ids are configured."""
    if desk.is_staff(incoming.user_id):
        return True
    return not desk.staff_user_ids and desk.in_staff_chat(incoming.chat_id)


def answer_ticket(
    desk: StaffDesk,
    ticket_id: int,
    text: str,
    staff: str,
    now: datetime,
    delivered: bool = True,
) -> list[Reply]:
    """A member of staff answers a ticket: the answer goes to the user marked as from staff,
    the card is updated with a "save as FAQ" button. ``delivered=False`` (the CLI, which
    sends nothing itself) leaves the answer for ``pending_deliveries``."""
    text = text.strip()
    if not text:
        return [Reply("答复不能为空。 / The answer is empty.")]
    try:
        ticket = desk.store.advance_ticket(
            ticket_id, "staff_reply", staff=staff, answer=text, now=now
        )
    except NotFound:
        return [Reply(f"没有工单 #{ticket_id}。 / There is no ticket #{ticket_id}.")]
    except InvalidTransition:
        return [Reply(f"工单 #{ticket_id} 已经结束，无法再答复。 / Ticket #{ticket_id} is closed.")]
    desk.store.mark_staff_answered(ticket.id, text)
    desk.store.set_delivered(ticket.id, delivered)
    replies = [staff_answer(ticket)]
    card = _card(desk, ticket)
    if card is not None:
        replies.append(card)
    return replies


def pending_deliveries(desk: StaffDesk, session_key: str | None = None) -> list[Reply]:
    """Staff answers written where no chat was at hand (the CLI), as replies to their users,
    each marked delivered: a channel sends them (through its outbox) and the user's next turn
    picks up any of their own that are still waiting."""
    replies = []
    for ticket in desk.store.undelivered(session_key):
        replies.append(staff_answer(ticket))
        desk.store.set_delivered(ticket.id, True)
    return replies


def staff_answer(ticket: Ticket) -> Reply:
    lang = ticket.lang
    text = ticket.answer or ""
    return Reply(
        _t(lang, "【工作人员回复】\n", "[Reply from staff]\n")
        + text
        + _t(
            lang,
            f"\n（工单 #{ticket.id}。还有问题可以继续问我，或再次发送“转人工”。）",
            f'\n(ticket #{ticket.id}. Ask me anything else, or send "talk to a person" again.)',
        ),
        to=ticket.chat_id,
        data={"from_staff": True, "ticket": ticket.id},
    )


def staff_message(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply] | None:
    """A staff command, or a reply to a ticket card in the staff group (which answers the
    ticket; from anyone else it is ignored). None for everything else: a policy question put
    to the bot in the staff group is answered by the assistant like anywhere else."""
    command = staff_command(desk, incoming, now)
    if command is not None:
        return command
    match = re.fullmatch(r"ticket:(\d+)", incoming.meta.get("reply_to_slot", ""))
    if match is None or not desk.in_staff_chat(incoming.chat_id):
        return None
    if not _authorised(desk, incoming) or not (incoming.text or "").strip():
        return []
    return answer_ticket(desk, int(match.group(1)), incoming.text or "", _who(incoming), now)


def save_faq(desk: StaffDesk, ticket_id: int, author: str, now: datetime) -> list[Reply]:
    """Turn an answered ticket into a suggested curated answer, amounts checked."""
    try:
        ticket = desk.store.ticket(ticket_id)
    except NotFound:
        return [Reply(f"没有工单 #{ticket_id}。")]
    if ticket.answer is None:
        return [Reply(f"工单 #{ticket_id} 还没有答复，无法保存为常见问答。")]
    if ticket.faq_id is not None:
        return [Reply(f"工单 #{ticket_id} 已保存为常见问答 #{ticket.faq_id}。")]
    keys = [str(c["key"]) for c in ticket.clauses if c.get("key")]
    flagged = unverified_amounts(ticket.answer, amount_sources(keys, desk.clauses, desk.store))
    entry = desk.store.add_faq(
        [ticket.question],
        ticket.answer,
        keys,
        author,
        unverified_amounts=flagged,
        ticket_id=ticket.id,
        now=now,
    )
    desk.store.link_faq(ticket.id, entry.id)
    replies = [faq_review(entry, desk.clauses)]
    card = _card(desk, desk.store.ticket(ticket.id))
    if card is not None:
        replies.append(card)
    return replies


def faq_review(entry: FaqEntry, clauses: Mapping[str, Clause]) -> Reply:
    """A suggested entry shown to the approver, with the amounts no linked clause states."""
    linked = "；".join(
        f"《{clauses[k].doc_title}》{clauses[k].clause}" if k in clauses else k
        for k in entry.clause_keys
    )
    lines = [
        f"📝 常见问答 #{entry.id}（待批准）",
        f"问题：{' / '.join(entry.variants)}",
        f"答复：{entry.answer}",
        f"关联条款：{linked or '无'}",
    ]
    if entry.unverified_amounts and not entry.amounts_confirmed:
        lines.append(
            "⚠️ 以下金额在关联条款和已批准的答复中都没有找到，请核对后再批准："
            + "、".join(entry.unverified_amounts)
        )
        label = "确认金额并批准 Confirm amounts & approve"
    else:
        label = "批准 Approve"
    return Reply(
        "\n".join(lines),
        options=(
            Option(f"faq:approve:{entry.id}", label),
            Option(f"faq:retire:{entry.id}", "不采用 Discard"),
        ),
        data={"faq": entry.to_json()},
    )


def staff_choice(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply] | None:
    """Buttons on ticket cards and curated-answer reviews; None for any other button."""
    match = re.fullmatch(
        r"(t:claim|t:close|faq:save|faq:approve|faq:retire):(\d+)", incoming.choice or ""
    )
    if match is None:
        return None
    if not _authorised(desk, incoming):
        return [Reply("只有工作人员可以操作工单。 / Only staff can do this.")]
    action, number = match.group(1), int(match.group(2))
    who = _who(incoming)
    try:
        if action == "t:claim":
            ticket = desk.store.claim(number, who, now)
            card = _card(desk, ticket)
            return [card] if card else [Reply(f"已认领工单 #{number}。")]
        if action == "t:close":
            ticket = desk.store.advance_ticket(number, "close", staff=who, now=now)
            notice = Reply(
                _t(
                    ticket.lang,
                    f"工作人员已处理完您的咨询（工单 #{ticket.id}）。如需继续咨询，可以直接提问或再次发送“转人工”。",
                    f"Our staff have closed your request (ticket #{ticket.id}). Ask me anything, "
                    'or send "talk to a person" again.',
                ),
                to=ticket.chat_id,
                data={"from_staff": True, "ticket": ticket.id},
            )
            card = _card(desk, ticket)
            return [notice, *([card] if card else [])]
        if action == "faq:save":
            return save_faq(desk, number, who, now)
        if action == "faq:approve":
            entry = desk.store.set_faq_status(
                number, "approved", who, confirm_amounts=True, now=now
            )
            return [
                Reply(
                    f"✅ 常见问答 #{entry.id} 已批准：之后相似的问题会直接得到这条答复，并注明日期和依据条款。",
                    data={"faq": entry.to_json()},
                )
            ]
        entry = desk.store.set_faq_status(number, "retired", who, now=now)
        return [Reply(f"常见问答 #{entry.id} 已停用。", data={"faq": entry.to_json()})]
    except NotFound as exc:
        return [Reply(f"找不到：{exc}")]
    except InvalidTransition:
        return [Reply(f"工单 #{number} 已经结束。 / Ticket #{number} is already closed.")]


def _queue_text(desk: StaffDesk) -> str:
    waiting = desk.store.tickets("waiting")
    answered = desk.store.tickets("answered")
    if not waiting and not answered:
        return "目前没有待处理的工单。 / The queue is empty."
    lines = [f"待回复 {len(waiting)} 个，已回复待结束 {len(answered)} 个："]
    for t in [*waiting, *answered][:20]:
        lines.append(
            f"#{t.id} [{_STATUS_ZH[t.status]}] {t.created_at[:16].replace('T', ' ')}Z "
            f"{_REASON_ZH.get(t.reason, t.reason)}：{t.question[:60]}"
            + (f"（{t.staff}）" if t.staff else "")
        )
    return "\n".join(lines)


def staff_command(desk: StaffDesk, incoming: Incoming, now: datetime) -> list[Reply] | None:
    """/queue, /ticket N, /stats, /faq [N] for the ids in POLICYBOT_STAFF_USER_IDS only;
    None for anyone else (the normal assistant answers them, never with staff data)."""
    command = parse_command(incoming.text)
    if command is None or command[0] not in STAFF_COMMANDS or not desk.is_staff(incoming.user_id):
        return None
    name, arg = command
    if name == "queue":
        return [Reply(_queue_text(desk))]
    if name == "stats":
        return [Reply(compute(desk.store).render("zh"))]
    if name == "ticket":
        if not arg.lstrip("#").isdigit():
            return [Reply("用法：/ticket 工单号，例如 /ticket 12")]
        try:
            ticket = desk.store.ticket(int(arg.lstrip("#")))
        except NotFound:
            return [Reply(f"没有工单 #{arg}。")]
        card = _card(desk, ticket)
        # Shown here as a fresh message (no slot): the group's card stays where it is.
        return [Reply(ticket_card(ticket), options=card.options if card else ())]
    # /faq: the suggested entries to review, or one entry by number
    if arg.isdigit():
        try:
            return [faq_review(desk.store.faq(int(arg)), desk.clauses)]
        except NotFound:
            return [Reply(f"没有常见问答 #{arg}。")]
    suggested = desk.store.faqs("suggested")
    approved = desk.store.faqs("approved")
    lines = [f"常见问答：已批准 {len(approved)} 条，待批准 {len(suggested)} 条。"]
    lines.extend(f"#{e.id} 待批准：{e.variants[0][:60]}（/faq {e.id}）" for e in suggested[:20])
    lines.extend(f"#{e.id} 命中 {e.hits} 次：{e.variants[0][:60]}" for e in approved[:20])
    return [Reply("\n".join(lines))]
