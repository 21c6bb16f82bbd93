"""Issue 11 end to end through the fake Telegram Bot API, with the real PTB channel.

The channel runs its turns through ``Conversation.turn`` with the staff desk (as ``policybot
telegram`` wires it), and a message that replies to a ticket card carries
``meta["reply_to_slot"]`` from the channel's slot map.

A user asks what the documents do not answer and asks for a person; the ticket appears in
the staff group; a member of staff replies to it; the reply reaches the user; the staff
member saves it as a curated answer and approves it; another user asks the same in other
words and gets the staff answer with its date and clause.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import datetime
from typing import Any

import pytest
from fakes.telegram_api import FakeTelegram
from fakes.telegram_chat import UserChat, keyboard_buttons, settle

from bot.channels.telegram import RetryPolicy, TelegramChannel, Timeouts
from bot.config import Settings
from bot.conversation import Conversation
from bot.staff.desk import StaffDesk
from bot.staff.hours import SHANGHAI
from bot.store import Store
from tests.conftest import TODAY

TOKEN = "123456:SECRET-token-never-logged_0123456789"
STAFF_CHAT = -100777
STAFF_ID = 7001
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


class PinnedFront(Conversation):
    """The real front with the clock pinned, so office-hours promises are stable."""

    def turn(self, incoming, today, within=None, now=None):
        return super().turn(incoming, today, within, now=NOW)


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def test_staff_triage_through_the_bot_api(services: Any, tmp_path) -> None:
    with FakeTelegram(token=TOKEN) as tg:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path,
            telegram_token=TOKEN,
            telegram_api_url=tg.base_url,
            staff_chat_id=STAFF_CHAT,
            staff_user_ids=[STAFF_ID],
        )
        store = Store(tmp_path / "policybot.sqlite3")
        svc = dataclasses.replace(services, store=store)
        desk = StaffDesk.build(settings, svc)
        channel = TelegramChannel(
            settings,
            svc,
            lambda: TODAY,
            retry=RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2),
            timeouts=Timeouts(read=2.0, poll=1.0),
            clock=time.monotonic,
            front=PinnedFront(svc, store, desk),
        )

        async def in_group(text: str, reply_to: int | None = None) -> list[dict[str, Any]]:
            seen = len(tg.sent_messages(STAFF_CHAT))
            tg.push_text(
                STAFF_CHAT,
                text,
                user_id=STAFF_ID,
                chat_type="supergroup",
                first_name="王老师",
                reply_to_message_id=reply_to,
            )
            await settle(tg, channel)
            return tg.sent_messages(STAFF_CHAT)[seen:]

        async def press_in_group(message: dict[str, Any], label: str) -> list[dict[str, Any]]:
            seen = len(tg.sent_messages(STAFF_CHAT))
            data = next(b["callback_data"] for b in keyboard_buttons(message) if label in b["text"])
            tg.push_callback(
                STAFF_CHAT,
                data,
                message_id=message["message_id"],
                user_id=STAFF_ID,
                chat_type="supergroup",
                first_name="王老师",
            )
            await settle(tg, channel)
            return tg.sent_messages(STAFF_CHAT)[seen:]

        async def scenario() -> dict[str, Any]:
            out: dict[str, Any] = {}
            async with channel.running():
                asker = UserChat(tg, channel, 42)
                out["asked"] = await asker.say("申请直播补贴需要准备哪些材料？")
                out["handed"] = await asker.say("转人工")
                (card,) = tg.sent_messages(STAFF_CHAT)
                out["card"] = card
                answer = "请准备营业执照复印件和申请表，到嘉定区商务委窗口办理。"
                out["staff_reply"] = await in_group(answer, reply_to=card["message_id"])
                out["to_user"] = await asker.replies()
                updated = out["staff_reply"][-1]
                out["saved"] = await press_in_group(updated, "保存为常见问答")
                out["approved"] = await press_in_group(out["saved"][0], "批准")
                other = UserChat(tg, channel, 43)
                out["other"] = await other.say("直播补贴申请材料有哪些？")
                out["queue_by_user"] = await other.say("/queue")
            return out

        out = asyncio.run(scenario())
        desk.store.close()
        store.close()

    told = out["handed"][0]["text"]
    assert "已为您转接工作人员（工单 #1）" in told and "17:30" in told
    card = out["card"]
    assert (
        card["text"].startswith("🎫 工单 #1") and "申请直播补贴需要准备哪些材料？" in card["text"]
    )
    assert [b["text"] for b in keyboard_buttons(card)] == ["认领 Claim", "关闭 Close"]
    (to_user,) = out["to_user"]
    assert to_user["text"].startswith("【工作人员回复】") and "营业执照复印件" in to_user["text"]
    assert "保存为常见问答" in str(keyboard_buttons(out["staff_reply"][-1]))
    assert out["saved"][0]["text"].startswith("📝 常见问答 #1")
    assert "已批准" in out["approved"][0]["text"]
    (faq,) = out["other"]
    assert (
        faq["text"].startswith("【工作人员答复 · 2026-11-23】") and "营业执照复印件" in faq["text"]
    )
    assert "📄 《关于加快嘉定区直播和短视频产业发展的若干意见》" in faq["text"]  # the linked clause
    assert [b["text"] for b in keyboard_buttons(faq)] == ["👍", "👎"]
    (queue,) = out["queue_by_user"]
    assert "工单" not in queue["text"] and "/queue" in queue["text"]  # the normal assistant
