"""Conversation context in the dialogue core: the topic a follow-up leans on, the disclaimer
once per conversation, and a new conversation after 30 idle minutes (``Incoming.at``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.dialogue import handle
from bot.domain import Incoming, Session
from bot.messages import COMMAND_NAMES, command_menu

TODAY = date(2026, 11, 29)
DISCLAIMER = "具体以主管部门解释为准"
T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def say(services: Any, session: Session, text: str, at: datetime) -> tuple[Session, str]:
    turn = handle(session, Incoming(chat_id=session.chat_id, text=text, at=at), services, TODAY)
    return turn.session, "\n".join(r.text for r in turn.replies)


def test_follow_up_disclaimer_once_and_idle_timeout(services: Any) -> None:
    session = Session(chat_id="ctx")
    session, first = say(services, session, "嘉定营收首超3亿奖励多少？", T0)
    assert first.splitlines()[0].startswith("一次性奖励100万元") and DISCLAIMER in first
    assert session.topic["programs"] == ["jd-revenue-milestone"]
    session, second = say(services, session, "那5亿呢？", T0 + timedelta(minutes=2))
    assert "接上题" in second and "200万元" in second.splitlines()[0]
    assert DISCLAIMER not in second, "the disclaimer is shown once per conversation"
    # after 30 idle minutes a new conversation starts: no topic to lean on, the disclaimer again
    session, later = say(services, session, "嘉定上市奖励多少", T0 + timedelta(minutes=40))
    assert "接上题" not in later and DISCLAIMER in later


def test_english_and_traditional_re_render_the_last_answer(services: Any) -> None:
    session = Session(chat_id="render")
    session, _ = say(services, session, "嘉定区级特色园区补贴多少", T0)
    session, english = say(services, session, "in English please", T0)
    assert english.splitlines()[0].startswith("1,000,000 yuan")
    session, hant = say(services, session, "繁體", T0)
    assert "100萬元" in hant.splitlines()[0] and session.traditional


def test_the_command_table_is_what_the_router_dispatches() -> None:
    assert {"start", "help", "check", "cancel", "lang", "about"} <= COMMAND_NAMES
    menu = dict(command_menu("zh-Hant"))
    assert set(menu) == {"start", "help", "check", "cancel", "lang", "about"}
    assert "資格檢查" in menu["check"]
    assert dict(command_menu("en"))["check"].startswith("Check")
