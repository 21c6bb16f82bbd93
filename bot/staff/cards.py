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
from bot.text import in_book

# The ticket reasons and statuses the catalogue names (``staff.reason.*``, ``staff.status.*``);
# any other is shown as it is stored.
REASON_ZH = {
    r: text(f"staff.reason.{r}") for r in ("asked", "thumbs_down", "not_found", "out_of_scope")
}
STATUS_ZH = {s: text(f"staff.status.{s}") for s in ("waiting", "answered", "resolved")}


def _reason(reason: str) -> str:
    """Why a ticket was opened, in the desk's words (an unknown reason as it is stored)."""
    return REASON_ZH.get(reason, reason)


def _status(status: str) -> str:
    return STATUS_ZH.get(status, status)


def _label(key: str) -> str:
    """A button's label: the Chinese and the English side by side ("认领 Claim")."""
    return f"{text(key, 'zh')} {text(key, 'en')}"


# ------------------------------------------------------------------------- the ticket card


def ticket_card(ticket: Ticket) -> str:
    """The ticket as staff see it in the group (Chinese: the office works in Chinese)."""
    lines = [
        text("staff.card.head", ticket=ticket.id, status=_status(ticket.status))
        + (text("staff.card.handler", staff=ticket.staff) if ticket.staff else ""),
        text("staff.card.reason", reason=_reason(ticket.reason)),
        text("staff.card.question", question=ticket.question),
    ]
    earlier = [t for t in ticket.transcript if t.get("q") != ticket.question][-3:]
    if earlier:
        lines.append(text("staff.card.earlier"))
        lines.extend(
            text("staff.card.turn", q=t.get("q", "")[:80], a=t.get("a", "")[:80]) for t in earlier
        )
    if ticket.facts:
        facts = text("staff.card.sep").join(f"{k}={v}" for k, v in ticket.facts.items())
        lines.append(text("staff.card.facts", facts=facts))
    if ticket.clauses:
        lines.append(text("staff.card.clauses"))
        lines.extend(
            text(
                "staff.card.clause",
                title=in_book(c.get("title", c.get("doc", ""))),
                clause=c.get("clause", ""),
                ref=c.get("key", ""),
            )
            for c in ticket.clauses
        )
    if ticket.units:
        lines.append(text("staff.card.units", units=text("staff.card.list").join(ticket.units)))
    if ticket.answer:
        lines.append(text("staff.card.answer", answer=ticket.answer))
    if ticket.status == "waiting":
        lines.append(text("staff.card.reply_hint"))
    return "\n".join(lines)


# The card's head up to its number ("🎫 工单 #"), taken from the catalogue's entry so the two
# cannot drift apart.
_CARD_HEAD = re.compile(
    "^" + re.escape(text("staff.card.head", ticket="\0", status="").split("\0")[0]) + r"(\d+)"
)


def slot_of_card(card: str | None) -> str | None:
    """ "ticket:<id>" for the text of a ticket card (as Telegram returns it in a reply's
    ``reply_to_message``): a channel without a slot -> message map, or one restarted
    without it, can still tell which ticket a staff reply answers."""
    match = _CARD_HEAD.match(card or "")
    return f"ticket:{match.group(1)}" if match else None


def card_of(desk: StaffDesk, ticket: Ticket) -> Reply | None:
    """The ticket's message in the staff group (edited in place through its slot)."""
    if desk.staff_chat_id is None:
        return None
    options: tuple[Option, ...] = ()
    if ticket.status == "waiting":
        options = (
            Option(f"t:claim:{ticket.id}", _label("staff.button.claim")),
            Option(f"t:close:{ticket.id}", _label("staff.button.close")),
        )
    elif ticket.status == "answered":
        options = (Option(f"t:close:{ticket.id}", _label("staff.button.close")),)
        if ticket.faq_id is None:
            options = (Option(f"faq:save:{ticket.id}", _label("staff.button.save_faq")), *options)
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
    linked = text("staff.card.sep").join(
        text("staff.review.clause", title=in_book(clauses[k].doc_title), clause=clauses[k].clause)
        if k in clauses
        else k
        for k in entry.clause_keys
    )
    lines = [
        text("staff.review.head", faq=entry.id),
        text("staff.card.question", question=text("staff.review.variants").join(entry.variants)),
        text("staff.card.answer", answer=entry.answer),
        text("staff.review.linked", linked=linked or text("staff.review.no_clause")),
    ]
    if entry.unverified_amounts and not entry.amounts_confirmed:
        lines.append(
            text(
                "staff.review.unverified",
                amounts=text("staff.card.list").join(entry.unverified_amounts),
            )
        )
        label = _label("staff.button.confirm_approve")
    else:
        label = _label("staff.button.approve")
    return Reply(
        "\n".join(lines),
        options=(
            Option(f"faq:approve:{entry.id}", label),
            Option(f"faq:retire:{entry.id}", _label("staff.button.discard")),
        ),
        data={"faq": entry.to_json()},
    )
