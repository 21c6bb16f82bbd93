"""When a handoff to staff starts: pure functions over what the user did.

- ``wants_person``: the user asks for a person (转人工, 找工作人员, 人工客服, 轉人工,
  talk to a person...). Said inside a longer question it counts too ("转人工，我想问…").
  A policy term that merely contains the words (人工智能, 工作人员培训) does not.
- ``feedback``: a 👍/👎 button under an answer.
- ``offer_for``: which button an answer carries: an out-of-scope refusal gets "转人工", an
  in-scope answer the documents do not give ("没有找到") gets "问工作人员", not a ticket each.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.text import normalize

Reason = Literal["asked", "thumbs_down", "not_found", "out_of_scope"]
REASONS: tuple[Reason, ...] = ("asked", "thumbs_down", "not_found", "out_of_scope")

# Normalised text: Traditional is already Simplified, full-width is half-width, lower case.
_ZH = re.compile(
    r"转人工|人工客服|人工服务|人工坐席|人工座席|真人客服|"
    r"(?:找|联系|要|请|接|叫|呼叫|换|转|转给|转接|需要|想找)(?:个|一个|一位|位)?"
    r"(?:人工(?!智能)|真人|工作人员|客服|人员|专员|老师|窗口)(?!培训|补贴|奖励)|"
    r"^(?:人工|客服|真人)[。!！]?$"
)
_EN = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s+|your\s+)?"
    r"(?:real\s+|human\s+|live\s+)?(?:person|people|human|someone|somebody|agent|staff|officer|operator)\b|"
    r"\b(?:human|live|real)\s+(?:agent|person|support)\b|"
    r"\b(?:contact|reach)\s+(?:a\s+|the\s+)?(?:staff|officer|person|human)\b|"
    r"^\s*(?:agent|human|operator|staff)\s*[.!]?\s*$"
)

HANDOFF_CHOICE = "staff:handoff"  # the "转人工 / 问工作人员" button
FEEDBACK_UP = "fb:up"
FEEDBACK_DOWN = "fb:down"


def wants_person(text: str) -> bool:
    """True when the message asks for a member of staff, in zh-Hans, zh-Hant or English."""
    norm = normalize(text)
    return bool(_ZH.search(norm) or _EN.search(norm))


def feedback(choice: str) -> tuple[int, str] | None:
    """(+1 or -1, log token) for a feedback button id ``fb:up:<token>``; None otherwise."""
    parts = choice.split(":")
    if len(parts) != 3 or parts[0] != "fb" or parts[1] not in ("up", "down") or not parts[2]:
        return None
    return (1 if parts[1] == "up" else -1), parts[2]


def offer_for(in_scope: bool, answered: bool) -> Reason | None:
    """The handoff a reply offers as a button: out of scope, or in scope but not found."""
    if not in_scope:
        return "out_of_scope"
    if not answered:
        return "not_found"
    return None
