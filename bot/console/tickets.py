"""Queue and tickets: filter and sort the hand-offs, show one with its context, claim it,
reply (once), add an internal note, close it, save it as a curated answer."""

from __future__ import annotations

import secrets

from starlette.responses import Response

from bot.console.delivery import channel_of, jsonl_chats, send_staff_reply
from bot.console.web import Page
from bot.staff.faq import amount_sources, unverified_amounts
from bot.staff.handoff import STATUSES, InvalidTransition
from bot.staff.store import Ticket

CHANNELS = ("telegram", "wechat", "jsonl")
ORDERS = ("newest", "oldest")


def _docs(ticket: Ticket) -> set[str]:
    return {str(c.get("doc", "")) for c in ticket.clauses}


def queue(page: Page) -> Response:
    """The tickets, filtered by state, channel and document, newest or oldest first."""
    query = page.request.query_params
    status = query.get("status", "open")
    channel = query.get("channel", "")
    doc = query.get("doc", "")
    order = query.get("order", "oldest")
    if status not in (*STATUSES, "open", "all") or channel not in ("", *CHANNELS):
        return page.error(page.t("error.not_found", what=status or channel))
    desk = page.console.desk
    tickets = desk.store.tickets(None, limit=1000)
    page.console.accounts.forget_tickets({t.id for t in tickets})
    chats = jsonl_chats(page.console.services)
    rows = [
        t
        for t in tickets
        if (status == "all" or t.status == status or (status == "open" and t.status != "resolved"))
        and (not channel or channel_of(t, chats) == channel)
        and (not doc or doc in _docs(t))
    ]
    rows.sort(key=lambda t: t.id, reverse=order != "oldest")
    documents = sorted({d for t in tickets for d in _docs(t) if d})
    return page.render(
        "queue.html",
        tickets=rows,
        channels={t.id: channel_of(t, chats) for t in rows},
        status=status,
        channel=channel,
        doc=doc,
        order=order,
        statuses=(*STATUSES, "open", "all"),
        all_channels=CHANNELS,
        orders=ORDERS,
        documents=documents,
    )


def _ticket_or_error(page: Page) -> Ticket | Response:
    return page.by_id(page.console.desk.store.ticket)


def show(page: Page) -> Response:
    found = _ticket_or_error(page)
    if isinstance(found, Response):
        return found
    chats = jsonl_chats(page.console.services)
    clauses = page.console.desk.clauses
    earlier = [t for t in found.transcript if t.get("q") != found.question]
    return page.render(
        "ticket.html",
        ticket=found,
        earlier=earlier,
        channel=channel_of(found, chats),
        notes=page.console.accounts.notes(found.id),
        clause_text=lambda key: clauses[key].text if key in clauses else "",
        nonce=secrets.token_urlsafe(16),
        seen=found.first_reply_at or "",
    )


def claim(page: Page) -> Response:
    found = _ticket_or_error(page)
    if isinstance(found, Response):
        return found
    url = f"/tickets/{found.id}"
    if found.staff and found.staff != page.who:
        return page.redirect(url, "ticket.claimed_other", "warn", who=found.staff)
    page.console.desk.store.claim(found.id, page.who, page.console.now())
    page.audit("ticket.claim", f"#{found.id}")
    return page.redirect(url, "ticket.claimed", id=found.id)


def reply(page: Page) -> Response:
    """Send the reply once: a resubmitted form (same nonce) or a reply someone else sent
    after this page was loaded is refused."""
    found = _ticket_or_error(page)
    if isinstance(found, Response):
        return found
    body = page.text_field()
    if isinstance(body, Response):
        return body
    console = page.console
    url = f"/tickets/{found.id}"
    with console.reply_lock:
        current = console.desk.store.ticket(found.id)
        if current.status == "resolved":
            return page.redirect(url, "ticket.is_closed", "warn")
        if (current.first_reply_at or "") != page.field("seen"):
            return page.redirect(url, "ticket.changed", "warn", who=current.staff or "?")
        if not console.accounts.first_send(page.field("nonce"), found.id, console.now()):
            return page.redirect(url, "ticket.sent_twice", "warn")
        channel = channel_of(found, jsonl_chats(console.services))
        outbox = console.services.store if channel in ("telegram", "wechat") else None
        send_staff_reply(console.desk, found.id, body, page.who, console.now(), outbox)
    page.audit("ticket.reply", f"#{found.id}")
    return page.redirect(url, "ticket.sent", channel=page.t(f"channel.{channel}"))


def note(page: Page) -> Response:
    found = _ticket_or_error(page)
    if isinstance(found, Response):
        return found
    body = page.text_field()
    if isinstance(body, Response):
        return body
    page.console.accounts.add_note(found.id, page.who, body, page.console.now())
    page.audit("ticket.note", f"#{found.id}")
    return page.redirect(f"/tickets/{found.id}", "ticket.noted")


def close(page: Page) -> Response:
    found = _ticket_or_error(page)
    if isinstance(found, Response):
        return found
    try:
        page.console.desk.store.advance_ticket(
            found.id, "close", staff=page.who, now=page.console.now()
        )
    except InvalidTransition:
        return page.redirect(f"/tickets/{found.id}", "ticket.is_closed", "warn")
    page.audit("ticket.close", f"#{found.id}")
    return page.redirect(f"/tickets/{found.id}", "ticket.closed")


def save_faq(page: Page) -> Response:
    """The ticket's question (and the variants staff add) with its answer and clauses, as a
    suggested curated answer; amounts no clause states are flagged for the approver."""
    found = _ticket_or_error(page)
    if isinstance(found, Response):
        return found
    if found.answer is None:
        return page.error(page.t("ticket.no_answer"))
    if found.faq_id is not None:
        return page.redirect(f"/faq/{found.faq_id}", "ticket.saved_faq", id=found.faq_id)
    desk = page.console.desk
    variants = [found.question, *page.field("variants").splitlines()]
    keys = [str(c["key"]) for c in found.clauses if c.get("key")]
    answer = page.field("answer") or found.answer
    flagged = unverified_amounts(answer, amount_sources(keys, desk.clauses, desk.store))
    entry = desk.store.add_faq(
        variants, answer, keys, page.who, unverified_amounts=flagged, ticket_id=found.id,
        now=page.console.now(),
    )
    desk.store.link_faq(found.id, entry.id)
    page.audit("faq.create", f"faq #{entry.id} from #{found.id}")
    return page.redirect(f"/faq/{entry.id}", "ticket.saved_faq", id=entry.id)

