"""The handoff as a state machine: assistant -> waiting for staff -> answered by staff ->
resolved, and back to the assistant. Pure: a status and an event give the next status.

    (none) --open--> waiting --staff_reply--> answered --user_next--> resolved
              waiting/answered --close--> resolved        answered --staff_reply--> answered

While a ticket waits the user keeps talking to the assistant; the user's next message after
a staff answer resolves the ticket (the conversation is back with the assistant).
"""

from __future__ import annotations

from typing import Literal

Status = Literal["waiting", "answered", "resolved"]
Event = Literal["open", "staff_reply", "user_next", "close"]
STATUSES: tuple[Status, ...] = ("waiting", "answered", "resolved")

_NEXT: dict[tuple[Status | None, Event], Status] = {
    (None, "open"): "waiting",
    ("resolved", "open"): "waiting",
    ("waiting", "staff_reply"): "answered",
    ("answered", "staff_reply"): "answered",
    ("answered", "user_next"): "resolved",
    ("waiting", "close"): "resolved",
    ("answered", "close"): "resolved",
}


class InvalidTransition(ValueError):
    """An event that does not apply to the ticket's status (e.g. replying to a closed one)."""


def advance(status: Status | None, event: Event) -> Status:
    """The status after ``event``; InvalidTransition when the event does not apply."""
    try:
        return _NEXT[(status, event)]
    except KeyError:
        raise InvalidTransition(f"{event} does not apply to a ticket that is {status}") from None
