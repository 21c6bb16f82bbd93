"""What staff and users see of a ticket: the card in the staff group (edited in place
through its slot ``ticket:<id>``), a staff answer as the user receives it, a curated answer
under review. Pure functions of the records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain import Clause, Option, Reply
from bot.messages import text
from bot.staff.desk import StaffDesk
from bot.staff.store import FaqEntry, Ticket

REASON_ZH = {
    "asked": "用户要求转人工",
    "thumbs_down": "用户对回答点了👎",
    "not_found": "政策文件中没有找到答案",
    "out_of_scope": "超出助手范围，用户要求转人工",
}
STATUS_ZH = {"waiting": "等待回复", "answered": "已回复", "resolved": "已结束"}


# ------------------------------------------------------------------------- the ticket card


def ticket_card(ticket: Ticket) -> str:
    """The ticket as staff see it in the group (Chinese: the office works in Chinese)."""
    lines = [
        f"🎫 工单 #{ticket.id} · {STATUS_ZH.get(ticket.status, ticket.status)}"
        + (f" · 处理人：{ticket.staff}" if ticket.staff else ""),
        f"原因：{REASON_ZH.get(ticket.reason, ticket.reason)}",
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


def card_of(desk: StaffDesk, ticket: Ticket) -> Reply | None:
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


def staff_answer(ticket: Ticket) -> Reply:
    return Reply(
        text("staff.reply", ticket.lang, answer=ticket.answer or "", ticket=ticket.id),
        to=ticket.chat_id,
        data={"from_staff": True, "ticket": ticket.id},
    )


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
