"""The account's custom menu, from the command table: 政策问答 (/help), 资格检查 (/check) and
人工服务 (a request for a person, as if typed). A tap arrives as a ``CLICK`` event whose key
is the command's name; ``click_text`` turns it into what the user would have typed."""

from __future__ import annotations

from typing import Any, Final

from bot.messages import COMMAND_NAMES
from bot.messages import text as catalogue

PERSON: Final = "person"
# (event key, catalogue entry of the label); the keys are commands of the table, or PERSON.
ITEMS: Final = (
    ("help", "wechat.menu.ask"),
    ("check", "wechat.menu.check"),
    (PERSON, "wechat.menu.person"),
)
assert all(key in COMMAND_NAMES or key == PERSON for key, _ in ITEMS)


def buttons(lang: str = "zh") -> list[dict[str, Any]]:
    """The ``button`` list of ``/cgi-bin/menu/create``."""
    return [{"type": "click", "name": catalogue(label, lang), "key": key} for key, label in ITEMS]


def click_text(key: str | None) -> str | None:
    """What a tap on a menu item means as typed text, or None for a key that is not ours."""
    if key == PERSON:
        return "转人工"
    if key in COMMAND_NAMES and any(key == k for k, _ in ITEMS):
        return f"/{key}"
    return None
